// onnx-peephole: drops ONNX nodes that compute their input unchanged.
//
// Given: a graph of onnx:: nodes (after to-onnx).
// Does:  replaces by its input an Identity, a Cast to the input's own dtype, and a Transpose
//        with the identity permutation. (A Reshape to the input's own dims and a Reshape of a
//        Reshape need the shape vectors: onnx-simplify-shapes.)
// Result: none of these no-op nodes is left; unused nodes are removed.
#include "absl/status/status.h"
#include "onnx-passes/OnnxPasses.h"
#include "onnx-passes/OnnxRewrite.h"

namespace ts2onnx::onnx_passes {

ir::Value *peephole(RewriteContext &, ir::Node *n) {
  std::string_view k = n->kind().name();
  if (k == "Identity")
    return n->input(0);
  if (k == "Cast") {
    auto to = intAttr(n, "to");
    auto dt = symbolics::OnnxBuilder::dtypeOf(n->input(0));
    if (to && dt && symbolics::onnxDataType(*dt) == *to)
      return n->input(0);
  }
  if (k == "Transpose") {
    auto perm = intsAttr(n, "perm");
    if (perm) {
      bool identity = true;
      for (size_t i = 0; i < perm->size(); ++i)
        identity &= (*perm)[i] == int64_t(i);
      if (identity)
        return n->input(0);
    }
  }
  return nullptr;
}

absl::Status runOnnxPeephole(ir::Graph &graph, const passes::PassOptions &options) {
  static constexpr Rule kRules[] = {peephole};
  return runRules(graph, options, /*refine=*/false, kRules);
}

} // namespace ts2onnx::onnx_passes
