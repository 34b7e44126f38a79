// Symbolics whose ONNX form was fixed at opset 9 (the oldest opset we target).
#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/Helpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

absl::StatusOr<std::vector<ir::Value *>> unary(SymbolicContext &ctx, const char *onnxOp) {
  ir::Value *out = ctx.b.op(onnxOp, {ctx.input(0)});
  out->setType(ctx.input(0)->type());
  return one(out);
}

/// The dtype both operands of an arithmetic op are computed in (torch's promotion for the
/// common cases: a floating tensor wins; an int tensor with a float scalar becomes float32).
std::optional<ScalarType> promoted(SymbolicContext &ctx) {
  auto a = OnnxBuilder::dtypeOf(ctx.input(0));
  auto b = OnnxBuilder::dtypeOf(ctx.input(1));
  bool bFloatScalar = ctx.input(1)->type()->is(ir::TypeKind::Float);
  if (a && b) {
    if (*a == *b)
      return a;
    if (ir::isFloatingType(*a) != ir::isFloatingType(*b))
      return ir::isFloatingType(*a) ? a : b;
    return ir::elementSize(*a) >= ir::elementSize(*b) ? a : b;
  }
  if (a && !ctx.input(1)->type()->isTensor())
    return (!ir::isFloatingType(*a) && bFloatScalar) ? ScalarType::Float32 : *a;
  return a ? a : b;
}

absl::StatusOr<std::vector<ir::Value *>> binary(SymbolicContext &ctx, const char *onnxOp,
                                                bool hasAlpha) {
  auto dt = promoted(ctx);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * a, asTensor(ctx, 0, dt));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * b, asTensor(ctx, 1, dt));
  if (hasAlpha && ctx.numInputs() > 2) {
    auto alpha = ctx.constFloat(2);
    if (!alpha)
      return ctx.unsupported("a non-constant alpha");
    if (*alpha != 1) {
      ir::Value *s = dt && !ir::isFloatingType(*dt)
                         ? ctx.b.int64Scalar(int64_t(*alpha))
                         : ctx.b.floatScalar(*alpha, dt.value_or(ScalarType::Float32));
      b = ctx.b.op("Mul", {b, s});
    }
  }
  ir::Value *out = ctx.b.op(onnxOp, {a, b});
  OnnxBuilder::setTensorType(out, dt);
  return one(out);
}

absl::StatusOr<std::vector<ir::Value *>> linear(SymbolicContext &ctx) {
  ir::Value *x = ctx.input(0), *w = ctx.input(1);
  auto rank = OnnxBuilder::rankOf(x);
  if (rank && *rank == 2) {
    std::vector<ir::Value *> ins = {x, w};
    if (!ctx.isNone(2))
      ins.push_back(ctx.input(2));
    ir::Value *out = ctx.b.op("Gemm", ins, {OnnxAttr::i("transB", 1)});
    OnnxBuilder::setTensorType(out, OnnxBuilder::dtypeOf(x));
    return one(out);
  }
  ir::Value *wt = ctx.b.op("Transpose", {w}, {OnnxAttr::is("perm", {1, 0})});
  ir::Value *out = ctx.b.op("MatMul", {x, wt});
  if (!ctx.isNone(2))
    out = ctx.b.op("Add", {out, ctx.input(2)});
  OnnxBuilder::setTensorType(out, OnnxBuilder::dtypeOf(x));
  return one(out);
}

