// lower-list-appends: lists built by appends in straight-line code become list literals.
//
// Given: a well-formed graph.
// Does:  for a prim::ListConstruct whose every use sits in its own block and is either
//        aten::append, aten::_set_item with a constant index in range (`l[i] = v`),
//        aten::insert at a constant index (literals only), aten::extend by a list literal
//        nothing writes (results unused) or a reader (cat, stack, len, __getitem__, ...; also
//        inside nested blocks), replays the writes in program order: each reader gets a new
//        prim::ListConstruct of the elements so far (a reader in a nested block those before the
//        node holding it), and the writes go. A copy `list(x)` (or `x.copy()`) written so (a
//        non-negative constant index) becomes values too: `l[:i] + [v] + l[i + 1:]` (with the
//        IndexError for i >= len(l) kept as a ts2onnx::raise_if check) and `l + [v]`. A list
//        written inside a nested block, by another mutation (pop, clear, a runtime index, ...) or
//        after it was stored in a container is left alone; a returned list returns the elements by
//        the end of its block. First, `l += [a, b]` and `l.extend([a, b])` by such a literal
//        become appends of a and b wherever they are (in loops too, for functionalize-lists).
// Result: `outs = []; outs.append(a); outs.append(b); cat(outs)` is `cat([a, b])`, which ONNX
//         can express without sequences. Linear in the number of nodes and uses.
#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

const ir::Symbol kAppend = ir::Symbol::fromQualString("aten::append");
const ir::Symbol kSetItem = ir::Symbol::fromQualString("aten::_set_item");
const ir::Symbol kInsert = ir::Symbol::fromQualString("aten::insert");
const ir::Symbol kExtend = ir::Symbol::fromQualString("aten::extend");

/// A use that keeps the list itself (an alias a later write would show through).
bool aliases(const ir::Node *n) {
  ir::Symbol k = n->kind();
  return k == ir::prim::ListConstruct || k == ir::prim::TupleConstruct ||
         k == ir::prim::DictConstruct || k == ir::prim::Return;
}

bool isWrite(const ir::Node *n) {
  ir::Symbol k = n->kind();
  return k == kAppend || k == kSetItem || k == kInsert || k == kExtend;
}

