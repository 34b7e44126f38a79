#include "symbolics/OnnxBuilder.h"

#include <cstring>

namespace ts2onnx::symbolics {

using ir::ScalarType;

int onnxDataType(ScalarType t) {
  switch (t) {
  case ScalarType::Float32:
    return 1;
  case ScalarType::UInt8:
    return 2;
  case ScalarType::Int8:
    return 3;
  case ScalarType::Int16:
    return 5;
  case ScalarType::Int32:
    return 6;
  case ScalarType::Int64:
    return 7;
  case ScalarType::Bool:
    return 9;
  case ScalarType::Float16:
    return 10;
  case ScalarType::Float64:
    return 11;
  case ScalarType::ComplexFloat:
    return 14;
  case ScalarType::ComplexDouble:
    return 15;
  case ScalarType::BFloat16:
    return 16;
  default:
    return 0;
  }
}

std::optional<ScalarType> scalarTypeFromOnnx(int onnxType) {
  for (int i = 0; i < ir::kNumScalarTypes; ++i) {
    auto t = static_cast<ScalarType>(i);
    if (onnxDataType(t) == onnxType && onnxType != 0)
      return t;
  }
  return std::nullopt;
}

ir::Node *OnnxBuilder::node(std::string_view opType, const std::vector<ir::Value *> &inputs,
                            const std::vector<OnnxAttr> &attrs, size_t numOutputs) {
  std::string kind = opType.find("::") == std::string_view::npos ? "onnx::" + std::string(opType)
                                                                 : std::string(opType);
  ir::Node *n = g_.insert(ir::Symbol::fromQualString(kind), inputs, numOutputs);
  for (const OnnxAttr &a : attrs)
    n->setAttribute(ir::Symbol::attr(a.name), a.value);
  if (ir::Node *pt = g_.insertPoint(); pt && pt->sourceLocation().valid())
    n->setSourceLocation(pt->sourceLocation());
  return n;
}

ir::Value *OnnxBuilder::op(std::string_view opType, const std::vector<ir::Value *> &inputs,
                           const std::vector<OnnxAttr> &attrs) {
  return node(opType, inputs, attrs, 1)->output();
}

ir::Value *OnnxBuilder::constant(const ir::Tensor &t) { return g_.insertConstantTensor(t); }

ir::Value *OnnxBuilder::int64s(const std::vector<int64_t> &v) {
  return constant(ir::Tensor::fromVector(ScalarType::Int64, {int64_t(v.size())}, v));
}

ir::Value *OnnxBuilder::int64Scalar(int64_t v) {
  return constant(ir::Tensor::fromBytes(ScalarType::Int64, {}, &v));
}

ir::Value *OnnxBuilder::floatScalar(double v, ScalarType t) {
  if (t == ScalarType::Float64)
    return constant(ir::Tensor::fromBytes(t, {}, &v));
  float f = static_cast<float>(v);
  return constant(ir::Tensor::fromBytes(ScalarType::Float32, {}, &f));
}

ir::Value *OnnxBuilder::boolScalar(bool v) {
  uint8_t b = v ? 1 : 0;
  return constant(ir::Tensor::fromBytes(ScalarType::Bool, {}, &b));
}

ir::Value *OnnxBuilder::unsqueeze(ir::Value *x, const std::vector<int64_t> &axes) {
  if (opset_ >= 13)
    return op("Unsqueeze", {x, int64s(axes)});
  return op("Unsqueeze", {x}, {OnnxAttr::is("axes", axes)});
}

ir::Value *OnnxBuilder::squeeze(ir::Value *x, const std::vector<int64_t> &axes) {
  if (opset_ >= 13)
    return axes.empty() ? op("Squeeze", {x}) : op("Squeeze", {x, int64s(axes)});
  if (axes.empty())
    return op("Squeeze", {x});
  return op("Squeeze", {x}, {OnnxAttr::is("axes", axes)});
}

ir::Value *OnnxBuilder::slice(ir::Value *x, const std::vector<int64_t> &starts,
                              const std::vector<int64_t> &ends, const std::vector<int64_t> &axes,
                              const std::vector<int64_t> &steps) {
  if (opset_ >= 10)
    return op("Slice", {x, int64s(starts), int64s(ends), int64s(axes), int64s(steps)});
  return op(
      "Slice", {x},
      {OnnxAttr::is("starts", starts), OnnxAttr::is("ends", ends), OnnxAttr::is("axes", axes)});
}

ir::Value *OnnxBuilder::reduce(std::string_view opType, ir::Value *x,
                               const std::vector<int64_t> &axes, bool keepdims) {
  // ReduceSum takes axes as an input from 13, the other reductions from 18.
  bool axesInput = opType == "ReduceSum" ? opset_ >= 13 : opset_ >= 18;
  std::vector<OnnxAttr> attrs = {OnnxAttr::i("keepdims", keepdims ? 1 : 0)};
  if (axesInput)
    return axes.empty() ? op(opType, {x}, attrs) : op(opType, {x, int64s(axes)}, attrs);
  if (!axes.empty())
    attrs.push_back(OnnxAttr::is("axes", axes));
  return op(opType, {x}, attrs);
}

std::vector<ir::Value *> OnnxBuilder::split(ir::Value *x, int64_t axis,
                                            const std::vector<int64_t> &sizes) {
  ir::Node *n;
  if (opset_ >= 13)
    n = node("Split", {x, int64s(sizes)}, {OnnxAttr::i("axis", axis)}, sizes.size());
  else
    n = node("Split", {x}, {OnnxAttr::i("axis", axis), OnnxAttr::is("split", sizes)}, sizes.size());
  return n->outputs();
}

ir::Value *OnnxBuilder::cast(ir::Value *x, ScalarType to) {
  ir::Value *out = op("Cast", {x}, {OnnxAttr::i("to", onnxDataType(to))});
  auto rank = rankOf(x);
  if (x->type()->isTensor() && x->type()->tensorInfo().sizes)
    setTensorType(out, to, *x->type()->tensorInfo().sizes);
  else
    setTensorType(out, to);
  (void)rank;
  return out;
}

std::optional<ScalarType> OnnxBuilder::dtypeOf(const ir::Value *v) {
  if (!v->type()->isTensor())
    return std::nullopt;
  return v->type()->tensorInfo().dtype;
}

std::optional<int64_t> OnnxBuilder::rankOf(const ir::Value *v) {
  if (!v->type()->isTensor() || !v->type()->tensorInfo().sizes)
    return std::nullopt;
  return int64_t(v->type()->tensorInfo().sizes->size());
}

void OnnxBuilder::setTensorType(ir::Value *v, std::optional<ScalarType> dtype,
                                std::optional<std::vector<ir::Dim>> dims) {
  ir::TensorInfo info;
  info.dtype = dtype;
  info.sizes = std::move(dims);
  v->setType(ir::Type::tensor(std::move(info)));
}

} // namespace ts2onnx::symbolics
