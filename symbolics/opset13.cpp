// Symbolics whose ONNX form changed at opset 13.
#include "symbolics/Helpers.h"

namespace ts2onnx::symbolics {

void registerOpset13(SymbolicRegistry &) {}

} // namespace ts2onnx::symbolics
