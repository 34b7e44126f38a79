// Shapes and views: flatten, view/reshape, permute/transpose, squeeze/unsqueeze, cat/stack,
// split/chunk/unbind, slice/narrow/select, expand/repeat, size/dim/numel, and the no-op views.
// Forms by opset: Slice takes starts/ends/axes/steps as inputs from 10 (runtime bounds, steps;
// at 9 constant attributes and no steps); cat/stack of a runtime-length list (an ONNX sequence)
// is ConcatFromSequence and unbind into one SplitToSequence from 11. Split/Squeeze/Unsqueeze
// take their axes as inputs from 13, and negative axes from 11: OnnxBuilder makes those switches.
#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

Result flatten(Ctx &ctx) {
  auto start = ctx.constInt(1), end = ctx.constInt(2);
  if (!start || !end)
    return ctx.unsupported("non-constant dims");
  ir::Value *x = ctx.input(0);
  auto rank = rankOf(x);
  int64_t s = normalizeDim(*start, rank), e = normalizeDim(*end, rank);
  if (rank && *rank == 0)
    return one(ctx.b.op("Reshape", {x, ctx.b.int64s({1})}));
  bool toEnd = *end == -1 || (rank && e == *rank - 1);
  if (s == 0 && toEnd)
    return one(ctx.b.op("Reshape", {x, ctx.b.int64s({-1})}));
  if (s == 1 && toEnd)
    return one(ctx.b.op("Flatten", {x}, {OnnxAttr::i("axis", 1)}));
  if (auto shape = OnnxBuilder::staticShapeOf(x); shape && s >= 0 && e >= s) {
    std::vector<int64_t> target(shape->begin(), shape->begin() + s);
    target.push_back(-1);
    target.insert(target.end(), shape->begin() + e + 1, shape->end());
    return one(ctx.b.op("Reshape", {x, ctx.b.int64s(target)}));
  }
  if (s < 0 || (e < 0 && !toEnd))
    return ctx.unsupported("flatten with negative dims of a tensor of unknown rank");
  // Reshape to shape[:s] + [-1] + shape[e+1:]; the tail is counted from the back when the rank
  // is unknown.
  OnnxBuilder &b = ctx.b;
  ir::Value *shape = b.shape(x);
  std::vector<ir::Value *> parts;
  if (s > 0)
    parts.push_back(b.slice(shape, {0}, {s}, {0}, {1}));
  parts.push_back(b.int64s({-1}));
  if (!toEnd) {
    int64_t from = *end < 0 ? *end + 1 : e + 1;
    parts.push_back(b.slice(shape, {from}, {kIntMax}, {0}, {1}));
  }
  return one(b.op("Reshape", {x, b.concat(parts, 0)}));
}

Result reshape(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * shape, intList(ctx, 1));
  return one(ctx.b.op("Reshape", {ctx.input(0), shape}));
}

Result reshapeAs(Ctx &ctx) {
  return one(ctx.b.op("Reshape", {ctx.input(0), ctx.b.shape(ctx.input(1))}));
}

Result permute(Ctx &ctx) {
  auto dims = ctx.constInts(1);
  if (!dims)
    return ctx.unsupported("non-constant dims");
  int64_t r = int64_t(dims->size());
  for (int64_t &d : *dims)
    d = normalizeDim(d, r);
  return one(ctx.b.op("Transpose", {ctx.input(0)}, {OnnxAttr::is("perm", *dims)}));
}

Result transpose(Ctx &ctx) {
  auto d0 = ctx.constInt(1), d1 = ctx.constInt(2);
  if (!d0 || !d1)
    return ctx.unsupported("non-constant dims");
  ir::Value *x = ctx.input(0);
  auto r = rankOf(x);
  if (*d0 == *d1 || (r && normalizeDim(*d0, r) == normalizeDim(*d1, r)))
    return one(x);
  if (!r)
    return ctx.unsupported("transpose of a tensor of unknown rank (give the input shapes)");
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < *r; ++i)
    perm.push_back(i);
  std::swap(perm[normalizeDim(*d0, r)], perm[normalizeDim(*d1, r)]);
  return one(ctx.b.op("Transpose", {x}, {OnnxAttr::is("perm", perm)}));
}

