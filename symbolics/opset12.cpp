// Symbolics whose ONNX form changed at opset 12: LessOrEqual and GreaterOrEqual exist (before,
// a <= b was Not(Greater)).
#include "symbolics/Helpers.h"
#include "symbolics/Opsets.h"

namespace ts2onnx::symbolics {

void registerOpset12(SymbolicRegistry &r) {
  using shared::Cmp;
  r.add("aten::le", 12, [](SymbolicContext &c) { return shared::compare(c, Cmp::Le, true, true); });
  r.add("aten::ge", 12, [](SymbolicContext &c) { return shared::compare(c, Cmp::Ge, true, true); });
}

} // namespace ts2onnx::symbolics
