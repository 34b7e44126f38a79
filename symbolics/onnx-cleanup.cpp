// onnx-cleanup: ONNX-level simplification after to-onnx.
//
// Given: a graph of onnx:: nodes and prim::Constant tensors (the result of to-onnx), whose
//        values carry the dtypes and (symbolic) dims the symbolics could infer.
// Does:  walks the blocks in order and
//        - evaluates nodes whose inputs are all constant tensors (Gather, Unsqueeze, Squeeze,
//          Concat, Cast, Reshape, Flatten, Transpose, Slice, Shape, Size, Range,
//          ConstantOfShape, Expand, Where, Neg/Abs/Not/Floor/Ceil/Sqrt/Reciprocal,
//          Add/Sub/Mul/Div/Mod/Pow/Min/Max, comparisons and logic) into constants, up to
//          kMaxElements result elements (kMaxLayoutElements for ops that only move data);
//        - tracks the elements of int64 shape vectors symbolically: Shape of a value with
//          known rank gives its dims (static, named like `batch`, or unknown), and Gather,
//          Unsqueeze, Squeeze, Concat, Slice, Cast and trivial arithmetic carry them; a vector
//          whose elements all became static is a constant, so shape arithmetic on static dims
//          folds while dynamic dims stay dynamic;
//        - gives Reshape the dims its target implies (a named dim where it came from one), and
//          a target with a single non-static element becomes a constant with -1 there;
//        - drops Identity, Cast to the input's dtype, Transpose with the identity permutation,
//          Reshape to the input's own dims, and collapses Reshape of Reshape;
//        - refines output types from the ONNX type rules as inputs became more known;
//        then pools equal nodes (cse), removes dead ones (dce), and finally merges constant
//        tensors with equal contents (hashed) into one, hoisted to the top block.
// Result: a smaller equivalent graph. Rounds repeat while something changed (bounded).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"

#include "ir/Status.h"
#include "passes/Passes.h"
#include "semantics/Dense.h"
#include "symbolics/OnnxBuilder.h"
#include "symbolics/Symbolics.h"

namespace ts2onnx::symbolics {
namespace {

using ir::Dim;
using ir::ScalarType;
using semantics::Dense;
using Dims = std::vector<Dim>;

/// One element of an int64 shape vector: a literal value (which may be -1 or 0, as Reshape
/// targets hold), or a dim known only by its symbol, or nothing known.
struct Elem {
  std::optional<int64_t> value;
  std::string symbol;

