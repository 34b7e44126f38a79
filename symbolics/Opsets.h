// Symbolic implementations shared between the opset tables: an op whose ONNX form changed at
// opset N has its opset-9 entry in opset9.cpp and its opset-N entry in opsetN.cpp, and both call
// one implementation with what the opset allows (opset10.cpp passes ceilMode = true, ...).
// Internal to symbolics/.
#pragma once

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "symbolics/OnnxBuilder.h"
#include "symbolics/SymbolicRegistry.h"

namespace ts2onnx::symbolics::shared {

using Result = absl::StatusOr<std::vector<ir::Value *>>;

/// max_pool{1,2,3}d; ceil_mode and dilations are attributes of MaxPool from opset 10.
Result maxPool(SymbolicContext &ctx, size_t spatial, bool ceilAndDilations);
/// avg_pool{1,2,3}d; ceil_mode is an attribute of AveragePool from opset 10.
Result avgPool(SymbolicContext &ctx, size_t spatial, bool ceilMode);

enum class Cmp { Eq, Ne, Lt, Le, Gt, Ge };
/// eq/ne/lt/le/gt/ge. `floatEqual`: Equal has floating-point kernels (11+); `orEqual`:
/// LessOrEqual/GreaterOrEqual exist (12+).
Result compare(SymbolicContext &ctx, Cmp c, bool floatEqual, bool orEqual);

/// What an aten::upsample_* node asks for.
struct Interpolation {
  std::string mode; // nearest, linear, cubic
  bool alignCorners = false;
  size_t spatial = 0;
  std::optional<std::vector<double>> scales; // per spatial dim, when given as scales
  ir::Value *sizes = nullptr;                // 1-D int64 spatial output size, when given
};
absl::StatusOr<Interpolation> interpolationArgs(SymbolicContext &ctx, std::string mode,
                                                size_t spatial, bool hasAlignCorners);
/// Full-rank float scales [1, 1, s...] for Upsample-9 / Resize-10 (from the output size and the
/// input's shape when sizes were given).
ir::Value *fullScales(OnnxBuilder &b, ir::Value *x, const Interpolation &it);

/// The input indices of aten::arange's overloads: (end, dtype...), (start, end, dtype...),
/// (start, end, step, dtype...).
struct ArangeArgs {
  std::optional<size_t> start, step;
  size_t end = 0, dtype = 1;
};
ArangeArgs arangeArgs(SymbolicContext &ctx);

/// aten::slice.t(int[] l, int? start, int? end, int step) on an int list: a constant list with
/// constant bounds folds to a constant; otherwise a Slice of the 1-D int64 tensor the list is
/// (runtime bounds need `runtimeBounds`, Slice-10's inputs).
Result intListSlice(SymbolicContext &ctx, bool runtimeBounds);

} // namespace ts2onnx::symbolics::shared
