// fold-constants: constant propagation with a small tensor evaluator.
//
// Given: a frozen, functional graph, best after propagate-shapes (static shapes make shape
//        queries constant, and output types give reshape-like ops their sizes).
// Does:  replaces by a prim::Constant
//        - shape queries with a static answer: aten::size(t[, dim]), aten::dim, aten::numel,
//          prim::dtype, len(size(t)) (also of a constant slice of it) and size(t)[i];
//        - aten::slice of a constant int list;
//        - aten::len / aten::__getitem__ of a constant int list, a prim::ListConstruct of int
//          constants (when no user modifies the list) as an int[] constant;
//        - tensor ops whose inputs are all constants and whose result is small (at most
//          kMaxElements, or kMaxLayoutElements for ops that only move data): t, transpose,
//          permute, reshape/view/flatten/(un)squeeze (sizes from the output type or the
//          arguments), contiguous/clone/detach, to(dtype), type_as, neg, add/sub/mul/div
//          with broadcasting (tensor or number operands), prim::NumToTensor of a number;
//        then runs fold-scalars on what became constant, and repeats while anything changed.
//        Values are computed in double (int64 for integral results); only real dtypes fold.
// Result: fewer nodes; dead inputs are left for dce. Linear per round; rounds are bounded.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

constexpr int64_t kMaxElements = 1 << 16;
constexpr int64_t kMaxLayoutElements = int64_t(1) << 26;

using ir::ScalarType;

const ir::AttributeValue *constantAttr(const ir::Value *v) { return ir::constantValue(v); }

std::optional<int64_t> constInt(const ir::Value *v) {
  if (!v->type()->is(ir::TypeKind::Int) && !v->type()->is(ir::TypeKind::Bool))
    return std::nullopt;
  const ir::AttributeValue *a = constantAttr(v);
  const int64_t *i = a ? a->getIf<int64_t>() : nullptr;
  return i ? std::optional<int64_t>(*i) : std::nullopt;
}

std::optional<std::vector<int64_t>> constInts(const ir::Value *v) {
  const ir::AttributeValue *a = constantAttr(v);
  if (const auto *is = a ? a->getIf<std::vector<int64_t>>() : nullptr)
    return *is;
  if (v->node()->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  std::vector<int64_t> out;
  for (const ir::Value *e : v->node()->inputs()) {
    auto i = constInt(e);
    if (!i)
      return std::nullopt;
    out.push_back(*i);
  }
  return out;
}

bool isNoneConstant(const ir::Value *v) {
  return v->type()->is(ir::TypeKind::None) && v->node()->kind() == ir::prim::Constant;
}

std::optional<std::vector<int64_t>> staticSizes(const ir::Value *v) {
  return ir::staticSizes(*v->type());
}

std::optional<size_t> rankOf(const ir::Value *v) {
  if (!v->type()->isTensor() || !v->type()->tensorInfo().sizes)
    return std::nullopt;
  return v->type()->tensorInfo().sizes->size();
}

// --- dense values -----------------------------------------------------------------------------

/// A constant tensor's elements in row-major order: doubles for floating dtypes, int64 for
/// integral and bool ones.
struct Dense {
  ScalarType dtype;
  std::vector<int64_t> sizes;
  std::vector<double> f;
  std::vector<int64_t> i;

  bool integral() const { return !ir::isFloatingType(dtype); }
  int64_t numel() const { return int64_t(integral() ? i.size() : f.size()); }
  double at(int64_t k) const { return integral() ? double(i[size_t(k)]) : f[size_t(k)]; }
  int64_t atInt(int64_t k) const { return integral() ? i[size_t(k)] : int64_t(f[size_t(k)]); }
};

bool supported(ScalarType t) {
  switch (t) {
  case ScalarType::Bool:
  case ScalarType::UInt8:
  case ScalarType::Int8:
  case ScalarType::Int16:
  case ScalarType::Int32:
  case ScalarType::Int64:
  case ScalarType::Float32:
  case ScalarType::Float64:
    return true;
  default:
    return false;
  }
}

int64_t numelOf(const std::vector<int64_t> &sizes) {
  int64_t n = 1;
  for (int64_t s : sizes)
    n *= s;
  return n;
}

std::optional<Dense> dense(const ir::Value *v, int64_t limit) {
  const ir::AttributeValue *a = constantAttr(v);
  const ir::Tensor *t = a ? a->getIf<ir::Tensor>() : nullptr;
  if (!t || !t->defined() || !t->storage() || !supported(t->dtype()) || t->numel() > limit)
    return std::nullopt;
  Dense d{t->dtype(), t->sizes(), {}, {}};
  if (d.integral()) {
    d.i.resize(size_t(t->numel()));
    for (int64_t k = 0; k < t->numel(); ++k)
      d.i[size_t(k)] = t->intAt(k);
  } else {
    d.f.resize(size_t(t->numel()));
    for (int64_t k = 0; k < t->numel(); ++k)
      d.f[size_t(k)] = t->doubleAt(k);
  }
  return d;
}

template <typename T> void append(std::vector<uint8_t> &out, T v) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.insert(out.end(), b, b + sizeof(T));
}

