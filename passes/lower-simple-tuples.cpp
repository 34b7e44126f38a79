// lower-simple-tuples: forwards tuple elements past TupleConstruct.
//
// Given: a well-formed graph.
// Does:  for prim::TupleUnpack, prim::TupleIndex (constant index) and prim::TupleSlice whose
//        input is a prim::TupleConstruct, uses the constructed elements directly (a TupleSlice
//        becomes a smaller TupleConstruct). The TupleConstruct stays until dce removes it.
// Result: no tuple is built only to be taken apart again. Linear time.
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

} // namespace

bool lowerSimpleTuples(ir::Graph &graph) { return lowerBlock(graph.block()); }

absl::Status runLowerSimpleTuples(ir::Graph &graph, const PassOptions &) {
  lowerSimpleTuples(graph);
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
