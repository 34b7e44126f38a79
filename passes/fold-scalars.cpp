// fold-scalars: constant propagation over immutable values, as torch's emitter runs it on every
// function it compiles (ConstantPropagationImmutableTypes).
//
// Given: a well-formed graph.
// Does:  - a prim::If whose condition is a constant bool is replaced by the taken block; an
//          If output that is the same value on both paths is replaced by that value;
//        - an arithmetic, comparison, logic or conversion op whose inputs are all constant
//          int/float/bool/str/None values (and whose outputs are such values) is evaluated and
//          replaced by a prim::Constant: add, sub, mul, div, floordiv, remainder, neg, pow,
//          floor/ceil (of a float, an int),
//          eq/ne/lt/le/gt/ge, __not__, __and__/__or__/__xor__, __is__/__isnot__, Int, Float,
//          Bool, prim::min/max/abs, prim::unchecked_cast, prim::isinstance, str concatenation; `x
//          in [constants]` on an unmodified list literal; string ops (len, str, format, find,
//          __contains__, as the fast-path eligibility messages of nn.Transformer* build them; a
//          Device constant reads as its string); any/all of a list literal of constant bools or
//          ints, or of a constant int list, that nothing else uses; len of a string a prim::If
//          picks among constants becomes an int output of that If. Other tensors, lists and
//          dicts are never touched (they are mutable).
// Result: no such op on constants remains; the dead constants are left for dce. Linear time.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "passes/Passes.h"
#include "semantics/Dense.h"

namespace ts2onnx::passes {
namespace {

struct Scalar {
  enum class Kind { Int, Float, Bool, Str, None } kind = Kind::None;
  int64_t i = 0;
  double d = 0;
  std::string s;

  static Scalar of(Kind k, int64_t i = 0, double d = 0, std::string s = {}) {
    Scalar out;
    out.kind = k;
    out.i = i;
    out.d = d;
    out.s = std::move(s);
    return out;
  }
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float || kind == Kind::Bool; }
  double asDouble() const { return kind == Kind::Float ? d : double(i); }
};

std::optional<Scalar> constantOf(const ir::Value *v) {
  const ir::Node *n = v->node();
  if (n->kind() != ir::prim::Constant)
    return std::nullopt;
  const ir::Type &t = *v->type();
  const ir::AttributeValue *a = n->attribute(ir::attr::value);
  switch (t.kind()) {
  case ir::TypeKind::None:
    return Scalar::of(Scalar::Kind::None);
  case ir::TypeKind::Int:
    if (auto *i = a ? a->getIf<int64_t>() : nullptr)
      return Scalar::of(Scalar::Kind::Int, *i);
    return std::nullopt;
  case ir::TypeKind::Bool:
    if (auto *i = a ? a->getIf<int64_t>() : nullptr)
      return Scalar::of(Scalar::Kind::Bool, *i != 0);
    return std::nullopt;
  case ir::TypeKind::Float:
    if (auto *d = a ? a->getIf<double>() : nullptr)
      return Scalar::of(Scalar::Kind::Float, 0, *d);
    return std::nullopt;
  case ir::TypeKind::Str:
  case ir::TypeKind::Device:
    if (auto *s = a ? a->getIf<std::string>() : nullptr)
      return Scalar::of(Scalar::Kind::Str, 0, 0, *s);
    return std::nullopt;
  default:
    return std::nullopt;
  }
}

// Python semantics for integer floor division (modulo: semantics::floorMod).
int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

// Python's float `%` and `//` (y != 0): from fmod, so that the result is exact where
// x - floor(x / y) * y would round.
double pythonFloatMod(double x, double y) {
  double m = std::fmod(x, y);
  if (m != 0)
    return (y < 0) != (m < 0) ? m + y : m;
  return std::copysign(0.0, y);
}
double pythonFloatFloorDiv(double x, double y) {
  double m = std::fmod(x, y);
  double d = (x - m) / y;
  if (m != 0 && (y < 0) != (m < 0))
    d -= 1.0;
  if (d == 0)
    return std::copysign(0.0, x / y);
  double f = std::floor(d);
  return d - f > 0.5 ? f + 1.0 : f;
}

std::optional<Scalar> number(ir::TypeKind out, double d, int64_t i, bool isInt) {
  if (out == ir::TypeKind::Int && isInt)
    return Scalar::of(Scalar::Kind::Int, i);
  if (out == ir::TypeKind::Float)
    return Scalar::of(Scalar::Kind::Float, 0, isInt ? double(i) : d);
  return std::nullopt;
}

/// Python's str() of a constant, as TorchScript's aten::str and aten::format print it.
std::string pythonStr(const Scalar &s) {
  switch (s.kind) {
  case Scalar::Kind::Int:
    return std::to_string(s.i);
  case Scalar::Kind::Bool:
    return s.i ? "True" : "False";
  case Scalar::Kind::Str:
    return s.s;
  case Scalar::Kind::None:
    return "None";
  case Scalar::Kind::Float:
    break;
  }
  if (std::isnan(s.d))
    return "nan";
  if (std::isinf(s.d))
    return s.d < 0 ? "-inf" : "inf";
  std::string out = fmt::format("{}", s.d);
  if (out.find_first_not_of("-0123456789") == std::string::npos)
    out += ".0";
  return out;
}

/// Code points in UTF-8 text (Python's len of a str).
int64_t codePoints(const std::string &s) {
  int64_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

/// TorchScript's aten::format: each `{}` takes the next argument's str().
std::optional<std::string> formatString(const std::string &f, const std::vector<Scalar> &args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '{' && i + 1 < f.size() && f[i + 1] == '}') {
      if (next == args.size())
        return std::nullopt;
      out += pythonStr(args[next++]);
      ++i;
      continue;
    }
    out += f[i];
  }
  return out;
}

