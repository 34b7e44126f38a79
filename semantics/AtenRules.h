// The dtype/shape rule of each aten op, in one table: what torch computes for an op's outputs
// from its inputs' types (dtype promotion, broadcasting, the shape functions), independent of
// ONNX. propagate-shapes applies it node by node; symbolics read the types it leaves.
#pragma once

#include "ir/Graph.h"

namespace ts2onnx::semantics {

/// Sets the dtype and sizes of `n`'s tensor outputs where its op's rule says what they are;
/// false when the op has no rule (its outputs stay as they are).
bool inferAtenTypes(ir::Node *n);

/// How many leading operands of `n` torch broadcasts together (its tensor operands among them
/// must have broadcastable shapes, or torch raises); 0 when `n` is not such an op.
size_t broadcastOperands(const ir::Node &n);

} // namespace ts2onnx::semantics
