// Activations and softmax. Forms by opset: Softmax/LogSoftmax before 13 flatten the input to 2-D
// at their axis (torch's softmax only over the last dim; others are transposed there and back),
// from 13 they normalize over one axis; HardSwish is an operator from 14 (before, x *
// HardSigmoid(x)). glu, celu, the shrinks, log_sigmoid, rrelu (eval) and threshold are
// compositions of opset-9 operators.
#include <cmath>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

Result hardtanh(Ctx &ctx, std::optional<double> lo, std::optional<double> hi) {
  return one(ctx.b.clip(ctx.input(0), lo, hi));
}

Result gelu(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  std::string approximate = ctx.numInputs() > 1 ? ctx.constString(1).value_or("none") : "none";
  ScalarType t = floatLike(x);
  OnnxBuilder &b = ctx.b;
  if (approximate == "tanh") {
    // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
    ir::Value *x3 = b.op("Mul", {b.op("Mul", {x, x}), x});
    ir::Value *inner = b.op("Add", {x, b.op("Mul", {x3, b.scalarOf(0.044715, t)})});
    ir::Value *th = b.op("Tanh", {b.op("Mul", {inner, b.scalarOf(std::sqrt(2.0 / M_PI), t)})});
    ir::Value *y = b.op("Mul", {x, b.op("Add", {th, b.scalarOf(1, t)})});
    return one(b.op("Mul", {y, b.scalarOf(0.5, t)}));
  }
  if (approximate != "none")
    return ctx.unsupported(fmt::format("gelu approximate='{}'", approximate));
  // x * 0.5 * (1 + erf(x / sqrt(2)))
  ir::Value *e = b.op("Erf", {b.op("Mul", {x, b.scalarOf(M_SQRT1_2, t)})});
  ir::Value *y = b.op("Mul", {x, b.op("Add", {e, b.scalarOf(1, t)})});
  return one(b.op("Mul", {y, b.scalarOf(0.5, t)}));
}

Result silu(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  return one(ctx.b.op("Mul", {x, ctx.b.op("Sigmoid", {x})}));
}

Result hardsigmoid(Ctx &ctx) {
  return one(ctx.b.op("HardSigmoid", {ctx.input(0)},
                      {OnnxAttr::f("alpha", 1.0 / 6), OnnxAttr::f("beta", 0.5)}));
}

Result hardswish(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  ir::Value *hs =
      ctx.b.op("HardSigmoid", {x}, {OnnxAttr::f("alpha", 1.0 / 6), OnnxAttr::f("beta", 0.5)});
  return one(ctx.b.op("Mul", {x, hs}));
}

Result relu(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto t = dtypeOf(x);
  if (!t || ir::isFloatingType(*t))
    return unary(ctx, "Relu");
  // Relu of integers: Where(x < 0, 0, x) (onnxruntime has no integer Relu kernel).
  ir::Value *zero = ctx.b.scalarOf(0, *t);
  return one(ctx.b.op("Where", {ctx.b.op("Less", {x, zero}), zero, x}));
}

Result leakyRelu(Ctx &ctx) {
  double slope = ctx.numInputs() > 1 ? ctx.constFloat(1).value_or(0.01) : 0.01;
  return one(ctx.b.op("LeakyRelu", {ctx.input(0)}, {OnnxAttr::f("alpha", slope)}));
}

Result elu(Ctx &ctx) {
  // aten::elu(self, alpha=1, scale=1, input_scale=1):
  // x > 0 ? scale * x : scale * alpha * (exp(input_scale * x) - 1)
  auto arg = [&](size_t i) { return ctx.numInputs() > i ? ctx.constFloat(i) : 1.0; };
  auto alpha = arg(1), scale = arg(2), inScale = arg(3);
  if (!alpha || !scale || !inScale)
    return ctx.unsupported("non-constant alpha, scale or input_scale");
  ir::Value *x = ctx.input(0);
  if (*scale == 1 && *inScale == 1)
    return one(ctx.b.op("Elu", {x}, {OnnxAttr::f("alpha", *alpha)}));
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  ir::Value *e = b.op("Exp", {b.op("Mul", {x, b.scalarOf(*inScale, t)})});
  ir::Value *neg =
      b.op("Mul", {b.op("Sub", {e, b.scalarOf(1, t)}), b.scalarOf(*scale * *alpha, t)});
  ir::Value *pos = b.op("Mul", {x, b.scalarOf(*scale, t)});
  return one(b.op("Where", {b.op("Greater", {x, b.scalarOf(0, t)}), pos, neg}));
}

