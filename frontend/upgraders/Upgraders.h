// Archive-version upgraders, in one place: what an operator call meant in the archive format
// version that recorded it, when that differs from what the same call means today.
//
// torch bumps the archive's `version` record whenever an operator's semantics change, and its
// loader rewrites calls of the old form as TorchScript (torch/csrc/jit/operator_upgraders): after
// a call has been matched to an overload, a call of an overload with an upgrader for the archive's
// version is replaced by the upgrader's body, compiled with today's semantics and inlined in
// place, so that constant propagation can decide its tests. ts2onnx does the same: the bodies below
// are TorchScript, compiled by our own frontend, and no later stage needs to know the version.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "frontend/script/Ast.h"

namespace ts2onnx::frontend::upgraders {

/// The newest `version` record this reader knows: torch 1.13 writes up to 10.
inline constexpr int64_t kMaxSupportedFileVersion = 10;

/// One upgrader: calls of `overload` in archives whose version is at most `maxVersion` mean
/// what the function `name` in `source` computes. The function's parameters are the overload's
/// schema arguments in order (the caller passes every argument, defaults filled in).
struct Upgrader {
  std::string_view overload; // `aten::div.Tensor`
  int64_t maxVersion;        // applies to versions 0..maxVersion
  std::string_view name;     // torch's name for it: `div_Tensor_0_3`
  std::string_view source;   // TorchScript defining `name`
};

/// Every upgrader, in torch's order of versions.
absl::Span<const Upgrader> allUpgraders();

/// The upgrader for a call of `overload` (`aten::div.Tensor`) in an archive of `fileVersion`,
/// or nullptr when the call means today what it meant then.
const Upgrader *findUpgrader(std::string_view overload, int64_t fileVersion);

/// The parsed definition of `u` (parsed once, kept for the life of the process).
absl::StatusOr<const script::FunctionDef *> upgraderDefinition(const Upgrader &u);

/// The `steps` an old archive's `linspace` / `logspace` call means when it omits the argument
/// (it was optional, default 100, before versions 8 / 9); nullopt when it may not be omitted.
/// Omitted arguments cannot be matched against today's schema, so this applies before matching,
/// which gives what torch's linspace_0_7 / logspace_0_8 upgraders compute.
std::optional<int64_t> omittedSteps(std::string_view op, int64_t fileVersion);

} // namespace ts2onnx::frontend::upgraders
