// fold-constants: constant propagation with a small tensor evaluator.
//
// Given: a frozen, functional graph, best after propagate-shapes (static shapes make shape
//        queries constant, and output types give reshape-like ops their sizes).
// Does:  replaces by a prim::Constant
//        - shape queries with a static answer: aten::size(t[, dim]), aten::dim, aten::numel,
//          prim::dtype, len(size(t)) (also of a constant slice of it), size(t)[i] and the static
//          values of an unpacked size(t) or int[] constant;
//        - aten::slice of a constant int list; aten::_infer_size (the broadcast) of two;
//          prim::min / prim::max of one; len(t) of a tensor of static first dim; len of the
//          pieces of split with a list literal of sizes and of unbind along a static dim;
//        - aten::len / aten::__getitem__ of a constant int list, a prim::ListConstruct of int
//          constants (when no user modifies the list) as an int[] constant;
//        - aten::eq / aten::ne of two unmodified int[] values decided at compile time, element
//          by element (same constant, same SSA value, same named dim; size(zeros(l)) is l), as
//          the shape checks of scripted nn.LSTM/GRU compare hx.size() with a built list;
//        - tensor ops whose inputs are all constants and whose result is small (at most
//          kMaxElements, or kMaxLayoutElements for ops that only move data): t, transpose,
//          permute, reshape/view/flatten/(un)squeeze (sizes from the output type or the
//          arguments), contiguous/clone/detach, to(dtype), type_as, neg, add/sub/mul/div
//          with broadcasting (tensor or number operands), min/max (all elements, or two
//          tensors), reciprocal, log2/log/exp/sqrt/round/floor/ceil/abs, comparisons, all/any,
//          triu/tril, full/zeros/ones of constant sizes, tensor/as_tensor of
//          constant numbers and lists, prim::NumToTensor of a number; item(), float(), int()
//          and bool() of a one-element constant;
//        then runs fold-scalars and peephole-script on what became constant (an If on a
//        folded `input.dim()` check may leave `x is None` on a Tensor), unrolls as
//        unroll-loops the loops whose trip counts became constants when nothing else changed
//        (then lowers the list writes they leave in straight-line code, as lower-list-appends),
//        and, when anything changed, forwards simple tuples and propagates shapes again, and
//        repeats.
//        Values are computed in double (int64 for integral results); only real dtypes fold.
// Result: fewer nodes; dead inputs are left for dce. Linear per round; rounds are bounded.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "ir/Status.h"
#include "passes/Passes.h"
#include "semantics/Dense.h"
#include "semantics/Promotion.h"