  static Elem of(int64_t v) { return Elem{v, {}}; }
  static Elem fromDim(const Dim &d) {
    return d.isStatic() ? Elem{d.value, {}} : Elem{std::nullopt, d.symbol};
  }
  Dim dim() const {
    if (value && *value >= 0)
      return Dim::known(*value);
    return symbol.empty() ? Dim::unknown() : Dim::named(symbol);
  }
};
using Elems = std::vector<Elem>;

constexpr int64_t kMaxElements = 1 << 16;
constexpr int64_t kMaxLayoutElements = int64_t(1) << 24;

bool isOnnx(const ir::Node *n, std::string_view op) {
  return n->kind().isNamespace("onnx") && n->kind().name() == op;
}

std::optional<int64_t> intAttr(const ir::Node *n, const char *name) {
  const ir::AttributeValue *a = n->attribute(ir::Symbol::attr(name));
  const int64_t *i = a ? a->getIf<int64_t>() : nullptr;
  return i ? std::optional<int64_t>(*i) : std::nullopt;
}

std::optional<std::vector<int64_t>> intsAttr(const ir::Node *n, const char *name) {
  const ir::AttributeValue *a = n->attribute(ir::Symbol::attr(name));
  const auto *v = a ? a->getIf<std::vector<int64_t>>() : nullptr;
  return v ? std::optional<std::vector<int64_t>>(*v) : std::nullopt;
}

bool isNone(const ir::Value *v) {
  return v->node()->kind() == ir::prim::Constant && !v->node()->hasAttribute(ir::attr::value);
}

bool isConstTensor(const ir::Value *v) {
  const ir::AttributeValue *a = ir::constantValue(v);
  return a && a->getIf<ir::Tensor>();
}

std::optional<std::vector<int64_t>> constInts(const ir::Value *v) {
  auto d = semantics::dense(v, kMaxElements);
  if (!d || !d->integral() || d->sizes.size() > 1)
    return std::nullopt;
  return d->i;
}

bool allStatic(const Dims &d) {
  return std::all_of(d.begin(), d.end(), [](const Dim &x) { return x.isStatic(); });
}

bool allLiteral(const Elems &d) {
  return std::all_of(d.begin(), d.end(), [](const Elem &x) { return x.value.has_value(); });
}

Elems elemsOf(const Dims &d) {
  Elems out;
  for (const Dim &x : d)
    out.push_back(Elem::fromDim(x));
  return out;
}

/// Static equal, or the same symbol.
bool sameDim(const Dim &a, const Dim &b) {
  return (a.isStatic() && b.isStatic() && a.value == b.value) ||
         (a.isSymbolic() && b.isSymbolic() && a.symbol == b.symbol);
}

int64_t normAxis(int64_t a, int64_t rank) { return a < 0 ? a + rank : a; }

/// Axes of Unsqueeze/Squeeze/Reduce*: the attribute before opset 13, else the second input.
std::optional<std::vector<int64_t>> axesOf(const ir::Node *n) {
  if (auto a = intsAttr(n, "axes"))
    return a;
  if (n->inputs().size() >= 2 && !isNone(n->input(1)))
    return constInts(n->input(1));
  return std::nullopt;
}

/// The ONNX dims of a Reshape of `in` (dims, or nullopt) to `target` elements.
std::optional<Dims> reshapeDims(const std::optional<Dims> &in, const Elems &target,
                                bool allowZero) {
  Dims out;
  std::optional<size_t> infer;
  for (size_t i = 0; i < target.size(); ++i) {
    const Elem &t = target[i];
    if (t.value == 0 && !allowZero) {
      if (!in || i >= in->size())
        return std::nullopt;
      out.push_back((*in)[i]);
    } else if (t.value == -1) {
      if (infer)
        return std::nullopt;
      infer = i;
      out.push_back(Dim::unknown());
    } else if (t.value && *t.value < -1) {
      return std::nullopt;
    } else {
      out.push_back(t.dim());
    }
  }
  if (infer && in) {
    // Cancel factors: in = P_in * syms_in, out (without -1) = P_out * syms_out.
    int64_t pin = 1, pout = 1;
    std::vector<std::string> symsIn, symsOut;
    bool ok = true;
    for (const Dim &d : *in) {
      if (d.isStatic())
        pin *= d.value;
      else if (d.isSymbolic())
        symsIn.push_back(d.symbol);
      else
        ok = false;
    }
    for (size_t i = 0; i < out.size() && ok; ++i) {
      if (i == *infer)
        continue;
      if (out[i].isStatic())
        pout *= out[i].value;
      else if (out[i].isSymbolic())
        symsOut.push_back(out[i].symbol);
      else
        ok = false;
    }
    if (ok && pout > 0) {
      for (const std::string &s : symsOut) {
        auto it = std::find(symsIn.begin(), symsIn.end(), s);
        if (it == symsIn.end()) {
          ok = false;
          break;
        }
        symsIn.erase(it);
      }
      if (ok && symsIn.empty() && pin % pout == 0)
        out[*infer] = Dim::known(pin / pout);
      else if (ok && symsIn.size() == 1 && pin == pout)
        out[*infer] = Dim::named(symsIn[0]);
    }
  }
  return out;
}

// --- constant evaluation ----------------------------------------------------------------------

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
        int64_t m = a % b;
        if (!intAttr(n, "fmod").value_or(0) && m != 0 && ((m < 0) != (b < 0)))
          m += b;
        return m;
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

/// The better of what two types know about a tensor (dtype, rank, each dim).
ir::TypePtr refine(const ir::TypePtr &old, const ir::TypePtr &now) {
  if (!old->isTensor() || !now->isTensor())
    return old;
  ir::TensorInfo info = old->tensorInfo();
  const ir::TensorInfo &n = now->tensorInfo();
  bool changed = false;
  if (!info.dtype && n.dtype) {
    info.dtype = n.dtype;
    changed = true;
  }
  if (!info.sizes && n.sizes) {
    info.sizes = n.sizes;
    changed = true;
  } else if (info.sizes && n.sizes && info.sizes->size() == n.sizes->size()) {
    for (size_t i = 0; i < info.sizes->size(); ++i) {
      Dim &o = (*info.sizes)[i];
      const Dim &d = (*n.sizes)[i];
      if ((!o.isStatic() && d.isStatic()) || (!o.isStatic() && !o.isSymbolic() && d.isSymbolic())) {
        o = d;
        changed = true;
      }
    }
  }
  return changed ? ir::Type::tensor(std::move(info)) : old;
}

/// A constant tensor's coarse identity: dtype, sizes and a hash of a sample of its bytes (at
/// most kSampleWindows windows spread over the data). Equal tensors have equal keys; a full
/// hash and comparison are only needed when keys collide, so distinct weights are never read
/// whole (nor their lazy bytes generated).
struct SampleKey {
  ScalarType dtype;
  std::vector<int64_t> sizes;
  size_t sample;
  bool operator==(const SampleKey &o) const {
    return dtype == o.dtype && sizes == o.sizes && sample == o.sample;
  }
  template <typename H> friend H AbslHashValue(H h, const SampleKey &k) {
    return H::combine(std::move(h), k.dtype, k.sizes, k.sample);
  }
};

constexpr size_t kSampleWindows = 32;
constexpr size_t kSampleWindowBytes = 64; // a multiple of every element size

/// Contiguous bytes of a constant tensor, read on demand.
class ConstBytes {
public:
  explicit ConstBytes(const ir::Tensor &t) : t_(t) {}
  size_t size() const { return t_.nbytes(); }
  void read(size_t offset, uint8_t *out, size_t n) const { t_.readBytes(offset, out, n); }
  /// All bytes (materializing a lazy tensor, gathering a strided one).
  std::string_view all() {
    const uint8_t *p = nullptr;
    if (t_.isContiguous()) {
      p = t_.data();
    } else {
      if (gathered_.empty())
        gathered_ = t_.contiguousBytes();
      p = gathered_.data();
    }
    return std::string_view(reinterpret_cast<const char *>(p), size());
  }
  size_t sampleHash() {
    size_t n = size();
    if (n <= kSampleWindows * kSampleWindowBytes)
      return absl::HashOf(all());
    // Window starts spread evenly, aligned to the window size; the last ends at the end.
    size_t windows = n / kSampleWindowBytes;
    uint8_t buf[kSampleWindowBytes];
    size_t h = absl::HashOf(n);
    for (size_t i = 0; i < kSampleWindows; ++i) {
      size_t w = i * (windows - 1) / (kSampleWindows - 1);
      size_t off = std::min(w * kSampleWindowBytes, n - kSampleWindowBytes);
      read(off, buf, kSampleWindowBytes);
      h = absl::HashOf(h, std::string_view(reinterpret_cast<const char *>(buf), sizeof buf));
    }
    return h;
  }
  size_t fullHash() {
    if (!full_)
      full_ = absl::HashOf(all());
    return *full_;
  }

private:
  const ir::Tensor &t_;
  std::vector<uint8_t> gathered_;
  std::optional<size_t> full_;
};

class Cleanup {
public:
  /// `foldParameters` false (torch's do_constant_folding=False) leaves ops that read model
  /// parameters (named constants) unevaluated; shape arithmetic still folds.
  Cleanup(ir::Graph &g, int opset, bool foldParameters)
      : g_(g), b_(g, opset), foldParameters_(foldParameters) {}

