// Dropout in all its forms: the identity in eval mode or with p = 0, refused in training mode
// otherwise (the export is of an inference graph).
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

void registerDropout(SymbolicRegistry &r) {
  addAll(r,
         {"aten::dropout", "aten::feature_dropout", "aten::alpha_dropout",
          "aten::feature_alpha_dropout", "aten::dropout_", "aten::feature_dropout_",
          "aten::alpha_dropout_", "aten::feature_alpha_dropout_"},
         9, [](Ctx &c) -> Result {
           // With p = 0 every element is kept and scaled by 1 / (1 - 0): the identity in
           // training mode too (torchvision's Swin passes training=True with p = 0).
           if (c.constBool(2).value_or(true) && c.constFloat(1) != std::optional<double>(0))
             return c.unsupported(
                 "dropout with train=True, which samples random numbers no ONNX model reproduces "
                 "(when it is the module's training flag, export in eval mode; some models, e.g. "
                 "Tacotron2's prenet, apply it at inference on purpose)");
           return one(c.input(0));
         });
  // native_dropout(input, p, train?) -> (output, mask): train None means training, as in torch.
  // In eval mode the output is the input and the mask all true.
  r.add("aten::native_dropout", 9, [](Ctx &c) -> Result {
    if ((c.isNone(2) || c.constBool(2).value_or(true)) &&
        c.constFloat(1) != std::optional<double>(0))
      return c.unsupported(
          "native_dropout with train=True, which samples random numbers no ONNX model reproduces "
          "(when it is the module's training flag, export in eval mode)");
    ir::Value *x = c.input(0);
    ir::Value *mask = c.node().outputs().size() > 1 && c.node().output(1)->hasUses()
                          ? c.b.constantOfShape(c.b.shape(x), 1, ir::ScalarType::Bool)
                          : nullptr;
    return std::vector<ir::Value *>{x, mask};
  });
}

} // namespace ts2onnx::symbolics