ir::Tensor toTensor(const Dense &d) {
  std::vector<uint8_t> bytes;
  bytes.reserve(size_t(d.numel()) * ir::elementSize(d.dtype));
  for (int64_t k = 0; k < d.numel(); ++k) {
    switch (d.dtype) {
    case ScalarType::Bool:
      append<uint8_t>(bytes, d.atInt(k) != 0);
      break;
    case ScalarType::UInt8:
      append<uint8_t>(bytes, uint8_t(d.atInt(k)));
      break;
    case ScalarType::Int8:
      append<int8_t>(bytes, int8_t(d.atInt(k)));
      break;
    case ScalarType::Int16:
      append<int16_t>(bytes, int16_t(d.atInt(k)));
      break;
    case ScalarType::Int32:
      append<int32_t>(bytes, int32_t(d.atInt(k)));
      break;
    case ScalarType::Int64:
      append<int64_t>(bytes, d.atInt(k));
      break;
    case ScalarType::Float32:
      append<float>(bytes, float(d.at(k)));
      break;
    default:
      append<double>(bytes, d.at(k));
      break;
    }
  }
  return ir::Tensor::fromBytes(d.dtype, d.sizes, bytes.data());
}

/// `d` converted to `dtype` (truncating toward zero into integral types, as torch does).
Dense convert(const Dense &d, ScalarType dtype) {
  Dense out{dtype, d.sizes, {}, {}};
  for (int64_t k = 0; k < d.numel(); ++k) {
    if (out.integral())
      out.i.push_back(dtype == ScalarType::Bool ? (d.at(k) != 0) : int64_t(std::trunc(d.at(k))));
    else
      out.f.push_back(dtype == ScalarType::Float32 ? double(float(d.at(k))) : d.at(k));
  }
  return out;
}

Dense permute(const Dense &d, const std::vector<size_t> &perm) {
  size_t r = d.sizes.size();
  std::vector<int64_t> inStrides(r, 1), outSizes(r);
  for (size_t i = r; i-- > 1;)
    inStrides[i - 1] = inStrides[i] * d.sizes[i];
  for (size_t i = 0; i < r; ++i)
    outSizes[i] = d.sizes[perm[i]];
  Dense out{d.dtype, outSizes, {}, {}};
  int64_t n = d.numel();
  std::vector<int64_t> idx(r, 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t src = 0;
    for (size_t i = 0; i < r; ++i)
      src += idx[i] * inStrides[perm[i]];
    if (d.integral())
      out.i.push_back(d.i[size_t(src)]);
    else
      out.f.push_back(d.f[size_t(src)]);
    for (size_t i = r; i-- > 0;) {
      if (++idx[i] < outSizes[i])
        break;
      idx[i] = 0;
    }
  }
  return out;
}

/// Result dtype of an arithmetic op: the output's type when shape propagation set it, else the
/// operands' common dtype (a Python float turns an integral tensor into float32).
std::optional<ScalarType> resultDtype(const ir::Node *n, const std::vector<const Dense *> &ts,
                                      bool floatScalar) {
  if (auto dt = n->output()->type()->tensorInfo().dtype)
    return dt;
  ScalarType dt = ts[0]->dtype;
  for (const Dense *t : ts)
    if (t->dtype != dt)
      return std::nullopt;
  if (floatScalar && !ir::isFloatingType(dt))
    return ScalarType::Float32;
  return dt;
}

