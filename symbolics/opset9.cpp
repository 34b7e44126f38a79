// Symbolics whose ONNX form was fixed at opset 9 (the oldest opset we target). Inputs follow the
// aten schema's argument order (frontend/schema/schemas.txt); overloads of one aten name are told
// apart by their number and types of inputs.
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/Helpers.h"
#include "symbolics/Opsets.h"

namespace ts2onnx::symbolics {

using ir::ScalarType;

namespace {

using Result = absl::StatusOr<std::vector<ir::Value *>>;
using Ctx = SymbolicContext;
constexpr int64_t kIntMax = std::numeric_limits<int64_t>::max();

std::optional<ScalarType> dtypeOf(const ir::Value *v) { return OnnxBuilder::dtypeOf(v); }
std::optional<int64_t> rankOf(const ir::Value *v) { return OnnxBuilder::rankOf(v); }

ScalarType floatLike(const ir::Value *v) {
  auto t = dtypeOf(v);
  return t && ir::isFloatingType(*t) ? *t : ScalarType::Float32;
}

/// Input i as a tensor; an integral one cast to float32 (for ops torch computes in floating
/// point: sigmoid, sqrt, true division...).
absl::StatusOr<ir::Value *> floatInput(Ctx &ctx, size_t i) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, i));
  auto t = dtypeOf(x);
  if (t && !ir::isFloatingType(*t))
    return ctx.b.cast(x, ScalarType::Float32);
  return x;
}

Result unary(Ctx &ctx, const char *onnxOp) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  return one(ctx.b.op(onnxOp, {x}));
}

Result floatUnary(Ctx &ctx, const char *onnxOp) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  return one(ctx.b.op(onnxOp, {x}));
}

/// floor/ceil/round: the identity on integers; an `int` result (math.floor of a float) is cast.
Result rounding(Ctx &ctx, const char *onnxOp) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  auto t = dtypeOf(x);
  ir::Value *out = t && !ir::isFloatingType(*t) ? x : ctx.b.op(onnxOp, {x});
  if (ctx.node().output(0)->type()->is(ir::TypeKind::Int))
    out = ctx.b.cast(out, ScalarType::Int64);
  return one(out);
}

Result identity(Ctx &ctx) { return one(ctx.input(0)); }

// --- activations ---------------------------------------------------------------------------

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

// --- arithmetic --------------------------------------------------------------------------

/// Applies `alpha` (add/sub/rsub) to `v`.
absl::StatusOr<ir::Value *> scaled(Ctx &ctx, ir::Value *v, size_t alphaIndex,
                                   std::optional<ScalarType> dt) {
  if (ctx.numInputs() <= alphaIndex)
    return v;
  auto alpha = ctx.constFloat(alphaIndex);
  if (!alpha)
    return ctx.unsupported("a non-constant alpha");
  if (*alpha == 1)
    return v;
  return ctx.b.op("Mul", {v, ctx.b.scalarOf(*alpha, dt.value_or(ScalarType::Float32))});
}

ir::Value *typed(ir::Value *out, const Promotion &p) {
  if (p.dtype && !p.assumed)
    OnnxBuilder::setTensorType(out, p.dtype, OnnxBuilder::dimsOf(out));
  return out;
}

Result binary(Ctx &ctx, const char *onnxOp, bool hasAlpha) {
  if (ctx.input(0)->type()->is(ir::TypeKind::List) || ctx.input(0)->type()->is(ir::TypeKind::Str))
    return ctx.unsupported("list or string operands");
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  ir::Value *b = xs[1];
  if (hasAlpha) {
    TS2ONNX_ASSIGN_OR_RETURN(b, scaled(ctx, b, 2, p.dtype));
  }
  return one(typed(ctx.b.op(onnxOp, {xs[0], b}), p));
}

Result rsub(Ctx &ctx) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * a, scaled(ctx, xs[0], 2, p.dtype));
  return one(typed(ctx.b.op("Sub", {xs[1], a}), p));
}

/// floor(a / b) for integers, where ONNX Div truncates toward zero.
ir::Value *intFloorDiv(OnnxBuilder &b, ir::Value *x, ir::Value *y, ScalarType t) {
  ir::Value *q = b.op("Div", {x, y});
  ir::Value *zero = b.scalarOf(0, t);
  ir::Value *negative = b.op("Xor", {b.op("Less", {x, zero}), b.op("Less", {y, zero})});
  ir::Value *rem = b.op("Sub", {x, b.op("Mul", {q, y})});
  ir::Value *inexact = b.op("Not", {b.op("Equal", {rem, zero})});
  ir::Value *fix = b.op("And", {negative, inexact});
  return b.op("Where", {fix, b.op("Sub", {q, b.scalarOf(1, t)}), q});
}

Result divide(Ctx &ctx, std::optional<std::string> mode) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  ir::Value *a = xs[0], *b = xs[1];
  bool integral = p.dtype && !ir::isFloatingType(*p.dtype);
  OnnxBuilder &g = ctx.b;
  if (!mode) {
    if (integral) { // true division of integers is floating point
      a = g.cast(a, ScalarType::Float32);
      b = g.cast(b, ScalarType::Float32);
      return one(g.op("Div", {a, b}));
    }
    return one(typed(g.op("Div", {a, b}), p));
  }
  if (*mode == "trunc") {
    if (integral)
      return one(typed(g.op("Div", {a, b}), p));
    ir::Value *q = g.op("Div", {a, b});
    return one(typed(g.op("Mul", {g.op("Sign", {q}), g.op("Floor", {g.op("Abs", {q})})}), p));
  }
  if (*mode == "floor") {
    if (integral)
      return one(typed(intFloorDiv(g, a, b, *p.dtype), p));
    return one(typed(g.op("Floor", {g.op("Div", {a, b})}), p));
  }
  return ctx.unsupported(fmt::format("rounding_mode '{}'", *mode));
}

Result div(Ctx &ctx) {
  std::optional<std::string> mode;
  if (ctx.numInputs() > 2 && !ctx.isNone(2)) {
    mode = ctx.constString(2);
    if (!mode)
      return ctx.unsupported("a non-constant rounding_mode");
  }
  return divide(ctx, mode);
}

Result remainder(Ctx &ctx) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  ir::Value *a = xs[0], *b = xs[1];
  bool integral = p.dtype && !ir::isFloatingType(*p.dtype);
  ir::Value *q =
      integral ? intFloorDiv(ctx.b, a, b, *p.dtype) : ctx.b.op("Floor", {ctx.b.op("Div", {a, b})});
  return one(typed(ctx.b.op("Sub", {a, ctx.b.op("Mul", {q, b})}), p));
}

Result pow(Ctx &ctx) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  if (auto e = ctx.constFloat(1); e && *e == 2 && ctx.input(1)->type()->isTensor() == false)
    return one(typed(ctx.b.op("Mul", {xs[0], xs[0]}), p));
  return one(typed(ctx.b.op("Pow", {xs[0], xs[1]}), p));
}

Result rsqrt(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  return one(ctx.b.op("Reciprocal", {ctx.b.op("Sqrt", {x})}));
}

Result clamp(Ctx &ctx, bool hasMin, bool hasMax) {
  // aten::clamp(self, min?, max?), clamp_min(self, min), clamp_max(self, max)
  size_t minIdx = 1, maxIdx = hasMin ? 2 : 1;
  bool minNone = !hasMin || ctx.isNone(minIdx), maxNone = !hasMax || ctx.isNone(maxIdx);
  auto lo = minNone ? std::nullopt : ctx.constFloat(minIdx);
  auto hi = maxNone ? std::nullopt : ctx.constFloat(maxIdx);
  bool constant = (minNone || lo) && (maxNone || hi);
  ir::Value *x = ctx.input(0);
  if (constant)
    return one(ctx.b.clip(x, lo, hi));
  // Tensor bounds: Max/Min, which broadcast, at every opset.
  auto t = dtypeOf(x);
  ir::Value *out = x;
  if (!minNone) {
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * m, asTensor(ctx, minIdx, t));
    out = ctx.b.op("Max", {out, m});
  }
  if (!maxNone) {
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * m, asTensor(ctx, maxIdx, t));
    out = ctx.b.op("Min", {out, m});
  }
  return one(out);
}

Result minMaxBinary(Ctx &ctx, const char *onnxOp) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  return one(typed(ctx.b.op(onnxOp, {xs[0], xs[1]}), p));
}

// --- comparisons and logic ------------------------------------------------------------------

absl::StatusOr<ir::Value *> boolInput(Ctx &ctx, size_t i) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, i));
  auto t = dtypeOf(x);
  if (t && *t != ScalarType::Bool)
    return ctx.b.cast(x, ScalarType::Bool);
  return x;
}

Result logical(Ctx &ctx, const char *onnxOp) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * a, boolInput(ctx, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * b, boolInput(ctx, 1));
  return one(ctx.b.op(onnxOp, {a, b}));
}

Result logicalNot(Ctx &ctx) {
  auto t = dtypeOf(ctx.input(0));
  if (t && *t != ScalarType::Bool)
    return ctx.unsupported("bitwise_not of a non-bool tensor");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * a, boolInput(ctx, 0));
  return one(ctx.b.op("Not", {a}));
}

Result where(Ctx &ctx) {
  if (ctx.numInputs() == 1)
    return ctx.unsupported("where(condition) (use nonzero)");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * cond, boolInput(ctx, 0));
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {1, 2}, &p));
  return one(typed(ctx.b.op("Where", {cond, xs[0], xs[1]}), p));
}

Result maskedFill(Ctx &ctx) {
  // aten::masked_fill(self, mask, value)
  ir::Value *x = ctx.input(0);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * mask, boolInput(ctx, 1));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v,
                           asTensor(ctx, 2, dtypeOf(x).value_or(ScalarType::Float32)));
  return one(ctx.b.op("Where", {mask, v, x}));
}

// --- linear algebra ------------------------------------------------------------------------

Result linear(Ctx &ctx) {
  ir::Value *x = ctx.input(0), *w = ctx.input(1);
  auto rank = rankOf(x);
  if (rank && *rank == 2) {
    std::vector<ir::Value *> ins = {x, w};
    if (!ctx.isNone(2))
      ins.push_back(ctx.input(2));
    return one(ctx.b.op("Gemm", ins, {OnnxAttr::i("transB", 1)}));
  }
  ir::Value *wt = ctx.b.op("Transpose", {w}, {OnnxAttr::is("perm", {1, 0})});
  ir::Value *out = ctx.b.op("MatMul", {x, wt});
  if (!ctx.isNone(2))
    out = ctx.b.op("Add", {out, ctx.input(2)});
  return one(out);
}

Result addmm(Ctx &ctx) {
  // aten::addmm(self, mat1, mat2, beta=1, alpha=1) = beta * self + alpha * mat1 @ mat2
  auto beta = ctx.numInputs() > 3 ? ctx.constFloat(3) : std::optional<double>(1);
  auto alpha = ctx.numInputs() > 4 ? ctx.constFloat(4) : std::optional<double>(1);
  if (!beta || !alpha)
    return ctx.unsupported("non-constant alpha/beta");
  return one(ctx.b.op("Gemm", {ctx.input(1), ctx.input(2), ctx.input(0)},
                      {OnnxAttr::f("alpha", *alpha), OnnxAttr::f("beta", *beta)}));
}

