// The builtin passes, one per file in passes/. Each takes a well-formed graph and leaves one.
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "ir/Graph.h"
#include "passes/PassRegistry.h"

namespace ts2onnx::passes {

/// `dce`: removes nodes whose outputs are unused and that have no side effects (dce.cpp).
absl::Status runDce(ir::Graph &graph, const PassOptions &options);
/// `cse`: replaces a node by an earlier equivalent one in the same or an enclosing block
/// (cse.cpp).
absl::Status runCse(ir::Graph &graph, const PassOptions &options);

/// `lower-simple-tuples`: forwards elements past TupleConstruct -> TupleUnpack/TupleIndex
/// (lower-simple-tuples.cpp).
absl::Status runLowerSimpleTuples(ir::Graph &graph, const PassOptions &options);
/// `fold-scalars`: evaluates ops on constant int/float/bool/str/None values and folds prim::If
/// with a constant condition (fold-scalars.cpp).
absl::Status runFoldScalars(ir::Graph &graph, const PassOptions &options);

/// The three passes above as functions that say whether they changed the graph (the frontend
/// runs dce after them only then, as torch's emitter does).
bool lowerSimpleTuples(ir::Graph &graph);
/// What foldScalars evaluates: everything it knows, or only what torch's script emitter folds
/// while compiling (numbers, bools, None checks; not string ops such as aten::format, nor
/// list literals), so that the frontend's graphs keep the nodes torch's printed graphs keep.
enum class FoldScope { kAll, kTorchEmitter };
bool foldScalars(ir::Graph &graph, FoldScope scope = FoldScope::kAll);
/// In kTorchEmitter scope an If on a constant condition is left for foldScalars, as torch's
/// peephole leaves it for constant propagation (checks after it still see the If's outputs).
bool peepholeScript(ir::Graph &graph, FoldScope scope = FoldScope::kAll);
/// How many tensors the list made by chunk/split/unbind `v` holds when its input's shape says
/// it (chunk(x, n, d) ceil(s / ceil(s / n)), split(x, k, d) ceil(s / k), split with a list
/// literal of sizes one per size, unbind(x, d) s, for x's static size s along d) and nothing
/// writes the list; nullopt otherwise (peephole-script.cpp).
std::optional<int64_t> staticPieceCount(const ir::Value *v);
/// What unroll-loops does, as a step of another pass: true if it unrolled a loop.
bool unrollStaticLoops(ir::Graph &graph);
/// What lower-list-appends does, as a step of another pass: true if it lowered a list.
bool lowerListWrites(ir::Graph &graph);
/// Replaces prim::If `ifNode` by the nodes of `taken` (one of its blocks), in place.
void inlineIfBranch(ir::Node *ifNode, ir::Block *taken);

/// `peephole-script`: `x is None` on values that cannot be None, needless unchecked_cast, and
/// len/getitem/unpack of unmutated ListConstructs (peephole-script.cpp).
absl::Status runPeepholeScript(ir::Graph &graph, const PassOptions &options);

/// `remove-mutation`: in-place tensor ops (also through slice/select/view chains and inside
/// If/Loop blocks) become functional ops on SSA values (remove-mutation.cpp).
absl::Status runRemoveMutation(ir::Graph &graph, const PassOptions &options);
/// `eval-peepholes`: eval-mode dropout, contiguous, detach, clone and no-op casts become their
/// input (eval-peepholes.cpp).
absl::Status runEvalPeepholes(ir::Graph &graph, const PassOptions &options);
/// `propagate-shapes`: dtype and (symbolic) shape inference over aten ops from the input and
/// constant types (propagate-shapes.cpp).
absl::Status runPropagateShapes(ir::Graph &graph, const PassOptions &options);
/// `specialize-rank-branches`: the code after an If whose branches return tensors of different
/// known ranks is copied into each branch, then types are propagated and shape queries folded
/// again (specialize-rank-branches.cpp).
absl::Status runSpecializeRankBranches(ir::Graph &graph, const PassOptions &options);
/// `fuse-bn`: an eval BatchNorm after a convolution with constant weights folds into new conv
/// weight and bias constants (fuse-bn.cpp).
absl::Status runFuseBn(ir::Graph &graph, const PassOptions &options);
/// `fold-constants`: evaluates small tensor ops and shape queries on constants, then the scalar
/// ops that become constant (fold-constants.cpp).
absl::Status runFoldConstants(ir::Graph &graph, const PassOptions &options);

/// `eliminate-exceptions`: a prim::If with one raising branch becomes its other branch, the check
/// kept as a ts2onnx::raise_if node (eliminate-exceptions.cpp).
absl::Status runEliminateExceptions(ir::Graph &graph, const PassOptions &options);
/// `lower-complex`: the complex results of stft and fft as [..., 2] real pairs, their readers
/// rewritten on the pairs (lower-complex.cpp).
absl::Status runLowerComplex(ir::Graph &graph, const PassOptions &options);

/// `fold-runtime-queries`: grad/autocast/device/nested/requires_grad queries and tensor identity
/// answered for an inference run on CPU (fold-runtime-queries.cpp).
absl::Status runFoldRuntimeQueries(ir::Graph &graph, const PassOptions &options);
/// `lower-dicts`: evaluates dicts with constant keys at compile time, unrolling the constant
/// loops over them (lower-dicts.cpp).
absl::Status runLowerDicts(ir::Graph &graph, const PassOptions &options);
bool lowerDicts(ir::Graph &graph);

/// `lower-list-appends`: lists built by appends in straight-line code become list literals
/// (lower-list-appends.cpp).
absl::Status runLowerListAppends(ir::Graph &graph, const PassOptions &options);

/// unroll-loops: loops of static trip count over lists made outside them become straight-line
/// code (unroll-loops.cpp).
absl::Status runUnrollLoops(ir::Graph &graph, const PassOptions &options);

/// check-input-shapes: the --input dtypes and dims against what convolutions, linear layers,
/// norms, embeddings, broadcasts, matmul, view/expand and index_put need, and the model's own
/// argument checks (ts2onnx::raise_if); a mismatch names the input (check-input-shapes.cpp).
absl::Status runCheckInputShapes(ir::Graph &graph, const PassOptions &options);
/// warn-frozen-shapes: warns where a dynamic dim meets a constant view/reshape/expand size
/// (warn-frozen-shapes.cpp).
absl::Status runWarnFrozenShapes(ir::Graph &graph, const PassOptions &options);

/// `functionalize-lists`: list appends produce new list values, loop-carried and If-merged
/// where they happen in blocks (functionalize-lists.cpp).
absl::Status runFunctionalizeLists(ir::Graph &graph, const PassOptions &options);

} // namespace ts2onnx::passes
