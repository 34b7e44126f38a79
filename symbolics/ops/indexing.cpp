// Indexing: index_select, embedding, gather, aten::index and aten::index_put (what `x[idx]`,
// `x[mask]`, `x[:, idx] = v`, `x[mask] = v` and index_put_ become once remove-mutation made them
// functional), select_scatter / slice_scatter (`x[i] = v` / `x[a:b] = v`).
//
// Forms by opset: a single integer index is a Gather from 9; boolean masks, several tensor
// indices and leading Nones are GatherND / ScatterND from 11, and accumulate=True is ScatterND's
// reduction="add" from 16 (below it, unique mask indices add through GatherND, integer indices
// through a one-hot MatMul that sums duplicates as torch does). gather is GatherElements from 11.
// select_scatter / slice_scatter with constant bounds are Slice + Concat from 9; a run-time
// select_scatter index is a ScatterND from 11.
#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

Result indexSelect(Ctx &ctx) {
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  return one(ctx.b.gather(ctx.input(0), ctx.input(2), normalizeDim(*d, rankOf(ctx.input(0)))));
}

Result embedding(Ctx &ctx) {
  // aten::embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse)
  return one(ctx.b.gather(ctx.input(0), ctx.input(1), 0));
}

Result gather11(SymbolicContext &ctx) {
  // aten::gather(self, dim, index, sparse_grad)
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  // A 0-d self takes a 0-d index: both as [1] along axis 0.
  bool lifted = false, indexLifted = false;
  ir::Value *x = liftScalar(ctx, ctx.input(0), lifted);
  ir::Value *index = liftScalar(ctx, ctx.input(2), indexLifted);
  ir::Value *y = ctx.b.op("GatherElements", {x, index}, {OnnxAttr::i("axis", lifted ? 0 : *d)});
  return one(dropLifted(ctx, y, indexLifted));
}

/// The tensor indices of an index list, resolved to one integer index per indexed dim.
struct IndexPlan {
  int64_t first = 0;               // the first indexed dim
  std::vector<ir::Value *> perDim; // integer indices for dims first, first+1, ...
  bool fromMask = false;           // all from boolean masks: no index repeats
  std::optional<int64_t> rank;     // rank of the broadcast index shape, when known
  ir::Value *mask = nullptr;       // the mask, when the whole index is one boolean mask
};

bool isBoolIndex(const ir::Value *v) {
  auto t = OnnxBuilder::dtypeOf(v);
  return t && (*t == ScalarType::Bool || *t == ScalarType::UInt8);
}

absl::StatusOr<IndexPlan> planIndex(SymbolicContext &ctx, ir::Value *x,
                                    const std::vector<ir::Value *> &elems) {
  OnnxBuilder &b = ctx.b;
  IndexPlan p;
  std::optional<int64_t> firstTensor, lastTensor;
  for (size_t i = 0; i < elems.size(); ++i)
    if (!elems[i]->type()->is(ir::TypeKind::None)) {
      if (firstTensor && *lastTensor + 1 != int64_t(i))
        return ctx.unsupported("tensor indices separated by a slice (their result dims move to "
                               "the front)");
      if (!firstTensor)
        firstTensor = int64_t(i);
      lastTensor = int64_t(i);
    }
  if (!firstTensor)
    return ctx.unsupported("an index without tensors");
  // Dims before the first tensor index: one per None, except that a mask covers several.
  p.first = *firstTensor;
  bool allMasks = true;
  for (int64_t i = *firstTensor; i <= *lastTensor; ++i) {
    ir::Value *e = elems[size_t(i)];
    if (isBoolIndex(e)) {
      auto r = OnnxBuilder::rankOf(e);
      if (!r)
        return ctx.unsupported("a boolean mask of unknown rank");
      ir::Value *m = e;
      if (*OnnxBuilder::dtypeOf(e) != ScalarType::Bool)
        m = b.cast(e, ScalarType::Bool);
      if (*lastTensor == *firstTensor)
        p.mask = m;
      // NonZero: [r, nnz]; row j indexes dim first + j.
      ir::Value *nz = b.op("NonZero", {m});
      for (int64_t j = 0; j < *r; ++j)
        p.perDim.push_back(b.squeeze(b.slice(nz, {j}, {j + 1}, {0}, {1}), {0}));
    } else {
      allMasks = false;
      auto t = OnnxBuilder::dtypeOf(e);
      p.perDim.push_back(t && *t == ScalarType::Int64 ? e : b.cast(e, ScalarType::Int64));
    }
  }
  p.fromMask = allMasks && *lastTensor == *firstTensor;
  std::optional<int64_t> rank = 0;
  for (ir::Value *v : p.perDim) {
    auto r = OnnxBuilder::rankOf(v);
    rank = r && rank ? std::optional<int64_t>(std::max(*rank, *r)) : std::nullopt;
  }
  p.rank = rank;
  // Negative indices count from the back (ScatterND wants them in range).
  for (size_t j = 0; j < p.perDim.size(); ++j) {
    ir::Value *v = p.perDim[j];
    if (auto c = OnnxBuilder::constInt64s(v)) {
      bool nonNegative = true;
      for (int64_t i : *c)
        nonNegative &= i >= 0;
      if (nonNegative)
        continue;
    }
    if (p.fromMask)
      continue;
    ir::Value *size = b.dimSize(x, p.first + int64_t(j));
    ir::Value *neg = b.op("Less", {v, b.int64Scalar(0)});
    p.perDim[j] = b.op("Where", {neg, b.op("Add", {v, size}), v});
  }
  return p;
}

