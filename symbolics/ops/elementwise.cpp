// Elementwise math: unary functions, arithmetic with torch's dtype promotion, clamp, comparisons,
// logic, where and masked_fill. Forms by opset: Equal has floating-point kernels from 11 (before,
// a == b is !(a < b || a > b)); LessOrEqual/GreaterOrEqual exist from 12 (before, a <= b is
// Not(Greater)). Clip's bounds became inputs at 11; OnnxBuilder::clip makes that switch. IsInf
// (isinf, isfinite, nan_to_num) and Mod (fmod) exist from 10, Round from 11; atan2, heaviside,
// xlogy and logaddexp compare floats with Equal and so start at 11.
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

/// Input i as a tensor; an integral one cast to float32 (for ops torch computes in floating
/// point: sigmoid, sqrt, true division...).
absl::StatusOr<ir::Value *> floatInput(Ctx &ctx, size_t i) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, i));
  auto t = dtypeOf(x);
  if (t && !ir::isFloatingType(*t))
    return ctx.b.cast(x, ScalarType::Float32);
  return x;
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

Result rsqrt(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  return one(ctx.b.op("Reciprocal", {ctx.b.op("Sqrt", {x})}));
}

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

/// aten::add.t(a, b) of two int lists: their concatenation (a list of ints is a 1-D int64
/// tensor in the ONNX graph), as torchvision's detection transform builds the padded batch
/// shape `[len(images)] + max_size` from run-time sizes.
Result intListConcat(Ctx &ctx) {
  const ir::Type &t = *ctx.node().output()->type();
  if (!t.is(ir::TypeKind::List) || !t.elementType()->is(ir::TypeKind::Int))
    return ctx.unsupported("adding lists of " + t.str());
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * a, intList(ctx, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * b, intList(ctx, 1));
  return one(ctx.b.concat({a, b}, 0));
}

Result binary(Ctx &ctx, const char *onnxOp, bool hasAlpha) {
  // (The operands may already be the tensors their converted producers made; the result's
  // type still says it is a list.)
  if (ctx.node().output()->type()->is(ir::TypeKind::List) && std::string_view(onnxOp) == "Add")
    return intListConcat(ctx);
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

/// eq/ne/lt/le/gt/ge.
enum class Cmp { Eq, Ne, Lt, Le, Gt, Ge };

/// Equal before 11 has no floating-point kernels: a == b is !(a < b || a > b) there.
ir::Value *equal(OnnxBuilder &b, ir::Value *x, ir::Value *y, std::optional<ScalarType> t,
                 bool floatEqual) {
  if (!floatEqual && (!t || ir::isFloatingType(*t)))
    return b.op("Not", {b.op("Or", {b.op("Less", {x, y}), b.op("Greater", {x, y})})});
  return b.op("Equal", {x, y});
}

/// `floatEqual`: Equal has floating-point kernels (11+); `orEqual`: LessOrEqual/GreaterOrEqual
/// exist (12+).
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

/// bitwise_and/or/xor (and `&`, `|`, `^`): ONNX And/Or/Xor on bool tensors; on integers they
/// are BitwiseAnd/Or/Xor, which need opset 18.
Result bitwise(Ctx &ctx, const char *onnxOp, bool v18) {
  for (size_t i = 0; i < 2; ++i) {
    auto t = dtypeOf(ctx.input(i));
    if (!t)
      return ctx.unsupported("a bitwise op on an operand of unknown dtype");
    if (*t != ScalarType::Bool && !v18)
      return ctx.unsupported(fmt::format("{} operands (ONNX Bitwise{} needs opset 18)",
                                         ir::scalarTypeName(*t), onnxOp));
  }
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  if (p.dtype == ScalarType::Bool)
    return logical(ctx, onnxOp);
  if (!p.dtype || ir::isFloatingType(*p.dtype))
    return ctx.unsupported("a bitwise op on floating-point operands (torch refuses it too)");
  return one(typed(ctx.b.op(std::string("Bitwise") + onnxOp, {xs[0], xs[1]}), p));
}

/// logical_not: Not of the input as bool (x != 0) for any dtype; bitwise_not (`~x`) only of bool
/// tensors, since on integers it is BitwiseNot (opset 18).
Result logicalNot(Ctx &ctx, bool bitwiseOp) {
  auto t = dtypeOf(ctx.input(0));
  if (bitwiseOp && t && *t != ScalarType::Bool) {
    if (ctx.b.opset() < 18 || ir::isFloatingType(*t))
      return ctx.unsupported(
          fmt::format("bitwise_not of a {} tensor (ONNX BitwiseNot, for integers, needs opset 18)",
                      ir::scalarTypeName(*t)));
    return one(ctx.b.op("BitwiseNot", {ctx.input(0)}));
  }
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * a, boolInput(ctx, 0));
  return one(ctx.b.op("Not", {a}));
}

