// Graphviz rendering of a graph, for `ts2onnx dump --dot` and `--dump-dir ... --dot`: one box
// per node labelled with its kind, edges from producers to users labelled with the value name,
// and each prim::If / prim::Loop block drawn as a cluster.
#pragma once

#include <string>

#include "ir/Graph.h"

namespace ts2onnx::ir {

struct DotOptions {
  /// Draw at most this many nodes (0: all), in program order; a note node says how many were
  /// left out, and edges from or to them are not drawn.
  size_t maxNodes = 0;
  /// Leave out constant nodes (prim::Constant, onnx::Constant) and their edges.
  bool hideConstants = false;
};

std::string printDot(const Graph &g, const std::string &name = "graph",
                     const DotOptions &options = {});

} // namespace ts2onnx::ir
