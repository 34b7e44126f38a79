// The one place where the frontend runs passes (as torch's emitter does through its cleanup
// step): Compiler and Freeze call these, and nothing else in frontend/ includes passes/.
#pragma once

#include "absl/status/status.h"
#include "ir/Graph.h"

namespace ts2onnx::frontend::compiler {

/// What torch's emitter runs on every function it compiles (runCleanupPasses): tuple lowering,
/// constant propagation over immutable values (which ends with dead code elimination).
absl::Status cleanupFunctionGraph(ir::Graph &g);

/// torch's preoptimizeGraph, before callers inline a function: peephole (`x is None` on values
/// that cannot be None, needless casts, list idioms), constant propagation over immutable values.
absl::Status preoptimizeGraph(ir::Graph &g);

/// Freeze's folding once module attributes are constants: the branches on now-constant flags
/// (`training`) go, with the `self.x = ...` they held.
void foldFrozenFlags(ir::Graph &g);

} // namespace ts2onnx::frontend::compiler