Result squeeze(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  if (ctx.numInputs() == 1)
    return one(ctx.b.squeeze(x, {}));
  auto dims = ctx.constInts(1);
  if (!dims)
    return ctx.unsupported("non-constant dims");
  auto shape = OnnxBuilder::dimsOf(x);
  int64_t r = shape ? int64_t(shape->size()) : -1;
  if (r == 0) // dim 0 or -1 of a 0-d tensor: nothing to squeeze
    return one(x);
  std::vector<int64_t> axes;
  for (int64_t d : *dims) {
    if (!shape && d < 0 && ctx.b.opset() < 11)
      return ctx.unsupported("squeeze of a negative dim of a tensor of unknown rank");
    int64_t n = shape ? normalizeDim(d, r) : d;
    // torch leaves a dim that is not 1 alone; ONNX would fail on it.
    if (shape && n >= 0 && n < r && (*shape)[n].isStatic() && (*shape)[n].value != 1)
      continue;
    axes.push_back(n);
  }
  if (axes.empty())
    return one(x);
  return one(ctx.b.squeeze(x, axes));
}

Result unsqueeze(Ctx &ctx) {
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  auto r = rankOf(ctx.input(0));
  int64_t dim = *d;
  if (dim < 0 && r)
    dim += *r + 1;
  else if (dim < 0 && ctx.b.opset() < 11)
    return ctx.unsupported("unsqueeze at a negative dim of a tensor of unknown rank");
  return one(ctx.b.unsqueeze(ctx.input(0), {dim}));
}

Result cat(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, tensorListInput(ctx, 0));
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  if (xs.empty())
    return ctx.unsupported("cat of an empty list");
  std::optional<int64_t> r;
  for (ir::Value *x : xs)
    if (!r)
      r = rankOf(x);
  // torch promotes across the list; ONNX Concat needs one dtype.
  std::optional<ScalarType> t;
  bool mixed = false;
  for (ir::Value *x : xs) {
    auto xt = dtypeOf(x);
    if (xt && t && *xt != *t)
      mixed = true;
    if (xt && (!t || (ir::isFloatingType(*xt) && !ir::isFloatingType(*t)) ||
               (ir::isFloatingType(*xt) == ir::isFloatingType(*t) &&
                ir::elementSize(*xt) > ir::elementSize(*t))))
      t = xt;
  }
  // torch's legacy rule: a 1-d tensor of size 0 is skipped whatever the others' rank (an empty
  // memory bank concatenated to [T, B, D] tensors); it still takes part in the dtype.
  std::vector<ir::Value *> kept;
  for (ir::Value *x : xs)
    if (OnnxBuilder::staticShapeOf(x) != std::vector<int64_t>{0})
      kept.push_back(x);
  if (!kept.empty() && kept.size() != xs.size()) {
    xs = kept;
    r = std::nullopt;
    for (ir::Value *x : xs)
      if (!r)
        r = rankOf(x);
  }
  if (mixed)
    for (ir::Value *&x : xs)
      if (dtypeOf(x) && *dtypeOf(x) != *t)
        x = ctx.b.cast(x, *t);
  return one(ctx.b.concat(xs, normalizeDim(*d, r)));
}

Result stack(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, tensorListInput(ctx, 0));
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  std::optional<int64_t> r;
  for (ir::Value *x : xs)
    if (!r)
      r = rankOf(x);
  int64_t dim = *d;
  if (dim < 0 && r)
    dim += *r + 1;
  else if (dim < 0 && ctx.b.opset() < 11)
    return ctx.unsupported("stack at a negative dim of tensors of unknown rank");
  std::vector<ir::Value *> parts;
  for (ir::Value *x : xs)
    parts.push_back(ctx.b.unsqueeze(x, {dim}));
  if (parts.size() == 1)
    return one(parts[0]);
  return one(ctx.b.op("Concat", parts, {OnnxAttr::i("axis", dim)}));
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

