// unroll-loops: small loops over lists of static length become straight-line code.
//
// Given: a graph after lower-dicts (dict loops are already unrolled there).
// Does:  unrolls a prim::Loop whose trip count is known at compile time (a constant, or
//        len() of a list whose length is static and that nothing mutates: a list literal, a
//        constant list, or aten::split with a list of sizes; or a list literal whose length
//        changes only by appends in its own block, counted up to the len), whose condition is
//        constantly
//        true, and whose body reads or appends to a list made outside the loop, as in
//        `[f(t) for t in torch.split(x, [1, 1, 1])]`. ONNX would need sequences (and
//        SequenceAt with the loop counter) for that; unrolled, the list reads take constant
//        indices and the appends become a list literal (lower-list-appends), whose elements can
//        be separate graph outputs. At most kMaxTrips iterations and kMaxUnrolledNodes copied
//        nodes per graph.
// Result: those loops are gone; other loops are left as they are. Linear in the copies made.
#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "passes/Passes.h"
#include "passes/Unroll.h"

namespace ts2onnx::passes {
namespace {

constexpr int64_t kMaxTrips = 64;
constexpr size_t kMaxUnrolledNodes = 20000;

std::optional<int64_t> constListLength(const ir::Value *v) {
  const ir::Node *p = v->node();
  if (p->kind() == ir::prim::ListConstruct)
    return int64_t(p->inputs().size());
  if (p->kind() == ir::prim::Constant)
    if (const ir::AttributeValue *a = p->attribute(ir::attr::value)) {
      if (const auto *is = a->getIf<std::vector<int64_t>>())
        return int64_t(is->size());
      if (const auto *ds = a->getIf<std::vector<double>>())
        return int64_t(ds->size());
    }
  return std::nullopt;
}

/// No use of list `v` may change it: every user is a reader without side effects (an append,
/// insert, pop, ... has them) that does not put it into another container.
bool neverMutated(const ir::Value *v) {
  for (const ir::Use &u : v->uses()) {
    const ir::Node *n = u.user;
    if (n->kind() == ir::prim::ListConstruct || n->kind() == ir::prim::TupleConstruct ||
        n->kind() == ir::prim::DictConstruct || !n->blocks().empty() || n->hasSideEffects())
      return false;
  }
  return true;
}

/// The length of list `v` when it is known without running the graph.
std::optional<int64_t> staticLength(const ir::Value *v) {
  if (!v->type()->is(ir::TypeKind::List) || !neverMutated(v))
    return std::nullopt;
  if (auto n = constListLength(v))
    return n;
  const ir::Node *p = v->node();
  std::string_view k = p->kind().isNamespace("aten") ? p->kind().name() : std::string_view();
  // split(x, int[] sizes, dim) / split_with_sizes: one piece per size (sizes nothing writes:
  // a list still being appended to is counted by lengthAt).
  if ((k == "split" || k == "split_with_sizes") && p->inputs().size() >= 2 &&
      p->input(1)->type()->is(ir::TypeKind::List) && neverMutated(p->input(1)))
    return constListLength(p->input(1));
  return std::nullopt;
}

/// The length of list literal `v` where `at` reads it, when its only length changes are appends
/// in the literal's own block (straight-line code, as `out = []; for t in xs: out.append(t)`
/// leaves it once unrolled): the literal's elements plus the appends before `at`. Element
/// writes (`l[i] = x`) keep the length; any other writer, or the list stored in a container,
/// passed to a block or appended to in a nested block, makes it unknown.
std::optional<int64_t> appendedLength(const ir::Value *v, const ir::Node *at) {
  const ir::Node *p = v->node();
  auto base = constListLength(v);
  const ir::Node *where = at->ancestorIn(p->owningBlock());
  if (!base || p->kind() != ir::prim::ListConstruct || !where)
    return std::nullopt;
  absl::flat_hash_set<const ir::Node *> appends;
  for (const ir::Use &u : v->uses()) {
    const ir::Node *n = u.user;
    std::string_view k = n->kind().qualString();
    // append and _set_item return the list: an alias that is used makes the count unsafe.
    bool unaliased = n->outputs().size() == 1 && n->output()->uses().empty();
    if (k == "aten::append" && u.offset == 0 && unaliased && n->owningBlock() == p->owningBlock()) {
      appends.insert(n);
      continue;
    }
    if (k == "aten::_set_item" && u.offset == 0 && unaliased)
      continue;
    if (n->kind() == ir::prim::ListConstruct || n->kind() == ir::prim::TupleConstruct ||
        n->kind() == ir::prim::DictConstruct || !n->blocks().empty() || n->hasSideEffects() ||
        n->kind() == ir::prim::Return)
      return std::nullopt;
  }
  // The appends before `at` (one walk from the literal: Node::isBefore per append would walk
  // the block once for each).
  int64_t length = *base;
  for (const ir::Node *n = p->next(); n != where; n = n->next())
    length += appends.contains(n) ? 1 : 0;
  return length;
}

/// The length of list `v` where `at` reads it; a slice `l[start:end:step]` with constant bounds
/// of a list of known length has the length Python gives it.
std::optional<int64_t> lengthAt(const ir::Value *v, const ir::Node *at) {
  if (auto n = staticLength(v))
    return n;
  if (auto n = appendedLength(v, at))
    return n;
  const ir::Node *p = v->node();
  std::string_view k = p->kind().isNamespace("aten") ? p->kind().name() : std::string_view();
  if ((k == "split" || k == "split_with_sizes") && p->inputs().size() >= 2 &&
      p->input(1)->type()->is(ir::TypeKind::List) && neverMutated(v))
    return lengthAt(p->input(1), p);
  if (p->kind().qualString() != "aten::slice" || p->inputs().size() != 4 ||
      !p->input(0)->type()->is(ir::TypeKind::List))
    return std::nullopt;
  auto size = lengthAt(p->input(0), at);
  auto bound = [&](size_t i, int64_t dflt) -> std::optional<int64_t> {
    if (p->input(i)->type()->is(ir::TypeKind::None))
      return dflt;
    return ir::constantInt(p->input(i));
  };
  if (!size)
    return std::nullopt;
  auto start = bound(1, 0), end = bound(2, *size), step = bound(3, 1);
  if (!start || !end || !step || *step != 1)
    return std::nullopt;
  auto clamp = [&](int64_t i) {
    if (i < 0)
      i += *size;
    return std::clamp<int64_t>(i, 0, *size);
  };
  return std::max<int64_t>(0, clamp(*end) - clamp(*start));
}

std::optional<int64_t> staticTrips(const ir::Value *v) {
  if (const ir::AttributeValue *a = ir::constantValue(v))
    if (const int64_t *i = a->getIf<int64_t>())
      return *i;
  const ir::Node *p = v->node();
  if (p->kind().qualString() == "aten::len" && p->inputs().size() == 1)
    return lengthAt(p->input(0), p);
  return std::nullopt;
}

bool definedIn(const ir::Value *v, const ir::Node *loop) {
  for (const ir::Node *n = v->node(); n; n = n->owningBlock()->owningNode())
    if (n == loop)
      return true;
  return false;
}

/// `b` (or a nested block) uses a list made outside `loop`.
bool usesOuterList(const ir::Block *b, const ir::Node *loop) {
  for (const ir::Node *n : b->nodes()) {
    for (const ir::Value *in : n->inputs())
      if (in->type()->is(ir::TypeKind::List) && !definedIn(in, loop))
        return true;
    for (const ir::Block *sub : n->blocks())
      if (usesOuterList(sub, loop))
        return true;
  }
  return false;
}

/// `loop` carries a list (functionalize-lists made its appends values): unrolled, the appends
/// chain on the initial list and fold to a literal.
bool carriesList(const ir::Node *loop) {
  for (const ir::Value *out : loop->outputs())
    if (out->type()->is(ir::TypeKind::List))
      return true;
  return false;
}

bool unrollBlock(ir::Graph &g, ir::Block *b, size_t &budget) {
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    if (n->kind() == ir::prim::Loop && (usesOuterList(n->blocks()[0], n) || carriesList(n))) {
      auto trips = staticTrips(n->input(0));
      if (trips && *trips >= 0 && *trips <= kMaxTrips) {
        ir::Value *old = n->input(0);
        ir::WithInsertPoint guard(n);
        n->replaceInput(0, g.insertConstantInt(*trips));
        if (unrollLoop(g, n, budget, kMaxTrips)) {
          changed = true;
          continue;
        }
        n->replaceInput(0, old);
      }
    }
    for (ir::Block *sub : n->blocks())
      changed |= unrollBlock(g, sub, budget);
  }
  return changed;
}

} // namespace

bool unrollStaticLoops(ir::Graph &graph) {
  size_t budget = kMaxUnrolledNodes;
  return unrollBlock(graph, graph.block(), budget);
}

absl::Status runUnrollLoops(ir::Graph &graph, const PassOptions &) {
  unrollStaticLoops(graph);
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