/// The perDim indices broadcast together and stacked on a new last axis: ND indices [B..., m].
ir::Value *stackedIndices(OnnxBuilder &b, const IndexPlan &p) {
  std::vector<ir::Value *> ins = p.perDim;
  if (ins.size() > 1) {
    ir::Value *sum = ins[0];
    for (size_t j = 1; j < ins.size(); ++j)
      sum = b.op("Add", {sum, ins[j]});
    ir::Value *shape = b.shape(sum);
    for (ir::Value *&v : ins)
      v = b.op("Expand", {v, shape});
  }
  std::vector<ir::Value *> cols;
  for (ir::Value *v : ins)
    cols.push_back(b.unsqueeze(v, {-1}));
  return cols.size() == 1 ? cols[0] : b.concat(cols, -1);
}

/// [first..first+m-1, 0..first-1, first+m..rank-1]: the indexed dims to the front.
std::vector<int64_t> frontPerm(int64_t first, int64_t m, int64_t rank) {
  std::vector<int64_t> perm;
  for (int64_t i = first; i < first + m; ++i)
    perm.push_back(i);
  for (int64_t i = 0; i < first; ++i)
    perm.push_back(i);
  for (int64_t i = first + m; i < rank; ++i)
    perm.push_back(i);
  return perm;
}

std::vector<int64_t> inversePerm(const std::vector<int64_t> &perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inv[size_t(perm[i])] = int64_t(i);
  return inv;
}

ir::Value *transpose(OnnxBuilder &b, ir::Value *x, const std::vector<int64_t> &perm) {
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i)
    identity &= perm[i] == int64_t(i);
  return identity ? x : b.op("Transpose", {x}, {OnnxAttr::is("perm", perm)});
}

struct Prepared {
  IndexPlan plan;
  int64_t rank = 0;
  ir::Value *xt = nullptr;  // x with the indexed dims in front
  ir::Value *idx = nullptr; // ND indices into xt
  std::vector<int64_t> perm;
};

absl::StatusOr<Prepared> prepare(SymbolicContext &ctx) {
  ir::Value *x = ctx.input(0);
  auto elems = ctx.listElements(1);
  if (!elems)
    return ctx.unsupported("indices that are not a list literal");
  auto r = OnnxBuilder::rankOf(x);
  if (!r)
    return ctx.unsupported("indexing a tensor of unknown rank");
  Prepared p;
  TS2ONNX_ASSIGN_OR_RETURN(p.plan, planIndex(ctx, x, *elems));
  p.rank = *r;
  int64_t m = int64_t(p.plan.perDim.size());
  if (p.plan.first + m > p.rank)
    return ctx.unsupported(
        fmt::format("{} indexed dims of a rank-{} tensor", p.plan.first + m, p.rank));
  if (p.plan.first > 0 && !p.plan.rank)
    return ctx.unsupported("tensor indices of unknown rank after a slice");
  p.perm = frontPerm(p.plan.first, m, p.rank);
  p.xt = transpose(ctx.b, x, p.perm);
  p.idx = stackedIndices(ctx.b, p.plan);
  return p;
}