std::optional<Scalar> evaluateString(std::string_view op, ir::TypeKind out,
                                     const std::vector<Scalar> &in) {
  auto boolean = [](bool b) { return Scalar::of(Scalar::Kind::Bool, b ? 1 : 0); };
  bool firstStr = !in.empty() && in[0].kind == Scalar::Kind::Str;
  if (op == "aten::len" && in.size() == 1 && firstStr && out == ir::TypeKind::Int)
    return Scalar::of(Scalar::Kind::Int, codePoints(in[0].s));
  if (op == "aten::str" && in.size() == 1 && out == ir::TypeKind::Str)
    return Scalar::of(Scalar::Kind::Str, 0, 0, pythonStr(in[0]));
  if (op == "aten::format" && firstStr && out == ir::TypeKind::Str) {
    auto s = formatString(in[0].s, std::vector<Scalar>(in.begin() + 1, in.end()));
    if (s)
      return Scalar::of(Scalar::Kind::Str, 0, 0, *s);
    return std::nullopt;
  }
  if (op == "aten::__contains__" && in.size() == 2 && firstStr && in[1].kind == Scalar::Kind::Str &&
      out == ir::TypeKind::Bool)
    return boolean(in[0].s.find(in[1].s) != std::string::npos);
  // str.find(sub, start, end) on ASCII text (byte and code point offsets agree).
  if (op == "aten::find" && in.size() == 4 && firstStr && in[1].kind == Scalar::Kind::Str &&
      in[2].kind == Scalar::Kind::Int && in[3].kind == Scalar::Kind::Int &&
      out == ir::TypeKind::Int && codePoints(in[0].s) == int64_t(in[0].s.size())) {
    int64_t size = int64_t(in[0].s.size());
    auto clamp = [&](int64_t i) {
      return std::max<int64_t>(0, std::min(size, i < 0 ? i + size : i));
    };
    int64_t start = clamp(in[2].i), end = clamp(in[3].i);
    if (start > end || end - start < int64_t(in[1].s.size()))
      return Scalar::of(Scalar::Kind::Int, in[1].s.empty() && start <= end ? start : -1);
    size_t at = in[0].s.substr(size_t(start), size_t(end - start)).find(in[1].s);
    return Scalar::of(Scalar::Kind::Int, at == std::string::npos ? -1 : start + int64_t(at));
  }
  return std::nullopt;
}