Result splitInto(Ctx &ctx, ir::Value *x, int64_t dim, std::vector<int64_t> sizes) {
  return one(tensorList(ctx.b, ctx.b.split(x, dim, sizes)));
}

// --- split / narrow with sizes computed at run time (from x.size()) -------------------------

/// One Slice of `x` along `dim` from runtime 1-element int64 `start` to `end` (opset 10+).
ir::Value *runtimeSlice(OnnxBuilder &b, ir::Value *x, ir::Value *start, ir::Value *end,
                        int64_t dim) {
  ir::Value *out = b.op("Slice", {x, start, end, b.int64s({dim})});
  auto r = rankOf(x);
  OnnxBuilder::setTensorType(out, dtypeOf(x), unknownDims(r));
  return out;
}

/// split_with_sizes / split with a list of sizes some of which are computed at run time: a
/// Split with a runtime split input from 13; at 11 and 12, one Slice per piece between the
/// cumulative sums of the sizes.
Result splitRuntimeSizes(Ctx &ctx, ir::Value *x, int64_t dim) {
  OnnxBuilder &b = ctx.b;
  const ir::Node *lit = ctx.input(1)->node();
  if (lit->kind() != ir::prim::ListConstruct)
    return ctx.unsupported("split sizes of unknown count");
  size_t k = lit->inputs().size();
  if (b.opset() < 11)
    return ctx.unsupported("split sizes computed at run time before opset 11 (needs opset 11)");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * sizes, intList(ctx, 1));
  if (b.opset() >= 13) {
    ir::Node *n = b.node("Split", {x, sizes}, {OnnxAttr::i("axis", dim)}, k);
    for (ir::Value *o : n->outputs())
      OnnxBuilder::setTensorType(o, dtypeOf(x), unknownDims(rankOf(x)));
    return one(tensorList(b, n->outputs()));
  }
  ir::Value *ends = b.op("CumSum", {sizes, b.int64Scalar(0)});
  ir::Value *starts = b.op("Sub", {ends, sizes});
  std::vector<ir::Value *> outs;
  for (size_t j = 0; j < k; ++j) {
    int64_t jj = int64_t(j);
    outs.push_back(runtimeSlice(b, x, b.slice(starts, {jj}, {jj + 1}, {0}, {1}),
                                b.slice(ends, {jj}, {jj + 1}, {0}, {1}), dim));
  }
  return one(tensorList(b, outs));
}

/// split(self, split_size, dim) with a split_size computed at run time (`q.split(k.size(-1))`):
/// pieces [j*n, (j+1)*n), the last to the end, when the result is unpacked into a known count;
/// otherwise SplitToSequence with the scalar size (equal pieces, the last maybe shorter, as
/// torch splits), from opset 11.
Result splitRuntimeSize(Ctx &ctx, ir::Value *x, int64_t dim) {
  OnnxBuilder &b = ctx.b;
  if (b.opset() < 11)
    return ctx.unsupported("a split size computed at run time before opset 11 (needs opset 11)");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * n, intScalar(ctx, 1));
  if (auto count = unpackedCount(ctx.node())) {
    ir::Value *n1 = b.unsqueeze(n, {0});
    std::vector<ir::Value *> outs;
    for (size_t j = 0; j < *count; ++j) {
      ir::Value *start = b.op("Mul", {n1, b.int64s({int64_t(j)})});
      ir::Value *end =
          j + 1 < *count ? b.op("Mul", {n1, b.int64s({int64_t(j + 1)})}) : b.int64s({kIntMax});
      outs.push_back(runtimeSlice(b, x, start, end, dim));
    }
    return one(tensorList(b, outs));
  }
  ir::Value *seq = b.op("SplitToSequence", {x, n}, {OnnxAttr::i("axis", dim)});
  seq->setType(sequenceType(dtypeOf(x), rankOf(x)));
  return one(seq);
}