/// Where(cond, a, b); on bool values as Or(And(cond, a), And(Not(cond), b)), since onnxruntime has
/// no bool Where kernel.
ir::Value *select(Ctx &ctx, ir::Value *cond, ir::Value *a, ir::Value *b) {
  if (dtypeOf(a) != ScalarType::Bool || dtypeOf(b) != ScalarType::Bool)
    return ctx.b.op("Where", {cond, a, b});
  ir::Value *notCond = ctx.b.op("Not", {cond});
  return ctx.b.op("Or", {ctx.b.op("And", {cond, a}), ctx.b.op("And", {notCond, b})});
}

Result where(Ctx &ctx) {
  if (ctx.numInputs() == 1) {
    // where(condition) is nonzero(condition, as_tuple=True): the nonzero_numpy symbolic.
    const SymbolicFn *rows =
        SymbolicRegistry::global().lookup("aten::nonzero_numpy", ctx.b.opset());
    if (!rows)
      return ctx.unsupported("where(condition)");
    return (*rows)(ctx);
  }
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * cond, boolInput(ctx, 0));
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {1, 2}, &p));
  return one(typed(select(ctx, cond, xs[0], xs[1]), p));
}

Result maskedFill(Ctx &ctx) {
  // aten::masked_fill(self, mask, value)
  ir::Value *x = ctx.input(0);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * mask, boolInput(ctx, 1));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v,
                           asTensor(ctx, 2, dtypeOf(x).value_or(ScalarType::Float32)));
  return one(select(ctx, mask, v, x));
}

// ---- More unary and binary math (trig, logs, classification, rounding, signs). ----

/// Unary `onnxOp` (none: x itself) in float times `scale` (log2 = Log * 1/ln 2).
Result scaledUnary(Ctx &ctx, const char *onnxOp, double scale) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  ScalarType t = floatLike(x);
  ir::Value *y = onnxOp ? ctx.b.op(onnxOp, {x}) : x;
  return one(ctx.b.op("Mul", {y, ctx.b.scalarOf(scale, t)}));
}

Result log1p(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  return one(ctx.b.op("Log", {ctx.b.op("Add", {x, ctx.b.scalarOf(1, floatLike(x))})}));
}

Result expm1(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  return one(ctx.b.op("Sub", {ctx.b.op("Exp", {x}), ctx.b.scalarOf(1, floatLike(x))}));
}

Result exp2(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  return one(ctx.b.op("Pow", {ctx.b.scalarOf(2, floatLike(x)), x}));
}

bool isFloat(const ir::Value *v) {
  auto t = dtypeOf(v);
  return !t || ir::isFloatingType(*t);
}

/// An all-false bool tensor shaped like the integral `x` (isnan/isinf of an int tensor).
ir::Value *allFalse(OnnxBuilder &b, ir::Value *x) {
  auto t = dtypeOf(x);
  if (t == ScalarType::Bool)
    x = b.cast(x, ScalarType::Int32);
  return b.op("Less", {x, x});
}

/// isnan / isinf / isfinite / isposinf / isneginf. IsInf exists from opset 10.
enum class Classify { Nan, Inf, Finite, PosInf, NegInf };

Result classify(Ctx &ctx, Classify c) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  OnnxBuilder &b = ctx.b;
  if (!isFloat(x)) {
    ir::Value *f = allFalse(b, x);
    return one(c == Classify::Finite ? b.op("Not", {f}) : f);
  }
  switch (c) {
  case Classify::Nan:
    return one(b.op("IsNaN", {x}));
  case Classify::Inf:
    return one(b.op("IsInf", {x}));
  case Classify::PosInf:
    return one(b.op("IsInf", {x}, {OnnxAttr::i("detect_negative", 0)}));
  case Classify::NegInf:
    return one(b.op("IsInf", {x}, {OnnxAttr::i("detect_positive", 0)}));
  case Classify::Finite:
    return one(b.op("Not", {b.op("Or", {b.op("IsNaN", {x}), b.op("IsInf", {x})})}));
  }
  return ctx.error("unknown classification");
}

/// trunc(x) = sign(x) * floor(|x|) (ONNX has no Trunc).
ir::Value *truncated(OnnxBuilder &b, ir::Value *x) {
  return b.op("Mul", {b.op("Sign", {x}), b.op("Floor", {b.op("Abs", {x})})});
}

Result trunc(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  return one(isFloat(x) ? truncated(ctx.b, x) : x);
}