/// celu(x, alpha) = alpha * elu(x / alpha) (exactly torch's max(0,x) + min(0,
/// alpha*(exp(x/alpha)-1))).
Result celu(Ctx &ctx) {
  auto alpha = ctx.numInputs() > 1 ? ctx.constFloat(1) : 1.0;
  if (!alpha)
    return ctx.unsupported("a non-constant alpha");
  if (*alpha == 0)
    return ctx.unsupported("celu with alpha 0 (torch refuses it)");
  ir::Value *x = ctx.input(0);
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  if (*alpha == 1)
    return one(b.op("Elu", {x}, {OnnxAttr::f("alpha", 1.0)}));
  ir::Value *e =
      b.op("Elu", {b.op("Div", {x, b.scalarOf(*alpha, t)})}, {OnnxAttr::f("alpha", 1.0)});
  return one(b.op("Mul", {e, b.scalarOf(*alpha, t)}));
}

/// glu(x, dim) = a * sigmoid(b) for the two halves a, b of x along dim.
Result glu(Ctx &ctx) {
  auto d = ctx.numInputs() > 1 ? ctx.constInt(1) : std::optional<int64_t>(-1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  ir::Value *x = ctx.input(0);
  auto r = rankOf(x);
  if (!r && *d < 0)
    return ctx.unsupported("glu over a negative dim of a tensor of unknown rank");
  int64_t axis = normalizeDim(*d, r);
  if (auto dims = OnnxBuilder::dimsOf(x);
      dims && size_t(axis) < dims->size() && (*dims)[axis].isStatic() && (*dims)[axis].value % 2)
    return ctx.error("glu halves an odd dimension");
  ir::Node *split = ctx.b.node("Split", {x}, {OnnxAttr::i("axis", axis)}, 2);
  return one(ctx.b.op("Mul", {split->output(0), ctx.b.op("Sigmoid", {split->output(1)})}));
}

/// hardshrink: x where x < -lambd or x > lambd (or NaN), else 0.
Result hardshrink(Ctx &ctx) {
  auto l = ctx.numInputs() > 1 ? ctx.constFloat(1) : 0.5;
  if (!l)
    return ctx.unsupported("a non-constant lambd");
  ir::Value *x = ctx.input(0);
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  ir::Value *keep =
      b.op("Or", {b.op("Less", {x, b.scalarOf(-*l, t)}), b.op("Greater", {x, b.scalarOf(*l, t)})});
  keep = b.op("Or", {keep, b.op("IsNaN", {x})});
  return one(b.op("Where", {keep, x, b.scalarOf(0, t)}));
}

/// softshrink: x - lambd above lambd, x + lambd below -lambd, else 0.
Result softshrink(Ctx &ctx) {
  auto l = ctx.numInputs() > 1 ? ctx.constFloat(1) : 0.5;
  if (!l)
    return ctx.unsupported("a non-constant lambd");
  if (*l < 0)
    return ctx.unsupported("a negative lambd (torch refuses it)");
  ir::Value *x = ctx.input(0);
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  ir::Value *out = b.op("Where", {b.op("Greater", {x, b.scalarOf(*l, t)}),
                                  b.op("Sub", {x, b.scalarOf(*l, t)}), b.scalarOf(0, t)});
  out = b.op("Where",
             {b.op("Less", {x, b.scalarOf(-*l, t)}), b.op("Add", {x, b.scalarOf(*l, t)}), out});
  return one(out); // NaN gives 0, as in torch
}

/// log_sigmoid(x) = min(x, 0) - log(1 + exp(-|x|)), stable for large |x|.
Result logSigmoid(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  ir::Value *e = b.op("Exp", {b.op("Neg", {b.op("Abs", {x})})});
  ir::Value *l = b.op("Log", {b.op("Add", {e, b.scalarOf(1, t)})});
  return one(b.op("Sub", {b.op("Min", {x, b.scalarOf(0, t)}), l}));
}

/// rrelu in eval mode: leaky_relu with the mean slope (lower + upper) / 2.
Result rrelu(Ctx &ctx) {
  auto lo = ctx.numInputs() > 1 ? ctx.constFloat(1) : 0.125;
  auto hi = ctx.numInputs() > 2 ? ctx.constFloat(2) : 1.0 / 3;
  auto training = ctx.numInputs() > 3 ? ctx.constBool(3) : false;
  if (!lo || !hi || !training)
    return ctx.unsupported("non-constant lower, upper or training");
  if (*training)
    return ctx.unsupported("rrelu in training mode (random slopes)");
  return one(ctx.b.op("LeakyRelu", {ctx.input(0)}, {OnnxAttr::f("alpha", (*lo + *hi) / 2)}));
}

/// threshold(x, th, value): x > th ? x : value (a NaN stays NaN, as in torch).
Result threshold(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto t = dtypeOf(x).value_or(ScalarType::Float32);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * th, asTensor(ctx, 1, t));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, asTensor(ctx, 2, t));
  OnnxBuilder &b = ctx.b;
  if (t == ScalarType::Bool)
    return ctx.unsupported("threshold of a bool tensor");
  ir::Value *keep = b.op("Greater", {x, th});
  if (ir::isFloatingType(t))
    keep = b.op("Or", {keep, b.op("IsNaN", {x})});
  return one(b.op("Where", {keep, x, v}));
}