Result baddbmm(Ctx &ctx) {
  // aten::baddbmm(self, batch1, batch2, beta=1, alpha=1) = beta * self + alpha * batch1 @ batch2
  // (what scripted F.multi_head_attention_forward uses with a mask).
  auto beta = ctx.numInputs() > 3 ? ctx.constFloat(3) : std::optional<double>(1);
  auto alpha = ctx.numInputs() > 4 ? ctx.constFloat(4) : std::optional<double>(1);
  if (!beta || !alpha)
    return ctx.unsupported("non-constant alpha/beta");
  ScalarType t = dtypeOf(ctx.input(1)).value_or(ScalarType::Float32);
  ir::Value *prod = ctx.b.op("MatMul", {ctx.input(1), ctx.input(2)});
  if (*alpha != 1)
    prod = ctx.b.op("Mul", {prod, ctx.b.scalarOf(*alpha, t)});
  if (*beta == 0)
    return one(prod);
  ir::Value *self = ctx.input(0);
  if (*beta != 1)
    self = ctx.b.op("Mul", {self, ctx.b.scalarOf(*beta, t)});
  return one(ctx.b.op("Add", {self, prod}));
}

Result matmul(Ctx &ctx) { return one(ctx.b.op("MatMul", {ctx.input(0), ctx.input(1)})); }

Result transposeLast2(Ctx &ctx) {
  // aten::t: the identity on 0-d and 1-d tensors.
  auto r = rankOf(ctx.input(0));
  if (r && *r < 2)
    return one(ctx.input(0));
  return one(ctx.b.op("Transpose", {ctx.input(0)}, {OnnxAttr::is("perm", {1, 0})}));
}

// --- convolution and normalization -----------------------------------------------------------

std::vector<int64_t> expandTo(std::vector<int64_t> v, size_t n) {
  if (v.size() == 1 && n > 1)
    v.assign(n, v[0]);
  return v;
}

/// The spatial kernel size of a weight whose dims are known.
std::optional<std::vector<int64_t>> kernelOf(const ir::Value *w) {
  auto dims = OnnxBuilder::staticShapeOf(w);
  if (!dims || dims->size() < 3)
    return std::nullopt;
  return std::vector<int64_t>(dims->begin() + 2, dims->end());
}

struct ConvArgs {
  size_t stride, padding, dilation, groups;
  std::optional<size_t> transposed, outputPadding;
};

Result convolution(Ctx &ctx, const ConvArgs &a, size_t spatial, bool forceTransposed) {
  auto stride = ctx.constInts(a.stride), dilation = ctx.constInts(a.dilation);
  auto groups = ctx.constInt(a.groups);
  if (!stride || !dilation || !groups)
    return ctx.unsupported("non-constant stride/dilation/groups");
  bool transposed =
      forceTransposed || (a.transposed && ctx.constBool(*a.transposed).value_or(false));
  auto kernel = kernelOf(ctx.input(1));
  if (spatial == 0) // _convolution: the weight's rank tells
    spatial = kernel ? kernel->size() : std::max(stride->size(), dilation->size());
  *stride = expandTo(*stride, spatial);
  *dilation = expandTo(*dilation, spatial);
  std::vector<int64_t> pads;
  if (auto mode = ctx.constString(a.padding)) {
    if (*mode == "valid") {
      pads.assign(2 * spatial, 0);
    } else if (*mode == "same") {
      if (!kernel)
        return ctx.unsupported("padding='same' with a weight of unknown shape");
      pads.assign(2 * spatial, 0);
      for (size_t i = 0; i < spatial; ++i) {
        int64_t total = (*dilation)[i] * ((*kernel)[i] - 1);
        pads[i] = total / 2;
        pads[spatial + i] = total - total / 2;
      }
    } else {
      return ctx.unsupported(fmt::format("padding='{}'", *mode));
    }
  } else {
    auto padding = ctx.constInts(a.padding);
    if (!padding)
      return ctx.unsupported("non-constant padding");
    *padding = expandTo(*padding, spatial);
    pads = *padding;
    pads.insert(pads.end(), padding->begin(), padding->end());
  }
  std::vector<OnnxAttr> attrs = {OnnxAttr::is("strides", *stride), OnnxAttr::is("pads", pads),
                                 OnnxAttr::is("dilations", *dilation),
                                 OnnxAttr::i("group", *groups)};
  if (kernel)
    attrs.push_back(OnnxAttr::is("kernel_shape", *kernel));
  if (transposed && a.outputPadding) {
    auto outPad = ctx.constInts(*a.outputPadding);
    if (!outPad)
      return ctx.unsupported("non-constant output_padding");
    bool anyPad = false;
    for (int64_t p : *outPad)
      anyPad |= p != 0;
    if (anyPad)
      attrs.push_back(OnnxAttr::is("output_padding", expandTo(*outPad, spatial)));
  }
  std::vector<ir::Value *> ins = {ctx.input(0), ctx.input(1)};
  if (!ctx.isNone(2))
    ins.push_back(ctx.input(2));
  return one(ctx.b.op(transposed ? "ConvTranspose" : "Conv", ins, attrs));
}

/// A 1-D tensor of `n` copies of v, where n is a constant or the length of `like`'s dim 0.
ir::Value *filled(OnnxBuilder &b, double v, ScalarType t, ir::Value *likeDim0Of,
                  std::optional<int64_t> n = std::nullopt) {
  if (n)
    return b.constantOfShape(b.int64s({*n}), v, t);
  ir::Value *len = b.unsqueeze(b.dimSize(likeDim0Of, 0), {0});
  return b.constantOfShape(len, v, t);
}

Result batchNorm(Ctx &ctx) {
  // aten::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
  // cudnn_enabled)
  if (ctx.constBool(5).value_or(true))
    return ctx.unsupported("batch_norm in training mode (export in eval mode)");
  if (ctx.isNone(3) || ctx.isNone(4))
    return ctx.unsupported("batch_norm without running statistics");
  auto eps = ctx.constFloat(7);
  if (!eps)
    return ctx.unsupported("a non-constant eps");
  ir::Value *x = ctx.input(0), *mean = ctx.input(3);
  ScalarType t = floatLike(x);
  ir::Value *scale = ctx.isNone(1) ? filled(ctx.b, 1, t, mean) : ctx.input(1);
  ir::Value *bias = ctx.isNone(2) ? filled(ctx.b, 0, t, mean) : ctx.input(2);
  ir::Value *out = ctx.b.op("BatchNormalization", {x, scale, bias, mean, ctx.input(4)},
                            {OnnxAttr::f("epsilon", *eps)});
  return one(out);
}

/// Axes [-k, ..., -1], counted from the front when the rank is known.
std::vector<int64_t> lastAxes(size_t k, std::optional<int64_t> rank) {
  std::vector<int64_t> axes;
  for (int64_t i = -int64_t(k); i < 0; ++i)
    axes.push_back(normalizeDim(i, rank));
  return axes;
}

Result layerNorm9(Ctx &ctx) {
  // aten::layer_norm(input, normalized_shape, weight?, bias?, eps, cudnn_enable)
  auto shape = ctx.constInts(1);
  auto eps = ctx.constFloat(4);
  if (!shape || !eps)
    return ctx.unsupported("non-constant normalized_shape or eps");
  ir::Value *x = ctx.input(0);
  ScalarType t = floatLike(x);
  OnnxBuilder &b = ctx.b;
  std::vector<int64_t> axes = lastAxes(shape->size(), rankOf(x));
  ir::Value *mean = b.reduce("ReduceMean", x, axes, true);
  ir::Value *d = b.op("Sub", {x, mean});
  ir::Value *var = b.reduce("ReduceMean", b.op("Mul", {d, d}), axes, true);
  ir::Value *y = b.op("Div", {d, b.op("Sqrt", {b.op("Add", {var, b.scalarOf(*eps, t)})})});
  if (!ctx.isNone(2))
    y = b.op("Mul", {y, ctx.input(2)});
  if (!ctx.isNone(3))
    y = b.op("Add", {y, ctx.input(3)});
  return one(y);
}

/// Reshapes a per-channel [C] tensor to broadcast over dims 2.. of a rank-r tensor.
ir::Value *perChannel(OnnxBuilder &b, ir::Value *w, int64_t rank) {
  std::vector<int64_t> axes;
  for (int64_t i = 1; i < rank - 1; ++i)
    axes.push_back(i);
  return axes.empty() ? w : b.unsqueeze(w, axes);
}

Result groupNorm(Ctx &ctx) {
  // aten::group_norm(input, num_groups, weight?, bias?, eps, cudnn_enabled)
  auto groups = ctx.constInt(1);
  auto eps = ctx.constFloat(4);
  if (!groups || !eps)
    return ctx.unsupported("non-constant num_groups or eps");
  ir::Value *x = ctx.input(0);
  ScalarType t = floatLike(x);
  OnnxBuilder &b = ctx.b;
  ir::Value *shape = b.shape(x);
  ir::Value *grouped = b.op("Reshape", {x, b.int64s({0, *groups, -1})});
  ir::Value *ones = b.constantOfShape(b.int64s({*groups}), 1, t);
  ir::Value *zeros = b.constantOfShape(b.int64s({*groups}), 0, t);
  ir::Value *normed =
      b.op("InstanceNormalization", {grouped, ones, zeros}, {OnnxAttr::f("epsilon", *eps)});
  ir::Value *y = b.op("Reshape", {normed, shape});
  OnnxBuilder::setTensorType(y, dtypeOf(x), OnnxBuilder::dimsOf(x));
  if (ctx.isNone(2) && ctx.isNone(3))
    return one(y);
  auto r = rankOf(x);
  if (!r)
    return ctx.unsupported("group_norm with affine weights of a tensor of unknown rank");
  if (!ctx.isNone(2))
    y = b.op("Mul", {y, perChannel(b, ctx.input(2), *r)});
  if (!ctx.isNone(3))
    y = b.op("Add", {y, perChannel(b, ctx.input(3), *r)});
  return one(y);
}

Result instanceNorm(Ctx &ctx) {
  // aten::instance_norm(input, weight?, bias?, running_mean?, running_var?, use_input_stats,
  // momentum, eps, cudnn_enabled)
  if (!ctx.constBool(5).value_or(false))
    return ctx.unsupported("instance_norm with running statistics (use_input_stats=False)");
  auto eps = ctx.constFloat(7);
  if (!eps)
    return ctx.unsupported("a non-constant eps");
  ir::Value *x = ctx.input(0);
  ScalarType t = floatLike(x);
  OnnxBuilder &b = ctx.b;
  auto channels = [&]() -> ir::Value * { return b.unsqueeze(b.dimSize(x, 1), {0}); };
  ir::Value *scale = ctx.isNone(1) ? b.constantOfShape(channels(), 1, t) : ctx.input(1);
  ir::Value *bias = ctx.isNone(2) ? b.constantOfShape(channels(), 0, t) : ctx.input(2);
  return one(b.op("InstanceNormalization", {x, scale, bias}, {OnnxAttr::f("epsilon", *eps)}));
}

// --- pooling -------------------------------------------------------------------------------

