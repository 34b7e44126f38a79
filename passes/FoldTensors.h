// The small tensor evaluator of fold-constants (fold-constants.cpp runs it on every node whose
// inputs are constants): an aten op's value on constant inputs, computed in double (int64 for
// integral results), and the helpers both files read constants with. Internal to passes/.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ir/Graph.h"
#include "semantics/Dense.h"

namespace ts2onnx::passes {

/// The most elements a folded result may have (kMaxLayoutElements for ops that only move data).
constexpr int64_t kMaxElements = 1 << 16;
constexpr int64_t kMaxLayoutElements = int64_t(1) << 26;

inline const ir::AttributeValue *constantAttr(const ir::Value *v) { return ir::constantValue(v); }

/// A constant int list, or a ListConstruct of int constants.
std::optional<std::vector<int64_t>> constInts(const ir::Value *v);

inline bool isNoneConstant(const ir::Value *v) {
  return v->type()->is(ir::TypeKind::None) && v->node()->kind() == ir::prim::Constant;
}

inline std::optional<std::vector<int64_t>> staticSizes(const ir::Value *v) {
  return ir::staticSizes(*v->type());
}

inline std::optional<size_t> rankOf(const ir::Value *v) {
  if (!v->type()->isTensor() || !v->type()->tensorInfo().sizes)
    return std::nullopt;
  return v->type()->tensorInfo().sizes->size();
}

/// The value of tensor op `n` on constant inputs, if it is one the evaluator knows: t, transpose,
/// permute, reshape-like ops, contiguous/clone/detach, to(dtype), type_as, neg, add/sub/mul/div,
/// min/max, log2/log/exp/sqrt/reciprocal/round/floor/ceil/abs, comparisons, all/any, triu/tril,
/// full/zeros/ones, tensor/as_tensor of constants, prim::NumToTensor.
std::optional<semantics::Dense> evaluateTensor(const ir::Node *n);

enum class NumberKind { Int, Float, Bool };
/// A Python number a folded item()/float()/int()/bool() gives.
struct Number {
  NumberKind kind;
  double value = 0; // a float's value
  int64_t i = 0;    // an int's or bool's
};

/// item(), float(), int() and bool() of a one-element constant tensor: the number (item() by the
/// tensor's dtype; int() truncates toward zero).
std::optional<Number> numberOf(const ir::Node *n);

} // namespace ts2onnx::passes