Result frac(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  if (!isFloat(x))
    return ctx.unsupported("frac of an integral tensor (torch refuses it)");
  return one(ctx.b.op("Sub", {x, truncated(ctx.b, x)}));
}

/// round(x) / round(x, decimals=d): Round is half-to-even like torch (opset 11). With decimals
/// torch computes nearbyint(x * 10^d) / 10^d, or nearbyint(x / 10^-d) * 10^-d for d < 0.
Result round(Ctx &ctx) {
  if (ctx.numInputs() < 2)
    return rounding(ctx, "Round");
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant decimals");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  if (*d == 0 || !isFloat(x))
    return rounding(ctx, "Round");
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  double p = std::pow(10.0, double(std::abs(*d)));
  ir::Value *ten = b.scalarOf(p, t);
  if (*d > 0)
    return one(b.op("Div", {b.op("Round", {b.op("Mul", {x, ten})}), ten}));
  return one(b.op("Mul", {b.op("Round", {b.op("Div", {x, ten})}), ten}));
}

/// The sign bit of a float x: x < 0, or x == -0 (1/x < 0). (A NaN's sign bit is not read.)
ir::Value *signBit(OnnxBuilder &b, ir::Value *x) {
  auto t = dtypeOf(x);
  if (t && !ir::isFloatingType(*t)) {
    if (*t == ScalarType::Bool)
      return allFalse(b, x);
    return b.op("Less", {x, b.scalarOf(0, *t)});
  }
  ScalarType ft = floatLike(x);
  ir::Value *zero = b.scalarOf(0, ft);
  return b.op("Or", {b.op("Less", {x, zero}), b.op("Less", {b.op("Reciprocal", {x}), zero})});
}

Result signbit(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  return one(signBit(ctx.b, x));
}

/// The operands of a `promote_float` binary op: promoted, then integral ones cast to float32.
absl::StatusOr<std::vector<ir::Value *>> floatOperands(Ctx &ctx) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  if (p.dtype && !ir::isFloatingType(*p.dtype))
    for (auto &x : xs)
      x = ctx.b.cast(x, ScalarType::Float32);
  return xs;
}

Result copysign(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, floatOperands(ctx));
  OnnxBuilder &b = ctx.b;
  ir::Value *mag = b.op("Abs", {xs[0]});
  return one(b.op("Where", {signBit(b, xs[1]), b.op("Neg", {mag}), mag}));
}

Result atan2(Ctx &ctx) {
  // atan(y / x) moved to the quadrant of (x, y); atan2(+-0, +0) = +-0, atan2(+-0, -0) = +-pi.
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, floatOperands(ctx));
  OnnxBuilder &b = ctx.b;
  ir::Value *y = xs[0], *x = xs[1];
  ScalarType t = floatLike(y);
  ir::Value *zero = b.scalarOf(0, t);
  ir::Value *ySign = signBit(b, y);
  ir::Value *pi = b.op("Where", {ySign, b.scalarOf(-M_PI, t), b.scalarOf(M_PI, t)});
  ir::Value *base = b.op("Atan", {b.op("Div", {y, x})});
  ir::Value *out = b.op("Where", {b.op("Less", {x, zero}), b.op("Add", {base, pi}), base});
  ir::Value *yZero = b.op("Equal", {y, zero}), *xZero = b.op("Equal", {x, zero});
  ir::Value *zeros = b.op("Where", {signBit(b, x), pi, y});
  return one(b.op("Where", {b.op("And", {yZero, xZero}), zeros, out}));
}

Result heaviside(Ctx &ctx) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  OnnxBuilder &b = ctx.b;
  ScalarType t = p.dtype.value_or(ScalarType::Float32);
  ir::Value *x = xs[0];
  if (t == ScalarType::Bool)
    return ctx.unsupported("heaviside of bool tensors");
  ir::Value *zero = b.scalarOf(0, t);
  ir::Value *step = b.cast(b.op("Greater", {x, zero}), t);
  return one(typed(b.op("Where", {b.op("Equal", {x, zero}), xs[1], step}), p));
}

Result hypot(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, floatOperands(ctx));
  OnnxBuilder &b = ctx.b;
  return one(
      b.op("Sqrt", {b.op("Add", {b.op("Mul", {xs[0], xs[0]}), b.op("Mul", {xs[1], xs[1]})})}));
}

/// fmod: C's fmod (the result has the dividend's sign), ONNX Mod with fmod=1 (opset 10).
Result fmod(Ctx &ctx) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  if (p.dtype == ScalarType::Bool)
    return ctx.unsupported("fmod of bool tensors");
  return one(typed(ctx.b.op("Mod", {xs[0], xs[1]}, {OnnxAttr::i("fmod", 1)}), p));
}