Result index(Ctx &ctx) {
  // aten::index(self, Tensor?[] indices): one tensor index (after leading Nones) is a Gather.
  auto elems = ctx.listElements(1);
  if (!elems)
    return ctx.unsupported("indices that are not a list literal");
  int64_t axis = -1;
  ir::Value *idx = nullptr;
  for (size_t i = 0; i < elems->size(); ++i) {
    ir::Value *e = (*elems)[i];
    if (e->type()->is(ir::TypeKind::None))
      continue;
    if (idx)
      return ctx.unsupported("indexing with more than one tensor index");
    idx = e;
    axis = int64_t(i);
  }
  if (!idx)
    return one(ctx.input(0));
  auto t = dtypeOf(idx);
  if (t && (*t == ScalarType::Bool || *t == ScalarType::UInt8))
    return ctx.unsupported("indexing with a boolean mask");
  return one(ctx.b.gather(ctx.input(0), idx, axis));
}

Result index11(SymbolicContext &ctx) {
  auto elems = ctx.listElements(1);
  size_t tensors = 0;
  bool mask = false;
  if (elems)
    for (ir::Value *e : *elems)
      if (!e->type()->is(ir::TypeKind::None)) {
        ++tensors;
        mask |= isBoolIndex(e);
      }
  if (tensors <= 1 && !mask)
    return (*SymbolicRegistry::global().lookup("aten::index", 9))(ctx);
  TS2ONNX_ASSIGN_OR_RETURN(Prepared p, prepare(ctx));
  // GatherND gives [B..., rest of xt]; torch puts B where the indexed dims were.
  ir::Value *g = ctx.b.op("GatherND", {p.xt, p.idx});
  int64_t bRank = *p.plan.rank, first = p.plan.first;
  if (first == 0)
    return one(g);
  int64_t outRank = bRank + p.rank - int64_t(p.plan.perDim.size());
  return one(transpose(ctx.b, g, inversePerm(frontPerm(first, bRank, outRank))));
}

/// aten::index_put(self, Tensor?[] indices, values, accumulate). `reduction`: ScatterND takes
/// reduction="add" (opset 16).
Result indexPut(SymbolicContext &ctx, bool reduction) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  auto acc = ctx.constBool(3);
  if (!acc)
    return ctx.unsupported("a non-constant accumulate");
  ScalarType dt = OnnxBuilder::dtypeOf(x).value_or(ScalarType::Float32);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, asTensor(ctx, 2, dt));
  if (OnnxBuilder::dtypeOf(v) != dt)
    v = b.cast(v, dt);
  TS2ONNX_ASSIGN_OR_RETURN(Prepared p, prepare(ctx));
  // One mask over every dim with a single value: a Where, without NonZero.
  auto vr = OnnxBuilder::rankOf(v);
  if (p.plan.mask && p.plan.first == 0 && vr && *vr == 0 &&
      OnnxBuilder::rankOf(p.plan.mask) == p.rank)
    return one(b.op("Where", {p.plan.mask, *acc ? b.op("Add", {x, v}) : v, x}));
  int64_t m = int64_t(p.plan.perDim.size()), first = p.plan.first;
  // values broadcast to torch's x[indices] shape: x.shape[:first] + B + x.shape[first+m:], then
  // laid out as ScatterND's updates: B + x.shape[:first] + x.shape[first+m:].
  ir::Value *xShape = b.shape(x);
  ir::Value *bShape = b.slice(b.shape(p.idx), {0}, {-1}, {0}, {1});
  std::vector<ir::Value *> parts;
  if (first > 0)
    parts.push_back(b.slice(xShape, {0}, {first}, {0}, {1}));
  parts.push_back(bShape);
  if (first + m < p.rank)
    parts.push_back(b.slice(xShape, {first + m}, {p.rank}, {0}, {1}));
  ir::Value *target = parts.size() == 1 ? parts[0] : b.concat(parts, 0);
  ir::Value *upd = b.op("Expand", {v, target});
  if (first > 0)
    upd = transpose(b, upd, frontPerm(first, *p.plan.rank, *p.plan.rank + p.rank - m));
  ir::Value *out;
  if (!*acc) {
    out = b.op("ScatterND", {p.xt, p.idx, upd});
  } else if (reduction) {
    out = b.op("ScatterND", {p.xt, p.idx, upd}, {OnnxAttr::s("reduction", "add")});
  } else if (p.plan.fromMask) {
    // Mask positions are distinct: add to what is there.
    ir::Value *old = b.op("GatherND", {p.xt, p.idx});
    out = b.op("ScatterND", {p.xt, p.idx, b.op("Add", {old, upd})});
  } else {
    // Repeated indices must all add: onehot(idx)^T @ values sums them per position, with the
    // m indexed dims flattened into one (row-major linear index).
    if (!ir::isFloatingType(dt))
      return ctx.unsupported("index_put with accumulate=True on a non-float tensor below "
                             "opset 16 (ScatterND adds from 16)");
    ir::Value *linear = p.plan.perDim[0];
    for (int64_t j = 1; j < m; ++j)
      linear = b.op("Add", {b.op("Mul", {linear, b.dimSize(p.xt, j)}), p.plan.perDim[size_t(j)]});
    ir::Value *flat = b.op("Reshape", {linear, b.int64s({-1})});
    ir::Value *xtShape = b.shape(p.xt);
    std::vector<ir::Value *> rowsShape = {b.int64s({-1})};
    if (m < p.rank)
      rowsShape.push_back(b.slice(xtShape, {m}, {p.rank}, {0}, {1}));
    ir::Value *rowsOfX =
        b.op("Reshape", {p.xt, rowsShape.size() == 1 ? rowsShape[0] : b.concat(rowsShape, 0)});
    ir::Value *n = b.dimSize(rowsOfX, 0);
    ir::Value *range = b.op("Range", {b.int64Scalar(0), n, b.int64Scalar(1)});
    ir::Value *hot = b.cast(b.op("Equal", {b.unsqueeze(flat, {1}), range}), dt);
    ir::Value *count = b.unsqueeze(b.op("Size", {flat}), {0});
    ir::Value *upd2 = b.op("Reshape", {upd, b.concat({count, b.int64s({-1})}, 0)});
    ir::Value *sum =
        b.op("MatMul", {b.op("Transpose", {hot}, {OnnxAttr::is("perm", {1, 0})}), upd2});
    out = b.op("Add", {p.xt, b.op("Reshape", {sum, xtShape})});
  }
  return one(transpose(b, out, inversePerm(p.perm)));
}

