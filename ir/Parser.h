// Reads torch's graph text format (what printGraph writes, and what torch prints) back into a
// Graph. parse(print(g)) prints byte-identically.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "ir/Graph.h"

namespace ts2onnx::ir {

/// Parses one `graph(...): ... return (...)` text. Errors read
/// `<filename>:<line>:<col>: error: <what>`.
absl::StatusOr<std::unique_ptr<Graph>> parseGraph(std::string_view text,
                                                  std::string_view filename = "<input>");

/// Parses a type as torch prints it (`Float(1, 3, strides=[3, 1], requires_grad=0,
/// device=cpu)`, `int[]`, `Dict(str, Tensor)`, `(int, Tensor?)`, `__torch__.M`).
absl::StatusOr<TypePtr> parseType(std::string_view text);

} // namespace ts2onnx::ir
