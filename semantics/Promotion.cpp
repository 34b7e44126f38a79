#include "semantics/Promotion.h"

namespace ts2onnx::semantics {

using ir::ScalarType;

Category category(ScalarType t) {
  switch (t) {
  case ScalarType::Bool:
    return Category::Bool;
  case ScalarType::UInt8:
  case ScalarType::Int8:
  case ScalarType::Int16:
  case ScalarType::Int32:
  case ScalarType::Int64:
    return Category::Integral;
  case ScalarType::Float16:
  case ScalarType::BFloat16:
  case ScalarType::Float32:
  case ScalarType::Float64:
    return Category::Floating;
  case ScalarType::ComplexHalf:
  case ScalarType::ComplexFloat:
  case ScalarType::ComplexDouble:
    return Category::Complex;
  default:
    return Category::Other;
  }
}

namespace {

/// The real dtype of a complex one and back; promotion of complex types follows their parts.
ScalarType realPart(ScalarType t) {
  switch (t) {
  case ScalarType::ComplexHalf:
    return ScalarType::Float16;
  case ScalarType::ComplexFloat:
    return ScalarType::Float32;
  case ScalarType::ComplexDouble:
    return ScalarType::Float64;
  default:
    return t;
  }
}

ScalarType complexOf(ScalarType t) {
  switch (t) {
  case ScalarType::Float16:
    return ScalarType::ComplexHalf;
  case ScalarType::Float64:
    return ScalarType::ComplexDouble;
  default:
    return ScalarType::ComplexFloat;
  }
}

/// Order within and across the bool, integral and floating categories; uint8 and int8, and
/// float16 and bfloat16, are incomparable (neither holds the other's values).
int order(ScalarType t) {
  switch (t) {
  case ScalarType::Bool:
    return 0;
  case ScalarType::UInt8:
  case ScalarType::Int8:
    return 1;
  case ScalarType::Int16:
    return 2;
  case ScalarType::Int32:
    return 3;
  case ScalarType::Int64:
    return 4;
  case ScalarType::Float16:
  case ScalarType::BFloat16:
    return 5;
  case ScalarType::Float32:
    return 6;
  default:
    return 7;
  }
}

std::optional<ScalarType> promoteReal(ScalarType a, ScalarType b) {
  if (a == b)
    return a;
  if (order(a) == order(b)) // uint8/int8, float16/bfloat16: the next type that holds both
    return order(a) == 1 ? ScalarType::Int16 : ScalarType::Float32;
  return order(a) > order(b) ? a : b;
}

} // namespace

std::optional<ScalarType> promoteTypes(ScalarType a, ScalarType b) {
  if (a == b)
    return a;
  Category ca = category(a), cb = category(b);
  if (ca == Category::Other || cb == Category::Other)
    return std::nullopt;
  if (ca == Category::Complex || cb == Category::Complex) {
    // complex x real: the complex type wide enough for the real part of both (a bool or
    // integral operand does not widen it).
    ScalarType ra = ca == Category::Complex || ca == Category::Floating ? realPart(a) : b;
    ScalarType rb = cb == Category::Complex || cb == Category::Floating ? realPart(b) : a;
    auto r = promoteReal(realPart(ra), realPart(rb));
    return r ? std::optional(complexOf(*r)) : std::nullopt;
  }
  return promoteReal(a, b);
}

void ResultType::add(OperandKind kind, ScalarType dtype, bool assumed) {
  Slot &s = kind == OperandKind::Dimensioned ? dim_
            : kind == OperandKind::ZeroDim   ? zero_
                                             : number_;
  if (kind == OperandKind::Number) {
    // A Python float or complex takes the default dtype (float32, complex64).
    Category c = category(dtype);
    if (c == Category::Floating)
      dtype = ScalarType::Float32;
    else if (c == Category::Complex)
      dtype = ScalarType::ComplexFloat;
  }
  if (!s.dtype) {
    s.dtype = dtype;
  } else if (auto p = promoteTypes(*s.dtype, dtype)) {
    s.dtype = p;
  } else {
    s.invalid = true;
  }
  s.assumed |= assumed;
}

namespace {

/// combine_categories(higher, lower) of at::native::result_type.
std::optional<ScalarType> combine(std::optional<ScalarType> higher,
                                  std::optional<ScalarType> lower) {
  if (!higher)
    return lower;
  if (!lower)
    return higher;
  Category h = category(*higher), l = category(*lower);
  if (h == Category::Complex)
    return higher;
  if (h == Category::Floating)
    return l == Category::Complex ? std::optional(complexOf(*higher)) : higher;
  if (h == Category::Bool || l == Category::Floating || l == Category::Complex)
    return promoteTypes(*higher, *lower);
  return higher;
}

} // namespace

std::optional<ScalarType> ResultType::result() const {
  if (unknown_ || dim_.invalid || zero_.invalid || number_.invalid)
    return std::nullopt;
  return combine(dim_.dtype, combine(zero_.dtype, number_.dtype));
}

bool ResultType::assumed() const {
  auto r = result();
  if (!r)
    return false;
  for (const Slot *s : {&dim_, &zero_, &number_})
    if (s->dtype == r)
      return s->assumed;
  // Made from two groups (bool with a higher category, an integral with a floating one).
  return dim_.assumed || zero_.assumed;
}

} // namespace ts2onnx::semantics
