// Symbolics whose ONNX form changed at opset 14: the HardSwish operator, and Trilu for
// triu/tril.
#include "ir/Status.h"
#include "symbolics/Helpers.h"
#include "symbolics/Opsets.h"

namespace ts2onnx::symbolics {

namespace {

shared::Result trilu(SymbolicContext &ctx, bool upper) {
  // aten::triu(self, diagonal=0)
  ir::Value *k = nullptr;
  if (ctx.numInputs() > 1) {
    TS2ONNX_ASSIGN_OR_RETURN(k, intScalar(ctx, 1));
  } else {
    k = ctx.b.int64Scalar(0);
  }
  return one(ctx.b.op("Trilu", {ctx.input(0), k}, {OnnxAttr::i("upper", upper ? 1 : 0)}));
}

} // namespace

void registerOpset14(SymbolicRegistry &r) {
  r.add("aten::hardswish", 14,
        [](SymbolicContext &c) { return one(c.b.op("HardSwish", {c.input(0)})); });
  r.add("aten::triu", 14, [](SymbolicContext &c) { return trilu(c, true); });
  r.add("aten::tril", 14, [](SymbolicContext &c) { return trilu(c, false); });
}

} // namespace ts2onnx::symbolics
