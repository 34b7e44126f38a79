// Broadcasting of shapes, written once, for static, symbolic (`batch`) and unknown dims. Checked
// against torch.broadcast_shapes in tests/semantics/broadcast.txt: a symbolic answer must hold
// for every value of the symbols torch accepts.
#pragma once

#include <optional>
#include <vector>

#include "ir/Type.h"

namespace ts2onnx::semantics {

using Dims = std::vector<ir::Dim>;

/// The broadcast of two dims, when the shapes are valid at run time:
///   1 with x -> x;   n with n -> n;   n with `s` or unknown -> n (s must be 1 or n);
///   `s` with `s` -> `s`;   `a` with `b`, unknown with anything but a static n -> unknown.
/// Two different static sizes, neither 1, do not broadcast: nullopt.
std::optional<ir::Dim> broadcastDim(const ir::Dim &a, const ir::Dim &b);

/// The broadcast of shapes aligned at the right; nullopt when a rank is unknown or two static
/// sizes clash.
std::optional<Dims> broadcastShapes(const std::vector<std::optional<Dims>> &shapes);

/// The same for static sizes (the dense evaluator's operands).
std::optional<std::vector<int64_t>> broadcastSizes(const std::vector<int64_t> &a,
                                                   const std::vector<int64_t> &b);

} // namespace ts2onnx::semantics