std::optional<Dense> arithmetic(const ir::Node *n, const std::string &op) {
  // (self, other[, alpha]) for add/sub, (self, other) for mul/div.
  std::vector<std::optional<Dense>> operands;
  operands.reserve(2); // `tensors` points into it
  std::vector<const Dense *> tensors;
  bool floatScalar = false;
  size_t count = (op == "add" || op == "sub") ? 3 : 2;
  if (n->inputs().size() < 2 || n->inputs().size() > count)
    return std::nullopt;
  if (op == "div" && n->inputs().size() == 3)
    return std::nullopt; // rounding modes are left to the runtime
  for (size_t k = 0; k < 2; ++k) {
    const ir::Value *v = n->input(k);
    if (v->type()->isTensor()) {
      operands.push_back(dense(v, kMaxElements));
      if (!operands.back())
        return std::nullopt;
    } else {
      const ir::AttributeValue *a = constantAttr(v);
      if (!a)
        return std::nullopt;
      if (const double *d = a->getIf<double>()) {
        operands.push_back(Dense{ScalarType::Float64, {}, {*d}, {}});
        floatScalar = true;
      } else if (const int64_t *i = a->getIf<int64_t>()) {
        operands.push_back(Dense{ScalarType::Int64, {}, {}, {*i}});
      } else {
        return std::nullopt;
      }
      continue;
    }
    tensors.push_back(&*operands.back());
  }
  if (tensors.empty())
    return std::nullopt;
  double alpha = 1;
  if (n->inputs().size() == 3) {
    const ir::AttributeValue *a = constantAttr(n->input(2));
    if (!a)
      return std::nullopt;
    if (const double *d = a->getIf<double>())
      alpha = *d;
    else if (const int64_t *i = a->getIf<int64_t>())
      alpha = double(*i);
    else
      return std::nullopt;
  }
  auto dt = resultDtype(n, tensors, floatScalar);
  if (!dt || !supported(*dt))
    return std::nullopt;
  if (op == "div" && !ir::isFloatingType(*dt))
    return std::nullopt;
  // Broadcast the two operands.
  const Dense &a = *operands[0], &b = *operands[1];
  size_t r = std::max(a.sizes.size(), b.sizes.size());
  std::vector<int64_t> sa(r, 1), sb(r, 1), out(r);
  std::copy(a.sizes.begin(), a.sizes.end(), sa.begin() + long(r - a.sizes.size()));
  std::copy(b.sizes.begin(), b.sizes.end(), sb.begin() + long(r - b.sizes.size()));
  for (size_t i = 0; i < r; ++i) {
    if (sa[i] != sb[i] && sa[i] != 1 && sb[i] != 1)
      return std::nullopt;
    out[i] = sa[i] == 1 ? sb[i] : sa[i];
  }
  if (numelOf(out) > kMaxElements)
    return std::nullopt;
  std::vector<int64_t> stA(r, 0), stB(r, 0);
  for (int64_t i = int64_t(r) - 1, ma = 1, mb = 1; i >= 0; --i) {
    stA[size_t(i)] = sa[size_t(i)] == 1 ? 0 : ma;
    stB[size_t(i)] = sb[size_t(i)] == 1 ? 0 : mb;
    ma *= sa[size_t(i)];
    mb *= sb[size_t(i)];
  }
  Dense result{*dt, out, {}, {}};
  bool integral = result.integral();
  std::vector<int64_t> idx(r, 0);
  for (int64_t k = 0, total = numelOf(out); k < total; ++k) {
    int64_t ia = 0, ib = 0;
    for (size_t i = 0; i < r; ++i) {
      ia += idx[i] * stA[i];
      ib += idx[i] * stB[i];
    }
    if (integral) {
      int64_t x = a.atInt(ia), y = b.atInt(ib), al = int64_t(alpha), v = 0;
      if (op == "add")
        v = x + al * y;
      else if (op == "sub")
        v = x - al * y;
      else
        v = x * y;
      result.i.push_back(*dt == ScalarType::Bool ? v != 0 : v);
    } else {
      double x = a.at(ia), y = b.at(ib), v = 0;
      if (op == "add")
        v = x + alpha * y;
      else if (op == "sub")
        v = x - alpha * y;
      else if (op == "mul")
        v = x * y;
      else
        v = x / y;
      result.f.push_back(*dt == ScalarType::Float32 ? double(float(v)) : v);
    }
    for (size_t i = r; i-- > 0;) {
      if (++idx[i] < out[i])
        break;
      idx[i] = 0;
    }
  }
  return result;
}

