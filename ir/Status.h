// Status helpers shared by every layer: two macros instead of exceptions.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TS2ONNX_CONCAT_INNER_(a, b) a##b
#define TS2ONNX_CONCAT_(a, b) TS2ONNX_CONCAT_INNER_(a, b)

/// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define TS2ONNX_RETURN_IF_ERROR(expr)                                                              \
  do {                                                                                             \
    ::absl::Status ts2onnx_status_ = (expr);                                                       \
    if (!ts2onnx_status_.ok())                                                                     \
      return ts2onnx_status_;                                                                      \
  } while (0)

#define TS2ONNX_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                                             \
  auto tmp = (expr);                                                                               \
  if (!tmp.ok())                                                                                   \
    return tmp.status();                                                                           \
  lhs = std::move(tmp).value()

/// `TS2ONNX_ASSIGN_OR_RETURN(auto x, f());` binds the value of an absl::StatusOr or returns its
/// error.
#define TS2ONNX_ASSIGN_OR_RETURN(lhs, expr)                                                        \
  TS2ONNX_ASSIGN_OR_RETURN_IMPL_(TS2ONNX_CONCAT_(ts2onnx_statusor_, __LINE__), lhs, expr)