/// The part of `x` along `dim` from `start` to `end` (Python slice semantics, step 1).
ir::Value *part(SymbolicContext &ctx, ir::Value *x, int64_t dim, int64_t start, int64_t end) {
  return ctx.b.slice(x, {start}, {end}, {dim}, {1});
}

/// Writes `src` into `self` along `dim`: Concat of the part before, `src`, and the part after.
Result scatterAlong(SymbolicContext &ctx, ir::Value *self, ir::Value *src, int64_t dim,
                    int64_t start, std::optional<int64_t> end) {
  std::vector<ir::Value *> pieces;
  if (start != 0)
    pieces.push_back(part(ctx, self, dim, 0, start));
  pieces.push_back(src);
  if (end && *end != kIntMax)
    pieces.push_back(part(ctx, self, dim, *end, kIntMax));
  ir::Value *out =
      pieces.size() == 1 ? pieces[0] : ctx.b.op("Concat", pieces, {OnnxAttr::i("axis", dim)});
  out->setType(self->type());
  return one(out);
}

/// Normalizes a constant dim against the rank of `x`.
std::optional<int64_t> constDim(SymbolicContext &ctx, size_t i, ir::Value *x) {
  auto d = ctx.constInt(i);
  auto rank = OnnxBuilder::rankOf(x);
  if (!d)
    return std::nullopt;
  if (*d < 0) {
    if (!rank)
      return std::nullopt;
    return *d + *rank;
  }
  return d;
}

Result selectScatter(SymbolicContext &ctx) {
  // aten::select_scatter(self, src, dim, index): self with self[..., index, ...] = src.
  ir::Value *self = ctx.input(0);
  auto dim = constDim(ctx, 2, self);
  auto index = ctx.constInt(3);
  if (!dim || !index)
    return ctx.unsupported("select_scatter with a non-constant dim or index");
  int64_t i = *index;
  if (i < 0) {
    auto shape = OnnxBuilder::staticShapeOf(self);
    if (!shape || *dim >= int64_t(shape->size()))
      return ctx.unsupported("a negative select_scatter index on a dim of unknown size");
    i += (*shape)[size_t(*dim)];
  }
  ir::Value *src = ctx.b.unsqueeze(ctx.input(1), {*dim});
  return scatterAlong(ctx, self, src, *dim, i, i + 1);
}

