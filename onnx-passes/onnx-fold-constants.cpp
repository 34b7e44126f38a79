// onnx-fold-constants: evaluates ONNX nodes whose inputs are all constant tensors.
//
// Given: a graph of onnx:: nodes and prim::Constant tensors (after to-onnx).
// Does:  replaces each node of a kind the evaluator knows (ConstantEvaluator.h) whose inputs are
//        all constant (or omitted) by a constant of its value, up to kMaxElements result
//        elements (kMaxLayoutElements for ops that only move data); a Transpose of a constant
//        becomes a strided view of the same bytes, which the writer gathers chunk by chunk.
//        Shape of a constant folds too. With constant-folding=0 (torch's
//        do_constant_folding=False), nodes reading named constants (parameters) stay.
//        Identity is left to onnx-peephole.
// Result: no foldable node is left; unused constants are removed.
#include "absl/status/status.h"
#include "onnx-passes/ConstantEvaluator.h"
#include "onnx-passes/OnnxPasses.h"
#include "onnx-passes/OnnxRewrite.h"

namespace ts2onnx::onnx_passes {

ir::Value *foldConstants(RewriteContext &ctx, ir::Node *n) {
  std::string_view k = n->kind().name();
  if (k == "Identity")
    return nullptr;
  bool allConst = !n->inputs().empty();
  for (const ir::Value *v : n->inputs())
    allConst &= (isNone(v) || isConstTensor(v)) && (ctx.foldParameters || !v->hasDebugName());
  if (allConst && k == "Transpose") {
    // A transposed constant is a strided view of the same bytes: nothing is copied here,
    // and the writer gathers it chunk by chunk (a transposed weight is never whole twice).
    if (auto view = transposedView(n)) {
      ir::WithInsertPoint guard(n);
      ir::Value *c = ctx.b.constant(*view);
      c->node()->setSourceLocation(n->sourceLocation());
      return c;
    }
  }
  if (allConst && k != "Shape") {
    ir::WithInsertPoint guard(n);
    if (auto d = evaluate(n)) {
      ir::Value *c = ctx.b.constant(semantics::toTensor(*d));
      c->node()->setSourceLocation(n->sourceLocation());
      return c;
    }
  }
  if (k == "Shape" && isConstTensor(n->input(0))) {
    ir::WithInsertPoint guard(n);
    if (auto d = evaluate(n))
      return ctx.b.constant(semantics::toTensor(*d));
  }
  return nullptr;
}

absl::Status runOnnxFoldConstants(ir::Graph &graph, const passes::PassOptions &options) {
  static constexpr Rule kRules[] = {foldConstants};
  return runRules(graph, options, /*refine=*/false, kRules);
}

} // namespace ts2onnx::onnx_passes
