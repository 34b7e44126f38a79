// Helpers for the symbolics tests: parse an aten graph, run to-onnx at an opset, inspect the ONNX
// nodes, and check the result with ONNX's checker and strict shape inference through a minimal
// test-only writer of the IR's ONNX dialect (the real emitter is writer/Emitter).
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ir/Graph.h"
#include "onnx/onnx_pb.h"

namespace ts2onnx::symbolics::testing {

/// Parses `text`, runs to-onnx at `opset`; REQUIREs success.
std::unique_ptr<ir::Graph> convert(std::string_view text, int opset);
/// The error message of to-onnx on `text` at `opset` (empty if it succeeded).
std::string convertError(std::string_view text, int opset);

/// The ONNX node kinds of `g` in order, without the `onnx::` prefix.
std::vector<std::string> kinds(const ir::Graph &g);
/// How many nodes of ONNX kind `kind` the graph has.
int count(const ir::Graph &g, std::string_view kind);
/// The first node of ONNX kind `kind` (REQUIREd to exist).
const ir::Node *first(const ir::Graph &g, std::string_view kind);

/// The graph as a ModelProto (inputs, constant tensors as initializers, ONNX nodes, outputs).
onnx::ModelProto toModel(const ir::Graph &g, int opset);
/// Runs onnx::checker::check_model and strict shape inference; returns the error or "".
std::string checkOnnx(const ir::Graph &g, int opset);

} // namespace ts2onnx::symbolics::testing
