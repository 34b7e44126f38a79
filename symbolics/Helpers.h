// Input readers and small helpers shared by the symbolic tables (symbolics/ops/) and to-onnx.
// Helpers of the op families only are in symbolics/ops/OpHelpers.h.
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "symbolics/OnnxBuilder.h"
#include "symbolics/SymbolicRegistry.h"

namespace ts2onnx::symbolics {

/// Input `i` as an ONNX tensor: a tensor value as is; a constant number as a 0-d tensor of
/// `like` (or int64/float32 by its kind); a runtime scalar (already a 0-d tensor after its
/// producer was converted) cast to `like` when that differs.
absl::StatusOr<ir::Value *> asTensor(SymbolicContext &ctx, size_t i,
                                     std::optional<ir::ScalarType> like = std::nullopt);

/// A constant or runtime `int` input (an int64 0-d tensor after its producer was converted) as
/// a 0-d int64 tensor.
absl::StatusOr<ir::Value *> intScalar(SymbolicContext &ctx, size_t i);

/// An `int[]` input as a 1-D int64 tensor: a constant list, a prim::ListConstruct mixing
/// constants and runtime ints (Concat of the elements unsqueezed to 1-D), or a tensor (the Shape
/// an aten::size became). With `minusOneKeeps`, constant -1 elements become 1 (what
/// aten::expand's -1 means under ONNX Expand's broadcasting).
absl::StatusOr<ir::Value *> intList(SymbolicContext &ctx, size_t i, bool minusOneKeeps = false);

/// `dim` counted from the front when `rank` is known (as opsets before 11 need); else as is.
int64_t normalizeDim(int64_t dim, std::optional<int64_t> rank);
/// Like normalizeDim, but an error when a negative dim meets an unknown rank.
absl::StatusOr<int64_t> requireDim(SymbolicContext &ctx, int64_t dim, std::optional<int64_t> rank);

/// The `ScalarType? dtype` input i (an int constant holding torch's code), nullopt for None.
absl::StatusOr<std::optional<ir::ScalarType>> dtypeArg(SymbolicContext &ctx, size_t i);

/// The dtype torch computes an elementwise op on inputs `inputs` in (torch's promotion:
/// categories bool < int < float; tensors with dims decide, 0-d tensors and then Python scalars
/// only when of a higher category). A tensor of unknown dtype is taken as float32, and
/// `assumed` says so.
struct Promotion {
  std::optional<ir::ScalarType> dtype;
  bool assumed = false;
};
Promotion promoteInputs(SymbolicContext &ctx, const std::vector<size_t> &inputs);

/// The inputs `inputs` as tensors of the promoted dtype (constants made in it, known tensors
/// of another dtype cast).
absl::StatusOr<std::vector<ir::Value *>> promotedOperands(SymbolicContext &ctx,
                                                          const std::vector<size_t> &inputs,
                                                          Promotion *promotion = nullptr);

/// Makes a prim::ListConstruct of tensors (what aten ops returning Tensor[] become: the
/// consumers, prim::ListUnpack, aten::cat, __getitem__, take the elements from it).
ir::Value *tensorList(OnnxBuilder &b, const std::vector<ir::Value *> &elems);

/// A list value that is an ONNX sequence at this point (a runtime-length list: loop-carried,
/// appended to, SplitToSequence), not a ListConstruct or constant.
bool isSequence(const ir::Value *v);

/// The single-output result vector symbolics return.
inline absl::StatusOr<std::vector<ir::Value *>> one(ir::Value *v) {
  return std::vector<ir::Value *>{v};
}

/// Registers `fn` for each op in `ops`.
void addAll(SymbolicRegistry &r, std::initializer_list<const char *> ops, int opset,
            const SymbolicFn &fn);

} // namespace ts2onnx::symbolics