Result softplus(Ctx &ctx) {
  // aten::softplus(self, beta=1, threshold=20)
  double beta = ctx.numInputs() > 1 ? ctx.constFloat(1).value_or(1) : 1;
  std::optional<double> threshold = ctx.numInputs() > 2 ? ctx.constFloat(2) : 20.0;
  if (!threshold)
    return ctx.unsupported("softplus with a threshold that is not a constant");
  ir::Value *x = ctx.input(0);
  ScalarType t = floatLike(x);
  ir::Value *scaled = beta == 1 ? x : ctx.b.op("Mul", {x, ctx.b.scalarOf(beta, t)});
  ir::Value *sp = ctx.b.op("Softplus", {scaled});
  if (beta != 1)
    sp = ctx.b.op("Div", {sp, ctx.b.scalarOf(beta, t)});
  // Above the threshold torch returns x itself. From 20 up the two differ by under
  // exp(-20)/20 relative, below float32 and float16 rounding, so the default needs no Where.
  if (*threshold >= 20 && t != ScalarType::Float64)
    return one(sp);
  ir::Value *above = ctx.b.op("Greater", {scaled, ctx.b.scalarOf(*threshold, t)});
  return one(ctx.b.op("Where", {above, x, sp}));
}

Result mish(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  return one(ctx.b.op("Mul", {x, ctx.b.op("Tanh", {ctx.b.op("Softplus", {x})})}));
}

Result prelu(Ctx &ctx) {
  ir::Value *x = ctx.input(0), *w = ctx.input(1);
  auto r = rankOf(x);
  auto wr = rankOf(w);
  if (r && *r == 0 && wr && *wr == 1) // a 0-d input keeps its rank (torch takes one weight)
    w = ctx.b.squeeze(w, {0});
  if (r && *r > 2 && wr && *wr == 1) {
    std::vector<int64_t> axes;
    for (int64_t i = 1; i < *r - 1; ++i)
      axes.push_back(i);
    w = ctx.b.unsqueeze(w, axes);
  }
  return one(ctx.b.op("PRelu", {x, w}));
}

/// Softmax/LogSoftmax before 13 flatten the input to 2-D at `axis`, which is torch's softmax
/// only over the last dim; other dims are moved last and back.
/// `dtypeInput`: input 2 is the `ScalarType? dtype` (softmax, log_softmax), not the bool
/// half_to_float of _softmax/_log_softmax.
/// softmax's input, cast to the `dtype` argument when there is one (`dtypeInput`: input 2 is
/// `ScalarType? dtype`, not _softmax's bool half_to_float), and its constant dim.
absl::StatusOr<std::pair<ir::Value *, int64_t>> softmaxInput(Ctx &ctx, bool dtypeInput) {
  auto dim = ctx.constInt(1);
  if (!dim)
    return ctx.unsupported("a non-constant dim");
  std::optional<ir::ScalarType> dt;
  if (dtypeInput) {
    TS2ONNX_ASSIGN_OR_RETURN(dt, dtypeArg(ctx, 2));
  }
  ir::Value *x = ctx.input(0);
  if (dt && OnnxBuilder::dtypeOf(x) != dt)
    x = ctx.b.cast(x, *dt);
  return std::pair<ir::Value *, int64_t>{x, *dim};
}