/// aten::split(self, split_size or split_sizes, dim), split_with_sizes, chunk(self, chunks, dim).
Result split(Ctx &ctx, bool isChunk) {
  ir::Value *x = ctx.input(0);
  auto d = ctx.constInt(2);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  auto r = rankOf(x);
  int64_t dim = normalizeDim(*d, r);
  if (dim < 0 && ctx.b.opset() < 11)
    return ctx.unsupported("split at a negative dim of a tensor of unknown rank");
  if (!isChunk && ctx.input(1)->type()->is(ir::TypeKind::List)) {
    auto sizes = ctx.constInts(1);
    if (!sizes)
      return splitRuntimeSizes(ctx, x, dim);
    return splitInto(ctx, x, dim, *sizes);
  }
  auto n = ctx.constInt(1);
  if (!n && !isChunk && ctx.input(1)->type()->isTensor())
    return splitRuntimeSize(ctx, x, dim);
  if (!n || *n <= 0)
    return ctx.unsupported("a non-constant split size or chunk count");
  std::optional<int64_t> total;
  if (auto dims = OnnxBuilder::dimsOf(x);
      dims && dim >= 0 && dim < int64_t(dims->size()) && (*dims)[dim].isStatic())
    total = (*dims)[dim].value;
  if (total) {
    int64_t piece = isChunk ? (*total + *n - 1) / *n : *n;
    std::vector<int64_t> sizes;
    for (int64_t left = *total; left > 0; left -= piece)
      sizes.push_back(std::min(piece, left));
    if (sizes.empty())
      sizes.push_back(0);
    return splitInto(ctx, x, dim, sizes);
  }
  // Unknown size: chunk into the number of pieces the unpacking expects, assumed equal.
  auto count = unpackedCount(ctx.node());
  if (!count && ctx.b.opset() >= 11) {
    // Pieces read at run time (indexed, looped over): SplitToSequence with the piece size,
    // ceil(L / n) for chunk, whose pieces torch makes the same way (the last maybe shorter).
    OnnxBuilder &b = ctx.b;
    ir::Value *piece = b.int64Scalar(*n);
    if (isChunk)
      piece = b.op("Div", {b.op("Add", {b.dimSize(x, dim), b.int64Scalar(*n - 1)}), piece});
    ir::Value *seq = b.op("SplitToSequence", {x, piece}, {OnnxAttr::i("axis", dim)});
    seq->setType(sequenceType(dtypeOf(x), r));
    return one(seq);
  }
  if (!count || (isChunk && int64_t(*count) != *n))
    return ctx.unsupported("split of a dim of unknown size whose pieces are not unpacked");
  ir::Node *s = ctx.b.node("Split", {x}, {OnnxAttr::i("axis", dim)}, *count);
  for (ir::Value *o : s->outputs())
    OnnxBuilder::setTensorType(o, dtypeOf(x),
                               r ? std::optional<std::vector<ir::Dim>>(
                                       std::vector<ir::Dim>(size_t(*r), ir::Dim::unknown()))
                                 : std::nullopt);
  return one(tensorList(ctx.b, s->outputs()));
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

/// aten::slice.t(int[] l, int? start, int? end, int step) on an int list: a constant list with
/// constant bounds folds to a constant; otherwise a Slice of the 1-D int64 tensor the list is
/// (runtime bounds need `runtimeBounds`, Slice-10's inputs).
Result intListSlice(SymbolicContext &ctx, bool runtimeBounds) {
  // The list may already be the 1-D tensor its converted producer made; the node's result
  // type still says what it is.
  const ir::Type &t = *ctx.node().output()->type();
  if (!t.is(ir::TypeKind::List) || !t.elementType()->is(ir::TypeKind::Int) ||
      ctx.node().inputs().size() != 4)
    return ctx.unsupported("slicing a " + t.str());
  auto start = ctx.isNone(1) ? std::optional<int64_t>(0) : ctx.constInt(1);
  auto end = ctx.isNone(2) ? std::optional<int64_t>(kIntMax) : ctx.constInt(2);
  auto step = ctx.constInt(3);
  if (!step || *step <= 0)
    return ctx.unsupported("slicing a list with a non-constant or non-positive step");
  if (auto xs = ctx.constInts(0); xs && start && end) {
    // Python's slice of a list with a positive step.
    int64_t n = int64_t(xs->size());
    auto clamp = [n](int64_t i) { return std::min(std::max(i < 0 ? i + n : i, int64_t(0)), n); };
    std::vector<int64_t> out;
    for (int64_t i = clamp(*start); i < clamp(*end); i += *step)
      out.push_back((*xs)[size_t(i)]);
    return one(ctx.b.int64s(out));
  }
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * l, intList(ctx, 0));
  if (start && end)
    return one(ctx.b.slice(l, {*start}, {*end}, {0}, {*step}));
  if (!runtimeBounds)
    return ctx.unsupported("slicing a list with runtime bounds at opset 9 (needs opset 10)");
  auto bound = [&](size_t i, int64_t dflt) -> absl::StatusOr<ir::Value *> {
    if (ctx.isNone(i))
      return ctx.b.int64s({dflt});
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, intScalar(ctx, i));
    return ctx.b.unsqueeze(v, {0});
  };
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * s, bound(1, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * e, bound(2, kIntMax));
  return one(ctx.b.op("Slice", {l, s, e, ctx.b.int64s({0}), ctx.b.int64s({*step})}));
}

