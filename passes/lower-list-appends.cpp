// lower-list-appends: lists built by appends in straight-line code become list literals.
//
// Given: a well-formed graph.
// Does:  for a prim::ListConstruct whose every use sits in its own block and is either
//        aten::append (result unused) or a reader (cat, stack, len, __getitem__, ...), replays
//        the appends in program order: each reader gets a new prim::ListConstruct of the
//        elements appended so far, and the appends go. A list used inside a nested block or by
//        another mutation (insert, pop, _set_item, clear, ...) is left alone; a returned list
//        returns the elements appended by the end of its block.
// Result: `outs = []; outs.append(a); outs.append(b); cat(outs)` is `cat([a, b])`, which ONNX
//         can express without sequences. Linear in the number of nodes and uses.
#include "absl/container/flat_hash_set.h"
#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

bool lowerList(ir::Graph &g, ir::Node *list) {
  static const ir::Symbol kAppend = ir::Symbol::fromQualString("aten::append");
  ir::Value *l = list->output();
  if (!l->hasUses())
    return false;
  absl::flat_hash_set<const ir::Node *> users;
  for (const ir::Use &u : l->uses()) {
    ir::Node *user = u.user;
    if (user->owningBlock() != list->owningBlock())
      return false;
    if (user->kind() == ir::prim::Return) {
      users.insert(user);
      continue;
    }
    if (user->kind() == kAppend) {
      if (u.offset != 0 || user->output()->hasUses())
        return false;
    } else if (user->hasSideEffects() || !user->blocks().empty()) {
      return false; // another mutation, or a use we cannot follow
    }
    users.insert(user);
  }
  std::vector<ir::Value *> elems(list->inputs().begin(), list->inputs().end());
  for (ir::Node *n = list->next(); n != list->owningBlock()->returnNode();) {
    ir::Node *next = n->next();
    if (users.contains(n)) {
      if (n->kind() == kAppend) {
        elems.push_back(n->input(1));
        n->destroy();
      } else {
        ir::WithInsertPoint guard(n);
        ir::Node *snapshot = g.insert(ir::prim::ListConstruct, elems, 1);
        snapshot->output()->setType(l->type());
        snapshot->setSourceLocation(list->sourceLocation());
        n->replaceInputWith(l, snapshot->output());
      }
    }
    n = next;
  }
  // Returned: the block returns the elements appended by its end.
  if (ir::Node *ret = list->owningBlock()->returnNode(); users.contains(ret)) {
    ir::WithInsertPoint guard(ret);
    ir::Node *final = g.insert(ir::prim::ListConstruct, elems, 1);
    final->output()->setType(l->type());
    final->setSourceLocation(list->sourceLocation());
    ret->replaceInputWith(l, final->output());
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
    if (n->kind() == ir::prim::ListConstruct)
      lists.push_back(n);
  }
  for (ir::Node *list : lists)
    changed |= lowerList(g, list);
  return changed;
}

} // namespace

absl::Status runLowerListAppends(ir::Graph &graph, const PassOptions &) {
  lowerBlock(graph, graph.block());
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
