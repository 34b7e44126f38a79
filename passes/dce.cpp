// dce: dead code elimination.
//
// Given: a well-formed graph.
// Does:  marks what must stay, then deletes everything else in one sweep:
//        - live roots are the graph outputs and every node with side effects of its own
//          (Node::hasSideEffects: prim::RaiseException, prim::Print, prim::SetAttr, in-place
//          aten ops, list mutation, ...); a live node keeps the nodes enclosing it alive;
//          but a write (append, update, ...) to a list or dict literal is live only once the
//          literal is (read, or used by a live node that may alias it);
//        - a live value keeps its producer alive; a live prim::If output keeps that output of
//          both blocks, a live prim::If keeps its condition; a live prim::Loop keeps its trip
//          count, initial condition and body condition, and a loop-carried value is live when
//          its loop output or its body input is (it then keeps its initial value and its body
//          output);
//        - the sweep walks blocks in reverse so users go before producers, removes dead nodes
//          (a dead prim::If/prim::Loop goes whole), dead prim::If outputs (with the block
//          outputs feeding them) and dead loop-carried values (output, initial value, body
//          input and body output together). Other nodes with blocks keep all their outputs.
// Result: no node without side effects whose outputs are all unused, no unused prim::If output,
//         no loop-carried value unused both after and inside the loop. Linear time.
#include <vector>

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "ir/Status.h"
#include "ir/Verifier.h"
#include "passes/Effects.h"
#include "passes/Passes.h"

namespace ts2onnx::passes {

namespace {

class DeadCodeElimination {
public:
  explicit DeadCodeElimination(ir::Graph &graph) : graph_(graph), live_(graph.newMark()) {}

  absl::Status run() {
    for (ir::Value *v : graph_.outputs())
      markValue(v);
    markRoots(graph_.block());
    while (!work_.empty()) {
      ir::Value *v = work_.back();
      work_.pop_back();
      propagate(v);
    }
    return sweep(graph_.block());
  }

private:
  void markValue(ir::Value *v) {
    if (v->marked(live_))
      return;
    v->setMark(live_);
    work_.push_back(v);
    if (auto it = pendingWrites_.find(v); it != pendingWrites_.end()) {
      std::vector<ir::Node *> writes = std::move(it->second);
      pendingWrites_.erase(it);
      for (ir::Node *w : writes)
        markNode(w);
    }
  }

  /// A list or dict write (append, update, ...) whose only effect is on a list or dict literal
  /// made in this graph: it matters only if that container is read (or aliased by a node that
  /// is live), so it waits until the container is live.
  static bool writesFreshContainer(const ir::Node &n) {
    static const ir::Symbol kWrites[] = {ir::Symbol::fromQualString("aten::append"),
                                         ir::Symbol::fromQualString("aten::_set_item"),
                                         ir::Symbol::fromQualString("aten::Delete"),
                                         ir::Symbol::fromQualString("aten::insert"),
                                         ir::Symbol::fromQualString("aten::clear"),
                                         ir::Symbol::fromQualString("aten::extend"),
                                         ir::Symbol::fromQualString("aten::remove"),
                                         ir::Symbol::fromQualString("aten::update"),
                                         ir::Symbol::fromQualString("aten::setdefault")};
    if (n.inputs().empty() || !n.blocks().empty())
      return false;
    bool write = false;
    for (ir::Symbol k : kWrites)
      write |= n.kind() == k;
    if (!write)
      return false;
    ir::Symbol c = n.input(0)->node()->kind();
    return c == ir::prim::ListConstruct || c == ir::prim::DictConstruct;
  }

  // Marks `n` live together with what running it needs, then the nodes enclosing it.
  void markNode(ir::Node *n) {
    while (n && !n->marked(live_)) {
      n->setMark(live_);
      if (n->kind() == ir::prim::If) {
        markValue(n->input(0));
      } else if (n->kind() == ir::prim::Loop) {
        markValue(n->input(0));
        markValue(n->input(1));
        markValue(n->blocks().at(0)->outputs().at(0));
      } else {
        for (ir::Value *in : n->inputs())
          markValue(in);
        for (ir::Block *b : n->blocks())
          for (ir::Value *out : b->outputs())
            markValue(out);
      }
      ir::Block *owner = n->owningBlock();
      n = owner ? owner->owningNode() : nullptr;
    }
  }

