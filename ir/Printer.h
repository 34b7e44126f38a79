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
#include <string_view>

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
/// IValue's repr of a double, as torch prints constants and schema defaults: `1.`, `-0.`,
/// `0.10000000000000001`, `1e+100`, `inf`.
std::string formatDouble(double d);
/// c10::printQuotedString: `"a\"b\n"`, other unprintable bytes escaped as torch does.
std::string quoteString(std::string_view s);
/// An attribute value as it appears inside `[...]` (`1`, `"x"`, `[1, 2]`, `<Tensor>`).
std::string printAttributeValue(const AttributeValue &v);

} // namespace ts2onnx::ir
