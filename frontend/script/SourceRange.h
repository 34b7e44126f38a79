// Source positions carried by tokens and AST nodes, and the diagnostic format that uses them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace ts2onnx::frontend::script {

/// Where a node starts: file name (shared by every node of one file), 1-based line and column.
struct SourceRange {
  std::shared_ptr<const std::string> file;
  uint32_t line = 0;
  uint32_t column = 0;

  std::string_view fileName() const { return file ? std::string_view(*file) : std::string_view(); }
  /// "<file>:<line>:<col>".
  std::string toString() const;
};

/// InvalidArgument status with the text `<file>:<line>:<col>: error: <message>`.
absl::Status sourceError(std::string_view fileName, uint32_t line, uint32_t column,
                         std::string_view message);
inline absl::Status sourceError(const SourceRange &range, std::string_view message) {
  return sourceError(range.fileName(), range.line, range.column, message);
}

} // namespace ts2onnx::frontend::script
