// Reductions: sum/mean/prod, amax/amin, max/min (all, elementwise, along a dim with indices),
// argmax/argmin, the p-norms, logsumexp and cumsum. Forms by opset: the sum of a runtime-length
// int list (an ONNX sequence) and CumSum need 11. ReduceSum takes its axes as an input from 13:
// OnnxBuilder::reduce makes that switch.
#include <cmath>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

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

Result sum11(SymbolicContext &ctx) {
  // aten::sum(int[]) of a runtime-length list: stack the 0-d elements and reduce.
  if (ctx.node().inputs().size() != 1 || !isSequence(ctx.input(0)))
    return atOpset9(ctx, "aten::sum");
  ir::Value *all = ctx.b.op("ConcatFromSequence", {ctx.input(0)},
                            {OnnxAttr::i("axis", 0), OnnxAttr::i("new_axis", 1)});
  OnnxBuilder::setTensorType(all, elementDtype(ctx.input(0)),
                             std::vector<ir::Dim>{ir::Dim::unknown()});
  ir::Value *sum = ctx.b.op("ReduceSum", {all}, {OnnxAttr::i("keepdims", 0)});
  OnnxBuilder::setTensorType(sum, elementDtype(ctx.input(0)), std::vector<ir::Dim>{});
  return one(sum);
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
  if (auto r = rankOf(ctx.input(0)); r && *r == 0) // dim 0 / -1 of a 0-d tensor: itself, index 0
    return std::vector<ir::Value *>{ctx.input(0), ctx.b.int64Scalar(0)};
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
  // Integers reduce in float32, torch's default dtype.
  ir::Value *x = ctx.input(0);
  if (auto t = dtypeOf(x); t && !ir::isFloatingType(*t))
    x = ctx.b.cast(x, ScalarType::Float32);
  return one(ctx.b.reduce("ReduceLogSumExp", x, *a, *k));
}

Result cumsum11(SymbolicContext &ctx) {
  // aten::cumsum(self, dim, dtype?)
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 2));
  ir::Value *x = ctx.input(0);
  auto t = OnnxBuilder::dtypeOf(x);
  if (dt && t != dt)
    x = ctx.b.cast(x, *dt);
  else if (!dt && t && !ir::isFloatingType(*t) && *t != ScalarType::Int64)
    x = ctx.b.cast(x, ScalarType::Int64);
  bool lifted = false;
  x = liftScalar(ctx, x, lifted);
  ir::Value *y = ctx.b.op("CumSum", {x, ctx.b.int64Scalar(lifted ? 0 : *d)});
  return one(dropLifted(ctx, y, lifted));
}

} // namespace

void registerReduction(SymbolicRegistry &r) {
  r.add("aten::sum", 9, [](Ctx &c) { return reduceOp(c, "ReduceSum", true); });
  r.add("aten::sum", 11, sum11);
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
  r.add("aten::cumsum", 11, cumsum11);
}

} // namespace ts2onnx::symbolics
