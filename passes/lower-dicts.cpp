// lower-dicts: evaluates dicts with constant keys at compile time.
//
// Given: a well-formed graph (frozen, so module attributes are constants).
// Does:  repeats until nothing changes:
//        - `dict([(k, v), ...])` of a list literal of pairs with distinct constant keys becomes
//          a prim::DictConstruct;
//        - follows each prim::DictConstruct / aten::dict() whose keys are constant str or int
//          values through the uses of the dict in program order, keeping its contents: _set_item,
//          pop, setdefault, clear and Delete with constant keys update them; __getitem__, get,
//          __contains__, len, keys, values and items are replaced by the value, a constant or a
//          ListConstruct of what the dict holds at that point (also inside If/Loop blocks that
//          only read it). At the first use it cannot follow (a runtime key, a block that mutates
//          the dict, a use as a container element or output) a new DictConstruct of the current
//          contents takes the dict's place, so the rest of the program sees the same values;
//        - unrolls a prim::Loop with a constant trip count (at most kMaxTrips, and always
//          continuing) whose body uses a dict or a list of str/tuples from outside, such as the
//          loops TorchScript makes for `for k in names:` and `for k, v in d.items():`;
//        - folds len/__getitem__ of constant lists and prim::min/max of constant int lists, and
//          runs fold-scalars, peephole-script and lower-simple-tuples to fold what that exposes.
// Result: a dict of tensors whose keys are known does not reach the symbolics; at most the
//         DictConstruct of a returned dict remains (to-onnx flattens it into outputs named
//         `out.<key>`).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

#include "passes/Passes.h"
#include "passes/Unroll.h"

namespace ts2onnx::passes {
namespace {

constexpr int64_t kMaxTrips = 1024;
constexpr size_t kMaxUnrolledNodes = 200000;
constexpr int kMaxRounds = 1000;

ir::Symbol sym(const char *s) { return ir::Symbol::fromQualString(s); }

/// A constant str or int as a dict key ("s:..." / "i:..."), nullopt for anything else.
std::optional<std::string> constKey(const ir::Value *v) {
  const ir::AttributeValue *a = ir::constantValue(v);
  if (!a)
    return std::nullopt;
  if (v->type()->is(ir::TypeKind::Str))
    if (const auto *s = a->getIf<std::string>())
      return "s:" + *s;
  if (v->type()->is(ir::TypeKind::Int))
    if (const auto *i = a->getIf<int64_t>())
      return "i:" + std::to_string(*i);
  return std::nullopt;
}

/// The contents of a dict at one point of the program, in insertion order.
struct DictState {
  struct Entry {
    std::string key;
    ir::Value *keyValue;
    ir::Value *value;
  };
  std::vector<Entry> entries;

  Entry *find(const std::string &k) {
    for (Entry &e : entries)
      if (e.key == k)
        return &e;
    return nullptr;
  }
  void set(const std::string &k, ir::Value *kv, ir::Value *v) {
    if (Entry *e = find(k))
      e->value = v;
    else
      entries.push_back({k, kv, v});
  }
  void erase(const std::string &k) {
    for (size_t i = 0; i < entries.size(); ++i)
      if (entries[i].key == k) {
        entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(i));
        return;
      }
  }
};

bool usesValue(const ir::Node *n, const ir::Value *v) {
  for (const ir::Value *in : n->inputs())
    if (in == v)
      return true;
  for (const ir::Block *b : n->blocks()) {
    for (const ir::Node *m : b->nodes())
      if (usesValue(m, v))
        return true;
    for (const ir::Value *o : b->outputs())
      if (o == v)
        return true;
  }
  return false;
}

/// The kinds of use of a dict `d` the simulation understands: reads never change it.
bool isDictRead(const ir::Node *n, const ir::Value *d) {
  static const ir::Symbol kReads[] = {
      sym("aten::__getitem__"), sym("aten::get"),    sym("aten::__contains__"), sym("aten::len"),
      sym("aten::keys"),        sym("aten::values"), sym("aten::items")};
  if (n->inputs().empty() || n->input(0) != d)
    return false;
  for (size_t i = 1; i < n->inputs().size(); ++i)
    if (n->input(i) == d)
      return false;
  for (ir::Symbol k : kReads)
    if (n->kind() == k)
      return true;
  return false;
}

class DictLowering {
public:
  explicit DictLowering(ir::Graph &g) : g_(g) {}