/// The elements of `l.extend(other)`'s argument when it is a list literal nothing writes.
std::optional<std::vector<ir::Value *>> extendedElements(const ir::Node *extend) {
  const ir::Value *other = extend->input(1);
  if (other->node()->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  for (const ir::Use &u : other->uses())
    if (u.user != extend && (u.user->hasSideEffects() || aliases(u.user)))
      return std::nullopt;
  return std::vector<ir::Value *>(other->node()->inputs().begin(), other->node()->inputs().end());
}

/// A list value being replayed: its elements while they are known (a literal), else the value
/// holding it at this point.
class Replay {
public:
  Replay(ir::Graph &g, ir::Node *list) : g_(g), list_(list), l_(list->output()) {
    if (list->kind() == ir::prim::ListConstruct)
      elems_.emplace(list->inputs().begin(), list->inputs().end());
    else
      cur_ = l_;
  }

  /// The index a write `l[i] = v` at `n` takes in a literal of known length (constant, in
  /// range), or in any list (constant, not negative).
  std::optional<int64_t> writeIndex(const ir::Node *n) const {
    auto i = ir::constantInt(n->input(1));
    if (!i || !n->input(1)->type()->is(ir::TypeKind::Int))
      return std::nullopt;
    if (!elems_)
      return *i >= 0 ? i : std::nullopt;
    int64_t k = *i < 0 ? *i + int64_t(elems_->size()) : *i;
    if (k < 0 || k >= int64_t(elems_->size()))
      return std::nullopt;
    return k;
  }
  /// Counts `n` in a dry run (the length a literal reaches); false when it cannot be replayed.
  bool dryRun(const ir::Node *n) {
    if (n->kind() == kSetItem && !writeIndex(n))
      return false;
    if (n->kind() == kInsert) {
      auto at = insertIndex(n);
      if (!at)
        return false;
      elems_->insert(elems_->begin() + std::ptrdiff_t(*at), n->input(2));
    }
    if (n->kind() == kExtend) {
      auto more = extendedElements(n);
      if (!more)
        return false;
      if (elems_)
        elems_->insert(elems_->end(), more->begin(), more->end());
    }
    if (n->kind() == kAppend && elems_)
      elems_->push_back(n->input(1));
    return true;
  }

  /// Where `l.insert(i, v)` puts v in a literal of known length: Python clamps the constant
  /// index into [0, len] (a negative one counts from the end first).
  std::optional<size_t> insertIndex(const ir::Node *n) const {
    auto i = ir::constantInt(n->input(1));
    if (!i || !elems_ || !n->input(1)->type()->is(ir::TypeKind::Int))
      return std::nullopt;
    int64_t len = int64_t(elems_->size());
    int64_t k = *i < 0 ? std::max<int64_t>(*i + len, 0) : std::min(*i, len);
    return size_t(k);
  }

  void insert(ir::Node *n) {
    size_t at = *insertIndex(n);
    elems_->insert(elems_->begin() + std::ptrdiff_t(at), n->input(2));
    n->destroy();
  }

  void extend(ir::Node *n) {
    std::vector<ir::Value *> more = *extendedElements(n);
    if (elems_) {
      elems_->insert(elems_->end(), more.begin(), more.end());
    } else {
      ir::WithInsertPoint guard(n);
      cur_ = emit(n, "aten::add", {cur_, literal(n, more)});
    }
    n->destroy();
  }
  void reset() {
    if (elems_)
      elems_.emplace(list_->inputs().begin(), list_->inputs().end());
  }

  void append(ir::Node *n) {
    if (elems_) {
      elems_->push_back(n->input(1));
    } else {
      ir::WithInsertPoint guard(n);
      cur_ = emit(n, "aten::add", {cur_, literal(n, {n->input(1)})});
    }
    n->destroy();
  }

  void setItem(ir::Node *n) {
    int64_t i = *writeIndex(n);
    if (elems_) {
      (*elems_)[size_t(i)] = n->input(2);
    } else {
      // l[:i] + [v] + l[i + 1:], and the IndexError Python raises for i >= len(l) kept as a
      // check (check-input-shapes decides it once the length is known).
      ir::WithInsertPoint guard(n);
      ir::Value *none = g_.insertConstantNone();
      ir::Value *one = g_.insertConstantInt(1);
      ir::Value *index = g_.insertConstantInt(i);
      ir::Value *len = emitAs(n, "aten::len", {cur_}, ir::Type::intType());
      ir::Value *bad = emitAs(n, "aten::ge", {index, len}, ir::Type::boolType());
      static const ir::Symbol kRaiseIf = ir::Symbol::fromQualString("ts2onnx::raise_if");
      ir::Node *check = g_.insert(
          kRaiseIf, {bad, g_.insertConstantString("list assignment index out of range")}, 0);
      check->s_(ir::Symbol::fromQualString("attr::message"), "list assignment index out of range");
      check->s_(ir::Symbol::fromQualString("attr::kind"), "IndexError");
      check->setSourceLocation(n->sourceLocation());
      ir::Value *head = emit(n, "aten::slice", {cur_, g_.insertConstantInt(0), index, one});
      ir::Value *tail = emit(n, "aten::slice", {cur_, g_.insertConstantInt(i + 1), none, one});
      cur_ = emit(n, "aten::add", {emit(n, "aten::add", {head, literal(n, {n->input(2)})}), tail});
    }
    n->destroy();
  }

  /// The list as it is before `n`.
  ir::Value *valueBefore(ir::Node *n) {
    if (!elems_)
      return cur_;
    ir::WithInsertPoint guard(n);
    return literal(n, *elems_);
  }

private:
  ir::Value *emitAs(const ir::Node *at, std::string_view op, std::vector<ir::Value *> ins,
                    ir::TypePtr t) {
    ir::Node *m = g_.insert(ir::Symbol::fromQualString(op), ins, 1);
    m->output()->setType(std::move(t));
    m->setSourceLocation(at->sourceLocation());
    return m->output();
  }
  ir::Value *emit(const ir::Node *at, std::string_view op, std::vector<ir::Value *> ins) {
    return emitAs(at, op, std::move(ins), l_->type());
  }
  ir::Value *literal(const ir::Node *at, const std::vector<ir::Value *> &elems) {
    ir::Node *c = g_.insert(ir::prim::ListConstruct, elems, 1);
    c->output()->setType(l_->type());
    c->setSourceLocation(elems_ ? list_->sourceLocation() : at->sourceLocation());
    return c->output();
  }

  ir::Graph &g_;
  ir::Node *list_;
  ir::Value *l_;
  std::optional<std::vector<ir::Value *>> elems_;
  ir::Value *cur_ = nullptr;
};

/// Replays the writes to a fresh list (a literal, or `list(x)`'s copy) made in straight-line
/// code of its block.
bool lowerList(ir::Graph &g, ir::Node *list) {
  ir::Value *l = list->output();
  ir::Block *home = list->owningBlock();
  if (!l->hasUses())
    return false;
  // The list's block's nodes that write or read it; readers in nested blocks by the node of
  // the list's block that holds them.
  absl::flat_hash_set<const ir::Node *> users;
  absl::flat_hash_map<const ir::Node *, std::vector<ir::Node *>> nestedReaders;
  bool writes = false;
  for (const ir::Use &u : l->uses()) {
    ir::Node *user = u.user;
    if (user->owningBlock() != home) {
      ir::Node *holder = user->ancestorIn(home);
      if (!holder || user->hasSideEffects() || !user->blocks().empty() || aliases(user))
        return false; // a write or a use we cannot follow inside a nested block
      nestedReaders[holder].push_back(user);
      users.insert(holder);
      continue;
    }
    if (user->kind() == ir::prim::Return) {
      users.insert(user);
      continue;
    }
    if (isWrite(user)) {
      if (u.offset != 0 || (!user->outputs().empty() && user->output()->hasUses()))
        return false;
      writes = true;
    } else if (user->hasSideEffects() || !user->blocks().empty()) {
      return false; // another mutation, or a use we cannot follow
    }
    users.insert(user);
  }
  // Only a list something writes needs replaying.
  if (!writes)
    return false;
  // Every write must replay, and none may follow a use that keeps the list itself.
  Replay replay(g, list);
  bool aliased = false;
  for (const ir::Node *n = list->next(); n != home->returnNode(); n = n->next()) {
    if (!users.contains(n))
      continue;
    bool write = isWrite(n);
    if ((write && aliased) || !replay.dryRun(n))
      return false;
    aliased |= !write && aliases(n);
  }
  replay.reset();
  for (ir::Node *n = list->next(); n != home->returnNode();) {
    ir::Node *next = n->next();
    if (users.contains(n)) {
      if (n->kind() == kAppend) {
        replay.append(n);
      } else if (n->kind() == kSetItem) {
        replay.setItem(n);
      } else if (n->kind() == kInsert) {
        replay.insert(n);
      } else if (n->kind() == kExtend) {
        replay.extend(n);
      } else {
        ir::Value *now = replay.valueBefore(n);
        if (auto it = nestedReaders.find(n); it != nestedReaders.end())
          for (ir::Node *reader : it->second)
            reader->replaceInputWith(l, now);
        if (now != l)
          n->replaceInputWith(l, now);
      }
    }
    n = next;
  }
  // Returned: the block returns the list as it is at its end.
  if (ir::Node *ret = home->returnNode(); users.contains(ret)) {
    ir::Value *now = replay.valueBefore(ret);
    if (now != l)
      ret->replaceInputWith(l, now);
  }
  if (!l->hasUses())
    list->destroy();
  return true;
}

bool lowerBlock(ir::Graph &g, ir::Block *b) {
  bool changed = false;
  std::vector<ir::Node *> lists;
  for (ir::Node *n : b->nodes()) {
    for (ir::Block *sub : n->blocks())
      changed |= lowerBlock(g, sub);
    std::string_view q = n->kind().qualString();
    if (n->kind() == ir::prim::ListConstruct || q == "aten::list" ||
        (q == "aten::copy" && n->inputs().size() == 1 &&
         n->output()->type()->is(ir::TypeKind::List)))
      lists.push_back(n);
  }
  for (ir::Node *list : lists)
    changed |= lowerList(g, list);
  return changed;
}

} // namespace

