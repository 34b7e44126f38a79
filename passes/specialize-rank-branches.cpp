// specialize-rank-branches: the code after an If whose branches return tensors of different
// ranks is copied into each branch, where the rank is known.
//
// Given: a graph after propagate-shapes and fold-constants, with the graph's outputs flattened
//        to tensors and tuples of them.
// Does:  finds a prim::If where some tensor output has a known rank in each branch and the two
//        ranks differ (scripted torchvision detectors: BoxCoder.decode reshapes to rank 3 only
//        `if box_sum > 0`, where box_sum counts the proposals NMS kept; with none, the rank-2
//        input goes on). ONNX needs each tensor's rank at conversion time, and what follows the
//        If reads it (`boxes.dim()` as a stack axis). The nodes after the If in its block are
//        copied to the end of each branch and removed after the If; each branch then
//        returns what the block returned (tuples built after the If are returned element by
//        element and rebuilt after it), so the result is unchanged whichever branch runs. Types
//        are then propagated and shape queries folded again, and later rank-splitting Ifs in
//        the copies are handled in the next round. At most kMaxCopiedNodes nodes are copied in
//        all; past that the If is left for to-onnx, which refuses it naming the If.
// Result: no If left whose tensor outputs differ in known rank, unless the copies would have
//         been too large. Linear in the nodes copied.
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "ir/Status.h"
#include "passes/FoldTensors.h"
#include "passes/Passes.h"
#include "passes/Unroll.h"

namespace ts2onnx::passes {
namespace {

constexpr size_t kMaxCopiedNodes = 50000;
constexpr int kMaxRounds = 8;

/// An If with a tensor output of a different known rank in each branch that some op after it
/// reads (one only returned, as such or in a tuple, may keep a rank known at run time only).
bool splitsRank(const ir::Node *n) {
  if (n->kind() != ir::prim::If || n->blocks().size() != 2)
    return false;
  for (size_t i = 0; i < n->outputs().size(); ++i) {
    auto a = rankOf(n->blocks()[0]->outputs()[i]);
    auto b = rankOf(n->blocks()[1]->outputs()[i]);
    if (!a || !b || *a == *b)
      continue;
    for (const ir::Use &u : n->output(i)->uses())
      if (u.user->kind() != ir::prim::Return && u.user->kind() != ir::prim::TupleConstruct)
        return true;
  }
  return false;
}

class Specializer {
public:
  explicit Specializer(ir::Graph &g) : g_(g) {}

  /// One sweep over every block; true if it moved code into some If's branches.
  bool sweep(ir::Block *b) {
    bool changed = false;
    for (ir::Node *n = b->paramNode()->next(); n != b->returnNode(); n = n->next()) {
      if (splitsRank(n) && specialize(n)) {
        changed = true;
        // The rest of the block now lives in n's branches; its rank-splitting Ifs are typed
        // again before the next sweep looks at them.
        break;
      }
      for (ir::Block *sub : n->blocks())
        changed |= sweep(sub);
    }
    return changed;
  }

private:
  /// The values the If must return for `out` (a value the block returns) to be rebuilt after
  /// it: the elements of a tuple the moved code builds, recursively; else `out` itself.
  void leavesOf(ir::Value *out, const absl::flat_hash_set<const ir::Node *> &moved,
                std::vector<ir::Value *> &leaves) {
    ir::Node *p = out->node();
    if (p->kind() == ir::prim::TupleConstruct && moved.contains(p)) {
      for (ir::Value *e : p->inputs())
        leavesOf(e, moved, leaves);
      return;
    }
    leaves.push_back(out);
  }

  /// `out` rebuilt at the insertion point from the If's outputs, consumed from `next`.
  ir::Value *rebuild(ir::Value *out, const absl::flat_hash_set<const ir::Node *> &moved,
                     const std::vector<ir::Value *> &results, size_t &next) {
    ir::Node *p = out->node();
    if (p->kind() != ir::prim::TupleConstruct || !moved.contains(p))
      return results[next++];
    std::vector<ir::Value *> elems;
    for (ir::Value *e : p->inputs())
      elems.push_back(rebuild(e, moved, results, next));
    ir::Node *t = g_.insertNode(g_.create(ir::prim::TupleConstruct, elems, 1));
    t->output()->setType(out->type());
    t->setSourceLocation(p->sourceLocation());
    return t->output();
  }

  bool specialize(ir::Node *n) {
    ir::Block *b = n->owningBlock();
    std::vector<ir::Node *> tail;
    size_t cost = 0;
    for (ir::Node *m = n->next(); m != b->returnNode(); m = m->next()) {
      tail.push_back(m);
      cost += 1;
      for (const ir::Block *sub : m->blocks())
        cost += blockSize(sub);
    }
    if (cost > budget_)
      return false;
    budget_ -= cost;
    const absl::flat_hash_set<const ir::Node *> moved(tail.begin(), tail.end());
    std::vector<ir::Value *> leaves;
    for (ir::Value *out : b->outputs())
      leavesOf(out, moved, leaves);

    // Copy the tail to the end of each branch, reading the branch's results for the If's.
    for (ir::Block *branch : n->blocks()) {
      absl::flat_hash_map<const ir::Value *, ir::Value *> env;
      for (size_t i = 0; i < n->outputs().size(); ++i)
        env[n->output(i)] = branch->outputs()[i];
      {
        ir::WithInsertPoint at(branch->returnNode());
        for (const ir::Node *m : tail)
          g_.cloneNode(*m, env);
      }
      while (!branch->outputs().empty())
        branch->eraseOutput(branch->outputs().size() - 1);
      for (ir::Value *leaf : leaves) {
        auto it = env.find(leaf);
        branch->registerOutput(it == env.end() ? leaf : it->second);
      }
    }

    // The If returns the leaves; the block returns them, rebuilt into its tuples.
    const size_t oldOutputs = n->outputs().size();
    std::vector<ir::Value *> results;
    for (ir::Value *leaf : leaves) {
      ir::Value *r = n->addOutput();
      r->setType(leaf->type());
      results.push_back(r);
    }
    {
      ir::WithInsertPoint at(b->returnNode());
      size_t next = 0;
      for (size_t j = 0; j < b->outputs().size(); ++j) {
        ir::Value *out = b->outputs()[j];
        b->replaceOutput(j, rebuild(out, moved, results, next));
      }
    }
    for (auto it = tail.rbegin(); it != tail.rend(); ++it)
      (*it)->destroy();
    for (size_t i = oldOutputs; i-- > 0;)
      n->eraseOutput(i);
    return true;
  }

  ir::Graph &g_;
  size_t budget_ = kMaxCopiedNodes;
};

} // namespace

absl::Status runSpecializeRankBranches(ir::Graph &graph, const PassOptions &options) {
  Specializer s(graph);
  for (int round = 0; round < kMaxRounds && s.sweep(graph.block()); ++round) {
    TS2ONNX_RETURN_IF_ERROR(runPropagateShapes(graph, options));
    TS2ONNX_RETURN_IF_ERROR(runFoldConstants(graph, options));
  }
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