Result selectScatter11(SymbolicContext &ctx) {
  // aten::select_scatter(self, src, dim, index) with a run-time index (a traced `x[i] = v` with
  // a tensor i): the dim to the front, ScatterND at [index].
  if (ctx.constInt(3))
    return (*SymbolicRegistry::global().lookup("aten::select_scatter", 10))(
        ctx); // the constant-index entry
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  auto r = OnnxBuilder::rankOf(x);
  auto d = ctx.constInt(2);
  if (!r || !d)
    return ctx.unsupported("select_scatter with a non-constant dim or of unknown rank");
  int64_t dim = normalizeDim(*d, r);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * i, intScalar(ctx, 3));
  ir::Value *neg = b.op("Less", {i, b.int64Scalar(0)});
  i = b.op("Where", {neg, b.op("Add", {i, b.dimSize(x, dim)}), i});
  std::vector<int64_t> perm = frontPerm(dim, 1, *r);
  ir::Value *xt = transpose(b, x, perm);
  ir::Value *src = ctx.input(1);
  if (OnnxBuilder::dtypeOf(src) != OnnxBuilder::dtypeOf(x) && OnnxBuilder::dtypeOf(x))
    src = b.cast(src, *OnnxBuilder::dtypeOf(x));
  ir::Value *out = b.op("ScatterND", {xt, b.unsqueeze(i, {0}), src});
  return one(transpose(b, out, inversePerm(perm)));
}

Result sliceScatter(SymbolicContext &ctx) {
  // aten::slice_scatter(self, src, dim, start?, end?, step): self with self[start:end] = src.
  ir::Value *self = ctx.input(0);
  auto dim = constDim(ctx, 2, self);
  auto start = ctx.isNone(3) ? std::optional<int64_t>(0) : ctx.constInt(3);
  auto end = ctx.isNone(4) ? std::optional<int64_t>(kIntMax) : ctx.constInt(4);
  auto step = ctx.constInt(5);
  if (!dim || !start || !end || !step)
    return ctx.unsupported("slice_scatter with non-constant bounds");
  if (*step != 1)
    return ctx.unsupported("slice_scatter with a step other than 1");
  if ((*start < 0 || *end < 0) && *end != kIntMax)
    return ctx.unsupported("slice_scatter with negative bounds");
  return scatterAlong(ctx, self, ctx.input(1), *dim, *start, *end);
}

} // namespace

