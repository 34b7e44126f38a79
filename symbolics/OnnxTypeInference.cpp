// Output types of the ONNX nodes the builder makes: dtype, rank and the static dims that follow
// from the inputs' types and constant inputs. The symbolics need ranks (Transpose perms, negative
// axes before opset 11, Pad) and static dims (adaptive pooling, chunk) of values that torch's
// graphs leave as plain `Tensor`, so each ONNX node carries what can be known about its result.
// Nothing here is required for correctness of the model: unknown stays unknown.
#include <algorithm>
#include <numeric>

#include "semantics/Broadcast.h"
#include "symbolics/OnnxBuilder.h"

namespace ts2onnx::symbolics {

namespace {

using ir::Dim;
using ir::ScalarType;
using Dims = std::vector<Dim>;

std::optional<Dims> dims(const ir::Value *v) { return OnnxBuilder::dimsOf(v); }

const std::vector<int64_t> *intsAttr(const ir::Node *n, const char *name) {
  const ir::AttributeValue *a = n->attribute(ir::Symbol::attr(name));
  return a ? a->getIf<std::vector<int64_t>>() : nullptr;
}

std::optional<int64_t> intAttr(const ir::Node *n, const char *name) {
  const ir::AttributeValue *a = n->attribute(ir::Symbol::attr(name));
  const int64_t *v = a ? a->getIf<int64_t>() : nullptr;
  return v ? std::optional<int64_t>(*v) : std::nullopt;
}

/// Axes from the attribute or (opset 13+) the constant second input.
std::optional<std::vector<int64_t>> axesOf(const ir::Node *n, size_t inputIndex) {
  if (auto *a = intsAttr(n, "axes"))
    return *a;
  if (n->inputs().size() > inputIndex)
    return OnnxBuilder::constInt64s(n->input(inputIndex));
  return std::vector<int64_t>{};
}

/// The broadcast of the inputs' shapes (torch and ONNX broadcast alike).
std::optional<Dims> broadcast(const std::vector<ir::Value *> &ins) {
  std::vector<std::optional<Dims>> shapes;
  for (const ir::Value *v : ins)
    shapes.push_back(dims(v));
  return semantics::broadcastShapes(shapes);
}

Dims unknownDims(int64_t rank) { return Dims(size_t(std::max<int64_t>(rank, 0)), Dim::unknown()); }

/// Spatial output dims of Conv / MaxPool / AveragePool.
/// Conv, QLinearConv (its weight is input 3) and the pools.
std::optional<Dims> windowed(const ir::Node *n, bool isConv, size_t weightInput = 1) {
  auto x = dims(n->input(0));
  if (!x || x->size() < 3)
    return x ? std::optional<Dims>(unknownDims(int64_t(x->size()))) : std::nullopt;
  size_t sp = x->size() - 2;
  Dims out = {(*x)[0], Dim::unknown()};
  std::vector<int64_t> kernel;
  if (auto *k = intsAttr(n, "kernel_shape"))
    kernel = *k;
  else if (isConv) {
    auto w = dims(n->input(weightInput));
    if (w && w->size() == x->size()) {
      for (size_t i = 2; i < w->size(); ++i)
        kernel.push_back((*w)[i].value);
    }
  }
  if (isConv) {
    auto w = dims(n->input(weightInput));
    if (w && !w->empty())
      out[1] = (*w)[0];
  } else {
    out[1] = (*x)[1];
  }
  std::vector<int64_t> strides(sp, 1), dil(sp, 1), pads(2 * sp, 0);
  if (auto *s = intsAttr(n, "strides"))
    strides = *s;
  if (auto *d = intsAttr(n, "dilations"))
    dil = *d;
  if (auto *p = intsAttr(n, "pads"))
    pads = *p;
  bool ceil = intAttr(n, "ceil_mode").value_or(0) != 0;
  for (size_t i = 0; i < sp; ++i) {
    const Dim &in = (*x)[2 + i];
    if (!in.isStatic() || kernel.size() != sp || kernel[i] < 0 || strides.size() != sp ||
        dil.size() != sp || pads.size() != 2 * sp) {
      out.push_back(Dim::unknown());
      continue;
    }
    int64_t eff = dil[i] * (kernel[i] - 1) + 1;
    int64_t num = in.value + pads[i] + pads[sp + i] - eff;
    int64_t o = (ceil ? (num + strides[i] - 1) / strides[i] : num / strides[i]) + 1;
    // torch (and ONNX from 19) drop a last window that starts in the end padding.
    if (ceil && (o - 1) * strides[i] >= in.value + pads[i])
      --o;
    out.push_back(Dim::known(o));
  }
  return out;
}

std::optional<Dims> reduced(const ir::Node *n, const Dims &x, size_t axesInput) {
  auto axes = axesOf(n, axesInput);
  bool keep = intAttr(n, "keepdims").value_or(1) != 0;
  if (!axes)
    return std::nullopt;
  int64_t r = int64_t(x.size());
  std::vector<bool> red(x.size(), axes->empty());
  for (int64_t a : *axes) {
    int64_t d = a < 0 ? a + r : a;
    if (d < 0 || d >= r)
      return std::nullopt;
    red[size_t(d)] = true;
  }
  Dims out;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!red[i])
      out.push_back(x[i]);
    else if (keep)
      out.push_back(Dim::known(1));
  }
  return out;
}

