// Reductions: sum/mean/prod, amax/amin, max/min (all, elementwise, along a dim with indices),
// argmax/argmin, the p-norms, logsumexp and cumsum. Forms by opset: the sum of a runtime-length
// int list (an ONNX sequence) and CumSum need 11. ReduceSum takes its axes as an input from 13:
// OnnxBuilder::reduce makes that switch. var/std (and _mean), aminmax, all/any, count_nonzero,
// nansum/nanmean and diff are opset-9 compositions; cumprod/cummax/cummin have no ONNX operator
// and are unrolled over a static size along their dim (at most 1024), logcumsumexp too (from 11:
// Equal on floats). median over all elements is TopK (11); bucketize/searchsorted count
// comparisons against every boundary.
#include <cmath>
#include <functional>
#include <limits>

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
  if (rankOf(x) == 0) // a 0-d tensor's only index, whatever the dim (0 or -1) and keepdim
    return one(ctx.b.int64Scalar(0));
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

/// The number of elements `reduced` (x reduced with keepdims) summarizes, as a 0-d float of
/// dtype t: a constant when x's shape is static, else Size(x) / Size(reduced).
ir::Value *reducedCount(OnnxBuilder &b, ir::Value *x, ir::Value *reduced, ScalarType t) {
  auto xs = OnnxBuilder::staticShapeOf(x), rs = OnnxBuilder::staticShapeOf(reduced);
  if (xs && rs) {
    int64_t nx = 1, nr = 1;
    for (int64_t d : *xs)
      nx *= d;
    for (int64_t d : *rs)
      nr *= d;
    if (nr > 0)
      return b.scalarOf(double(nx / nr), t);
  }
  ir::Value *n = b.op("Div", {b.op("Size", {x}), b.op("Size", {reduced})});
  return b.cast(n, t);
}

/// var/std and var_mean/std_mean: (self, unbiased), .dim (self, dim?, unbiased, keepdim),
/// .correction (self, dim?, correction?, keepdim). sum((x - mean)^2) / max(N - correction, 0).
Result varStd(Ctx &ctx, bool isStd, bool withMean) {
  ir::Value *x = ctx.input(0);
  std::vector<int64_t> axes;
  bool keep = false;
  double correction = 1;
  if (ctx.numInputs() == 2) {
    auto u = ctx.constBool(1);
    if (!u)
      return ctx.unsupported("a non-constant unbiased");
    correction = *u ? 1 : 0;
  } else if (ctx.numInputs() == 4) {
    auto a = axesArg(ctx, 1);
    auto k = ctx.constBool(3);
    if (!a || !k)
      return ctx.unsupported("non-constant dims or keepdim");
    axes = *a;
    keep = *k;
    if (ctx.input(2)->type()->is(ir::TypeKind::Bool)) {
      auto u = ctx.constBool(2);
      if (!u)
        return ctx.unsupported("a non-constant unbiased");
      correction = *u ? 1 : 0;
    } else if (!ctx.isNone(2)) {
      auto c = ctx.constFloat(2);
      if (!c)
        return ctx.unsupported("a non-constant correction");
      correction = *c;
    }
  } else {
    return ctx.unsupported("this overload");
  }
  auto dt = dtypeOf(x);
  if (dt && !ir::isFloatingType(*dt))
    return ctx.unsupported("var/std of an integral tensor (torch refuses it)");
  ScalarType t = floatLike(x);
  OnnxBuilder &b = ctx.b;
  ir::Value *meanKeep = b.reduce("ReduceMean", x, axes, true);
  ir::Value *d = b.op("Sub", {x, meanKeep});
  ir::Value *sq = b.reduce("ReduceSum", b.op("Mul", {d, d}), axes, keep);
  ir::Value *n = reducedCount(b, x, meanKeep, t);
  ir::Value *denom = b.op("Max", {b.op("Sub", {n, b.scalarOf(correction, t)}), b.scalarOf(0, t)});
  ir::Value *v = b.op("Div", {sq, denom});
  if (isStd)
    v = b.op("Sqrt", {v});
  if (!withMean)
    return one(v);
  return std::vector<ir::Value *>{v, keep ? meanKeep : b.reduce("ReduceMean", x, axes, false)};
}

