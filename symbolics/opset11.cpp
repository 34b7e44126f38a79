// Symbolics whose ONNX form changed at opset 11.
#include "symbolics/Helpers.h"

namespace ts2onnx::symbolics {

void registerOpset11(SymbolicRegistry &) {}

} // namespace ts2onnx::symbolics
