// hoist-loop-invariants: computes loop-invariant ONNX values once, before the Loop.
//
// Given: an ONNX graph (after to-onnx).
// Does:  a node directly in an onnx::Loop body whose inputs are all defined outside the body
//        (so it computes the same value in every iteration) moves before the Loop, when it has
//        no subgraph and is a deterministic, effect-free operator of a known kind (elementwise
//        math and logic, comparisons, Cast, shape queries, layout ops, MatMul/Gemm,
//        constants, prim::Constant). Integer Div and Mod stay (they may divide by zero only when
//        the loop runs). Nodes are visited in order, so a chain of invariant nodes moves together;
//        inner loops are processed first, so a value invariant in two nested loops leaves both. As
//        in any loop-invariant code motion of ops that can fail (a Gather out of range, a Reshape
//        to a wrong size), such a node now also runs when the loop runs zero times.
// Result: Loop bodies hold only what depends on the iteration. Linear in the number of nodes.
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "onnx-passes/OnnxPasses.h"
#include "symbolics/OnnxBuilder.h"

namespace ts2onnx::onnx_passes {
namespace {

bool hoistable(const ir::Node *n) {
  static const auto *kOps = [] {
    constexpr std::string_view kList =
        "Add Sub Mul Div Neg Abs Reciprocal Sqrt Exp Log Pow Erf Relu Sigmoid Tanh Softplus Floor "
        "Ceil Round Sign Min Max Mod Not And Or Xor Equal Less Greater LessOrEqual "
        "GreaterOrEqual Where Cast Shape Size Identity Transpose Unsqueeze Squeeze Concat Reshape "
        "Flatten Expand MatMul Gemm Constant ConstantOfShape Range Slice Gather Softmax "
        "LogSoftmax";
    auto *set = new absl::flat_hash_set<std::string_view>();
    for (size_t start = 0; start < kList.size();) {
      size_t end = kList.find(' ', start);
      if (end == std::string_view::npos)
        end = kList.size();
      set->insert(kList.substr(start, end - start));
      start = end + 1;
    }
    return set;
  }();
  if (n->kind() == ir::prim::Constant)
    return true;
  if (!n->kind().isNamespace("onnx") || !n->blocks().empty() || !kOps->contains(n->kind().name()))
    return false;
  // Integer division and remainder fail on a zero divisor, which an empty loop never computes.
  const std::string_view name = n->kind().name();
  if (name == "Div" || name == "Mod") {
    auto dtype = symbolics::OnnxBuilder::dtypeOf(n->output());
    if (!dtype || !ir::isFloatingType(*dtype))
      return false;
  }
  return true;
}

bool definedOutside(const ir::Value *v, const ir::Block *body) {
  for (const ir::Block *b = v->node()->owningBlock(); b;
       b = b->owningNode() ? b->owningNode()->owningBlock() : nullptr)
    if (b == body)
      return false;
  return true;
}

void hoistBlock(ir::Block *block) {
  static const ir::Symbol kLoop = ir::Symbol::fromQualString("onnx::Loop");
  for (auto it = block->nodes().begin(); it != block->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      hoistBlock(sub);
    if (n->kind() != kLoop || n->blocks().size() != 1)
      continue;
    ir::Block *body = n->blocks()[0];
    for (auto bit = body->nodes().begin(); bit != body->nodes().end();) {
      ir::Node *inner = *bit;
      ++bit;
      if (!hoistable(inner))
        continue;
      bool invariant = true;
      for (const ir::Value *in : inner->inputs())
        invariant &= definedOutside(in, body);
      if (invariant)
        inner->moveBefore(n);
    }
  }
}

} // namespace

absl::Status runHoistLoopInvariants(ir::Graph &graph, const passes::PassOptions &) {
  hoistBlock(graph.block());
  return absl::OkStatus();
}

} // namespace ts2onnx::onnx_passes