/// Slice with constant starts/ends/axes/steps (attributes before 10, inputs after) of static
/// dims gives static dims; else the rank.
std::optional<Dims> sliced(const ir::Node *n) {
  auto d = dims(n->input(0));
  if (!d)
    return std::nullopt;
  auto get = [&](const char *attr, size_t input) -> std::optional<std::vector<int64_t>> {
    if (auto *a = intsAttr(n, attr))
      return *a;
    if (n->inputs().size() > input)
      return OnnxBuilder::constInt64s(n->input(input));
    return std::nullopt;
  };
  Dims out = *d;
  auto starts = get("starts", 1), ends = get("ends", 2);
  auto axes = get("axes", 3), steps = get("steps", 4);
  if (!starts || !ends || starts->size() != ends->size())
    return unknownDims(int64_t(d->size()));
  if (!axes) {
    axes.emplace();
    for (size_t i = 0; i < starts->size(); ++i)
      axes->push_back(int64_t(i));
  }
  if (!steps)
    steps = std::vector<int64_t>(starts->size(), 1);
  if (axes->size() != starts->size() || steps->size() != starts->size())
    return unknownDims(int64_t(d->size()));
  int64_t r = int64_t(d->size());
  for (size_t i = 0; i < axes->size(); ++i) {
    int64_t a = (*axes)[i] < 0 ? (*axes)[i] + r : (*axes)[i];
    if (a < 0 || a >= r)
      return unknownDims(r);
    const Dim &in = (*d)[size_t(a)];
    int64_t step = (*steps)[i];
    if (!in.isStatic() || step == 0) {
      out[size_t(a)] = Dim::unknown();
      continue;
    }
    int64_t len = in.value;
    auto clampIdx = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v += len;
      return std::min(std::max(v, lo), hi);
    };
    int64_t st, en;
    if (step > 0) {
      st = clampIdx((*starts)[i], 0, len);
      en = clampIdx((*ends)[i], 0, len);
      out[size_t(a)] = Dim::known(std::max<int64_t>(0, (en - st + step - 1) / step));
    } else {
      st = clampIdx((*starts)[i], -1, len - 1);
      en = clampIdx((*ends)[i], -1, len - 1);
      out[size_t(a)] = Dim::known(std::max<int64_t>(0, (st - en - step - 1) / -step));
    }
  }
  return out;
}

} // namespace