/// adaptive_{avg,max}_pool: to 1 is the global pool; to a size dividing the (static) input size,
/// a plain pool with kernel = stride = input / output.
Result adaptivePool(Ctx &ctx, size_t spatial, bool isMax) {
  auto size = ctx.constInts(1);
  if (!size)
    return ctx.unsupported("a non-constant or partly None output size");
  *size = expandTo(*size, spatial);
  bool global = true;
  for (int64_t s : *size)
    global &= s == 1;
  ir::Value *x = ctx.input(0);
  ir::Value *out = nullptr;
  if (global) {
    out = ctx.b.op(isMax ? "GlobalMaxPool" : "GlobalAveragePool", {x});
  } else {
    auto dims = OnnxBuilder::dimsOf(x);
    if (!dims || dims->size() != spatial + 2)
      return ctx.unsupported("adaptive pooling to a size other than 1 of an input of unknown "
                             "spatial size");
    std::vector<int64_t> k;
    for (size_t i = 0; i < spatial; ++i) {
      const ir::Dim &d = (*dims)[2 + i];
      if (!d.isStatic() || (*size)[i] <= 0 || d.value % (*size)[i] != 0)
        return ctx.unsupported(fmt::format(
            "adaptive pooling of a dim of size {} to {} (only to divisors of static sizes)",
            d.isStatic() ? std::to_string(d.value) : std::string("?"), (*size)[i]));
      k.push_back(d.value / (*size)[i]);
    }
    out = ctx.b.op(isMax ? "MaxPool" : "AveragePool", {x},
                   {OnnxAttr::is("kernel_shape", k), OnnxAttr::is("strides", k)});
  }
  std::vector<ir::Value *> outs = {out};
  if (ctx.node().outputs().size() == 2) {
    if (ctx.node().output(1)->hasUses())
      return ctx.unsupported("adaptive max pooling indices");
    outs.push_back(nullptr);
  }
  return outs;
}

// --- shapes and views -----------------------------------------------------------------------

Result flatten(Ctx &ctx) {
  auto start = ctx.constInt(1), end = ctx.constInt(2);
  if (!start || !end)
    return ctx.unsupported("non-constant dims");
  ir::Value *x = ctx.input(0);
  auto rank = rankOf(x);
  int64_t s = normalizeDim(*start, rank), e = normalizeDim(*end, rank);
  if (rank && *rank == 0)
    return one(ctx.b.op("Reshape", {x, ctx.b.int64s({1})}));
  bool toEnd = *end == -1 || (rank && e == *rank - 1);
  if (s == 0 && toEnd)
    return one(ctx.b.op("Reshape", {x, ctx.b.int64s({-1})}));
  if (s == 1 && toEnd)
    return one(ctx.b.op("Flatten", {x}, {OnnxAttr::i("axis", 1)}));
  if (auto shape = OnnxBuilder::staticShapeOf(x); shape && s >= 0 && e >= s) {
    std::vector<int64_t> target(shape->begin(), shape->begin() + s);
    target.push_back(-1);
    target.insert(target.end(), shape->begin() + e + 1, shape->end());
    return one(ctx.b.op("Reshape", {x, ctx.b.int64s(target)}));
  }
  if (s < 0 || (e < 0 && !toEnd))
    return ctx.unsupported("flatten with negative dims of a tensor of unknown rank");
  // Reshape to shape[:s] + [-1] + shape[e+1:]; the tail is counted from the back when the rank
  // is unknown.
  OnnxBuilder &b = ctx.b;
  ir::Value *shape = b.shape(x);
  std::vector<ir::Value *> parts;
  if (s > 0)
    parts.push_back(b.slice(shape, {0}, {s}, {0}, {1}));
  parts.push_back(b.int64s({-1}));
  if (!toEnd) {
    int64_t from = *end < 0 ? *end + 1 : e + 1;
    parts.push_back(b.slice(shape, {from}, {kIntMax}, {0}, {1}));
  }
  return one(b.op("Reshape", {x, b.concat(parts, 0)}));
}

Result reshape(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * shape, intList(ctx, 1));
  return one(ctx.b.op("Reshape", {ctx.input(0), shape}));
}

Result reshapeAs(Ctx &ctx) {
  return one(ctx.b.op("Reshape", {ctx.input(0), ctx.b.shape(ctx.input(1))}));
}

Result permute(Ctx &ctx) {
  auto dims = ctx.constInts(1);
  if (!dims)
    return ctx.unsupported("non-constant dims");
  int64_t r = int64_t(dims->size());
  for (int64_t &d : *dims)
    d = normalizeDim(d, r);
  return one(ctx.b.op("Transpose", {ctx.input(0)}, {OnnxAttr::is("perm", *dims)}));
}

Result transpose(Ctx &ctx) {
  auto d0 = ctx.constInt(1), d1 = ctx.constInt(2);
  if (!d0 || !d1)
    return ctx.unsupported("non-constant dims");
  ir::Value *x = ctx.input(0);
  auto r = rankOf(x);
  if (*d0 == *d1 || (r && normalizeDim(*d0, r) == normalizeDim(*d1, r)))
    return one(x);
  if (!r)
    return ctx.unsupported("transpose of a tensor of unknown rank (give the input shapes)");
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < *r; ++i)
    perm.push_back(i);
  std::swap(perm[normalizeDim(*d0, r)], perm[normalizeDim(*d1, r)]);
  return one(ctx.b.op("Transpose", {x}, {OnnxAttr::is("perm", perm)}));
}

Result squeeze(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  if (ctx.numInputs() == 1)
    return one(ctx.b.squeeze(x, {}));
  auto dims = ctx.constInts(1);
  if (!dims)
    return ctx.unsupported("non-constant dims");
  auto shape = OnnxBuilder::dimsOf(x);
  int64_t r = shape ? int64_t(shape->size()) : -1;
  std::vector<int64_t> axes;
  for (int64_t d : *dims) {
    if (!shape && d < 0 && ctx.b.opset() < 11)
      return ctx.unsupported("squeeze of a negative dim of a tensor of unknown rank");
    int64_t n = shape ? normalizeDim(d, r) : d;
    // torch leaves a dim that is not 1 alone; ONNX would fail on it.
    if (shape && n >= 0 && n < r && (*shape)[n].isStatic() && (*shape)[n].value != 1)
      continue;
    axes.push_back(n);
  }
  if (axes.empty())
    return one(x);
  return one(ctx.b.squeeze(x, axes));
}

Result unsqueeze(Ctx &ctx) {
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  auto r = rankOf(ctx.input(0));
  int64_t dim = *d;
  if (dim < 0 && r)
    dim += *r + 1;
  else if (dim < 0 && ctx.b.opset() < 11)
    return ctx.unsupported("unsqueeze at a negative dim of a tensor of unknown rank");
  return one(ctx.b.unsqueeze(ctx.input(0), {dim}));
}

absl::StatusOr<std::vector<ir::Value *>> tensorListInput(Ctx &ctx, size_t i) {
  auto elems = ctx.listElements(i);
  if (!elems)
    return ctx.unsupported("a tensor list that is not a list literal");
  return *elems;
}

Result cat(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, tensorListInput(ctx, 0));
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  if (xs.empty())
    return ctx.unsupported("cat of an empty list");
  std::optional<int64_t> r;
  for (ir::Value *x : xs)
    if (!r)
      r = rankOf(x);
  // torch promotes across the list; ONNX Concat needs one dtype.
  std::optional<ScalarType> t;
  bool mixed = false;
  for (ir::Value *x : xs) {
    auto xt = dtypeOf(x);
    if (xt && t && *xt != *t)
      mixed = true;
    if (xt && (!t || (ir::isFloatingType(*xt) && !ir::isFloatingType(*t)) ||
               (ir::isFloatingType(*xt) == ir::isFloatingType(*t) &&
                ir::elementSize(*xt) > ir::elementSize(*t))))
      t = xt;
  }
  if (mixed)
    for (ir::Value *&x : xs)
      if (dtypeOf(x) && *dtypeOf(x) != *t)
        x = ctx.b.cast(x, *t);
  return one(ctx.b.concat(xs, normalizeDim(*d, r)));
}

Result stack(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, tensorListInput(ctx, 0));
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  std::optional<int64_t> r;
  for (ir::Value *x : xs)
    if (!r)
      r = rankOf(x);
  int64_t dim = *d;
  if (dim < 0 && r)
    dim += *r + 1;
  else if (dim < 0 && ctx.b.opset() < 11)
    return ctx.unsupported("stack at a negative dim of tensors of unknown rank");
  std::vector<ir::Value *> parts;
  for (ir::Value *x : xs)
    parts.push_back(ctx.b.unsqueeze(x, {dim}));
  if (parts.size() == 1)
    return one(parts[0]);
  return one(ctx.b.op("Concat", parts, {OnnxAttr::i("axis", dim)}));
}

/// How many pieces a Tensor[] result has: the outputs of the prim::ListUnpack that takes it.
std::optional<size_t> unpackedCount(const ir::Node &n) {
  std::optional<size_t> count;
  for (const ir::Use &u : n.output(0)->uses()) {
    if (u.user->kind() != ir::prim::ListUnpack)
      return std::nullopt;
    count = u.user->outputs().size();
  }
  return count;
}

Result splitInto(Ctx &ctx, ir::Value *x, int64_t dim, std::vector<int64_t> sizes) {
  return one(tensorList(ctx.b, ctx.b.split(x, dim, sizes)));
}

/// aten::split(self, split_size or split_sizes, dim), split_with_sizes, chunk(self, chunks, dim).
Result split(Ctx &ctx, bool isChunk) {
  ir::Value *x = ctx.input(0);
  auto d = ctx.constInt(2);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  auto r = rankOf(x);
  int64_t dim = normalizeDim(*d, r);
  if (dim < 0 && ctx.b.opset() < 11)
    return ctx.unsupported("split at a negative dim of a tensor of unknown rank");
  if (!isChunk && ctx.input(1)->type()->is(ir::TypeKind::List)) {
    auto sizes = ctx.constInts(1);
    if (!sizes)
      return ctx.unsupported("non-constant split sizes");
    return splitInto(ctx, x, dim, *sizes);
  }
  auto n = ctx.constInt(1);
  if (!n || *n <= 0)
    return ctx.unsupported("a non-constant split size or chunk count");
  std::optional<int64_t> total;
  if (auto dims = OnnxBuilder::dimsOf(x);
      dims && dim >= 0 && dim < int64_t(dims->size()) && (*dims)[dim].isStatic())
    total = (*dims)[dim].value;
  if (total) {
    int64_t piece = isChunk ? (*total + *n - 1) / *n : *n;
    std::vector<int64_t> sizes;
    for (int64_t left = *total; left > 0; left -= piece)
      sizes.push_back(std::min(piece, left));
    if (sizes.empty())
      sizes.push_back(0);
    return splitInto(ctx, x, dim, sizes);
  }
  // Unknown size: chunk into the number of pieces the unpacking expects, assumed equal.
  auto count = unpackedCount(ctx.node());
  if (!count || (isChunk && int64_t(*count) != *n))
    return ctx.unsupported("split of a dim of unknown size whose pieces are not unpacked");
  ir::Node *s = ctx.b.node("Split", {x}, {OnnxAttr::i("axis", dim)}, *count);
  for (ir::Value *o : s->outputs())
    OnnxBuilder::setTensorType(o, dtypeOf(x),
                               r ? std::optional<std::vector<ir::Dim>>(
                                       std::vector<ir::Dim>(size_t(*r), ir::Dim::unknown()))
                                 : std::nullopt);
  return one(tensorList(ctx.b, s->outputs()));
}

