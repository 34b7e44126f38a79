// Evaluation of ONNX nodes on constant inputs, for onnx-fold-constants (and the shape-vector
// tracking of onnx-simplify-shapes, which reads constants the same way). Internal.
#pragma once

#include <optional>

#include "ir/Graph.h"
#include "semantics/Dense.h"

namespace ts2onnx::onnx_passes {

/// The value of single-output node `n` when all its inputs are constant tensors (or omitted)
/// and its kind is one the evaluator knows (Gather, Unsqueeze, Squeeze, Concat, Cast, Reshape,
/// Flatten, Transpose, Slice, Shape, Size, Range, ConstantOfShape, Expand, Where, unary and
/// binary arithmetic, comparisons and logic), within kMaxElements result elements
/// (kMaxLayoutElements for ops that only move data); else nullopt.
std::optional<semantics::Dense> evaluate(const ir::Node *n);

/// A Transpose of a constant tensor as a strided view of the same bytes (nothing is copied), when
/// its permutation is valid.
std::optional<ir::Tensor> transposedView(const ir::Node *n);

} // namespace ts2onnx::onnx_passes
