#include "onnx-passes/ConstantEvaluator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string_view>
#include <vector>

#include "onnx-passes/OnnxRewrite.h"
#include "symbolics/OnnxBuilder.h"

namespace ts2onnx::onnx_passes {

using ir::Dim;
using ir::ScalarType;
using semantics::Dense;
using symbolics::OnnxBuilder;
using symbolics::scalarTypeFromOnnx;

namespace {

bool allStatic(const Dims &d) {
  return std::all_of(d.begin(), d.end(), [](const Dim &x) { return x.isStatic(); });
}

/// Axes of Unsqueeze/Squeeze/Reduce*: the attribute before opset 13, else the second input.
std::optional<std::vector<int64_t>> axesOf(const ir::Node *n) {
  if (auto a = intsAttr(n, "axes"))
    return a;
  if (n->inputs().size() >= 2 && !isNone(n->input(1)))
    return constInts(n->input(1));
  return std::nullopt;
}

/// Element k of `d` as an int64 index (row-major).
std::vector<int64_t> stridesOf(const std::vector<int64_t> &sizes) {
  std::vector<int64_t> st(sizes.size(), 1);
  for (size_t i = sizes.size(); i-- > 1;)
    st[i - 1] = st[i] * sizes[i];
  return st;
}

Dense emptyLike(const Dense &d, std::vector<int64_t> sizes) {
  return Dense{d.dtype, sizes, {}, {}};
}

void copyElem(Dense &out, const Dense &in, int64_t k) {
  if (in.integral())
    out.i.push_back(in.i[size_t(k)]);
  else
    out.f.push_back(in.f[size_t(k)]);
}

std::optional<Dense> gather(const Dense &data, const Dense &idx, int64_t axis) {
  int64_t r = int64_t(data.sizes.size());
  axis = normAxis(axis, r);
  if (axis < 0 || axis >= r || !idx.integral())
    return std::nullopt;
  int64_t outer = 1, inner = 1, n = data.sizes[size_t(axis)];
  for (int64_t i = 0; i < axis; ++i)
    outer *= data.sizes[size_t(i)];
  for (int64_t i = axis + 1; i < r; ++i)
    inner *= data.sizes[size_t(i)];
  std::vector<int64_t> sizes(data.sizes.begin(), data.sizes.begin() + axis);
  sizes.insert(sizes.end(), idx.sizes.begin(), idx.sizes.end());
  sizes.insert(sizes.end(), data.sizes.begin() + axis + 1, data.sizes.end());
  Dense out = emptyLike(data, sizes);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < idx.numel(); ++j) {
      int64_t ix = idx.i[size_t(j)];
      ix = ix < 0 ? ix + n : ix;
      if (ix < 0 || ix >= n)
        return std::nullopt;
      for (int64_t k = 0; k < inner; ++k)
        copyElem(out, data, (o * n + ix) * inner + k);
    }
  return out;
}

std::optional<Dense> concat(const std::vector<Dense> &xs, int64_t axis) {
  if (xs.empty())
    return std::nullopt;
  int64_t r = int64_t(xs[0].sizes.size());
  axis = normAxis(axis, r);
  if (axis < 0 || axis >= r)
    return std::nullopt;
  std::vector<int64_t> sizes = xs[0].sizes;
  sizes[size_t(axis)] = 0;
  for (const Dense &x : xs) {
    if (int64_t(x.sizes.size()) != r || x.dtype != xs[0].dtype)
      return std::nullopt;
    for (int64_t i = 0; i < r; ++i)
      if (i != axis && x.sizes[size_t(i)] != xs[0].sizes[size_t(i)])
        return std::nullopt;
    sizes[size_t(axis)] += x.sizes[size_t(axis)];
  }
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= sizes[size_t(i)];
  for (int64_t i = axis + 1; i < r; ++i)
    inner *= sizes[size_t(i)];
  Dense out = emptyLike(xs[0], sizes);
  for (int64_t o = 0; o < outer; ++o)
    for (const Dense &x : xs) {
      int64_t chunk = x.sizes[size_t(axis)] * inner;
      for (int64_t k = 0; k < chunk; ++k)
        copyElem(out, x, o * chunk + k);
    }
  return out;
}

std::optional<Dense> slice(const Dense &x, std::vector<int64_t> starts, std::vector<int64_t> ends,
                           std::vector<int64_t> axes, std::vector<int64_t> steps) {
  int64_t r = int64_t(x.sizes.size());
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(int64_t(i));
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return std::nullopt;
  std::vector<int64_t> begin(size_t(r), 0), step(size_t(r), 1), sizes = x.sizes;
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t a = normAxis(axes[i], r);
    if (a < 0 || a >= r || steps[i] == 0)
      return std::nullopt;
    int64_t dim = x.sizes[size_t(a)], s = starts[i], e = ends[i], st = steps[i];
    s = s < 0 ? s + dim : s;
    e = e < 0 ? e + dim : e;
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      sizes[size_t(a)] = e > s ? (e - s + st - 1) / st : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      sizes[size_t(a)] = s > e ? (s - e - st - 1) / -st : 0;
    }
    begin[size_t(a)] = s;
    step[size_t(a)] = st;
  }
  Dense out = emptyLike(x, sizes);
  int64_t total = semantics::numelOf(sizes);
  std::vector<int64_t> st = stridesOf(x.sizes), idx(size_t(r), 0);
  for (int64_t k = 0; k < total; ++k) {
    int64_t src = 0;
    for (size_t i = 0; i < size_t(r); ++i)
      src += (begin[i] + idx[i] * step[i]) * st[i];
    copyElem(out, x, src);
    for (size_t i = size_t(r); i-- > 0;) {
      if (++idx[i] < sizes[i])
        break;
      idx[i] = 0;
    }
  }
  return out;
}

