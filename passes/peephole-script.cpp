// peephole-script: the non-tensor peepholes torch runs on every optimized TorchScript function
// (PeepholeOptimize with shape peepholes disabled, and its list idioms).
//
// Given: a well-formed graph.
// Does:  - a prim::If on a constant condition becomes its taken branch;
//        - `x is None` / `x is not None` where x's type cannot hold None becomes a constant;
//        - the uses of a node output whose type is None read the None constant instead;
//        - outside the frontend, prim::isinstance whose input type now decides it is a constant;
//        - int arithmetic: `x + 0`, `x - 0`, `x * 1`, `x // 1` are x, chained add/sub of
//          constants merge; `x == x` / `x != x` on bool/int/float/None (and lists/dicts of
//          them) are constants; aten::Int/aten::ceil of an int is the int; `+` of two list
//          literals (or constant int lists) is one list literal, and so is `[a] * n` with a
//          constant n; `list(l)` of a list literal that neither side writes is l; a read
//          `append(l, x)` of a literal l nothing else reads is the literal with x appended;
//        - aten::dim of a conv1d/conv2d/conv3d result is 3/4/5;
//        - a bool prim::If output that is True on the then path and False on the else path
//          is the condition; an Optional If output whose branches both yield one non-Optional
//          type takes that type;
//        - prim::unchecked_cast to the type its input already has, of a tensor to another
//          tensor type (an Optional[Tensor] refined after bindInputs typed it), also as tuple
//          members, is dropped, and so is
//          aten::Int/aten::Float of prim::NumToTensor of an int/float;
//        - on a prim::ListConstruct that nothing mutates: aten::len becomes a constant,
//          aten::__getitem__ with a constant index and prim::ListUnpack forward the elements;
//        - on a prim::DictConstruct that nothing mutates whose keys are distinct int or str
//          constants (none at all, as `{}`, too): aten::len becomes a constant (torch's dict
//          idioms, seen in torch 2.x's TransformerEncoderLayer: `len(getattr(m, "_forward_hooks",
//          {}))`);
//        - a cat whose input list holds a single-use cat along the same dim absorbs it (the
//          first such input, once per cat);
// Result: fewer None checks and list round trips; constants are left for fold-scalars and dead
//         nodes for dce. Linear time.
#include <algorithm>
#include <optional>

#include "passes/Effects.h"
#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

bool mayBeNone(const ir::Type &t) {
  return t.is(ir::TypeKind::None) || t.is(ir::TypeKind::Optional) || t.is(ir::TypeKind::Any) ||
         t.is(ir::TypeKind::Union);
}

/// Whether a value of type `a` already is a `b`, as precisely: the same type, a tensor where
/// plain `Tensor` is asked, or a tuple of such members.
bool refines(const ir::Type &a, const ir::Type &b) {
  if (a.equals(b))
    return true;
  if (a.isTensor() && b.isTensor())
    return true;
  if (a.is(ir::TypeKind::Tuple) && b.is(ir::TypeKind::Tuple) &&
      a.contained().size() == b.contained().size()) {
    for (size_t i = 0; i < a.contained().size(); ++i)
      if (!refines(*a.contained()[i], *b.contained()[i]))
        return false;
    return true;
  }
  return false;
}

bool isNoneConstant(const ir::Value *v) {
  return v->node()->kind() == ir::prim::Constant && v->type()->is(ir::TypeKind::None);
}

/// Every use of `v` only reads it: no list mutation, call or in-place op, and no escape into
/// a block or the return (conservative).
bool onlyRead(const ir::Value *v) {
  for (const ir::Use &u : v->uses()) {
    ir::Symbol k = u.user->kind();
    if (k == ir::prim::Return || k == ir::prim::Loop || k == ir::prim::If ||
        u.user->hasSideEffects())
      return false;
  }
  return true;
}

/// A list built by ListConstruct whose every use only reads it.
ir::Node *immutableListConstruct(const ir::Value *v) {
  ir::Node *n = v->node();
  return n->kind() == ir::prim::ListConstruct && onlyRead(v) ? n : nullptr;
}

