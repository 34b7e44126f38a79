// Symbolics whose ONNX form changed at opset 17.
#include "symbolics/Helpers.h"

namespace ts2onnx::symbolics {

void registerOpset17(SymbolicRegistry &) {}

} // namespace ts2onnx::symbolics