/// Sizes of a reshape-like op: the output type's static sizes, else computed from arguments.
std::optional<std::vector<int64_t>> reshapedSizes(const ir::Node *n, const Dense &in) {
  auto out = staticSizes(n->output());
  std::string_view k = n->kind().name();
  if (!out && (k == "view" || k == "reshape") && n->inputs().size() == 2) {
    auto shape = constInts(n->input(1));
    if (!shape)
      return std::nullopt;
    int64_t known = 1;
    std::optional<size_t> infer;
    for (size_t i = 0; i < shape->size(); ++i) {
      if ((*shape)[i] == -1)
        infer = i;
      else
        known *= (*shape)[i];
    }
    if (infer && known > 0)
      (*shape)[*infer] = in.numel() / known;
    out = shape;
  }
  if (!out && k == "unsqueeze" && n->inputs().size() == 2) {
    auto d = constInt(n->input(1));
    int64_t r = int64_t(in.sizes.size());
    if (!d || *d < -r - 1 || *d > r)
      return std::nullopt;
    std::vector<int64_t> s = in.sizes;
    s.insert(s.begin() + (*d < 0 ? *d + r + 1 : *d), 1);
    out = s;
  }
  if (!out || numelOf(*out) != in.numel())
    return std::nullopt;
  return out;
}

/// The value of tensor op `n` on constant inputs, if it is one we evaluate.
std::optional<Dense> evaluateTensor(const ir::Node *n) {
  if (n->outputs().size() != 1 || !n->output()->type()->isTensor() || n->inputs().empty())
    return std::nullopt;
  std::string name(n->kind().name());
  if (n->kind() == ir::prim::NumToTensor) {
    const ir::AttributeValue *a = constantAttr(n->input(0));
    if (!a)
      return std::nullopt;
    if (n->input(0)->type()->is(ir::TypeKind::Int))
      return Dense{ScalarType::Int64, {}, {}, {a->get<int64_t>()}};
    if (n->input(0)->type()->is(ir::TypeKind::Bool))
      return Dense{ScalarType::Bool, {}, {}, {a->get<int64_t>()}};
    if (n->input(0)->type()->is(ir::TypeKind::Float))
      return Dense{ScalarType::Float64, {}, {a->get<double>()}, {}};
    return std::nullopt;
  }
  if (!n->kind().isNamespace("aten") || !n->input(0)->type()->isTensor())
    return std::nullopt;
  if (name == "add" || name == "sub" || name == "mul" || name == "div")
    return arithmetic(n, name);
  bool layout = name == "t" || name == "transpose" || name == "permute" || name == "reshape" ||
                name == "view" || name == "flatten" || name == "unsqueeze" || name == "squeeze" ||
                name == "contiguous" || name == "clone" || name == "detach" || name == "to" ||
                name == "type_as" || name == "neg";
  if (!layout)
    return std::nullopt;
  auto in = dense(n->input(0), name == "neg" ? kMaxElements : kMaxLayoutElements);
  if (!in)
    return std::nullopt;
  size_t r = in->sizes.size();
  if (name == "contiguous" || name == "clone" || name == "detach")
    return in;
  if (name == "neg") {
    for (double &x : in->f)
      x = -x;
    for (int64_t &x : in->i)
      x = -x;
    return in->dtype == ScalarType::Bool ? std::nullopt : in;
  }
  if (name == "to" || name == "type_as") {
    // Only dtype conversions: to(self, dtype, ...), to(self, device, dtype, ...), type_as.
    std::optional<ScalarType> target;
    if (name == "type_as")
      target = n->input(1)->type()->tensorInfo().dtype;
    else if (n->inputs().size() >= 5) {
      const ir::Value *t = n->inputs().size() == 6 ? n->input(2) : n->input(1);
      if (isNoneConstant(t))
        target = in->dtype;
      else if (auto code = constInt(t); code && *code >= 0 && *code < ir::kNumScalarTypes)
        target = static_cast<ScalarType>(*code);
      else if (t->type()->isTensor())
        target = t->type()->tensorInfo().dtype;
    }
    if (!target || !supported(*target))
      return std::nullopt;
    return convert(*in, *target);
  }
  if (name == "t" || name == "transpose") {
    std::vector<size_t> perm(r);
    for (size_t i = 0; i < r; ++i)
      perm[i] = i;
    if (name == "t") {
      if (r < 2)
        return in;
      if (r != 2)
        return std::nullopt;
      std::swap(perm[0], perm[1]);
    } else {
      auto a = constInt(n->input(1)), b = constInt(n->input(2));
      if (!a || !b || r == 0)
        return std::nullopt;
      int64_t x = *a < 0 ? *a + int64_t(r) : *a, y = *b < 0 ? *b + int64_t(r) : *b;
      if (x < 0 || y < 0 || x >= int64_t(r) || y >= int64_t(r))
        return std::nullopt;
      std::swap(perm[size_t(x)], perm[size_t(y)]);
    }
    return permute(*in, perm);
  }
  if (name == "permute") {
    auto dims = constInts(n->input(1));
    if (!dims || dims->size() != r)
      return std::nullopt;
    std::vector<size_t> perm;
    std::vector<bool> seen(r, false);
    for (int64_t d : *dims) {
      int64_t x = d < 0 ? d + int64_t(r) : d;
      if (x < 0 || x >= int64_t(r) || seen[size_t(x)])
        return std::nullopt;
      seen[size_t(x)] = true;
      perm.push_back(size_t(x));
    }
    return permute(*in, perm);
  }
  // reshape-like: same elements, new sizes.
  auto sizes = reshapedSizes(n, *in);
  if (!sizes)
    return std::nullopt;
  in->sizes = *sizes;
  return in;
}