Result softmax9(Ctx &ctx, const char *onnxOp, bool dtypeInput = true) {
  TS2ONNX_ASSIGN_OR_RETURN(auto in, softmaxInput(ctx, dtypeInput));
  ir::Value *x = in.first;
  int64_t dim = in.second;
  bool lifted = false;
  x = liftScalar(ctx, x, lifted);
  if (lifted)
    return one(dropLifted(ctx, ctx.b.op(onnxOp, {x}, {OnnxAttr::i("axis", 0)}), true));
  auto r = rankOf(x);
  int64_t d = normalizeDim(dim, r);
  if ((r && d == *r - 1) || (!r && dim == -1))
    return one(ctx.b.op(onnxOp, {x}, {OnnxAttr::i("axis", d)}));
  if (!r)
    return ctx.unsupported("softmax over a dim other than the last of a tensor of unknown rank");
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < *r; ++i)
    perm.push_back(i);
  std::swap(perm[d], perm[*r - 1]);
  ir::Value *t = ctx.b.op("Transpose", {x}, {OnnxAttr::is("perm", perm)});
  ir::Value *s = ctx.b.op(onnxOp, {t}, {OnnxAttr::i("axis", *r - 1)});
  return one(ctx.b.op("Transpose", {s}, {OnnxAttr::is("perm", perm)}));
}

Result softmax13(SymbolicContext &ctx, const char *onnxOp, bool dtypeInput = true) {
  TS2ONNX_ASSIGN_OR_RETURN(auto in, softmaxInput(ctx, dtypeInput));
  ir::Value *x = in.first;
  int64_t dim = in.second;
  bool lifted = false;
  x = liftScalar(ctx, x, lifted);
  ir::Value *y = ctx.b.op(onnxOp, {x}, {OnnxAttr::i("axis", lifted ? 0 : dim)});
  return one(dropLifted(ctx, y, lifted));
}

} // namespace

void registerActivation(SymbolicRegistry &r) {
  r.add("aten::relu", 9, relu);
  r.add("aten::relu6", 9, [](Ctx &c) { return hardtanh(c, 0.0, 6.0); });
  r.add("aten::hardtanh", 9, [](Ctx &c) {
    return hardtanh(c, c.numInputs() > 1 ? c.constFloat(1).value_or(-1) : -1.0,
                    c.numInputs() > 2 ? c.constFloat(2).value_or(1) : 1.0);
  });
  r.add("aten::gelu", 9, gelu);
  r.add("aten::silu", 9, silu);
  r.add("aten::hardswish", 9, hardswish);
  r.add("aten::hardswish", 14, [](Ctx &c) { return one(c.b.op("HardSwish", {c.input(0)})); });
  r.add("aten::hardsigmoid", 9, hardsigmoid);
  r.add("aten::leaky_relu", 9, leakyRelu);
  r.add("aten::elu", 9, elu);
  r.add("aten::celu", 9, celu);
  r.add("aten::glu", 9, glu);
  r.add("aten::hardshrink", 9, hardshrink);
  r.add("aten::softshrink", 9, softshrink);
  r.add("aten::log_sigmoid", 9, logSigmoid);
  r.add("aten::rrelu", 9, rrelu);
  r.add("aten::threshold", 9, threshold);
  r.add("aten::selu", 9, [](Ctx &c) { return unary(c, "Selu"); });
  r.add("aten::softplus", 9, softplus);
  r.add("aten::mish", 9, mish);
  r.add("aten::prelu", 9, prelu);
  r.add("aten::softmax", 9, [](Ctx &c) { return softmax9(c, "Softmax"); });
  r.add("aten::softmax", 13, [](Ctx &c) { return softmax13(c, "Softmax"); });
  r.add("aten::log_softmax", 9, [](Ctx &c) { return softmax9(c, "LogSoftmax"); });
  r.add("aten::log_softmax", 13, [](Ctx &c) { return softmax13(c, "LogSoftmax"); });
  // _log_softmax(self, dim, half_to_float): half_to_float is a CUDA-only fast path.
  r.add("aten::_log_softmax", 9, [](Ctx &c) -> Result {
    if (c.constBool(2).value_or(true))
      return c.unsupported("_log_softmax with half_to_float (a CUDA-only form)");
    return softmax9(c, "LogSoftmax", false);
  });
  r.add("aten::_log_softmax", 13, [](Ctx &c) -> Result {
    if (c.constBool(2).value_or(true))
      return c.unsupported("_log_softmax with half_to_float (a CUDA-only form)");
    return softmax13(c, "LogSoftmax", false);
  });
}

} // namespace ts2onnx::symbolics
