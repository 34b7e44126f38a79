// onnx-cleanup: the ONNX-level simplification the convert pipeline runs after to-onnx.
//
// Given: a graph of onnx:: nodes and prim::Constant tensors (the result of to-onnx), whose
//        values carry the dtypes and (symbolic) dims the symbolics could infer.
// Does:  rounds of one walk over the blocks in which each ONNX node first has its types refined
//        (onnx-refine-types) and is then offered to the rules of onnx-fold-constants,
//        onnx-simplify-shapes and onnx-peephole in that order (one walk, so a value folded or
//        resolved early in the walk already helps the nodes after it); each round ends with cse
//        and dce (skipped after a round that changed nothing but the first: the graph is as the
//        last cse and dce left it). Rounds repeat while something changed (at most 8); then
//        dedupe-initializers, and dce when it merged something.
// Result: a smaller equivalent graph: what each of those passes leaves, together.
#include "absl/status/status.h"
#include "ir/Status.h"
#include "onnx-passes/OnnxPasses.h"
#include "onnx-passes/OnnxRewrite.h"
#include "passes/Passes.h"

namespace ts2onnx::onnx_passes {

absl::Status runOnnxCleanup(ir::Graph &graph, const passes::PassOptions &options) {
  static constexpr Rule kRules[] = {foldConstants, simplifyShapes, peephole};
  RewriteContext ctx(graph, options.targetOpset,
                     options.get("constant-folding").value_or("1") != "0");
  passes::PassOptions none;
  for (int round = 0; round < 8; ++round) {
    bool changed = rewriteRound(ctx, /*refine=*/true, kRules);
    // Nothing changed since the last round's cse and dce: they would change nothing either.
    if (!changed && round > 0)
      break;
    TS2ONNX_RETURN_IF_ERROR(passes::runCse(graph, none));
    TS2ONNX_RETURN_IF_ERROR(passes::runDce(graph, none));
    if (!changed)
      break;
  }
  if (dedupeInitializers(graph, options.get("export-params").value_or("1") != "0"))
    return passes::runDce(graph, none);
  return absl::OkStatus();
}

} // namespace ts2onnx::onnx_passes