// --- shape queries and int lists ---------------------------------------------------------------

struct IntResult {
  std::optional<int64_t> scalar;
  std::optional<std::vector<int64_t>> list;
};

/// The elements `start:end:step` (positive step, constant or None bounds) of aten::slice.t `n`
/// select from a list of `size`, as Python clamps them.
struct SliceRange {
  int64_t start, end, step;
};
std::optional<SliceRange> sliceRange(const ir::Node *n, int64_t size) {
  auto bound = [&](size_t i, int64_t dflt) -> std::optional<int64_t> {
    if (n->input(i)->type()->is(ir::TypeKind::None))
      return dflt;
    auto c = constInt(n->input(i));
    if (!c)
      return std::nullopt;
    return std::min(std::max(*c < 0 ? *c + size : *c, int64_t(0)), size);
  };
  auto start = bound(1, 0), end = bound(2, size);
  auto step = constInt(n->input(3));
  if (!start || !end || !step || *step <= 0)
    return std::nullopt;
  return SliceRange{*start, std::max(*start, *end), *step};
}

/// The length of an int list: the rank of `size(t)`, a constant list, a ListConstruct nothing
/// modifies, or a constant slice of one of those.
std::optional<int64_t> intListLength(const ir::Value *v) {
  const ir::Node *p = v->node();
  std::string_view k = p->kind().qualString();
  if (k == "aten::size" && p->inputs().size() == 1) {
    if (auto r = rankOf(p->input(0)))
      return int64_t(*r);
    return std::nullopt;
  }
  const ir::AttributeValue *a = constantAttr(v);
  if (const auto *is = a ? a->getIf<std::vector<int64_t>>() : nullptr)
    return int64_t(is->size());
  if (p->kind() == ir::prim::ListConstruct) {
    for (const ir::Use &u : v->uses())
      if (u.user->hasSideEffects())
        return std::nullopt;
    return int64_t(p->inputs().size());
  }
  if (k == "aten::slice" && p->inputs().size() == 4 && v->type()->is(ir::TypeKind::List)) {
    auto inner = intListLength(p->input(0));
    auto range = inner ? sliceRange(p, *inner) : std::nullopt;
    if (!range)
      return std::nullopt;
    return (range->end - range->start + range->step - 1) / range->step;
  }
  return std::nullopt;
}

