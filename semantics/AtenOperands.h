// The vocabulary of the per-op dtype/shape rules: an aten node's operands read as dtypes, dims,
// int lists and axes (following constants, ListConstructs and aten::size of known tensors), and
// its results' tensor types written back.
#pragma once

#include <optional>
#include <vector>

#include "ir/Graph.h"
#include "semantics/Broadcast.h"
#include "semantics/Promotion.h"

namespace ts2onnx::semantics {

/// What is known of a tensor value: its dtype and sizes.
struct Info {
  std::optional<ir::ScalarType> dtype;
  std::optional<Dims> sizes;
};

Info infoOf(const ir::Value *v);
bool isNone(const ir::Value *v);

/// An int value as a dimension: a constant, or aten::size of a tensor dim (through
/// NumToTensor/Int as traces write it).
ir::Dim dimOfInt(const ir::Value *v);
/// An int[] value as dims: a constant list, a ListConstruct of ints, or aten::size(t).
std::optional<Dims> dimsOfList(const ir::Value *v);
/// An int[] value made of constants (a constant list, a ListConstruct of constants, or one int).
std::optional<std::vector<int64_t>> intsOfList(const ir::Value *v);
/// A normalized dim index for rank `r`.
std::optional<size_t> axis(std::optional<int64_t> d, size_t r);
/// A Python slice bound `i` of a sequence of `size`: from the end when negative, clamped to
/// [0, size].
int64_t sliceBound(int64_t i, int64_t size);
/// `a` and `b` as one type: the dtype both have, and the dims both have (a dim that differs is
/// unknown; different or unknown ranks make the sizes unknown).
Info joinInfo(const Info &a, const Info &b);
/// A constant `ScalarType` argument (torch's dtype code).
std::optional<ir::ScalarType> dtypeArg(const ir::Value *v);

/// Sets what is known of tensor value `v` (unknown parts keep what `v` had).
void setResult(ir::Value *v, std::optional<ir::ScalarType> dtype, std::optional<Dims> sizes);
void setResult(ir::Value *v, const Info &i);

/// Adds operand `v` to a result_type computation: a tensor (0-d when its rank is known to be
/// 0) or a Python int/float/bool; anything else, or an unknown dtype, makes the result unknown.
void addOperand(ResultType &r, const ir::Value *v);
void addTensorOperand(ResultType &r, const ir::Value *v);

} // namespace ts2onnx::semantics
