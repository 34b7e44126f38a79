// Builds `onnx::` nodes in the IR for the symbolics. One helper per ONNX idiom that changed
// across opsets (Unsqueeze/Squeeze/Split/Reduce* take axes as inputs from 13, Slice from 10,
// Clip's bounds from 11, ...), so the opset switch is written once, here.
//
// Conventions of the ONNX dialect of the IR, which the emitter relies on:
// - a node `onnx::Conv` with IR attributes named as the ONNX attributes (`kernel_shape`: ints,
//   `epsilon`: float stored as double, `mode`: string, `value`: tensor);
// - a node in another domain is `<domain>::<Op>` with the domain recorded in attribute
//   `domain` only when the namespace is not the domain itself (custom ops);
// - constant tensors are prim::Constant nodes with a Tensor `value`, typed with dtype and
//   shape; the emitter writes them as initializers (never as Identity/Constant nodes);
// - every value an ONNX node consumes is an ONNX-node output, a graph input, or such a
//   constant tensor.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ir/Graph.h"

namespace ts2onnx::symbolics {

/// One ONNX attribute for OnnxBuilder::op.
struct OnnxAttr {
  std::string name;
  ir::AttributeValue value;

  static OnnxAttr i(std::string n, int64_t v) { return {std::move(n), ir::AttributeValue(v)}; }
  static OnnxAttr f(std::string n, double v) { return {std::move(n), ir::AttributeValue(v)}; }
  static OnnxAttr s(std::string n, std::string v) {
    return {std::move(n), ir::AttributeValue(std::move(v))};
  }
  static OnnxAttr is(std::string n, std::vector<int64_t> v) {
    return {std::move(n), ir::AttributeValue(std::move(v))};
  }
  static OnnxAttr fs(std::string n, std::vector<double> v) {
    return {std::move(n), ir::AttributeValue(std::move(v))};
  }
  static OnnxAttr t(std::string n, ir::Tensor v) {
    return {std::move(n), ir::AttributeValue(std::move(v))};
  }
};

/// ONNX TensorProto.DataType codes.
int onnxDataType(ir::ScalarType t);
std::optional<ir::ScalarType> scalarTypeFromOnnx(int onnxType);

/// The quantization of an ONNX value that holds a quantized torch tensor's integers (uint8 for
/// quint8, int8 for qint8): real value = (integer - zeroPoint) * scale.
struct Quantization {
  double scale = 1;
  int64_t zeroPoint = 0;
  ir::ScalarType dtype = ir::ScalarType::QUInt8; // QUInt8 or QInt8
  /// torch may hold the tensor in channels-last memory (a quantized convolution's output, or
  /// what was computed from one), which some of its quantized kernels read in the wrong order.
  bool maybeChannelsLast = false;
};

class OnnxBuilder {
public:
  OnnxBuilder(ir::Graph &g, int opset) : g_(g), opset_(opset) {}

  ir::Graph &graph() const { return g_; }
  int opset() const { return opset_; }

  /// Inserts `onnx::<opType>` at the graph's insertion point.
  ir::Node *node(std::string_view opType, const std::vector<ir::Value *> &inputs,
                 const std::vector<OnnxAttr> &attrs = {}, size_t numOutputs = 1);
  /// Inserts a node of a custom ONNX domain (`mydomain`, `com.microsoft`): IR kind
  /// `<domain>::<opType>` with attribute `domain`, written with that domain and listed in the
  /// model's opset_import (version from ConvertOptions::customOpsets, else 1). Output types are
  /// unknown unless the caller sets them (setTensorType); ONNX's shape inference does not know
  /// custom ops either.
  ir::Node *customNode(std::string_view domain, std::string_view opType,
                       const std::vector<ir::Value *> &inputs,
                       const std::vector<OnnxAttr> &attrs = {}, size_t numOutputs = 1);
  /// The single output of node(...).
  ir::Value *op(std::string_view opType, const std::vector<ir::Value *> &inputs,
                const std::vector<OnnxAttr> &attrs = {});

  // Constants (prim::Constant tensors, written as initializers).
  ir::Value *constant(const ir::Tensor &t);
  ir::Value *int64s(const std::vector<int64_t> &v);                             // 1-D int64
  ir::Value *int64Scalar(int64_t v);                                            // 0-D int64
  ir::Value *floatScalar(double v, ir::ScalarType t = ir::ScalarType::Float32); // 0-D
  ir::Value *boolScalar(bool v);

