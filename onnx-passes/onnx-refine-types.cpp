// onnx-refine-types: refines the types of ONNX values from the ONNX type rules.
//
// Given: a graph of onnx:: nodes whose inputs may have become better known (folded constants,
//        dims resolved by onnx-simplify-shapes) since to-onnx typed them.
// Does:  recomputes each node's output types with the ONNX type rules (OnnxBuilder::inferTypes)
//        and keeps, per output, the better of the old and the new type: a dtype, a rank, a
//        static dim or a named dim where the old type had less. Never loses what was known.
// Result: every output type is at least as precise as before.
#include "absl/status/status.h"
#include "onnx-passes/OnnxPasses.h"
#include "onnx-passes/OnnxRewrite.h"

namespace ts2onnx::onnx_passes {

void refineTypes(ir::Node *n) {
  std::vector<ir::TypePtr> old;
  for (ir::Value *o : n->outputs())
    old.push_back(o->type());
  symbolics::OnnxBuilder::inferTypes(n);
  for (size_t i = 0; i < old.size(); ++i)
    n->output(i)->setType(refine(old[i], n->output(i)->type()));
}

absl::Status runOnnxRefineTypes(ir::Graph &graph, const passes::PassOptions &options) {
  return runRules(graph, options, /*refine=*/true, {});
}

} // namespace ts2onnx::onnx_passes
