#include "onnx-passes/OnnxPasses.h"

#include "ir/Status.h"

namespace ts2onnx::onnx_passes {

absl::Status registerPasses(passes::PassRegistry &registry) {
  struct Entry {
    const char *name;
    const char *summary;
    absl::Status (*run)(ir::Graph &, const passes::PassOptions &);
  };
  static const Entry kPasses[] = {
      {"onnx-fold-constants", "Evaluate ONNX nodes whose inputs are all constant tensors",
       runOnnxFoldConstants},
      {"onnx-simplify-shapes",
       "Track int64 shape vectors element by element, fold static shape arithmetic and resolve "
       "Reshape targets",
       runOnnxSimplifyShapes},
      {"onnx-peephole", "Drop Identity, Cast to the same dtype and identity Transpose",
       runOnnxPeephole},
      {"onnx-refine-types", "Refine ONNX output types from the ONNX type rules",
       runOnnxRefineTypes},
      {"dedupe-initializers", "Merge constant tensors with equal contents into one",
       runDedupeInitializers},
      {"hoist-loop-invariants",
       "Move ONNX nodes whose inputs come from outside a Loop body before the Loop",
       runHoistLoopInvariants},
      {"onnx-cleanup",
       "Fold ONNX shape arithmetic and constants, drop no-op nodes and merge equal initializers "
       "(onnx-refine-types, onnx-fold-constants, onnx-simplify-shapes, onnx-peephole, cse, dce "
       "to a fixed point, then dedupe-initializers)",
       runOnnxCleanup},
  };
  for (const Entry &e : kPasses)
    TS2ONNX_RETURN_IF_ERROR(registry.registerPass(e.name, e.summary, e.run));
  return absl::OkStatus();
}

} // namespace ts2onnx::onnx_passes
