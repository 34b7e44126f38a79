// Reading ONNX files and naming their types, shared by `verify` and `inspect`.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace ts2onnx::tool {

/// Parses an ONNX model file.
absl::StatusOr<onnx::ModelProto> readOnnxModel(const std::string &path);

/// `float32`, `int64`, ... for a TensorProto data type (the names onnxruntime-node uses), or
/// nullopt for types ts2onnx cannot feed or compare.
std::optional<std::string> onnxDtypeName(int dataType);
/// Bytes per element of those types.
size_t onnxElementSize(int dataType);

/// `float32[batch,3,224,224]` for a value's type (`?` for unknown dims).
std::string formatValueType(const onnx::TypeProto &type);

} // namespace ts2onnx::tool