/// A DictConstruct whose every use only reads it and whose keys are distinct int or str
/// constants: its length is known.
ir::Node *constantKeyDictConstruct(const ir::Value *v) {
  ir::Node *n = v->node();
  if (n->kind() != ir::prim::DictConstruct || n->inputs().size() % 2 != 0)
    return nullptr;
  for (const ir::Use &u : v->uses()) {
    ir::Symbol k = u.user->kind();
    if (k == ir::prim::Return || k == ir::prim::Loop || k == ir::prim::If)
      return nullptr;
    if (u.user->hasSideEffects())
      return nullptr;
  }
  std::vector<std::string> strs;
  std::vector<int64_t> ints;
  for (size_t i = 0; i < n->inputs().size(); i += 2) {
    const ir::Value *key = n->input(i);
    const ir::AttributeValue *c = ir::constantValue(key);
    if (!c)
      return nullptr;
    if (key->type()->is(ir::TypeKind::Int) && c->getIf<int64_t>()) {
      if (std::find(ints.begin(), ints.end(), c->get<int64_t>()) != ints.end())
        return nullptr;
      ints.push_back(c->get<int64_t>());
    } else if (key->type()->is(ir::TypeKind::Str) && c->getIf<std::string>()) {
      if (std::find(strs.begin(), strs.end(), c->get<std::string>()) != strs.end())
        return nullptr;
      strs.push_back(c->get<std::string>());
    } else {
      return nullptr;
    }
  }
  return n;
}

/// A constant int, or of another scalar kind (Bool) when asked, read as an int.
std::optional<int64_t> constantOfKind(const ir::Value *v, ir::TypeKind kind = ir::TypeKind::Int) {
  return v->type()->is(kind) ? ir::constantInt(v) : std::nullopt;
}

/// Whether a user of `v` may write it or a container it is stored in (an in-place op, an
/// append or `_set_item`): torch's alias analysis then reports writers, and its peephole leaves
/// `dim()` of a convolution alone.
bool mayBeWritten(const ir::Value *v) {
  static EffectsCache effects; // by node kind only
  for (const ir::Use &u : v->uses())
    if (effects.mayWrite(*u.user))
      return true;
  return false;
}

/// For int arithmetic (both inputs int): the constant operand, moved second for add and mul
/// (torch's canonical order), or nullopt when neither is a constant.
std::optional<int64_t> intArithConstant(ir::Node *n) {
  if (n->inputs().size() != 2 || !n->input(0)->type()->is(ir::TypeKind::Int) ||
      !n->input(1)->type()->is(ir::TypeKind::Int))
    return std::nullopt;
  const std::string_view k = n->kind().qualString();
  if (k == "aten::add" || k == "aten::mul") {
    if (auto c = constantOfKind(n->input(0))) {
      ir::Value *a = n->input(0), *b = n->input(1);
      n->replaceInput(0, b);
      n->replaceInput(1, a);
      return c;
    }
  }
  return constantOfKind(n->input(1));
}

/// `x * 1`, `x // 1` on ints are x.
bool simplifyIntMulOrFloorDiv(ir::Node *n) {
  auto c = intArithConstant(n);
  if (!c || *c != 1)
    return false;
  n->output()->replaceAllUsesWith(n->input(0));
  n->destroy();
  return true;
}

/// `x + 0`, `x - 0` on ints are x; `(x + c1) + c2` and the other add/sub mixes merge their
/// constants into one (or vanish when they cancel).
bool simplifyIntAddOrSub(ir::Graph &g, ir::Node *n) {
  auto c = intArithConstant(n);
  if (!c)
    return false;
  if (*c == 0) {
    n->output()->replaceAllUsesWith(n->input(0));
    n->destroy(); // (left in place, it would match again on every run)
    return true;
  }
  ir::Node *dep = n->input(0)->node();
  const std::string_view depKind = dep->kind().qualString();
  if (depKind != "aten::add" && depKind != "aten::sub")
    return false;
  auto d = intArithConstant(dep);
  if (!d)
    return false;
  const int64_t merged = dep->kind() == n->kind() ? *c + *d : *c - *d;
  if (merged == 0) {
    n->output()->replaceAllUsesWith(dep->input(0));
    n->destroy();
  } else {
    ir::WithInsertPoint guard(n);
    n->replaceInput(0, dep->input(0));
    n->replaceInput(1, g.insertConstantInt(merged));
  }
  return true;
}

/// A constant int list's values, else null.
const std::vector<int64_t> *constantInts(const ir::Value *v) {
  const ir::AttributeValue *a = ir::constantValue(v);
  return a ? a->getIf<std::vector<int64_t>>() : nullptr;
}