  // Idioms whose form depends on the opset.
  ir::Value *unsqueeze(ir::Value *x, const std::vector<int64_t> &axes);
  ir::Value *squeeze(ir::Value *x, const std::vector<int64_t> &axes);
  ir::Value *slice(ir::Value *x, const std::vector<int64_t> &starts,
                   const std::vector<int64_t> &ends, const std::vector<int64_t> &axes,
                   const std::vector<int64_t> &steps);
  /// ReduceSum/ReduceMean/ReduceMax/... over `axes` (empty = all).
  ir::Value *reduce(std::string_view opType, ir::Value *x, const std::vector<int64_t> &axes,
                    bool keepdims);
  std::vector<ir::Value *> split(ir::Value *x, int64_t axis, const std::vector<int64_t> &sizes);
  ir::Value *cast(ir::Value *x, ir::ScalarType to);
  /// Clip to constant bounds: attributes before 11, inputs (of x's dtype) from 11. Ints before
  /// 12 (Clip had no integer kernels) become Max/Min.
  ir::Value *clip(ir::Value *x, std::optional<double> lo, std::optional<double> hi);
  /// Pad with `pads` in ONNX order (all begins, then all ends): attributes before 11, inputs
  /// from 11. `mode` is constant, reflect or edge.
  ir::Value *pad(ir::Value *x, const std::vector<int64_t> &pads, std::string_view mode,
                 double value = 0);

  // Idioms that are the same at every opset, named once.
  ir::Value *shape(ir::Value *x);
  /// Gather(x, indices, axis).
  ir::Value *gather(ir::Value *x, ir::Value *indices, int64_t axis);
  ir::Value *concat(const std::vector<ir::Value *> &xs, int64_t axis);
  /// Dimension `dim` of x as a 0-d int64 (a constant when the dimension is static). Negative
  /// dims count from the back and need no known rank.
  ir::Value *dimSize(ir::Value *x, int64_t dim);
  /// A 0-d constant of dtype `t` holding `v`.
  ir::Value *scalarOf(double v, ir::ScalarType t);
  /// A 1-element tensor of dtype `t` (the `value` attribute of ConstantOfShape).
  static ir::Tensor oneElement(double v, ir::ScalarType t);
  /// ConstantOfShape(shape) filled with v.
  ir::Value *constantOfShape(ir::Value *shape, double v, ir::ScalarType t);

  /// The elements of a constant int tensor value (prim::Constant), if it is one.
  static std::optional<std::vector<int64_t>> constInt64s(const ir::Value *v);
  /// Fills in the output types (dtype and, where they follow, dims) of an ONNX node from its
  /// inputs' types; node() calls it for every node it builds.
  static void inferTypes(ir::Node *n);

  /// The dtype/shape the IR knows for `v` (from the frontend's types or propagate-shapes).
  static std::optional<ir::ScalarType> dtypeOf(const ir::Value *v);
  static std::optional<int64_t> rankOf(const ir::Value *v);
  /// The dims the IR knows for `v` (nullopt: rank unknown).
  static std::optional<std::vector<ir::Dim>> dimsOf(const ir::Value *v);
  /// The static dims of `v`, when every dim is static.
  static std::optional<std::vector<int64_t>> staticShapeOf(const ir::Value *v);
  /// Sets v's type to a tensor of `dtype` with `dims` (nullopt: rank unknown).
  static void setTensorType(ir::Value *v, std::optional<ir::ScalarType> dtype,
                            std::optional<std::vector<ir::Dim>> dims = std::nullopt);

  /// Records that `v` holds quantized integers (the quantized symbolics and to-onnx's handling
  /// of aten ops on quantized tensors set it); nullptr when `v` is not known to be quantized.
  void setQuantization(const ir::Value *v, Quantization q) { quant_[v] = q; }
  /// The padded output of a recurrent layer run on a packed sequence (the packed data's
  /// stand-in; rnn.cpp), with the sequence lengths (int64) aten::_pad_packed_sequence returns.
  void setPackedLengths(const ir::Value *padded, ir::Value *lengths) { packed_[padded] = lengths; }
  ir::Value *packedLengthsOf(const ir::Value *padded) const {
    auto it = packed_.find(padded);
    return it == packed_.end() ? nullptr : it->second;
  }

  bool hasQuantization() const { return !quant_.empty() || quantizedArithmetic_; }
  /// Records that a symbolic computed as a quantized kernel does without a quantized output
  /// (dynamic quantization), for hasQuantization.
  void noteQuantizedArithmetic() { quantizedArithmetic_ = true; }
  const Quantization *quantizationOf(const ir::Value *v) const {
    auto it = quant_.find(v);
    return it == quant_.end() ? nullptr : &it->second;
  }

private:
  ir::Graph &g_;
  int opset_;
  absl::flat_hash_map<const ir::Value *, Quantization> quant_;
  bool quantizedArithmetic_ = false;
  absl::flat_hash_map<const ir::Value *, ir::Value *> packed_;
};

} // namespace ts2onnx::symbolics
