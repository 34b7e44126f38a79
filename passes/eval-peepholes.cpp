// eval-peepholes: ops that do nothing to the values of an inference graph.
//
// Given: a graph in functional form (remove-mutation ran); tensor types may or may not be known.
// Does:  replaces by their input
//        - aten::dropout / feature_dropout / alpha_dropout / feature_alpha_dropout whose `train`
//          argument is a constant false;
//        - aten::contiguous and aten::detach (layout and autograd do not exist in ONNX), and
//          aten::clone without a memory format;
//        - aten::to that converts to the input's own dtype (or to no dtype: a device or copy
//          only), aten::type_as to the same known dtype, aten::expand_as to the same static
//          shape (remove-mutation's `copy_` lowering makes these).
//        aten::linear and aten::addmm stay: the symbolics pick Gemm or MatMul+Add.
//        While the graph still holds an in-place aten op, clone/contiguous/detach/to stay, since
//        their result may be written to.
// Result: fewer nodes, same values. Linear time.
#include <optional>

#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

std::optional<int64_t> constantOfInt(const ir::Value *v) {
  return v->type()->is(ir::TypeKind::Int) ? ir::constantInt(v) : std::nullopt;
}

std::optional<bool> constantBool(const ir::Value *v) {
  const ir::Node *n = v->node();
  if (n->kind() != ir::prim::Constant || !v->type()->is(ir::TypeKind::Bool))
    return std::nullopt;
  const ir::AttributeValue *a = n->attribute(ir::attr::value);
  if (const int64_t *i = a ? a->getIf<int64_t>() : nullptr)
    return *i != 0;
  return std::nullopt;
}

bool isNone(const ir::Value *v) {
  return v->type()->is(ir::TypeKind::None) && v->node()->kind() == ir::prim::Constant;
}

std::optional<ir::ScalarType> dtypeOf(const ir::Value *v) {
  if (!v->type()->isTensor())
    return std::nullopt;
  return v->type()->tensorInfo().dtype;
}

std::optional<std::vector<int64_t>> staticShape(const ir::Value *v) {
  return ir::staticSizes(*v->type());
}

bool hasInplaceOps(const ir::Block *b) {
  for (const ir::Node *n : b->nodes()) {
    std::string_view name = n->kind().name();
    if (n->kind().isNamespace("aten") && name.size() > 1 && name.back() == '_' &&
        name.substr(0, 2) != "__")
      return true;
    for (const ir::Block *sub : n->blocks())
      if (hasInplaceOps(sub))
        return true;
  }
  return false;
}

struct Peepholes {
  bool mutationFree;
  ir::Symbol dropout = ir::Symbol::fromQualString("aten::dropout");
  ir::Symbol featureDropout = ir::Symbol::fromQualString("aten::feature_dropout");
  ir::Symbol alphaDropout = ir::Symbol::fromQualString("aten::alpha_dropout");
  ir::Symbol featureAlphaDropout = ir::Symbol::fromQualString("aten::feature_alpha_dropout");
  ir::Symbol contiguous = ir::Symbol::fromQualString("aten::contiguous");
  ir::Symbol detach = ir::Symbol::fromQualString("aten::detach");
  ir::Symbol clone = ir::Symbol::fromQualString("aten::clone");
  ir::Symbol to = ir::Symbol::fromQualString("aten::to");
  ir::Symbol typeAs = ir::Symbol::fromQualString("aten::type_as");
  ir::Symbol expandAs = ir::Symbol::fromQualString("aten::expand_as");

  /// The input `n` can be replaced by, or nullptr.
  ir::Value *identityInput(const ir::Node *n) const {
    ir::Symbol k = n->kind();
    if (n->outputs().size() != 1 || n->inputs().empty())
      return nullptr;
    if ((k == dropout || k == featureDropout || k == alphaDropout || k == featureAlphaDropout) &&
        n->inputs().size() == 3 && constantBool(n->input(2)) == false)
      return n->input(0);
    if (!mutationFree)
      return nullptr;
    if (k == contiguous || k == detach)
      return n->input(0);
    if (k == clone && (n->inputs().size() == 1 || isNone(n->input(1))))
      return n->input(0);
    if (k == to)
      return sameDtypeTo(n) ? n->input(0) : nullptr;
    if (k == typeAs && n->inputs().size() == 2) {
      auto a = dtypeOf(n->input(0)), b = dtypeOf(n->input(1));
      return a && b && *a == *b ? n->input(0) : nullptr;
    }
    if (k == expandAs && n->inputs().size() == 2) {
      auto a = staticShape(n->input(0)), b = staticShape(n->input(1));
      return a && b && *a == *b ? n->input(0) : nullptr;
    }
    return nullptr;
  }

  /// aten::to whose result has the input's dtype. Overloads: (self, dtype, non_blocking, copy,
  /// memory_format), (self, device, dtype, non_blocking, copy, memory_format),
  /// (self, other, non_blocking, copy, memory_format).
  static bool sameDtypeTo(const ir::Node *n) {
    if (!n->input(0)->type()->isTensor())
      return false;
    const ir::Value *target = nullptr;
    if (n->inputs().size() == 6)
      target = n->input(2);
    else if (n->inputs().size() == 5)
      target = n->input(1);
    else
      return false;
    if (isNone(target))
      return true;
    if (target->type()->isTensor()) {
      auto a = dtypeOf(n->input(0)), b = dtypeOf(target);
      return a && b && *a == *b;
    }
    if (target->type()->is(ir::TypeKind::Device))
      return true;
    auto code = constantOfInt(target);
    auto in = dtypeOf(n->input(0));
    return code && in && static_cast<int64_t>(*in) == *code;
  }

  void run(ir::Block *b) const {
    for (auto it = b->nodes().begin(); it != b->nodes().end();) {
      ir::Node *n = *it;
      ++it;
      for (ir::Block *sub : n->blocks())
        run(sub);
      if (ir::Value *in = identityInput(n)) {
        n->output()->replaceAllUsesWith(in);
        n->destroy();
      }
    }
  }
};

} // namespace

absl::Status runEvalPeepholes(ir::Graph &graph, const PassOptions &) {
  Peepholes p{!hasInplaceOps(graph.block())};
  p.run(graph.block());
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