/// aten::slice(self, dim, start?, end?, step): opset 9 takes constant starts/ends as
/// attributes and no steps; opset 10 (slice10) takes inputs.
Result slice9(Ctx &ctx) {
  // aten::slice.t(list, start, end, step)
  if (ctx.node().inputs().size() == 4)
    return intListSlice(ctx, /*runtimeBounds=*/false);
  auto d = ctx.constInt(1);
  auto start = ctx.isNone(2) ? std::optional<int64_t>(0) : ctx.constInt(2);
  auto end = ctx.isNone(3) ? std::optional<int64_t>(kIntMax) : ctx.constInt(3);
  auto step = ctx.constInt(4);
  if (!d || !start || !end || !step)
    return ctx.unsupported("a slice with runtime bounds at opset 9 (needs opset 10)");
  if (*start == 0 && *end == kIntMax && *step == 1)
    return one(ctx.input(0));
  if (*step != 1)
    return ctx.unsupported("a slice step other than 1 at opset 9 (needs opset 10)");
  auto r = rankOf(ctx.input(0));
  return one(ctx.b.slice(ctx.input(0), {*start}, {*end}, {normalizeDim(*d, r)}, {1}));
}

/// A constant or runtime int input as a 1-element int64 tensor (`dflt` for None).
absl::StatusOr<ir::Value *> bound(SymbolicContext &ctx, size_t i, int64_t dflt) {
  if (ctx.isNone(i))
    return ctx.b.int64s({dflt});
  if (auto c = ctx.constInt(i))
    return ctx.b.int64s({*c});
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, intScalar(ctx, i));
  return ctx.b.unsqueeze(v, {0});
}

Result slice10(SymbolicContext &ctx) {
  // aten::slice(self, dim, start?, end?, step)
  ir::Value *x = ctx.input(0);
  // aten::slice.t(list, start, end, step)
  if (ctx.node().inputs().size() == 4)
    return intListSlice(ctx, /*runtimeBounds=*/true);
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  auto start = ctx.isNone(2) ? std::optional<int64_t>(0) : ctx.constInt(2);
  auto end = ctx.isNone(3) ? std::optional<int64_t>(kIntMax) : ctx.constInt(3);
  auto step = ctx.constInt(4);
  if (start && end && step && *start == 0 && *end == kIntMax && *step == 1)
    return one(x);
  int64_t dim = normalizeDim(*d, OnnxBuilder::rankOf(x));
  if (dim < 0 && ctx.b.opset() < 11)
    return ctx.unsupported("slicing a negative dim of a tensor of unknown rank");
  if (start && end && step)
    return one(ctx.b.slice(x, {*start}, {*end}, {dim}, {*step}));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * s, bound(ctx, 2, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * e, bound(ctx, 3, kIntMax));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * st, bound(ctx, 4, 1));
  return one(ctx.b.op("Slice", {x, s, e, ctx.b.int64s({dim}), st}));
}

