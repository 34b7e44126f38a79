#include "onnx-passes/OnnxRewrite.h"

#include "ir/Status.h"
#include "passes/Passes.h"
#include "semantics/Dense.h"

namespace ts2onnx::onnx_passes {

bool isOnnx(const ir::Node *n, std::string_view op) {
  return n->kind().isNamespace("onnx") && n->kind().name() == op;
}

std::optional<int64_t> intAttr(const ir::Node *n, const char *name) {
  const ir::AttributeValue *a = n->attribute(ir::Symbol::attr(name));
  const int64_t *i = a ? a->getIf<int64_t>() : nullptr;
  return i ? std::optional<int64_t>(*i) : std::nullopt;
}

std::optional<std::vector<int64_t>> intsAttr(const ir::Node *n, const char *name) {
  const ir::AttributeValue *a = n->attribute(ir::Symbol::attr(name));
  const auto *v = a ? a->getIf<std::vector<int64_t>>() : nullptr;
  return v ? std::optional<std::vector<int64_t>>(*v) : std::nullopt;
}

bool isNone(const ir::Value *v) {
  return v->node()->kind() == ir::prim::Constant && !v->node()->hasAttribute(ir::attr::value);
}

bool isConstTensor(const ir::Value *v) {
  const ir::AttributeValue *a = ir::constantValue(v);
  return a && a->getIf<ir::Tensor>();
}

std::optional<std::vector<int64_t>> constInts(const ir::Value *v) {
  auto d = semantics::dense(v, kMaxElements);
  if (!d || !d->integral() || d->sizes.size() > 1)
    return std::nullopt;
  return d->i;
}

int64_t normAxis(int64_t a, int64_t rank) { return a < 0 ? a + rank : a; }

ir::TypePtr refine(const ir::TypePtr &old, const ir::TypePtr &now) {
  if (!old->isTensor() || !now->isTensor())
    return old;
  ir::TensorInfo info = old->tensorInfo();
  const ir::TensorInfo &n = now->tensorInfo();
  bool changed = false;
  if (!info.dtype && n.dtype) {
    info.dtype = n.dtype;
    changed = true;
  }
  if (!info.sizes && n.sizes) {
    info.sizes = n.sizes;
    changed = true;
  } else if (info.sizes && n.sizes && info.sizes->size() == n.sizes->size()) {
    for (size_t i = 0; i < info.sizes->size(); ++i) {
      ir::Dim &o = (*info.sizes)[i];
      const ir::Dim &d = (*n.sizes)[i];
      if ((!o.isStatic() && d.isStatic()) || (!o.isStatic() && !o.isSymbolic() && d.isSymbolic())) {
        o = d;
        changed = true;
      }
    }
  }
  return changed ? ir::Type::tensor(std::move(info)) : old;
}
/// The ONNX dims of a Reshape of `in` (dims, or nullopt) to `target` elements.
std::optional<Dims> reshapeDims(const std::optional<Dims> &in, const Elems &target,
                                bool allowZero) {
  Dims out;
  std::optional<size_t> infer;
  for (size_t i = 0; i < target.size(); ++i) {
    const Elem &t = target[i];
    if (t.value == 0 && !allowZero) {
      if (!in || i >= in->size())
        return std::nullopt;
      out.push_back((*in)[i]);
    } else if (t.value == -1) {
      if (infer)
        return std::nullopt;
      infer = i;
      out.push_back(ir::Dim::unknown());
    } else if (t.value && *t.value < -1) {
      return std::nullopt;
    } else {
      out.push_back(t.dim());
    }
  }
  if (infer && in) {
    // Cancel factors: in = P_in * syms_in, out (without -1) = P_out * syms_out.
    int64_t pin = 1, pout = 1;
    std::vector<std::string> symsIn, symsOut;
    bool ok = true;
    for (const ir::Dim &d : *in) {
      if (d.isStatic())
        pin *= d.value;
      else if (d.isSymbolic())
        symsIn.push_back(d.symbol);
      else
        ok = false;
    }
    for (size_t i = 0; i < out.size() && ok; ++i) {
      if (i == *infer)
        continue;
      if (out[i].isStatic())
        pout *= out[i].value;
      else if (out[i].isSymbolic())
        symsOut.push_back(out[i].symbol);
      else
        ok = false;
    }
    if (ok && pout > 0) {
      for (const std::string &s : symsOut) {
        auto it = std::find(symsIn.begin(), symsIn.end(), s);
        if (it == symsIn.end()) {
          ok = false;
          break;
        }
        symsIn.erase(it);
      }
      if (ok && symsIn.empty() && pin % pout == 0)
        out[*infer] = ir::Dim::known(pin / pout);
      else if (ok && symsIn.size() == 1 && pin == pout)
        out[*infer] = ir::Dim::named(symsIn[0]);
    }
  }
  return out;
}

bool rewriteRound(RewriteContext &ctx, bool refine, absl::Span<const Rule> rules) {
  ctx.shapes.clear();
  ctx.changed = false;
  struct Walk {
    RewriteContext &ctx;
    bool refine;
    absl::Span<const Rule> rules;
    void block(ir::Block *block) {
      for (auto it = block->nodes().begin(); it != block->nodes().end();) {
        ir::Node *n = *it;
        ++it;
        for (ir::Block *sub : n->blocks())
          this->block(sub);
        if (!n->kind().isNamespace("onnx") || n->hasAttribute(ir::Symbol::attr("domain")))
          continue;
        if (!n->blocks().empty())
          continue;
        if (refine)
          refineTypes(n);
        if (n->outputs().size() != 1)
          continue;
        for (Rule rule : rules) {
          if (ir::Value *r = rule(ctx, n)) {
            n->output(0)->replaceAllUsesWith(r);
            n->destroy();
            ctx.changed = true;
            break;
          }
        }
      }
    }
  };
  Walk{ctx, refine, rules}.block(ctx.g.block());
  return ctx.changed;
}

absl::Status runRules(ir::Graph &graph, const passes::PassOptions &options, bool refine,
                      absl::Span<const Rule> rules) {
  RewriteContext ctx(graph, options.targetOpset,
                     options.get("constant-folding").value_or("1") != "0");
  for (int round = 0; round < 8 && rewriteRound(ctx, refine, rules); ++round) {
  }
  return passes::runDce(graph, passes::PassOptions());
}

} // namespace ts2onnx::onnx_passes