  /// Follows the dict made by `ctor` through its block. True if anything changed.
  bool run(ir::Node *ctor) {
    ir::Value *d = ctor->output();
    DictState state;
    for (size_t i = 0; i + 1 < ctor->inputs().size(); i += 2) {
      auto k = constKey(ctor->input(i));
      if (!k)
        return false;
      state.set(*k, ctor->input(i), ctor->input(i + 1));
    }
    if (ctor->inputs().size() % 2 != 0)
      return false;
    changed_ = false;
    ir::Block *b = ctor->owningBlock();
    for (ir::Node *n = ctor->next(); n != b->returnNode();) {
      ir::Node *next = n->next();
      if (!usesValue(n, d)) {
        n = next;
        continue;
      }
      // A dead reader (a list literal holding the dict that nothing reads: unrolling leaves
      // them until dce) neither reads nor keeps the dict.
      if (n->blocks().empty() && !n->hasSideEffects() &&
          std::none_of(n->outputs().begin(), n->outputs().end(),
                       [](const ir::Value *o) { return o->hasUses(); })) {
        n->destroy();
        changed_ = true;
        n = next;
        continue;
      }
      bool followed = false;
      if (n->blocks().empty())
        followed = apply(n, d, state, /*mayMutate=*/true);
      else if (onlyReads(n, d))
        followed = replaceReads(n, d, state);
      if (!followed) {
        materialize(n, d, state);
        return changed_;
      }
      n = next;
    }
    if (usesValue(b->returnNode(), d) || d->hasUses())
      materialize(b->returnNode(), d, state);
    if (!d->hasUses())
      ctor->destroy();
    return changed_;
  }

private:
  /// Every use of `d` inside `n`'s blocks is a read (and none passes it out of a block).
  static bool onlyReads(const ir::Node *n, const ir::Value *d) {
    for (const ir::Value *in : n->inputs())
      if (in == d)
        return false;
    for (const ir::Block *b : n->blocks()) {
      for (const ir::Value *o : b->outputs())
        if (o == d)
          return false;
      for (const ir::Node *m : b->nodes()) {
        bool direct = false;
        for (const ir::Value *in : m->inputs())
          direct |= in == d;
        if (direct && !isDictRead(m, d))
          return false;
        if (!m->blocks().empty() && !onlyReads(m, d))
          return false;
      }
    }
    return true;
  }

  /// Replaces the reads of `d` inside `n`'s blocks (onlyReads holds). False if one cannot be
  /// evaluated (a runtime key); the reads replaced so far stay correct.
  bool replaceReads(ir::Node *n, ir::Value *d, DictState &state) {
    for (ir::Block *b : n->blocks())
      for (auto it = b->nodes().begin(); it != b->nodes().end();) {
        ir::Node *m = *it;
        ++it;
        if (!m->blocks().empty()) {
          if (usesValue(m, d) && !replaceReads(m, d, state))
            return false;
          continue;
        }
        if (isDictRead(m, d) && !apply(m, d, state, /*mayMutate=*/false))
          return false;
      }
    return true;
  }