/// aten::slice(self, dim, start?, end?, step): opset 9 takes constant starts/ends as
/// attributes and no steps; opset 10 (opset10.cpp) takes inputs.
Result slice9(Ctx &ctx) {
  // aten::slice.t(list, start, end, step)
  if (ctx.node().inputs().size() == 4)
    return shared::intListSlice(ctx, /*runtimeBounds=*/false);
  auto d = ctx.constInt(1);
  auto start = ctx.isNone(2) ? std::optional<int64_t>(0) : ctx.constInt(2);
  auto end = ctx.isNone(3) ? std::optional<int64_t>(kIntMax) : ctx.constInt(3);
  auto step = ctx.constInt(4);
  if (!d || !start || !end || !step)
    return ctx.unsupported("a slice with runtime bounds at opset 9 (needs opset 10)");
  if (*start == 0 && *end == kIntMax && *step == 1)
    return one(ctx.input(0));
  if (*step != 1)
    return ctx.unsupported("a slice step other than 1 at opset 9 (needs opset 10)");
  auto r = rankOf(ctx.input(0));
  return one(ctx.b.slice(ctx.input(0), {*start}, {*end}, {normalizeDim(*d, r)}, {1}));
}

/// aten::tensor(data, dtype?, device?, requires_grad) of a number (constant or runtime) or an
/// int list: a 0-d / 1-D tensor of torch's dtype for it (int64, float32, bool) or the given one.
Result tensorOf(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 1));
  const ir::Type &t = *ctx.input(0)->type();
  if (t.is(ir::TypeKind::List)) {
    if (!t.elementType()->is(ir::TypeKind::Int))
      return ctx.unsupported("a tensor from a " + t.str());
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, intList(ctx, 0));
    return one(dt && *dt != ScalarType::Int64 ? ctx.b.cast(v, *dt) : v);
  }
  ScalarType natural = t.is(ir::TypeKind::Float)  ? ScalarType::Float32
                       : t.is(ir::TypeKind::Bool) ? ScalarType::Bool
                       : t.is(ir::TypeKind::Int)  ? ScalarType::Int64
                                                  : ScalarType::Undefined;
  if (natural == ScalarType::Undefined)
    return ctx.unsupported("a tensor from a " + t.str());
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, asTensor(ctx, 0, dt.value_or(natural)));
  return one(v);
}

Result select(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  auto r = rankOf(x);
  int64_t dim = normalizeDim(*d, r);
  if (dim < 0 && ctx.b.opset() < 11)
    return ctx.unsupported("select at a negative dim of a tensor of unknown rank");
  if (auto idx = ctx.constInt(2); idx && *idx < 0) {
    // Gather takes negative indices only from 11; a Slice counts from the back everywhere.
    int64_t end = *idx == -1 ? kIntMax : *idx + 1;
    return one(ctx.b.squeeze(ctx.b.slice(x, {*idx}, {end}, {dim}, {1}), {dim}));
  }
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * idx, intScalar(ctx, 2));
  return one(ctx.b.gather(x, idx, dim));
}

Result indexSelect(Ctx &ctx) {
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  return one(ctx.b.gather(ctx.input(0), ctx.input(2), normalizeDim(*d, rankOf(ctx.input(0)))));
}

Result index(Ctx &ctx) {
  // aten::index(self, Tensor?[] indices): one tensor index (after leading Nones) is a Gather.
  auto elems = ctx.listElements(1);
  if (!elems)
    return ctx.unsupported("indices that are not a list literal");
  int64_t axis = -1;
  ir::Value *idx = nullptr;
  for (size_t i = 0; i < elems->size(); ++i) {
    ir::Value *e = (*elems)[i];
    if (e->type()->is(ir::TypeKind::None))
      continue;
    if (idx)
      return ctx.unsupported("indexing with more than one tensor index");
    idx = e;
    axis = int64_t(i);
  }
  if (!idx)
    return one(ctx.input(0));
  auto t = dtypeOf(idx);
  if (t && (*t == ScalarType::Bool || *t == ScalarType::UInt8))
    return ctx.unsupported("indexing with a boolean mask");
  return one(ctx.b.gather(ctx.input(0), idx, axis));
}

Result expand(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * shape, intList(ctx, 1, /*minusOneKeeps=*/true));
  return one(ctx.b.op("Expand", {ctx.input(0), shape}));
}

Result expandAs(Ctx &ctx) {
  return one(ctx.b.op("Expand", {ctx.input(0), ctx.b.shape(ctx.input(1))}));
}

Result repeat(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * reps, intList(ctx, 1));
  auto n = ctx.constInts(1);
  auto r = rankOf(x);
  if (!r)
    return ctx.unsupported("repeat of a tensor of unknown rank");
  // torch prepends dims of size 1 when there are more repeats than dims.
  int64_t extra = n ? int64_t(n->size()) - *r : 0;
  if (extra > 0) {
    std::vector<int64_t> axes;
    for (int64_t i = 0; i < extra; ++i)
      axes.push_back(i);
    x = ctx.b.unsqueeze(x, axes);
  }
  return one(ctx.b.op("Tile", {x, reps}));
}

Result embedding(Ctx &ctx) {
  // aten::embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse)
  return one(ctx.b.gather(ctx.input(0), ctx.input(1), 0));
}

Result narrow(Ctx &ctx) {
  // aten::narrow(self, dim, start, length)
  auto d = ctx.constInt(1), s = ctx.constInt(2), l = ctx.constInt(3);
  if (!d || !s || !l)
    return ctx.unsupported("non-constant narrow arguments");
  return one(
      ctx.b.slice(ctx.input(0), {*s}, {*s + *l}, {normalizeDim(*d, rankOf(ctx.input(0)))}, {1}));
}

Result channelShuffle(Ctx &ctx) {
  auto g = ctx.constInt(1);
  if (!g)
    return ctx.unsupported("a non-constant group count");
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  ir::Value *shape = b.shape(x);
  ir::Value *split = b.concat({b.int64s({0, *g, -1}), b.slice(shape, {2}, {kIntMax}, {0}, {1})}, 0);
  ir::Value *t =
      b.op("Transpose", {b.op("Reshape", {x, split})}, {OnnxAttr::is("perm", {0, 2, 1, 3, 4})});
  return one(b.op("Reshape", {t, shape}));
}

// --- reductions ----------------------------------------------------------------------------

/// The `int[1]? dim` input as axes (empty: all); nullopt when not constant.
std::optional<std::vector<int64_t>> axesArg(Ctx &ctx, size_t i) {
  if (ctx.isNone(i))
    return std::vector<int64_t>{};
  auto dims = ctx.constInts(i);
  if (!dims)
    return std::nullopt;
  auto r = rankOf(ctx.input(0));
  for (int64_t &d : *dims)
    d = normalizeDim(d, r);
  return dims;
}

/// sum/mean/prod: (self, dtype?) or (self, dim, keepdim, dtype?).
Result reduceOp(Ctx &ctx, const char *onnxOp, bool intsToInt64) {
  ir::Value *x = ctx.input(0);
  if (!x->type()->isTensor())
    return ctx.unsupported("reducing a list");
  bool all = ctx.numInputs() <= 2;
  std::vector<int64_t> axes;
  bool keep = false;
  size_t dtypeIdx = 1;
  if (!all) {
    auto a = axesArg(ctx, 1);
    auto k = ctx.constBool(2);
    if (!a || !k)
      return ctx.unsupported("non-constant dims or keepdim");
    axes = *a;
    keep = *k;
    dtypeIdx = 3;
  }
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, dtypeIdx));
  auto t = dtypeOf(x);
  if (dt)
    x = ctx.b.cast(x, *dt);
  else if (intsToInt64 && t && !ir::isFloatingType(*t) && *t != ScalarType::Int64)
    x = ctx.b.cast(x, ScalarType::Int64);
  return one(ctx.b.reduce(onnxOp, x, axes, keep));
}

Result amax(Ctx &ctx, const char *onnxOp) {
  // aten::amax(self, dim=[], keepdim=False)
  auto a = axesArg(ctx, 1);
  auto k = ctx.numInputs() > 2 ? ctx.constBool(2) : std::optional<bool>(false);
  if (!a || !k)
    return ctx.unsupported("non-constant dims or keepdim");
  return one(ctx.b.reduce(onnxOp, ctx.input(0), *a, *k));
}

/// max/min: (self) all, (self, other) elementwise, (self, dim, keepdim) values and indices.
Result maxMin(Ctx &ctx, bool isMax) {
  const char *reduceName = isMax ? "ReduceMax" : "ReduceMin";
  if (ctx.numInputs() == 1)
    return one(ctx.b.reduce(reduceName, ctx.input(0), {}, false));
  if (ctx.numInputs() == 2)
    return minMaxBinary(ctx, isMax ? "Max" : "Min");
  auto d = ctx.constInt(1);
  auto k = ctx.constBool(2);
  if (!d || !k)
    return ctx.unsupported("non-constant dim or keepdim");
  int64_t dim = normalizeDim(*d, rankOf(ctx.input(0)));
  ir::Value *values = ctx.b.reduce(reduceName, ctx.input(0), {dim}, *k);
  ir::Value *indices = nullptr;
  if (ctx.node().outputs().size() > 1 && ctx.node().output(1)->hasUses())
    indices = ctx.b.op(isMax ? "ArgMax" : "ArgMin", {ctx.input(0)},
                       {OnnxAttr::i("axis", dim), OnnxAttr::i("keepdims", *k ? 1 : 0)});
  return std::vector<ir::Value *>{values, indices};
}

Result argMax(Ctx &ctx, const char *onnxOp) {
  // aten::argmax(self, dim?, keepdim)
  ir::Value *x = ctx.input(0);
  auto k = ctx.numInputs() > 2 ? ctx.constBool(2) : std::optional<bool>(false);
  if (!k)
    return ctx.unsupported("a non-constant keepdim");
  if (ctx.numInputs() < 2 || ctx.isNone(1)) {
    ir::Value *flat = ctx.b.op("Reshape", {x, ctx.b.int64s({-1})});
    ir::Value *out = ctx.b.op(onnxOp, {flat}, {OnnxAttr::i("axis", 0), OnnxAttr::i("keepdims", 0)});
    if (*k) {
      auto r = rankOf(x);
      if (!r)
        return ctx.unsupported("argmax with keepdim over all dims of a tensor of unknown rank");
      out = ctx.b.op("Reshape", {out, ctx.b.int64s(std::vector<int64_t>(size_t(*r), 1))});
    }
    return one(out);
  }
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  return one(ctx.b.op(
      onnxOp, {x},
      {OnnxAttr::i("axis", normalizeDim(*d, rankOf(x))), OnnxAttr::i("keepdims", *k ? 1 : 0)}));
}

Result pNorm(Ctx &ctx, double p, std::vector<int64_t> axes, bool keep) {
  ir::Value *x = ctx.input(0);
  OnnxBuilder &b = ctx.b;
  if (p == 2)
    return one(b.reduce("ReduceL2", x, axes, keep));
  if (p == 1)
    return one(b.reduce("ReduceL1", x, axes, keep));
  if (std::isinf(p))
    return one(b.reduce(p > 0 ? "ReduceMax" : "ReduceMin", b.op("Abs", {x}), axes, keep));
  ScalarType t = floatLike(x);
  ir::Value *s =
      b.reduce("ReduceSum", b.op("Pow", {b.op("Abs", {x}), b.scalarOf(p, t)}), axes, keep);
  return one(b.op("Pow", {s, b.scalarOf(1.0 / p, t)}));
}

Result norm(Ctx &ctx) {
  // norm.Scalar(self, p=2), norm.ScalarOpt_dim(self, p?, dim, keepdim[, dtype])
  double p = ctx.numInputs() > 1 && !ctx.isNone(1) ? ctx.constFloat(1).value_or(NAN) : 2.0;
  if (std::isnan(p)) {
    if (ctx.constString(1).value_or("") == "fro")
      p = 2;
    else
      return ctx.unsupported("a non-constant or non-numeric p");
  }
  std::vector<int64_t> axes;
  bool keep = false;
  if (ctx.numInputs() > 2) {
    auto a = axesArg(ctx, 2);
    auto k = ctx.numInputs() > 3 ? ctx.constBool(3) : std::optional<bool>(false);
    if (!a || !k)
      return ctx.unsupported("non-constant dims or keepdim");
    axes = *a;
    keep = *k;
  }
  return pNorm(ctx, p, axes, keep);
}