namespace ts2onnx::passes {
namespace {

constexpr int64_t kMaxElements = 1 << 16;
constexpr int64_t kMaxLayoutElements = int64_t(1) << 26;

using ir::ScalarType;
using semantics::Dense;
using semantics::dense;
using semantics::denseSupported;
using semantics::numelOf;

const ir::AttributeValue *constantAttr(const ir::Value *v) { return ir::constantValue(v); }

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
  // (self, other[, alpha]) for add/sub, (self, other) for mul/div.
  std::vector<std::optional<Dense>> operands;
  operands.reserve(2); // `tensors` points into it
  std::vector<const Dense *> tensors;
  bool floatScalar = false, intScalar = false;
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
  int64_t al = int64_t(alpha);
  return semantics::broadcast(
      *operands[0], *operands[1], *dt, kMaxElements,
      [&](double x, double y) {
        if (op == "add")
          return x + alpha * y;
        if (op == "sub")
          return x - alpha * y;
        return op == "mul" ? x * y : x / y;
      },
      [&](int64_t x, int64_t y) {
        if (op == "add")
          return x + al * y;
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
    auto code = ir::constantInt(n->input(1));
    if (!code || *code < 0 || *code >= ir::kNumScalarTypes)
      return std::nullopt;
    auto target = static_cast<ScalarType>(*code);
    if (!denseSupported(target))
      return std::nullopt;
    return semantics::convert(d, target);
  }
  return d; // float32 values are rounded when the constant is written
}

/// min/max of all elements (a 0-d result), min/max of two tensors elementwise (NaN wins, as in
/// torch), reciprocal (integers give float32).
std::optional<Dense> minMaxReciprocal(const ir::Node *n, const std::string &name) {
  auto a = dense(n->input(0), kMaxElements);
  if (!a || a->dtype == ScalarType::Bool)
    return std::nullopt;
  if (name == "reciprocal") {
    if (n->inputs().size() != 1)
      return std::nullopt;
    ScalarType dt = ir::isFloatingType(a->dtype) ? a->dtype : ScalarType::Float32;
    Dense out{dt, a->sizes, {}, {}};
    for (int64_t k = 0; k < a->numel(); ++k)
      out.f.push_back(1.0 / a->at(k));
    return out;
  }
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
  const ir::Value *dtypeArg = n->input(full ? 2 : 1);
  if (!isNoneConstant(dtypeArg)) {
    auto code = ir::constantInt(dtypeArg);
    if (!code || *code < 0 || *code >= ir::kNumScalarTypes)
      return std::nullopt;
    dt = static_cast<ScalarType>(*code);
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
  auto test = [&name](double x, double y) -> double {
    bool r = name == "eq"   ? x == y
             : name == "ne" ? x != y
             : name == "lt" ? x < y
             : name == "le" ? x <= y
             : name == "gt" ? x > y
                            : x >= y;
    return r ? 1 : 0;
  };
  // Integers compare as integers; anything else in double (exact for float32 and smaller).
  // The 0/1 results are computed as float64 and converted to bool.
  auto intTest = [&name](int64_t x, int64_t y) -> int64_t {
    return int64_t(name == "eq"   ? x == y
                   : name == "ne" ? x != y
                   : name == "lt" ? x < y
                   : name == "le" ? x <= y
                   : name == "gt" ? x > y
                                  : x >= y);
  };
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

/// Elementwise math on a constant (integers give float32 for log2/log/exp/sqrt, keep their
/// dtype for round/floor/ceil/abs); round is half to even, as torch rounds.
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
    double y = name == "log2"    ? std::log2(x)
               : name == "log"   ? std::log(x)
               : name == "exp"   ? std::exp(x)
               : name == "sqrt"  ? std::sqrt(x)
               : name == "round" ? std::nearbyint(x)
               : name == "floor" ? std::floor(x)
               : name == "ceil"  ? std::ceil(x)
                                 : std::fabs(x);
    if (out.integral())
      out.i.push_back(name == "abs" ? std::llabs(a->i[size_t(k)]) : a->i[size_t(k)]);
    else
      out.f.push_back(y);
  }
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
  if (!n->kind().isNamespace("aten"))
    return std::nullopt;
  if (name == "tensor" || name == "as_tensor")
    return tensorOfConstant(n);
  if (name == "full" || name == "zeros" || name == "ones")
    return filledConstant(n, name);
  if (!n->input(0)->type()->isTensor())
    return std::nullopt;
  if (name == "add" || name == "sub" || name == "mul" || name == "div")
    return arithmetic(n, name);
  if (name == "min" || name == "max" || name == "reciprocal")
    return minMaxReciprocal(n, name);
  if (name == "triu" || name == "tril")
    return triangle(n, name == "triu");
  if (name == "eq" || name == "ne" || name == "lt" || name == "le" || name == "gt" || name == "ge")
    return comparison(n, name);
  if ((name == "all" || name == "any") && n->inputs().size() == 1)
    return allAny(n, name == "all");
  if (name == "log2" || name == "log" || name == "exp" || name == "sqrt" || name == "round" ||
      name == "floor" || name == "ceil" || name == "abs")
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
      else if (auto code = ir::constantInt(t); code && *code >= 0 && *code < ir::kNumScalarTypes)
        target = static_cast<ScalarType>(*code);
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
    auto c = ir::constantInt(n->input(i));
    if (!c)
      return std::nullopt;
    return std::min(std::max(*c < 0 ? *c + size : *c, int64_t(0)), size);
  };
  auto start = bound(1, 0), end = bound(2, size);
  auto step = ir::constantInt(n->input(3));
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

/// The number of pieces of split(x, sizes) (one per size of a list literal nothing writes) and
/// of unbind(x, d) (x's static dim d), when list `l` is one.
std::optional<int64_t> piecesOf(const ir::Value *l) {
  const ir::Node *p = l->node();
  std::string_view pk = p->kind().qualString();
  for (const ir::Use &u : l->uses())
    if (u.user->hasSideEffects())
      return std::nullopt;
  if ((pk == "aten::split" || pk == "aten::split_with_sizes") && p->inputs().size() >= 2 &&
      p->input(1)->node()->kind() == ir::prim::ListConstruct) {
    for (const ir::Use &u : p->input(1)->uses())
      if (u.user->hasSideEffects())
        return std::nullopt;
    return int64_t(p->input(1)->node()->inputs().size());
  }
  if (pk == "aten::unbind" && p->inputs().size() == 2) {
    auto d = ir::constantInt(p->input(1));
    auto r = rankOf(p->input(0));
    if (!d || !r)
      return std::nullopt;
    int64_t a = *d < 0 ? *d + int64_t(*r) : *d;
    if (a < 0 || a >= int64_t(*r))
      return std::nullopt;
    const ir::Dim &dim = (*p->input(0)->type()->tensorInfo().sizes)[size_t(a)];
    if (!dim.isStatic())
      return std::nullopt;
    return dim.value;
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
    auto d = ir::constantInt(in[1]);
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
  if (k == "aten::len" && in.size() == 1 && in[0]->type()->is(ir::TypeKind::List))
    if (auto pieces = piecesOf(in[0]))
      return IntResult{*pieces, std::nullopt};
  if (k == "aten::len" && in.size() == 1 && in[0]->type()->isTensor()) {
    // len(t) is t.size(0) (a 0-d tensor raises: left).
    auto r = rankOf(in[0]);
    if (!r || *r == 0)
      return std::nullopt;
    const ir::Dim &dim = (*in[0]->type()->tensorInfo().sizes)[0];
    if (!dim.isStatic())
      return std::nullopt;
    return IntResult{dim.value, std::nullopt};
  }
  if ((k == "prim::min" || k == "prim::max") && in.size() == 1 &&
      n->output()->type()->is(ir::TypeKind::Int)) {
    // min/max of an int list (`range(min([len(a), len(b)]))`).
    auto xs = constInts(in[0]);
    if (!xs || xs->empty())
      return std::nullopt;
    return IntResult{k == "prim::min" ? *std::min_element(xs->begin(), xs->end())
                                      : *std::max_element(xs->begin(), xs->end()),
                     std::nullopt};
  }
  if (k == "aten::_infer_size" && in.size() == 2) {
    // The broadcast of two constant sizes (torch raises when they do not broadcast: left).
    auto a = constInts(in[0]), b = constInts(in[1]);
    if (!a || !b)
      return std::nullopt;
    size_t r = std::max(a->size(), b->size());
    std::vector<int64_t> out(r);
    for (size_t i = 0; i < r; ++i) {
      int64_t x = i < r - a->size() ? 1 : (*a)[i - (r - a->size())];
      int64_t y = i < r - b->size() ? 1 : (*b)[i - (r - b->size())];
      if (x != y && x != 1 && y != 1)
        return std::nullopt;
      out[i] = x == 1 ? y : x;
    }
    return IntResult{std::nullopt, out};
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
    auto i = ir::constantInt(in[1]);
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

// --- int[] comparisons ------------------------------------------------------------------------

/// One element of an int[] whose value may be known only symbolically: a constant, the SSA
/// value that computes it, and the dim it reads (from aten::size of a typed tensor).
struct IntTerm {
  std::optional<int64_t> constant;
  const ir::Value *value = nullptr;
  ir::Dim dim;
};

/// Dim `i` of `t`'s type, unknown when the rank is.
ir::Dim typedDim(const ir::Value *t, int64_t i) {
  auto r = rankOf(t);
  if (!r)
    return ir::Dim::unknown();
  int64_t x = i < 0 ? i + int64_t(*r) : i;
  if (x < 0 || x >= int64_t(*r))
    return ir::Dim::unknown();
  return (*t->type()->tensorInfo().sizes)[size_t(x)];
}

IntTerm termOf(const ir::Value *v) {
  IntTerm t;
  t.value = v;
  t.constant = ir::constantInt(v);
  const ir::Node *n = v->node();
  if (!t.constant && n->kind().qualString() == "aten::size" && n->inputs().size() == 2)
    if (auto d = ir::constantInt(n->input(1)))
      t.dim = typedDim(n->input(0), *d);
  if (!t.constant && t.dim.isStatic())
    t.constant = t.dim.value;
  return t;
}

bool isSizeFactory(const ir::Node *n) {
  static const char *const kinds[] = {"aten::zeros", "aten::ones", "aten::empty",
                                      "aten::full",  "aten::rand", "aten::randn"};
  for (const char *k : kinds)
    if (n->kind().qualString() == k)
      return !n->inputs().empty() && n->input(0)->type()->is(ir::TypeKind::List);
  return false;
}

/// The elements of an int[] value that no one modifies: a constant list, a prim::ListConstruct,
/// or aten::size(t), whose elements are t's dims, or the size list t was made from when t is a
/// factory's result (zeros(sizes) has exactly the sizes `sizes`).
std::optional<std::vector<IntTerm>> termsOf(const ir::Value *v, int depth = 0) {
  if (depth > 4 || !v->type()->is(ir::TypeKind::List))
    return std::nullopt;
  for (const ir::Use &u : v->uses())
    if (u.user->hasSideEffects())
      return std::nullopt;
  std::vector<IntTerm> out;
  if (auto is = constInts(v)) {
    for (int64_t i : *is) {
      IntTerm t;
      t.constant = i;
      out.push_back(t);
    }
    return out;
  }
  const ir::Node *n = v->node();
  if (n->kind() == ir::prim::ListConstruct) {
    for (const ir::Value *e : n->inputs())
      out.push_back(termOf(e));
    return out;
  }
  if (n->kind().qualString() == "aten::size" && n->inputs().size() == 1 &&
      n->input(0)->type()->isTensor()) {
    const ir::Value *t = n->input(0);
    if (isSizeFactory(t->node()))
      if (auto made = termsOf(t->node()->input(0), depth + 1))
        return made;
    auto r = rankOf(t);
    if (!r)
      return std::nullopt;
    for (int64_t i = 0; i < int64_t(*r); ++i) {
      IntTerm e;
      e.dim = typedDim(t, i);
      if (e.dim.isStatic())
        e.constant = e.dim.value;
      out.push_back(e);
    }
    return out;
  }
  return std::nullopt;
}

/// Whether two terms are equal: true/false when it is known at compile time.
std::optional<bool> termsEqual(const IntTerm &a, const IntTerm &b) {
  if (a.constant && b.constant)
    return *a.constant == *b.constant;
  if (a.value && a.value == b.value)
    return true;
  // The same named dynamic axis is the same size (the user declared it so).
  if (a.dim.isSymbolic() && a.dim == b.dim)
    return true;
  return std::nullopt;
}

/// aten::eq / aten::ne of two int[] values whose elements are known well enough: different
/// lengths or a pair of different constants decide `unequal`; pairwise-equal elements (the same
/// constant, the same SSA value, the same named dim) decide `equal`. Scripted RNN modules check
/// `hx.size() != expected` this way, with expected built from the same `input.size(0)`.
std::optional<bool> compareIntLists(const ir::Node *n) {
  std::string_view k = n->kind().qualString();
  if ((k != "aten::eq" && k != "aten::ne") || n->inputs().size() != 2 ||
      !n->output()->type()->is(ir::TypeKind::Bool))
    return std::nullopt;
  for (const ir::Value *v : n->inputs())
    if (!v->type()->is(ir::TypeKind::List) || !v->type()->elementType()->is(ir::TypeKind::Int))
      return std::nullopt;
  auto a = termsOf(n->input(0));
  auto b = termsOf(n->input(1));
  if (!a || !b)
    return std::nullopt;
  std::optional<bool> equal = true;
  if (a->size() != b->size())
    equal = false;
  for (size_t i = 0; equal && *equal && i < a->size(); ++i) {
    auto e = termsEqual((*a)[i], (*b)[i]);
    if (!e) {
      equal = std::nullopt;
      // A later pair of different constants still decides.
      for (size_t j = i + 1; j < a->size(); ++j)
        if (termsEqual((*a)[j], (*b)[j]) == std::optional<bool>(false))
          equal = false;
      break;
    }
    equal = *e;
  }
  if (!equal)
    return std::nullopt;
  return k == "aten::eq" ? *equal : !*equal;
}

/// `n, c, h, w = x.size()`: the static dims among the unpacked values become constants (all of
/// them when the size already folded to an int[] constant).
bool foldUnpackedSizes(ir::Graph &g, ir::Node *unpack) {
  const ir::Node *p = unpack->input(0)->node();
  if (const ir::AttributeValue *a = constantAttr(unpack->input(0))) {
    const auto *is = a->getIf<std::vector<int64_t>>();
    if (!is || is->size() != unpack->outputs().size())
      return false;
    bool changed = false;
    ir::WithInsertPoint guard(unpack);
    for (size_t i = 0; i < is->size(); ++i) {
      if (!unpack->output(i)->hasUses())
        continue;
      ir::Value *c = g.insertConstantInt((*is)[i]);
      c->node()->setSourceLocation(unpack->sourceLocation());
      unpack->output(i)->replaceAllUsesWith(c);
      changed = true;
    }
    return changed;
  }
  if (p->kind().qualString() != "aten::size" || p->inputs().size() != 1)
    return false;
  const ir::Type &t = *p->input(0)->type();
  if (!t.isTensor() || !t.tensorInfo().sizes ||
      t.tensorInfo().sizes->size() != unpack->outputs().size())
    return false;
  bool changed = false;
  ir::WithInsertPoint guard(unpack);
  for (size_t i = 0; i < unpack->outputs().size(); ++i) {
    const ir::Dim &d = (*t.tensorInfo().sizes)[i];
    if (!d.isStatic() || !unpack->output(i)->hasUses())
      continue;
    ir::Value *c = g.insertConstantInt(d.value);
    c->node()->setSourceLocation(unpack->sourceLocation());
    unpack->output(i)->replaceAllUsesWith(c);
    changed = true;
  }
  return changed;
}

/// Whether `n` reads a model parameter (a named tensor constant: an initializer).
bool readsParameter(const ir::Node *n) {
  for (const ir::Value *v : n->inputs())
    if (v->node()->kind() == ir::prim::Constant && v->type()->isTensor() && v->hasDebugName())
      return true;
  return false;
}

enum class NumberKind { Int, Float, Bool };
struct Number {
  NumberKind kind;
  double value = 0; // a float's value
  int64_t i = 0;    // an int's or bool's
};

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

/// `foldParameters` false is torch's do_constant_folding=False: ops on parameters stay ops
/// (shape queries and small constants still fold, they decide control flow).
bool foldBlock(ir::Graph &g, ir::Block *b, bool foldParameters) {
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      changed |= foldBlock(g, sub, foldParameters);
    if (n->kind() == ir::prim::ListUnpack) {
      changed |= foldUnpackedSizes(g, n);
      continue;
    }
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
    } else if (auto c = compareIntLists(n)) {
      replacement = g.insertConstantBool(*c);
    } else if (auto t = foldParameters || !readsParameter(n) ? evaluateTensor(n) : std::nullopt) {
      replacement = g.insertConstantTensor(toTensor(*t));
    } else if (auto number = numberOf(n)) {
      replacement = number->kind == NumberKind::Bool  ? g.insertConstantBool(number->i != 0)
                    : number->kind == NumberKind::Int ? g.insertConstantInt(number->i)
                                                      : g.insertConstantFloat(number->value);
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

absl::Status runFoldConstants(ir::Graph &graph, const PassOptions &options) {
  // Each round is linear; a round only repeats when the previous one folded something that
  // fold-scalars could take further (an If on a folded shape check). An If folded that way
  // exposes its branch: the tuples it returned are forwarded and shapes propagated again, so
  // the next round sees the shapes of what the branch computed (in a stack of layers each
  // checking its input's rank, one round per layer).
  for (int round = 0; round < 64; ++round) {
    bool changed =
        foldBlock(graph, graph.block(), options.get("constant-folding").value_or("1") != "0");
    changed |= foldScalars(graph);
    // None checks and casts of Optionals that folding made non-optional.
    changed |= peepholeScript(graph);
    // Loops whose trip count folding made constant (`for i in range(x.dim() - 2)` building
    // F.interpolate's sizes) unroll as unroll-loops does, and what they compute folds next.
    if (!changed && unrollStaticLoops(graph)) {
      // The unrolled appends and element writes are straight-line code now.
      lowerListWrites(graph);
      changed = true;
    }
    if (!changed)
      break;
    lowerSimpleTuples(graph);
    TS2ONNX_RETURN_IF_ERROR(runPropagateShapes(graph, options));
  }
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