/// aminmax(self, *, dim?, keepdim): (min, max).
Result aminmax(Ctx &ctx) {
  std::vector<int64_t> axes;
  if (ctx.numInputs() > 1 && !ctx.isNone(1)) {
    auto d = ctx.constInt(1);
    if (!d)
      return ctx.unsupported("a non-constant dim");
    axes = {normalizeDim(*d, rankOf(ctx.input(0)))};
  }
  auto k = ctx.numInputs() > 2 ? ctx.constBool(2) : std::optional<bool>(false);
  if (!k)
    return ctx.unsupported("a non-constant keepdim");
  ir::Value *x = ctx.input(0);
  return std::vector<ir::Value *>{ctx.b.reduce("ReduceMin", x, axes, *k),
                                  ctx.b.reduce("ReduceMax", x, axes, *k)};
}

/// all/any: (self) over everything, .dim (self, dim, keepdim). Nonzero elements (NaN too) are
/// true; a uint8 input gives a uint8 result, as in torch.
Result allAny(Ctx &ctx, bool isAll) {
  ir::Value *x = ctx.input(0);
  if (!x->type()->isTensor()) {
    // all/any of an int or bool list whose elements are constants (torch 2.x's
    // TransformerEncoder builds `any(len(hooks) + len(pre_hooks) for m in self.modules())`,
    // constant zeros once the dict lengths fold): a constant.
    if (auto v = ctx.constInts(0)) {
      bool r = isAll;
      for (int64_t e : *v)
        r = isAll ? (r && e != 0) : (r || e != 0);
      return one(ctx.b.boolScalar(r));
    }
    return ctx.unsupported("all/any of a list of non-constant elements");
  }
  std::vector<int64_t> axes;
  bool keep = false;
  if (ctx.numInputs() == 3) {
    auto d = ctx.constInt(1);
    auto k = ctx.constBool(2);
    if (!d || !k)
      return ctx.unsupported("non-constant dim or keepdim");
    axes = {normalizeDim(*d, rankOf(x))};
    keep = *k;
  }
  OnnxBuilder &b = ctx.b;
  auto t = dtypeOf(x);
  ir::Value *xb = t == ScalarType::Bool ? x : b.cast(x, ScalarType::Bool);
  ir::Value *r =
      b.reduce(isAll ? "ReduceMin" : "ReduceMax", b.cast(xb, ScalarType::Int32), axes, keep);
  return one(b.cast(r, t == ScalarType::UInt8 ? ScalarType::UInt8 : ScalarType::Bool));
}

/// count_nonzero(self, dim?) / .dim_IntList(self, dim[]): int64 count of nonzero (NaN counts).
Result countNonzero(Ctx &ctx) {
  std::vector<int64_t> axes;
  if (ctx.numInputs() > 1 && !ctx.isNone(1)) {
    auto a = axesArg(ctx, 1);
    if (!a)
      return ctx.unsupported("non-constant dims");
    axes = *a;
    if (axes.empty()) // count_nonzero(x, dim=[]) reduces nothing
      return ctx.unsupported("an empty dim list");
  }
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  ir::Value *xb = dtypeOf(x) == ScalarType::Bool ? x : b.cast(x, ScalarType::Bool);
  return one(b.reduce("ReduceSum", b.cast(xb, ScalarType::Int64), axes, false));
}

/// nansum/nanmean(self, dim?, keepdim, dtype?): NaNs count as 0 (nanmean: are left out).
Result nanReduce(Ctx &ctx, bool mean) {
  ir::Value *x = ctx.input(0);
  auto axes = ctx.numInputs() > 1 ? axesArg(ctx, 1) : std::vector<int64_t>{};
  auto k = ctx.numInputs() > 2 ? ctx.constBool(2) : std::optional<bool>(false);
  if (!axes || !k)
    return ctx.unsupported("non-constant dims or keepdim");
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 3));
  OnnxBuilder &b = ctx.b;
  auto t = dtypeOf(x);
  if (t && !ir::isFloatingType(*t)) {
    if (mean)
      return ctx.unsupported("nanmean of an integral tensor (torch refuses it)");
    x = b.cast(x, dt.value_or(ScalarType::Int64));
    return one(b.reduce("ReduceSum", x, *axes, *k));
  }
  if (dt && dt != t)
    x = b.cast(x, *dt);
  ScalarType ft = floatLike(x);
  ir::Value *nan = b.op("IsNaN", {x});
  ir::Value *s = b.reduce("ReduceSum", b.op("Where", {nan, b.scalarOf(0, ft), x}), *axes, *k);
  if (!mean)
    return one(s);
  ir::Value *n = b.reduce("ReduceSum", b.cast(b.op("Not", {nan}), ft), *axes, *k);
  return one(b.op("Div", {s, n}));
}

