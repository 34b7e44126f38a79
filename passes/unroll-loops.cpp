// unroll-loops: small loops over lists of static length become straight-line code.
//
// Given: a graph after lower-dicts (dict loops are already unrolled there).
// Does:  unrolls a prim::Loop whose trip count is known at compile time (a constant, or
//        len() of a list whose length is static and that nothing mutates: a list literal, a
//        constant list, or aten::split with a list of sizes), whose condition is constantly
//        true, and whose body reads or appends to a list made outside the loop, as in
//        `[f(t) for t in torch.split(x, [1, 1, 1])]`. ONNX would need sequences (and
//        SequenceAt with the loop counter) for that; unrolled, the list reads take constant
//        indices and the appends become a list literal (lower-list-appends), whose elements can
//        be separate graph outputs. At most kMaxTrips iterations and kMaxUnrolledNodes copied
//        nodes per graph.
// Result: those loops are gone; other loops are left as they are. Linear in the copies made.
#include <optional>

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
  // split(x, int[] sizes, dim) / split_with_sizes: one piece per size.
  if ((k == "split" || k == "split_with_sizes") && p->inputs().size() >= 2 &&
      p->input(1)->type()->is(ir::TypeKind::List))
    return constListLength(p->input(1));
  return std::nullopt;
}

std::optional<int64_t> staticTrips(const ir::Value *v) {
  if (const ir::AttributeValue *a = ir::constantValue(v))
    if (const int64_t *i = a->getIf<int64_t>())
      return *i;
  const ir::Node *p = v->node();
  if (p->kind().qualString() == "aten::len" && p->inputs().size() == 1)
    return staticLength(p->input(0));
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

bool unrollBlock(ir::Graph &g, ir::Block *b, size_t &budget) {
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    if (n->kind() == ir::prim::Loop && usesOuterList(n->blocks()[0], n)) {
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

absl::Status runUnrollLoops(ir::Graph &graph, const PassOptions &) {
  size_t budget = kMaxUnrolledNodes;
  unrollBlock(graph, graph.block(), budget);
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
