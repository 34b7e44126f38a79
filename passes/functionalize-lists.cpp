// functionalize-lists: list appends become values, so lists can be ONNX sequences.
//
// Given: a well-formed graph.
// Does:  for a prim::ListConstruct of tensors or numbers whose every use is an aten::append to
//        it (result unused) or a reader without blocks or side effects (len, __getitem__, cat,
//        stack, sum, ...), possibly inside If/Loop blocks, makes each append produce the next
//        version of the list and every later use read the version current at that point: a
//        Loop whose body appends carries the list (a new loop-carried input and output), an
//        If whose branches append returns it (a new output). Then an append to a
//        ListConstruct becomes a longer ListConstruct. A list that is returned, stored in a
//        container, passed to a Loop/If directly or mutated otherwise (insert, pop,
//        _set_item, ...) is left alone.
//        First, a list a Loop carries and its body returns unchanged (the same object each
//        iteration) stops being carried: its uses read the list itself.
// Result: aten::append nodes that remain take a loop-carried or If-merged list and their
//         result is used as the new list, which to-onnx turns into SequenceInsert; lists whose
//         length is known become literals. Linear in the size of the list's blocks per list.
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

const ir::Symbol kAppend = ir::Symbol::fromQualString("aten::append");

bool isAppendTo(const ir::Node *n, const ir::Value *l) {
  return n->kind() == kAppend && n->inputs().size() == 2 && n->input(0) == l;
}

class ListFunctionalizer {
public:
  ListFunctionalizer(ir::Node *list, absl::flat_hash_set<ir::Node *> &appends)
      : list_(list), l_(list->output()), appends_(appends) {}

  bool run() {
    if (!eligible())
      return false;
    walk(list_->owningBlock(), list_->next(), l_);
    return true;
  }

private:
  /// Every use of the list is an append or a plain reader in the list's block or blocks
  /// nested in it, and at least one append exists.
  bool eligible() {
    const ir::Type &t = *l_->type();
    if (!t.is(ir::TypeKind::List))
      return false;
    const ir::Type &e = *t.elementType();
    if (!e.isTensor() && !e.is(ir::TypeKind::Int) && !e.is(ir::TypeKind::Float) &&
        !e.is(ir::TypeKind::Bool))
      return false;
    bool anyAppend = false;
    for (const ir::Use &u : l_->uses()) {
      const ir::Node *user = u.user;
      if (!inside(user))
        return false;
      if (user->kind() == kAppend) {
        if (u.offset != 0 || user->inputs().size() != 2 || user->input(1) == l_ ||
            user->output()->hasUses())
          return false;
        anyAppend = true;
        continue;
      }
      ir::Symbol k = user->kind();
      if (user->hasSideEffects() || !user->blocks().empty() || k == ir::prim::Return ||
          k == ir::prim::ListConstruct || k == ir::prim::TupleConstruct ||
          k == ir::prim::DictConstruct || k == ir::prim::Param)
        return false;
      if (user->kind().qualString() == "aten::list" || user->kind().qualString() == "aten::copy")
        return false;
    }
    return anyAppend;
  }

  /// `n` sits in the list's block or in a block nested in it, after the list.
  bool inside(const ir::Node *n) const {
    const ir::Block *home = list_->owningBlock();
    while (n->owningBlock() != home) {
      n = n->owningBlock()->owningNode();
      if (!n)
        return false;
    }
    return list_->isBefore(n);
  }

  bool appendsIn(const ir::Block *b) const {
    for (const ir::Node *n : b->nodes()) {
      if (isAppendTo(n, l_))
        return true;
      for (const ir::Block *sub : n->blocks())
        if (appendsIn(sub))
          return true;
    }
    return false;
  }

