// eliminate-exceptions: treats raising branches as unreachable, since ONNX cannot raise.
//
// Given: a well-formed graph (best after fold-scalars, so that checks decided at compile time
//        are already folded and a check that always fails still reaches to-onnx as an error).
// Does:  a prim::If one of whose blocks raises unconditionally (a prim::RaiseException among
//        the block's own nodes) and whose other block does not is replaced by the other
//        block's nodes: the argument checks scripted library code makes on runtime sizes
//        (`if hx.size() != expected: raise RuntimeError(...)`, nn.RNN's dim checks). Then
//        runs peephole-script and fold-scalars on what that made decidable (an Optional
//        refined to a Tensor makes `hx is None` False), and repeats while anything changed.
//        As in torch.onnx, an input that would make torch raise gives an ONNX model that
//        computes on regardless.
// Result: no prim::If with a raising branch and a non-raising one remains. Linear per round;
//         rounds are bounded.
#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

bool raises(const ir::Block *b) {
  for (const ir::Node *n : b->nodes())
    if (n->kind() == ir::prim::RaiseException)
      return true;
  return false;
}

bool eliminateBlock(ir::Block *b) {
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      changed |= eliminateBlock(sub);
    if (n->kind() != ir::prim::If || n->blocks().size() != 2)
      continue;
    bool thenRaises = raises(n->blocks()[0]), elseRaises = raises(n->blocks()[1]);
    if (thenRaises == elseRaises)
      continue;
    inlineIfBranch(n, n->blocks()[thenRaises ? 1 : 0]);
    changed = true;
  }
  return changed;
}

} // namespace

absl::Status runEliminateExceptions(ir::Graph &graph, const PassOptions &) {
  for (int round = 0; round < 4; ++round) {
    if (!eliminateBlock(graph.block()))
      break;
    peepholeScript(graph);
    foldScalars(graph);
  }
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
