// The ONNX-level passes: they run on graphs of onnx:: nodes (after to-onnx), one pass per file.
#pragma once

#include "absl/status/status.h"
#include "ir/Graph.h"
#include "passes/PassRegistry.h"

namespace ts2onnx::onnx_passes {

absl::Status runOnnxFoldConstants(ir::Graph &graph, const passes::PassOptions &options);
absl::Status runOnnxSimplifyShapes(ir::Graph &graph, const passes::PassOptions &options);
absl::Status runOnnxPeephole(ir::Graph &graph, const passes::PassOptions &options);
absl::Status runOnnxRefineTypes(ir::Graph &graph, const passes::PassOptions &options);
absl::Status runDedupeInitializers(ir::Graph &graph, const passes::PassOptions &options);
absl::Status runOnnxCleanup(ir::Graph &graph, const passes::PassOptions &options);
absl::Status runHoistLoopInvariants(ir::Graph &graph, const passes::PassOptions &options);

/// Registers every pass above under its kebab-case name.
absl::Status registerPasses(passes::PassRegistry &registry);

} // namespace ts2onnx::onnx_passes