Result frobeniusNorm(Ctx &ctx) {
  // frobenius_norm(self) / frobenius_norm.dim(self, dim, keepdim)
  if (ctx.numInputs() == 1)
    return pNorm(ctx, 2, {}, false);
  auto a = axesArg(ctx, 1);
  auto k = ctx.constBool(2);
  if (!a || !k)
    return ctx.unsupported("non-constant dims or keepdim");
  return pNorm(ctx, 2, *a, *k);
}

Result vectorNorm(Ctx &ctx) {
  // linalg_vector_norm(self, ord=2, dim?, keepdim, dtype?)
  auto p = ctx.constFloat(1);
  auto a = axesArg(ctx, 2);
  auto k = ctx.constBool(3);
  if (!p || !a || !k)
    return ctx.unsupported("non-constant ord, dims or keepdim");
  return pNorm(ctx, *p, *a, *k);
}

Result logsumexp(Ctx &ctx) {
  auto a = axesArg(ctx, 1);
  auto k = ctx.constBool(2);
  if (!a || !k)
    return ctx.unsupported("non-constant dims or keepdim");
  return one(ctx.b.reduce("ReduceLogSumExp", ctx.input(0), *a, *k));
}

// --- runtime ints, lists and scalars -----------------------------------------------------------

Result size(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  if (ctx.numInputs() == 1) {
    if (auto s = OnnxBuilder::staticShapeOf(x))
      return one(ctx.b.int64s(*s));
    return one(ctx.b.shape(x));
  }
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  return one(ctx.b.dimSize(x, *d));
}

Result dim(Ctx &ctx) {
  if (auto r = rankOf(ctx.input(0)))
    return one(ctx.b.int64Scalar(*r));
  return one(ctx.b.op("Size", {ctx.b.shape(ctx.input(0))}));
}

Result numel(Ctx &ctx) {
  if (auto s = OnnxBuilder::staticShapeOf(ctx.input(0))) {
    int64_t n = 1;
    for (int64_t d : *s)
      n *= d;
    return one(ctx.b.int64Scalar(n));
  }
  return one(ctx.b.op("Size", {ctx.input(0)}));
}

/// Element `i` of a 1-D tensor standing for an int[] (Gather before 11 takes no negative index).
ir::Value *elementOf(OnnxBuilder &b, ir::Value *list, int64_t i) {
  if (i >= 0)
    return b.gather(list, b.int64Scalar(i), 0);
  int64_t end = i == -1 ? kIntMax : i + 1;
  return b.squeeze(b.slice(list, {i}, {end}, {0}, {1}), {0});
}

Result len(Ctx &ctx) {
  ir::Value *l = ctx.input(0);
  if (auto elems = ctx.listElements(0))
    return one(ctx.b.int64Scalar(int64_t(elems->size())));
  if (!l->type()->isTensor())
    return ctx.unsupported("len of a " + l->type()->str());
  return one(ctx.b.dimSize(l, 0));
}

Result getItem(Ctx &ctx) {
  auto idx = ctx.constInt(1);
  if (auto elems = ctx.listElements(0)) {
    if (!idx)
      return ctx.unsupported("indexing a list literal with a runtime index");
    int64_t i = *idx < 0 ? *idx + int64_t(elems->size()) : *idx;
    if (i < 0 || i >= int64_t(elems->size()))
      return ctx.error("list index out of range");
    ir::Value *e = (*elems)[i];
    // A constant int element becomes the 0-d int64 tensor runtime ints are.
    const ir::AttributeValue *a =
        e->node()->kind() == ir::prim::Constant ? e->node()->attribute(ir::attr::value) : nullptr;
    if (const int64_t *v = a ? a->getIf<int64_t>() : nullptr)
      return one(ctx.b.int64Scalar(*v));
    return one(e);
  }
  ir::Value *l = ctx.input(0);
  if (!l->type()->isTensor())
    return ctx.unsupported("indexing a " + l->type()->str());
  if (auto consts = ctx.constInts(0); consts && idx) {
    int64_t i = *idx < 0 ? *idx + int64_t(consts->size()) : *idx;
    if (i < 0 || i >= int64_t(consts->size()))
      return ctx.error("list index out of range");
    return one(ctx.b.int64Scalar((*consts)[i]));
  }
  if (idx)
    return one(elementOf(ctx.b, l, *idx));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * i, intScalar(ctx, 1));
  return one(ctx.b.gather(l, i, 0));
}

Result listUnpack(Ctx &ctx) {
  size_t n = ctx.node().outputs().size();
  if (auto elems = ctx.listElements(0)) {
    if (elems->size() != n)
      return ctx.error(fmt::format("unpacking {} values into {}", elems->size(), n));
    std::vector<ir::Value *> outs;
    for (size_t i = 0; i < n; ++i) {
      ir::Value *e = (*elems)[i];
      const ir::AttributeValue *a =
          e->node()->kind() == ir::prim::Constant ? e->node()->attribute(ir::attr::value) : nullptr;
      if (const int64_t *v = a ? a->getIf<int64_t>() : nullptr)
        outs.push_back(ctx.b.int64Scalar(*v));
      else
        outs.push_back(e);
    }
    return outs;
  }
  ir::Value *l = ctx.input(0);
  if (auto ints = ctx.constInts(0)) {
    // A folded int list (e.g. the static `x.size()` of `n, c, h, w = x.shape`).
    if (ints->size() != n)
      return ctx.error(fmt::format("unpacking {} values into {}", ints->size(), n));
    std::vector<ir::Value *> outs;
    for (int64_t v : *ints)
      outs.push_back(ctx.b.int64Scalar(v));
    return outs;
  }
  if (!l->type()->isTensor())
    return ctx.unsupported("unpacking a " + l->type()->str());
  std::vector<ir::Value *> outs;
  for (size_t i = 0; i < n; ++i)
    outs.push_back(ctx.node().output(i)->hasUses() ? elementOf(ctx.b, l, int64_t(i)) : nullptr);
  return outs;
}

/// aten::Int / Float / Bool and their Implicit forms: a cast of the 0-d tensor.
Result scalarCast(Ctx &ctx, ScalarType to) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  auto t = dtypeOf(x);
  if (t && *t == to)
    return one(x);
  return one(ctx.b.cast(x, to));
}

Result numToTensor(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  return one(x);
}

/// aten::to: dtype from an int (ScalarType) argument or from a tensor (to.other); device-only
/// and copy-only forms are the identity.
Result to(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  for (size_t i = 1; i < ctx.numInputs(); ++i) {
    const ir::Type &t = *ctx.input(i)->type();
    if (t.isTensor()) {
      auto dt = dtypeOf(ctx.input(i));
      if (!dt)
        return ctx.unsupported("to(other) with an other of unknown dtype");
      return one(dtypeOf(x) == dt ? x : ctx.b.cast(x, *dt));
    }
    if (t.is(ir::TypeKind::Int) || t.is(ir::TypeKind::ScalarType)) {
      TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, i));
      if (!dt)
        return one(x);
      return one(dtypeOf(x) == dt ? x : ctx.b.cast(x, *dt));
    }
    if (t.is(ir::TypeKind::Bool))
      break; // non_blocking: no dtype came before it
  }
  return one(x);
}

Result typeAs(Ctx &ctx) {
  auto dt = dtypeOf(ctx.input(1));
  ir::Value *x = ctx.input(0);
  if (!dt)
    return ctx.unsupported("type_as with an other of unknown dtype");
  return one(dtypeOf(x) == dt ? x : ctx.b.cast(x, *dt));
}

Result typeConversion(Ctx &ctx, ScalarType t) {
  // aten::float / long / ... (self, memory_format?) methods
  ir::Value *x = ctx.input(0);
  return one(dtypeOf(x) == t ? x : ctx.b.cast(x, t));
}

// --- creation ------------------------------------------------------------------------------

/// The dtype of a created tensor: the dtype argument, else that of `like`, else `fallback`.
absl::StatusOr<ScalarType> createdType(Ctx &ctx, size_t dtypeIdx, const ir::Value *like,
                                       ScalarType fallback) {
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, dtypeIdx));
  if (dt)
    return *dt;
  if (like)
    if (auto t = dtypeOf(like))
      return *t;
  return fallback;
}

ScalarType fillType(Ctx &ctx, size_t fillIdx) {
  const ir::Type &t = *ctx.input(fillIdx)->type();
  if (t.is(ir::TypeKind::Int))
    return ScalarType::Int64;
  if (t.is(ir::TypeKind::Bool))
    return ScalarType::Bool;
  if (t.isTensor())
    return dtypeOf(ctx.input(fillIdx)).value_or(ScalarType::Float32);
  return ScalarType::Float32;
}

/// ConstantOfShape for a constant fill; Expand of the (runtime) fill otherwise.
Result filledWith(Ctx &ctx, ir::Value *shape, size_t fillIdx, ScalarType t) {
  if (auto v = ctx.constFloat(fillIdx))
    return one(ctx.b.constantOfShape(shape, *v, t));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * fill, asTensor(ctx, fillIdx, t));
  return one(ctx.b.op("Expand", {fill, shape}));
}

Result zerosOnes(Ctx &ctx, double v) {
  // aten::zeros/ones/empty(size, dtype?, layout?, device?, pin_memory?[, memory_format?])
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * shape, intList(ctx, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ScalarType t, createdType(ctx, 1, nullptr, ScalarType::Float32));
  return one(ctx.b.constantOfShape(shape, v, t));
}

Result full(Ctx &ctx) {
  // aten::full(size, fill_value, dtype?, layout?, device?, pin_memory?)
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * shape, intList(ctx, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ScalarType t, createdType(ctx, 2, nullptr, fillType(ctx, 1)));
  return filledWith(ctx, shape, 1, t);
}

Result zerosOnesLike(Ctx &ctx, double v) {
  // aten::zeros_like(self, dtype?, layout?, device?, pin_memory?, memory_format?)
  TS2ONNX_ASSIGN_OR_RETURN(ScalarType t, createdType(ctx, 1, ctx.input(0), ScalarType::Float32));
  return one(ctx.b.constantOfShape(ctx.b.shape(ctx.input(0)), v, t));
}

Result fullLike(Ctx &ctx) {
  // aten::full_like(self, fill_value, dtype?, ...)
  TS2ONNX_ASSIGN_OR_RETURN(ScalarType t, createdType(ctx, 2, ctx.input(0), ScalarType::Float32));
  return filledWith(ctx, ctx.b.shape(ctx.input(0)), 1, t);
}

Result newZerosOnes(Ctx &ctx, double v) {
  // aten::new_zeros(self, size, dtype?, ...)
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * shape, intList(ctx, 1));
  TS2ONNX_ASSIGN_OR_RETURN(ScalarType t, createdType(ctx, 2, ctx.input(0), ScalarType::Float32));
  return one(ctx.b.constantOfShape(shape, v, t));
}

Result newFull(Ctx &ctx) {
  // aten::new_full(self, size, fill_value, dtype?, ...)
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * shape, intList(ctx, 1));
  TS2ONNX_ASSIGN_OR_RETURN(ScalarType t, createdType(ctx, 3, ctx.input(0), ScalarType::Float32));
  return filledWith(ctx, shape, 2, t);
}

} // namespace

