// onnx-simplify-shapes: tracks the elements of int64 shape vectors and resolves Reshape targets.
//
// Given: a graph of onnx:: nodes whose values carry the dtypes and (symbolic) dims the
//        symbolics could infer.
// Does:  follows the elements of int64 shape vectors symbolically: Shape of a value with known
//        rank gives its dims (static, named like `batch`, or unknown), and Gather, Unsqueeze,
//        Squeeze, Concat, Slice, Cast and trivial arithmetic carry them; a vector whose elements
//        all became static is replaced by a constant, so shape arithmetic on static dims folds
//        while dynamic dims stay dynamic. A Reshape gets the dims its target implies (a named
//        dim where it came from one); a computed target with a single non-static element
//        becomes a constant with -1 there; a Reshape to the input's own dims is dropped, and a
//        Reshape of a single-use Reshape reads the inner input.
// Result: shape arithmetic on static dims is folded; unused nodes are removed.
#include <algorithm>

#include "absl/status/status.h"
#include "onnx-passes/OnnxPasses.h"
#include "onnx-passes/OnnxRewrite.h"
#include "semantics/Dense.h"

namespace ts2onnx::onnx_passes {
namespace {

using ir::Dim;
using ir::ScalarType;

bool allLiteral(const Elems &d) {
  return std::all_of(d.begin(), d.end(), [](const Elem &x) { return x.value.has_value(); });
}

Elems elemsOf(const Dims &d) {
  Elems out;
  for (const Dim &x : d)
    out.push_back(Elem::fromDim(x));
  return out;
}

/// Static equal, or the same symbol.
bool sameDim(const Dim &a, const Dim &b) {
  return (a.isStatic() && b.isStatic() && a.value == b.value) ||
         (a.isSymbolic() && b.isSymbolic() && a.symbol == b.symbol);
}

/// A 0-d or 1-d int64 constant with `v`.
ir::Value *intConstant(RewriteContext &ctx, const std::vector<int64_t> &v, bool scalar) {
  if (scalar)
    return ctx.b.int64Scalar(v.at(0));
  return ctx.b.int64s(v);
}

/// Symbolic elements of an int64 vector (0-d: one element), when known.
std::optional<Elems> shapeOf(RewriteContext &ctx, const ir::Value *v) {
  if (auto it = ctx.shapes.find(v); it != ctx.shapes.end())
    return it->second;
  auto c = semantics::dense(v, 64);
  if (!c || c->dtype != ScalarType::Int64 || c->sizes.size() > 1)
    return std::nullopt;
  Elems d;
  for (int64_t x : c->i)
    d.push_back(Elem::of(x));
  return d;
}

bool isScalar(const ir::Value *v) {
  auto r = symbolics::OnnxBuilder::rankOf(v);
  return r && *r == 0;
}

/// The symbolic value of a shape-vector node, if it is one.
std::optional<Elems> symbolic(RewriteContext &ctx, const ir::Node *n) {
  if (n->inputs().empty()) // SequenceEmpty, Constant-like nodes
    return std::nullopt;
  std::string_view k = n->kind().name();
  const ir::Value *x = n->input(0);
  if (k == "Shape") {
    auto d = symbolics::OnnxBuilder::dimsOf(x);
    if (!d)
      return std::nullopt;
    int64_t r = int64_t(d->size());
    int64_t b = std::clamp<int64_t>(normAxis(intAttr(n, "start").value_or(0), r), 0, r);
    int64_t e = std::clamp<int64_t>(normAxis(intAttr(n, "end").value_or(r), r), 0, r);
    return elemsOf(Dims(d->begin() + b, d->begin() + std::max(b, e)));
  }
  if (k == "Cast") {
    if (intAttr(n, "to").value_or(0) != symbolics::onnxDataType(ScalarType::Int64))
      return std::nullopt;
    return shapeOf(ctx, x);
  }
  if (k == "Gather") {
    auto d = shapeOf(ctx, x);
    auto idx = semantics::dense(n->input(1), 64);
    auto xr = symbolics::OnnxBuilder::rankOf(x);
    if (!d || !idx || !idx->integral() || idx->sizes.size() > 1 ||
        intAttr(n, "axis").value_or(0) != 0 || !xr || *xr != 1)
      return std::nullopt;
    Elems out;
    for (int64_t i : idx->i) {
      i = i < 0 ? i + int64_t(d->size()) : i;
      if (i < 0 || i >= int64_t(d->size()))
        return std::nullopt;
      out.push_back((*d)[size_t(i)]);
    }
    return out;
  }
  if (k == "Unsqueeze" || k == "Squeeze") {
    // 0-d <-> 1-element 1-d only.
    auto d = shapeOf(ctx, x);
    auto r = symbolics::OnnxBuilder::rankOf(n->output());
    if (!d || d->size() != 1 || !r || *r + (k == "Unsqueeze" ? 0 : 1) != 1 ||
        isScalar(x) != (k == "Unsqueeze"))
      return std::nullopt;
    return d;
  }
  if (k == "Concat") {
    if (intAttr(n, "axis").value_or(-1) != 0)
      return std::nullopt;
    Elems out;
    for (const ir::Value *v : n->inputs()) {
      auto d = shapeOf(ctx, v);
      auto r = symbolics::OnnxBuilder::rankOf(v);
      if (!d || !r || *r != 1)
        return std::nullopt;
      out.insert(out.end(), d->begin(), d->end());
    }
    return out;
  }
  if (k == "Slice" && n->inputs().size() >= 3) {
    auto d = shapeOf(ctx, x);
    auto s = constInts(n->input(1)), e = constInts(n->input(2));
    if (!d || !s || !e || s->size() != 1 || e->size() != 1)
      return std::nullopt;
    if (n->inputs().size() > 3 && !isNone(n->input(3))) {
      auto a = constInts(n->input(3));
      if (!a || a->size() != 1 || ((*a)[0] != 0 && (*a)[0] != -1))
        return std::nullopt;
    }
    if (n->inputs().size() > 4 && !isNone(n->input(4))) {
      auto st = constInts(n->input(4));
      if (!st || st->size() != 1 || (*st)[0] != 1)
        return std::nullopt;
    }
    int64_t r = int64_t(d->size());
    int64_t b = std::clamp<int64_t>(normAxis((*s)[0], r), 0, r);
    int64_t en = std::clamp<int64_t>(normAxis((*e)[0], r), 0, r);
    return Elems(d->begin() + b, d->begin() + std::max(b, en));
  }
  if ((k == "Mul" || k == "Add" || k == "Sub" || k == "Div") && n->inputs().size() == 2) {
    auto a = shapeOf(ctx, n->input(0)), c = shapeOf(ctx, n->input(1));
    if (!a || !c || (a->size() != c->size() && a->size() != 1 && c->size() != 1))
      return std::nullopt;
    size_t len = std::max(a->size(), c->size());
    Elems out;
    for (size_t i = 0; i < len; ++i) {
      const Elem &p = (*a)[a->size() == 1 ? 0 : i], &q = (*c)[c->size() == 1 ? 0 : i];
      if (p.value && q.value) {
        int64_t x = *p.value, y = *q.value;
        if (k == "Div" && y == 0)
          return std::nullopt;
        out.push_back(Elem::of(k == "Mul"   ? x * y
                               : k == "Add" ? x + y
                               : k == "Sub" ? x - y
                                            : x / y));
      } else if (q.value == ((k == "Mul" || k == "Div") ? 1 : 0)) {
        out.push_back(p);
      } else if ((k == "Mul" && p.value == 1) || (k == "Add" && p.value == 0)) {
        out.push_back(q);
      } else {
        out.push_back(Elem{});
      }
    }
    return out;
  }
  return std::nullopt;
}

ir::Value *simplifyReshape(RewriteContext &ctx, ir::Node *n) {
  ir::Value *x = n->input(0);
  ir::Value *out = n->output();
  bool allowZero = intAttr(n, "allowzero").value_or(0) != 0;
  auto target = shapeOf(ctx, n->input(1));
  if (!target)
    return nullptr;
  auto inDims = symbolics::OnnxBuilder::dimsOf(x);
  auto outDims = reshapeDims(inDims, *target, allowZero);
  if (outDims) {
    auto known = symbolics::OnnxBuilder::dimsOf(out);
    if (!known || known->size() == outDims->size()) {
      ir::TensorInfo info;
      info.dtype = symbolics::OnnxBuilder::dtypeOf(x);
      info.sizes = *outDims;
      out->setType(refine(out->type(), ir::Type::tensor(std::move(info))));
    }
    // Reshape to the input's own dims.
    if (inDims && inDims->size() == outDims->size()) {
      bool same = true;
      for (size_t i = 0; i < inDims->size(); ++i)
        same &= sameDim((*inDims)[i], (*outDims)[i]);
      if (same)
        return x;
    }
  }
  // A computed target with one non-static element (after resolving 0 and -1 from the types)
  // becomes a constant with -1 there.
  if (!isConstTensor(n->input(1))) {
    size_t dynamic = 0;
    bool ok = true;
    std::vector<int64_t> v;
    Elems resolved = outDims && outDims->size() == target->size() ? elemsOf(*outDims) : *target;
    for (const Elem &d : resolved) {
      if (d.value) {
        ok &= *d.value > 0;
        v.push_back(*d.value);
      } else {
        ++dynamic;
        v.push_back(-1);
      }
    }
    if (ok && dynamic == 1) {
      ir::WithInsertPoint guard(n);
      n->replaceInput(1, ctx.b.int64s(v));
      ctx.changed = true;
    }
  }
  // Reshape(Reshape(y, s1), s2) with s2 free of 0 (which would copy from the inner result).
  if (isOnnx(x->node(), "Reshape") && x->uses().size() == 1 && isConstTensor(n->input(1))) {
    auto s2 = constInts(n->input(1));
    if (s2 && std::find(s2->begin(), s2->end(), 0) == s2->end()) {
      n->replaceInput(0, x->node()->input(0));
      ctx.changed = true;
    }
  }
  return nullptr;
}
} // namespace

ir::Value *simplifyShapes(RewriteContext &ctx, ir::Node *n) {
  ir::Value *out = n->output();
  if (auto d = symbolic(ctx, n)) {
    auto rank = symbolics::OnnxBuilder::rankOf(out);
    if (allLiteral(*d) && rank && *rank <= 1) {
      std::vector<int64_t> v;
      for (const Elem &x : *d)
        v.push_back(*x.value);
      bool scalar = *rank == 0;
      if (!scalar || v.size() == 1) {
        ir::WithInsertPoint guard(n);
        return intConstant(ctx, v, scalar);
      }
    }
    ctx.shapes[out] = *d;
  }
  if (n->kind().name() == "Reshape" && n->inputs().size() == 2)
    return simplifyReshape(ctx, n);
  return nullptr;
}

absl::Status runOnnxSimplifyShapes(ir::Graph &graph, const passes::PassOptions &options) {
  static constexpr Rule kRules[] = {simplifyShapes};
  return runRules(graph, options, /*refine=*/false, kRules);
}

} // namespace ts2onnx::onnx_passes
