// Small helpers shared by the opset tables.
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

/// The single-output result vector symbolics return.
inline absl::StatusOr<std::vector<ir::Value *>> one(ir::Value *v) {
  return std::vector<ir::Value *>{v};
}

/// Registers `fn` for each op in `ops`.
void addAll(SymbolicRegistry &r, std::initializer_list<const char *> ops, int opset,
            const SymbolicFn &fn);

} // namespace ts2onnx::symbolics