namespace {

/// Opset 9 has no Range: constant bounds give a constant tensor; runtime bounds count the
/// non-zeros of a ones vector of the right length.
Result arange9(Ctx &ctx) {
  shared::ArangeArgs a = shared::arangeArgs(ctx);
  bool anyFloat = false;
  for (auto i : {a.start, std::optional<size_t>(a.end), a.step})
    if (i) {
      const ir::Type &t = *ctx.input(*i)->type();
      anyFloat |= t.is(ir::TypeKind::Float) || (t.isTensor() && dtypeOf(ctx.input(*i)) &&
                                                ir::isFloatingType(*dtypeOf(ctx.input(*i))));
    }
  TS2ONNX_ASSIGN_OR_RETURN(auto dtArg, dtypeArg(ctx, a.dtype));
  ScalarType t = dtArg.value_or(anyFloat ? ScalarType::Float32 : ScalarType::Int64);
  auto start = a.start ? ctx.constFloat(*a.start) : std::optional<double>(0);
  auto end = ctx.constFloat(a.end);
  auto step = a.step ? ctx.constFloat(*a.step) : std::optional<double>(1);
  OnnxBuilder &b = ctx.b;
  if (start && end && step) {
    if (*step == 0)
      return ctx.error("arange with step 0");
    int64_t n = std::max<int64_t>(0, int64_t(std::ceil((*end - *start) / *step)));
    if (t == ScalarType::Int64 || t == ScalarType::Int32 || t == ScalarType::Float32 ||
        t == ScalarType::Float64) {
      std::vector<int64_t> is;
      std::vector<float> fs;
      std::vector<double> ds;
      std::vector<int32_t> i32;
      for (int64_t i = 0; i < n; ++i) {
        double v = *start + double(i) * *step;
        is.push_back(int64_t(v));
        fs.push_back(float(v));
        ds.push_back(v);
        i32.push_back(int32_t(v));
      }
      switch (t) {
      case ScalarType::Int64:
        return one(b.constant(ir::Tensor::fromVector(t, {n}, is)));
      case ScalarType::Int32:
        return one(b.constant(ir::Tensor::fromVector(t, {n}, i32)));
      case ScalarType::Float64:
        return one(b.constant(ir::Tensor::fromVector(t, {n}, ds)));
      default:
        return one(b.constant(ir::Tensor::fromVector(t, {n}, fs)));
      }
    }
  }
  if (anyFloat)
    return ctx.unsupported("arange with runtime floating-point bounds at opset 9 (needs 11)");
  // n = ceil((end - start) / step) for ints; indices 0..n-1 from NonZero(ones(n)).
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * e, intScalar(ctx, a.end));
  ir::Value *s = nullptr, *st = nullptr;
  if (a.start) {
    TS2ONNX_ASSIGN_OR_RETURN(s, intScalar(ctx, *a.start));
  }
  if (a.step) {
    TS2ONNX_ASSIGN_OR_RETURN(st, intScalar(ctx, *a.step));
  }
  ir::Value *n = s ? b.op("Sub", {e, s}) : e;
  if (st && !(step && *step == 1)) {
    // ceil(n / step) = (n + step - 1) / step for positive steps
    ir::Value *num = b.op("Sub", {b.op("Add", {n, st}), b.int64Scalar(1)});
    n = b.op("Div", {num, st});
  }
  ir::Value *ones = b.constantOfShape(b.unsqueeze(n, {0}), 1, ScalarType::Int64);
  ir::Value *idx = b.squeeze(b.op("NonZero", {ones}), {0});
  if (st && !(step && *step == 1))
    idx = b.op("Mul", {idx, st});
  if (s)
    idx = b.op("Add", {idx, s});
  return one(t == ScalarType::Int64 ? idx : b.cast(idx, t));
}

// --- resampling and padding ------------------------------------------------------------------

Result upsample9(Ctx &ctx, const char *onnxOp, std::string mode, size_t spatial,
                 bool hasAlignCorners) {
  TS2ONNX_ASSIGN_OR_RETURN(
      auto it, shared::interpolationArgs(ctx, std::move(mode), spatial, hasAlignCorners));
  if (it.mode != "nearest")
    return ctx.unsupported(fmt::format("{} interpolation before opset 11 (Upsample/Resize then "
                                       "do not match torch's; use opset 11 or later)",
                                       it.mode));
  ir::Value *x = ctx.input(0);
  return one(
      ctx.b.op(onnxOp, {x, shared::fullScales(ctx.b, x, it)}, {OnnxAttr::s("mode", "nearest")}));
}

/// torch's pad list (last dim first, begin/end pairs) as ONNX pads over all `rank` dims.
std::vector<int64_t> onnxPads(const std::vector<int64_t> &pad, int64_t rank) {
  std::vector<int64_t> pads(size_t(2 * rank), 0);
  for (size_t i = 0; i + 1 < pad.size() + 1 && i / 2 < size_t(rank); i += 2) {
    int64_t axis = rank - 1 - int64_t(i / 2);
    pads[size_t(axis)] = pad[i];
    pads[size_t(axis + rank)] = i + 1 < pad.size() ? pad[i + 1] : 0;
  }
  return pads;
}

Result padWith(Ctx &ctx, std::string_view mode, double value) {
  auto pad = ctx.constInts(1);
  if (!pad)
    return ctx.unsupported("a non-constant pad");
  auto r = rankOf(ctx.input(0));
  if (!r)
    return ctx.unsupported("padding a tensor of unknown rank");
  return one(ctx.b.pad(ctx.input(0), onnxPads(*pad, *r), mode, value));
}

Result constantPad(Ctx &ctx) {
  // aten::constant_pad_nd(self, pad, value=0)
  double v = ctx.numInputs() > 2 ? ctx.constFloat(2).value_or(NAN) : 0;
  if (std::isnan(v) && !(ctx.numInputs() > 2 && ctx.constFloat(2)))
    return ctx.unsupported("a non-constant pad value");
  return padWith(ctx, "constant", v);
}

Result atenPad(Ctx &ctx) {
  // aten::pad(self, pad, mode="constant", value?)
  std::string mode = ctx.constString(2).value_or("constant");
  double v = ctx.numInputs() > 3 && !ctx.isNone(3) ? ctx.constFloat(3).value_or(0) : 0;
  if (mode == "constant")
    return padWith(ctx, "constant", v);
  if (mode == "reflect")
    return padWith(ctx, "reflect", 0);
  if (mode == "replicate")
    return padWith(ctx, "edge", 0);
  return ctx.unsupported(fmt::format("padding mode '{}'", mode));
}

} // namespace

// --- shared with later opsets ---------------------------------------------------------------

namespace shared {

Result intListSlice(SymbolicContext &ctx, bool runtimeBounds) {
  // The list may already be the 1-D tensor its converted producer made; the node's result
  // type still says what it is.
  const ir::Type &t = *ctx.node().output()->type();
  if (!t.is(ir::TypeKind::List) || !t.elementType()->is(ir::TypeKind::Int) ||
      ctx.node().inputs().size() != 4)
    return ctx.unsupported("slicing a " + t.str());
  auto start = ctx.isNone(1) ? std::optional<int64_t>(0) : ctx.constInt(1);
  auto end = ctx.isNone(2) ? std::optional<int64_t>(kIntMax) : ctx.constInt(2);
  auto step = ctx.constInt(3);
  if (!step || *step <= 0)
    return ctx.unsupported("slicing a list with a non-constant or non-positive step");
  if (auto xs = ctx.constInts(0); xs && start && end) {
    // Python's slice of a list with a positive step.
    int64_t n = int64_t(xs->size());
    auto clamp = [n](int64_t i) { return std::min(std::max(i < 0 ? i + n : i, int64_t(0)), n); };
    std::vector<int64_t> out;
    for (int64_t i = clamp(*start); i < clamp(*end); i += *step)
      out.push_back((*xs)[size_t(i)]);
    return one(ctx.b.int64s(out));
  }
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * l, intList(ctx, 0));
  if (start && end)
    return one(ctx.b.slice(l, {*start}, {*end}, {0}, {*step}));
  if (!runtimeBounds)
    return ctx.unsupported("slicing a list with runtime bounds at opset 9 (needs opset 10)");
  auto bound = [&](size_t i, int64_t dflt) -> absl::StatusOr<ir::Value *> {
    if (ctx.isNone(i))
      return ctx.b.int64s({dflt});
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, intScalar(ctx, i));
    return ctx.b.unsqueeze(v, {0});
  };
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * s, bound(1, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * e, bound(2, kIntMax));
  return one(ctx.b.op("Slice", {l, s, e, ctx.b.int64s({0}), ctx.b.int64s({*step})}));
}

/// Equal before 11 has no floating-point kernels: a == b is !(a < b || a > b) there.
static ir::Value *equal(OnnxBuilder &b, ir::Value *x, ir::Value *y, std::optional<ScalarType> t,
                        bool floatEqual) {
  if (!floatEqual && (!t || ir::isFloatingType(*t)))
    return b.op("Not", {b.op("Or", {b.op("Less", {x, y}), b.op("Greater", {x, y})})});
  return b.op("Equal", {x, y});
}

Result compare(SymbolicContext &ctx, Cmp c, bool floatEqual, bool orEqual) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  ir::Value *a = xs[0], *b = xs[1];
  OnnxBuilder &g = ctx.b;
  // Less/Greater have no bool kernels.
  if (p.dtype == ScalarType::Bool && c != Cmp::Eq && c != Cmp::Ne) {
    a = g.cast(a, ScalarType::Int32);
    b = g.cast(b, ScalarType::Int32);
  }
  switch (c) {
  case Cmp::Eq:
    return one(equal(g, a, b, p.dtype, floatEqual));
  case Cmp::Ne:
    return one(g.op("Not", {equal(g, a, b, p.dtype, floatEqual)}));
  case Cmp::Lt:
    return one(g.op("Less", {a, b}));
  case Cmp::Gt:
    return one(g.op("Greater", {a, b}));
  case Cmp::Le:
    return one(orEqual ? g.op("LessOrEqual", {a, b}) : g.op("Not", {g.op("Greater", {a, b})}));
  case Cmp::Ge:
    return one(orEqual ? g.op("GreaterOrEqual", {a, b}) : g.op("Not", {g.op("Less", {a, b})}));
  }
  return ctx.error("unknown comparison");
}