/// lerp(start, end, w) as torch computes it: w < 0.5 ? start + w * (end - start)
/// : end - (end - start) * (1 - w).
Result lerp(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * s, asTensor(ctx, 0));
  ScalarType t = floatLike(s);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * e, asTensor(ctx, 1, t));
  OnnxBuilder &b = ctx.b;
  ir::Value *diff = b.op("Sub", {e, s});
  auto wc = ctx.input(2)->type()->isTensor() ? std::nullopt : ctx.constFloat(2);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * w, asTensor(ctx, 2, t));
  auto low = [&] { return b.op("Add", {s, b.op("Mul", {w, diff})}); };
  auto high = [&] {
    return b.op("Sub", {e, b.op("Mul", {diff, b.op("Sub", {b.scalarOf(1, t), w})})});
  };
  if (wc)
    return one(std::abs(*wc) < 0.5 ? low() : high());
  ir::Value *small = b.op("Less", {b.op("Abs", {w}), b.scalarOf(0.5, t)});
  return one(b.op("Where", {small, low(), high()}));
}

double finiteMax(ScalarType t) {
  if (t == ScalarType::Float16)
    return 65504.0;
  if (t == ScalarType::Float64)
    return std::numeric_limits<double>::max();
  if (t == ScalarType::BFloat16)
    return 3.3895313892515355e38;
  return std::numeric_limits<float>::max();
}

/// nan_to_num(x, nan=0, posinf=max, neginf=lowest) with IsNaN/IsInf (opset 10).
Result nanToNum(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  if (!isFloat(x))
    return one(x);
  ScalarType t = floatLike(x);
  auto arg = [&](size_t i, double dflt) -> std::optional<double> {
    if (ctx.numInputs() <= i || ctx.isNone(i))
      return dflt;
    return ctx.constFloat(i);
  };
  auto nan = arg(1, 0), pos = arg(2, finiteMax(t)), neg = arg(3, -finiteMax(t));
  if (!nan || !pos || !neg)
    return ctx.unsupported("non-constant replacement values");
  OnnxBuilder &b = ctx.b;
  ir::Value *out = b.op("Where", {b.op("IsNaN", {x}), b.scalarOf(*nan, t), x});
  out = b.op("Where",
             {b.op("IsInf", {x}, {OnnxAttr::i("detect_negative", 0)}), b.scalarOf(*pos, t), out});
  out = b.op("Where",
             {b.op("IsInf", {x}, {OnnxAttr::i("detect_positive", 0)}), b.scalarOf(*neg, t), out});
  return one(out);
}

/// xlogy(x, y) / special_xlog1py(x, y): NaN where y is NaN, 0 where x == 0, else x * log(y)
/// (log1p(y)). Equal on floats: opset 11.
Result xlogy(Ctx &ctx, bool plusOne) {
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, floatOperands(ctx));
  OnnxBuilder &b = ctx.b;
  ir::Value *x = xs[0], *y = xs[1];
  ScalarType t = floatLike(x);
  ir::Value *ly = plusOne ? b.op("Add", {y, b.scalarOf(1, t)}) : y;
  ir::Value *v = b.op("Mul", {x, b.op("Log", {ly})});
  v = b.op("Where", {b.op("Equal", {x, b.scalarOf(0, t)}), b.scalarOf(0, t), v});
  return one(b.op("Where", {b.op("IsNaN", {y}), y, v}));
}

/// special_entr: -x log x for x > 0, 0 at 0, -inf below, NaN for NaN (Equal: opset 11).
Result entr(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  ir::Value *zero = b.scalarOf(0, t);
  ir::Value *v = b.op("Neg", {b.op("Mul", {x, b.op("Log", {x})})});
  v = b.op("Where", {b.op("Equal", {x, zero}), zero, v});
  return one(b.op("Where", {b.op("Less", {x, zero}),
                            b.scalarOf(-std::numeric_limits<double>::infinity(), t), v}));
}

/// special_ndtr: the standard normal CDF, (1 + erf(x / sqrt 2)) / 2.
Result ndtr(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  ir::Value *e = b.op("Erf", {b.op("Mul", {x, b.scalarOf(M_SQRT1_2, t)})});
  return one(b.op("Mul", {b.op("Add", {e, b.scalarOf(1, t)}), b.scalarOf(0.5, t)}));
}