/// aten::conv{1,2,3}d(input, weight, bias, stride, padding, dilation, groups) and
/// aten::_convolution(input, weight, bias, stride, padding, dilation, transposed,
/// output_padding, groups, ...).
absl::StatusOr<std::vector<ir::Value *>> convolution(SymbolicContext &ctx, bool full) {
  auto stride = ctx.constInts(3), padding = ctx.constInts(4), dilation = ctx.constInts(5);
  if (!stride || !padding || !dilation)
    return ctx.unsupported("non-constant stride/padding/dilation (or string padding)");
  bool transposed = full ? ctx.constBool(6).value_or(false) : false;
  auto groups = ctx.constInt(full ? 8 : 6);
  if (!groups)
    return ctx.unsupported("non-constant groups");
  std::vector<int64_t> pads = *padding;
  pads.insert(pads.end(), padding->begin(), padding->end());
  std::vector<OnnxAttr> attrs = {OnnxAttr::is("strides", *stride), OnnxAttr::is("pads", pads),
                                 OnnxAttr::is("dilations", *dilation),
                                 OnnxAttr::i("group", *groups)};
  // kernel_shape from a constant weight, when known.
  const ir::Value *w = ctx.input(1);
  if (w->type()->isTensor() && w->type()->tensorInfo().sizes) {
    std::vector<int64_t> ks;
    const auto &dims = *w->type()->tensorInfo().sizes;
    for (size_t i = 2; i < dims.size(); ++i)
      if (dims[i].isStatic())
        ks.push_back(dims[i].value);
    if (ks.size() + 2 == dims.size())
      attrs.push_back(OnnxAttr::is("kernel_shape", ks));
  }
  if (transposed) {
    auto outPad = ctx.constInts(7);
    if (!outPad)
      return ctx.unsupported("non-constant output_padding");
    bool anyPad = false;
    for (int64_t p : *outPad)
      anyPad |= p != 0;
    if (anyPad)
      attrs.push_back(OnnxAttr::is("output_padding", *outPad));
  }
  std::vector<ir::Value *> ins = {ctx.input(0), ctx.input(1)};
  if (!ctx.isNone(2))
    ins.push_back(ctx.input(2));
  ir::Value *out = ctx.b.op(transposed ? "ConvTranspose" : "Conv", ins, attrs);
  OnnxBuilder::setTensorType(out, OnnxBuilder::dtypeOf(ctx.input(0)));
  return one(out);
}

absl::StatusOr<std::vector<ir::Value *>> batchNorm(SymbolicContext &ctx) {
  // aten::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
  // cudnn_enabled)
  if (ctx.constBool(5).value_or(true))
    return ctx.unsupported("batch_norm in training mode (export in eval mode)");
  if (ctx.isNone(3) || ctx.isNone(4))
    return ctx.unsupported("batch_norm without running statistics");
  auto eps = ctx.constFloat(7);
  if (!eps)
    return ctx.unsupported("a non-constant eps");
  ir::Value *x = ctx.input(0);
  ir::Value *scale = ctx.input(1), *bias = ctx.input(2);
  if (ctx.isNone(1) || ctx.isNone(2))
    return ctx.unsupported("batch_norm without affine weight/bias yet");
  ir::Value *out = ctx.b.op("BatchNormalization", {x, scale, bias, ctx.input(3), ctx.input(4)},
                            {OnnxAttr::f("epsilon", *eps)});
  out->setType(x->type());
  return one(out);
}

absl::StatusOr<std::vector<ir::Value *>> maxPool(SymbolicContext &ctx) {
  // aten::max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)
  auto k = ctx.constInts(1), s = ctx.constInts(2), p = ctx.constInts(3), d = ctx.constInts(4);
  auto ceil = ctx.constBool(5);
  if (!k || !s || !p || !d || !ceil)
    return ctx.unsupported("non-constant pooling parameters");
  if (s->empty())
    s = k;
  for (int64_t x : *d)
    if (x != 1)
      return ctx.unsupported("dilated max pooling at this opset");
  std::vector<int64_t> pads = *p;
  pads.insert(pads.end(), p->begin(), p->end());
  std::vector<OnnxAttr> attrs = {OnnxAttr::is("kernel_shape", *k), OnnxAttr::is("strides", *s),
                                 OnnxAttr::is("pads", pads)};
  if (*ceil)
    return ctx.unsupported("ceil_mode at opset 9 (needs opset 10)");
  ir::Value *out = ctx.b.op("MaxPool", {ctx.input(0)}, attrs);
  OnnxBuilder::setTensorType(out, OnnxBuilder::dtypeOf(ctx.input(0)));
  return one(out);
}

absl::StatusOr<std::vector<ir::Value *>> adaptiveAvgPool(SymbolicContext &ctx) {
  auto size = ctx.constInts(1);
  if (!size)
    return ctx.unsupported("a non-constant output size");
  for (int64_t s : *size)
    if (s != 1)
      return ctx.unsupported("adaptive pooling to a size other than 1");
  ir::Value *out = ctx.b.op("GlobalAveragePool", {ctx.input(0)});
  OnnxBuilder::setTensorType(out, OnnxBuilder::dtypeOf(ctx.input(0)));
  return one(out);
}

