// Lists: len, __getitem__, prim::ListUnpack and append. A list literal (prim::ListConstruct) or a
// constant list is resolved at conversion time at every opset; a list whose length is only known
// at run time (what functionalize-lists leaves: loop-carried lists appended to) is an ONNX
// sequence, from 11 (SequenceEmpty/Construct/Insert/At/Length).
#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

/// Element `i` of a 1-D tensor standing for an int[] (Gather before 11 takes no negative index).
ir::Value *elementOf(OnnxBuilder &b, ir::Value *list, int64_t i) {
  if (i >= 0)
    return b.gather(list, b.int64Scalar(i), 0);
  int64_t end = i == -1 ? kIntMax : i + 1;
  return b.squeeze(b.slice(list, {i}, {end}, {0}, {1}), {0});
}

Result len(Ctx &ctx) {
  ir::Value *l = ctx.input(0);
  if (auto elems = ctx.listElements(0))
    return one(ctx.b.int64Scalar(int64_t(elems->size())));
  if (!l->type()->isTensor())
    return ctx.unsupported("len of a " + l->type()->str());
  return one(ctx.b.dimSize(l, 0));
}

Result len11(SymbolicContext &ctx) {
  if (!isSequence(ctx.input(0)))
    return atOpset9(ctx, "aten::len");
  ir::Value *n = ctx.b.op("SequenceLength", {ctx.input(0)});
  OnnxBuilder::setTensorType(n, ScalarType::Int64, std::vector<ir::Dim>{});
  return one(n);
}

/// A list value as an ONNX sequence: a ListConstruct becomes SequenceConstruct (SequenceEmpty
/// of `elem` when empty); anything else already is one.
absl::StatusOr<ir::Value *> asSequence(SymbolicContext &ctx, size_t i,
                                       std::optional<ScalarType> elem) {
  ir::Value *l = ctx.input(i);
  if (l->node()->kind() != ir::prim::ListConstruct)
    return l;
  std::vector<ir::Value *> elems;
  for (ir::Value *e : l->node()->inputs()) {
    ir::Value *t = e;
    if (!e->type()->isTensor()) {
      const ir::AttributeValue *a = ir::constantValue(e);
      if (const int64_t *x = a ? a->getIf<int64_t>() : nullptr)
        t = ctx.b.int64Scalar(*x);
      else if (const double *d = a ? a->getIf<double>() : nullptr)
        t = ctx.b.floatScalar(*d, ScalarType::Float64);
      else if (a)
        return ctx.unsupported("a list element of type " + e->type()->str());
    }
    elems.push_back(t);
  }
  ir::Value *seq =
      elems.empty()
          ? ctx.b.op("SequenceEmpty", {},
                     {OnnxAttr::i("dtype", onnxDataType(elem.value_or(ScalarType::Float32)))})
          : ctx.b.op("SequenceConstruct", elems);
  seq->setType(elems.empty()
                   ? sequenceType(elem)
                   : sequenceType(OnnxBuilder::dtypeOf(elems[0]), OnnxBuilder::rankOf(elems[0])));
  return seq;
}

Result getItem(Ctx &ctx) {
  auto idx = ctx.constInt(1);
  if (auto elems = ctx.listElements(0)) {
    if (!idx)
      return ctx.unsupported("indexing a list literal with a runtime index");
    int64_t i = *idx < 0 ? *idx + int64_t(elems->size()) : *idx;
    if (i < 0 || i >= int64_t(elems->size()))
      return ctx.error("list index out of range");
    ir::Value *e = (*elems)[i];
    // A constant int element becomes the 0-d int64 tensor runtime ints are.
    const ir::AttributeValue *a =
        e->node()->kind() == ir::prim::Constant ? e->node()->attribute(ir::attr::value) : nullptr;
    if (const int64_t *v = a ? a->getIf<int64_t>() : nullptr)
      return one(ctx.b.int64Scalar(*v));
    return one(e);
  }
  ir::Value *l = ctx.input(0);
  if (!l->type()->isTensor())
    return ctx.unsupported("indexing a " + l->type()->str());
  if (auto consts = ctx.constInts(0); consts && idx) {
    int64_t i = *idx < 0 ? *idx + int64_t(consts->size()) : *idx;
    if (i < 0 || i >= int64_t(consts->size()))
      return ctx.error("list index out of range");
    return one(ctx.b.int64Scalar((*consts)[i]));
  }
  if (idx)
    return one(elementOf(ctx.b, l, *idx));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * i, intScalar(ctx, 1));
  return one(ctx.b.gather(l, i, 0));
}

