// torch's type promotion, written once: torch.promote_types for two dtypes and
// at::native::result_type for the operands of an op (tensors with dims, 0-d tensors, Python
// numbers). Checked against torch's own answers in tests/semantics/promotion.txt.
#pragma once

#include <optional>

#include "ir/Tensor.h"

namespace ts2onnx::semantics {

/// torch's dtype categories, in promotion order.
enum class Category { Bool, Integral, Floating, Complex, Other };
Category category(ir::ScalarType t);

/// torch.promote_types(a, b); nullopt for the dtypes torch refuses to promote (quantized,
/// packed) or when they differ and one is undefined.
std::optional<ir::ScalarType> promoteTypes(ir::ScalarType a, ir::ScalarType b);

/// How an operand takes part in result_type: a tensor with at least one dim, a 0-d tensor, or
/// a Python number (a "wrapped number": int -> int64, float -> the default dtype float32,
/// complex -> complex64, bool -> bool).
enum class OperandKind { Dimensioned, ZeroDim, Number };

/// at::native::result_type over a sequence of operands: each kind is promoted within itself,
/// then a lower kind only counts when it is of a higher category (bool counts as lower than
/// every other category: a bool tensor with an int 0-d tensor gives the int).
class ResultType {
public:
  /// An operand of known dtype. For a Number, `dtype` is int64, float64 (or float32), bool or a
  /// complex type: a Python value's dtype. `assumed` marks a dtype that was guessed; the result
  /// says whether the operand group that decided it had a guessed member.
  void add(OperandKind kind, ir::ScalarType dtype, bool assumed = false);
  /// An operand whose dtype is not known: the result is unknown.
  void addUnknown() { unknown_ = true; }

  std::optional<ir::ScalarType> result() const;
  /// Whether the group whose dtype became the result had an `assumed` member.
  bool assumed() const;

private:
  struct Slot {
    std::optional<ir::ScalarType> dtype;
    bool assumed = false;
    bool invalid = false;
  };
  Slot dim_, zero_, number_;
  bool unknown_ = false;
};

} // namespace ts2onnx::semantics
