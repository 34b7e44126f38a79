// Helpers that several op families (symbolics/ops/<family>.cpp) share: the symbolic signature's
// aliases, dtype/rank readers, elementwise building blocks, and the types of the ONNX sequences
// that runtime-length lists become. A helper that one family uses stays file-local in that
// family's file. Internal to symbolics/.
#pragma once

#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "symbolics/Helpers.h"
#include "symbolics/OnnxBuilder.h"
#include "symbolics/SymbolicRegistry.h"

namespace ts2onnx::symbolics {

/// What a symbolic returns: one value per output of the node.
using Result = absl::StatusOr<std::vector<ir::Value *>>;
using Ctx = SymbolicContext;

/// An int64 slice end that means "to the end".
constexpr int64_t kIntMax = std::numeric_limits<int64_t>::max();

inline std::optional<ir::ScalarType> dtypeOf(const ir::Value *v) { return OnnxBuilder::dtypeOf(v); }
inline std::optional<int64_t> rankOf(const ir::Value *v) { return OnnxBuilder::rankOf(v); }

/// The dtype of `v` when it is floating point, else float32 (the dtype constants added to it
/// take in activations, normalizations and norms).
ir::ScalarType floatLike(const ir::Value *v);

/// `x` as a 1-element 1-d tensor when it is 0-d (`lifted` then says so): torch lets a dim argument
/// name the only "dim" of a 0-d tensor (0 or -1), while ONNX ops with an axis need rank >= 1.
/// `dropLifted` squeezes such a result back to 0-d.
ir::Value *liftScalar(Ctx &ctx, ir::Value *x, bool &lifted);
ir::Value *dropLifted(Ctx &ctx, ir::Value *y, bool lifted);

/// x == c for a floating x and a constant c: Equal from opset 11; before it (Equal had no float
/// kernels) neither less nor greater, and not NaN.
ir::Value *floatEq(OnnxBuilder &b, ir::Value *x, double c, ir::ScalarType t);

/// `onnxOp` of input 0 as a tensor.
Result unary(Ctx &ctx, const char *onnxOp);
/// Input 0 as is (no-op views, Optional unwrapping).
Result identity(Ctx &ctx);
/// `out` typed with the promoted dtype `p`, unless that dtype was only assumed.
ir::Value *typed(ir::Value *out, const Promotion &p);
/// Max/Min of inputs 0 and 1 in their promoted dtype (aten::maximum, binary aten::max).
Result minMaxBinary(Ctx &ctx, const char *onnxOp);

/// A one-element int list repeated to `n` elements (kernel_size=3 for a 2-D kernel).
std::vector<int64_t> expandTo(std::vector<int64_t> v, size_t n);

/// torch's unbatched forms of conv, pooling and norms ((C, L), (C, H, W), ... for an op whose
/// batched input has rank `batchedRank`): when input 0 has rank `batchedRank - 1`, `build` runs on
/// it with a batch dim of 1 added in front (Unsqueeze), and that dim is removed from every
/// non-null output again (Squeeze). Otherwise `build` runs on input 0 as is.
Result withBatchDim(Ctx &ctx, int64_t batchedRank,
                    const std::function<Result(ir::Value *x)> &build);

/// The tensors of list input `i`, which must be a list literal (prim::ListConstruct).
absl::StatusOr<std::vector<ir::Value *>> tensorListInput(Ctx &ctx, size_t i);
/// How many pieces a Tensor[] result has: the outputs of the prim::ListUnpack that takes it.
std::optional<size_t> unpackedCount(const ir::Node &n);

/// The opset-9 entry of `op`, for inputs that a later form leaves to it (not sequences).
Result atOpset9(Ctx &ctx, const char *op);

// ONNX sequences (opset 11+): the type ts2onnx gives them is a list of tensors.
/// A sequence of tensors of `elem`, of rank `rank` when known (dims unknown: elements differ).
ir::TypePtr sequenceType(std::optional<ir::ScalarType> elem, std::optional<int64_t> rank = {});
/// The rank of a sequence's elements, when its type knows it.
std::optional<int64_t> elementRank(const ir::Value *seq);
/// The dtype of a sequence's elements, when its type knows it.
std::optional<ir::ScalarType> elementDtype(const ir::Value *seq);
/// `rank` unknown dims, or nullopt for an unknown rank.
std::optional<std::vector<ir::Dim>> unknownDims(std::optional<int64_t> rank);

} // namespace ts2onnx::symbolics
