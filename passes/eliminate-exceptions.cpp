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
//        The dropped check is kept as a `ts2onnx::raise_if(cond, text, tensors...)` node (the
//        exception's text; the tensors whose sizes the condition reads, for naming the input;
//        attributes
//        `message` and `kind`: the exception's text and class when constant; its source
//        location that of the raise), so that check-raises can refuse the conversion when the
//        --input specs decide the condition true once shapes are known (a wrong rank reaching
//        `if x.dim() != 2: raise ...`). As in torch.onnx, a check left undecided is dropped:
//        the ONNX model computes on regardless.
// Result: no prim::If with a raising branch and a non-raising one remains. Linear per round;
//         rounds are bounded.
#include <algorithm>
#include <string>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

/// The block's own prim::RaiseException, if it has one.
ir::Node *raiseIn(const ir::Block *b) {
  for (ir::Node *n : b->nodes())
    if (n->kind() == ir::prim::RaiseException)
      return n;
  return nullptr;
}

/// The exception's text where it is known: a constant, or the constant head of a string built
/// at run time (`"AssertionError: " + msg.format(...)`), then "...".
std::string messageOf(const ir::Value *v) {
  static const ir::Symbol kAdd = ir::Symbol::fromQualString("aten::add");
  if (std::optional<std::string> s = ir::constantString(v))
    return *s;
  const ir::Node *n = v->node();
  if (n->kind() == kAdd && n->inputs().size() == 2) {
    std::string head = messageOf(n->input(0));
    if (!head.empty())
      return head + "...";
  }
  return "";
}

/// The raise's text as a value available before `ifNode`: computed outside the raising block,
/// or by a short chain of pure nodes inside it (`"...{}".format(x.dim())`), which is moved before
/// the If (the block is about to go). Else the If's condition (no text).
ir::Value *textBeforeIf(ir::Node *ifNode, const ir::Node *raise) {
  if (raise->inputs().empty())
    return ifNode->input(0);
  ir::Value *text = raise->input(0);
  const ir::Block *block = raise->owningBlock();
  // The nodes of the raising block the text is computed from, in program order.
  std::vector<ir::Node *> chain;
  std::vector<ir::Value *> stack = {text};
  absl::flat_hash_set<const ir::Node *> seen;
  while (!stack.empty()) {
    ir::Value *v = stack.back();
    stack.pop_back();
    ir::Node *d = v->node();
    if (d->owningBlock() != block) {
      // Defined outside the block: fine when it is not inside another of the If's blocks.
      for (const ir::Block *b = d->owningBlock(); b && b->owningNode();
           b = b->owningNode()->owningBlock())
        if (b->owningNode() == ifNode)
          return ifNode->input(0);
      continue;
    }
    if (!seen.insert(d).second)
      continue;
    if (d->kind() == ir::prim::Param || !d->blocks().empty() || d->hasSideEffects() ||
        seen.size() > 32)
      return ifNode->input(0);
    chain.push_back(d);
    for (ir::Value *in : d->inputs())
      stack.push_back(in);
  }
  std::sort(chain.begin(), chain.end(),
            [](const ir::Node *a, const ir::Node *b) { return a->isBefore(b); });
  for (ir::Node *d : chain)
    d->moveBefore(ifNode);
  return text;
}

/// Before `ifNode`: ts2onnx::raise_if(cond), cond true when the raising branch is taken.
void recordCheck(ir::Node *ifNode, const ir::Node *raise, bool thenRaises) {
  static const ir::Symbol kRaiseIf = ir::Symbol::fromQualString("ts2onnx::raise_if");
  static const ir::Symbol kNot = ir::Symbol::fromQualString("aten::__not__");
  static const ir::Symbol kMessage = ir::Symbol::fromQualString("attr::message");
  static const ir::Symbol kKind = ir::Symbol::fromQualString("attr::kind");
  ir::Graph &g = *ifNode->owningGraph();
  ir::Value *cond = ifNode->input(0);
  if (!thenRaises) {
    ir::Node *neg = g.create(kNot, {cond});
    neg->output()->setType(ir::Type::boolType());
    neg->setSourceLocation(ifNode->sourceLocation());
    neg->insertBefore(ifNode);
    cond = neg->output();
  }
  // The tensors whose sizes the condition reads (found through the scalar expression, up to a
  // bound) ride along as inputs 1...: the condition may fold to a constant, and the error then
  // still names the --input specs it came from.
  // Input 1 is the exception's text (a str value: a runtime `"...{}".format(x.dim())` may fold
  // once shapes are known), or the condition again when the raise has none.
  std::vector<ir::Value *> inputs = {cond, textBeforeIf(ifNode, raise)};
  std::vector<ir::Value *> stack = {cond};
  absl::flat_hash_set<const ir::Value *> seen;
  while (!stack.empty() && seen.size() < 256) {
    ir::Value *v = stack.back();
    stack.pop_back();
    if (!seen.insert(v).second)
      continue;
    if (v->type()->isTensor()) {
      inputs.push_back(v);
      continue;
    }
    for (ir::Value *in : v->node()->inputs())
      stack.push_back(in);
    for (ir::Block *sub : v->node()->blocks())
      for (ir::Value *out : sub->outputs())
        stack.push_back(out);
  }
  ir::Node *check = g.create(kRaiseIf, inputs, 0);
  std::string kind =
      raise->inputs().size() > 1 ? ir::constantString(raise->input(1)).value_or("") : "";
  if (kind.rfind("builtins.", 0) == 0)
    kind = kind.substr(9);
  std::string message = raise->inputs().empty() ? "" : messageOf(raise->input(0));
  // As raised (check-input-shapes reads an `assert`'s "AssertionError: <text>" when it reports).
  check->s_(kMessage, message);
  check->s_(kKind, kind.empty() ? "an exception" : kind);
  check->setSourceLocation(raise->sourceLocation());
  check->insertBefore(ifNode);
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
    ir::Node *thenRaise = raiseIn(n->blocks()[0]), *elseRaise = raiseIn(n->blocks()[1]);
    bool thenRaises = thenRaise != nullptr;
    if (thenRaises == (elseRaise != nullptr))
      continue;
    recordCheck(n, thenRaises ? thenRaise : elseRaise, thenRaises);
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
