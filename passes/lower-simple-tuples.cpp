// lower-simple-tuples: forwards tuple elements past TupleConstruct.
//
// Given: a well-formed graph.
// Does:  for prim::TupleUnpack, prim::TupleIndex (constant index) and prim::TupleSlice whose
//        input is a prim::TupleConstruct, uses the constructed elements directly (a TupleSlice
//        becomes a smaller TupleConstruct). The TupleConstruct stays until dce removes it.
//        Likewise an object made by prim::CreateObject whose fields are set in straight-line
//        code of its block and only read otherwise (a class's inlined __init__, as torchvision's
//        ImageList): each prim::GetAttr reads the value set last before it, and the object and
//        its SetAttrs go (also when nothing reads it).
// Result: no tuple or object is built only to be taken apart again. Linear time.
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

bool lowerBlock(ir::Block *b) {
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      changed |= lowerBlock(sub);
    if (n->inputs().empty())
      continue;
    ir::Node *tuple = n->input(0)->node();
    if (tuple->kind() != ir::prim::TupleConstruct)
      continue;
    if (n->kind() == ir::prim::TupleUnpack && n->outputs().size() == tuple->inputs().size()) {
      for (size_t i = 0; i < n->outputs().size(); ++i)
        n->output(i)->replaceAllUsesWith(tuple->input(i));
      n->destroy();
      changed = true;
    } else if (n->kind() == ir::prim::TupleIndex && n->inputs().size() == 2 &&
               n->input(1)->node()->kind() == ir::prim::Constant &&
               n->input(1)->node()->hasAttribute(ir::attr::value)) {
      const auto *idx = n->input(1)->node()->attribute(ir::attr::value)->getIf<int64_t>();
      if (!idx)
        continue;
      int64_t i = *idx, size = int64_t(tuple->inputs().size());
      if (i < 0)
        i += size;
      if (i < 0 || i >= size)
        continue;
      n->output()->replaceAllUsesWith(tuple->input(size_t(i)));
      n->destroy();
      changed = true;
    }
  }
  return changed;
}

/// An object made by prim::CreateObject whose fields are set in straight-line code of its block
/// (as a class's inlined __init__ sets them) and otherwise only read: each GetAttr reads the
/// value the last SetAttr before it wrote, and the object goes.
bool forwardFields(ir::Node *create) {
  ir::Value *o = create->output();
  ir::Block *home = create->owningBlock();
  // Readers by the node of the object's block that holds them.
  absl::flat_hash_map<const ir::Node *, std::vector<ir::Node *>> readers;
  absl::flat_hash_set<ir::Node *> writers;
  for (const ir::Use &u : o->uses()) {
    ir::Node *user = u.user;
    if (u.offset != 0)
      return false;
    if (user->kind() == ir::prim::SetAttr && user->owningBlock() == home) {
      writers.insert(user);
    } else if (user->kind() == ir::prim::GetAttr) {
      ir::Node *holder = user->ancestorIn(home);
      if (!holder)
        return false;
      readers[holder].push_back(user);
    } else {
      return false; // returned, stored, written in a block: not followed
    }
  }
  if (readers.empty()) { // only written (a helper object no path reads): dead
    for (ir::Node *w : writers)
      w->destroy();
    create->destroy();
    return true;
  }
  // Every read must find a write before it.
  absl::flat_hash_map<std::string, ir::Value *> fields;
  for (ir::Node *n = create->next(); n != home->returnNode(); n = n->next()) {
    if (writers.contains(n))
      fields[n->s(ir::attr::name)] = n->input(1);
    if (auto it = readers.find(n); it != readers.end())
      for (const ir::Node *r : it->second)
        if (!fields.contains(r->s(ir::attr::name)))
          return false;
  }
  fields.clear();
  for (ir::Node *n = create->next(); n != home->returnNode();) {
    ir::Node *next = n->next();
    if (auto it = readers.find(n); it != readers.end())
      for (ir::Node *r : it->second) {
        r->output()->replaceAllUsesWith(fields.at(r->s(ir::attr::name)));
        if (r != n)
          r->destroy();
      }
    if (writers.contains(n)) {
      fields[n->s(ir::attr::name)] = n->input(1);
      n->destroy();
    } else if (readers.contains(n) && n->kind() == ir::prim::GetAttr && n->input(0) == o) {
      n->destroy();
    }
    n = next;
  }
  create->destroy();
  return true;
}

bool forwardObjects(ir::Block *b) {
  bool changed = false;
  std::vector<ir::Node *> creates;
  for (ir::Node *n : b->nodes()) {
    for (ir::Block *sub : n->blocks())
      changed |= forwardObjects(sub);
    if (n->kind() == ir::prim::CreateObject && n->outputs().size() == 1)
      creates.push_back(n);
  }
  for (ir::Node *c : creates)
    changed |= forwardFields(c);
  return changed;
}

} // namespace

bool lowerSimpleTuples(ir::Graph &graph) {
  bool changed = lowerBlock(graph.block());
  return forwardObjects(graph.block()) || changed;
}

absl::Status runLowerSimpleTuples(ir::Graph &graph, const PassOptions &) {
  lowerSimpleTuples(graph);
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