std::optional<Dense> expand(const Dense &x, const std::vector<int64_t> &shape) {
  Dense ones{x.dtype, shape, {}, {}};
  // Broadcast against a tensor of the target shape (value ignored).
  Dense zeros = ones;
  zeros.dtype = ScalarType::Int64;
  zeros.i.assign(size_t(semantics::numelOf(shape)), 0);
  if (semantics::numelOf(shape) > kMaxElements)
    return std::nullopt;
  return semantics::broadcast(
      x, zeros, x.dtype, kMaxElements, [](double a, double) { return a; },
      [](int64_t a, int64_t) { return a; });
}

/// A Transpose node's permutation of a rank-`r` input (reversed dims without `perm`), when every
/// entry is in range and there are r of them.
std::optional<std::vector<size_t>> transposePerm(const ir::Node *n, size_t r) {
  std::vector<size_t> perm;
  if (auto p = intsAttr(n, "perm")) {
    for (int64_t v : *p) {
      if (v < 0 || size_t(v) >= r)
        return std::nullopt;
      perm.push_back(size_t(v));
    }
  } else {
    for (size_t i = r; i-- > 0;)
      perm.push_back(i);
  }
  if (perm.size() != r)
    return std::nullopt;
  return perm;
}

} // namespace

/// Transpose of a constant tensor as a view (permuted sizes and strides over the same
/// storage), for the tensors evaluate() would fold; nothing otherwise.
std::optional<ir::Tensor> transposedView(const ir::Node *n) {
  if (n->inputs().size() != 1 || n->outputs().size() != 1 || !isConstTensor(n->input(0)))
    return std::nullopt;
  const ir::Tensor &t = n->input(0)->node()->t(ir::attr::value);
  if (!t.storage() || !semantics::denseSupported(t.dtype()) || t.numel() > kMaxLayoutElements)
    return std::nullopt;
  size_t r = t.sizes().size();
  auto permOpt = transposePerm(n, r);
  if (!permOpt)
    return std::nullopt;
  const std::vector<size_t> &perm = *permOpt;
  std::vector<bool> seen(r, false);
  std::vector<int64_t> sizes(r), strides(r);
  for (size_t i = 0; i < r; ++i) {
    if (seen[perm[i]])
      return std::nullopt;
    seen[perm[i]] = true;
    sizes[i] = t.sizes()[perm[i]];
    strides[i] = t.strides()[perm[i]];
  }
  return ir::Tensor(t.dtype(), std::move(sizes), std::move(strides), t.storageOffset(),
                    t.storage());
}