  /// Evaluates the block-free node `n` that uses `d`; false when it cannot.
  bool apply(ir::Node *n, ir::Value *d, DictState &state, bool mayMutate) {
    if (n->inputs().empty() || n->input(0) != d)
      return false;
    for (size_t i = 1; i < n->inputs().size(); ++i)
      if (n->input(i) == d)
        return false;
    const std::string k = n->kind().qualString();
    ir::WithInsertPoint guard(n);
    auto key = n->inputs().size() > 1 ? constKey(n->input(1)) : std::nullopt;
    auto replace = [&](ir::Value *v) {
      n->output()->replaceAllUsesWith(v);
      n->destroy();
      changed_ = true;
      return true;
    };
    if (k == "aten::__getitem__" || k == "aten::get") {
      if (!key)
        return false;
      if (DictState::Entry *e = state.find(*key))
        return replace(e->value);
      if (k == "aten::__getitem__")
        return false; // a KeyError at runtime: leave it
      return replace(n->inputs().size() > 2 ? n->input(2) : g_.insertConstantNone());
    }
    if (k == "aten::__contains__") {
      if (!key)
        return false;
      return replace(g_.insertConstantBool(state.find(*key) != nullptr));
    }
    if (k == "aten::len" && n->inputs().size() == 1)
      return replace(g_.insertConstantInt(int64_t(state.entries.size())));
    if ((k == "aten::keys" || k == "aten::values" || k == "aten::items") &&
        n->inputs().size() == 1) {
      const ir::TypePtr &listType = n->output()->type();
      std::vector<ir::Value *> elems;
      for (const DictState::Entry &e : state.entries) {
        if (k == "aten::keys") {
          elems.push_back(e.keyValue);
        } else if (k == "aten::values") {
          elems.push_back(e.value);
        } else {
          ir::Node *t = g_.insert(ir::prim::TupleConstruct, {e.keyValue, e.value});
          t->output()->setType(listType->is(ir::TypeKind::List)
                                   ? listType->elementType()
                                   : ir::Type::tuple({e.keyValue->type(), e.value->type()}));
          t->setSourceLocation(n->sourceLocation());
          elems.push_back(t->output());
        }
      }
      ir::Node *l = g_.insert(ir::prim::ListConstruct, elems);
      l->output()->setType(listType);
      l->setSourceLocation(n->sourceLocation());
      return replace(l->output());
    }
    if (!mayMutate)
      return false;
    if (k == "aten::_set_item" && n->inputs().size() == 3) {
      if (!key)
        return false;
      state.set(*key, n->input(1), n->input(2));
      n->destroy();
      changed_ = true;
      return true;
    }
    if (k == "aten::pop" || k == "aten::setdefault") {
      if (!key)
        return false;
      DictState::Entry *e = state.find(*key);
      ir::Value *dflt = n->inputs().size() > 2 ? n->input(2) : nullptr;
      if (!e && !dflt)
        return false;
      ir::Value *v = e ? e->value : dflt;
      if (k == "aten::pop")
        state.erase(*key);
      else if (!e)
        state.set(*key, n->input(1), dflt);
      return replace(v);
    }
    if (k == "aten::Delete" && key && state.find(*key)) {
      state.erase(*key);
      n->destroy();
      changed_ = true;
      return true;
    }
    if (k == "aten::clear" && n->inputs().size() == 1) {
      state.entries.clear();
      n->destroy();
      changed_ = true;
      return true;
    }
    return false;
  }

  /// From `at` on, `d` is a fresh DictConstruct of the current contents (only when something
  /// was evaluated; otherwise the dict is left as it is).
  void materialize(ir::Node *at, ir::Value *d, const DictState &state) {
    if (!changed_)
      return;
    ir::WithInsertPoint guard(at);
    std::vector<ir::Value *> ins;
    for (const DictState::Entry &e : state.entries) {
      ins.push_back(e.keyValue);
      ins.push_back(e.value);
    }
    ir::Node *c = g_.insert(ir::prim::DictConstruct, ins);
    c->output()->setType(d->type());
    c->setSourceLocation(d->node()->sourceLocation());
    d->replaceAllUsesWith(c->output());
  }

  ir::Graph &g_;
  bool changed_ = false;
};

bool isDictCtor(const ir::Node *n) {
  static const ir::Symbol kDict = sym("aten::dict");
  return n->kind() == ir::prim::DictConstruct || (n->kind() == kDict && n->inputs().empty());
}

void collectDictCtors(ir::Block *b, std::vector<ir::Node *> &out) {
  for (ir::Node *n : b->nodes()) {
    if (isDictCtor(n))
      out.push_back(n);
    for (ir::Block *sub : n->blocks())
      collectDictCtors(sub, out);
  }
}

/// `dict([(k1, v1), (k2, v2)])` of a list literal of pairs with distinct constant keys (an
/// OrderedDict built from pairs, as torchvision's detectors wrap a single feature map) is the
/// dict literal {k1: v1, k2: v2}.
bool pairsToDictConstruct(ir::Graph &g, ir::Node *n) {
  static const ir::Symbol kDict = sym("aten::dict");
  if (n->kind() != kDict || n->inputs().size() != 1)
    return false;
  const ir::Value *l = n->input(0);
  if (l->node()->kind() != ir::prim::ListConstruct || l->uses().size() != 1)
    return false;
  std::vector<ir::Value *> ins;
  std::vector<std::string> keys;
  for (const ir::Value *pair : l->node()->inputs()) {
    const ir::Node *t = pair->node();
    if (t->kind() != ir::prim::TupleConstruct || t->inputs().size() != 2)
      return false;
    auto key = constKey(t->input(0));
    if (!key || std::find(keys.begin(), keys.end(), *key) != keys.end())
      return false;
    keys.push_back(*key);
    ins.push_back(t->input(0));
    ins.push_back(t->input(1));
  }
  ir::WithInsertPoint guard(n);
  ir::Node *c = g.insert(ir::prim::DictConstruct, ins);
  c->output()->setType(n->output()->type());
  c->setSourceLocation(n->sourceLocation());
  n->output()->replaceAllUsesWith(c->output());
  n->destroy();
  return true;
}

bool pairsToDictConstructs(ir::Graph &g, ir::Block *b) {
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      changed |= pairsToDictConstructs(g, sub);
    changed |= pairsToDictConstruct(g, n);
  }
  return changed;
}

