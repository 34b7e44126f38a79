#include "symbolics/OnnxBuilder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

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
  // Split into equal parts: from opset 18 the number of parts is an attribute (num_outputs)
  // that must be given when no `split` sizes input is.
  if (kind == "onnx::Split" && opset_ >= 18 && inputs.size() == 1)
    n->i_(ir::Symbol::attr("num_outputs"), static_cast<int64_t>(numOutputs));
  if (ir::Node *pt = g_.insertPoint(); pt && pt->sourceLocation().valid())
    n->setSourceLocation(pt->sourceLocation());
  // The node stands for (part of) the one it is inserted before: same module.
  if (ir::Node *pt = g_.insertPoint(); pt && !pt->scopeName().empty())
    n->setScopeName(pt->scopeName());
  inferTypes(n);
  return n;
}

ir::Node *OnnxBuilder::customNode(std::string_view domain, std::string_view opType,
                                  const std::vector<ir::Value *> &inputs,
                                  const std::vector<OnnxAttr> &attrs, size_t numOutputs) {
  ir::Node *n = node(std::string(domain) + "::" + std::string(opType), inputs, attrs, numOutputs);
  n->s_(ir::Symbol::attr("domain"), std::string(domain));
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
  // torch lets dim 0 / -1 name the only "dim" of a 0-d tensor; ONNX has no axis there. Reducing
  // all of a 0-d tensor gives the same 0-d result.
  if (auto r = rankOf(x); r && *r == 0 && !axes.empty())
    return reduce(opType, x, {}, false);
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
  setTensorType(out, to, dimsOf(x));
  return out;
}

ir::Value *OnnxBuilder::clip(ir::Value *x, std::optional<double> lo, std::optional<double> hi) {
  ScalarType dt = dtypeOf(x).value_or(ScalarType::Float32);
  ir::Value *out;
  if (opset_ < 11) {
    std::vector<OnnxAttr> attrs;
    if (lo)
      attrs.push_back(OnnxAttr::f("min", *lo));
    if (hi)
      attrs.push_back(OnnxAttr::f("max", *hi));
    out = op("Clip", {x}, attrs);
  } else if (!ir::isFloatingType(dt) && opset_ < 12) {
    out = x;
    if (lo)
      out = op("Max", {out, scalarOf(*lo, dt)});
    if (hi)
      out = op("Min", {out, scalarOf(*hi, dt)});
  } else {
    double lowest = ir::isFloatingType(dt) ? -std::numeric_limits<double>::infinity()
                                           : double(std::numeric_limits<int64_t>::lowest());
    std::vector<ir::Value *> ins = {x, scalarOf(lo.value_or(lowest), dt)};
    if (hi)
      ins.push_back(scalarOf(*hi, dt));
    out = op("Clip", ins);
  }
  setTensorType(out, dtypeOf(x), dimsOf(x));
  return out;
}

ir::Value *OnnxBuilder::pad(ir::Value *x, const std::vector<int64_t> &pads, std::string_view mode,
                            double value) {
  std::vector<OnnxAttr> attrs = {OnnxAttr::s("mode", std::string(mode))};
  if (opset_ < 11) {
    attrs.push_back(OnnxAttr::is("pads", pads));
    if (mode == "constant")
      attrs.push_back(OnnxAttr::f("value", value));
    return op("Pad", {x}, attrs);
  }
  std::vector<ir::Value *> ins = {x, int64s(pads)};
  if (mode == "constant" && value != 0)
    ins.push_back(scalarOf(value, dtypeOf(x).value_or(ScalarType::Float32)));
  return op("Pad", ins, attrs);
}

ir::Value *OnnxBuilder::shape(ir::Value *x) { return op("Shape", {x}); }

ir::Value *OnnxBuilder::gather(ir::Value *x, ir::Value *indices, int64_t axis) {
  return op("Gather", {x, indices}, {OnnxAttr::i("axis", axis)});
}

ir::Value *OnnxBuilder::concat(const std::vector<ir::Value *> &xs, int64_t axis) {
  if (xs.size() == 1)
    return xs[0];
  return op("Concat", xs, {OnnxAttr::i("axis", axis)});
}

