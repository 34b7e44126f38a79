// Lists: len, __getitem__, prim::ListUnpack and append, and the ops making a Tensor[] of a
// literal list (broadcast_tensors, meshgrid) as list literals of their results. A
// list literal (prim::ListConstruct) or a constant list is resolved at conversion time at every
// opset; a list whose length is only known at run time (what functionalize-lists leaves:
// loop-carried lists appended to) is an ONNX sequence, from 11
// (SequenceEmpty/Construct/Insert/At/Length).
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
  // A list of numbers (float[] of a scripted F.interpolate's scale factors, int[]): the element
  // in the sequence's dtype (a loop-carried float[] is float64, a float constant float32).
  const ir::Type &listType = *ctx.node().output(0)->type();
  if (listType.is(ir::TypeKind::List) && !listType.elementType()->isTensor())
    if (auto want = elementDtype(seq); want && dt && *want != *dt) {
      t = ctx.b.cast(t, *want);
      dt = want;
    }
  ir::Value *out = ctx.b.op("SequenceInsert", {seq, t});
  auto rank = OnnxBuilder::rankOf(t);
  out->setType(sequenceType(dt ? dt : elementDtype(seq), rank ? rank : elementRank(seq)));
  return one(out);
}

/// The tensors of a Tensor[] input that is a list literal (or nullopt).
std::optional<std::vector<ir::Value *>> literalTensors(Ctx &ctx, size_t i) {
  auto elems = ctx.listElements(i);
  if (!elems)
    return std::nullopt;
  for (ir::Value *e : *elems)
    if (!e->type()->isTensor())
      return std::nullopt;
  return elems;
}

/// aten::broadcast_tensors(tensors): each Expanded to the common shape, which is built by
/// Expanding through the tensors in turn (Expand broadcasts both ways) and reading its Shape.
Result broadcastTensors(Ctx &ctx) {
  auto elems = literalTensors(ctx, 0);
  if (!elems)
    return ctx.unsupported("broadcast_tensors of a list whose length is only known at run time");
  OnnxBuilder &b = ctx.b;
  if (elems->size() == 1)
    return one(tensorList(b, *elems));
  ir::Value *common = b.shape((*elems)[0]);
  for (size_t i = 1; i < elems->size(); ++i)
    common = b.shape(b.op("Expand", {(*elems)[i], common}));
  std::vector<ir::Value *> outs;
  for (ir::Value *e : *elems)
    outs.push_back(b.op("Expand", {e, common}));
  return one(tensorList(b, outs));
}

/// aten::meshgrid(tensors, indexing="ij"|"xy"): tensor i (0-d or 1-D) reshaped to -1 at its
/// grid axis and 1 elsewhere, then Expanded to the grid's shape; "xy" swaps the first two axes.
Result meshgrid(Ctx &ctx) {
  auto elems = literalTensors(ctx, 0);
  if (!elems)
    return ctx.unsupported("meshgrid of a list whose length is only known at run time");
  std::string indexing = ctx.numInputs() > 1 ? ctx.constString(1).value_or("") : "ij";
  if (indexing != "ij" && indexing != "xy")
    return ctx.unsupported(fmt::format("meshgrid indexing '{}'", indexing));
  OnnxBuilder &b = ctx.b;
  size_t k = elems->size();
  std::vector<size_t> axisOf(k);
  for (size_t i = 0; i < k; ++i)
    axisOf[i] = i;
  if (indexing == "xy" && k >= 2)
    std::swap(axisOf[0], axisOf[1]);
  std::vector<ir::Value *> flat(k), sizes(k);
  for (size_t i = 0; i < k; ++i) {
    if (auto r = rankOf((*elems)[i]); r && *r > 1)
      return ctx.error(fmt::format("meshgrid of a rank-{} tensor (needs 0-d or 1-D)", *r));
    flat[i] = b.op("Reshape", {(*elems)[i], b.int64s({-1})});
    sizes[axisOf[i]] = b.shape(flat[i]);
  }
  ir::Value *grid = b.concat(sizes, 0);
  std::vector<ir::Value *> outs;
  for (size_t i = 0; i < k; ++i) {
    std::vector<int64_t> shape(k, 1);
    shape[axisOf[i]] = -1;
    outs.push_back(b.op("Expand", {b.op("Reshape", {flat[i], b.int64s(shape)}), grid}));
  }
  return one(tensorList(b, outs));
}

} // namespace

void registerSequence(SymbolicRegistry &r) {
  r.add("aten::len", 9, len);
  r.add("aten::len", 11, len11);
  r.add("aten::__getitem__", 9, getItem);
  r.add("aten::__getitem__", 11, getItem11);
  r.add("prim::ListUnpack", 9, listUnpack);
  r.add("aten::append", 11, append11);
  r.add("aten::broadcast_tensors", 9, broadcastTensors);
  r.add("aten::meshgrid", 9, meshgrid);
}

} // namespace ts2onnx::symbolics
