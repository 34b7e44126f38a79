// Shape rules of the aten ops that need more than "like the input" or broadcasting: reshape with
// -1, windowed ops (convolution, pooling), matmul, reductions, recurrent layers. Used by the
// rule table (AtenRules.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "semantics/AtenOperands.h"

namespace ts2onnx::semantics {

/// Product of dims as a static factor and the symbols; nothing when a dim is unknown.
struct Product {
  int64_t factor = 1;
  std::vector<std::string> symbols;
};
std::optional<Product> product(const Dims &d, size_t from, size_t to);
ir::Dim productDim(const Product &p);

/// The shape of view/reshape(input, shape), resolving one -1.
std::optional<Dims> reshape(const std::optional<Dims> &input, const ir::Value *shapeList);

/// floor((in + 2p - d(k-1) - 1) / s) + 1, rounded up when `ceil`.
ir::Dim windowOut(const ir::Dim &in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil);

/// The output of a convolution (transposed or not) from its operands.
void conv(ir::Node *n, const ir::Value *strideV, const ir::Value *paddingV,
          const ir::Value *dilationV, bool transposed, const ir::Value *outPadV,
          const ir::Value *groupsV);
/// The outputs of max/avg pooling (and the indices of max_pool*_with_indices).
void pool(ir::Node *n, const ir::Value *kernelV, const ir::Value *strideV,
          const ir::Value *paddingV, const ir::Value *dilationV, const ir::Value *ceilV);
/// torch.matmul's result shape (vectors, matrices, broadcast batches).
std::optional<Dims> matmul(const std::optional<Dims> &a, const std::optional<Dims> &b);
/// The shape `self[indices]` selects (aten::index, and what index_put writes to) when the
/// indices, from dim 0 on, are all integer tensors (their broadcast shape, then self's remaining
/// dims) or all boolean masks (one dim of unknown size for the elements set, then the remaining
/// dims); nullopt otherwise (a None among them, mixed kinds, unknown shapes).
std::optional<Dims> indexedSizes(const Dims &self, const ir::Value *indexList);
/// Reductions with dims and keepdim (values and, for max/min with a dim, indices).
void reduce(ir::Node *n);
/// lstm/gru/rnn outputs.
void recurrent(ir::Node *n);

} // namespace ts2onnx::semantics