std::optional<IntResult> evaluateShape(const ir::Node *n) {
  if (n->outputs().size() != 1)
    return std::nullopt;
  std::string_view k = n->kind().qualString();
  const auto &in = n->inputs();
  if (k == "aten::size" && !in.empty() && in[0]->type()->isTensor()) {
    if (in.size() == 1) {
      if (auto s = staticSizes(in[0]))
        return IntResult{std::nullopt, *s};
      return std::nullopt;
    }
    auto d = constInt(in[1]);
    auto r = rankOf(in[0]);
    if (!d || !r)
      return std::nullopt;
    int64_t i = *d < 0 ? *d + int64_t(*r) : *d;
    if (i < 0 || i >= int64_t(*r))
      return std::nullopt;
    const ir::Dim &dim = (*in[0]->type()->tensorInfo().sizes)[size_t(i)];
    if (!dim.isStatic())
      return std::nullopt;
    return IntResult{dim.value, std::nullopt};
  }
  if (k == "aten::dim" && in.size() == 1) {
    if (auto r = rankOf(in[0]))
      return IntResult{int64_t(*r), std::nullopt};
    return std::nullopt;
  }
  if (k == "aten::numel" && in.size() == 1) {
    if (auto s = staticSizes(in[0]))
      return IntResult{numelOf(*s), std::nullopt};
    return std::nullopt;
  }
  if (k == "prim::dtype" && in.size() == 1 && in[0]->type()->isTensor()) {
    if (auto dt = in[0]->type()->tensorInfo().dtype)
      return IntResult{int64_t(*dt), std::nullopt};
    return std::nullopt;
  }
  if (k == "aten::len" && in.size() == 1) {
    if (auto len = intListLength(in[0]))
      return IntResult{*len, std::nullopt};
    return std::nullopt;
  }
  if (k == "aten::slice" && in.size() == 4 && in[0]->type()->is(ir::TypeKind::List)) {
    // aten::slice.t of a constant int list: the constant sublist.
    const ir::AttributeValue *a = constantAttr(in[0]);
    const auto *is = a ? a->getIf<std::vector<int64_t>>() : nullptr;
    auto range = is ? sliceRange(n, int64_t(is->size())) : std::nullopt;
    if (!range)
      return std::nullopt;
    std::vector<int64_t> out;
    for (int64_t i = range->start; i < range->end; i += range->step)
      out.push_back((*is)[size_t(i)]);
    return IntResult{std::nullopt, out};
  }
  if (k == "aten::__getitem__" && in.size() == 2 && in[0]->type()->is(ir::TypeKind::List)) {
    auto i = constInt(in[1]);
    if (!i)
      return std::nullopt;
    std::optional<std::vector<int64_t>> list;
    const ir::Node *p = in[0]->node();
    if (const ir::AttributeValue *a = constantAttr(in[0]))
      if (const auto *is = a->getIf<std::vector<int64_t>>())
        list = *is;
    if (!list && p->kind().qualString() == "aten::size" && p->inputs().size() == 1) {
      // One static dim of a partly symbolic shape.
      auto r = rankOf(p->input(0));
      if (!r)
        return std::nullopt;
      int64_t x = *i < 0 ? *i + int64_t(*r) : *i;
      if (x < 0 || x >= int64_t(*r))
        return std::nullopt;
      const ir::Dim &d = (*p->input(0)->type()->tensorInfo().sizes)[size_t(x)];
      return d.isStatic() ? std::optional(IntResult{d.value, std::nullopt}) : std::nullopt;
    }
    if (!list)
      return std::nullopt;
    int64_t x = *i < 0 ? *i + int64_t(list->size()) : *i;
    if (x < 0 || x >= int64_t(list->size()))
      return std::nullopt;
    return IntResult{(*list)[size_t(x)], std::nullopt};
  }
  if (n->kind() == ir::prim::ListConstruct && n->output()->type()->is(ir::TypeKind::List) &&
      n->output()->type()->elementType()->is(ir::TypeKind::Int)) {
    for (const ir::Use &u : n->output()->uses())
      if (u.user->hasSideEffects())
        return std::nullopt; // the list is modified
    if (auto is = constInts(n->output()))
      return IntResult{std::nullopt, *is};
  }
  return std::nullopt;
}

bool foldBlock(ir::Graph &g, ir::Block *b) {
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      changed |= foldBlock(g, sub);
    if (n->kind() == ir::prim::Constant || !n->blocks().empty() || n->outputs().size() != 1 ||
        n->hasSideEffects())
      continue;
    ir::Value *replacement = nullptr;
    ir::WithInsertPoint guard(n);
    if (auto r = evaluateShape(n)) {
      if (r->scalar && n->output()->type()->is(ir::TypeKind::Int))
        replacement = g.insertConstantInt(*r->scalar);
      else if (r->list)
        replacement = g.insertConstantInts(*r->list);
    } else if (auto t = evaluateTensor(n)) {
      replacement = g.insertConstantTensor(toTensor(*t));
    }
    if (!replacement)
      continue;
    replacement->node()->setSourceLocation(n->sourceLocation());
    n->output()->replaceAllUsesWith(replacement);
    n->destroy();
    changed = true;
  }
  return changed;
}

} // namespace

absl::Status runFoldConstants(ir::Graph &graph, const PassOptions &) {
  // Each round is linear; a round only repeats when the previous one folded something that
  // fold-scalars could take further (an If on a folded shape check), so few rounds happen.
  for (int round = 0; round < 4; ++round) {
    bool changed = foldBlock(graph, graph.block());
    changed |= foldScalars(graph);
    if (!changed)
      break;
  }
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