namespace {

/// aten::embedding_bag(weight [V, D], indices [L], offsets, scale_grad_by_freq, mode, sparse,
/// per_sample_weights, include_last_offset[, padding_idx]) and aten::_embedding_bag: bag b holds
/// positions j with start[b] <= j < end[b] (end: the next offset, or L for the last bag unless
/// include_last_offset), except indices equal to padding_idx. Written as a [B, L] membership
/// mask and a Where + Reduce over [B, L, D] (exact for sum/mean/max, runtime offsets too);
/// empty bags give 0 as torch. Only the first output (the bags) is converted.
Result embeddingBag(Ctx &ctx) {
  OnnxBuilder &b = ctx.b;
  for (size_t i = 1; i < ctx.node().outputs().size(); ++i)
    if (ctx.node().output(i)->hasUses())
      return ctx.unsupported("embedding_bag's offset2bag / bag_size / max_indices outputs");
  auto mode = ctx.constInt(4);
  auto lastOffset = ctx.numInputs() > 7 ? ctx.constBool(7) : std::optional<bool>(false);
  std::optional<int64_t> padding = -1;
  if (ctx.numInputs() > 8)
    padding = ctx.isNone(8) ? std::optional<int64_t>(-1) : ctx.constInt(8);
  if (!mode || !lastOffset || !padding)
    return ctx.unsupported("non-constant mode, include_last_offset or padding_idx");
  if (*mode < 0 || *mode > 2)
    return ctx.error(fmt::format("unknown mode {}", *mode));
  bool hasPsw = ctx.numInputs() > 6 && !ctx.isNone(6);
  if (hasPsw && *mode != 0)
    return ctx.error("per_sample_weights is only supported for mode='sum'");
  auto indicesRank = rankOf(ctx.input(1));
  if (!indicesRank || *indicesRank != 1)
    return ctx.unsupported("indices that are not 1-D");
  ir::Value *weight = ctx.input(0);
  ScalarType t = dtypeOf(weight).value_or(ScalarType::Float32);
  ir::Value *indices = b.cast(ctx.input(1), ScalarType::Int64);
  ir::Value *offsets = b.cast(ctx.input(2), ScalarType::Int64);
  // Positions 0..L-1 of the indices.
  ir::Value *positions = nullptr;
  if (auto s = OnnxBuilder::staticShapeOf(ctx.input(1))) {
    std::vector<int64_t> ids(static_cast<size_t>((*s)[0]));
    for (size_t i = 0; i < ids.size(); ++i)
      ids[i] = int64_t(i);
    positions = b.int64s(ids);
  } else {
    if (b.opset() < 11)
      return ctx.unsupported("indices of dynamic length below opset 11 (Range)");
    positions = b.op("Range", {b.int64Scalar(0), b.dimSize(indices, 0), b.int64Scalar(1)});
  }
  ir::Value *len = b.unsqueeze(b.dimSize(indices, 0), {0});
  ir::Value *starts = *lastOffset ? b.slice(offsets, {0}, {-1}, {0}, {1}) : offsets;
  ir::Value *ends = *lastOffset ? b.slice(offsets, {1}, {kIntMax}, {0}, {1})
                                : b.concat({b.slice(offsets, {1}, {kIntMax}, {0}, {1}), len}, 0);
  ir::Value *pos = b.unsqueeze(positions, {0}); // [1, L]
  ir::Value *member = b.op("And", {b.op("Not", {b.op("Less", {pos, b.unsqueeze(starts, {1})})}),
                                   b.op("Less", {pos, b.unsqueeze(ends, {1})})}); // [B, L]
  // _embedding_bag's -1 means none; embedding_bag.padding_idx counts a negative index from
  // the end of the weight's rows (measured on torch 1.13: -1 excludes row V - 1; None is none).
  bool underscored = ctx.node().kind().qualString() == "aten::_embedding_bag";
  bool padded = ctx.numInputs() > 8 && !ctx.isNone(8) && (*padding >= 0 || !underscored);
  if (padded) {
    ir::Value *pad = *padding >= 0 ? b.int64Scalar(*padding)
                                   : b.op("Add", {b.dimSize(weight, 0), b.int64Scalar(*padding)});
    member = b.op("And", {member, b.unsqueeze(b.op("Not", {b.op("Equal", {indices, pad})}), {0})});
  }
  ir::Value *emb = b.gather(weight, indices, 0); // [L, D]
  if (hasPsw)
    emb = b.op("Mul", {emb, b.unsqueeze(b.cast(ctx.input(6), t), {1})});
  ir::Value *m3 = b.unsqueeze(member, {2}); // [B, L, 1]
  ir::Value *embs = b.unsqueeze(emb, {0});  // [1, L, D]
  ir::Value *zero = b.scalarOf(0, t);
  if (*mode == 2) {
    ir::Value *lowest = b.scalarOf(-std::numeric_limits<double>::infinity(), t);
    ir::Value *mx = b.reduce("ReduceMax", b.op("Where", {m3, embs, lowest}), {1}, false);
    ir::Value *any = b.op("Greater", {b.reduce("ReduceSum", b.cast(member, t), {1}, true), zero});
    return std::vector<ir::Value *>{b.op("Where", {any, mx, zero}), nullptr, nullptr, nullptr};
  }
  ir::Value *sum = b.reduce("ReduceSum", b.op("Where", {m3, embs, zero}), {1}, false);
  if (*mode == 1) {
    ir::Value *count = b.reduce("ReduceSum", b.cast(member, t), {1}, true);
    sum = b.op("Div", {sum, b.op("Max", {count, b.scalarOf(1, t)})});
  }
  return std::vector<ir::Value *>{sum, nullptr, nullptr, nullptr};
}

} // namespace

void registerIndexing(SymbolicRegistry &r) {
  r.add("aten::index_select", 9, indexSelect);
  r.add("aten::embedding", 9, embedding);
  r.add("aten::gather", 11, gather11);
  r.add("aten::index", 9, index);
  r.add("aten::index", 11, index11);
  r.add("aten::_index_put_impl", 11, [](Ctx &c) { return indexPut(c, false); });
  r.add("aten::_index_put_impl", 16, [](Ctx &c) { return indexPut(c, true); });
  r.add("aten::index_put", 11, [](Ctx &c) { return indexPut(c, false); });
  r.add("aten::index_put", 16, [](Ctx &c) { return indexPut(c, true); });
  // Constant bounds only: Slice (attributes at 9, inputs from 10) and Concat, from opset 9.
  r.add("aten::select_scatter", 9, selectScatter);
  r.add("aten::select_scatter", 11, selectScatter11);
  r.add("aten::slice_scatter", 9, sliceScatter);
  addAll(r, {"aten::embedding_bag", "aten::_embedding_bag"}, 9, embeddingBag);
}

} // namespace ts2onnx::symbolics