/// A list literal nothing mutates, or a constant int list.
bool isListLiteral(const ir::Value *v) {
  return immutableListConstruct(v) != nullptr || constantInts(v) != nullptr;
}

/// The elements of a list literal (isListLiteral): a ListConstruct's inputs, or new int
/// constants before the insertion point for a constant list.
std::vector<ir::Value *> listLiteralElements(ir::Graph &g, const ir::Value *v) {
  if (ir::Node *lc = immutableListConstruct(v))
    return std::vector<ir::Value *>(lc->inputs().begin(), lc->inputs().end());
  std::vector<ir::Value *> out;
  for (int64_t i : *constantInts(v))
    out.push_back(g.insertConstantInt(i));
  return out;
}

/// Replaces list op `n` (at the insertion point) by the literal of `elements`.
void replaceByListLiteral(ir::Graph &g, ir::Node *n, const std::vector<ir::Value *> &elements) {
  ir::Node *lc = g.insert(ir::prim::ListConstruct, elements, 1);
  lc->output()->setType(n->output()->type());
  lc->setSourceLocation(n->sourceLocation());
  n->output()->replaceAllUsesWith(lc->output());
  n->destroy();
}

/// The number of elements of a list literal (isListLiteral).
size_t listLiteralSize(const ir::Value *v) {
  if (ir::Node *lc = immutableListConstruct(v))
    return lc->inputs().size();
  return constantInts(v)->size();
}

/// The list of pieces chunk/split/unbind makes, when nothing writes it.
bool unwrittenPieces(const ir::Value *v) {
  std::string_view k = v->node()->kind().qualString();
  if (k != "aten::chunk" && k != "aten::split" && k != "aten::split_with_sizes" &&
      k != "aten::unbind" && k != "aten::tensor_split")
    return false;
  for (const ir::Use &u : v->uses())
    if (u.user->hasSideEffects())
      return false;
  return true;
}

} // namespace

std::optional<int64_t> staticPieceCount(const ir::Value *v) {
  const ir::Node *p = v->node();
  std::string_view k = p->kind().qualString();
  bool chunk = k == "aten::chunk", split = k == "aten::split" || k == "aten::split_with_sizes";
  bool unbind = k == "aten::unbind";
  if (!(chunk || split || unbind) || p->inputs().size() < 2 || !p->input(0)->type()->isTensor() ||
      !unwrittenPieces(v))
    return std::nullopt;
  if (split && p->input(1)->type()->is(ir::TypeKind::List)) {
    if (!isListLiteral(p->input(1)))
      return std::nullopt;
    return int64_t(listLiteralSize(p->input(1)));
  }
  const auto &sizes = p->input(0)->type()->tensorInfo().sizes;
  size_t dimIndex = unbind ? 1 : 2;
  auto d = p->inputs().size() > dimIndex ? ir::constantInt(p->input(dimIndex))
                                         : std::optional<int64_t>(0);
  if (!sizes || !d)
    return std::nullopt;
  int64_t r = int64_t(sizes->size()), a = *d < 0 ? *d + r : *d;
  if (a < 0 || a >= r || !(*sizes)[size_t(a)].isStatic())
    return std::nullopt;
  int64_t size = (*sizes)[size_t(a)].value;
  if (unbind)
    return size;
  auto each = ir::constantInt(p->input(1));
  if (!each || *each <= 0 || size <= 0)
    return std::nullopt;
  int64_t per = chunk ? (size + *each - 1) / *each : *each;
  return (size + per - 1) / per;
}

