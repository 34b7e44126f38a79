#include "ir/Verifier.h"

#include <fmt/format.h>

#include "absl/container/flat_hash_set.h"
#include "ir/Status.h"

namespace ts2onnx::ir {

std::string describeNode(const Node &n) {
  std::string out;
  for (size_t i = 0; i < n.outputs().size(); ++i)
    out += fmt::format("{}%{}", i ? ", " : "", n.output(i)->debugName());
  out += fmt::format("{}{}(", n.outputs().empty() ? "" : " = ", n.kind().qualString());
  for (size_t i = 0; i < n.inputs().size(); ++i)
    out += fmt::format("{}%{}", i ? ", " : "", n.input(i)->debugName());
  out += ")";
  if (n.sourceLocation().valid())
    out += " # " + n.sourceLocation().str();
  return out;
}

namespace {

class Verifier {
public:
  absl::Status run(const Graph &g) {
    collect(g.block());
    scopes_.emplace_back();
    absl::Status s = checkBlock(g.block(), nullptr);
    scopes_.pop_back();
    return s;
  }

private:
  // Every node and value reachable from the top block, to recognise dangling uses.
  void collect(const Block *b) {
    nodes_.insert(b->paramNode());
    nodes_.insert(b->returnNode());
    for (const Node *n : b->nodes()) {
      nodes_.insert(n);
      for (const Block *sub : n->blocks())
        collect(sub);
    }
  }

  bool visible(const Value *v) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
      if (it->contains(v))
        return true;
    return false;
  }

  absl::Status fail(const Node &n, std::string_view rule) {
    return absl::FailedPreconditionError(fmt::format("verifier: {}: {}", describeNode(n), rule));
  }

  absl::Status checkUses(const Node &n) {
    for (size_t i = 0; i < n.inputs().size(); ++i) {
      const Value *v = n.input(i);
      if (!nodes_.contains(v->node()))
        return fail(n, fmt::format("input {} (%{}) is produced by a node that is not in the graph",
                                   i, v->debugName()));
      if (!visible(v))
        return fail(
            n, fmt::format("uses %{} before it is defined (or outside its block)", v->debugName()));
      size_t count = 0;
      for (const Use &u : v->uses())
        count += (u.user == &n && u.offset == i);
      if (count != 1)
        return fail(n, fmt::format("use list of %{} has {} records for input {} (expected 1)",
                                   v->debugName(), count, i));
    }
    for (size_t i = 0; i < n.outputs().size(); ++i) {
      const Value *o = n.output(i);
      if (o->node() != &n || o->offset() != i)
        return fail(
            n, fmt::format("output {} (%{}) does not point back at its node", i, o->debugName()));
      for (const Use &u : o->uses()) {
        if (!nodes_.contains(u.user))
          return fail(n, fmt::format("output %{} has a dangling use by a node not in the graph",
                                     o->debugName()));
        if (u.offset >= u.user->inputs().size() || u.user->input(u.offset) != o)
          return fail(n, fmt::format("output %{} has a use record ({}, input {}) that the user "
                                     "does not have",
                                     o->debugName(), describeNode(*u.user), u.offset));
      }
    }
    return absl::OkStatus();
  }

  absl::Status checkControlFlow(const Node &n) {
    if (n.kind() == prim::If) {
      if (n.blocks().size() != 2)
        return fail(n, fmt::format("prim::If needs 2 blocks, has {}", n.blocks().size()));
      if (n.inputs().size() != 1)
        return fail(n, "prim::If needs exactly one condition input");
      for (size_t b = 0; b < 2; ++b) {
        const Block *blk = n.blocks()[b];
        if (!blk->inputs().empty())
          return fail(n, fmt::format("block{} of prim::If must take no inputs", b));
        if (blk->outputs().size() != n.outputs().size())
          return fail(n, fmt::format("block{} returns {} values but prim::If has {} outputs", b,
                                     blk->outputs().size(), n.outputs().size()));
      }
    } else if (n.kind() == prim::Loop) {
      if (n.blocks().size() != 1)
        return fail(n, fmt::format("prim::Loop needs 1 block, has {}", n.blocks().size()));
      if (n.inputs().size() < 2)
        return fail(n, "prim::Loop needs a trip count and a condition input");
      size_t carried = n.inputs().size() - 2;
      const Block *body = n.blocks()[0];
      if (body->inputs().size() != carried + 1)
        return fail(n, fmt::format("loop body takes {} inputs, expected {} (iteration + {} "
                                   "carried)",
                                   body->inputs().size(), carried + 1, carried));
      if (body->outputs().size() != carried + 1)
        return fail(n, fmt::format("loop body returns {} values, expected {} (condition + {} "
                                   "carried)",
                                   body->outputs().size(), carried + 1, carried));
      if (n.outputs().size() != carried)
        return fail(n, fmt::format("prim::Loop has {} outputs for {} carried values",
                                   n.outputs().size(), carried));
    }
    return absl::OkStatus();
  }

  absl::Status checkBlock(const Block *b, const Node *owner) {
    if (b->owningNode() != owner)
      return absl::FailedPreconditionError(
          "verifier: a block does not point back at the node that owns it");
    for (size_t i = 0; i < b->inputs().size(); ++i) {
      const Value *v = b->inputs()[i];
      if (v->node() != b->paramNode() || v->offset() != i)
        return fail(*b->paramNode(), "block input does not point back at its param node");
      scopes_.back().insert(v);
    }
    const Node *prev = b->paramNode();
    for (const Node *n : b->nodes()) {
      if (n->owningBlock() != b || n->prev() != prev || n->owningGraph() != b->owningGraph())
        return fail(*n, "node list links or owning block are inconsistent");
      prev = n;
      TS2ONNX_RETURN_IF_ERROR(checkUses(*n));
      TS2ONNX_RETURN_IF_ERROR(checkControlFlow(*n));
      for (const Block *sub : n->blocks()) {
        scopes_.emplace_back();
        absl::Status s = checkBlock(sub, n);
        scopes_.pop_back();
        if (!s.ok())
          return s;
      }
      for (const Value *o : n->outputs())
        scopes_.back().insert(o);
    }
    if (b->returnNode()->prev() != prev)
      return fail(*b->returnNode(), "node list links are inconsistent before the return");
    return checkUses(*b->returnNode());
  }

  absl::flat_hash_set<const Node *> nodes_;
  std::vector<absl::flat_hash_set<const Value *>> scopes_;
};

} // namespace

absl::Status verify(const Graph &g) { return Verifier().run(g); }

} // namespace ts2onnx::ir