void OnnxBuilder::inferTypes(ir::Node *n) {
  if (!n->kind().isNamespace("onnx") || n->outputs().empty() || n->inputs().empty())
    return;
  std::string_view k = n->kind().name();
  ir::Value *x = n->input(0);
  std::optional<ScalarType> dt = dtypeOf(x);
  std::optional<Dims> d = dims(x);
  auto set = [&](std::optional<ScalarType> t, std::optional<Dims> ds, size_t out = 0) {
    setTensorType(n->output(out), t, std::move(ds));
  };
  static const std::set<std::string_view> sameAsInput = {"Relu",
                                                         "Sigmoid",
                                                         "Tanh",
                                                         "Exp",
                                                         "Log",
                                                         "Sqrt",
                                                         "Erf",
                                                         "Neg",
                                                         "Abs",
                                                         "Reciprocal",
                                                         "Floor",
                                                         "Ceil",
                                                         "Sign",
                                                         "LeakyRelu",
                                                         "Elu",
                                                         "Selu",
                                                         "HardSigmoid",
                                                         "HardSwish",
                                                         "Softmax",
                                                         "LogSoftmax",
                                                         "Clip",
                                                         "Identity",
                                                         "Dropout",
                                                         "BatchNormalization",
                                                         "InstanceNormalization",
                                                         "LayerNormalization",
                                                         "GroupNormalization",
                                                         "RMSNormalization",
                                                         "Softplus",
                                                         "Not",
                                                         "Sin",
                                                         "Cos",
                                                         "Round",
                                                         "Trilu",
                                                         "PRelu",
                                                         "CumSum",
                                                         "LpNormalization",
                                                         "Mish",
                                                         "Celu",
                                                         "Softsign",
                                                         "BitwiseNot",
                                                         "Tan",
                                                         "Acos",
                                                         "Asin",
                                                         "Atan",
                                                         "Sinh",
                                                         "Cosh",
                                                         "Asinh",
                                                         "Acosh",
                                                         "Atanh",
                                                         "IsNaN",
                                                         "IsInf"};
  static const std::set<std::string_view> broadcasting = {
      "Add", "Sub", "Mul",  "Div",      "Pow",        "Max",       "Min",
      "Mod", "Sum", "Mean", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor"};
  static const std::set<std::string_view> comparing = {
      "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"};
  if (sameAsInput.count(k)) {
    if (k == "Not" || k == "IsNaN" || k == "IsInf")
      dt = ScalarType::Bool;
    set(dt, d);
  } else if (broadcasting.count(k)) {
    std::optional<ScalarType> t = dt;
    for (const ir::Value *v : n->inputs())
      if (!t)
        t = dtypeOf(v);
    set(t, broadcast(n->inputs()));
  } else if (comparing.count(k)) {
    set(ScalarType::Bool, broadcast(n->inputs()));
  } else if (k == "Where" && n->inputs().size() == 3) {
    set(dtypeOf(n->input(1)) ? dtypeOf(n->input(1)) : dtypeOf(n->input(2)), broadcast(n->inputs()));
  } else if (k == "Cast") {
    auto to = intAttr(n, "to");
    set(to ? scalarTypeFromOnnx(int(*to)) : std::nullopt, d);
  } else if (k == "Shape") {
    set(ScalarType::Int64, Dims{d ? Dim::known(int64_t(d->size())) : Dim::unknown()});
  } else if (k == "Size") {
    set(ScalarType::Int64, Dims{});
  } else if (k == "Gather") {
    auto idx = dims(n->input(1));
    if (!d || !idx)
      return set(dt, std::nullopt);
    int64_t r = int64_t(d->size());
    int64_t axis = intAttr(n, "axis").value_or(0);
    axis = axis < 0 ? axis + r : axis;
    if (axis < 0 || axis >= r)
      return set(dt, std::nullopt);
    Dims out(d->begin(), d->begin() + axis);
    out.insert(out.end(), idx->begin(), idx->end());
    out.insert(out.end(), d->begin() + axis + 1, d->end());
    set(dt, out);
  } else if (k == "GatherElements") {
    set(dt, dims(n->input(1)));
  } else if (k == "Unsqueeze") {
    auto axes = axesOf(n, 1);
    if (!d || !axes)
      return set(dt, std::nullopt);
    int64_t r = int64_t(d->size() + axes->size());
    std::vector<int64_t> norm;
    for (int64_t a : *axes)
      norm.push_back(a < 0 ? a + r : a);
    std::sort(norm.begin(), norm.end());
    Dims out = *d;
    for (int64_t a : norm) {
      if (a < 0 || a > int64_t(out.size()))
        return set(dt, std::nullopt);
      out.insert(out.begin() + a, Dim::known(1));
    }
    set(dt, out);
  } else if (k == "Squeeze") {
    auto axes = axesOf(n, 1);
    if (!d || !axes)
      return set(dt, std::nullopt);
    Dims out;
    int64_t r = int64_t(d->size());
    for (int64_t i = 0; i < r; ++i) {
      bool drop = false;
      if (axes->empty())
        drop = (*d)[i].isStatic() && (*d)[i].value == 1;
      for (int64_t a : *axes)
        drop |= (a < 0 ? a + r : a) == i;
      if (!drop)
        out.push_back((*d)[i]);
    }
    if (axes->empty()) {
      for (const Dim &x : *d)
        if (!x.isStatic())
          return set(dt, std::nullopt);
    }
    set(dt, out);
  } else if (k == "Concat") {
    if (!d)
      return set(dt, std::nullopt);
    int64_t r = int64_t(d->size());
    int64_t axis = intAttr(n, "axis").value_or(0);
    axis = axis < 0 ? axis + r : axis;
    Dims out = *d;
    if (axis < 0 || axis >= r)
      return set(dt, out);
    int64_t total = 0;
    for (const ir::Value *v : n->inputs()) {
      auto vd = dims(v);
      if (!vd || int64_t(vd->size()) != r || !(*vd)[axis].isStatic()) {
        total = -1;
        break;
      }
      total += (*vd)[axis].value;
    }
    out[axis] = total >= 0 ? Dim::known(total) : Dim::unknown();
    set(dt, out);
  } else if (k == "Reshape") {
    auto target = constInt64s(n->input(1));
    if (!target) {
      auto sd = dims(n->input(1));
      return set(dt, sd && sd->size() == 1 && (*sd)[0].isStatic()
                         ? std::optional<Dims>(unknownDims((*sd)[0].value))
                         : std::nullopt);
    }
    Dims out;
    int64_t known = 1, minusOne = -1;
    for (size_t i = 0; i < target->size(); ++i) {
      int64_t t = (*target)[i];
      if (t == 0 && d && i < d->size())
        out.push_back((*d)[i]);
      else if (t > 0)
        out.push_back(Dim::known(t));
      else {
        out.push_back(Dim::unknown());
        if (t == -1)
          minusOne = int64_t(i);
      }
      if (out.back().isStatic())
        known *= out.back().value;
    }
    if (minusOne >= 0 && d) {
      int64_t total = 1;
      bool all = true;
      for (const Dim &x : *d)
        all &= x.isStatic(), total *= x.isStatic() ? x.value : 1;
      if (all && known > 0)
        out[minusOne] = Dim::known(total / known);
    }
    set(dt, out);
  } else if (k == "Flatten") {
    set(dt, unknownDims(2));
  } else if (k == "Transpose") {
    if (!d)
      return set(dt, std::nullopt);
    std::vector<int64_t> perm(d->size());
    if (auto *p = intsAttr(n, "perm"))
      perm = *p;
    else
      std::iota(perm.rbegin(), perm.rend(), 0);
    Dims out;
    for (int64_t p : perm)
      out.push_back(p >= 0 && p < int64_t(d->size()) ? (*d)[p] : Dim::unknown());
    set(dt, out);
  } else if (k == "MatMul" || k == "MatMulInteger") {
    if (k == "MatMulInteger")
      dt = ScalarType::Int32;
    auto b = dims(n->input(1));
    if (!d || !b || d->empty() || b->empty())
      return set(dt, std::nullopt);
    Dims a2 = *d, b2 = *b;
    bool aVec = a2.size() == 1, bVec = b2.size() == 1;
    if (aVec)
      a2.insert(a2.begin(), Dim::known(1));
    if (bVec)
      b2.push_back(Dim::known(1));
    Dims batchA(a2.begin(), a2.end() - 2), batchB(b2.begin(), b2.end() - 2);
    auto batch = semantics::broadcastShapes({batchA, batchB});
    if (!batch)
      return set(dt, std::nullopt);
    Dims out = *batch;
    if (!aVec)
      out.push_back(a2[a2.size() - 2]);
    if (!bVec)
      out.push_back(b2.back());
    set(dt, out);
  } else if (k == "Gemm") {
    auto b = dims(n->input(1));
    if (!d || !b || d->size() != 2 || b->size() != 2)
      return set(dt, unknownDims(2));
    bool ta = intAttr(n, "transA").value_or(0), tb = intAttr(n, "transB").value_or(0);
    set(dt, Dims{(*d)[ta ? 1 : 0], (*b)[tb ? 0 : 1]});
  } else if (k == "Conv" || k == "MaxPool" || k == "AveragePool" || k == "LpPool") {
    set(dt, windowed(n, k == "Conv"));
    if (n->outputs().size() > 1)
      set(ScalarType::Int64, dims(n->output(0)), 1);
  } else if (k == "QLinearConv" && n->inputs().size() >= 8) {
    set(dtypeOf(n->input(7)), windowed(n, true, 3));
  } else if (k == "ConvInteger") {
    set(ScalarType::Int32, windowed(n, true));
  } else if (k == "QuantizeLinear" && n->inputs().size() >= 3) {
    set(dtypeOf(n->input(2)), d);
  } else if (k == "DequantizeLinear") {
    set(ScalarType::Float32, d);
  } else if (k == "ConvTranspose") {
    set(dt, d ? std::optional<Dims>(unknownDims(int64_t(d->size()))) : std::nullopt);
  } else if (k == "GlobalAveragePool" || k == "GlobalMaxPool") {
    if (!d)
      return set(dt, std::nullopt);
    Dims out = *d;
    for (size_t i = 2; i < out.size(); ++i)
      out[i] = Dim::known(1);
    set(dt, out);
  } else if (k.substr(0, 6) == "Reduce") {
    if (!d)
      return set(dt, std::nullopt);
    set(dt, reduced(n, *d, 1));
  } else if (k == "ArgMax" || k == "ArgMin") {
    if (!d)
      return set(ScalarType::Int64, std::nullopt);
    int64_t r = int64_t(d->size());
    int64_t axis = intAttr(n, "axis").value_or(0);
    axis = axis < 0 ? axis + r : axis;
    Dims out;
    for (int64_t i = 0; i < r; ++i) {
      if (i != axis)
        out.push_back((*d)[i]);
      else if (intAttr(n, "keepdims").value_or(1))
        out.push_back(Dim::known(1));
    }
    set(ScalarType::Int64, out);
  } else if (k == "Slice") {
    set(dt, sliced(n));
  } else if (k == "TopK") {
    // Values and int64 indices, the axis dim k (unknown unless k is a constant).
    std::optional<Dims> out = d;
    int64_t axis = intAttr(n, "axis").value_or(-1);
    if (out) {
      int64_t r = int64_t(out->size());
      axis = axis < 0 ? axis + r : axis;
      auto kv = n->inputs().size() > 1 ? constInt64s(n->input(1)) : std::nullopt;
      if (axis >= 0 && axis < r)
        (*out)[size_t(axis)] = kv && kv->size() == 1 ? Dim::known((*kv)[0]) : Dim::unknown();
    }
    set(dt, out, 0);
    set(ScalarType::Int64, out, 1);
  } else if (k == "Split" && d) {
    // The split sizes: attribute `split` (before 13), input 1 (from 13), else equal parts.
    const ir::AttributeValue *a = n->attribute(ir::Symbol::attr("split"));
    std::optional<std::vector<int64_t>> sizes;
    if (const auto *v = a ? a->getIf<std::vector<int64_t>>() : nullptr)
      sizes = *v;
    else if (n->inputs().size() > 1)
      sizes = constInt64s(n->input(1));
    const ir::AttributeValue *ax = n->attribute(ir::Symbol::attr("axis"));
    int64_t axis = ax && ax->getIf<int64_t>() ? *ax->getIf<int64_t>() : 0;
    int64_t r = int64_t(d->size());
    axis = axis < 0 ? axis + r : axis;
    size_t parts = n->outputs().size();
    if (!sizes && axis >= 0 && axis < r && (*d)[size_t(axis)].isStatic() &&
        (*d)[size_t(axis)].value % int64_t(parts) == 0 && n->inputs().size() < 2)
      sizes = std::vector<int64_t>(parts, (*d)[size_t(axis)].value / int64_t(parts));
    for (size_t i = 0; i < parts; ++i) {
      Dims o = *d;
      if (axis >= 0 && axis < r)
        o[size_t(axis)] =
            sizes && sizes->size() == parts ? Dim::known((*sizes)[i]) : Dim::unknown();
      set(dt, axis >= 0 && axis < r ? std::optional<Dims>(o) : std::nullopt, i);
    }
  } else if (k == "Split" || k == "Tile" || k == "Resize" || k == "Upsample" || k == "Pad" ||
             k == "GridSample") {
    for (size_t i = 0; i < n->outputs().size(); ++i)
      set(dt, d ? std::optional<Dims>(unknownDims(int64_t(d->size()))) : std::nullopt, i);
  } else if (k == "Expand") {
    auto sd = dims(n->input(1));
    if (!d || !sd || sd->size() != 1 || !(*sd)[0].isStatic())
      return set(dt, std::nullopt);
    set(dt, unknownDims(std::max<int64_t>(int64_t(d->size()), (*sd)[0].value)));
  } else if (k == "ConstantOfShape") {
    const ir::AttributeValue *a = n->attribute(ir::Symbol::attr("value"));
    const ir::Tensor *t = a ? a->getIf<ir::Tensor>() : nullptr;
    std::optional<ScalarType> ct = t ? std::optional<ScalarType>(t->dtype()) : ScalarType::Float32;
    if (auto c = constInt64s(x)) {
      Dims out;
      for (int64_t v : *c)
        out.push_back(Dim::known(v));
      return set(ct, out);
    }
    set(ct, d && d->size() == 1 && (*d)[0].isStatic()
                ? std::optional<Dims>(unknownDims((*d)[0].value))
                : std::nullopt);
  } else if (k == "Range") {
    set(dt, unknownDims(1));
  } else if ((k == "ScatterND" || k == "ScatterElements") && n->inputs().size() == 3) {
    set(dt, d);
  } else if (k == "GatherND" && n->inputs().size() == 2 && !intAttr(n, "batch_dims").value_or(0)) {
    // indices [B..., m] pick from data's first m dims: B... + data.shape[m:].
    auto idx = dims(n->input(1));
    if (!d || !idx || idx->empty() || !idx->back().isStatic() ||
        idx->back().value > int64_t(d->size()))
      return set(dt, std::nullopt);
    Dims out(idx->begin(), idx->end() - 1);
    out.insert(out.end(), d->begin() + idx->back().value, d->end());
    set(dt, out);
  } else if (k == "EyeLike") {
    auto to = intAttr(n, "dtype");
    set(to ? scalarTypeFromOnnx(int(*to)) : dt, d);
  } else if (k == "OneHot" && n->inputs().size() == 3) {
    // indices' dims with depth inserted at axis; the dtype of the values.
    if (!d)
      return set(dtypeOf(n->input(2)), std::nullopt);
    int64_t axis = intAttr(n, "axis").value_or(-1);
    int64_t r = int64_t(d->size()) + 1;
    if (axis < 0)
      axis += r;
    if (axis < 0 || axis >= r)
      return set(dtypeOf(n->input(2)), std::nullopt);
    Dims out = *d;
    auto depth = constInt64s(n->input(1));
    out.insert(out.begin() + axis,
               depth && depth->size() == 1 ? Dim::known((*depth)[0]) : Dim::unknown());
    set(dtypeOf(n->input(2)), out);
  } else if (k == "Col2Im" && n->inputs().size() == 3) {
    // (N, C * prod(block), L) -> (N, C, image_shape...).
    auto image = constInt64s(n->input(1)), block = constInt64s(n->input(2));
    if (!d || d->size() != 3 || !image || !block)
      return set(dt, std::nullopt);
    int64_t cells = 1;
    for (int64_t v : *block)
      cells *= v;
    Dims out = {(*d)[0], (*d)[1].isStatic() && cells > 0 ? Dim::known((*d)[1].value / cells)
                                                         : Dim::unknown()};
    for (int64_t v : *image)
      out.push_back(Dim::known(v));
    set(dt, out);
  } else if (k == "Attention" && n->inputs().size() >= 3) {
    // 4-D q (B, Hq, L, E) and v (B, Hkv, S, Ev): (B, Hq, L, Ev).
    auto dv = dims(n->input(2));
    if (!d || !dv || d->size() != 4 || dv->size() != 4)
      return set(dt, std::nullopt);
    Dims out = *d;
    out[3] = (*dv)[3];
    set(dt, out);
  } else if (k == "NonZero") {
    set(ScalarType::Int64,
        Dims{d ? Dim::known(int64_t(d->size())) : Dim::unknown(), Dim::unknown()});
  }
}

} // namespace ts2onnx::symbolics