namespace {

/// The most pieces a chunk/split/unbind list is unpacked into for a concatenation.
constexpr int64_t kMaxListPieces = 1 << 12;

/// Whether concatenableElements gives the elements of `v`.
bool concatenable(const ir::Value *v) {
  if (isListLiteral(v))
    return true;
  auto count = staticPieceCount(v);
  return count && *count <= kMaxListPieces;
}

/// The elements of a concatenable `v`: a literal's, or the pieces of a chunk/split/unbind of
/// static count (a prim::ListUnpack of it).
std::vector<ir::Value *> concatenableElements(ir::Graph &g, ir::Value *v) {
  if (isListLiteral(v))
    return listLiteralElements(g, v);
  ir::Node *unpack = g.insert(ir::prim::ListUnpack, {v}, size_t(*staticPieceCount(v)));
  unpack->setSourceLocation(v->node()->sourceLocation());
  std::vector<ir::Value *> out;
  for (ir::Value *o : unpack->outputs()) {
    o->setType(v->type()->elementType());
    out.push_back(o);
  }
  return out;
}

/// `[a, b] + [c, d]` of list literals is the literal `[a, b, c, d]` (torch's list idioms); so
/// is `[q] + k.chunk(2)` when the pieces' count is static (nn.MultiheadAttention's packed
/// in-projection).
bool concatListLiterals(ir::Graph &g, ir::Node *n) {
  if (!concatenable(n->input(0)) || !concatenable(n->input(1)))
    return false;
  ir::WithInsertPoint guard(n);
  std::vector<ir::Value *> elements = concatenableElements(g, n->input(0));
  std::vector<ir::Value *> tail = concatenableElements(g, n->input(1));
  elements.insert(elements.end(), tail.begin(), tail.end());
  replaceByListLiteral(g, n, elements);
  return true;
}

/// The most elements a folded list repetition may have (a bigger one stays for conversion).
constexpr int64_t kMaxRepeatedElements = 1 << 16;

/// `[a, b] * n` (and `n * [a, b]`) of a list literal and a constant count is the literal
/// repeated n times (empty for n <= 0, as Python's list repetition).
bool repeatListLiteral(ir::Graph &g, ir::Node *n) {
  if (n->inputs().size() != 2)
    return false;
  size_t li = n->input(0)->type()->is(ir::TypeKind::List) ? 0 : 1;
  ir::Value *list = n->input(li), *count = n->input(1 - li);
  auto times = ir::constantInt(count);
  if (!times || !count->type()->is(ir::TypeKind::Int) || !isListLiteral(list))
    return false;
  ir::WithInsertPoint guard(n);
  std::vector<ir::Value *> once = listLiteralElements(g, list);
  int64_t k = std::max<int64_t>(*times, 0);
  if (!once.empty() && k > kMaxRepeatedElements / int64_t(once.size()))
    return false;
  std::vector<ir::Value *> elements;
  elements.reserve(once.size() * size_t(k));
  for (int64_t i = 0; i < k; ++i)
    elements.insert(elements.end(), once.begin(), once.end());
  replaceByListLiteral(g, n, elements);
  return true;
}

/// `list(l)` (and `l.copy()`) copies l; when neither the copy nor l (a list literal, or the pieces
/// of a split: RetinaNet's `list(split(...))` per level) is ever written, the copy is l itself.
bool forwardListCopy(ir::Node *n) {
  if (n->inputs().size() != 1 || !n->input()->type()->is(ir::TypeKind::List) ||
      !(isListLiteral(n->input()) || unwrittenPieces(n->input())) || !onlyRead(n->output()))
    return false;
  n->output()->replaceAllUsesWith(n->input());
  n->destroy();
  return true;
}

/// `append(l, x)` whose result is read, of a list literal l read by nothing else (the values
/// functionalize-lists makes, unrolled): the literal with x at its end.
bool foldFunctionalAppend(ir::Graph &g, ir::Node *n) {
  if (n->inputs().size() != 2 || !n->output()->hasUses() ||
      n->input(0)->node()->kind() != ir::prim::ListConstruct || n->input(0)->uses().size() != 1)
    return false;
  ir::Node *lit = n->input(0)->node();
  std::vector<ir::Value *> elements(lit->inputs().begin(), lit->inputs().end());
  elements.push_back(n->input(1));
  ir::WithInsertPoint guard(n);
  replaceByListLiteral(g, n, elements);
  if (!lit->output()->hasUses())
    lit->destroy();
  return true;
}

/// Types whose `==` cannot throw: bool, int, float, None, and lists/dicts of them.
bool comparesWithoutThrowing(const ir::Type &t) {
  auto plain = [](const ir::Type &x) {
    return x.is(ir::TypeKind::Bool) || x.is(ir::TypeKind::Int) || x.is(ir::TypeKind::Float) ||
           x.is(ir::TypeKind::None);
  };
  if (t.is(ir::TypeKind::List))
    return plain(*t.elementType());
  if (t.is(ir::TypeKind::Dict))
    return t.contained().size() == 2 && plain(*t.contained()[0]) && plain(*t.contained()[1]);
  return plain(t);
}

bool peephole(ir::Graph &g, ir::Block *b, FoldScope scope) {
  bool changed = false;
  static const ir::Symbol kIs = ir::Symbol::fromQualString("aten::__is__");
  static const ir::Symbol kIsNot = ir::Symbol::fromQualString("aten::__isnot__");
  static const ir::Symbol kLen = ir::Symbol::fromQualString("aten::len");
  static const ir::Symbol kGetItem = ir::Symbol::fromQualString("aten::__getitem__");
  static const ir::Symbol kInt = ir::Symbol::fromQualString("aten::Int");
  static const ir::Symbol kDim = ir::Symbol::fromQualString("aten::dim");
  static const ir::Symbol kConv1d = ir::Symbol::fromQualString("aten::conv1d");
  static const ir::Symbol kConv2d = ir::Symbol::fromQualString("aten::conv2d");
  static const ir::Symbol kConv3d = ir::Symbol::fromQualString("aten::conv3d");
  static const ir::Symbol kFloat = ir::Symbol::fromQualString("aten::Float");
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    ir::Symbol k = n->kind();
    // An If on a constant condition becomes its taken branch right away, so the checks
    // that follow see the values it picks (torch's non-tensor peephole does the same).
    if (k == ir::prim::If && scope == FoldScope::kAll) {
      if (auto c = constantOfKind(n->input(0), ir::TypeKind::Bool)) {
        ir::Block *taken = n->blocks()[*c ? 0 : 1];
        changed |= peephole(g, taken, scope);
        inlineIfBranch(n, taken);
        changed = true;
        continue;
      }
    }
    for (ir::Block *sub : n->blocks())
      changed |= peephole(g, sub, scope);
    // A value whose type is None is the None constant (an uninitialized(NoneType), an If that
    // picks None on both paths).
    // torch counts this as a change even for an unused output, so its dead code elimination
    // runs afterwards; so does the frontend (kTorchEmitter). Elsewhere only a replacement is
    // a change: callers repeat while something changes, and the node stays.
    if (k != ir::prim::Constant) {
      for (ir::Value *out : n->outputs()) {
        if (!out->type()->is(ir::TypeKind::None))
          continue;
        if (scope == FoldScope::kTorchEmitter)
          changed = true;
        if (!out->hasUses())
          continue;
        changed = true;
        ir::WithInsertPoint guard(n);
        out->replaceAllUsesWith(g.insertConstantNone());
      }
    }
    if (k == ir::prim::If) {
      // `c ? True : False` is c (torch's peephole for redundant short circuits).
      ir::Block *a = n->blocks()[0], *b = n->blocks()[1];
      for (size_t i = n->outputs().size(); i-- > 0;) {
        if (!n->output(i)->type()->is(ir::TypeKind::Bool))
          continue;
        auto x = constantOfKind(a->outputs()[i], ir::TypeKind::Bool);
        auto y = constantOfKind(b->outputs()[i], ir::TypeKind::Bool);
        if (!x || !y || *x != 1 || *y != 0)
          continue;
        n->output(i)->replaceAllUsesWith(n->input(0));
        a->eraseOutput(i);
        b->eraseOutput(i);
        n->eraseOutput(i);
        changed = true;
      }
      // An Optional output whose branches both yield the same non-Optional type has that type
      // (torch's refinement), so later `is None` checks on it fold.
      for (size_t i = 0; i < n->outputs().size(); ++i) {
        ir::Value *out = n->output(i);
        const ir::TypePtr &ta = a->outputs()[i]->type(), &tb = b->outputs()[i]->type();
        if (!out->type()->is(ir::TypeKind::Optional) || mayBeNone(*ta) || mayBeNone(*tb))
          continue;
        if (ta->equals(*tb))
          out->setType(ta);
        else if (ta->isTensor() && tb->isTensor() && out->type()->contained().size() == 1)
          out->setType(out->type()->contained()[0]);
        else
          continue;
        changed = true;
      }
      continue;
    }
    // prim::isinstance whose input's type is now known well enough (after inlining). torch's
    // emitter folds only at compile time, so the frontend leaves these as torch does.
    if (k == ir::prim::isinstance && scope == FoldScope::kAll && n->inputs().size() == 1) {
      const ir::AttributeValue *types = n->attribute(ir::Symbol::attr("types"));
      const auto *list = types ? types->getIf<std::vector<ir::TypePtr>>() : nullptr;
      std::optional<bool> known =
          list ? ir::staticIsInstance(n->input()->type(), *list) : std::nullopt;
      if (known) {
        ir::WithInsertPoint guard(n);
        n->output()->replaceAllUsesWith(g.insertConstantBool(*known));
        n->destroy();
        changed = true;
      }
      continue;
    }
    if ((k == kIs || k == kIsNot) && n->inputs().size() == 2 && scope == FoldScope::kAll &&
        n->input(0)->type()->isTensor() && n->input(1)->type()->isTensor() &&
        (n->input(0) == n->input(1) ||
         (isDistinctTensorObject(n->input(0)) && isDistinctTensorObject(n->input(1))))) {
      // Tensor identity (nn.MultiheadAttention's `query is key` once an If picked the values).
      ir::WithInsertPoint guard(n);
      bool same = n->input(0) == n->input(1);
      n->output()->replaceAllUsesWith(g.insertConstantBool(k == kIs ? same : !same));
      n->destroy();
      changed = true;
      continue;
    }
    if ((k == kIs || k == kIsNot) && n->inputs().size() == 2) {
      ir::Value *a = n->input(0), *c = n->input(1);
      bool aNone = isNoneConstant(a), cNone = isNoneConstant(c);
      if (aNone != cNone) {
        const ir::Value *other = aNone ? c : a;
        if (!mayBeNone(*other->type())) {
          ir::WithInsertPoint guard(n);
          n->output()->replaceAllUsesWith(g.insertConstantBool(k == kIsNot));
          n->destroy();
          changed = true;
        }
      }
      continue;
    }
    // Integer arithmetic and self-comparisons, as torch's non-tensor peephole simplifies them.
    {
      const std::string_view q = k.qualString();
      // (Not in the frontend: torch's emitter keeps `[padding] * 4`.)
      if (q == "aten::mul" && scope == FoldScope::kAll && n->inputs().size() == 2 &&
          (n->input(0)->type()->is(ir::TypeKind::List) ||
           n->input(1)->type()->is(ir::TypeKind::List))) {
        changed |= repeatListLiteral(g, n);
        continue;
      }
      if (q == "aten::list" || (q == "aten::copy" && n->inputs().size() == 1)) {
        changed |= forwardListCopy(n);
        continue;
      }
      if (q == "aten::append") {
        changed |= foldFunctionalAppend(g, n);
        continue;
      }
      if (q == "aten::mul" || q == "aten::floordiv") {
        changed |= simplifyIntMulOrFloorDiv(n);
        continue;
      }
      if (q == "aten::add" && n->inputs().size() == 2 &&
          n->input(0)->type()->is(ir::TypeKind::List)) {
        changed |= concatListLiterals(g, n);
        continue;
      }
      if (q == "aten::add" || q == "aten::sub") {
        changed |= simplifyIntAddOrSub(g, n);
        continue;
      }
      if ((q == "aten::eq" || q == "aten::ne") && n->inputs().size() == 2 &&
          n->input(0) == n->input(1) && comparesWithoutThrowing(*n->input(0)->type())) {
        ir::WithInsertPoint guard(n);
        n->output()->replaceAllUsesWith(g.insertConstantBool(q == "aten::eq"));
        n->destroy(); // (left in place, it would match again on every run)
        changed = true;
        continue;
      }
      if ((k == kInt || q == "aten::ceil") && n->inputs().size() == 1 &&
          n->input()->type()->is(ir::TypeKind::Int)) {
        n->output()->replaceAllUsesWith(n->input());
        n->destroy();
        changed = true;
        continue;
      }
    }
    // conv{1,2,3}d always produce rank 3/4/5 tensors; torch's peephole folds their dim().
    if (k == kDim && n->inputs().size() == 1) {
      ir::Symbol producer = n->input()->node()->kind();
      int64_t rank = producer == kConv1d   ? 3
                     : producer == kConv2d ? 4
                     : producer == kConv3d ? 5
                                           : 0;
      if (rank && !mayBeWritten(n->input())) {
        ir::WithInsertPoint guard(n);
        n->output()->replaceAllUsesWith(g.insertConstantInt(rank));
        n->destroy();
        changed = true;
      }
      continue;
    }
    // int(NumToTensor(i)) is i (traced code is full of these).
    if ((k == kInt || k == kFloat) && n->inputs().size() == 1 &&
        n->input()->node()->kind() == ir::prim::NumToTensor &&
        n->input()->node()->input()->type()->equals(*n->output()->type())) {
      n->output()->replaceAllUsesWith(n->input()->node()->input());
      n->destroy();
      changed = true;
      continue;
    }
    if (k == ir::prim::unchecked_cast && n->inputs().size() == 1 &&
        refines(*n->input()->type(), *n->output()->type())) {
      n->output()->replaceAllUsesWith(n->input());
      n->destroy();
      changed = true;
      continue;
    }
    if (k == kLen && n->inputs().size() == 1) {
      if (ir::Node *list = immutableListConstruct(n->input())) {
        ir::WithInsertPoint guard(n);
        n->output()->replaceAllUsesWith(g.insertConstantInt(int64_t(list->inputs().size())));
        n->destroy();
        changed = true;
      } else if (ir::Node *dict = constantKeyDictConstruct(n->input())) {
        ir::WithInsertPoint guard(n);
        n->output()->replaceAllUsesWith(g.insertConstantInt(int64_t(dict->inputs().size() / 2)));
        n->destroy();
        changed = true;
      }
      continue;
    }
    if (k == kGetItem && n->inputs().size() == 2) {
      ir::Node *list = immutableListConstruct(n->input(0));
      auto idx = constantOfKind(n->input(1));
      if (list && idx) {
        int64_t i = *idx, size = int64_t(list->inputs().size());
        if (i < 0)
          i += size;
        if (i >= 0 && i < size) {
          n->output()->replaceAllUsesWith(list->input(size_t(i)));
          n->destroy();
          changed = true;
        }
      }
      continue;
    }
    if (k == ir::prim::ListUnpack && n->inputs().size() == 1) {
      ir::Node *list = immutableListConstruct(n->input());
      if (list && list->inputs().size() == n->outputs().size()) {
        for (size_t i = 0; i < n->outputs().size(); ++i)
          n->output(i)->replaceAllUsesWith(list->input(i));
        n->destroy();
        changed = true;
      }
    }
  }
  return changed;
}

} // namespace

