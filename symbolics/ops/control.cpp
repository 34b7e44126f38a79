// prim:: and aten:: ops of TorchScript's control and typing that have no computation in ONNX:
// Optional unwrapping and warnings.
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

void registerControl(SymbolicRegistry &r) {
  // Optional[T] -> T: a no-op at run time (torch raised before it where the value is None).
  addAll(r, {"prim::unchecked_cast", "aten::_unwrap_optional", "prim::unchecked_unwrap_optional"},
         9, identity);
  // Warnings have no ONNX form; like torch's exporter, drop them.
  r.add("aten::warn", 9, [](Ctx &) -> Result { return std::vector<ir::Value *>{}; });
}

} // namespace ts2onnx::symbolics
