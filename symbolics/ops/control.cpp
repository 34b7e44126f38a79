// prim:: and aten:: ops of TorchScript's control and typing that have no computation in ONNX:
// Optional unwrapping, warnings and dropped argument checks.
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

void registerControl(SymbolicRegistry &r) {
  // Optional[T] -> T: a no-op at run time (torch raised before it where the value is None).
  addAll(r, {"prim::unchecked_cast", "aten::_unwrap_optional", "prim::unchecked_unwrap_optional"},
         9, identity);
  // list(l): a copy, and by the time symbolics run no list is mutated (functionalize-lists made
  // the mutations new values, or refused them): the same value.
  r.add("aten::list", 9, identity);
  // Warnings have no ONNX form; like torch's exporter, drop them.
  r.add("aten::warn", 9, [](Ctx &) -> Result { return std::vector<ir::Value *>{}; });
  // An argument check eliminate-exceptions dropped (check-input-shapes decides and removes
  // them in the standard pipeline): a pipeline without it drops the check, unless it is known
  // to raise.
  r.add("ts2onnx::raise_if", 9, [](Ctx &ctx) -> Result {
    if (ctx.constInt(0).value_or(0) != 0)
      return ctx.unsupported("an argument check that always raises for these inputs");
    return std::vector<ir::Value *>{};
  });
}

} // namespace ts2onnx::symbolics
