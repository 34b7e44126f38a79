// Entry points of the symbolics layer for the pipeline: the `to-onnx` pass and its registration.
#pragma once

#include "absl/status/status.h"
#include "ir/Graph.h"
#include "passes/PassRegistry.h"

namespace ts2onnx::symbolics {

/// The `to-onnx` pass (to-onnx.cpp).
absl::Status runToOnnx(ir::Graph &graph, const passes::PassOptions &options);
/// Registers `to-onnx` in `registry` (the ONNX-level passes are in onnx-passes/).
absl::Status registerPasses(passes::PassRegistry &registry);

} // namespace ts2onnx::symbolics