Result maxPool(SymbolicContext &ctx, size_t spatial, bool v10) {
  // aten::max_pool{1,2,3}d(input, kernel_size, stride, padding, dilation, ceil_mode)
  auto k = ctx.constInts(1), s = ctx.constInts(2), p = ctx.constInts(3), d = ctx.constInts(4);
  auto ceil = ctx.constBool(5);
  if (!k || !s || !p || !d || !ceil)
    return ctx.unsupported("non-constant pooling parameters");
  *k = expandTo(*k, spatial);
  *s = s->empty() ? *k : expandTo(*s, spatial);
  *p = expandTo(*p, spatial);
  *d = expandTo(*d, spatial);
  bool dilated = false;
  for (int64_t x : *d)
    dilated |= x != 1;
  if (dilated && !v10)
    return ctx.unsupported("dilated max pooling at opset 9 (needs opset 10)");
  std::vector<int64_t> pads = *p;
  pads.insert(pads.end(), p->begin(), p->end());
  bool ceilAttr = *ceil;
  if (*ceil && !v10) {
    // Opset 9 has no ceil_mode: pad the end of each spatial dim so that floor division gives
    // torch's ceil output size (padding is ignored by MaxPool). Needs static spatial sizes.
    auto dims = OnnxBuilder::dimsOf(ctx.input(0));
    if (!dims || dims->size() < spatial)
      return ctx.unsupported("ceil_mode at opset 9 with an input of unknown rank (needs opset 10)");
    for (size_t i = 0; i < spatial; ++i) {
      const ir::Dim &dim = (*dims)[dims->size() - spatial + i];
      if (!dim.isStatic())
        return ctx.unsupported("ceil_mode at opset 9 on a dynamic spatial size (needs opset 10)");
      const int64_t len = dim.value, ki = (*k)[i], si = (*s)[i], pi = (*p)[i];
      if (si <= 0 || len + 2 * pi < ki)
        return ctx.unsupported("ceil_mode pooling with a window larger than its input");
      int64_t out = (len + 2 * pi - ki + si - 1) / si + 1;
      if ((out - 1) * si >= len + pi) // the last window must start inside the input
        --out;
      pads[spatial + i] += std::max<int64_t>(0, (out - 1) * si + ki - (len + 2 * pi));
    }
    ceilAttr = false;
  }
  std::vector<OnnxAttr> attrs = {OnnxAttr::is("kernel_shape", *k), OnnxAttr::is("strides", *s),
                                 OnnxAttr::is("pads", pads)};
  if (ceilAttr)
    attrs.push_back(OnnxAttr::i("ceil_mode", 1));
  if (dilated)
    attrs.push_back(OnnxAttr::is("dilations", *d));
  ir::Node *n = ctx.b.node("MaxPool", {ctx.input(0)}, attrs, 1);
  std::vector<ir::Value *> outs = {n->output()};
  if (ctx.node().outputs().size() == 2) { // max_pool2d_with_indices: indices unsupported
    if (ctx.node().output(1)->hasUses())
      return ctx.unsupported("max pooling indices");
    outs.push_back(nullptr);
  }
  return outs;
}

Result avgPool(SymbolicContext &ctx, size_t spatial, bool ceilMode) {
  // aten::avg_pool{1,2,3}d(self, kernel_size, stride, padding, ceil_mode, count_include_pad,
  // divisor_override (2d/3d))
  auto k = ctx.constInts(1), s = ctx.constInts(2), p = ctx.constInts(3);
  auto ceil = ctx.constBool(4), countPad = ctx.constBool(5);
  if (!k || !s || !p || !ceil || !countPad)
    return ctx.unsupported("non-constant pooling parameters");
  if (ctx.numInputs() > 6 && !ctx.isNone(6))
    return ctx.unsupported("divisor_override");
  *k = expandTo(*k, spatial);
  *s = s->empty() ? *k : expandTo(*s, spatial);
  *p = expandTo(*p, spatial);
  if (*ceil && !ceilMode)
    return ctx.unsupported("ceil_mode at opset 9 (needs opset 10)");
  std::vector<int64_t> pads = *p;
  pads.insert(pads.end(), p->begin(), p->end());
  bool anyPad = false;
  for (int64_t x : pads)
    anyPad |= x != 0;
  std::vector<OnnxAttr> attrs = {OnnxAttr::is("kernel_shape", *k), OnnxAttr::is("strides", *s),
                                 OnnxAttr::is("pads", pads)};
  if (*countPad && anyPad)
    attrs.push_back(OnnxAttr::i("count_include_pad", 1));
  if (*ceil)
    attrs.push_back(OnnxAttr::i("ceil_mode", 1));
  return one(ctx.b.op("AveragePool", {ctx.input(0)}, attrs));
}

/// aten::arange(end, ...), arange.start(start, end, ...), arange.start_step(start, end, step,
/// ...): the (start, end, step) input indices and the dtype index, told apart by arity.
ArangeArgs arangeArgs(SymbolicContext &ctx) {
  ArangeArgs a;
  switch (ctx.numInputs()) {
  case 5:
    a.end = 0;
    a.dtype = 1;
    break;
  case 6:
    a.start = 0;
    a.end = 1;
    a.dtype = 2;
    break;
  default:
    a.start = 0;
    a.end = 1;
    a.step = 2;
    a.dtype = 3;
    break;
  }
  return a;
}

absl::StatusOr<Interpolation> interpolationArgs(SymbolicContext &ctx, std::string mode,
                                                size_t spatial, bool hasAlignCorners) {
  // upsample_*.vec(input, output_size?, [align_corners,] scale_factors?) and the legacy
  // upsample_*(self, output_size, [align_corners,] scales...?) forms.
  Interpolation it;
  it.mode = std::move(mode);
  it.spatial = spatial;
  size_t scalesIdx = 2;
  if (hasAlignCorners) {
    auto ac = ctx.constBool(2);
    if (!ac)
      return ctx.unsupported("a non-constant align_corners");
    it.alignCorners = *ac;
    scalesIdx = 3;
  }
  if (!ctx.isNone(1) && !(ctx.constInts(1) && ctx.constInts(1)->empty())) {
    TS2ONNX_ASSIGN_OR_RETURN(it.sizes, intList(ctx, 1));
    return it;
  }
  auto scales = ctx.numInputs() > scalesIdx ? ctx.constFloats(scalesIdx) : std::nullopt;
  if (!scales || scales->empty())
    return ctx.unsupported("interpolation without a constant output size or scale factors");
  if (scales->size() == 1 && spatial > 1)
    scales->assign(spatial, (*scales)[0]);
  it.scales = *scales;
  return it;
}

ir::Value *fullScales(OnnxBuilder &b, ir::Value *x, const Interpolation &it) {
  std::vector<float> full = {1, 1};
  if (it.scales) {
    for (double s : *it.scales)
      full.push_back(float(s));
    return b.constant(ir::Tensor::fromVector(ScalarType::Float32, {int64_t(full.size())}, full));
  }
  auto sizes = OnnxBuilder::constInt64s(it.sizes);
  auto in = OnnxBuilder::staticShapeOf(x);
  if (sizes && in && in->size() == sizes->size() + 2) {
    for (size_t i = 0; i < sizes->size(); ++i)
      full.push_back(float(double((*sizes)[i]) / double((*in)[2 + i])));
    return b.constant(ir::Tensor::fromVector(ScalarType::Float32, {int64_t(full.size())}, full));
  }
  ir::Value *spatialIn = b.cast(b.slice(b.shape(x), {2}, {kIntMax}, {0}, {1}), ScalarType::Float32);
  ir::Value *ratio = b.op("Div", {b.cast(it.sizes, ScalarType::Float32), spatialIn});
  std::vector<float> ones = {1, 1};
  return b.concat({b.constant(ir::Tensor::fromVector(ScalarType::Float32, {2}, ones)), ratio}, 0);
}

} // namespace shared

