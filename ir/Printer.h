// Prints a graph in torch's text format, byte for byte as torch 1.13 prints `m.graph` /
// `m.inlined_graph`:
//   graph(%self : __torch__.M,
//         %x.1 : Tensor):
//     %3 : int = prim::Constant[value=1]() # file.py:12:8
//     %y : Tensor = prim::If(%c)
//       block0():
//         -> (%a)
//       block1():
//         -> (%b)
//     return (%y)
#pragma once

#include <ostream>
#include <string>

#include "ir/Graph.h"

namespace ts2onnx::ir {

struct PrintOptions {
  /// Print `# file:line:col` after nodes that carry a source location.
  bool sourceLocations = true;
};

std::string printGraph(const Graph &g, const PrintOptions &opts = {});
void printGraph(std::ostream &os, const Graph &g, const PrintOptions &opts = {});
/// One node (and its blocks) at the given indentation, without trailing newline handling
/// differences: exactly the lines printGraph would print for it.
std::string printNode(const Node &n, int indent = 2, const PrintOptions &opts = {});
/// An attribute value as it appears inside `[...]` (`1`, `"x"`, `[1, 2]`, `<Tensor>`).
std::string printAttributeValue(const AttributeValue &v);

} // namespace ts2onnx::ir