  void markCarried(ir::Node *loop, size_t j) {
    ir::Block *body = loop->blocks().at(0);
    markNode(loop);
    markValue(loop->output(j));
    markValue(body->inputs().at(1 + j));
    markValue(loop->input(2 + j));
    markValue(body->outputs().at(1 + j));
  }

  void propagate(ir::Value *v) {
    ir::Node *def = v->node();
    if (def->kind() == ir::prim::Param) {
      // Block inputs: only a loop-carried one asks for more (its initial and next value).
      ir::Node *owner = def->owningBlock()->owningNode();
      if (owner && owner->kind() == ir::prim::Loop && v->offset() >= 1)
        markCarried(owner, v->offset() - 1);
    } else if (def->kind() == ir::prim::If) {
      markNode(def);
      for (ir::Block *b : def->blocks())
        markValue(b->outputs().at(v->offset()));
    } else if (def->kind() == ir::prim::Loop) {
      markCarried(def, v->offset());
    } else {
      markNode(def);
    }
  }

  void markRoots(ir::Block *b) {
    for (ir::Node *n : b->nodes()) {
      if (writesFreshContainer(*n) && !isLive(n->input(0)))
        pendingWrites_[n->input(0)].push_back(n);
      else if (effects_.ownEffects(*n))
        markNode(n);
      for (ir::Block *sub : n->blocks())
        markRoots(sub);
    }
  }

  bool isLive(const ir::Value *v) const { return v->marked(live_); }

  static absl::Status stillUsed(const ir::Node &n, const ir::Value &v) {
    return absl::InternalError(
        fmt::format("dce: %{} of {} is dead but still used", v.debugName(), ir::describeNode(n)));
  }

  absl::Status sweep(ir::Block *b) {
    auto range = b->reverseNodes();
    for (auto it = range.begin(); it != range.end();) {
      ir::Node *n = *it;
      ++it;
      if (!n->marked(live_)) {
        for (ir::Value *out : n->outputs())
          if (out->hasUses())
            return stillUsed(*n, *out);
        n->destroy();
      } else if (n->kind() == ir::prim::If) {
        TS2ONNX_RETURN_IF_ERROR(sweepIf(n));
      } else if (n->kind() == ir::prim::Loop) {
        TS2ONNX_RETURN_IF_ERROR(sweepLoop(n));
      } else {
        for (ir::Block *sub : n->blocks())
          TS2ONNX_RETURN_IF_ERROR(sweep(sub));
      }
    }
    return absl::OkStatus();
  }

  absl::Status sweepIf(ir::Node *n) {
    std::vector<size_t> dead; // descending
    for (size_t i = n->outputs().size(); i-- > 0;)
      if (!isLive(n->output(i)))
        dead.push_back(i);
    // Block outputs first, so the nodes computing them are dead when the blocks are swept.
    for (ir::Block *b : n->blocks())
      for (size_t i : dead)
        b->eraseOutput(i);
    for (ir::Block *b : n->blocks())
      TS2ONNX_RETURN_IF_ERROR(sweep(b));
    for (size_t i : dead) {
      if (n->output(i)->hasUses())
        return stillUsed(*n, *n->output(i));
      n->eraseOutput(i);
    }
    return absl::OkStatus();
  }

  absl::Status sweepLoop(ir::Node *n) {
    ir::Block *body = n->blocks().at(0);
    std::vector<size_t> dead; // carried indices, descending
    for (size_t j = n->outputs().size(); j-- > 0;)
      if (!isLive(n->output(j)) && !isLive(body->inputs().at(1 + j)))
        dead.push_back(j);
    for (size_t j : dead)
      body->eraseOutput(1 + j);
    TS2ONNX_RETURN_IF_ERROR(sweep(body));
    for (size_t j : dead) {
      if (body->inputs().at(1 + j)->hasUses())
        return stillUsed(*n, *body->inputs().at(1 + j));
      if (n->output(j)->hasUses())
        return stillUsed(*n, *n->output(j));
      body->eraseInput(1 + j);
      n->removeInput(2 + j);
      n->eraseOutput(j);
    }
    return absl::OkStatus();
  }

  ir::Graph &graph_;
  const uint32_t live_; // the mark of live nodes and values
  EffectsCache effects_;
  /// Writes to list/dict literals not yet known to be read, by the literal.
  absl::flat_hash_map<const ir::Value *, std::vector<ir::Node *>> pendingWrites_;
  std::vector<ir::Value *> work_;
};

} // namespace

absl::Status runDce(ir::Graph &graph, const PassOptions &) {
  return DeadCodeElimination(graph).run();
}

} // namespace ts2onnx::passes
