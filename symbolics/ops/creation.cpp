// Tensor creation: tensor/as_tensor, zeros/ones/full/empty and their _like / new_ forms, fill,
// arange, eye (EyeLike), linspace (constant steps) and hann_window of constant arguments. Forms by
// opset: opset 9 has no Range (constant bounds give a constant tensor, runtime int bounds count
// the non-zeros of a ones vector); from 11 runtime bounds are a Range.
#include <cmath>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

/// aten::tensor(data, dtype?, device?, requires_grad) of a number (constant or runtime) or an
/// int list: a 0-d / 1-D tensor of torch's dtype for it (int64, float32, bool) or the given one.
Result tensorOf(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 1));
  const ir::Type &t = *ctx.input(0)->type();
  const ir::AttributeValue *constList = ir::constantValue(ctx.input(0));
  const auto *constFloats = constList ? constList->getIf<std::vector<double>>() : nullptr;
  if (t.is(ir::TypeKind::List) && t.elementType()->is(ir::TypeKind::Float) && constFloats) {
    // A constant float list (a module's List[float] attribute): a constant of the dtype.
    ScalarType want = dt.value_or(ScalarType::Float32);
    if (constFloats->empty())
      return ctx.unsupported("a tensor from an empty list");
    std::vector<ir::Value *> parts;
    for (double d : *constFloats)
      parts.push_back(ctx.b.unsqueeze(ctx.b.scalarOf(d, want), {0}));
    return one(ctx.b.concat(parts, 0));
  }
  if (t.is(ir::TypeKind::List) && ctx.input(0)->node()->kind() == ir::prim::ListConstruct &&
      (t.elementType()->is(ir::TypeKind::Float) || t.elementType()->is(ir::TypeKind::Bool))) {
    // A float or bool list with elements computed at run time: each element as a 1-element
    // tensor of the result's dtype, concatenated.
    ScalarType want = dt.value_or(t.elementType()->is(ir::TypeKind::Bool) ? ScalarType::Bool
                                                                          : ScalarType::Float32);
    std::vector<ir::Value *> parts;
    for (ir::Value *e : ctx.input(0)->node()->inputs()) {
      ir::Value *v = e;
      if (const ir::AttributeValue *a = ir::constantValue(e); a && !e->type()->isTensor()) {
        if (const double *d = a->getIf<double>())
          v = ctx.b.scalarOf(*d, want);
        else if (const int64_t *i = a->getIf<int64_t>())
          v = ctx.b.scalarOf(double(*i), want);
        else
          return ctx.unsupported("a tensor from a list element of type " + e->type()->str());
      } else if (!e->type()->isTensor()) {
        return ctx.unsupported("a tensor from a list element of type " + e->type()->str());
      } else if (dtypeOf(v) != want) {
        v = ctx.b.cast(v, want);
      }
      parts.push_back(ctx.b.unsqueeze(v, {0}));
    }
    if (parts.empty())
      return ctx.unsupported("a tensor from an empty list");
    return one(ctx.b.concat(parts, 0));
  }
  if (t.is(ir::TypeKind::List)) {
    if (!t.elementType()->is(ir::TypeKind::Int))
      return ctx.unsupported("a tensor from a " + t.str());
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, intList(ctx, 0));
    return one(dt && *dt != ScalarType::Int64 ? ctx.b.cast(v, *dt) : v);
  }
  if (t.isTensor()) {
    // A runtime number, a 0-d tensor since its producer was converted: torch.tensor gives
    // int64 / bool as they are and a float as the default float32.
    auto have = dtypeOf(ctx.input(0));
    if (!have)
      return ctx.unsupported("a tensor from a runtime number of unknown type");
    ScalarType natural = ir::isFloatingType(*have) ? ScalarType::Float32 : *have;
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, asTensor(ctx, 0, dt.value_or(natural)));
    return one(v);
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

/// aten::as_tensor(data, dtype?, device?): a tensor as is (cast to dtype when given); a number
/// or list as torch.tensor makes it.
Result asTensorOp(Ctx &ctx) {
  if (!ctx.input(0)->type()->isTensor())
    return tensorOf(ctx);
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 1));
  ir::Value *x = ctx.input(0);
  return one(dt && dtypeOf(x) != dt ? ctx.b.cast(x, *dt) : x);
}

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

/// The input indices of aten::arange's overloads: (end, dtype...), (start, end, dtype...),
/// (start, end, step, dtype...).
struct ArangeArgs {
  std::optional<size_t> start, step;
  size_t end = 0, dtype = 1;
};

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