/// narrow with a start or length computed at run time: a Slice from start (a negative one
/// counted from the end of the dim) to start + length, from opset 10.
Result narrowRuntime(Ctx &ctx, int64_t d) {
  OnnxBuilder &b = ctx.b;
  if (b.opset() < 10)
    return ctx.unsupported("narrow bounds computed at run time before opset 10 (needs opset 10)");
  ir::Value *x = ctx.input(0);
  int64_t dim = normalizeDim(d, rankOf(x));
  if (dim < 0)
    return ctx.unsupported("narrow at a negative dim of a tensor of unknown rank");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * start, intScalar(ctx, 2));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * len, intScalar(ctx, 3));
  if (auto s = ctx.constInt(2); !s || *s < 0) {
    ir::Value *wrapped = b.op("Add", {start, b.dimSize(x, dim)});
    start = s ? wrapped : b.op("Where", {b.op("Less", {start, b.int64Scalar(0)}), wrapped, start});
  }
  ir::Value *s1 = b.unsqueeze(start, {0});
  return one(runtimeSlice(b, x, s1, b.op("Add", {s1, b.unsqueeze(len, {0})}), dim));
}

Result narrow(Ctx &ctx) {
  // aten::narrow(self, dim, start, length)
  auto d = ctx.constInt(1), s = ctx.constInt(2), l = ctx.constInt(3);
  if (d && (!s || !l))
    return narrowRuntime(ctx, *d);
  if (!d || !s || !l)
    return ctx.unsupported("non-constant narrow arguments");
  return one(ctx.b.slice(ctx.input(0), {*s}, {*s < 0 && *s + *l == 0 ? kIntMax : *s + *l},
                         {normalizeDim(*d, rankOf(ctx.input(0)))}, {1}));
}

Result select(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  auto r = rankOf(x);
  int64_t dim = normalizeDim(*d, r);
  if (dim < 0 && ctx.b.opset() < 11)
    return ctx.unsupported("select at a negative dim of a tensor of unknown rank");
  if (auto idx = ctx.constInt(2); idx && *idx < 0) {
    // Gather takes negative indices only from 11; a Slice counts from the back everywhere.
    int64_t end = *idx == -1 ? kIntMax : *idx + 1;
    return one(ctx.b.squeeze(ctx.b.slice(x, {*idx}, {end}, {dim}, {1}), {dim}));
  }
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * idx, intScalar(ctx, 2));
  return one(ctx.b.gather(x, idx, dim));
}

Result expand(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * shape, intList(ctx, 1, /*minusOneKeeps=*/true));
  return one(ctx.b.op("Expand", {ctx.input(0), shape}));
}

Result expandAs(Ctx &ctx) {
  return one(ctx.b.op("Expand", {ctx.input(0), ctx.b.shape(ctx.input(1))}));
}

Result repeat(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * reps, intList(ctx, 1));
  auto n = ctx.constInts(1);
  auto r = rankOf(x);
  if (!r)
    return ctx.unsupported("repeat of a tensor of unknown rank");
  // torch prepends dims of size 1 when there are more repeats than dims.
  int64_t extra = n ? int64_t(n->size()) - *r : 0;
  if (extra > 0) {
    std::vector<int64_t> axes;
    for (int64_t i = 0; i < extra; ++i)
      axes.push_back(i);
    x = ctx.b.unsqueeze(x, axes);
  }
  return one(ctx.b.op("Tile", {x, reps}));
}

Result channelShuffle(Ctx &ctx) {
  auto g = ctx.constInt(1);
  if (!g)
    return ctx.unsupported("a non-constant group count");
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  ir::Value *shape = b.shape(x);
  ir::Value *split = b.concat({b.int64s({0, *g, -1}), b.slice(shape, {2}, {kIntMax}, {0}, {1})}, 0);
  ir::Value *t =
      b.op("Transpose", {b.op("Reshape", {x, split})}, {OnnxAttr::is("perm", {0, 2, 1, 3, 4})});
  return one(b.op("Reshape", {t, shape}));
}