void registerOpset9(SymbolicRegistry &r) {
  using shared::Cmp;
  // Elementwise math.
  addAll(r, {"aten::relu"}, 9, [](Ctx &c) { return unary(c, "Relu"); });
  r.add("aten::sigmoid", 9, [](Ctx &c) { return floatUnary(c, "Sigmoid"); });
  r.add("aten::tanh", 9, [](Ctx &c) { return floatUnary(c, "Tanh"); });
  r.add("aten::exp", 9, [](Ctx &c) { return floatUnary(c, "Exp"); });
  r.add("aten::log", 9, [](Ctx &c) { return floatUnary(c, "Log"); });
  r.add("aten::sqrt", 9, [](Ctx &c) { return floatUnary(c, "Sqrt"); });
  r.add("aten::rsqrt", 9, rsqrt);
  r.add("aten::erf", 9, [](Ctx &c) { return floatUnary(c, "Erf"); });
  r.add("aten::sin", 9, [](Ctx &c) { return floatUnary(c, "Sin"); });
  r.add("aten::cos", 9, [](Ctx &c) { return floatUnary(c, "Cos"); });
  r.add("aten::tan", 9, [](Ctx &c) { return floatUnary(c, "Tan"); });
  r.add("aten::reciprocal", 9, [](Ctx &c) { return floatUnary(c, "Reciprocal"); });
  addAll(r, {"aten::neg", "aten::negative"}, 9, [](Ctx &c) { return unary(c, "Neg"); });
  r.add("aten::abs", 9, [](Ctx &c) { return unary(c, "Abs"); });
  r.add("aten::sign", 9, [](Ctx &c) { return unary(c, "Sign"); });
  r.add("aten::floor", 9, [](Ctx &c) { return rounding(c, "Floor"); });
  r.add("aten::ceil", 9, [](Ctx &c) { return rounding(c, "Ceil"); });
  r.add("aten::add", 9, [](Ctx &c) { return binary(c, "Add", true); });
  r.add("aten::sub", 9, [](Ctx &c) { return binary(c, "Sub", true); });
  r.add("aten::rsub", 9, rsub);
  r.add("aten::mul", 9, [](Ctx &c) { return binary(c, "Mul", false); });
  addAll(r, {"aten::div", "aten::divide"}, 9, div);
  r.add("aten::true_divide", 9, [](Ctx &c) { return divide(c, std::nullopt); });
  addAll(r, {"aten::floor_divide", "aten::floordiv"}, 9,
         [](Ctx &c) { return divide(c, std::string("floor")); });
  r.add("aten::remainder", 9, remainder);
  r.add("aten::pow", 9, pow);
  r.add("aten::clamp", 9, [](Ctx &c) { return clamp(c, true, true); });
  r.add("aten::clip", 9, [](Ctx &c) { return clamp(c, true, true); });
  r.add("aten::clamp_min", 9, [](Ctx &c) { return clamp(c, true, false); });
  r.add("aten::clamp_max", 9, [](Ctx &c) { return clamp(c, false, true); });
  r.add("aten::maximum", 9, [](Ctx &c) { return minMaxBinary(c, "Max"); });
  r.add("aten::minimum", 9, [](Ctx &c) { return minMaxBinary(c, "Min"); });

  // Comparisons and logic (Equal on floats from 11, LessOrEqual from 12).
  r.add("aten::eq", 9, [](Ctx &c) { return shared::compare(c, Cmp::Eq, false, false); });
  r.add("aten::ne", 9, [](Ctx &c) { return shared::compare(c, Cmp::Ne, false, false); });
  r.add("aten::lt", 9, [](Ctx &c) { return shared::compare(c, Cmp::Lt, false, false); });
  r.add("aten::gt", 9, [](Ctx &c) { return shared::compare(c, Cmp::Gt, false, false); });
  r.add("aten::le", 9, [](Ctx &c) { return shared::compare(c, Cmp::Le, false, false); });
  r.add("aten::ge", 9, [](Ctx &c) { return shared::compare(c, Cmp::Ge, false, false); });
  addAll(r, {"aten::logical_and", "aten::__and__", "aten::bitwise_and"}, 9,
         [](Ctx &c) { return logical(c, "And"); });
  addAll(r, {"aten::logical_or", "aten::__or__", "aten::bitwise_or"}, 9,
         [](Ctx &c) { return logical(c, "Or"); });
  addAll(r, {"aten::logical_xor", "aten::__xor__", "aten::bitwise_xor"}, 9,
         [](Ctx &c) { return logical(c, "Xor"); });
  addAll(r, {"aten::logical_not", "aten::bitwise_not"}, 9, logicalNot);
  r.add("aten::where", 9, where);
  r.add("aten::masked_fill", 9, maskedFill);

  // Activations.
  r.add("aten::relu6", 9, [](Ctx &c) { return hardtanh(c, 0.0, 6.0); });
  r.add("aten::hardtanh", 9, [](Ctx &c) {
    return hardtanh(c, c.numInputs() > 1 ? c.constFloat(1).value_or(-1) : -1.0,
                    c.numInputs() > 2 ? c.constFloat(2).value_or(1) : 1.0);
  });
  r.add("aten::gelu", 9, gelu);
  r.add("aten::silu", 9, silu);
  r.add("aten::hardswish", 9, hardswish);
  r.add("aten::hardsigmoid", 9, hardsigmoid);
  r.add("aten::leaky_relu", 9, leakyRelu);
  r.add("aten::elu", 9, elu);
  r.add("aten::selu", 9, [](Ctx &c) { return unary(c, "Selu"); });
  r.add("aten::softplus", 9, softplus);
  r.add("aten::mish", 9, mish);
  r.add("aten::prelu", 9, prelu);
  r.add("aten::softmax", 9, [](Ctx &c) { return softmax9(c, "Softmax"); });
  r.add("aten::log_softmax", 9, [](Ctx &c) { return softmax9(c, "LogSoftmax"); });

  // Linear algebra, convolution, normalization.
  r.add("aten::linear", 9, linear);
  r.add("aten::addmm", 9, addmm);
  r.add("aten::baddbmm", 9, baddbmm);
  addAll(r, {"aten::matmul", "aten::mm", "aten::bmm"}, 9, matmul);
  r.add("aten::t", 9, transposeLast2);
  const ConvArgs conv = {3, 4, 5, 6, std::nullopt, std::nullopt};
  r.add("aten::conv1d", 9, [conv](Ctx &c) { return convolution(c, conv, 1, false); });
  r.add("aten::conv2d", 9, [conv](Ctx &c) { return convolution(c, conv, 2, false); });
  r.add("aten::conv3d", 9, [conv](Ctx &c) { return convolution(c, conv, 3, false); });
  // conv_transpose{1,2,3}d(input, weight, bias, stride, padding, output_padding, groups,
  // dilation)
  const ConvArgs convT = {3, 4, 7, 6, std::nullopt, size_t(5)};
  r.add("aten::conv_transpose1d", 9, [convT](Ctx &c) { return convolution(c, convT, 1, true); });
  r.add("aten::conv_transpose2d", 9, [convT](Ctx &c) { return convolution(c, convT, 2, true); });
  r.add("aten::conv_transpose3d", 9, [convT](Ctx &c) { return convolution(c, convT, 3, true); });
  // _convolution / convolution(input, weight, bias, stride, padding, dilation, transposed,
  // output_padding, groups, ...)
  const ConvArgs convFull = {3, 4, 5, 8, size_t(6), size_t(7)};
  addAll(r, {"aten::_convolution", "aten::convolution"}, 9,
         [convFull](Ctx &c) { return convolution(c, convFull, 0, false); });
  r.add("aten::batch_norm", 9, batchNorm);
  r.add("aten::layer_norm", 9, layerNorm9);
  r.add("aten::group_norm", 9, groupNorm);
  r.add("aten::instance_norm", 9, instanceNorm);

  // Pooling (ceil_mode and dilations from opset 10).
  r.add("aten::max_pool1d", 9, [](Ctx &c) { return shared::maxPool(c, 1, false); });
  r.add("aten::max_pool2d", 9, [](Ctx &c) { return shared::maxPool(c, 2, false); });
  r.add("aten::max_pool3d", 9, [](Ctx &c) { return shared::maxPool(c, 3, false); });
  r.add("aten::max_pool2d_with_indices", 9, [](Ctx &c) { return shared::maxPool(c, 2, false); });
  r.add("aten::avg_pool1d", 9, [](Ctx &c) { return shared::avgPool(c, 1, false); });
  r.add("aten::avg_pool2d", 9, [](Ctx &c) { return shared::avgPool(c, 2, false); });
  r.add("aten::avg_pool3d", 9, [](Ctx &c) { return shared::avgPool(c, 3, false); });
  r.add("aten::adaptive_avg_pool1d", 9, [](Ctx &c) { return adaptivePool(c, 1, false); });
  r.add("aten::adaptive_avg_pool2d", 9, [](Ctx &c) { return adaptivePool(c, 2, false); });
  r.add("aten::adaptive_avg_pool3d", 9, [](Ctx &c) { return adaptivePool(c, 3, false); });
  r.add("aten::adaptive_max_pool1d", 9, [](Ctx &c) { return adaptivePool(c, 1, true); });
  r.add("aten::adaptive_max_pool2d", 9, [](Ctx &c) { return adaptivePool(c, 2, true); });
  r.add("aten::adaptive_max_pool3d", 9, [](Ctx &c) { return adaptivePool(c, 3, true); });

  // Shapes, views, indexing.
  r.add("aten::flatten", 9, flatten);
  addAll(r, {"aten::view", "aten::reshape", "aten::_reshape_alias"}, 9, reshape);
  addAll(r, {"aten::view_as", "aten::reshape_as"}, 9, reshapeAs);
  r.add("aten::permute", 9, permute);
  addAll(r, {"aten::transpose", "aten::swapaxes", "aten::swapdims"}, 9, transpose);
  r.add("aten::squeeze", 9, squeeze);
  r.add("aten::unsqueeze", 9, unsqueeze);
  addAll(r, {"aten::cat", "aten::concat", "aten::concatenate"}, 9, cat);
  r.add("aten::stack", 9, stack);
  addAll(r, {"aten::split", "aten::split_with_sizes", "aten::unsafe_split"}, 9,
         [](Ctx &c) { return split(c, false); });
  addAll(r, {"aten::chunk", "aten::unsafe_chunk"}, 9, [](Ctx &c) { return split(c, true); });
  r.add("aten::slice", 9, slice9);
  r.add("aten::tensor", 9, tensorOf);
  r.add("aten::narrow", 9, narrow);
  r.add("aten::select", 9, select);
  r.add("aten::index_select", 9, indexSelect);
  r.add("aten::index", 9, index);
  r.add("aten::expand", 9, expand);
  r.add("aten::expand_as", 9, expandAs);
  r.add("aten::repeat", 9, repeat);
  r.add("aten::embedding", 9, embedding);
  r.add("aten::channel_shuffle", 9, channelShuffle);
  addAll(r,
         {"aten::contiguous", "aten::detach", "aten::clone", "aten::alias", "aten::lift_fresh",
          "aten::stop_gradient"},
         9, identity);
  // Optional[T] -> T: a no-op at run time (torch raised before it where the value is None).
  addAll(r, {"prim::unchecked_cast", "aten::_unwrap_optional", "prim::unchecked_unwrap_optional"},
         9, identity);
  addAll(r,
         {"aten::dropout", "aten::feature_dropout", "aten::alpha_dropout",
          "aten::feature_alpha_dropout"},
         9, [](Ctx &c) -> Result {
           if (c.constBool(2).value_or(true))
             return c.unsupported("dropout in training mode (export in eval mode)");
           return one(c.input(0));
         });

  // Reductions.
  r.add("aten::sum", 9, [](Ctx &c) { return reduceOp(c, "ReduceSum", true); });
  r.add("aten::mean", 9, [](Ctx &c) { return reduceOp(c, "ReduceMean", false); });
  r.add("aten::prod", 9, [](Ctx &c) { return reduceOp(c, "ReduceProd", true); });
  r.add("aten::amax", 9, [](Ctx &c) { return amax(c, "ReduceMax"); });
  r.add("aten::amin", 9, [](Ctx &c) { return amax(c, "ReduceMin"); });
  r.add("aten::max", 9, [](Ctx &c) { return maxMin(c, true); });
  r.add("aten::min", 9, [](Ctx &c) { return maxMin(c, false); });
  r.add("aten::argmax", 9, [](Ctx &c) { return argMax(c, "ArgMax"); });
  r.add("aten::argmin", 9, [](Ctx &c) { return argMax(c, "ArgMin"); });
  r.add("aten::norm", 9, norm);
  r.add("aten::frobenius_norm", 9, frobeniusNorm);
  r.add("aten::linalg_vector_norm", 9, vectorNorm);
  r.add("aten::logsumexp", 9, logsumexp);

  // Runtime ints, lists, scalars and dtypes.
  r.add("aten::size", 9, size);
  r.add("aten::dim", 9, dim);
  r.add("aten::numel", 9, numel);
  r.add("aten::len", 9, len);
  r.add("aten::__getitem__", 9, getItem);
  r.add("prim::ListUnpack", 9, listUnpack);
  // Warnings have no ONNX form; like torch's exporter, drop them.
  r.add("aten::warn", 9, [](Ctx &) -> Result { return std::vector<ir::Value *>{}; });
  addAll(r, {"aten::Int", "aten::IntImplicit"}, 9,
         [](Ctx &c) { return scalarCast(c, ScalarType::Int64); });
  addAll(r, {"aten::Float", "aten::FloatImplicit"}, 9,
         [](Ctx &c) { return scalarCast(c, ScalarType::Float32); });
  r.add("aten::Bool", 9, [](Ctx &c) { return scalarCast(c, ScalarType::Bool); });
  addAll(r, {"prim::NumToTensor", "aten::ScalarImplicit", "aten::scalar_tensor"}, 9, numToTensor);
  r.add("aten::to", 9, to);
  r.add("aten::type_as", 9, typeAs);
  r.add("aten::float", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Float32); });
  r.add("aten::double", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Float64); });
  r.add("aten::half", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Float16); });
  r.add("aten::long", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Int64); });
  r.add("aten::int", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Int32); });
  r.add("aten::bool", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Bool); });

  // Creation.
  addAll(r, {"aten::zeros", "aten::empty"}, 9, [](Ctx &c) { return zerosOnes(c, 0); });
  r.add("aten::ones", 9, [](Ctx &c) { return zerosOnes(c, 1); });
  r.add("aten::full", 9, full);
  addAll(r, {"aten::zeros_like", "aten::empty_like"}, 9,
         [](Ctx &c) { return zerosOnesLike(c, 0); });
  r.add("aten::ones_like", 9, [](Ctx &c) { return zerosOnesLike(c, 1); });
  r.add("aten::full_like", 9, fullLike);
  addAll(r, {"aten::new_zeros", "aten::new_empty"}, 9, [](Ctx &c) { return newZerosOnes(c, 0); });
  r.add("aten::new_ones", 9, [](Ctx &c) { return newZerosOnes(c, 1); });
  r.add("aten::new_full", 9, newFull);
  r.add("aten::arange", 9, arange9);

  // Resampling (nearest only before 11: Upsample/Resize-10 have no half-pixel mapping) and pads.
  r.add("aten::upsample_nearest1d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "nearest", 1, false); });
  r.add("aten::upsample_nearest2d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "nearest", 2, false); });
  r.add("aten::upsample_nearest3d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "nearest", 3, false); });
  r.add("aten::upsample_linear1d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "linear", 1, true); });
  r.add("aten::upsample_bilinear2d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "linear", 2, true); });
  r.add("aten::upsample_trilinear3d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "linear", 3, true); });
  r.add("aten::constant_pad_nd", 9, constantPad);
  r.add("aten::pad", 9, atenPad);
  addAll(r, {"aten::reflection_pad1d", "aten::reflection_pad2d", "aten::reflection_pad3d"}, 9,
         [](Ctx &c) { return padWith(c, "reflect", 0); });
  addAll(r, {"aten::replication_pad1d", "aten::replication_pad2d", "aten::replication_pad3d"}, 9,
         [](Ctx &c) { return padWith(c, "edge", 0); });
}

} // namespace ts2onnx::symbolics