  /// One round over every block; true when anything changed.
  bool round() {
    shapes_.clear();
    changed_ = false;
    walk(g_.block());
    return changed_;
  }

  /// Merges constant tensors with equal contents; the kept one moves to the top block.
  /// Named constants (parameters) become graph inputs without export-params: `keepNamed` false
  /// leaves them alone.
  bool dedupConstants(bool keepNamed) {
    std::vector<ir::Node *> constants;
    collectConstants(g_.block(), constants);
    struct Kept {
      ir::Value *value;
      std::unique_ptr<ConstBytes> bytes;
    };
    std::vector<Kept> kept; // kept constants are never destroyed here
    absl::flat_hash_map<SampleKey, std::vector<size_t>> seen;
    bool changed = false;
    for (ir::Node *c : constants) {
      const ir::Tensor &t = c->t(ir::attr::value);
      if (!t.storage() || (!keepNamed && c->output()->hasDebugName()))
        continue;
      auto bytes = std::make_unique<ConstBytes>(t);
      std::vector<size_t> &group = seen[SampleKey{t.dtype(), t.sizes(), bytes->sampleHash()}];
      ir::Value *same = nullptr;
      for (size_t i : group) {
        ConstBytes &other = *kept[i].bytes;
        if (other.fullHash() == bytes->fullHash() && other.all() == bytes->all()) {
          same = kept[i].value;
          break;
        }
      }
      if (!same) {
        group.push_back(kept.size());
        kept.push_back({c->output(), std::move(bytes)});
        continue;
      }
      // Collected in program order, so the first of a kind dominates the others unless it sits
      // in a nested block; then it moves to the top.
      if (same->node()->owningBlock() != g_.block())
        same->node()->moveBefore(*g_.block()->nodes().begin());
      c->output()->replaceAllUsesWith(same);
      c->destroy();
      changed = true;
    }
    return changed;
  }

private:
  void collectConstants(ir::Block *b, std::vector<ir::Node *> &out) {
    for (ir::Node *n : b->nodes()) {
      if (n->kind() == ir::prim::Constant && isConstTensor(n->output()))
        out.push_back(n);
      for (ir::Block *sub : n->blocks())
        collectConstants(sub, out);
    }
  }

