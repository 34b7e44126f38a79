// Activations and softmax. Forms by opset: Softmax/LogSoftmax before 13 flatten the input to 2-D
// at their axis (torch's softmax only over the last dim; others are transposed there and back),
// from 13 they normalize over one axis; HardSwish is an operator from 14 (before, x *
// HardSigmoid(x)).
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
  // aten::elu(self, alpha=1, scale=1, input_scale=1)
  double alpha = ctx.numInputs() > 1 ? ctx.constFloat(1).value_or(1) : 1;
  double scale = ctx.numInputs() > 2 ? ctx.constFloat(2).value_or(1) : 1;
  double inScale = ctx.numInputs() > 3 ? ctx.constFloat(3).value_or(1) : 1;
  if (scale != 1 || inScale != 1)
    return ctx.unsupported("elu with scale or input_scale other than 1");
  return one(ctx.b.op("Elu", {ctx.input(0)}, {OnnxAttr::f("alpha", alpha)}));
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
Result softmax9(Ctx &ctx, const char *onnxOp) {
  auto dim = ctx.constInt(1);
  if (!dim)
    return ctx.unsupported("a non-constant dim");
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 2));
  ir::Value *x = ctx.input(0);
  if (dt)
    x = ctx.b.cast(x, *dt);
  bool lifted = false;
  x = liftScalar(ctx, x, lifted);
  if (lifted)
    return one(dropLifted(ctx, ctx.b.op(onnxOp, {x}, {OnnxAttr::i("axis", 0)}), true));
  auto r = rankOf(x);
  int64_t d = normalizeDim(*dim, r);
  if ((r && d == *r - 1) || (!r && *dim == -1))
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

Result softmax13(SymbolicContext &ctx, const char *onnxOp) {
  auto dim = ctx.constInt(1);
  if (!dim)
    return ctx.unsupported("a non-constant dim");
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 2));
  ir::Value *x = ctx.input(0);
  if (dt && OnnxBuilder::dtypeOf(x) != dt)
    x = ctx.b.cast(x, *dt);
  bool lifted = false;
  x = liftScalar(ctx, x, lifted);
  ir::Value *y = ctx.b.op(onnxOp, {x}, {OnnxAttr::i("axis", lifted ? 0 : *dim)});
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
  r.add("aten::selu", 9, [](Ctx &c) { return unary(c, "Selu"); });
  r.add("aten::softplus", 9, softplus);
  r.add("aten::mish", 9, mish);
  r.add("aten::prelu", 9, prelu);
  r.add("aten::softmax", 9, [](Ctx &c) { return softmax9(c, "Softmax"); });
  r.add("aten::softmax", 13, [](Ctx &c) { return softmax13(c, "Softmax"); });
  r.add("aten::log_softmax", 9, [](Ctx &c) { return softmax9(c, "LogSoftmax"); });
  r.add("aten::log_softmax", 13, [](Ctx &c) { return softmax13(c, "LogSoftmax"); });
}

} // namespace ts2onnx::symbolics
