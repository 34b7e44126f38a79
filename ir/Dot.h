// Graphviz rendering of a graph, for `ts2onnx dump --dot` and `--dump-dir ... --dot`: one box
// per node labelled with its kind, edges from producers to users labelled with the value name,
// and each prim::If / prim::Loop block drawn as a cluster.
#pragma once

#include <string>

#include "ir/Graph.h"

namespace ts2onnx::ir {

std::string printDot(const Graph &g, const std::string &name = "graph");

} // namespace ts2onnx::ir