/// Opset 9 has no Range: constant bounds give a constant tensor; runtime bounds count the
/// non-zeros of a ones vector of the right length.
Result arange9(Ctx &ctx) {
  ArangeArgs a = arangeArgs(ctx);
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

Result arange11(SymbolicContext &ctx) {
  ArangeArgs a = arangeArgs(ctx);
  bool allConst = ctx.constFloat(a.end) && (!a.start || ctx.constFloat(*a.start)) &&
                  (!a.step || ctx.constFloat(*a.step));
  if (allConst) // constant bounds: a constant tensor, as at opset 9
    return (*SymbolicRegistry::global().lookup("aten::arange", 9))(ctx);
  bool anyFloat = false;
  for (auto i : {a.start, std::optional<size_t>(a.end), a.step})
    if (i) {
      const ir::Type &t = *ctx.input(*i)->type();
      auto dt = OnnxBuilder::dtypeOf(ctx.input(*i));
      anyFloat |= t.is(ir::TypeKind::Float) || (dt && ir::isFloatingType(*dt));
    }
  TS2ONNX_ASSIGN_OR_RETURN(auto dtArg, dtypeArg(ctx, a.dtype));
  ScalarType t = dtArg.value_or(anyFloat ? ScalarType::Float32 : ScalarType::Int64);
  auto operand = [&](std::optional<size_t> i, double dflt) -> absl::StatusOr<ir::Value *> {
    if (!i)
      return ctx.b.scalarOf(dflt, t);
    return asTensor(ctx, *i, t);
  };
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * s, operand(a.start, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * e, operand(a.end, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * st, operand(a.step, 1));
  // A descending range is written start - Range(0, start - end, -step), the same values:
  // onnxruntime (1.32) fuses Gather(x, Range(s, e, negative step)) into a Slice that reads an
  // end of -1 as the last element, and `x.index_select(0, torch.arange(n - 1, -1, -1))` came out
  // empty.
  if (auto step = a.step ? ctx.constFloat(*a.step) : std::nullopt; step && *step < 0) {
    OnnxBuilder &b = ctx.b;
    ir::Value *up = b.op("Range", {b.scalarOf(0, t), b.op("Sub", {s, e}), b.op("Neg", {st})});
    ir::Value *out = b.op("Sub", {s, up});
    OnnxBuilder::setTensorType(out, t, std::vector<ir::Dim>{ir::Dim::unknown()});
    return one(out);
  }
  return one(ctx.b.op("Range", {s, e, st}));
}

/// A 1-D constant of dtype t from values computed in double: floating types take them rounded,
/// integer types truncated toward zero (as torch's conversion of a double does).
ir::Value *constVector(OnnxBuilder &b, const std::vector<double> &v, ScalarType t) {
  int64_t n = int64_t(v.size());
  if (ir::isFloatingType(t)) {
    ir::Value *c = b.constant(ir::Tensor::fromVector(ScalarType::Float64, {n}, v));
    return t == ScalarType::Float64 ? c : b.cast(c, t);
  }
  std::vector<int64_t> iv;
  for (double d : v)
    iv.push_back(int64_t(std::trunc(d)));
  ir::Value *c = b.int64s(iv);
  return t == ScalarType::Int64 ? c : b.cast(c, t);
}

/// linspace with start or end computed at run time (0-d tensors or numbers) and constant steps:
/// torch's formula with the index vectors as constants, computed in t (in float64, then
/// truncated, for an integer t, whose start and end are truncated first).
Result linspaceRuntime(Ctx &ctx, int64_t steps, ScalarType t) {
  OnnxBuilder &b = ctx.b;
  bool fl = ir::isFloatingType(t);
  ScalarType ct = fl ? t : ScalarType::Float64;
  auto bound = [&](size_t i) -> absl::StatusOr<ir::Value *> {
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, asTensor(ctx, i));
    v = b.op("Reshape", {v, b.int64s({})});
    if (!fl) // torch's Scalar::to<int>(): truncated
      v = b.cast(dtypeOf(v) == t ? v : b.cast(v, t), ct);
    return dtypeOf(v) == ct ? v : b.cast(v, ct);
  };
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * a, bound(0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * e, bound(1));
  ir::Value *y;
  if (steps == 0) {
    y = constVector(b, {}, ct);
  } else if (steps == 1) {
    y = b.op("Reshape", {a, b.int64s({1})});
  } else {
    std::vector<double> up, down;
    std::vector<uint8_t> low;
    for (int64_t i = 0; i < steps; ++i) {
      up.push_back(double(i));
      down.push_back(double(steps - 1 - i));
      low.push_back(i < steps / 2);
    }
    ir::Value *step = b.op("Div", {b.op("Sub", {e, a}), b.scalarOf(double(steps - 1), ct)});
    ir::Value *lo = b.op("Add", {a, b.op("Mul", {step, constVector(b, up, ct)})});
    ir::Value *hi = b.op("Sub", {e, b.op("Mul", {step, constVector(b, down, ct)})});
    ir::Value *mask = b.constant(ir::Tensor::fromVector(ScalarType::Bool, {steps}, low));
    y = b.op("Where", {mask, lo, hi});
  }
  return one(dtypeOf(y) == t ? y : b.cast(y, t));
}

/// linspace(start, end, steps, dtype?, ...) with constant arguments: the values torch computes
/// (start + i*step for the first half, end - (steps-1-i)*step for the rest; integer dtypes
/// truncate start and end first and the values after), as a constant.
Result linspace(Ctx &ctx) {
  auto start = ctx.constFloat(0), end = ctx.constFloat(1);
  auto steps = ctx.constInt(2);
  if (!steps)
    return ctx.unsupported("linspace with runtime steps");
  if (*steps < 0)
    return ctx.error("number of steps must be non-negative");
  TS2ONNX_ASSIGN_OR_RETURN(ScalarType t, createdType(ctx, 3, nullptr, ScalarType::Float32));
  if (!ir::isFloatingType(t) && t != ScalarType::Int64 && t != ScalarType::Int32 &&
      t != ScalarType::Int16 && t != ScalarType::Int8 && t != ScalarType::UInt8)
    return ctx.unsupported(fmt::format("linspace of dtype {}", ir::scalarTypeName(t)));
  if (!start || !end)
    return linspaceRuntime(ctx, *steps, t);
  double a = *start, e = *end;
  if (!ir::isFloatingType(t)) {
    a = std::trunc(a);
    e = std::trunc(e);
  }
  std::vector<double> v;
  if (*steps == 1)
    v.push_back(a);
  else if (*steps > 1) {
    double step = (e - a) / double(*steps - 1);
    int64_t half = *steps / 2;
    for (int64_t i = 0; i < *steps; ++i)
      v.push_back(i < half ? a + step * double(i) : e - step * double(*steps - i - 1));
  }
  return one(constVector(ctx.b, v, t));
}

/// hann_window(N, periodic=True, dtype?, ...) with a constant N: 0.5 - 0.5 cos(2 pi n / M) with
/// M = N (periodic) or N - 1, as a constant.
Result hannWindow(Ctx &ctx) {
  auto n = ctx.constInt(0);
  if (!n)
    return ctx.unsupported("hann_window with a runtime window_length");
  if (*n < 0)
    return ctx.error("window_length must be non-negative");
  bool periodicForm = ctx.input(1)->type()->is(ir::TypeKind::Bool);
  bool periodic = true;
  if (periodicForm) {
    auto p = ctx.constBool(1);
    if (!p)
      return ctx.unsupported("hann_window with a runtime periodic");
    periodic = *p;
  }
  TS2ONNX_ASSIGN_OR_RETURN(ScalarType t,
                           createdType(ctx, periodicForm ? 2 : 1, nullptr, ScalarType::Float32));
  if (!ir::isFloatingType(t))
    return ctx.error("hann_window expects a floating point dtype");
  std::vector<double> v;
  if (*n == 1)
    v.push_back(1);
  else if (*n > 1) {
    int64_t len = periodic ? *n + 1 : *n;
    for (int64_t i = 0; i < *n; ++i)
      v.push_back(0.5 - 0.5 * std::cos(double(i) * (M_PI * 2.0 / double(len - 1))));
  }
  return one(constVector(ctx.b, v, t));
}

/// eye(n, [m,] dtype?, ...): EyeLike of an n x m tensor. onnxruntime's EyeLike has float,
/// double, int32 and int64 kernels; other dtypes are cast from float (exact for 0 and 1).
Result eye(Ctx &ctx) {
  bool hasM = ctx.numInputs() == 6;
  TS2ONNX_ASSIGN_OR_RETURN(ScalarType t,
                           createdType(ctx, hasM ? 2 : 1, nullptr, ScalarType::Float32));
  OnnxBuilder &b = ctx.b;
  ir::Value *shape;
  auto n = ctx.constInt(0);
  auto m = hasM ? ctx.constInt(1) : n;
  if (n && m) {
    shape = b.int64s({*n, *m});
  } else {
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * rows, intScalar(ctx, 0));
    ir::Value *cols = rows;
    if (hasM) {
      TS2ONNX_ASSIGN_OR_RETURN(cols, intScalar(ctx, 1));
    }
    shape = b.concat({b.unsqueeze(rows, {0}), b.unsqueeze(cols, {0})}, 0);
  }
  bool native = t == ScalarType::Float32 || t == ScalarType::Float64 || t == ScalarType::Int32 ||
                t == ScalarType::Int64;
  ScalarType kernel = native ? t : ScalarType::Float32;
  ir::Value *e = b.op("EyeLike", {b.constantOfShape(shape, 0, kernel)});
  return one(native ? e : b.cast(e, t));
}

/// fill(self, value): a tensor of self's shape and dtype filled with value.
Result fill(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto t = dtypeOf(x);
  if (!t)
    return ctx.unsupported("fill of a tensor of unknown dtype");
  return filledWith(ctx, ctx.b.shape(x), 1, *t);
}

} // namespace

void registerCreation(SymbolicRegistry &r) {
  r.add("aten::tensor", 9, tensorOf);
  r.add("aten::as_tensor", 9, asTensorOp);
  r.add("aten::linspace", 9, linspace);
  r.add("aten::hann_window", 9, hannWindow);
  r.add("aten::eye", 9, eye);
  r.add("aten::fill", 9, fill);
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
  r.add("aten::arange", 11, arange11);
}

} // namespace ts2onnx::symbolics