/// The value of ONNX node `n` whose inputs are all constant tensors (None for omitted optional
/// inputs), if it is one we evaluate.
std::optional<Dense> evaluate(const ir::Node *n) {
  std::string_view k = n->kind().name();
  bool layout = k == "Reshape" || k == "Unsqueeze" || k == "Squeeze" || k == "Flatten" ||
                k == "Transpose" || k == "Cast" || k == "Identity";
  if (n->outputs().size() != 1 || n->inputs().empty() || !n->blocks().empty())
    return std::nullopt;
  std::vector<std::optional<Dense>> in;
  for (const ir::Value *v : n->inputs()) {
    if (isNone(v)) {
      in.emplace_back();
      continue;
    }
    in.push_back(semantics::dense(v, layout ? kMaxLayoutElements : kMaxElements));
    if (!in.back())
      return std::nullopt;
  }
  if (!in[0])
    return std::nullopt;
  Dense &x = *in[0];
  size_t r = x.sizes.size();
  auto outDtype = OnnxBuilder::dtypeOf(n->output());

  if (k == "Identity")
    return x;
  if (k == "Cast") {
    auto to = intAttr(n, "to");
    auto t = to ? scalarTypeFromOnnx(int(*to)) : std::nullopt;
    if (!t || !semantics::denseSupported(*t))
      return std::nullopt;
    return semantics::convert(x, *t);
  }
  if (k == "Shape") {
    std::vector<int64_t> s = x.sizes;
    int64_t rk = int64_t(r);
    int64_t b = std::clamp<int64_t>(normAxis(intAttr(n, "start").value_or(0), rk), 0, rk);
    int64_t e = std::clamp<int64_t>(normAxis(intAttr(n, "end").value_or(rk), rk), 0, rk);
    std::vector<int64_t> v(s.begin() + b, s.begin() + std::max(b, e));
    return Dense{ScalarType::Int64, {int64_t(v.size())}, {}, v};
  }
  if (k == "Size")
    return Dense{ScalarType::Int64, {}, {}, {x.numel()}};
  if (k == "Gather" && in.size() == 2 && in[1])
    return gather(x, *in[1], intAttr(n, "axis").value_or(0));
  if (k == "Concat") {
    std::vector<Dense> xs;
    for (auto &d : in)
      if (d)
        xs.push_back(*d);
    auto axis = intAttr(n, "axis");
    return axis ? concat(xs, *axis) : std::nullopt;
  }
  if (k == "Unsqueeze" || k == "Squeeze") {
    auto axes = axesOf(n);
    std::vector<int64_t> s = x.sizes;
    if (k == "Unsqueeze") {
      if (!axes)
        return std::nullopt;
      int64_t outRank = int64_t(r + axes->size());
      std::vector<int64_t> sorted;
      for (int64_t a : *axes)
        sorted.push_back(normAxis(a, outRank));
      std::sort(sorted.begin(), sorted.end());
      for (int64_t a : sorted) {
        if (a < 0 || a > int64_t(s.size()))
          return std::nullopt;
        s.insert(s.begin() + a, 1);
      }
    } else {
      std::vector<int64_t> keep;
      for (size_t i = 0; i < r; ++i) {
        bool drop = false;
        if (!axes)
          drop = s[i] == 1;
        else
          for (int64_t a : *axes)
            drop |= normAxis(a, int64_t(r)) == int64_t(i);
        if (drop && s[i] != 1)
          return std::nullopt;
        if (!drop)
          keep.push_back(s[i]);
      }
      s = keep;
    }
    x.sizes = s;
    return x;
  }
  if (k == "Reshape" && in.size() == 2 && in[1]) {
    Elems target;
    for (int64_t v : in[1]->i)
      target.push_back(Elem::of(v));
    Dims inDims;
    for (int64_t v : x.sizes)
      inDims.push_back(Dim::known(v));
    auto out = reshapeDims(inDims, target, intAttr(n, "allowzero").value_or(0) != 0);
    if (!out || !allStatic(*out))
      return std::nullopt;
    std::vector<int64_t> s;
    for (const Dim &d : *out)
      s.push_back(d.value);
    if (semantics::numelOf(s) != x.numel())
      return std::nullopt;
    x.sizes = s;
    return x;
  }
  if (k == "Flatten") {
    int64_t a = normAxis(intAttr(n, "axis").value_or(1), int64_t(r));
    if (a < 0 || a > int64_t(r))
      return std::nullopt;
    int64_t outer = 1;
    for (int64_t i = 0; i < a; ++i)
      outer *= x.sizes[size_t(i)];
    x.sizes = {outer, outer ? x.numel() / outer : 0};
    return x;
  }
  if (k == "Transpose") {
    auto perm = transposePerm(n, r);
    if (!perm)
      return std::nullopt;
    return semantics::permute(x, *perm);
  }
  if (k == "Slice") {
    std::vector<int64_t> starts, ends, axes, steps;
    if (auto s = intsAttr(n, "starts")) {
      starts = *s;
      ends = intsAttr(n, "ends").value_or(std::vector<int64_t>{});
      axes = intsAttr(n, "axes").value_or(std::vector<int64_t>{});
    } else {
      if (in.size() < 3 || !in[1] || !in[2])
        return std::nullopt;
      starts = in[1]->i;
      ends = in[2]->i;
      if (in.size() > 3 && in[3])
        axes = in[3]->i;
      if (in.size() > 4 && in[4])
        steps = in[4]->i;
    }
    return slice(x, starts, ends, axes, steps);
  }
  if (k == "ConstantOfShape" || k == "Expand") {
    if (k == "Expand" && (in.size() != 2 || !in[1]))
      return std::nullopt;
    std::vector<int64_t> shape = k == "Expand" ? in[1]->i : x.i;
    if (semantics::numelOf(shape) > kMaxElements)
      return std::nullopt;
    if (k == "Expand")
      return expand(x, shape);
    const ir::AttributeValue *a = n->attribute(ir::attr::value);
    const ir::Tensor *t = a ? a->getIf<ir::Tensor>() : nullptr;
    Dense one{ScalarType::Float32, {}, {0.0}, {}};
    if (t) {
      if (!semantics::denseSupported(t->dtype()) || t->numel() != 1)
        return std::nullopt;
      one = Dense{t->dtype(), {}, {}, {}};
      one.push(ir::isFloatingType(t->dtype()) ? t->doubleAt(0) : double(t->intAt(0)));
    }
    return expand(one, shape);
  }
  if (k == "Range" && in.size() == 3 && in[1] && in[2]) {
    if (x.numel() != 1 || in[1]->numel() != 1 || in[2]->numel() != 1)
      return std::nullopt;
    double start = x.at(0), limit = in[1]->at(0), delta = in[2]->at(0);
    if (delta == 0)
      return std::nullopt;
    int64_t count = std::max<int64_t>(int64_t(std::ceil((limit - start) / delta)), 0);
    if (count > kMaxElements)
      return std::nullopt;
    Dense out{x.dtype, {count}, {}, {}};
    for (int64_t i = 0; i < count; ++i)
      out.push(start + double(i) * delta);
    return out;
  }
  if (in.size() == 1 && (k == "Neg" || k == "Abs" || k == "Not" || k == "Floor" || k == "Ceil" ||
                         k == "Sqrt" || k == "Reciprocal")) {
    if (x.integral() && (k == "Sqrt" || k == "Reciprocal"))
      return std::nullopt;
    Dense out = emptyLike(x, x.sizes);
    for (int64_t i = 0; i < x.numel(); ++i) {
      double v = x.at(i);
      double y = k == "Neg"     ? -v
                 : k == "Abs"   ? std::fabs(v)
                 : k == "Not"   ? double(v == 0)
                 : k == "Floor" ? std::floor(v)
                 : k == "Ceil"  ? std::ceil(v)
                 : k == "Sqrt"  ? std::sqrt(v)
                                : 1.0 / v;
      if (x.integral())
        out.i.push_back(int64_t(y));
      else
        out.f.push_back(x.dtype == ScalarType::Float32 ? double(float(y)) : y);
    }
    return out;
  }
  if (k == "Where" && in.size() == 3 && in[1] && in[2]) {
    auto ab = semantics::broadcast(
        *in[1], *in[2], in[1]->dtype, kMaxElements, [](double, double) { return 0.0; },
        [](int64_t, int64_t) { return int64_t(0); });
    if (!ab || in[1]->dtype != in[2]->dtype)
      return std::nullopt;
    // Select elementwise through index tensors broadcast to the common shape.
    auto iota = [](const Dense &d) {
      Dense ix{ScalarType::Int64, d.sizes, {}, {}};
      for (int64_t i = 0; i < d.numel(); ++i)
        ix.i.push_back(i);
      return ix;
    };
    auto pick = [](int64_t a, int64_t) { return a; };
    auto pickF = [](double a, double) { return a; };
    Dense zero{ScalarType::Int64, ab->sizes, {}, std::vector<int64_t>(size_t(ab->numel()), 0)};
    auto ia =
        semantics::broadcast(iota(*in[1]), zero, ScalarType::Int64, kMaxElements, pickF, pick);
    auto ib =
        semantics::broadcast(iota(*in[2]), zero, ScalarType::Int64, kMaxElements, pickF, pick);
    auto ic = semantics::broadcast(iota(x), zero, ScalarType::Int64, kMaxElements, pickF, pick);
    if (!ia || !ib || !ic || ic->sizes != ab->sizes || ia->sizes != ab->sizes)
      return std::nullopt;
    Dense out = emptyLike(*in[1], ab->sizes);
    for (int64_t i = 0; i < ab->numel(); ++i)
      copyElem(out, x.at(ic->i[size_t(i)]) != 0 ? *in[1] : *in[2],
               x.at(ic->i[size_t(i)]) != 0 ? ia->i[size_t(i)] : ib->i[size_t(i)]);
    return out;
  }
  static const std::vector<std::string_view> kBinary = {"Add",
                                                        "Sub",
                                                        "Mul",
                                                        "Div",
                                                        "Mod",
                                                        "Pow",
                                                        "Min",
                                                        "Max",
                                                        "Equal",
                                                        "Less",
                                                        "Greater",
                                                        "LessOrEqual",
                                                        "GreaterOrEqual",
                                                        "And",
                                                        "Or",
                                                        "Xor"};
  if (in.size() == 2 && in[1] && std::find(kBinary.begin(), kBinary.end(), k) != kBinary.end()) {
    const Dense &y = *in[1];
    bool compare = k == "Equal" || k == "Less" || k == "Greater" || k == "LessOrEqual" ||
                   k == "GreaterOrEqual" || k == "And" || k == "Or" || k == "Xor";
    if (!compare && x.dtype != y.dtype)
      return std::nullopt;
    ScalarType dt = compare ? ScalarType::Bool : x.dtype;
    if (outDtype && *outDtype != dt)
      return std::nullopt;
    bool bad = false;
    auto f = [&](double a, double b) -> double {
      if (k == "Add")
        return a + b;
      if (k == "Sub")
        return a - b;
      if (k == "Mul")
        return a * b;
      if (k == "Div")
        return a / b;
      if (k == "Mod")
        return intAttr(n, "fmod").value_or(0) ? std::fmod(a, b) : a - b * std::floor(a / b);
      if (k == "Pow")
        return std::pow(a, b);
      if (k == "Min")
        return std::min(a, b);
      if (k == "Max")
        return std::max(a, b);
      if (k == "Equal")
        return a == b;
      if (k == "Less")
        return a < b;
      if (k == "Greater")
        return a > b;
      if (k == "LessOrEqual")
        return a <= b;
      if (k == "GreaterOrEqual")
        return a >= b;
      if (k == "And")
        return (a != 0) && (b != 0);
      if (k == "Or")
        return (a != 0) || (b != 0);
      return (a != 0) != (b != 0);
    };
    auto fi = [&](int64_t a, int64_t b) -> int64_t {
      if (k == "Add")
        return a + b;
      if (k == "Sub")
        return a - b;
      if (k == "Mul")
        return a * b;
      if (k == "Div" || k == "Mod") {
        if (b == 0) {
          bad = true;
          return 0;
        }
        if (k == "Div")
          return a / b; // ONNX integer Div truncates, as C++ does
        return intAttr(n, "fmod").value_or(0) ? a % b : semantics::floorMod(a, b);
      }
      if (k == "Pow") {
        bad = true;
        return 0;
      }
      if (k == "Min")
        return std::min(a, b);
      if (k == "Max")
        return std::max(a, b);
      // Comparisons and logic of integral operands.
      return int64_t(f(double(a), double(b)));
    };
    std::optional<Dense> out;
    if (compare && !x.integral()) {
      out = semantics::broadcast(x, y, ScalarType::Float64, kMaxElements, f, fi);
      if (out)
        out = semantics::convert(*out, ScalarType::Bool);
    } else if (compare) {
      out = semantics::broadcast(x, y, ScalarType::Int64, kMaxElements, f, fi);
      if (out)
        out = semantics::convert(*out, ScalarType::Bool);
    } else {
      out = semantics::broadcast(x, y, dt, kMaxElements, f, fi);
    }
    if (bad)
      return std::nullopt;
    return out;
  }
  return std::nullopt;
}
} // namespace ts2onnx::onnx_passes