  void walk(ir::Block *block) {
    for (auto it = block->nodes().begin(); it != block->nodes().end();) {
      ir::Node *n = *it;
      ++it;
      for (ir::Block *sub : n->blocks())
        walk(sub);
      if (!n->kind().isNamespace("onnx") || n->hasAttribute(ir::Symbol::attr("domain")))
        continue;
      if (!n->blocks().empty())
        continue;
      refineTypes(n);
      if (ir::Value *r = simplify(n)) {
        ir::Value *out = n->output(0);
        out->replaceAllUsesWith(r);
        n->destroy();
        changed_ = true;
      }
    }
  }

  void refineTypes(ir::Node *n) {
    std::vector<ir::TypePtr> old;
    for (ir::Value *o : n->outputs())
      old.push_back(o->type());
    OnnxBuilder::inferTypes(n);
    for (size_t i = 0; i < old.size(); ++i) {
      ir::TypePtr now = n->output(i)->type();
      ir::TypePtr merged = refine(old[i], now);
      n->output(i)->setType(merged);
    }
  }

  /// A 0-d or 1-d int64 constant with `v`.
  ir::Value *intConstant(const std::vector<int64_t> &v, bool scalar) {
    if (scalar)
      return b_.int64Scalar(v.at(0));
    return b_.int64s(v);
  }

  /// Symbolic elements of an int64 vector (0-d: one element), when known.
  std::optional<Elems> shapeOf(const ir::Value *v) {
    if (auto it = shapes_.find(v); it != shapes_.end())
      return it->second;
    auto c = semantics::dense(v, 64);
    if (!c || c->dtype != ScalarType::Int64 || c->sizes.size() > 1)
      return std::nullopt;
    Elems d;
    for (int64_t x : c->i)
      d.push_back(Elem::of(x));
    return d;
  }

  static bool isScalar(const ir::Value *v) {
    auto r = OnnxBuilder::rankOf(v);
    return r && *r == 0;
  }