/// `l += [a, b]` (aten::add_ of lists) and `l.extend([a, b])` by a list literal nothing else
/// writes or keeps are appends of a and b, anywhere (in a loop too, where functionalize-lists
/// then carries them; Tacotron2's decoder collects its frames so); add_'s result is l.
bool extendsAsAppends(ir::Graph &g, ir::Block *b) {
  static const ir::Symbol kAddInPlace = ir::Symbol::fromQualString("aten::add_");
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      changed |= extendsAsAppends(g, sub);
    bool listAdd = n->kind() == kAddInPlace && n->inputs().size() == 2 &&
                   n->input(0)->type()->is(ir::TypeKind::List);
    if (!listAdd && !(n->kind() == kExtend && n->inputs().size() == 2))
      continue;
    auto more = extendedElements(n);
    bool resultRead = false; // extend's None, or a result that is no list
    for (ir::Value *out : n->outputs())
      resultRead |= out->hasUses() && !out->type()->is(ir::TypeKind::List);
    if (!more || resultRead)
      continue;
    ir::Value *l = n->input(0);
    ir::WithInsertPoint at(n);
    for (ir::Value *e : *more) {
      ir::Node *a = g.insert(kAppend, {l, e}, 1);
      a->output()->setType(l->type());
      a->setSourceLocation(n->sourceLocation());
    }
    for (ir::Value *out : n->outputs())
      out->replaceAllUsesWith(l);
    n->destroy();
    changed = true;
  }
  return changed;
}

bool lowerListWrites(ir::Graph &graph) {
  bool changed = extendsAsAppends(graph, graph.block());
  return lowerBlock(graph, graph.block()) || changed;
}

absl::Status runLowerListAppends(ir::Graph &graph, const PassOptions &) {
  lowerListWrites(graph);
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