  /// Rewrites the uses of the list in `b` from `from` on, given its current version `cur`;
  /// returns the version at the end of the block.
  ir::Value *walk(ir::Block *b, ir::Node *from, ir::Value *cur) {
    for (ir::Node *n = from; n != b->returnNode(); n = n->next()) {
      if (isAppendTo(n, l_)) {
        n->replaceInput(0, cur);
        n->output()->setType(l_->type());
        cur = n->output();
        appends_.insert(n);
        continue;
      }
      for (size_t i = 0; i < n->inputs().size(); ++i)
        if (n->input(i) == l_)
          n->replaceInput(i, cur);
      if (n->blocks().empty())
        continue;
      bool mutates = false;
      for (const ir::Block *sub : n->blocks())
        mutates |= appendsIn(sub);
      if (!mutates) {
        for (ir::Block *sub : n->blocks())
          walk(sub,
               sub->nodes().begin() == sub->nodes().end() ? sub->returnNode()
                                                          : *sub->nodes().begin(),
               cur);
        continue;
      }
      if (n->kind() == ir::prim::Loop) {
        ir::Block *body = n->blocks()[0];
        n->addInput(cur);
        ir::Value *in = body->addInput();
        in->setType(l_->type());
        ir::Value *end = walk(body, firstNode(body), in);
        body->registerOutput(end);
        cur = n->addOutput()->setType(l_->type());
      } else { // prim::If (or another node with blocks: each block yields its version)
        for (ir::Block *sub : n->blocks())
          sub->registerOutput(walk(sub, firstNode(sub), cur));
        cur = n->addOutput()->setType(l_->type());
      }
    }
    return cur;
  }

  static ir::Node *firstNode(ir::Block *b) {
    return b->nodes().begin() == b->nodes().end() ? b->returnNode() : *b->nodes().begin();
  }

  ir::Node *list_;
  ir::Value *l_;
  absl::flat_hash_set<ir::Node *> &appends_;
};

/// A list a Loop carries that its body returns unchanged is the same list object in every
/// iteration (TorchScript carries `outs` through `while ...: outs += [y]`, whose result is
/// `outs` itself): its uses inside and after the loop read the initial list, and the loop stops
/// carrying it, so that the appends to it in the body are found on the list itself.
void uncarryInvariantLists(ir::Block *b) {
  for (ir::Node *n : b->nodes()) {
    for (ir::Block *sub : n->blocks())
      uncarryInvariantLists(sub);
    if (n->kind() != ir::prim::Loop || n->blocks().size() != 1)
      continue;
    ir::Block *body = n->blocks()[0];
    for (size_t j = n->outputs().size(); j-- > 0;) {
      if (j + 2 >= n->inputs().size() || j + 1 >= body->inputs().size() ||
          j + 1 >= body->outputs().size())
        continue;
      ir::Value *param = body->inputs()[j + 1];
      if (body->outputs()[j + 1] != param || !param->type()->is(ir::TypeKind::List))
        continue;
      ir::Value *initial = n->input(j + 2);
      body->eraseOutput(j + 1);
      param->replaceAllUsesWith(initial);
      n->output(j)->replaceAllUsesWith(initial);
      body->eraseInput(j + 1);
      n->removeInput(j + 2);
      n->eraseOutput(j);
    }
  }
}

void collectLists(ir::Block *b, std::vector<ir::Node *> &out) {
  for (ir::Node *n : b->nodes()) {
    if (n->kind() == ir::prim::ListConstruct)
      out.push_back(n);
    for (ir::Block *sub : n->blocks())
      collectLists(sub, out);
  }
}

/// A functional append(ListConstruct(xs...), y) -> ListConstruct(xs..., y), in program order
/// so chains fold; one whose result nothing reads goes.
void foldLiteralAppends(ir::Graph &g, ir::Block *b, absl::flat_hash_set<ir::Node *> &appends) {
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      foldLiteralAppends(g, sub, appends);
    if (!appends.contains(n) || n->input(0)->node()->kind() != ir::prim::ListConstruct)
      continue;
    appends.erase(n);
    if (n->output()->hasUses()) {
      std::vector<ir::Value *> elems(n->input(0)->node()->inputs().begin(),
                                     n->input(0)->node()->inputs().end());
      elems.push_back(n->input(1));
      ir::WithInsertPoint guard(n);
      ir::Node *c = g.insert(ir::prim::ListConstruct, elems);
      c->output()->setType(n->output()->type());
      c->setSourceLocation(n->sourceLocation());
      n->output()->replaceAllUsesWith(c->output());
    }
    n->destroy();
  }
}

} // namespace

absl::Status runFunctionalizeLists(ir::Graph &graph, const PassOptions &) {
  uncarryInvariantLists(graph.block());
  std::vector<ir::Node *> lists;
  collectLists(graph.block(), lists);
  absl::flat_hash_set<ir::Node *> appends;
  for (ir::Node *l : lists)
    ListFunctionalizer(l, appends).run();
  foldLiteralAppends(graph, graph.block(), appends);
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