Result getItem11(SymbolicContext &ctx) {
  // A list literal of tensors read at a run-time index (a loop over unbind of a static dim):
  // the literal as a sequence.
  const ir::Node *lit = ctx.input(0)->node();
  if (lit->kind() == ir::prim::ListConstruct && !lit->inputs().empty() && !ctx.constInt(1) &&
      lit->input(0)->type()->isTensor()) {
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * seq, asSequence(ctx, 0, std::nullopt));
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * i, intScalar(ctx, 1));
    ir::Value *out = ctx.b.op("SequenceAt", {seq, i});
    OnnxBuilder::setTensorType(out, elementDtype(seq), unknownDims(elementRank(seq)));
    return one(out);
  }
  if (!isSequence(ctx.input(0)))
    return atOpset9(ctx, "aten::__getitem__");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * i, intScalar(ctx, 1));
  ir::Value *out = ctx.b.op("SequenceAt", {ctx.input(0), i});
  OnnxBuilder::setTensorType(out, elementDtype(ctx.input(0)),
                             unknownDims(elementRank(ctx.input(0))));
  return one(out);
}

Result listUnpack(Ctx &ctx) {
  size_t n = ctx.node().outputs().size();
  if (auto elems = ctx.listElements(0)) {
    if (elems->size() != n)
      return ctx.error(fmt::format("unpacking {} values into {}", elems->size(), n));
    std::vector<ir::Value *> outs;
    for (size_t i = 0; i < n; ++i) {
      ir::Value *e = (*elems)[i];
      const ir::AttributeValue *a =
          e->node()->kind() == ir::prim::Constant ? e->node()->attribute(ir::attr::value) : nullptr;
      if (const int64_t *v = a ? a->getIf<int64_t>() : nullptr)
        outs.push_back(ctx.b.int64Scalar(*v));
      else
        outs.push_back(e);
    }
    return outs;
  }
  ir::Value *l = ctx.input(0);
  if (auto ints = ctx.constInts(0)) {
    // A folded int list (e.g. the static `x.size()` of `n, c, h, w = x.shape`).
    if (ints->size() != n)
      return ctx.error(fmt::format("unpacking {} values into {}", ints->size(), n));
    std::vector<ir::Value *> outs;
    for (int64_t v : *ints)
      outs.push_back(ctx.b.int64Scalar(v));
    return outs;
  }
  if (!l->type()->isTensor())
    return ctx.unsupported("unpacking a " + l->type()->str());
  std::vector<ir::Value *> outs;
  for (size_t i = 0; i < n; ++i)
    outs.push_back(ctx.node().output(i)->hasUses() ? elementOf(ctx.b, l, int64_t(i)) : nullptr);
  return outs;
}

Result append11(SymbolicContext &ctx) {
  ir::Value *x = ctx.input(1);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * t, asTensor(ctx, 1));
  auto dt = OnnxBuilder::dtypeOf(t);
  if (!dt)
    dt = elementDtype(ctx.input(0));
  (void)x;
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * seq, asSequence(ctx, 0, dt));
  ir::Value *out = ctx.b.op("SequenceInsert", {seq, t});
  auto rank = OnnxBuilder::rankOf(t);
  out->setType(sequenceType(dt ? dt : elementDtype(seq), rank ? rank : elementRank(seq)));
  return one(out);
}

} // namespace

void registerSequence(SymbolicRegistry &r) {
  r.add("aten::len", 9, len);
  r.add("aten::len", 11, len11);
  r.add("aten::__getitem__", 9, getItem);
  r.add("aten::__getitem__", 11, getItem11);
  r.add("prim::ListUnpack", 9, listUnpack);
  r.add("aten::append", 11, append11);
}

} // namespace ts2onnx::symbolics
