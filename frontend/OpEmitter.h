// Emits a builtin operator call (`aten::add`, `prim::min`, `quantized::conv2d`) as the IR node
// torch would build: picks the overload from the schema table by argument types, fills omitted
// arguments from schema defaults (as prim::Constant), applies torch's implicit conversions, and
// types the outputs from the schema's returns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "frontend/script/SourceRange.h"
#include "ir/Graph.h"

namespace ts2onnx::frontend {

struct NamedValue {
  std::string name; // keyword name; empty for positional arguments
  ir::Value *value;
  script::SourceRange range;
  /// The value is an unannotated `[]` literal, which matches any list type.
  bool emptyListLiteral = false;
};

/// Inserts the node at `g`'s insertion point and returns its outputs. Errors carry `range`:
/// an unknown operator, or no overload accepting these arguments (the candidates are listed).
/// `overload`, when given, receives the matched overload (`aten::div.Tensor`), empty for a
/// node made without matching a schema.
absl::StatusOr<std::vector<ir::Value *>> emitBuiltinOp(ir::Graph &g, std::string_view qualName,
                                                       const std::vector<NamedValue> &args,
                                                       const std::vector<NamedValue> &kwargs,
                                                       const script::SourceRange &range,
                                                       std::string *overload = nullptr);

/// True when the schema table knows `qualName` (any overload).
bool hasBuiltinOp(std::string_view qualName);

} // namespace ts2onnx::frontend
