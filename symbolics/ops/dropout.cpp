// Dropout in all its forms: the identity in eval mode, refused in training mode (the export is of
// an inference graph).
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

void registerDropout(SymbolicRegistry &r) {
  addAll(r,
         {"aten::dropout", "aten::feature_dropout", "aten::alpha_dropout",
          "aten::feature_alpha_dropout"},
         9, [](Ctx &c) -> Result {
           if (c.constBool(2).value_or(true))
             return c.unsupported("dropout in training mode (export in eval mode)");
           return one(c.input(0));
         });
}

} // namespace ts2onnx::symbolics