/// logit(x, eps?): log(z / (1 - z)), z = x clamped to [eps, 1 - eps] when eps is given.
Result logit(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  if (ctx.numInputs() > 1 && !ctx.isNone(1)) {
    auto eps = ctx.constFloat(1);
    if (!eps)
      return ctx.unsupported("a non-constant eps");
    x = b.clip(x, *eps, 1 - *eps);
  }
  return one(b.op("Log", {b.op("Div", {x, b.op("Sub", {b.scalarOf(1, t), x})})}));
}

/// logaddexp(a, b) = max + log1p(exp(-|a - b|)) (base 2 for logaddexp2); a == b == +-inf gives a.
Result logaddexp(Ctx &ctx, bool base2) {
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, floatOperands(ctx));
  OnnxBuilder &b = ctx.b;
  ir::Value *x = xs[0], *y = xs[1];
  ScalarType t = floatLike(x);
  ir::Value *m = b.op("Max", {x, y});
  ir::Value *d = b.op("Neg", {b.op("Abs", {b.op("Sub", {x, y})})});
  ir::Value *e = base2 ? b.op("Pow", {b.scalarOf(2, t), d}) : b.op("Exp", {d});
  ir::Value *l = b.op("Log", {b.op("Add", {e, b.scalarOf(1, t)})});
  if (base2)
    l = b.op("Mul", {l, b.scalarOf(1 / M_LN2, t)});
  ir::Value *out = b.op("Add", {m, l});
  ir::Value *sameInf = b.op("And", {b.op("IsInf", {x}), b.op("Equal", {x, y})});
  return one(b.op("Where", {sameInf, x, out}));
}

Result square(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  if (dtypeOf(x) == ScalarType::Bool)
    x = ctx.b.cast(x, ScalarType::Int64);
  return one(ctx.b.op("Mul", {x, x}));
}

/// float_power: both operands in float64.
Result floatPower(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * a, asTensor(ctx, 0, ScalarType::Float64));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * e, asTensor(ctx, 1, ScalarType::Float64));
  if (dtypeOf(a) != ScalarType::Float64)
    a = ctx.b.cast(a, ScalarType::Float64);
  if (dtypeOf(e) != ScalarType::Float64)
    e = ctx.b.cast(e, ScalarType::Float64);
  return one(ctx.b.op("Pow", {a, e}));
}

/// x << y = x * 2^y, x >> y = floor(x / 2^y) (arithmetic, as torch shifts signed integers),
/// computed in int64 (narrower types wrap back when cast) with 2^y from float64 (exact below
/// 2^63). torch has no shifts of floats.
Result shift(Ctx &ctx, bool left) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  if (!p.dtype || *p.dtype == ScalarType::Bool || ir::isFloatingType(*p.dtype))
    return ctx.unsupported("shifts of bool, floating-point or unknown-dtype tensors");
  ScalarType t = *p.dtype;
  OnnxBuilder &b = ctx.b;
  ir::Value *x = t == ScalarType::Int64 ? xs[0] : b.cast(xs[0], ScalarType::Int64);
  ir::Value *y = b.cast(xs[1], ScalarType::Float64);
  ir::Value *pw = b.cast(b.op("Pow", {b.scalarOf(2, ScalarType::Float64), y}), ScalarType::Int64);
  ir::Value *out = left ? b.op("Mul", {x, pw}) : intFloorDiv(b, x, pw, ScalarType::Int64);
  if (t != ScalarType::Int64)
    out = b.cast(out, t);
  return one(typed(out, p));
}

Result erfc(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  return one(ctx.b.op("Sub", {ctx.b.scalarOf(1, floatLike(x)), ctx.b.op("Erf", {x})}));
}

/// sinc(x) = sin(pi x) / (pi x), 1 at 0.
Result sinc(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, floatInput(ctx, 0));
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  ir::Value *px = b.op("Mul", {x, b.scalarOf(M_PI, t)});
  ir::Value *v = b.op("Div", {b.op("Sin", {px}), px});
  ir::Value *zero = b.op("Not", {b.op("Or", {b.op("Less", {x, b.scalarOf(0, t)}),
                                             b.op("Greater", {x, b.scalarOf(0, t)})})});
  zero = b.op("And", {zero, b.op("Not", {b.op("IsNaN", {x})})});
  return one(b.op("Where", {zero, b.scalarOf(1, t), v}));
}

/// addcmul/addcdiv(self, t1, t2, value=1): self + value * (t1 * t2) or value * (t1 / t2).
Result addc(Ctx &ctx, const char *onnxOp) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1, 2}, &p));
  OnnxBuilder &b = ctx.b;
  bool integral = p.dtype && !ir::isFloatingType(*p.dtype);
  if (integral && std::string(onnxOp) == "Div")
    return ctx.unsupported("addcdiv of integral tensors (torch refuses it)");
  ir::Value *prod = b.op(onnxOp, {xs[1], xs[2]});
  TS2ONNX_ASSIGN_OR_RETURN(prod, scaled(ctx, prod, 3, p.dtype));
  return one(typed(b.op("Add", {xs[0], prod}), p));
}