/// any/all of a list literal of constant bools or ints, or of a constant int list (what
/// lowered appends of constants become), whose only users are such reductions.
std::optional<bool> evaluateListReduction(const ir::Node &n) {
  std::string_view op = n.kind().qualString();
  if ((op != "aten::any" && op != "aten::all") || n.inputs().size() != 1 ||
      !n.input()->type()->is(ir::TypeKind::List))
    return std::nullopt;
  const ir::Node *list = n.input()->node();
  // A list constant (constant bool lists fold to int lists; aten::any.int and aten::all.int
  // test for non-zero): its value is fixed whatever else uses it.
  if (const ir::AttributeValue *a = ir::constantValue(n.input()))
    if (const auto *is = a->getIf<std::vector<int64_t>>()) {
      bool any = false, all = true;
      for (int64_t v : *is) {
        any |= v != 0;
        all &= v != 0;
      }
      return op == "aten::any" ? any : all;
    }
  if (list->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  for (const ir::Use &u : n.input()->uses()) {
    std::string_view k = u.user->kind().qualString();
    if (k != "aten::any" && k != "aten::all")
      return std::nullopt;
  }
  bool any = false, all = true;
  if (list->kind() == ir::prim::Constant) {
    const ir::AttributeValue *c = ir::constantValue(n.input());
    const auto *ints = c ? c->getIf<std::vector<int64_t>>() : nullptr;
    if (!ints)
      return std::nullopt;
    for (int64_t e : *ints) {
      any |= e != 0;
      all &= e != 0;
    }
    return op == "aten::any" ? any : all;
  }
  for (const ir::Value *e : list->inputs()) {
    auto c = constantOf(e);
    if (!c || (c->kind != Scalar::Kind::Bool && c->kind != Scalar::Kind::Int))
      return std::nullopt;
    any |= c->i != 0;
    all &= c->i != 0;
  }
  return op == "aten::any" ? any : all;
}

std::optional<Scalar> evaluate(const ir::Node &n, const std::vector<Scalar> &in, FoldScope scope) {
  std::string_view op = n.kind().qualString();
  if (n.outputs().size() != 1)
    return std::nullopt;
  ir::TypeKind out = n.output()->type()->kind();
  auto boolean = [](bool b) { return Scalar::of(Scalar::Kind::Bool, b ? 1 : 0); };
  // unchecked_cast of a constant is the constant (torch runs it like any op on constants).
  if (n.kind() == ir::prim::unchecked_cast && in.size() == 1 &&
      ((in[0].kind == Scalar::Kind::Int && out == ir::TypeKind::Int) ||
       (in[0].kind == Scalar::Kind::Float && out == ir::TypeKind::Float) ||
       (in[0].kind == Scalar::Kind::Bool && out == ir::TypeKind::Bool) ||
       (in[0].kind == Scalar::Kind::Str && out == ir::TypeKind::Str)))
    return in[0];
  // isinstance of a constant: the constant's type decides (torch runs prim::isinstance on
  // constants; an upgrader inlined with a literal argument needs it).
  if (n.kind() == ir::prim::isinstance && in.size() == 1) {
    const ir::AttributeValue *types = n.attribute(ir::Symbol::attr("types"));
    const auto *list = types ? types->getIf<std::vector<ir::TypePtr>>() : nullptr;
    if (auto known = list ? ir::staticIsInstance(n.input(0)->type(), *list) : std::nullopt)
      return boolean(*known);
  }
  if (scope == FoldScope::kAll)
    if (auto s = evaluateString(op, out, in))
      return s;
  // The trip count and loop variable of `for i in range(lo, hi, step)` as torch lowers it.
  if (in.size() == 3 && out == ir::TypeKind::Int &&
      std::all_of(in.begin(), in.end(),
                  [](const Scalar &s) { return s.kind == Scalar::Kind::Int; })) {
    int64_t x = in[0].i, y = in[1].i, step = in[2].i;
    if (op == "aten::__range_length" && step != 0) {
      int64_t n =
          step > 0 ? (x < y ? 1 + (y - 1 - x) / step : 0) : (x > y ? 1 + (x - 1 - y) / -step : 0);
      return number(out, 0, n, true);
    }
    if (op == "aten::__derive_index")
      return number(out, 0, y + x * step, true);
  }
  if (in.size() == 2 && in[0].isNumber() && in[1].isNumber()) {
    const Scalar &a = in[0], &b = in[1];
    bool ints = a.kind != Scalar::Kind::Float && b.kind != Scalar::Kind::Float;
    double x = a.asDouble(), y = b.asDouble();
    if (op == "aten::add")
      return number(out, x + y, a.i + b.i, ints);
    if (op == "aten::sub")
      return number(out, x - y, a.i - b.i, ints);
    if (op == "aten::mul")
      return number(out, x * y, a.i * b.i, ints);
    if (op == "aten::div" && y != 0)
      return number(out, x / y, 0, false);
    if (op == "aten::pow") {
      // An int result (pow.int_to_int) for a non-negative int exponent; a float otherwise.
      if (out == ir::TypeKind::Int) {
        if (!ints || b.i < 0 || b.i > 62)
          return std::nullopt;
        int64_t r = 1;
        for (int64_t k = 0; k < b.i; ++k) {
          if (__builtin_mul_overflow(r, a.i, &r))
            return std::nullopt;
        }
        return number(out, 0, r, true);
      }
      double r = std::pow(x, y);
      if (!std::isfinite(r) && std::isfinite(x) && std::isfinite(y))
        return std::nullopt; // 0 ** -1 raises in Python
      return number(out, r, 0, false);
    }
    if (op == "aten::floordiv" && y != 0)
      return ints ? number(out, 0, floorDiv(a.i, b.i), true)
                  : number(out, pythonFloatFloorDiv(x, y), 0, false);
    if (op == "aten::remainder" && y != 0)
      return ints ? number(out, 0, semantics::floorMod(a.i, b.i), true)
                  : number(out, pythonFloatMod(x, y), 0, false);
    if (op == "aten::eq")
      return boolean(x == y);
    if (op == "aten::ne")
      return boolean(x != y);
    if (op == "aten::lt")
      return boolean(x < y);
    if (op == "aten::le")
      return boolean(x <= y);
    if (op == "aten::gt")
      return boolean(x > y);
    if (op == "aten::ge")
      return boolean(x >= y);
    if (op == "prim::min")
      return number(out, std::min(x, y), std::min(a.i, b.i), ints);
    if (op == "prim::max")
      return number(out, std::max(x, y), std::max(a.i, b.i), ints);
    if (ints && (op == "aten::__and__" || op == "aten::__or__" || op == "aten::__xor__")) {
      int64_t r = op == "aten::__and__"  ? (a.i & b.i)
                  : op == "aten::__or__" ? (a.i | b.i)
                                         : (a.i ^ b.i);
      if (out == ir::TypeKind::Bool)
        return boolean(r != 0);
      return number(out, 0, r, true);
    }
    return std::nullopt;
  }
  if (in.size() == 2 && in[0].kind == Scalar::Kind::Str && in[1].kind == Scalar::Kind::Str) {
    if (op == "aten::eq")
      return boolean(in[0].s == in[1].s);
    if (op == "aten::ne")
      return boolean(in[0].s != in[1].s);
    if (op == "aten::add" && out == ir::TypeKind::Str)
      return Scalar::of(Scalar::Kind::Str, 0, 0, in[0].s + in[1].s);
    return std::nullopt;
  }
  if (in.size() == 2 &&
      (op == "aten::__is__" || op == "aten::__isnot__" || op == "aten::eq" || op == "aten::ne")) {
    bool aNone = in[0].kind == Scalar::Kind::None, bNone = in[1].kind == Scalar::Kind::None;
    if (!aNone && !bNone)
      return std::nullopt;
    bool same = aNone && bNone;
    bool positive = op == "aten::__is__" || op == "aten::eq";
    return boolean(positive ? same : !same);
  }
  if (in.size() == 1 && in[0].isNumber()) {
    const Scalar &a = in[0];
    bool isInt = a.kind != Scalar::Kind::Float;
    if (op == "aten::neg")
      return number(out, -a.d, -a.i, isInt);
    if (op == "prim::abs")
      return number(out, std::fabs(a.d), a.i < 0 ? -a.i : a.i, isInt);
    if (op == "aten::__not__" && a.kind == Scalar::Kind::Bool)
      return boolean(a.i == 0);
    // math.floor / math.ceil of a float are ints (aten::floor.float / ceil.float).
    if ((op == "aten::floor" || op == "aten::ceil") && out == ir::TypeKind::Int &&
        (isInt || std::isfinite(a.d)))
      return number(out, 0,
                    isInt ? a.i : int64_t(op == "aten::floor" ? std::floor(a.d) : std::ceil(a.d)),
                    true);
    if (op == "aten::Int" && (isInt || std::isfinite(a.d)))
      return number(out, 0, isInt ? a.i : int64_t(std::trunc(a.d)), true);
    if (op == "aten::Float")
      return number(out, a.asDouble(), 0, false);
    if (op == "aten::Bool")
      return boolean(a.asDouble() != 0);
  }
  return std::nullopt;
}

ir::Value *makeConstant(ir::Graph &g, const Scalar &s, const ir::TypePtr &type) {
  switch (s.kind) {
  case Scalar::Kind::Int:
    return g.insertConstantInt(s.i);
  case Scalar::Kind::Float:
    return g.insertConstantFloat(s.d);
  case Scalar::Kind::Bool:
    return g.insertConstantBool(s.i != 0);
  case Scalar::Kind::Str:
    return g.insertConstantString(s.s);
  case Scalar::Kind::None:
    break;
  }
  return g.insertConstantNone()->setType(type);
}

/// If outputs that need no If: the same value on both paths.
/// Whether two constants hold the same scalar value of the same type.
bool sameScalarConstant(const ir::Value *x, const ir::Value *y) {
  auto a = constantOf(x), b = constantOf(y);
  return a && b && a->kind == b->kind && a->i == b->i && a->s == b->s &&
         (a->d == b->d || (std::isnan(a->d) && std::isnan(b->d))) && x->type()->equals(*y->type());
}

bool simplifyIfOutputs(ir::Graph &g, ir::Node *n) {
  bool changed = false;
  ir::Block *a = n->blocks()[0], *b = n->blocks()[1];
  for (size_t i = n->outputs().size(); i-- > 0;) {
    ir::Value *x = a->outputs()[i], *y = b->outputs()[i];
    ir::Value *replacement = nullptr;
    if (x == y) {
      replacement = x;
    } else if (sameScalarConstant(x, y)) {
      // Both branches give the same constant (as torch's constant propagation sees it).
      ir::WithInsertPoint guard(n);
      replacement = makeConstant(g, *constantOf(x), x->type());
    }
    if (!replacement)
      continue;
    n->output(i)->replaceAllUsesWith(replacement);
    a->eraseOutput(i);
    b->eraseOutput(i);
    n->eraseOutput(i);
    changed = true;
  }
  return changed;
}

/// `x in [a, b, ...]` (aten::__contains__) on a list literal of constants that nothing
/// modifies and a constant x, as torchvision's stochastic_depth checks its mode.
std::optional<bool> containsInLiteral(const ir::Node &n) {
  if (n.kind().qualString() != "aten::__contains__" || n.inputs().size() != 2)
    return std::nullopt;
  const ir::Node *list = n.input(0)->node();
  auto x = constantOf(n.input(1));
  if (list->kind() != ir::prim::ListConstruct || !x)
    return std::nullopt;
  for (const ir::Use &u : n.input(0)->uses())
    if (u.user->hasSideEffects())
      return std::nullopt;
  bool found = false;
  for (const ir::Value *e : list->inputs()) {
    auto c = constantOf(e);
    if (!c)
      return std::nullopt;
    if (c->kind == Scalar::Kind::Str || x->kind == Scalar::Kind::Str)
      found |= c->kind == x->kind && c->s == x->s;
    else if (c->isNumber() && x->isNumber())
      found |= c->asDouble() == x->asDouble();
  }
  return found;
}

/// The length of str value `v`, where every way it is chosen is a constant string: a constant
/// inserted before `at` for a constant, else a new int output of the prim::If that yields `v`
/// (each branch giving the length of what it yields). nullptr when some path is not constant.
ir::Value *stringLength(ir::Graph &g, ir::Value *v, ir::Node *at, int depth) {
  if (const ir::AttributeValue *a = ir::constantValue(v); a && a->getIf<std::string>()) {
    ir::WithInsertPoint guard(at);
    return g.insertConstantInt(static_cast<int64_t>(a->getIf<std::string>()->size()));
  }
  ir::Node *d = v->node();
  if (depth > 32 || d->kind() != ir::prim::If || d->blocks().size() != 2)
    return nullptr;
  size_t i = v->offset();
  ir::Value *lens[2] = {nullptr, nullptr};
  for (size_t b = 0; b < 2; ++b) {
    ir::Block *block = d->blocks()[b];
    lens[b] = stringLength(g, block->outputs()[i], block->returnNode(), depth + 1);
    if (!lens[b])
      return nullptr;
  }
  ir::Value *out = d->addOutput();
  out->setType(ir::Type::intType());
  for (size_t b = 0; b < 2; ++b)
    d->blocks()[b]->registerOutput(lens[b]);
  return out;
}

bool foldBlock(ir::Graph &g, ir::Block *b, FoldScope scope) {
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    if (n->kind() == ir::prim::If) {
      if (auto c = constantOf(n->input(0)); c && c->kind == Scalar::Kind::Bool) {
        ir::Block *taken = n->blocks()[c->i ? 0 : 1];
        // Fold the taken block first, then splice it in; `it` stays valid because the nodes
        // land before the If, which comes before `it`.
        foldBlock(g, taken, scope);
        inlineIfBranch(n, taken);
        changed = true;
        continue;
      }
    }
    for (ir::Block *sub : n->blocks())
      changed |= foldBlock(g, sub, scope);
    if (n->kind() == ir::prim::If) {
      changed |= simplifyIfOutputs(g, n);
      continue;
    }
    // Replaces n (one output) by a constant made by `make`, keeping n's source location.
    auto replaceByConstant = [&](auto make) {
      ir::WithInsertPoint guard(n);
      ir::Value *c = make();
      c->node()->setSourceLocation(n->sourceLocation());
      n->output()->replaceAllUsesWith(c);
      n->destroy();
      changed = true;
    };
    // len() of a string an If picks among constants (nn.MultiheadAttention's scripted
    // `why_not_fast_path`): the If yields the lengths too, so comparisons on it see ints.
    static const ir::Symbol kLen = ir::Symbol::fromQualString("aten::len");
    if (scope == FoldScope::kAll && n->kind() == kLen && n->inputs().size() == 1 &&
        n->input(0)->type()->is(ir::TypeKind::Str) && n->input(0)->node()->kind() == ir::prim::If) {
      if (ir::Value *len = stringLength(g, n->input(0), n, 0)) {
        n->output()->replaceAllUsesWith(len);
        n->destroy();
        changed = true;
        continue;
      }
    }
    if (auto r = scope == FoldScope::kAll ? evaluateListReduction(*n) : std::nullopt) {
      replaceByConstant([&] { return g.insertConstantBool(*r); });
      continue;
    }
    if (n->kind() == ir::prim::Constant || !n->blocks().empty() || n->hasSideEffects() ||
        n->outputs().size() != 1 || n->inputs().empty())
      continue;
    if (auto r = scope == FoldScope::kAll ? containsInLiteral(*n) : std::nullopt) {
      replaceByConstant([&] { return g.insertConstantBool(*r); });
      continue;
    }
    std::vector<Scalar> in;
    bool all = true;
    for (ir::Value *v : n->inputs()) {
      auto c = constantOf(v);
      if (!c) {
        all = false;
        break;
      }
      in.push_back(*c);
    }
    if (!all)
      continue;
    if (auto r = evaluate(*n, in, scope))
      replaceByConstant([&] { return makeConstant(g, *r, n->output()->type()); });
  }
  return changed;
}

} // namespace

void inlineIfBranch(ir::Node *ifNode, ir::Block *taken) {
  for (auto it = taken->nodes().begin(); it != taken->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    n->moveBefore(ifNode);
  }
  for (size_t i = 0; i < ifNode->outputs().size(); ++i)
    ifNode->output(i)->replaceAllUsesWith(taken->outputs()[i]);
  ifNode->destroy();
}

bool foldScalars(ir::Graph &graph, FoldScope scope) {
  return foldBlock(graph, graph.block(), scope);
}

absl::Status runFoldScalars(ir::Graph &graph, const PassOptions &) {
  foldScalars(graph);
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
