// The one place where the frontend runs passes, as torch's emitter does through its cleanup
// step: the cleanup of every compiled function, the preoptimization of a function before
// callers inline it, and freeze's folding of now-constant flags.
#include "frontend/compiler/Cleanup.h"

#include "passes/Passes.h"

namespace ts2onnx::frontend::compiler {

absl::Status cleanupFunctionGraph(ir::Graph &g) {
  // Each of torch's cleanup steps removes dead code only when it changed something, which is
  // visible in its printed graphs (unused module GetAttrs survive otherwise).
  bool changed = passes::lowerSimpleTuples(g);
  changed |= passes::foldScalars(g, passes::FoldScope::kTorchEmitter);
  if (changed)
    return passes::runDce(g, passes::PassOptions{});
  return absl::OkStatus();
}

absl::Status preoptimizeGraph(ir::Graph &g) {
  bool changed = passes::peepholeScript(g, passes::FoldScope::kTorchEmitter);
  changed |= passes::foldScalars(g, passes::FoldScope::kTorchEmitter);
  if (changed)
    return passes::runDce(g, passes::PassOptions{});
  return absl::OkStatus();
}

void foldFrozenFlags(ir::Graph &g) { passes::foldScalars(g); }

} // namespace ts2onnx::frontend::compiler
