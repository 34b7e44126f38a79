// warn-frozen-shapes: warns where a dynamic dim meets a shape that is a constant.
//
// Given: a graph after propagate-shapes and fold-constants, whose inputs may have named
//        (dynamic) dims.
// Does:  reports, through PassOptions::warn with the node's source location, each
//        aten::view/reshape to a shape that is all constants of a tensor with a dim that is not
//        static (with a -1, when a constant stands where the input's leading dims, kept as
//        they are up to there, have a dynamic one: `x.view(int(x.size(0)), -1)`), and each
//        aten::expand to a constant size (not -1) where the input's dim is not static. Such a
//        constant is what torch.jit.trace records for a size that went through a Python int
//        (`int(x.size(0))`, `x.shape[0] * 2` in Python): the model then only runs at the traced
//        size. Graphs without dynamic inputs get no warning.
// Result: the graph is unchanged.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

/// The ints of a constant int list (a constant or a list literal of constants).
std::optional<std::vector<int64_t>> constantInts(const ir::Value *v) {
  if (const ir::AttributeValue *a = ir::constantValue(v))
    if (const auto *is = a->getIf<std::vector<int64_t>>())
      return *is;
  const ir::Node *n = v->node();
  if (n->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  std::vector<int64_t> out;
  for (const ir::Value *e : n->inputs()) {
    const ir::AttributeValue *a = ir::constantValue(e);
    const int64_t *i = a ? a->getIf<int64_t>() : nullptr;
    if (!i)
      return std::nullopt;
    out.push_back(*i);
  }
  return out;
}

std::string dimName(const ir::Dim &d) { return d.isSymbolic() ? d.symbol : std::string("?"); }

class FrozenShapes {
public:
  explicit FrozenShapes(const PassOptions &o) : o_(o) {}

  void walk(const ir::Block *b) {
    for (const ir::Node *n : b->nodes()) {
      for (const ir::Block *sub : n->blocks())
        walk(sub);
      check(n);
    }
  }

private:
  void check(const ir::Node *n) {
    std::string_view k = n->kind().isNamespace("aten") ? n->kind().name() : "";
    if ((k != "view" && k != "reshape" && k != "expand") || n->inputs().size() < 2 ||
        !n->input(0)->type()->isTensor())
      return;
    const auto &sizes = n->input(0)->type()->tensorInfo().sizes;
    auto target = constantInts(n->input(1));
    if (!sizes || !target)
      return;
    if (k == "expand") {
      // Aligned from the right; -1 keeps the input's dim.
      size_t off = target->size() >= sizes->size() ? target->size() - sizes->size() : 0;
      for (size_t i = 0; i < sizes->size() && i + off < target->size(); ++i) {
        const ir::Dim &d = (*sizes)[i];
        int64_t t = (*target)[i + off];
        if (!d.isStatic() && t != -1 && t != 1) {
          report(*n, fmt::format("aten::expand to the constant size {} at dim {} of a tensor whose "
                                 "dim {} is dynamic ({})",
                                 t, i + off, i, dimName(d)));
          return;
        }
      }
      return;
    }
    if (std::find(target->begin(), target->end(), -1) != target->end()) {
      // -1 follows the dynamic dims, but a constant in front of it may be a traced one:
      // `x.view(int(x.size(0)), -1)` records the batch it was traced with. Leading dims that
      // the target keeps line up with the input's; the first that does not is checked.
      for (size_t i = 0; i < sizes->size() && i < target->size(); ++i) {
        const ir::Dim &d = (*sizes)[i];
        int64_t t = (*target)[i];
        if (t < 0)
          return;
        if (!d.isStatic()) {
          report(*n, fmt::format("aten::{} to the shape [{}] of a tensor whose dim {} is dynamic "
                                 "({}) but given as the constant {}",
                                 k, fmt::join(*target, ", "), i, dimName(d), t));
          return;
        }
        if (d.value != t)
          return;
      }
      return;
    }
    for (size_t i = 0; i < sizes->size(); ++i)
      if (!(*sizes)[i].isStatic()) {
        report(*n, fmt::format("aten::{} to the constant shape [{}] of a tensor whose dim {} is "
                               "dynamic ({})",
                               k, fmt::join(*target, ", "), i, dimName((*sizes)[i])));
        return;
      }
  }

  void report(const ir::Node &n, const std::string &what) {
    std::string where = n.sourceLocation().valid() ? n.sourceLocation().str() + ": " : "";
    o_.warn(fmt::format("{}warning: {}: the model keeps the size it was traced or written with "
                        "(a traced archive records sizes read through Python ints as constants; "
                        "trace with x.size(d) kept as a tensor, or script the model)",
                        where, what));
  }

  const PassOptions &o_;
};

bool hasDynamicInput(const ir::Graph &g) {
  for (const ir::Value *in : g.inputs())
    if (in->type()->isTensor())
      if (const auto &s = in->type()->tensorInfo().sizes)
        for (const ir::Dim &d : *s)
          if (!d.isStatic())
            return true;
  return false;
}

} // namespace

absl::Status runWarnFrozenShapes(ir::Graph &graph, const PassOptions &options) {
  if (hasDynamicInput(graph))
    FrozenShapes(options).walk(graph.block());
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