  /// The symbolic value of a shape-vector node, if it is one.
  std::optional<Elems> symbolic(const ir::Node *n) {
    if (n->inputs().empty()) // SequenceEmpty, Constant-like nodes
      return std::nullopt;
    std::string_view k = n->kind().name();
    const ir::Value *x = n->input(0);
    if (k == "Shape") {
      auto d = OnnxBuilder::dimsOf(x);
      if (!d)
        return std::nullopt;
      int64_t r = int64_t(d->size());
      int64_t b = std::clamp<int64_t>(normAxis(intAttr(n, "start").value_or(0), r), 0, r);
      int64_t e = std::clamp<int64_t>(normAxis(intAttr(n, "end").value_or(r), r), 0, r);
      return elemsOf(Dims(d->begin() + b, d->begin() + std::max(b, e)));
    }
    if (k == "Cast") {
      if (intAttr(n, "to").value_or(0) != onnxDataType(ScalarType::Int64))
        return std::nullopt;
      return shapeOf(x);
    }
    if (k == "Gather") {
      auto d = shapeOf(x);
      auto idx = semantics::dense(n->input(1), 64);
      auto xr = OnnxBuilder::rankOf(x);
      if (!d || !idx || !idx->integral() || idx->sizes.size() > 1 ||
          intAttr(n, "axis").value_or(0) != 0 || !xr || *xr != 1)
        return std::nullopt;
      Elems out;
      for (int64_t i : idx->i) {
        i = i < 0 ? i + int64_t(d->size()) : i;
        if (i < 0 || i >= int64_t(d->size()))
          return std::nullopt;
        out.push_back((*d)[size_t(i)]);
      }
      return out;
    }
    if (k == "Unsqueeze" || k == "Squeeze") {
      // 0-d <-> 1-element 1-d only.
      auto d = shapeOf(x);
      auto r = OnnxBuilder::rankOf(n->output());
      if (!d || d->size() != 1 || !r || *r + (k == "Unsqueeze" ? 0 : 1) != 1 ||
          isScalar(x) != (k == "Unsqueeze"))
        return std::nullopt;
      return d;
    }
    if (k == "Concat") {
      if (intAttr(n, "axis").value_or(-1) != 0)
        return std::nullopt;
      Elems out;
      for (const ir::Value *v : n->inputs()) {
        auto d = shapeOf(v);
        auto r = OnnxBuilder::rankOf(v);
        if (!d || !r || *r != 1)
          return std::nullopt;
        out.insert(out.end(), d->begin(), d->end());
      }
      return out;
    }
    if (k == "Slice" && n->inputs().size() >= 3) {
      auto d = shapeOf(x);
      auto s = constInts(n->input(1)), e = constInts(n->input(2));
      if (!d || !s || !e || s->size() != 1 || e->size() != 1)
        return std::nullopt;
      if (n->inputs().size() > 3 && !isNone(n->input(3))) {
        auto a = constInts(n->input(3));
        if (!a || a->size() != 1 || ((*a)[0] != 0 && (*a)[0] != -1))
          return std::nullopt;
      }
      if (n->inputs().size() > 4 && !isNone(n->input(4))) {
        auto st = constInts(n->input(4));
        if (!st || st->size() != 1 || (*st)[0] != 1)
          return std::nullopt;
      }
      int64_t r = int64_t(d->size());
      int64_t b = std::clamp<int64_t>(normAxis((*s)[0], r), 0, r);
      int64_t en = std::clamp<int64_t>(normAxis((*e)[0], r), 0, r);
      return Elems(d->begin() + b, d->begin() + std::max(b, en));
    }
    if ((k == "Mul" || k == "Add" || k == "Sub" || k == "Div") && n->inputs().size() == 2) {
      auto a = shapeOf(n->input(0)), c = shapeOf(n->input(1));
      if (!a || !c || (a->size() != c->size() && a->size() != 1 && c->size() != 1))
        return std::nullopt;
      size_t len = std::max(a->size(), c->size());
      Elems out;
      for (size_t i = 0; i < len; ++i) {
        const Elem &p = (*a)[a->size() == 1 ? 0 : i], &q = (*c)[c->size() == 1 ? 0 : i];
        if (p.value && q.value) {
          int64_t x = *p.value, y = *q.value;
          if (k == "Div" && y == 0)
            return std::nullopt;
          out.push_back(Elem::of(k == "Mul"   ? x * y
                                 : k == "Add" ? x + y
                                 : k == "Sub" ? x - y
                                              : x / y));
        } else if (q.value == ((k == "Mul" || k == "Div") ? 1 : 0)) {
          out.push_back(p);
        } else if ((k == "Mul" && p.value == 1) || (k == "Add" && p.value == 0)) {
          out.push_back(q);
        } else {
          out.push_back(Elem{});
        }
      }
      return out;
    }
    return std::nullopt;
  }

  /// The value `n`'s single output can be replaced by, or nullptr. May rewrite `n` in place.
  ir::Value *simplify(ir::Node *n) {
    std::string_view k = n->kind().name();
    if (n->outputs().size() != 1)
      return nullptr;
    ir::Value *out = n->output();
    if (k == "Identity")
      return n->input(0);
    // Whole-constant evaluation.
    bool allConst = !n->inputs().empty();
    for (const ir::Value *v : n->inputs())
      allConst &= (isNone(v) || isConstTensor(v)) && (foldParameters_ || !v->hasDebugName());
    if (allConst && k == "Transpose") {
      // A transposed constant is a strided view of the same bytes: nothing is copied here,
      // and the writer gathers it chunk by chunk (a transposed weight is never whole twice).
      if (auto view = transposedView(n)) {
        ir::WithInsertPoint guard(n);
        ir::Value *c = b_.constant(*view);
        c->node()->setSourceLocation(n->sourceLocation());
        return c;
      }
    }
    if (allConst && k != "Shape") {
      ir::WithInsertPoint guard(n);
      if (auto d = evaluate(n)) {
        ir::Value *c = b_.constant(semantics::toTensor(*d));
        c->node()->setSourceLocation(n->sourceLocation());
        return c;
      }
    }
    if (k == "Shape" && isConstTensor(n->input(0))) {
      ir::WithInsertPoint guard(n);
      if (auto d = evaluate(n))
        return b_.constant(semantics::toTensor(*d));
    }
    // Symbolic shape vectors.
    if (auto d = symbolic(n)) {
      if (allLiteral(*d) && OnnxBuilder::rankOf(out) && *OnnxBuilder::rankOf(out) <= 1) {
        std::vector<int64_t> v;
        for (const Elem &x : *d)
          v.push_back(*x.value);
        bool scalar = *OnnxBuilder::rankOf(out) == 0;
        if (!scalar || v.size() == 1) {
          ir::WithInsertPoint guard(n);
          return intConstant(v, scalar);
        }
      }
      shapes_[out] = *d;
    }
    if (k == "Reshape" && n->inputs().size() == 2)
      return simplifyReshape(n);
    if (k == "Cast") {
      auto to = intAttr(n, "to");
      auto dt = OnnxBuilder::dtypeOf(n->input(0));
      if (to && dt && onnxDataType(*dt) == *to)
        return n->input(0);
    }
    if (k == "Transpose") {
      auto perm = intsAttr(n, "perm");
      if (perm) {
        bool identity = true;
        for (size_t i = 0; i < perm->size(); ++i)
          identity &= (*perm)[i] == int64_t(i);
        if (identity)
          return n->input(0);
      }
    }
    return nullptr;
  }