/// diff(self, n=1, dim=-1, prepend?, append?): n times x[1:] - x[:-1] along dim (bool: xor).
Result diff(Ctx &ctx) {
  auto n = ctx.numInputs() > 1 ? ctx.constInt(1) : std::optional<int64_t>(1);
  auto d = ctx.numInputs() > 2 ? ctx.constInt(2) : std::optional<int64_t>(-1);
  if (!n || !d)
    return ctx.unsupported("non-constant n or dim");
  if (*n < 0)
    return ctx.error("diff order n must be non-negative");
  ir::Value *x = ctx.input(0);
  if (*n == 0) // torch returns the input itself, without prepend/append
    return one(x);
  auto r = rankOf(x);
  if (!r)
    return ctx.unsupported("diff of a tensor of unknown rank");
  int64_t axis = normalizeDim(*d, r);
  OnnxBuilder &b = ctx.b;
  std::vector<ir::Value *> parts;
  if (ctx.numInputs() > 3 && !ctx.isNone(3))
    parts.push_back(ctx.input(3));
  parts.push_back(x);
  if (ctx.numInputs() > 4 && !ctx.isNone(4))
    parts.push_back(ctx.input(4));
  if (parts.size() > 1)
    x = b.concat(parts, axis);
  bool isBool = dtypeOf(x) == ScalarType::Bool;
  for (int64_t i = 0; i < *n; ++i) {
    ir::Value *hi = b.slice(x, {1}, {kIntMax}, {axis}, {1});
    ir::Value *lo = b.slice(x, {0}, {-1}, {axis}, {1});
    x = b.op(isBool ? "Xor" : "Sub", {hi, lo});
  }
  return one(x);
}

/// The static size of x along `dim` (cumprod/cummax/cummin unroll over it).
absl::StatusOr<std::pair<int64_t, int64_t>> unrolledAxis(Ctx &ctx, ir::Value *x, int64_t dim) {
  auto dims = OnnxBuilder::dimsOf(x);
  if (!dims)
    return ctx.unsupported("a tensor of unknown rank");
  int64_t axis = normalizeDim(dim, int64_t(dims->size()));
  if (dims->empty())
    return std::pair<int64_t, int64_t>{0, 1}; // a 0-d tensor: one element
  if (axis < 0 || size_t(axis) >= dims->size())
    return ctx.error("dim out of range");
  if (!(*dims)[axis].isStatic())
    return ctx.unsupported("a dynamic size along dim (the scan is unrolled; ONNX has no CumProd)");
  if ((*dims)[axis].value > 1024)
    return ctx.unsupported("more than 1024 elements along dim (the scan is unrolled)");
  return std::pair<int64_t, int64_t>{axis, (*dims)[axis].value};
}

/// The running combination of the n slices of x along axis (slice 0, then combine(acc, slice i)),
/// concatenated back: a cumulative op unrolled, for ops ONNX has no scan operator for.
ir::Value *runningScan(OnnxBuilder &b, ir::Value *x, int64_t axis, int64_t n,
                       const std::function<ir::Value *(ir::Value *, ir::Value *)> &combine) {
  std::vector<ir::Value *> outs;
  ir::Value *acc = nullptr;
  for (int64_t i = 0; i < n; ++i) {
    ir::Value *xi = b.slice(x, {i}, {i + 1}, {axis}, {1});
    acc = acc ? combine(acc, xi) : xi;
    outs.push_back(acc);
  }
  return b.concat(outs, axis);
}

