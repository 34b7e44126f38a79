// Symbolics whose ONNX form changed at opset 11: Equal on floating point, Resize with roi /
// scales / sizes and coordinate_transformation_mode (torch's half-pixel and align_corners
// mappings), Range, GatherElements, CumSum, and the sequence ops (SequenceEmpty/Construct/
// Insert/At/Length, ConcatFromSequence, SplitToSequence) for lists whose length is only known
// at run time (what functionalize-lists leaves: loop-carried lists appended to). Clip's and Pad's
// bounds/pads became inputs at 11 too; OnnxBuilder::clip and ::pad make that switch for every
// symbolic.
#include <limits>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/Helpers.h"
#include "symbolics/Opsets.h"

namespace ts2onnx::symbolics {

namespace {

using Result = shared::Result;
using ir::ScalarType;
constexpr int64_t kIntMax = std::numeric_limits<int64_t>::max();

Result resize11(SymbolicContext &ctx, std::string mode, size_t spatial, bool hasAlignCorners) {
  TS2ONNX_ASSIGN_OR_RETURN(
      auto it, shared::interpolationArgs(ctx, std::move(mode), spatial, hasAlignCorners));
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  std::vector<OnnxAttr> attrs = {OnnxAttr::s("mode", it.mode)};
  if (it.mode == "nearest") {
    attrs.push_back(OnnxAttr::s("coordinate_transformation_mode", "asymmetric"));
    attrs.push_back(OnnxAttr::s("nearest_mode", "floor"));
  } else {
    attrs.push_back(OnnxAttr::s("coordinate_transformation_mode",
                                it.alignCorners ? "align_corners" : "pytorch_half_pixel"));
    if (it.mode == "cubic")
      attrs.push_back(OnnxAttr::f("cubic_coeff_a", -0.75));
  }
  std::vector<float> none;
  ir::Value *empty = b.constant(ir::Tensor::fromVector(ScalarType::Float32, {0}, none));
  if (it.scales)
    return one(b.op("Resize", {x, empty, shared::fullScales(b, x, it)}, attrs));
  ir::Value *sizes = b.concat({b.slice(b.shape(x), {0}, {2}, {0}, {1}), it.sizes}, 0);
  ir::Value *emptyScales = b.constant(ir::Tensor::fromVector(ScalarType::Float32, {0}, none));
  return one(b.op("Resize", {x, empty, emptyScales, sizes}, attrs));
}

Result arange11(SymbolicContext &ctx) {
  shared::ArangeArgs a = shared::arangeArgs(ctx);
  bool allConst = ctx.constFloat(a.end) && (!a.start || ctx.constFloat(*a.start)) &&
                  (!a.step || ctx.constFloat(*a.step));
  if (allConst) // constant bounds: a constant tensor, as at opset 9
    return (*SymbolicRegistry::global().lookup("aten::arange", 9))(ctx);
  bool anyFloat = false;
  for (auto i : {a.start, std::optional<size_t>(a.end), a.step})
    if (i) {
      const ir::Type &t = *ctx.input(*i)->type();
      auto dt = OnnxBuilder::dtypeOf(ctx.input(*i));
      anyFloat |= t.is(ir::TypeKind::Float) || (dt && ir::isFloatingType(*dt));
    }
  TS2ONNX_ASSIGN_OR_RETURN(auto dtArg, dtypeArg(ctx, a.dtype));
  ScalarType t = dtArg.value_or(anyFloat ? ScalarType::Float32 : ScalarType::Int64);
  auto operand = [&](std::optional<size_t> i, double dflt) -> absl::StatusOr<ir::Value *> {
    if (!i)
      return ctx.b.scalarOf(dflt, t);
    return asTensor(ctx, *i, t);
  };
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * s, operand(a.start, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * e, operand(a.end, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * st, operand(a.step, 1));
  return one(ctx.b.op("Range", {s, e, st}));
}

Result gather11(SymbolicContext &ctx) {
  // aten::gather(self, dim, index, sparse_grad)
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  return one(ctx.b.op("GatherElements", {ctx.input(0), ctx.input(2)}, {OnnxAttr::i("axis", *d)}));
}

Result cumsum11(SymbolicContext &ctx) {
  // aten::cumsum(self, dim, dtype?)
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 2));
  ir::Value *x = ctx.input(0);
  auto t = OnnxBuilder::dtypeOf(x);
  if (dt && t != dt)
    x = ctx.b.cast(x, *dt);
  else if (!dt && t && !ir::isFloatingType(*t) && *t != ScalarType::Int64)
    x = ctx.b.cast(x, ScalarType::Int64);
  return one(ctx.b.op("CumSum", {x, ctx.b.int64Scalar(*d)}));
}

/// The opset-9 entry of `op`, for inputs that are not sequences.
Result atOpset9(SymbolicContext &ctx, const char *op) {
  return (*SymbolicRegistry::global().lookup(op, 9))(ctx);
}

/// A sequence of tensors of `elem`, of rank `rank` when known (dims unknown: elements differ).
ir::TypePtr sequenceType(std::optional<ScalarType> elem, std::optional<int64_t> rank = {}) {
  ir::TensorInfo info;
  info.dtype = elem;
  if (rank)
    info.sizes = std::vector<ir::Dim>(size_t(*rank), ir::Dim::unknown());
  return ir::Type::list(ir::Type::tensor(std::move(info)));
}

/// The rank of a sequence's elements, when its type knows it.
std::optional<int64_t> elementRank(const ir::Value *seq) {
  const ir::Type &t = *seq->type();
  if (!t.is(ir::TypeKind::List))
    return std::nullopt;
  const ir::Type &e = *t.elementType();
  if (e.isTensor() && e.tensorInfo().sizes)
    return int64_t(e.tensorInfo().sizes->size());
  if (e.is(ir::TypeKind::Int) || e.is(ir::TypeKind::Float) || e.is(ir::TypeKind::Bool))
    return 0;
  return std::nullopt;
}

std::optional<std::vector<ir::Dim>> unknownDims(std::optional<int64_t> rank) {
  if (!rank)
    return std::nullopt;
  return std::vector<ir::Dim>(size_t(*rank), ir::Dim::unknown());
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

std::optional<ScalarType> elementDtype(const ir::Value *seq) {
  const ir::Type &t = *seq->type();
  if (!t.is(ir::TypeKind::List))
    return std::nullopt;
  const ir::Type &e = *t.elementType();
  if (e.isTensor())
    return e.tensorInfo().dtype;
  if (e.is(ir::TypeKind::Int))
    return ScalarType::Int64;
  if (e.is(ir::TypeKind::Float))
    return ScalarType::Float64;
  if (e.is(ir::TypeKind::Bool))
    return ScalarType::Bool;
  return std::nullopt;
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

Result len11(SymbolicContext &ctx) {
  if (!isSequence(ctx.input(0)))
    return atOpset9(ctx, "aten::len");
  ir::Value *n = ctx.b.op("SequenceLength", {ctx.input(0)});
  OnnxBuilder::setTensorType(n, ScalarType::Int64, std::vector<ir::Dim>{});
  return one(n);
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

/// cat / stack of a sequence: ConcatFromSequence (new_axis for stack).
Result concatSequence(SymbolicContext &ctx, const char *op, bool newAxis) {
  if (!isSequence(ctx.input(0)))
    return atOpset9(ctx, op);
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  ir::Value *out = ctx.b.op("ConcatFromSequence", {ctx.input(0)},
                            {OnnxAttr::i("axis", *d), OnnxAttr::i("new_axis", newAxis ? 1 : 0)});
  auto rank = elementRank(ctx.input(0));
  OnnxBuilder::setTensorType(
      out, elementDtype(ctx.input(0)),
      unknownDims(rank ? std::optional<int64_t>(*rank + (newAxis ? 1 : 0)) : std::nullopt));
  return one(out);
}

Result sum11(SymbolicContext &ctx) {
  // aten::sum(int[]) of a runtime-length list: stack the 0-d elements and reduce.
  if (ctx.node().inputs().size() != 1 || !isSequence(ctx.input(0)))
    return atOpset9(ctx, "aten::sum");
  ir::Value *all = ctx.b.op("ConcatFromSequence", {ctx.input(0)},
                            {OnnxAttr::i("axis", 0), OnnxAttr::i("new_axis", 1)});
  OnnxBuilder::setTensorType(all, elementDtype(ctx.input(0)),
                             std::vector<ir::Dim>{ir::Dim::unknown()});
  ir::Value *sum = ctx.b.op("ReduceSum", {all}, {OnnxAttr::i("keepdims", 0)});
  OnnxBuilder::setTensorType(sum, elementDtype(ctx.input(0)), std::vector<ir::Dim>{});
  return one(sum);
}

/// aten::unbind(self, dim): a ListConstruct of the slices when the dim's size is known or the
/// result is unpacked, else SplitToSequence.
Result unbind(SymbolicContext &ctx) {
  ir::Value *x = ctx.input(0);
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  auto r = OnnxBuilder::rankOf(x);
  int64_t dim = normalizeDim(*d, r);
  if (dim < 0 && ctx.b.opset() < 11) // Split and Squeeze take negative axes from 11
    return ctx.unsupported("unbind at a negative dim of a tensor of unknown rank before opset 11");
  std::optional<int64_t> count;
  if (auto dims = OnnxBuilder::dimsOf(x);
      dims && dim >= 0 && dim < int64_t(dims->size()) && (*dims)[size_t(dim)].isStatic())
    count = (*dims)[size_t(dim)].value;
  if (!count) {
    bool unpacked = ctx.node().output()->hasUses();
    for (const ir::Use &u : ctx.node().output()->uses()) {
      unpacked &= u.user->kind() == ir::prim::ListUnpack;
      count = int64_t(u.user->outputs().size());
    }
    if (!unpacked)
      count.reset();
  }
  if (!count && ctx.b.opset() < 11)
    return ctx.unsupported("unbind into a list of run-time length before opset 11 (a sequence)");
  if (!count) {
    ir::Value *seq =
        ctx.b.op("SplitToSequence", {x}, {OnnxAttr::i("axis", dim), OnnxAttr::i("keepdims", 0)});
    seq->setType(
        sequenceType(OnnxBuilder::dtypeOf(x), r ? std::optional<int64_t>(*r - 1) : std::nullopt));
    return one(seq);
  }
  std::vector<ir::Value *> parts;
  if (*count > 0) {
    std::vector<int64_t> ones(size_t(*count), 1);
    for (ir::Value *p : ctx.b.split(x, dim, ones))
      parts.push_back(ctx.b.squeeze(p, {dim}));
  }
  return one(tensorList(ctx.b, parts));
}

} // namespace

bool isSequence(const ir::Value *v) {
  return v->type()->is(ir::TypeKind::List) && v->node()->kind() != ir::prim::ListConstruct &&
         v->node()->kind() != ir::prim::Constant;
}

void registerOpset11(SymbolicRegistry &r) {
  r.add("aten::append", 11, append11);
  r.add("aten::len", 11, len11);
  r.add("aten::__getitem__", 11, getItem11);
  addAll(r, {"aten::cat", "aten::concat", "aten::concatenate"}, 11,
         [](SymbolicContext &c) { return concatSequence(c, "aten::cat", false); });
  r.add("aten::stack", 11,
        [](SymbolicContext &c) { return concatSequence(c, "aten::stack", true); });
  r.add("aten::sum", 11, sum11);
  // Split + Squeeze from opset 9 when the count is known; SplitToSequence needs 11.
  r.add("aten::unbind", 9, unbind);
  using shared::Cmp;
  r.add("aten::eq", 11,
        [](SymbolicContext &c) { return shared::compare(c, Cmp::Eq, true, false); });
  r.add("aten::ne", 11,
        [](SymbolicContext &c) { return shared::compare(c, Cmp::Ne, true, false); });
  r.add("aten::upsample_nearest1d", 11,
        [](SymbolicContext &c) { return resize11(c, "nearest", 1, false); });
  r.add("aten::upsample_nearest2d", 11,
        [](SymbolicContext &c) { return resize11(c, "nearest", 2, false); });
  r.add("aten::upsample_nearest3d", 11,
        [](SymbolicContext &c) { return resize11(c, "nearest", 3, false); });
  r.add("aten::upsample_linear1d", 11,
        [](SymbolicContext &c) { return resize11(c, "linear", 1, true); });
  r.add("aten::upsample_bilinear2d", 11,
        [](SymbolicContext &c) { return resize11(c, "linear", 2, true); });
  r.add("aten::upsample_trilinear3d", 11,
        [](SymbolicContext &c) { return resize11(c, "linear", 3, true); });
  r.add("aten::upsample_bicubic2d", 11,
        [](SymbolicContext &c) { return resize11(c, "cubic", 2, true); });
  r.add("aten::arange", 11, arange11);
  r.add("aten::gather", 11, gather11);
  r.add("aten::cumsum", 11, cumsum11);
}

} // namespace ts2onnx::symbolics