bool lowerDictsOnce(ir::Graph &g) {
  bool rewrote = pairsToDictConstructs(g, g.block());
  std::vector<ir::Node *> ctors;
  collectDictCtors(g.block(), ctors);
  bool changed = rewrote;
  for (ir::Node *c : ctors)
    changed |= DictLowering(g).run(c);
  return changed;
}

/// A constant int/float/bool/str as text tagged with its kind, for comparing constants.
std::optional<std::string> scalarText(const ir::Value *v) {
  const ir::AttributeValue *a = ir::constantValue(v);
  if (!a)
    return std::nullopt;
  const ir::Type &t = *v->type();
  if (t.is(ir::TypeKind::Float))
    if (const auto *d = a->getIf<double>())
      return "f:" + std::to_string(*d);
  if (t.is(ir::TypeKind::Bool))
    if (const auto *i = a->getIf<int64_t>())
      return "b:" + std::to_string(*i);
  return constKey(v);
}

/// `x in l` for a constant x and a list of constants that nothing mutates (a prim::Constant
/// list or a ListConstruct, e.g. `mode in ["nearest", "area"]`); nullopt when unknown.
std::optional<bool> constantContains(const ir::Value *l, const ir::Value *x) {
  auto key = scalarText(x);
  if (!key || !l->type()->is(ir::TypeKind::List))
    return std::nullopt;
  if (const ir::AttributeValue *a = ir::constantValue(l)) {
    if (const auto *v = a->getIf<std::vector<std::string>>())
      return x->type()->is(ir::TypeKind::Str) &&
             std::find(v->begin(), v->end(), key->substr(2)) != v->end();
    if (const auto *v = a->getIf<std::vector<int64_t>>())
      return x->type()->is(ir::TypeKind::Int) &&
             std::find(v->begin(), v->end(), std::stoll(key->substr(2))) != v->end();
    return std::nullopt;
  }
  const ir::Node *n = l->node();
  if (n->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  for (const ir::Use &u : l->uses())
    if (u.user->hasSideEffects() || !u.user->blocks().empty() || u.user->kind() == ir::prim::Return)
      return std::nullopt;
  bool found = false;
  for (const ir::Value *e : n->inputs()) {
    auto k = scalarText(e);
    if (!k)
      return std::nullopt;
    found |= *k == *key;
  }
  return found;
}

/// len / __getitem__ of a constant list (a prim::Constant list or a ListConstruct of
/// constants that nothing mutates), prim::min/max of a ListConstruct of int constants.
bool foldConstantLists(ir::Graph &g, ir::Block *b) {
  static const ir::Symbol kLen = sym("aten::len"), kGetItem = sym("aten::__getitem__"),
                          kMin = sym("prim::min"), kMax = sym("prim::max"),
                          kContains = sym("aten::__contains__");
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      changed |= foldConstantLists(g, sub);
    if (n->inputs().empty() || n->outputs().size() != 1)
      continue;
    if (n->kind() == kContains && n->inputs().size() == 2) {
      if (auto found = constantContains(n->input(0), n->input(1))) {
        ir::WithInsertPoint guard(n);
        n->output()->replaceAllUsesWith(g.insertConstantBool(*found));
        n->destroy();
        changed = true;
        continue;
      }
    }
    const ir::AttributeValue *a = ir::constantValue(n->input(0));
    if (!a || !n->input(0)->type()->is(ir::TypeKind::List)) {
      if ((n->kind() == kMin || n->kind() == kMax) && n->inputs().size() == 1 &&
          n->input(0)->node()->kind() == ir::prim::ListConstruct &&
          !n->input(0)->node()->inputs().empty()) {
        std::vector<int64_t> xs;
        for (const ir::Value *e : n->input(0)->node()->inputs())
          if (auto i = ir::constantInt(e); i && e->type()->is(ir::TypeKind::Int))
            xs.push_back(*i);
        if (xs.size() != n->input(0)->node()->inputs().size())
          continue;
        int64_t r = xs[0];
        for (int64_t x : xs)
          r = n->kind() == kMin ? std::min(r, x) : std::max(r, x);
        ir::WithInsertPoint guard(n);
        n->output()->replaceAllUsesWith(g.insertConstantInt(r));
        n->destroy();
        changed = true;
      }
      continue;
    }
    std::optional<int64_t> size;
    if (const auto *v = a->getIf<std::vector<int64_t>>())
      size = int64_t(v->size());
    else if (const auto *v = a->getIf<std::vector<std::string>>())
      size = int64_t(v->size());
    else if (const auto *v = a->getIf<std::vector<double>>())
      size = int64_t(v->size());
    else if (const auto *v = a->getIf<std::vector<bool>>())
      size = int64_t(v->size());
    if (!size)
      continue;
    ir::WithInsertPoint guard(n);
    if (n->kind() == kLen && n->inputs().size() == 1) {
      n->output()->replaceAllUsesWith(g.insertConstantInt(*size));
      n->destroy();
      changed = true;
    } else if (n->kind() == kGetItem && n->inputs().size() == 2) {
      auto idx = ir::constantInt(n->input(1));
      if (!idx)
        continue;
      int64_t i = *idx < 0 ? *idx + *size : *idx;
      if (i < 0 || i >= *size)
        continue; // an IndexError at runtime: leave it
      ir::Value *c = nullptr;
      if (const auto *v = a->getIf<std::vector<int64_t>>())
        c = g.insertConstantInt((*v)[size_t(i)]);
      else if (const auto *v = a->getIf<std::vector<std::string>>())
        c = g.insertConstantString((*v)[size_t(i)]);
      else if (const auto *v = a->getIf<std::vector<double>>())
        c = g.insertConstantFloat((*v)[size_t(i)]);
      else if (const auto *v = a->getIf<std::vector<bool>>())
        c = g.insertConstantBool((*v)[size_t(i)]);
      n->output()->replaceAllUsesWith(c);
      n->destroy();
      changed = true;
    }
  }
  return changed;
}

