// Symbolics whose ONNX form changed at opset 13: Softmax/LogSoftmax normalize over one axis
// instead of flattening to 2-D at it. (Split/Squeeze/Unsqueeze/ReduceSum take their axes as
// inputs from 13; OnnxBuilder's helpers make that switch for every symbolic.)
#include "ir/Status.h"
#include "symbolics/Helpers.h"
#include "symbolics/Opsets.h"

namespace ts2onnx::symbolics {

namespace {

shared::Result softmax13(SymbolicContext &ctx, const char *onnxOp) {
  auto dim = ctx.constInt(1);
  if (!dim)
    return ctx.unsupported("a non-constant dim");
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 2));
  ir::Value *x = ctx.input(0);
  if (dt && OnnxBuilder::dtypeOf(x) != dt)
    x = ctx.b.cast(x, *dt);
  return one(ctx.b.op(onnxOp, {x}, {OnnxAttr::i("axis", *dim)}));
}

} // namespace

void registerOpset13(SymbolicRegistry &r) {
  r.add("aten::softmax", 13, [](SymbolicContext &c) { return softmax13(c, "Softmax"); });
  r.add("aten::log_softmax", 13, [](SymbolicContext &c) { return softmax13(c, "LogSoftmax"); });
}

} // namespace ts2onnx::symbolics
