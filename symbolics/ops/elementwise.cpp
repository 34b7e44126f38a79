// Elementwise math: unary functions, arithmetic with torch's dtype promotion, clamp, comparisons,
// logic, where and masked_fill. Forms by opset: Equal has floating-point kernels from 11 (before,
// a == b is !(a < b || a > b)); LessOrEqual/GreaterOrEqual exist from 12 (before, a <= b is
// Not(Greater)). Clip's bounds became inputs at 11; OnnxBuilder::clip makes that switch.
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
Result bitwise(Ctx &ctx, const char *onnxOp) {
  for (size_t i = 0; i < 2; ++i) {
    auto t = dtypeOf(ctx.input(i));
    if (!t)
      return ctx.unsupported("a bitwise op on an operand of unknown dtype");
    if (*t != ScalarType::Bool)
      return ctx.unsupported(fmt::format("{} operands (ONNX Bitwise{} needs opset 18)",
                                         ir::scalarTypeName(*t), onnxOp));
  }
  return logical(ctx, onnxOp);
}

Result logicalNot(Ctx &ctx) {
  auto t = dtypeOf(ctx.input(0));
  if (t && *t != ScalarType::Bool)
    return ctx.unsupported("bitwise_not of a non-bool tensor");
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
  if (ctx.numInputs() == 1)
    return ctx.unsupported("where(condition) (use nonzero)");
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
  r.add("aten::sign", 9, [](Ctx &c) { return unary(c, "Sign"); });
  r.add("aten::floor", 9, [](Ctx &c) { return rounding(c, "Floor"); });
  r.add("aten::ceil", 9, [](Ctx &c) { return rounding(c, "Ceil"); });

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
  addAll(r, {"aten::__and__", "aten::bitwise_and"}, 9, [](Ctx &c) { return bitwise(c, "And"); });
  addAll(r, {"aten::__or__", "aten::bitwise_or"}, 9, [](Ctx &c) { return bitwise(c, "Or"); });
  addAll(r, {"aten::__xor__", "aten::bitwise_xor"}, 9, [](Ctx &c) { return bitwise(c, "Xor"); });
  addAll(r, {"aten::logical_not", "aten::bitwise_not"}, 9, logicalNot);
  r.add("aten::where", 9, where);
  r.add("aten::masked_fill", 9, maskedFill);
}

} // namespace ts2onnx::symbolics