/// sign/sgn: Sign, with torch's 0 (not NaN) for a NaN input.
Result sign(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  OnnxBuilder &b = ctx.b;
  if (dtypeOf(x) == ScalarType::Bool)
    return one(x);
  ir::Value *s = b.op("Sign", {x});
  if (!isFloat(x))
    return one(s);
  return one(b.op("Where", {b.op("IsNaN", {x}), b.scalarOf(0, floatLike(x)), s}));
}

/// prim::min / prim::max of two runtime numbers (Where of Less/Greater, which has int kernels
/// at every opset, unlike Min/Max before 12), or of an int/float list (ReduceMin/ReduceMax).
Result scalarMinMax(Ctx &ctx, bool isMin) {
  if (ctx.numInputs() == 1) {
    const ir::Type &t = *ctx.input(0)->type();
    if (!t.is(ir::TypeKind::List) || !t.elementType()->is(ir::TypeKind::Int))
      return ctx.unsupported("min/max of a list other than int[]");
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * l, intList(ctx, 0));
    return one(ctx.b.reduce(isMin ? "ReduceMin" : "ReduceMax", l, {0}, false));
  }
  if (ctx.input(0)->type()->is(ir::TypeKind::List))
    return ctx.unsupported("min/max comparing two lists");
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  ir::Value *firstWins = ctx.b.op(isMin ? "Less" : "Greater", {xs[0], xs[1]});
  return one(typed(ctx.b.op("Where", {firstWins, xs[0], xs[1]}), p));
}

/// __range_length(lo, hi, step): the trip count of range(lo, hi, step), torch's formula.
Result rangeLength(Ctx &ctx) {
  auto step = ctx.constInt(2);
  if (!step)
    return ctx.unsupported("range() with a runtime step");
  if (*step == 0)
    return ctx.error("range() arg 3 must not be zero");
  OnnxBuilder &b = ctx.b;
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * lo, intScalar(ctx, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * hi, intScalar(ctx, 1));
  if (*step < 0)
    std::swap(lo, hi);
  // 1 + (hi - 1 - lo) / |step| when lo < hi (both operands non-negative there), else 0.
  ir::Value *span = b.op("Sub", {b.op("Sub", {hi, lo}), b.int64Scalar(1)});
  ir::Value *n =
      b.op("Add", {b.op("Div", {span, b.int64Scalar(std::abs(*step))}), b.int64Scalar(1)});
  return one(b.op("Where", {b.op("Less", {lo, hi}), n, b.int64Scalar(0)}));
}

/// fake_quantize_per_tensor_affine / _per_channel_affine: torch's kernel, in float:
/// (clamp(round_half_even(x * (1 / scale)) + zp, qmin, qmax) - zp) * scale. `axis` is the channel
/// axis of a per-channel scale and zero point (1-D), nullopt for one scale.
Result fakeQuantize(Ctx &ctx, std::optional<int64_t> axis, size_t qminIdx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  if (dtypeOf(x) != ScalarType::Float32)
    return ctx.unsupported("fake quantization of a tensor not known to be float32");
  auto qmin = ctx.constInt(qminIdx), qmax = ctx.constInt(qminIdx + 1);
  if (!qmin || !qmax)
    return ctx.unsupported("non-constant quant_min or quant_max");
  ir::Value *scale, *inv, *zp;
  if (auto s = ctx.constFloat(1); s && !ctx.input(1)->type()->isTensor()) {
    float sf = float(*s);
    scale = b.scalarOf(sf, ScalarType::Float32);
    inv = b.scalarOf(1.0f / sf, ScalarType::Float32);
  } else {
    scale = ctx.input(1);
    if (dtypeOf(scale) != ScalarType::Float32)
      scale = b.cast(scale, ScalarType::Float32);
    inv = b.op("Reciprocal", {scale});
  }
  if (ctx.input(2)->type()->isTensor()) {
    auto zt = dtypeOf(ctx.input(2));
    if (!zt || ir::isFloatingType(*zt))
      return ctx.unsupported("a zero_point not known to be an integer tensor");
    zp = b.cast(ctx.input(2), ScalarType::Float32);
  } else {
    TS2ONNX_ASSIGN_OR_RETURN(zp, asTensor(ctx, 2, ScalarType::Float32));
  }
  if (axis) {
    auto r = rankOf(x);
    if (!r)
      return ctx.unsupported("per-channel fake quantization of a tensor of unknown rank");
    int64_t a = normalizeDim(*axis, r);
    std::vector<int64_t> trailing;
    for (int64_t i = 1; i < *r - a; ++i)
      trailing.push_back(i);
    if (!trailing.empty()) {
      scale = b.unsqueeze(scale, trailing);
      inv = b.unsqueeze(inv, trailing);
      zp = b.unsqueeze(zp, trailing);
    }
  }
  ir::Value *q = b.op("Add", {b.op("Round", {b.op("Mul", {x, inv})}), zp});
  q = b.clip(q, double(*qmin), double(*qmax));
  return one(b.op("Mul", {b.op("Sub", {q, zp}), scale}));
}

} // namespace