Result size(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  if (ctx.numInputs() == 1) {
    if (auto s = OnnxBuilder::staticShapeOf(x))
      return one(ctx.b.int64s(*s));
    return one(ctx.b.shape(x));
  }
  auto d = ctx.constInt(1);
  if (d)
    return one(ctx.b.dimSize(x, *d));
  // A dim computed at run time (`x.size(i + 2)` in a loop): Gather from the shape, which takes a
  // negative index from opset 11; before, a negative dim is moved by the rank.
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * i, intScalar(ctx, 1));
  OnnxBuilder &b = ctx.b;
  if (b.opset() < 11) {
    auto r = rankOf(x);
    if (!r)
      return ctx.unsupported("a non-constant dim of a tensor of unknown rank before opset 11");
    ir::Value *negative = b.op("Less", {i, b.int64Scalar(0)});
    i = b.op("Where", {negative, b.op("Add", {i, b.int64Scalar(*r)}), i});
  }
  ir::Value *out = b.gather(b.shape(x), i, 0);
  OnnxBuilder::setTensorType(out, ir::ScalarType::Int64, std::vector<ir::Dim>{});
  return one(out);
}

Result dim(Ctx &ctx) {
  if (auto r = rankOf(ctx.input(0)))
    return one(ctx.b.int64Scalar(*r));
  return one(ctx.b.op("Size", {ctx.b.shape(ctx.input(0))}));
}

Result numel(Ctx &ctx) {
  if (auto s = OnnxBuilder::staticShapeOf(ctx.input(0))) {
    int64_t n = 1;
    for (int64_t d : *s)
      n *= d;
    return one(ctx.b.int64Scalar(n));
  }
  return one(ctx.b.op("Size", {ctx.input(0)}));
}

/// as_strided(self, size, stride, storage_offset?) of a graph input: a Gather from the flattened
/// input at the computed storage indices. Only a graph input is known to be a dense buffer of its
/// own (a computed tensor may be a view with other strides in torch), so others are refused.
Result asStrided(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  if (x->node()->kind() != ir::prim::Param)
    return ctx.unsupported("as_strided of a computed tensor (its storage layout in torch is not "
                           "known here; only graph inputs are dense buffers)");
  auto shape = OnnxBuilder::staticShapeOf(x);
  auto size = ctx.constInts(1), stride = ctx.constInts(2);
  if (!shape || !size || !stride || size->size() != stride->size())
    return ctx.unsupported("as_strided without a static input shape and constant size and stride");
  int64_t offset = 0;
  if (ctx.numInputs() > 3 && !ctx.isNone(3)) {
    auto o = ctx.constInt(3);
    if (!o)
      return ctx.unsupported("a non-constant storage_offset");
    offset = *o;
  }
  int64_t numel = 1, count = 1;
  for (int64_t d : *shape)
    numel *= d;
  for (int64_t d : *size)
    count *= d;
  if (count > (int64_t(1) << 20))
    return ctx.unsupported("as_strided with more than 2^20 elements (a constant index table)");
  std::vector<int64_t> idx(size_t(count), offset);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t rest = flat;
    for (int64_t k = int64_t(size->size()) - 1; k >= 0; --k) {
      idx[size_t(flat)] += (rest % (*size)[k]) * (*stride)[k];
      rest /= (*size)[k];
    }
    if (idx[size_t(flat)] < 0 || idx[size_t(flat)] >= numel)
      return ctx.error("as_strided reads outside the input's storage");
  }
  OnnxBuilder &b = ctx.b;
  ir::Value *indices = b.constant(ir::Tensor::fromVector(ir::ScalarType::Int64, *size, idx));
  ir::Value *flatX = b.op("Reshape", {x, b.int64s({-1})});
  return one(b.gather(flatX, indices, 0));
}

} // namespace