  ir::Value *simplifyReshape(ir::Node *n) {
    ir::Value *x = n->input(0);
    ir::Value *out = n->output();
    bool allowZero = intAttr(n, "allowzero").value_or(0) != 0;
    auto target = shapeOf(n->input(1));
    if (!target)
      return nullptr;
    auto inDims = OnnxBuilder::dimsOf(x);
    auto outDims = reshapeDims(inDims, *target, allowZero);
    if (outDims) {
      auto known = OnnxBuilder::dimsOf(out);
      if (!known || known->size() == outDims->size()) {
        ir::TensorInfo info;
        info.dtype = OnnxBuilder::dtypeOf(x);
        info.sizes = *outDims;
        out->setType(refine(out->type(), ir::Type::tensor(std::move(info))));
      }
      // Reshape to the input's own dims.
      if (inDims && inDims->size() == outDims->size()) {
        bool same = true;
        for (size_t i = 0; i < inDims->size(); ++i)
          same &= sameDim((*inDims)[i], (*outDims)[i]);
        if (same)
          return x;
      }
    }
    // A computed target with one non-static element (after resolving 0 and -1 from the types)
    // becomes a constant with -1 there.
    if (!isConstTensor(n->input(1))) {
      size_t dynamic = 0;
      bool ok = true;
      std::vector<int64_t> v;
      Elems resolved = outDims && outDims->size() == target->size() ? elemsOf(*outDims) : *target;
      for (const Elem &d : resolved) {
        if (d.value) {
          ok &= *d.value > 0;
          v.push_back(*d.value);
        } else {
          ++dynamic;
          v.push_back(-1);
        }
      }
      if (ok && dynamic == 1) {
        ir::WithInsertPoint guard(n);
        n->replaceInput(1, b_.int64s(v));
        changed_ = true;
      }
    }
    // Reshape(Reshape(y, s1), s2) with s2 free of 0 (which would copy from the inner result).
    if (isOnnx(x->node(), "Reshape") && x->uses().size() == 1 && isConstTensor(n->input(1))) {
      auto s2 = constInts(n->input(1));
      if (s2 && std::find(s2->begin(), s2->end(), 0) == s2->end()) {
        n->replaceInput(0, x->node()->input(0));
        changed_ = true;
      }
    }
    return nullptr;
  }

  ir::Graph &g_;
  OnnxBuilder b_;
  absl::flat_hash_map<const ir::Value *, Elems> shapes_;
  bool changed_ = false;
  bool foldParameters_ = true;
};

} // namespace

absl::Status runOnnxCleanup(ir::Graph &graph, const passes::PassOptions &options) {
  Cleanup c(graph, options.targetOpset, options.get("constant-folding").value_or("1") != "0");
  passes::PassOptions none;
  for (int round = 0; round < 8; ++round) {
    bool changed = c.round();
    TS2ONNX_RETURN_IF_ERROR(passes::runCse(graph, none));
    TS2ONNX_RETURN_IF_ERROR(passes::runDce(graph, none));
    if (!changed)
      break;
  }
  c.dedupConstants(options.get("export-params").value_or("1") != "0");
  return passes::runDce(graph, none);
}

} // namespace ts2onnx::symbolics