void registerElementwise(SymbolicRegistry &r) {
  // Unary math; sigmoid/tanh/exp/... compute integral inputs in float32, as torch does.
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
  addAll(r, {"aten::sign", "aten::sgn"}, 9, sign);
  r.add("aten::floor", 9, [](Ctx &c) { return rounding(c, "Floor"); });
  r.add("aten::ceil", 9, [](Ctx &c) { return rounding(c, "Ceil"); });

  // Trigonometric and hyperbolic functions, logs and exponentials.
  r.add("aten::acos", 9, [](Ctx &c) { return floatUnary(c, "Acos"); });
  r.add("aten::asin", 9, [](Ctx &c) { return floatUnary(c, "Asin"); });
  r.add("aten::atan", 9, [](Ctx &c) { return floatUnary(c, "Atan"); });
  r.add("aten::sinh", 9, [](Ctx &c) { return floatUnary(c, "Sinh"); });
  r.add("aten::cosh", 9, [](Ctx &c) { return floatUnary(c, "Cosh"); });
  r.add("aten::asinh", 9, [](Ctx &c) { return floatUnary(c, "Asinh"); });
  r.add("aten::acosh", 9, [](Ctx &c) { return floatUnary(c, "Acosh"); });
  r.add("aten::atanh", 9, [](Ctx &c) { return floatUnary(c, "Atanh"); });
  r.add("aten::atan2", 11, atan2); // Equal on floats
  r.add("aten::log1p", 9, log1p);
  r.add("aten::log2", 9, [](Ctx &c) { return scaledUnary(c, "Log", 1 / M_LN2); });
  r.add("aten::log10", 9, [](Ctx &c) { return scaledUnary(c, "Log", 1 / M_LN10); });
  r.add("aten::expm1", 9, expm1);
  r.add("aten::exp2", 9, exp2);
  r.add("aten::logaddexp", 11, [](Ctx &c) { return logaddexp(c, false); });
  r.add("aten::logaddexp2", 11, [](Ctx &c) { return logaddexp(c, true); });
  r.add("aten::xlogy", 11, [](Ctx &c) { return xlogy(c, false); });
  r.add("aten::special_xlog1py", 11, [](Ctx &c) { return xlogy(c, true); });
  r.add("aten::special_entr", 11, entr);
  r.add("aten::special_ndtr", 9, ndtr);
  r.add("aten::logit", 9, logit);
  r.add("aten::erfc", 9, erfc);
  r.add("aten::sinc", 9, sinc);
  r.add("aten::deg2rad", 9, [](Ctx &c) { return scaledUnary(c, nullptr, M_PI / 180); });
  r.add("aten::rad2deg", 9, [](Ctx &c) { return scaledUnary(c, nullptr, 180 / M_PI); });
  r.add("aten::positive", 9, identity);
  r.add("aten::addcmul", 9, [](Ctx &c) { return addc(c, "Mul"); });
  r.add("aten::addcdiv", 9, [](Ctx &c) { return addc(c, "Div"); });

  // Classification (IsInf: opset 10), rounding and signs.
  r.add("aten::isnan", 9, [](Ctx &c) { return classify(c, Classify::Nan); });
  r.add("aten::isinf", 10, [](Ctx &c) { return classify(c, Classify::Inf); });
  r.add("aten::isfinite", 10, [](Ctx &c) { return classify(c, Classify::Finite); });
  r.add("aten::isposinf", 10, [](Ctx &c) { return classify(c, Classify::PosInf); });
  r.add("aten::isneginf", 10, [](Ctx &c) { return classify(c, Classify::NegInf); });
  r.add("aten::nan_to_num", 10, nanToNum);
  r.add("aten::round", 11, round); // Round
  addAll(r, {"aten::trunc", "aten::fix"}, 9, trunc);
  r.add("aten::frac", 9, frac);
  r.add("aten::signbit", 9, signbit);
  r.add("aten::copysign", 9, copysign);
  r.add("aten::heaviside", 11, heaviside); // Equal on floats
  r.add("aten::hypot", 9, hypot);
  r.add("aten::fmod", 10, fmod); // Mod
  r.add("aten::lerp", 9, lerp);
  r.add("aten::square", 9, square);
  r.add("aten::float_power", 9, floatPower);
  addAll(r, {"aten::__lshift__", "aten::bitwise_left_shift"}, 9,
         [](Ctx &c) { return shift(c, true); });
  addAll(r, {"aten::__rshift__", "aten::bitwise_right_shift"}, 9,
         [](Ctx &c) { return shift(c, false); });

  // Arithmetic.
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

  // Comparisons: Equal on floats from 11, LessOrEqual/GreaterOrEqual from 12.
  r.add("aten::eq", 9, [](Ctx &c) { return compare(c, Cmp::Eq, false, false); });
  r.add("aten::eq", 11, [](Ctx &c) { return compare(c, Cmp::Eq, true, false); });
  r.add("aten::ne", 9, [](Ctx &c) { return compare(c, Cmp::Ne, false, false); });
  r.add("aten::ne", 11, [](Ctx &c) { return compare(c, Cmp::Ne, true, false); });
  r.add("aten::lt", 9, [](Ctx &c) { return compare(c, Cmp::Lt, false, false); });
  r.add("aten::gt", 9, [](Ctx &c) { return compare(c, Cmp::Gt, false, false); });
  r.add("aten::le", 9, [](Ctx &c) { return compare(c, Cmp::Le, false, false); });
  r.add("aten::le", 12, [](Ctx &c) { return compare(c, Cmp::Le, true, true); });
  r.add("aten::ge", 9, [](Ctx &c) { return compare(c, Cmp::Ge, false, false); });
  r.add("aten::ge", 12, [](Ctx &c) { return compare(c, Cmp::Ge, true, true); });

  // Logic and selection.
  r.add("aten::logical_and", 9, [](Ctx &c) { return logical(c, "And"); });
  r.add("aten::logical_or", 9, [](Ctx &c) { return logical(c, "Or"); });
  r.add("aten::logical_xor", 9, [](Ctx &c) { return logical(c, "Xor"); });
  // On integers, BitwiseAnd/Or/Xor from opset 18; before, bool operands only.
  for (int v : {9, 18}) {
    addAll(r, {"aten::__and__", "aten::bitwise_and"}, v,
           [v](Ctx &c) { return bitwise(c, "And", v >= 18); });
    addAll(r, {"aten::__or__", "aten::bitwise_or"}, v,
           [v](Ctx &c) { return bitwise(c, "Or", v >= 18); });
    addAll(r, {"aten::__xor__", "aten::bitwise_xor"}, v,
           [v](Ctx &c) { return bitwise(c, "Xor", v >= 18); });
  }
  r.add("aten::logical_not", 9, [](Ctx &c) { return logicalNot(c, false); });
  r.add("aten::bitwise_not", 9, [](Ctx &c) { return logicalNot(c, true); });
  r.add("aten::where", 9, where);
  r.add("aten::masked_fill", 9, maskedFill);
  // Round (half to even, as torch's nearbyint) is from opset 11.
  r.add("aten::fake_quantize_per_tensor_affine", 11,
        [](Ctx &c) { return fakeQuantize(c, std::nullopt, 3); });
  r.add("aten::fake_quantize_per_channel_affine", 11, [](Ctx &c) -> Result {
    auto axis = c.constInt(3);
    if (!axis)
      return c.unsupported("a non-constant axis");
    return fakeQuantize(c, *axis, 4);
  });
  r.add("prim::min", 9, [](Ctx &c) { return scalarMinMax(c, true); });
  r.add("prim::max", 9, [](Ctx &c) { return scalarMinMax(c, false); });
  r.add("aten::__range_length", 9, rangeLength);
  // __derive_index(index, start, step): the loop variable of range(start, _, step).
  r.add("aten::__derive_index", 9, [](Ctx &c) -> Result {
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * i, intScalar(c, 0));
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * start, intScalar(c, 1));
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * step, intScalar(c, 2));
    return one(c.b.op("Add", {start, c.b.op("Mul", {i, step})}));
  });
  // x.layout: torch.strided (0), the only layout of a converted tensor.
  r.add("prim::layout", 9, [](Ctx &c) { return one(c.b.int64Scalar(0)); });
  // `not b` of a runtime bool (a 0-d bool tensor here).
  r.add("aten::__not__", 9, [](Ctx &c) -> Result {
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * a, boolInput(c, 0));
    return one(c.b.op("Not", {a}));
  });
}

} // namespace ts2onnx::symbolics