ir::Value *OnnxBuilder::dimSize(ir::Value *x, int64_t dim) {
  if (auto dims = dimsOf(x)) {
    int64_t r = int64_t(dims->size());
    int64_t d = dim < 0 ? dim + r : dim;
    if (d >= 0 && d < r && (*dims)[d].isStatic())
      return int64Scalar((*dims)[d].value);
    if (d >= 0 && d < r)
      dim = d;
  }
  ir::Value *s = shape(x);
  if (dim >= 0)
    return gather(s, int64Scalar(dim), 0);
  // Gather takes negative indices only from 11; a Slice counts from the back at every opset.
  int64_t end = dim == -1 ? std::numeric_limits<int64_t>::max() : dim + 1;
  return squeeze(slice(s, {dim}, {end}, {0}, {1}), {0});
}

ir::Tensor OnnxBuilder::oneElement(double v, ScalarType t) {
  switch (t) {
  case ScalarType::Float64:
    return ir::Tensor::fromBytes(t, {1}, &v);
  case ScalarType::Float16:
  case ScalarType::BFloat16:
  case ScalarType::Float32: {
    float f = float(v);
    return ir::Tensor::fromBytes(ScalarType::Float32, {1}, &f);
  }
  case ScalarType::Bool:
  case ScalarType::UInt8: {
    uint8_t b = t == ScalarType::Bool ? (v != 0) : uint8_t(v);
    return ir::Tensor::fromBytes(t, {1}, &b);
  }
  case ScalarType::Int8: {
    int8_t b = int8_t(v);
    return ir::Tensor::fromBytes(t, {1}, &b);
  }
  case ScalarType::Int16: {
    int16_t b = int16_t(v);
    return ir::Tensor::fromBytes(t, {1}, &b);
  }
  case ScalarType::Int32: {
    int32_t b = int32_t(v);
    return ir::Tensor::fromBytes(t, {1}, &b);
  }
  default: {
    int64_t b = int64_t(v);
    return ir::Tensor::fromBytes(ScalarType::Int64, {1}, &b);
  }
  }
}

ir::Value *OnnxBuilder::scalarOf(double v, ScalarType t) {
  ir::Tensor one = oneElement(v, t);
  ir::Value *c = constant(ir::Tensor::fromBytes(one.dtype(), {}, one.data()));
  if (one.dtype() != t) // float16/bfloat16 have no host type here
    return cast(c, t);
  return c;
}

ir::Value *OnnxBuilder::constantOfShape(ir::Value *shape, double v, ScalarType t) {
  ir::Tensor one = oneElement(v, t);
  ir::Value *out = op("ConstantOfShape", {shape}, {OnnxAttr::t("value", one)});
  return one.dtype() != t ? cast(out, t) : out;
}

std::optional<std::vector<int64_t>> OnnxBuilder::constInt64s(const ir::Value *v) {
  const ir::Node *n = v->node();
  if (n->kind() != ir::prim::Constant)
    return std::nullopt;
  const ir::AttributeValue *a = n->attribute(ir::attr::value);
  const ir::Tensor *t = a ? a->getIf<ir::Tensor>() : nullptr;
  if (!t || !t->storage() || !ir::isIntegralType(t->dtype(), false) || t->dim() > 1)
    return std::nullopt;
  std::vector<int64_t> out;
  for (int64_t i = 0; i < t->numel(); ++i)
    out.push_back(t->intAt(i));
  return out;
}

std::optional<ScalarType> OnnxBuilder::dtypeOf(const ir::Value *v) {
  if (!v->type()->isTensor())
    return std::nullopt;
  return v->type()->tensorInfo().dtype;
}

std::optional<std::vector<ir::Dim>> OnnxBuilder::dimsOf(const ir::Value *v) {
  if (!v->type()->isTensor())
    return std::nullopt;
  return v->type()->tensorInfo().sizes;
}

std::optional<std::vector<int64_t>> OnnxBuilder::staticShapeOf(const ir::Value *v) {
  return ir::staticSizes(*v->type());
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