absl::StatusOr<std::vector<ir::Value *>> flatten(SymbolicContext &ctx) {
  auto start = ctx.constInt(1), end = ctx.constInt(2);
  auto rank = OnnxBuilder::rankOf(ctx.input(0));
  if (!start || !end)
    return ctx.unsupported("non-constant dims");
  int64_t e = *end;
  if (rank && e < 0)
    e += *rank;
  if (rank && *start == 1 && e == *rank - 1) {
    ir::Value *out = ctx.b.op("Flatten", {ctx.input(0)}, {OnnxAttr::i("axis", 1)});
    OnnxBuilder::setTensorType(out, OnnxBuilder::dtypeOf(ctx.input(0)),
                               std::vector<ir::Dim>(2, ir::Dim::unknown()));
    return one(out);
  }
  if (*start == 0 && (*end == -1 || (rank && e == *rank - 1))) {
    ir::Value *out = ctx.b.op("Reshape", {ctx.input(0), ctx.b.int64s({-1})});
    OnnxBuilder::setTensorType(out, OnnxBuilder::dtypeOf(ctx.input(0)),
                               std::vector<ir::Dim>(1, ir::Dim::unknown()));
    return one(out);
  }
  return ctx.unsupported("flatten of these dims without a known rank");
}

absl::StatusOr<std::vector<ir::Value *>> identity(SymbolicContext &ctx) {
  return one(ctx.input(0));
}

absl::StatusOr<std::vector<ir::Value *>> dropout(SymbolicContext &ctx) {
  // aten::dropout(input, p, train): only eval mode exports (as torch does with training=False).
  if (ctx.constBool(2).value_or(true))
    return ctx.unsupported("dropout in training mode");
  return one(ctx.input(0));
}

} // namespace

void registerOpset9(SymbolicRegistry &r) {
  r.add("aten::relu", 9, [](SymbolicContext &c) { return unary(c, "Relu"); });
  r.add("aten::sigmoid", 9, [](SymbolicContext &c) { return unary(c, "Sigmoid"); });
  r.add("aten::tanh", 9, [](SymbolicContext &c) { return unary(c, "Tanh"); });
  r.add("aten::exp", 9, [](SymbolicContext &c) { return unary(c, "Exp"); });
  r.add("aten::add", 9, [](SymbolicContext &c) { return binary(c, "Add", true); });
  r.add("aten::sub", 9, [](SymbolicContext &c) { return binary(c, "Sub", true); });
  r.add("aten::mul", 9, [](SymbolicContext &c) { return binary(c, "Mul", false); });
  r.add("aten::div", 9, [](SymbolicContext &c) { return binary(c, "Div", false); });
  r.add("aten::matmul", 9, [](SymbolicContext &c) {
    ir::Value *out = c.b.op("MatMul", {c.input(0), c.input(1)});
    OnnxBuilder::setTensorType(out, OnnxBuilder::dtypeOf(c.input(0)));
    return one(out);
  });
  r.add("aten::linear", 9, linear);
  r.add("aten::conv1d", 9, [](SymbolicContext &c) { return convolution(c, false); });
  r.add("aten::conv2d", 9, [](SymbolicContext &c) { return convolution(c, false); });
  r.add("aten::conv3d", 9, [](SymbolicContext &c) { return convolution(c, false); });
  r.add("aten::_convolution", 9, [](SymbolicContext &c) { return convolution(c, true); });
  r.add("aten::batch_norm", 9, batchNorm);
  r.add("aten::max_pool2d", 9, maxPool);
  r.add("aten::adaptive_avg_pool2d", 9, adaptiveAvgPool);
  r.add("aten::flatten", 9, flatten);
  r.add("aten::dropout", 9, dropout);
  r.add("aten::feature_dropout", 9, dropout);
  r.add("aten::contiguous", 9, identity);
  r.add("aten::detach", 9, identity);
}

} // namespace ts2onnx::symbolics