/// A value of `t` the loop unroller wants to see resolved at compile time.
bool needsCompileTimeValue(const ir::Type &t) {
  if (t.is(ir::TypeKind::Dict))
    return true;
  if (t.is(ir::TypeKind::List)) {
    const ir::Type &e = *t.elementType();
    return e.is(ir::TypeKind::Str) || e.is(ir::TypeKind::Tuple) || e.is(ir::TypeKind::Dict);
  }
  return false;
}

/// `b` (or a block nested in it) uses a dict, or a list of str/tuples, made outside `loop`.
bool usesOuterDict(const ir::Block *b, const ir::Node *loop) {
  auto outside = [&](const ir::Value *v) {
    for (const ir::Node *n = v->node(); n; n = n->owningBlock()->owningNode())
      if (n == loop)
        return false;
    return true;
  };
  for (const ir::Node *n : b->nodes()) {
    for (const ir::Value *in : n->inputs())
      if (needsCompileTimeValue(*in->type()) && outside(in))
        return true;
    for (const ir::Block *sub : n->blocks())
      if (usesOuterDict(sub, loop))
        return true;
  }
  return false;
}

/// Unrolls the outermost loops that use dicts from outside; true if one was unrolled.
bool unrollDictLoops(ir::Graph &g, ir::Block *b, size_t &budget) {
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    if (n->kind() == ir::prim::Loop && usesOuterDict(n->blocks()[0], n) &&
        unrollLoop(g, n, budget, kMaxTrips)) {
      changed = true;
      continue;
    }
    for (ir::Block *sub : n->blocks())
      changed |= unrollDictLoops(g, sub, budget);
  }
  return changed;
}

} // namespace

bool lowerDicts(ir::Graph &graph) {
  bool any = false;
  size_t budget = kMaxUnrolledNodes;
  for (int round = 0; round < kMaxRounds; ++round) {
    bool changed = foldConstantLists(graph, graph.block());
    changed |= foldScalars(graph);
    changed |= peepholeScript(graph);
    changed |= lowerSimpleTuples(graph);
    changed |= lowerDictsOnce(graph);
    if (!changed)
      changed = unrollDictLoops(graph, graph.block(), budget);
    if (!changed)
      break;
    any = true;
  }
  return any;
}

absl::Status runLowerDicts(ir::Graph &graph, const PassOptions &) {
  lowerDicts(graph);
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
