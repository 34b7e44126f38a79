// Structural checks run between passes: SSA dominance, use lists, block signatures.
#pragma once

#include "absl/status/status.h"
#include "ir/Graph.h"

namespace ts2onnx::ir {

/// OK when the graph is well formed:
/// - every input of a node is defined before it, in its block or an enclosing one;
/// - use lists match inputs exactly (no dangling or missing use);
/// - node/block links and value ownership are consistent;
/// - prim::If blocks take no inputs and return as many values as the If has outputs;
///   prim::Loop blocks take (iteration, carried...) and return (condition, carried...).
/// The error names the broken rule and the node, e.g.
/// `verifier: %y.1 = aten::add(...) uses %x.3 before it is defined`.
absl::Status verify(const Graph &g);

/// A one-line description of a node for messages: `%y.1, %2 = aten::add(%x, %1)` plus
/// its source location if it has one.
std::string describeNode(const Node &n);

} // namespace ts2onnx::ir
