// propagate-shapes: dtype and shape inference over aten ops, the types the symbolics read.
//
// Given: a frozen, functional graph whose inputs carry the types the user gave (`Float(1, 3,
//        224, 224)`, symbolic dims such as `batch`) and whose weights are typed constants.
// Does:  walks the graph in program order and sets each tensor output's dtype and sizes
//        (ir::TensorInfo, dims as ir::Dim) by the op's rule in the torch-semantics table
//        (semantics/AtenRules.h: promotion, broadcasting, shape functions). If outputs merge
//        both branches; loop-carried values are iterated to a fixed point. Unknown ops leave
//        their outputs as they are.
// Result: the same graph with more precise tensor types; nothing is added or removed.
//         Linear time (loop bodies are walked at most three times).
#include "passes/Passes.h"
#include "semantics/AtenOperands.h"
#include "semantics/AtenRules.h"

namespace ts2onnx::passes {
namespace {

class ShapePropagation {
public:
  void run(ir::Block *b) {
    for (ir::Node *n : b->nodes()) {
      if (n->kind() == ir::prim::If)
        handleIf(n);
      else if (n->kind() == ir::prim::Loop)
        handleLoop(n);
      else {
        for (ir::Block *sub : n->blocks())
          run(sub);
        semantics::inferAtenTypes(n);
      }
    }
  }

private:
  // --- control flow ---------------------------------------------------------------------------
  static ir::TypePtr merge(const ir::TypePtr &a, const ir::TypePtr &b) {
    if (!a->isTensor() || !b->isTensor())
      return nullptr;
    const ir::TensorInfo &x = a->tensorInfo(), &y = b->tensorInfo();
    semantics::Info j = semantics::joinInfo({x.dtype, x.sizes}, {y.dtype, y.sizes});
    ir::TensorInfo out;
    out.dtype = j.dtype;
    out.sizes = std::move(j.sizes);
    return ir::Type::tensor(std::move(out));
  }

  void handleIf(ir::Node *n) {
    for (ir::Block *sub : n->blocks())
      run(sub);
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      ir::Value *out = n->output(i);
      if (!out->type()->isTensor() || n->blocks().size() != 2)
        continue;
      ir::TypePtr m =
          merge(n->blocks()[0]->outputs()[i]->type(), n->blocks()[1]->outputs()[i]->type());
      if (m)
        semantics::setResult(out, m->tensorInfo().dtype, m->tensorInfo().sizes);
    }
  }

  void handleLoop(ir::Node *n) {
    ir::Block *body = n->blocks()[0];
    size_t carried = n->inputs().size() - 2;
    for (size_t i = 0; i < carried; ++i) {
      ir::Value *p = body->inputs()[i + 1];
      if (p->type()->isTensor() && n->input(i + 2)->type()->isTensor())
        p->setType(n->input(i + 2)->type());
    }
    for (int round = 0; round < 3; ++round) {
      run(body);
      bool changed = false;
      for (size_t i = 0; i < carried; ++i) {
        ir::Value *p = body->inputs()[i + 1];
        ir::TypePtr m = merge(p->type(), body->outputs()[i + 1]->type());
        if (m && !m->equals(*p->type())) {
          p->setType(m);
          changed = true;
        }
      }
      if (!changed)
        break;
    }
    for (size_t i = 0; i < carried && i < n->outputs().size(); ++i)
      if (n->output(i)->type()->isTensor() && body->inputs()[i + 1]->type()->isTensor()) {
        const ir::TensorInfo &t = body->inputs()[i + 1]->type()->tensorInfo();
        semantics::setResult(n->output(i), t.dtype, t.sizes);
      }
  }
};

} // namespace

absl::Status runPropagateShapes(ir::Graph &graph, const PassOptions &) {
  ShapePropagation().run(graph.block());
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
