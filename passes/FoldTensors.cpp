#include "passes/FoldTensors.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "semantics/AtenOperands.h"
#include "semantics/Promotion.h"

namespace ts2onnx::passes {

using ir::ScalarType;
using semantics::Dense;
using semantics::dense;
using semantics::denseSupported;
using semantics::numelOf;

std::optional<std::vector<int64_t>> constInts(const ir::Value *v) {
  const ir::AttributeValue *a = constantAttr(v);
  if (const auto *is = a ? a->getIf<std::vector<int64_t>>() : nullptr)
    return *is;
  if (v->node()->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  std::vector<int64_t> out;
  for (const ir::Value *e : v->node()->inputs()) {
    auto i = ir::constantInt(e);
    if (!i)
      return std::nullopt;
    out.push_back(*i);
  }
  return out;
}

namespace {

/// Result dtype of an arithmetic op: the output's type when shape propagation set it, else
/// torch's result_type of the operands (a Python float turns an integral tensor into float32).
std::optional<ScalarType> resultDtype(const ir::Node *n, const std::vector<const Dense *> &ts,
                                      bool floatScalar, bool intScalar) {
  if (auto dt = n->output()->type()->tensorInfo().dtype)
    return dt;
  semantics::ResultType r;
  for (const Dense *t : ts)
    r.add(t->sizes.empty() ? semantics::OperandKind::ZeroDim : semantics::OperandKind::Dimensioned,
          t->dtype);
  if (floatScalar)
    r.add(semantics::OperandKind::Number, ScalarType::Float64);
  if (intScalar)
    r.add(semantics::OperandKind::Number, ScalarType::Int64);
  return r.result();
}

std::optional<Dense> arithmetic(const ir::Node *n, const std::string &op) {
  // (self, other[, alpha]) for add/sub/rsub, (self, other) for mul/div/remainder/floor_divide.
  std::vector<std::optional<Dense>> operands;
  operands.reserve(2); // `tensors` points into it
  std::vector<const Dense *> tensors;
  bool floatScalar = false, intScalar = false;
  bool withAlpha = op == "add" || op == "sub" || op == "rsub";
  size_t count = withAlpha ? 3 : 2;
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
        intScalar = true;
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
  auto dt = resultDtype(n, tensors, floatScalar, intScalar);
  if (!dt || !denseSupported(*dt))
    return std::nullopt;
  if (op == "div" && !ir::isFloatingType(*dt))
    return std::nullopt;
  bool integral = !ir::isFloatingType(*dt);
  if (op == "remainder" || op == "floor_divide") {
    // Integer division by zero raises in torch; floor_divide rounded toward zero before torch
    // 1.13 and toward -inf since, so it folds only where both agree: integers, no negative
    // operand.
    if (op == "floor_divide" && !integral)
      return std::nullopt;
    for (size_t k = 0; k < 2; ++k)
      for (int64_t e = 0; e < operands[k]->numel(); ++e) {
        double v = operands[k]->at(e);
        if ((k == 1 && integral && v == 0) || (op == "floor_divide" && v < 0))
          return std::nullopt;
      }
  }
  int64_t al = int64_t(alpha);
  return semantics::broadcast(
      *operands[0], *operands[1], *dt, kMaxElements,
      [&](double x, double y) {
        if (op == "add")
          return x + alpha * y;
        if (op == "sub")
          return x - alpha * y;
        if (op == "rsub")
          return y - alpha * x;
        if (op == "remainder") { // Python's: the sign of the divisor (as torch computes it)
          double r = std::fmod(x, y);
          return r != 0 && ((r < 0) != (y < 0)) ? r + y : r;
        }
        return op == "mul" ? x * y : x / y;
      },
      [&](int64_t x, int64_t y) {
        if (op == "add")
          return x + al * y;
        if (op == "rsub")
          return y - al * x;
        if (op == "remainder")
          return semantics::floorMod(x, y);
        if (op == "floor_divide")
          return x / y; // both positive here
        return op == "sub" ? x - al * y : x * y;
      });
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
    auto d = ir::constantInt(n->input(1));
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

/// torch.tensor / torch.as_tensor of a constant number or list of numbers (a module's
/// List[float] attribute, a list of sizes): int64, float32 or bool as torch infers them, or the
/// dtype given.
std::optional<Dense> tensorOfConstant(const ir::Node *n) {
  const ir::Value *data = n->input(0);
  const ir::AttributeValue *a = constantAttr(data);
  if (!a || data->type()->isTensor())
    return std::nullopt;
  Dense d{ScalarType::Int64, {}, {}, {}};
  if (const auto *is = a->getIf<std::vector<int64_t>>()) {
    d.sizes = {int64_t(is->size())};
    d.i = *is;
    if (data->type()->is(ir::TypeKind::List) && data->type()->elementType()->is(ir::TypeKind::Bool))
      d.dtype = ScalarType::Bool;
  } else if (const auto *ds = a->getIf<std::vector<double>>()) {
    d = Dense{ScalarType::Float32, {int64_t(ds->size())}, *ds, {}};
  } else if (const int64_t *i = a->getIf<int64_t>()) {
    d.i = {*i};
    if (data->type()->is(ir::TypeKind::Bool))
      d.dtype = ScalarType::Bool;
  } else if (const double *f = a->getIf<double>()) {
    d = Dense{ScalarType::Float32, {}, {*f}, {}};
  } else {
    return std::nullopt;
  }
  if (d.numel() > kMaxElements)
    return std::nullopt;
  if (n->inputs().size() > 1 && !isNoneConstant(n->input(1))) {
    auto target = semantics::dtypeArg(n->input(1));
    if (!target || !denseSupported(*target))
      return std::nullopt;
    return semantics::convert(d, *target);
  }
  return d; // float32 values are rounded when the constant is written
}

/// min/max of all elements (a 0-d result), min/max of two tensors elementwise (NaN wins, as in
/// torch).
std::optional<Dense> minMax(const ir::Node *n, const std::string &name) {
  auto a = dense(n->input(0), kMaxElements);
  if (!a || a->dtype == ScalarType::Bool)
    return std::nullopt;
  bool isMin = name == "min";
  auto pick = [isMin](double x, double y) {
    if (std::isnan(x) || std::isnan(y))
      return std::numeric_limits<double>::quiet_NaN();
    return isMin ? std::min(x, y) : std::max(x, y);
  };
  if (n->inputs().size() == 1) {
    if (a->numel() == 0)
      return std::nullopt; // torch raises
    Dense out{a->dtype, {}, {}, {}};
    if (a->integral()) {
      int64_t m = a->i[0];
      for (int64_t x : a->i)
        m = isMin ? std::min(m, x) : std::max(m, x);
      out.i = {m};
    } else {
      double m = a->f[0];
      for (double x : a->f)
        m = pick(m, x);
      out.f = {m};
    }
    return out;
  }
  if (n->inputs().size() != 2 || !n->input(1)->type()->isTensor())
    return std::nullopt;
  auto b = dense(n->input(1), kMaxElements);
  if (!b || b->dtype == ScalarType::Bool)
    return std::nullopt;
  auto dt = resultDtype(n, {&*a, &*b}, false, false);
  if (!dt || !denseSupported(*dt))
    return std::nullopt;
  return semantics::broadcast(*a, *b, *dt, kMaxElements, pick, [isMin](int64_t x, int64_t y) {
    return isMin ? std::min(x, y) : std::max(x, y);
  });
}

/// full(size, fill, dtype, ...), zeros(size, dtype, ...), ones(size, dtype, ...) of constant
/// sizes (at most kMaxElements): float32 unless a dtype is given (full of an int or bool fill
/// takes int64 / bool, as torch >= 1.12 infers it).
std::optional<Dense> filledConstant(const ir::Node *n, const std::string &name) {
  auto sizes = constInts(n->input(0));
  bool full = name == "full";
  if (!sizes || n->inputs().size() < (full ? 3u : 2u))
    return std::nullopt;
  for (int64_t d : *sizes)
    if (d < 0)
      return std::nullopt;
  int64_t count = numelOf(*sizes);
  if (count > kMaxElements)
    return std::nullopt;
  double fill = name == "ones" ? 1 : 0;
  ScalarType dt = ScalarType::Float32;
  if (full) {
    const ir::AttributeValue *a = constantAttr(n->input(1));
    if (!a)
      return std::nullopt;
    if (const double *d = a->getIf<double>()) {
      fill = *d;
    } else if (const int64_t *i = a->getIf<int64_t>()) {
      fill = double(*i);
      dt = n->input(1)->type()->is(ir::TypeKind::Bool) ? ScalarType::Bool : ScalarType::Int64;
    } else {
      return std::nullopt;
    }
  }
  if (const ir::Value *given = n->input(full ? 2 : 1); !isNoneConstant(given)) {
    auto t = semantics::dtypeArg(given);
    if (!t)
      return std::nullopt;
    dt = *t;
  }
  if (!denseSupported(dt))
    return std::nullopt;
  Dense out{dt, *sizes, {}, {}};
  for (int64_t k = 0; k < count; ++k)
    out.push(fill);
  return out;
}

/// triu / tril(self, diagonal) of a constant of rank >= 2: elements below (triu) or above
/// (tril) the diagonal become 0 in each matrix.
std::optional<Dense> triangle(const ir::Node *n, bool upper) {
  auto a = dense(n->input(0), kMaxElements);
  auto diag = n->inputs().size() > 1 ? ir::constantInt(n->input(1)) : std::optional<int64_t>(0);
  if (!a || !diag || a->sizes.size() < 2)
    return std::nullopt;
  int64_t rows = a->sizes[a->sizes.size() - 2], cols = a->sizes.back();
  for (int64_t k = 0; k < a->numel(); ++k) {
    int64_t j = k % cols, i = (k / cols) % rows;
    bool keep = upper ? j - i >= *diag : j - i <= *diag;
    if (!keep) {
      if (a->integral())
        a->i[size_t(k)] = 0;
      else
        a->f[size_t(k)] = 0;
    }
  }
  return a;
}

/// Elementwise comparison of two constant tensors (or a tensor and a number), broadcast: bool.
std::optional<Dense> comparison(const ir::Node *n, const std::string &name) {
  if (n->inputs().size() != 2)
    return std::nullopt;
  auto a = dense(n->input(0), kMaxElements);
  std::optional<Dense> b;
  if (n->input(1)->type()->isTensor()) {
    b = dense(n->input(1), kMaxElements);
  } else if (const ir::AttributeValue *c = constantAttr(n->input(1))) {
    if (const double *d = c->getIf<double>())
      b = Dense{ScalarType::Float64, {}, {*d}, {}};
    else if (const int64_t *i = c->getIf<int64_t>())
      b = Dense{ScalarType::Int64, {}, {}, {*i}};
  }
  if (!a || !b)
    return std::nullopt;
  auto holds = [&name](auto x, auto y) {
    return name == "eq"   ? x == y
           : name == "ne" ? x != y
           : name == "lt" ? x < y
           : name == "le" ? x <= y
           : name == "gt" ? x > y
                          : x >= y;
  };
  // Integers compare as integers, anything else in double (exact for float32 and smaller); the
  // 0/1 results are converted to bool.
  auto test = [&](double x, double y) { return holds(x, y) ? 1.0 : 0.0; };
  auto intTest = [&](int64_t x, int64_t y) { return int64_t(holds(x, y)); };
  bool ints = a->integral() && b->integral();
  auto r = semantics::broadcast(*a, *b, ints ? ScalarType::Int64 : ScalarType::Float64,
                                kMaxElements, test, intTest);
  if (!r)
    return std::nullopt;
  return semantics::convert(*r, ScalarType::Bool);
}

/// all / any of every element of a constant: a 0-d bool.
std::optional<Dense> allAny(const ir::Node *n, bool all) {
  auto a = dense(n->input(0), kMaxElements);
  if (!a)
    return std::nullopt;
  bool r = all;
  for (int64_t k = 0; k < a->numel(); ++k) {
    bool nonzero = a->at(k) != 0 || (!a->integral() && std::isnan(a->f[size_t(k)]));
    r = all ? (r && nonzero) : (r || nonzero);
  }
  return Dense{ScalarType::Bool, {}, {}, {r ? 1 : 0}};
}

/// Elementwise math on a constant (integers give float32 for log2/log/exp/sqrt/reciprocal, keep
/// their dtype for round/floor/ceil/abs); round is half to even, as torch rounds.
std::optional<Dense> unaryMath(const ir::Node *n, const std::string &name) {
  if (n->inputs().size() != 1)
    return std::nullopt;
  auto a = dense(n->input(0), kMaxElements);
  if (!a || a->dtype == ScalarType::Bool)
    return std::nullopt;
  bool keeps = name == "round" || name == "floor" || name == "ceil" || name == "abs";
  ScalarType dt = keeps || ir::isFloatingType(a->dtype) ? a->dtype : ScalarType::Float32;
  Dense out{dt, a->sizes, {}, {}};
  for (int64_t k = 0; k < a->numel(); ++k) {
    double x = a->at(k);
    double y = name == "log2"         ? std::log2(x)
               : name == "log"        ? std::log(x)
               : name == "exp"        ? std::exp(x)
               : name == "sqrt"       ? std::sqrt(x)
               : name == "reciprocal" ? 1.0 / x
               : name == "round"      ? std::nearbyint(x)
               : name == "floor"      ? std::floor(x)
               : name == "ceil"       ? std::ceil(x)
                                      : std::fabs(x);
    if (out.integral())
      out.i.push_back(name == "abs" ? std::llabs(a->i[size_t(k)]) : a->i[size_t(k)]);
    else
      out.f.push_back(y);
  }
  return out;
}

} // namespace

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
  if (!n->kind().isNamespace("aten"))
    return std::nullopt;
  if (name == "tensor" || name == "as_tensor")
    return tensorOfConstant(n);
  if (name == "full" || name == "zeros" || name == "ones")
    return filledConstant(n, name);
  if (!n->input(0)->type()->isTensor())
    return std::nullopt;
  if (name == "add" || name == "sub" || name == "rsub" || name == "mul" || name == "div" ||
      name == "remainder" || name == "floor_divide")
    return arithmetic(n, name);
  if (name == "min" || name == "max")
    return minMax(n, name);
  if (name == "triu" || name == "tril")
    return triangle(n, name == "triu");
  if (name == "eq" || name == "ne" || name == "lt" || name == "le" || name == "gt" || name == "ge")
    return comparison(n, name);
  if ((name == "all" || name == "any") && n->inputs().size() == 1)
    return allAny(n, name == "all");
  if (name == "log2" || name == "log" || name == "exp" || name == "sqrt" || name == "reciprocal" ||
      name == "round" || name == "floor" || name == "ceil" || name == "abs")
    return unaryMath(n, name);
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
      else if (auto code = semantics::dtypeArg(t))
        target = code;
      else if (t->type()->isTensor())
        target = t->type()->tensorInfo().dtype;
    }
    if (!target || !denseSupported(*target))
      return std::nullopt;
    return semantics::convert(*in, *target);
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
      auto a = ir::constantInt(n->input(1)), b = ir::constantInt(n->input(2));
      if (!a || !b || r == 0)
        return std::nullopt;
      int64_t x = *a < 0 ? *a + int64_t(r) : *a, y = *b < 0 ? *b + int64_t(r) : *b;
      if (x < 0 || y < 0 || x >= int64_t(r) || y >= int64_t(r))
        return std::nullopt;
      std::swap(perm[size_t(x)], perm[size_t(y)]);
    }
    return semantics::permute(*in, perm);
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
    return semantics::permute(*in, perm);
  }
  // reshape-like: same elements, new sizes.
  auto sizes = reshapedSizes(n, *in);
  if (!sizes)
    return std::nullopt;
  in->sizes = *sizes;
  return in;
}

/// item(), float(), int() and bool() of a one-element constant tensor: the number (item() by the
/// tensor's dtype; int() truncates toward zero).
std::optional<Number> numberOf(const ir::Node *n) {
  std::string_view k = n->kind().qualString();
  if (n->inputs().size() != 1 || !n->input(0)->type()->isTensor() ||
      (k != "aten::item" && k != "aten::Float" && k != "aten::Int" && k != "aten::Bool"))
    return std::nullopt;
  auto d = dense(n->input(0), 1);
  if (!d || d->numel() != 1)
    return std::nullopt;
  double x = d->at(0);
  if (k == "aten::Float")
    return Number{NumberKind::Float, x, 0};
  if (k == "aten::Bool" || (k == "aten::item" && d->dtype == ScalarType::Bool))
    return Number{NumberKind::Bool, 0, x != 0 ? 1 : 0};
  if (d->integral())
    return Number{NumberKind::Int, 0, d->i[0]};
  if (k == "aten::Int") {
    if (!std::isfinite(x) || std::fabs(x) >= 9.2e18)
      return std::nullopt;
    return Number{NumberKind::Int, 0, int64_t(std::trunc(x))};
  }
  return Number{NumberKind::Float, x, 0};
}

} // namespace ts2onnx::passes
