// What the tensors of a list are: the pieces split/chunk/unbind/tensor_split/meshgrid/
// broadcast_tensors make, and what every element of a list built at run time (appended to in a
// loop) has in common. Internal to semantics/ (the rules of AtenRules.cpp read them).
#pragma once

#include <cstdint>
#include <optional>

#include "ir/Graph.h"
#include "semantics/AtenOperands.h"

namespace ts2onnx::semantics {

/// Piece `i` of the list `p` makes (chunk/split/unbind/tensor_split, meshgrid/broadcast_tensors
/// of a literal list, where/nonzero_numpy); a negative `i` counts from the end when the number
/// of pieces is known. nullopt when `p` is no such op.
std::optional<Info> pieceOf(const ir::Node *p, int64_t i);

/// What every tensor list value `l` may hold has in common (literals, appends, copies, values
/// Ifs and Loops carry); nullopt when it holds nothing known to be a tensor.
std::optional<Info> listElementInfo(const ir::Value *l);

} // namespace ts2onnx::semantics