/// cumprod(self, dim, dtype?): running products of the slices along dim, unrolled.
Result cumprod(Ctx &ctx) {
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 2));
  ir::Value *x = ctx.input(0);
  auto t = dtypeOf(x);
  OnnxBuilder &b = ctx.b;
  if (dt && t != dt)
    x = b.cast(x, *dt);
  else if (!dt && t && !ir::isFloatingType(*t) && *t != ScalarType::Int64)
    x = b.cast(x, ScalarType::Int64);
  if (rankOf(x) == 0)
    return one(x);
  TS2ONNX_ASSIGN_OR_RETURN(auto an, unrolledAxis(ctx, x, *d));
  auto [axis, n] = an;
  if (n <= 1)
    return one(x);
  return one(runningScan(b, x, axis, n, [&](ir::Value *acc, ir::Value *xi) {
    return b.op("Mul", {acc, xi});
  }));
}

/// cummax/cummin(self, dim): running extremes and the index torch picks: the latest on ties,
/// and a NaN, once seen, wins (each later NaN takes its index). Unrolled along dim.
Result cumExtreme(Ctx &ctx, bool isMax) {
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  ir::Value *x = ctx.input(0);
  OnnxBuilder &b = ctx.b;
  auto t = dtypeOf(x);
  if (rankOf(x) == 0)
    return std::vector<ir::Value *>{x, b.constantOfShape(b.shape(x), 0, ScalarType::Int64)};
  TS2ONNX_ASSIGN_OR_RETURN(auto an, unrolledAxis(ctx, x, *d));
  auto [axis, n] = an;
  if (n == 0)
    return ctx.unsupported("an empty dim");
  bool isFloat = !t || ir::isFloatingType(*t);
  ir::Value *xc = x;
  if (t == ScalarType::Bool)
    xc = b.cast(x, ScalarType::Int32);
  std::vector<ir::Value *> vals, idxs;
  ir::Value *v = nullptr, *idx = nullptr;
  for (int64_t i = 0; i < n; ++i) {
    ir::Value *xi = b.slice(xc, {i}, {i + 1}, {axis}, {1});
    if (!v) {
      v = xi;
      idx = b.constantOfShape(b.shape(xi), 0, ScalarType::Int64);
    } else {
      // take: xi >= v (cummax) / xi <= v (cummin), i.e. not (xi < v) / not (xi > v).
      ir::Value *take = b.op("Not", {b.op(isMax ? "Less" : "Greater", {xi, v})});
      if (isFloat)
        take = b.op("Or",
                    {b.op("IsNaN", {xi}), b.op("And", {b.op("Not", {b.op("IsNaN", {v})}), take})});
      v = b.op("Where", {take, xi, v});
      idx = b.op("Where", {take, b.int64Scalar(i), idx});
    }
    vals.push_back(v);
    idxs.push_back(idx);
  }
  ir::Value *values = n == 1 ? vals[0] : b.concat(vals, axis);
  if (t == ScalarType::Bool)
    values = b.cast(values, ScalarType::Bool);
  return std::vector<ir::Value *>{values, n == 1 ? idxs[0] : b.concat(idxs, axis)};
}

/// log(exp(x) + exp(y)) as torch's scans compute it: max + log1p(exp(-|x - y|)), and x itself
/// when x == y is infinite (Equal on floats: opset 11).
ir::Value *logAddExp(OnnxBuilder &b, ir::Value *x, ir::Value *y, ScalarType t) {
  ir::Value *m = b.op("Max", {x, y});
  ir::Value *e = b.op("Exp", {b.op("Neg", {b.op("Abs", {b.op("Sub", {x, y})})})});
  ir::Value *out = b.op("Add", {m, b.op("Log", {b.op("Add", {e, b.scalarOf(1, t)})})});
  ir::Value *sameInf = b.op("And", {b.op("IsInf", {x}), b.op("Equal", {x, y})});
  return b.op("Where", {sameInf, x, out});
}

/// logcumsumexp(self, dim): running logaddexp along dim, unrolled.
Result logcumsumexp(Ctx &ctx) {
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  ir::Value *x = ctx.input(0);
  auto t = dtypeOf(x);
  if (t && !ir::isFloatingType(*t))
    return ctx.unsupported("logcumsumexp of an integral tensor (torch refuses it)");
  if (rankOf(x) == 0)
    return one(x);
  TS2ONNX_ASSIGN_OR_RETURN(auto an, unrolledAxis(ctx, x, *d));
  auto [axis, n] = an;
  if (n <= 1)
    return one(x);
  OnnxBuilder &b = ctx.b;
  ScalarType ft = floatLike(x);
  return one(runningScan(b, x, axis, n,
                         [&](ir::Value *acc, ir::Value *xi) { return logAddExp(b, acc, xi, ft); }));
}

