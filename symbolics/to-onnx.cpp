// to-onnx: replaces aten/prim nodes by ONNX nodes through the symbolic tables.
//
// Given: a frozen, functional graph (no module attributes, no in-place ops) whose tensor values
//        carry the dtypes/shapes propagate-shapes could find; PassOptions.targetOpset in
//        [kMinOpset, kMaxOpset]; extra option `operator-export-type` = ONNX (default),
//        ONNX_ATEN_FALLBACK or ONNX_FALLTHROUGH.
// Does:  converts every node with a symbolic at the target opset (newest entry <= opset),
//        flattens tuple/list/dict graph outputs into separate outputs, removes what became dead.
//        With ONNX_ATEN_FALLBACK an op without symbolic becomes an `ATen` node in domain
//        org.pytorch.aten (attribute `operator`), as torch does; with ONNX_FALLTHROUGH it is left
//        as is in its own domain.
// Result: only onnx:: nodes (and custom-domain nodes) and prim::Constant tensors remain, or an
//         error naming the first op without a symbolic, its source location and the opsets that
//         have one.
#include <fmt/format.h>

#include "ir/Status.h"
#include "passes/Passes.h"
#include "symbolics/OnnxBuilder.h"
#include "symbolics/SymbolicRegistry.h"
#include "symbolics/Symbolics.h"

namespace ts2onnx::symbolics {

namespace {

enum class ExportType { Onnx, AtenFallback, Fallthrough };

bool isStructural(ir::Symbol k) {
  return k == ir::prim::Constant || k == ir::prim::ListConstruct || k == ir::prim::TupleConstruct ||
         k == ir::prim::DictConstruct;
}

class ToOnnx {
public:
  ToOnnx(ir::Graph &g, int opset, ExportType type) : g_(g), b_(g, opset), type_(type) {}

  absl::Status run() {
    TS2ONNX_RETURN_IF_ERROR(convertBlock(g_.block()));
    flattenOutputs();
    TS2ONNX_RETURN_IF_ERROR(passes::runDce(g_, passes::PassOptions{}));
    return checkConverted(g_.block());
  }

private:
  absl::Status convertBlock(ir::Block *block) {
    for (auto it = block->nodes().begin(); it != block->nodes().end();) {
      ir::Node *n = *it;
      ++it;
      ir::Symbol k = n->kind();
      if (isStructural(k) || k.isNamespace("onnx"))
        continue;
      const SymbolicFn *fn = SymbolicRegistry::global().lookup(k.qualString(), b_.opset());
      if (!fn) {
        if (type_ == ExportType::AtenFallback && k.isNamespace("aten"))
          atenFallback(n);
        continue;
      }
      ir::WithInsertPoint guard(n);
      SymbolicContext ctx(b_, *n);
      TS2ONNX_ASSIGN_OR_RETURN(std::vector<ir::Value *> outs, (*fn)(ctx));
      if (outs.size() != n->outputs().size())
        return ctx.error(fmt::format("symbolic returned {} values for {} outputs", outs.size(),
                                     n->outputs().size()));
      for (size_t i = 0; i < outs.size(); ++i)
        if (outs[i] && outs[i] != n->output(i))
          n->output(i)->replaceAllUsesWith(outs[i]);
      bool used = false;
      for (ir::Value *o : n->outputs())
        used |= o->hasUses();
      if (!used)
        n->destroy();
    }
    return absl::OkStatus();
  }

  void atenFallback(ir::Node *n) {
    ir::WithInsertPoint guard(n);
    std::vector<ir::Value *> ins(n->inputs().begin(), n->inputs().end());
    ir::Node *a = b_.node("ATen", ins, {OnnxAttr::s("operator", std::string(n->kind().name()))},
                          n->outputs().size());
    a->s_(ir::Symbol::attr("domain"), "org.pytorch.aten");
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      a->output(i)->setType(n->output(i)->type());
      n->output(i)->replaceAllUsesWith(a->output(i));
    }
    n->destroy();
  }

  /// Graph outputs that are tuples, lists or dicts become one output per element, in order.
  void flattenOutputs() {
    ir::Block *top = g_.block();
    bool changed = true;
    while (changed) {
      changed = false;
      for (size_t i = 0; i < top->outputs().size(); ++i) {
        ir::Node *p = top->outputs()[i]->node();
        if (p->kind() != ir::prim::TupleConstruct && p->kind() != ir::prim::ListConstruct &&
            p->kind() != ir::prim::DictConstruct)
          continue;
        std::vector<ir::Value *> elems;
        for (size_t k = 0; k < p->inputs().size(); ++k)
          if (p->kind() != ir::prim::DictConstruct || k % 2 == 1)
            elems.push_back(p->input(k));
        top->eraseOutput(i);
        for (size_t k = 0; k < elems.size(); ++k)
          top->insertOutput(i + k, elems[k]);
        changed = true;
        break;
      }
    }
  }

  absl::Status checkConverted(const ir::Block *block) {
    for (const ir::Node *n : block->nodes()) {
      ir::Symbol k = n->kind();
      if (k == ir::prim::Constant || k.isNamespace("onnx"))
        continue;
      if (type_ == ExportType::Fallthrough && !k.isNamespace("prim"))
        continue;
      if (!k.isNamespace("aten") && !k.isNamespace("prim") && !k.isNamespace("quantized") &&
          n->hasAttribute(ir::Symbol::attr("domain")))
        continue; // custom-domain node built by a user symbolic
      std::vector<int> have = SymbolicRegistry::global().opsetsOf(k.qualString());
      std::string where =
          n->sourceLocation().valid() ? n->sourceLocation().str() + ": " : std::string();
      std::string opsets;
      for (int v : have)
        opsets += (opsets.empty() ? "" : ", ") + std::to_string(v);
      return absl::UnimplementedError(fmt::format(
          "{}error: {} has no ONNX symbolic at opset {}{}", where, k.qualString(), b_.opset(),
          have.empty() ? std::string(" (nor at any opset; --operator-export-type "
                                     "ONNX_ATEN_FALLBACK emits it as an ATen node)")
                       : fmt::format(" (it has one from opset {})", opsets)));
    }
    return absl::OkStatus();
  }

  ir::Graph &g_;
  OnnxBuilder b_;
  ExportType type_;
};

} // namespace

absl::Status runToOnnx(ir::Graph &graph, const passes::PassOptions &options) {
  int opset = options.targetOpset;
  if (opset < kMinOpset || opset > kMaxOpset)
    return absl::InvalidArgumentError(fmt::format(
        "opset {} is not supported (this build targets {} to {})", opset, kMinOpset, kMaxOpset));
  ExportType type = ExportType::Onnx;
  if (auto t = options.get("operator-export-type")) {
    if (*t == "ONNX_ATEN_FALLBACK")
      type = ExportType::AtenFallback;
    else if (*t == "ONNX_FALLTHROUGH")
      type = ExportType::Fallthrough;
    else if (*t != "ONNX")
      return absl::InvalidArgumentError(
          fmt::format("unknown operator export type '{}' (ONNX, ONNX_ATEN_FALLBACK, "
                      "ONNX_FALLTHROUGH)",
                      *t));
  }
  return ToOnnx(graph, opset, type).run();
}

absl::Status registerPasses(passes::PassRegistry &registry) {
  return registry.registerPass("to-onnx",
                               "Replace aten/prim nodes by ONNX nodes through the symbolic tables "
                               "for the target opset",
                               runToOnnx);
}

} // namespace ts2onnx::symbolics