/// cat(list(a, cat(list(b, c), d), e), d) -> cat(list(a, b, c, e), d): for each cat, in
/// program order, the first input that is a single-use cat along the same constant dim is
/// spliced in (torch combines one nested cat per cat, which its printed graphs show).
bool combineConcats(ir::Graph &g, ir::Block *b) {
  static const ir::Symbol kCat = ir::Symbol::fromQualString("aten::cat");
  bool changed = false;
  for (ir::Node *n : b->nodes()) {
    for (ir::Block *sub : n->blocks())
      changed |= combineConcats(g, sub);
    if (n->kind() != kCat || n->inputs().size() != 2)
      continue;
    ir::Node *list = immutableListConstruct(n->input(0));
    auto dim = constantOfKind(n->input(1));
    if (!list || n->input(0)->uses().size() != 1 || !dim)
      continue;
    for (size_t i = 0; i < list->inputs().size(); ++i) {
      ir::Node *inner = list->input(i)->node();
      if (inner->kind() != kCat || inner->inputs().size() != 2 ||
          list->input(i)->uses().size() != 1 || inner->owningBlock() != b)
        continue;
      // The inner list's elements are only its literal's when nothing appends to it.
      ir::Node *innerList = immutableListConstruct(inner->input(0));
      auto innerDim = constantOfKind(inner->input(1));
      if (!innerList || !innerDim || *innerDim != *dim)
        continue;
      std::vector<ir::Value *> elems(list->inputs().begin(), list->inputs().begin() + long(i));
      elems.insert(elems.end(), innerList->inputs().begin(), innerList->inputs().end());
      elems.insert(elems.end(), list->inputs().begin() + long(i) + 1, list->inputs().end());
      ir::WithInsertPoint guard(n);
      ir::Node *merged = g.insert(ir::prim::ListConstruct, elems, 1);
      merged->output()->setType(list->output()->type());
      n->replaceInput(0, merged->output());
      changed = true;
      break;
    }
  }
  return changed;
}

bool peepholeScript(ir::Graph &graph, FoldScope scope) {
  bool changed = peephole(graph, graph.block(), scope);
  changed |= combineConcats(graph, graph.block());
  return changed;
}

absl::Status runPeepholeScript(ir::Graph &graph, const PassOptions &) {
  peepholeScript(graph);
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
