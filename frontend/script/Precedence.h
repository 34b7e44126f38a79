// Operator precedence levels shared by the parser (binding strength) and the printer (when to
// parenthesize), lowest first, so the two cannot drift apart.
#pragma once

namespace ts2onnx::frontend::script {

enum Prec : int {
  kPrecTernary = 1,
  kPrecOr,
  kPrecAnd,
  kPrecNot,
  kPrecCompare,
  kPrecBitOr,
  kPrecBitXor,
  kPrecBitAnd,
  kPrecShift,
  kPrecArith,
  kPrecTerm,
  kPrecUnary,
  kPrecPower,
  kPrecPostfix,
  kPrecAtom,
};

} // namespace ts2onnx::frontend::script