/// trapezoid/trapz(y, x | dx, dim) and cumulative_trapezoid: the sum (running sum: CumSum, 11)
/// of dx * (y[1:] + y[:-1]) / 2 along dim, dx = diff(x) (x 1-D: along dim) or the constant dx.
Result trapezoid(Ctx &ctx, bool cumulative) {
  auto d = ctx.constInt(2);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * y, asTensor(ctx, 0));
  OnnxBuilder &b = ctx.b;
  auto t = dtypeOf(y);
  if (t && !ir::isFloatingType(*t))
    y = b.cast(y, ScalarType::Float32);
  ScalarType ft = floatLike(y);
  auto r = rankOf(y);
  if (!r)
    return ctx.unsupported("a tensor of unknown rank");
  if (*r == 0)
    return ctx.error("trapezoid of a 0-d tensor");
  int64_t axis = normalizeDim(*d, r);
  ir::Value *pairs =
      b.op("Add", {b.slice(y, {1}, {kIntMax}, {axis}, {1}), b.slice(y, {0}, {-1}, {axis}, {1})});
  ir::Value *scaledPairs = nullptr;
  if (ctx.input(1)->type()->isTensor()) {
    ir::Value *x = ctx.input(1);
    if (dtypeOf(x) != ft)
      x = b.cast(x, ft);
    auto xr = rankOf(x);
    if (!xr)
      return ctx.unsupported("an x of unknown rank");
    int64_t xaxis = *xr == 1 ? 0 : normalizeDim(*d, xr);
    ir::Value *dx = b.op(
        "Sub", {b.slice(x, {1}, {kIntMax}, {xaxis}, {1}), b.slice(x, {0}, {-1}, {xaxis}, {1})});
    if (*xr == 1 && axis != *r - 1) { // a 1-D x runs along dim: shape it [n-1, 1, ..., 1]
      std::vector<int64_t> axes;
      for (int64_t i = 1; i < *r - axis; ++i)
        axes.push_back(i);
      dx = b.unsqueeze(dx, axes);
    }
    scaledPairs = b.op("Mul", {dx, pairs});
  } else {
    auto dx = ctx.constFloat(1);
    if (!dx)
      return ctx.unsupported("a non-constant dx");
    scaledPairs = b.op("Mul", {pairs, b.scalarOf(*dx, ft)});
  }
  ir::Value *half = b.scalarOf(0.5, ft);
  if (cumulative)
    return one(b.op("Mul", {b.op("CumSum", {scaledPairs, b.int64Scalar(axis)}), half}));
  return one(b.op("Mul", {b.reduce("ReduceSum", scaledPairs, {axis}, false), half}));
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
  addAll(r, {"aten::var", "aten::std"}, 9,
         [](Ctx &c) { return varStd(c, c.node().kind().name() == "std", false); });
  r.add("aten::var_mean", 9, [](Ctx &c) { return varStd(c, false, true); });
  r.add("aten::std_mean", 9, [](Ctx &c) { return varStd(c, true, true); });
  r.add("aten::aminmax", 9, aminmax);
  r.add("aten::all", 9, [](Ctx &c) { return allAny(c, true); });
  r.add("aten::any", 9, [](Ctx &c) { return allAny(c, false); });
  r.add("aten::count_nonzero", 9, countNonzero);
  r.add("aten::nansum", 9, [](Ctx &c) { return nanReduce(c, false); });
  r.add("aten::nanmean", 9, [](Ctx &c) { return nanReduce(c, true); });
  r.add("aten::diff", 9, diff);
  r.add("aten::cumprod", 9, cumprod);
  r.add("aten::cummax", 9, [](Ctx &c) { return cumExtreme(c, true); });
  r.add("aten::cummin", 9, [](Ctx &c) { return cumExtreme(c, false); });
  r.add("aten::logcumsumexp", 11, logcumsumexp); // Equal on floats
  addAll(r, {"aten::trapezoid", "aten::trapz"}, 9, [](Ctx &c) { return trapezoid(c, false); });
  r.add("aten::cumulative_trapezoid", 11, [](Ctx &c) { return trapezoid(c, true); }); // CumSum
}

} // namespace ts2onnx::symbolics