void registerShape(SymbolicRegistry &r) {
  r.add("aten::flatten", 9, flatten);
  addAll(r, {"aten::view", "aten::reshape", "aten::_reshape_alias"}, 9, reshape);
  addAll(r, {"aten::view_as", "aten::reshape_as"}, 9, reshapeAs);
  r.add("aten::permute", 9, permute);
  addAll(r, {"aten::transpose", "aten::swapaxes", "aten::swapdims"}, 9, transpose);
  r.add("aten::squeeze", 9, squeeze);
  r.add("aten::unsqueeze", 9, unsqueeze);
  addAll(r, {"aten::cat", "aten::concat", "aten::concatenate"}, 9, cat);
  addAll(r, {"aten::cat", "aten::concat", "aten::concatenate"}, 11,
         [](Ctx &c) { return concatSequence(c, "aten::cat", false); });
  r.add("aten::stack", 9, stack);
  r.add("aten::stack", 11, [](Ctx &c) { return concatSequence(c, "aten::stack", true); });
  addAll(r, {"aten::split", "aten::split_with_sizes", "aten::unsafe_split"}, 9,
         [](Ctx &c) { return split(c, false); });
  addAll(r, {"aten::chunk", "aten::unsafe_chunk"}, 9, [](Ctx &c) { return split(c, true); });
  // Split + Squeeze from opset 9 when the count is known; SplitToSequence needs 11.
  r.add("aten::unbind", 9, unbind);
  r.add("aten::slice", 9, slice9);
  r.add("aten::slice", 10, slice10);
  r.add("aten::narrow", 9, narrow);
  r.add("aten::select", 9, select);
  r.add("aten::expand", 9, expand);
  r.add("aten::expand_as", 9, expandAs);
  r.add("aten::repeat", 9, repeat);
  r.add("aten::channel_shuffle", 9, channelShuffle);
  r.add("aten::size", 9, size);
  r.add("aten::dim", 9, dim);
  r.add("aten::numel", 9, numel);
  // The converted model runs where its inputs are: `x.cpu()` (sequence lengths moved for
  // pack_padded_sequence) is x.
  addAll(r,
         {"aten::contiguous", "aten::detach", "aten::clone", "aten::alias", "aten::lift_fresh",
          "aten::stop_gradient", "aten::cpu"},
         9, identity);
  // Conjugation and the lazy conj/neg bits act only on complex tensors, which ts2onnx has none
  // of: on real tensors they are the identity, as in torch. lift and prim::data (`x.data`)
  // return the tensor.
  addAll(r,
         {"aten::conj_physical", "aten::resolve_conj", "aten::resolve_neg", "aten::lift",
          "prim::data"},
         9, identity);
  r.add("aten::as_strided", 9, asStrided);
  // _dim_arange(like, dim): arange(like.size(dim)), int64.
  r.add("aten::_dim_arange", 9, [](Ctx &c) -> Result {
    ir::Value *x = c.input(0);
    auto d = c.constInt(1);
    if (!d)
      return c.unsupported("a non-constant dim");
    auto r = rankOf(x);
    TS2ONNX_ASSIGN_OR_RETURN(int64_t dim, requireDim(c, *d, r));
    if (auto s = OnnxBuilder::staticShapeOf(x); s && dim >= 0 && dim < int64_t(s->size())) {
      std::vector<int64_t> v;
      for (int64_t i = 0; i < (*s)[dim]; ++i)
        v.push_back(i);
      return one(c.b.int64s(v));
    }
    if (c.b.opset() < 11)
      return c.unsupported("_dim_arange of a dynamic dim before opset 11 (Range)");
    return one(c.b.op("Range", {c.b.int64Scalar(0), c.b.dimSize(x, dim), c.b.int64Scalar(1)}));
  });
  r.add("aten::native_channel_shuffle", 9, channelShuffle);
  r.add("aten::narrow_copy", 9, narrow);
  addAll(r, {"aten::split_with_sizes_copy", "aten::unsafe_split_with_sizes", "aten::split_copy"}, 9,
         [](Ctx &c) { return split(c, false); });
  r.add("aten::broadcast_to", 9, expand);
  r.add("aten::ravel", 9, [](Ctx &c) {
    return one(c.b.op("Reshape", {c.input(0), c.b.int64s({-1})}));
  });
  r.add("aten::_shape_as_tensor", 9, [](Ctx &c) { return one(c.b.shape(c.input(0))); });
  r.add("aten::_reshape_from_tensor", 9, [](Ctx &c) {
    return one(c.b.op("Reshape", {c.input(0), c.input(1)}));
  });
}

} // namespace ts2onnx::symbolics
