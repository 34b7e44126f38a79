// Indexing: index_select, embedding, gather, aten::index and aten::index_put (what `x[idx]`,
// `x[mask]`, `x[:, idx] = v`, `x[mask] = v` and index_put_ become once remove-mutation made them
// functional), select_scatter / slice_scatter (`x[i] = v` / `x[a:b] = v`).
//
// Forms by opset: a single integer index is a Gather from 9; boolean masks, several tensor
// indices and leading Nones are GatherND / ScatterND from 11, and accumulate=True is ScatterND's
// reduction="add" from 16 (below it, unique mask indices add through GatherND, integer indices
// through a one-hot MatMul that sums duplicates as torch does). gather is GatherElements from 11.
// select_scatter / slice_scatter with constant bounds are Slice + Concat from 9; a run-time
// select_scatter index is a ScatterND from 11, run-time slice_scatter bounds (or a step) a
// ScatterElements from 11.
#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

Result indexSelect(Ctx &ctx) {
  // aten::index_select(self, dim, index): index is 1-D or 0-d (one element), and the dim stays
  // either way, where Gather would drop it for a 0-d index: the index is made 1-D. A 0-d self is
  // indexed as [1] along axis 0 and gives a 0-d result.
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  ir::Value *index = ctx.input(2);
  auto indexRank = rankOf(index);
  if (indexRank && *indexRank == 0)
    index = ctx.b.unsqueeze(index, {0});
  else if (!indexRank)
    index = ctx.b.op("Reshape", {index, ctx.b.int64s({-1})});
  bool lifted = false;
  ir::Value *x = liftScalar(ctx, ctx.input(0), lifted);
  ir::Value *y = ctx.b.gather(x, index, lifted ? 0 : normalizeDim(*d, rankOf(x)));
  return one(dropLifted(ctx, y, lifted));
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

Result sliceScatter11(SymbolicContext &ctx) {
  // aten::slice_scatter with run-time bounds (Mask R-CNN's paste of each mask into the image:
  // `im_mask[y0:y1, x0:x1] = mask[...]`), a negative bound or a step: src's elements go to the
  // positions start', start' + step, ... along dim (start' is start from the end when negative,
  // clamped to [0, size] as slicing does; src holds as many as the slice has, which torch
  // checks), a ScatterElements with those indices broadcast to src's shape.
  ir::Value *self = ctx.input(0);
  auto dim = constDim(ctx, 2, self);
  auto step = ctx.constInt(5);
  auto rank = OnnxBuilder::rankOf(self);
  if (dim && step && *step == 1 && (ctx.isNone(3) || ctx.constInt(3) >= 0) &&
      (ctx.isNone(4) || ctx.constInt(4) >= 0))
    return sliceScatter(ctx); // constant non-negative bounds: Slice + Concat
  if (!dim || !rank)
    return ctx.unsupported("slice_scatter with a non-constant dim or of unknown rank");
  if (!step || *step <= 0)
    return ctx.unsupported("slice_scatter with a non-constant step");
  OnnxBuilder &b = ctx.b;
  ir::Value *src = ctx.input(1);
  if (OnnxBuilder::dtypeOf(src) != OnnxBuilder::dtypeOf(self) && OnnxBuilder::dtypeOf(self))
    src = b.cast(src, *OnnxBuilder::dtypeOf(self));
  ir::Value *size = b.dimSize(self, *dim);
  ir::Value *start = b.int64Scalar(0);
  if (!ctx.isNone(3)) {
    TS2ONNX_ASSIGN_OR_RETURN(start, intScalar(ctx, 3));
    ir::Value *neg = b.op("Less", {start, b.int64Scalar(0)});
    start = b.op("Where", {neg, b.op("Add", {start, size}), start});
    // Clamped with Where (Min/Max take int64 only from opset 12).
    ir::Value *zero = b.int64Scalar(0);
    start = b.op("Where", {b.op("Less", {start, zero}), zero, start});
    start = b.op("Where", {b.op("Less", {size, start}), size, start});
  }
  ir::Value *count = b.dimSize(src, *dim);
  ir::Value *offsets = b.op("Range", {b.int64Scalar(0), count, b.int64Scalar(1)});
  ir::Value *positions =
      b.op("Add", {b.op("Mul", {offsets, b.int64Scalar(*step)}), start}); // [count]
  std::vector<int64_t> along(size_t(*rank), 1);
  along[size_t(*dim)] = -1;
  ir::Value *indices =
      b.op("Expand", {b.op("Reshape", {positions, b.int64s(along)}), b.shape(src)});
  ir::Value *out = b.op("ScatterElements", {self, indices, src}, {OnnxAttr::i("axis", *dim)});
  out->setType(self->type());
  return one(out);
}

/// one_hot(self, num_classes=-1): OneHot with int64 off/on values; num_classes -1 is the
/// largest index plus one.
Result oneHot(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto t = dtypeOf(x);
  if (t && *t != ScalarType::Int64)
    return ctx.error("one_hot is only applicable to index tensor (int64)");
  OnnxBuilder &b = ctx.b;
  ir::Value *depth;
  auto n = ctx.constInt(1);
  if (n && *n == -1) {
    ir::Value *flat = b.op("Reshape", {x, b.int64s({-1})});
    depth = b.op("Add", {b.reduce("ReduceMax", flat, {0}, false), b.int64Scalar(1)});
  } else if (n) {
    depth = b.int64Scalar(*n);
  } else {
    return ctx.unsupported("a non-constant num_classes");
  }
  // OneHot needs indices of rank >= 1: a 0-d index goes through [1].
  bool scalar = rankOf(x) == std::optional<int64_t>(0);
  ir::Value *y = b.op("OneHot", {scalar ? b.unsqueeze(x, {0}) : x, depth, b.int64s({0, 1})},
                      {OnnxAttr::i("axis", -1)});
  return one(scalar ? b.squeeze(y, {0}) : y);
}

std::vector<int64_t> iotaVec(int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < n; ++i)
    v.push_back(i);
  return v;
}

// ---- Breadth: scatter with reductions, index_add/copy/fill, masked_select/scatter, take.

enum class Reduce { None, Sum, Prod, Max, Min, Mean };

absl::StatusOr<Reduce> reduceArg(SymbolicContext &ctx, size_t i) {
  auto s = ctx.constString(i);
  if (!s)
    return ctx.unsupported("a non-constant reduce");
  if (*s == "add" || *s == "sum")
    return Reduce::Sum;
  if (*s == "multiply" || *s == "prod")
    return Reduce::Prod;
  if (*s == "amax")
    return Reduce::Max;
  if (*s == "amin")
    return Reduce::Min;
  if (*s == "mean")
    return Reduce::Mean;
  return ctx.unsupported(fmt::format("reduce='{}'", *s));
}

/// The value a reduction starts from, a 0-d constant of dtype `t` (int64 extremes exactly: a
/// double cannot hold them).
ir::Value *identityOf(OnnxBuilder &b, Reduce r, ScalarType t) {
  bool f = ir::isFloatingType(t);
  double inf = std::numeric_limits<double>::infinity();
  if (t == ScalarType::Int64 && (r == Reduce::Max || r == Reduce::Min)) {
    int64_t v = r == Reduce::Max ? std::numeric_limits<int64_t>::min()
                                 : std::numeric_limits<int64_t>::max();
    return b.constant(ir::Tensor::fromBytes(ScalarType::Int64, {}, &v));
  }
  // The smaller integer types' extremes are exact as doubles.
  std::pair<double, double> range = {std::numeric_limits<int32_t>::min(),
                                     std::numeric_limits<int32_t>::max()};
  if (t == ScalarType::UInt8 || t == ScalarType::Bool)
    range = {0, t == ScalarType::Bool ? 1 : 255};
  else if (t == ScalarType::Int8)
    range = {-128, 127};
  else if (t == ScalarType::Int16)
    range = {-32768, 32767};
  switch (r) {
  case Reduce::Prod:
    return b.scalarOf(1, t);
  case Reduce::Max:
    return b.scalarOf(f ? -inf : range.first, t);
  case Reduce::Min:
    return b.scalarOf(f ? inf : range.second, t);
  default:
    return b.scalarOf(0, t);
  }
}

/// Runtime Pad of `x` at the ends up to the shape of `like` (Pad takes pads as inputs from 11).
ir::Value *padTo(OnnxBuilder &b, ir::Value *x, ir::Value *like, int64_t rank) {
  auto sx = OnnxBuilder::staticShapeOf(x), sl = OnnxBuilder::staticShapeOf(like);
  if (sx && sl && *sx == *sl)
    return x;
  ir::Value *pads = b.concat(
      {b.int64s(std::vector<int64_t>(size_t(rank), 0)), b.op("Sub", {b.shape(like), b.shape(x)})},
      0);
  return b.op("Pad", {x, pads});
}

/// torch's scatter family: `self` with `src` (already of self's dtype) put at `index` along
/// `dim`, reduced with what is there. ScatterElements without reduction from 11 and with add/mul
/// from 16 and max/min from 18 (`reductions`: the opset whose ScatterElements reductions may be
/// used, 0 for none); other reductions, and those before their opset, compare every index
/// with every position along `dim` (a [..., K, N] one-hot) and reduce over K, so duplicate
/// indices combine as in torch.
absl::StatusOr<ir::Value *> scatterCore(SymbolicContext &ctx, ir::Value *self, int64_t dim,
                                        ir::Value *index, ir::Value *src, Reduce red,
                                        bool includeSelf, int reductions) {
  OnnxBuilder &b = ctx.b;
  auto r = OnnxBuilder::rankOf(self);
  if (!r)
    return ctx.unsupported("scattering into a tensor of unknown rank");
  int64_t rank = *r;
  if (rank == 0) { // a 0-d self (index and src 0-d or of one element): as 1-D, then back
    auto flat = [&](ir::Value *v) { return b.op("Reshape", {v, b.int64s({-1})}); };
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, scatterCore(ctx, flat(self), 0, flat(index),
                                                          flat(src), red, includeSelf, reductions));
    return b.op("Reshape", {out, b.int64s({})});
  }
  ScalarType dt = OnnxBuilder::dtypeOf(self).value_or(ScalarType::Float32);
  if (OnnxBuilder::dtypeOf(src) != dt)
    src = b.cast(src, dt);
  if (OnnxBuilder::dtypeOf(index) != ScalarType::Int64)
    index = b.cast(index, ScalarType::Int64);
  // torch reads src only where index has elements: src cut to index's shape.
  auto si = OnnxBuilder::staticShapeOf(index), ss = OnnxBuilder::staticShapeOf(src);
  if (!(si && ss && *si == *ss))
    src = b.op("Slice", {src, b.int64s(std::vector<int64_t>(size_t(rank), 0)), b.shape(index),
                         b.int64s(iotaVec(rank))});
  if (red == Reduce::None)
    return b.op("ScatterElements", {self, index, src}, {OnnxAttr::i("axis", dim)});
  bool addMul = red == Reduce::Sum || red == Reduce::Prod;
  bool maxMin = red == Reduce::Max || red == Reduce::Min;
  if ((reductions >= 16 && addMul) || (reductions >= 18 && maxMin)) {
    if (!includeSelf) // the reduced positions start from the reduction's identity
      self = b.op("ScatterElements",
                  {self, index, b.op("Expand", {identityOf(b, red, dt), b.shape(index)})},
                  {OnnxAttr::i("axis", dim)});
    return b.op("ScatterElements", {self, index, src},
                {OnnxAttr::i("axis", dim), OnnxAttr::s("reduction", red == Reduce::Sum    ? "add"
                                                                    : red == Reduce::Prod ? "mul"
                                                                    : red == Reduce::Max  ? "max"
                                                                                         : "min")});
  }
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i)
    if (i != dim)
      perm.push_back(i);
  perm.push_back(dim);
  ir::Value *it = transpose(b, index, perm), *st = transpose(b, src, perm);
  ir::Value *positions = b.op("Range", {b.int64Scalar(0), b.dimSize(self, dim), b.int64Scalar(1)});
  ir::Value *hot = b.op("Equal", {b.unsqueeze(it, {rank}), positions}); // [..., K, N]
  ir::Value *vals = b.op("Where", {hot, b.unsqueeze(st, {rank}), identityOf(b, red, dt)});
  const char *op = red == Reduce::Sum || red == Reduce::Mean ? "ReduceSum"
                   : red == Reduce::Prod                     ? "ReduceProd"
                   : red == Reduce::Max                      ? "ReduceMax"
                                                             : "ReduceMin";
  ir::Value *reduced = b.reduce(op, vals, {rank - 1}, false);
  ir::Value *hits = b.reduce("ReduceSum", b.cast(hot, ScalarType::Int64), {rank - 1}, false);
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inv[size_t(perm[i])] = int64_t(i);
  reduced = padTo(b, transpose(b, reduced, inv), self, rank);
  hits = padTo(b, transpose(b, hits, inv), self, rank);
  ir::Value *hit = b.op("Greater", {hits, b.int64Scalar(0)});
  if (red == Reduce::Mean) {
    // (self +) the sum, over the count (+ 1); integers divide with floor as torch does.
    ir::Value *count = includeSelf ? b.op("Add", {hits, b.int64Scalar(1)}) : hits;
    count = b.op("Where", {hit, count, b.int64Scalar(1)});
    if (includeSelf)
      reduced = b.op("Add", {self, reduced});
    ir::Value *c = b.cast(count, dt);
    ir::Value *q = b.op("Div", {reduced, c});
    if (!ir::isFloatingType(dt)) {
      ir::Value *rem = b.op("Sub", {reduced, b.op("Mul", {q, c})});
      q = b.op("Where",
               {b.op("Less", {rem, b.scalarOf(0, dt)}), b.op("Sub", {q, b.scalarOf(1, dt)}), q});
    }
    return b.op("Where", {hit, q, self});
  }
  if (includeSelf) {
    if (red == Reduce::Sum || red == Reduce::Prod) {
      reduced = b.op(red == Reduce::Sum ? "Add" : "Mul", {self, reduced});
    } else { // Max/Min of int64 need opset 12: a comparison instead
      ir::Value *keep = b.op(red == Reduce::Max ? "Greater" : "Less", {self, reduced});
      reduced = b.op("Where", {keep, self, reduced});
    }
  }
  return b.op("Where", {hit, reduced, self});
}

absl::StatusOr<int64_t> scatterDim(SymbolicContext &ctx, size_t i) {
  auto d = ctx.constInt(i);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  return requireDim(ctx, *d, OnnxBuilder::rankOf(ctx.input(0)));
}

/// aten::scatter (src / value, with or without reduce), scatter_add, scatter_reduce.
Result scatter(SymbolicContext &ctx, int reductions) {
  OnnxBuilder &b = ctx.b;
  ir::Value *self = ctx.input(0);
  TS2ONNX_ASSIGN_OR_RETURN(int64_t dim, scatterDim(ctx, 1));
  ir::Value *index = ctx.input(2);
  ScalarType dt = OnnxBuilder::dtypeOf(self).value_or(ScalarType::Float32);
  ir::Value *src;
  if (ctx.input(3)->type()->isTensor() && OnnxBuilder::rankOf(ctx.input(3)) != 0) {
    src = ctx.input(3);
  } else { // a Scalar value (or a 0-d tensor) everywhere index points
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, asTensor(ctx, 3, dt));
    if (OnnxBuilder::dtypeOf(v) != dt)
      v = b.cast(v, dt);
    src = b.op("Expand", {v, b.shape(index)});
  }
  std::string_view k = ctx.node().kind().name();
  Reduce red = Reduce::None;
  bool includeSelf = true;
  if (k == "scatter_add") {
    red = Reduce::Sum;
  } else if (k == "scatter_reduce") {
    TS2ONNX_ASSIGN_OR_RETURN(red, reduceArg(ctx, 4));
    auto inc = ctx.numInputs() > 5 ? ctx.constBool(5) : std::optional<bool>(true);
    if (!inc)
      return ctx.unsupported("a non-constant include_self");
    includeSelf = *inc;
  } else if (ctx.numInputs() > 4) {
    TS2ONNX_ASSIGN_OR_RETURN(red, reduceArg(ctx, 4));
    if (red != Reduce::Sum && red != Reduce::Prod)
      return ctx.error("reduce argument must be either add or multiply");
  }
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out,
                           scatterCore(ctx, self, dim, index, src, red, includeSelf, reductions));
  return one(out);
}

/// A 1-D index along `dim` of a rank-`rank` tensor, broadcast to `shape` (the elements of the
/// other dims), as ScatterElements wants it.
ir::Value *alongDim(OnnxBuilder &b, ir::Value *index, int64_t dim, int64_t rank, ir::Value *shape) {
  std::vector<int64_t> s(size_t(rank), 1);
  s[size_t(dim)] = -1;
  ir::Value *i = b.op("Reshape", {index, b.int64s(s)});
  if (OnnxBuilder::dtypeOf(i) != ScalarType::Int64)
    i = b.cast(i, ScalarType::Int64);
  return b.op("Expand", {i, shape});
}

/// index_add(self, dim, index, source, alpha), index_copy(self, dim, index, source) and
/// index_reduce(self, dim, index, source, reduce, include_self).
Result indexAddCopy(SymbolicContext &ctx, Reduce red, int reductions) {
  OnnxBuilder &b = ctx.b;
  ir::Value *self = ctx.input(0), *src = ctx.input(3);
  TS2ONNX_ASSIGN_OR_RETURN(int64_t dim, scatterDim(ctx, 1));
  auto r = OnnxBuilder::rankOf(self);
  if (!r || OnnxBuilder::rankOf(src) != r)
    return ctx.unsupported("index_add/index_copy/index_reduce of tensors of unknown rank");
  ScalarType dt = OnnxBuilder::dtypeOf(self).value_or(ScalarType::Float32);
  if (OnnxBuilder::dtypeOf(src) != dt)
    src = b.cast(src, dt);
  std::string_view k = ctx.node().kind().name();
  bool includeSelf = true;
  if (k == "index_add" && ctx.numInputs() > 4) {
    auto alpha = ctx.constFloat(4);
    if (!alpha)
      return ctx.unsupported("a non-constant alpha");
    if (*alpha != 1)
      src = b.op("Mul", {src, b.scalarOf(*alpha, dt)});
  } else if (k == "index_reduce") {
    TS2ONNX_ASSIGN_OR_RETURN(red, reduceArg(ctx, 4));
    auto inc = ctx.numInputs() > 5 ? ctx.constBool(5) : std::optional<bool>(true);
    if (!inc)
      return ctx.unsupported("a non-constant include_self");
    includeSelf = *inc;
  }
  int64_t rank = *r;
  bool scalar = rank == 0;
  if (scalar) { // 0-d: as 1-D, then back
    self = b.op("Reshape", {self, b.int64s({1})});
    src = b.op("Reshape", {src, b.int64s({1})});
    rank = 1, dim = 0;
  }
  ir::Value *index = alongDim(b, ctx.input(2), dim, rank, b.shape(src));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out,
                           scatterCore(ctx, self, dim, index, src, red, includeSelf, reductions));
  return one(scalar ? b.op("Reshape", {out, b.int64s({})}) : out);
}

/// index_fill(self, dim, index, value): value at the listed positions along dim.
Result indexFill(SymbolicContext &ctx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *self = ctx.input(0);
  TS2ONNX_ASSIGN_OR_RETURN(int64_t dim, scatterDim(ctx, 1));
  auto r = OnnxBuilder::rankOf(self);
  if (!r)
    return ctx.unsupported("index_fill of a tensor of unknown rank");
  ScalarType dt = OnnxBuilder::dtypeOf(self).value_or(ScalarType::Float32);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, asTensor(ctx, 3, dt));
  if (*r == 0) { // 0-d: filled when the index lists it (0 or -1)
    if (OnnxBuilder::dtypeOf(v) != dt)
      v = b.cast(v, dt);
    ir::Value *i = b.op("Reshape", {ctx.input(2), b.int64s({-1})});
    if (OnnxBuilder::dtypeOf(i) != ScalarType::Int64)
      i = b.cast(i, ScalarType::Int64);
    ir::Value *n = b.op("Size", {i});
    return one(b.op("Where", {b.op("Greater", {n, b.int64Scalar(0)}), v, self}));
  }
  if (OnnxBuilder::dtypeOf(v) != dt)
    v = b.cast(v, dt);
  // self's shape with 1 at dim: Expand then broadcasts the index's length there.
  std::vector<int64_t> oneAt(size_t(*r), 1);
  ir::Value *shape = b.shape(self);
  std::vector<ir::Value *> parts;
  if (dim > 0)
    parts.push_back(b.slice(shape, {0}, {dim}, {0}, {1}));
  parts.push_back(b.int64s({1}));
  if (dim + 1 < *r)
    parts.push_back(b.slice(shape, {dim + 1}, {*r}, {0}, {1}));
  ir::Value *index = alongDim(b, ctx.input(2), dim, *r, b.concat(parts, 0));
  ir::Value *src = b.op("Expand", {v, b.shape(index)});
  return one(b.op("ScatterElements", {self, index, src}, {OnnxAttr::i("axis", dim)}));
}

/// self and mask broadcast to one shape.
std::pair<ir::Value *, ir::Value *> broadcastPair(OnnxBuilder &b, ir::Value *x, ir::Value *m) {
  auto sx = OnnxBuilder::staticShapeOf(x), sm = OnnxBuilder::staticShapeOf(m);
  if (sx && sm && *sx == *sm)
    return {x, m};
  ir::Value *xb = b.op("Expand", {x, b.shape(m)});
  return {xb, b.op("Expand", {m, b.shape(xb)})};
}

ir::Value *boolMask(OnnxBuilder &b, ir::Value *m) {
  return OnnxBuilder::dtypeOf(m) == ScalarType::Bool ? m : b.cast(m, ScalarType::Bool);
}

Result maskedSelect(SymbolicContext &ctx) {
  OnnxBuilder &b = ctx.b;
  auto [x, m] = broadcastPair(b, ctx.input(0), boolMask(b, ctx.input(1)));
  ir::Value *flat = b.op("Reshape", {x, b.int64s({-1})});
  ir::Value *out =
      b.op("Compress", {flat, b.op("Reshape", {m, b.int64s({-1})})}, {OnnxAttr::i("axis", 0)});
  OnnxBuilder::setTensorType(out, OnnxBuilder::dtypeOf(ctx.input(0)),
                             std::vector<ir::Dim>{ir::Dim::unknown()});
  return one(out);
}

/// masked_scatter(self, mask, source): the k-th set position (row-major) takes source's k-th
/// element: CumSum of the mask numbers the positions.
Result maskedScatter(SymbolicContext &ctx) {
  OnnxBuilder &b = ctx.b;
  auto [x, m] = broadcastPair(b, ctx.input(0), boolMask(b, ctx.input(1)));
  ScalarType dt = OnnxBuilder::dtypeOf(ctx.input(0)).value_or(ScalarType::Float32);
  ir::Value *fm = b.op("Reshape", {m, b.int64s({-1})});
  ir::Value *k = b.op("CumSum", {b.cast(fm, ScalarType::Int64), b.int64Scalar(0)});
  ir::Value *at = b.op("Where", {fm, b.op("Sub", {k, b.int64Scalar(1)}), b.int64Scalar(0)});
  ir::Value *src = b.op("Reshape", {ctx.input(2), b.int64s({-1})});
  if (OnnxBuilder::dtypeOf(src) != dt)
    src = b.cast(src, dt);
  ir::Value *taken = b.gather(src, at, 0);
  ir::Value *flat = b.op("Reshape", {x, b.int64s({-1})});
  if (dt == ScalarType::Bool) { // onnxruntime's Where has no bool kernel
    ir::Value *out =
        b.op("Where", {fm, b.cast(taken, ScalarType::UInt8), b.cast(flat, ScalarType::UInt8)});
    return one(b.cast(b.op("Reshape", {out, b.shape(x)}), ScalarType::Bool));
  }
  ir::Value *out = b.op("Where", {fm, taken, flat});
  return one(b.op("Reshape", {out, b.shape(x)}));
}

/// nonzero: NonZero's [rank, n] transposed to torch's [n, rank]; nonzero_numpy: its rows.
Result nonzero(SymbolicContext &ctx, bool rows) {
  OnnxBuilder &b = ctx.b;
  auto r = OnnxBuilder::rankOf(ctx.input(0));
  if (r == 0) {
    if (rows)
      return ctx.unsupported("nonzero_numpy of a 0-d tensor");
    // torch gives [n, 0]: NonZero of the element as [1], its column cut off.
    ir::Value *nz = b.op("NonZero", {b.op("Reshape", {ctx.input(0), b.int64s({1})})});
    OnnxBuilder::setTensorType(nz, ScalarType::Int64,
                               std::vector<ir::Dim>{ir::Dim::known(1), ir::Dim::unknown()});
    ir::Value *t = b.op("Transpose", {nz}, {OnnxAttr::is("perm", {1, 0})});
    return one(b.slice(t, {0}, {0}, {1}, {1}));
  }
  ir::Value *nz = b.op("NonZero", {ctx.input(0)});
  OnnxBuilder::setTensorType(
      nz, ScalarType::Int64,
      r ? std::optional<std::vector<ir::Dim>>({ir::Dim::known(*r), ir::Dim::unknown()})
        : std::nullopt);
  if (!rows)
    return one(b.op("Transpose", {nz}, {OnnxAttr::is("perm", {1, 0})}));
  if (!r)
    return ctx.unsupported("nonzero_numpy of a tensor of unknown rank");
  std::vector<ir::Value *> parts;
  for (int64_t j = 0; j < *r; ++j)
    parts.push_back(b.squeeze(b.slice(nz, {j}, {j + 1}, {0}, {1}), {0}));
  return one(tensorList(b, parts));
}

/// put(self, index, source, accumulate): into the flattened self at index (negative from the
/// back), added with accumulate.
Result put(SymbolicContext &ctx, int reductions) {
  OnnxBuilder &b = ctx.b;
  ir::Value *self = ctx.input(0);
  auto acc = ctx.constBool(3);
  if (!acc)
    return ctx.unsupported("a non-constant accumulate");
  auto flat = [&](ir::Value *v) { return b.op("Reshape", {v, b.int64s({-1})}); };
  ir::Value *x = flat(self);
  OnnxBuilder::setTensorType(x, OnnxBuilder::dtypeOf(self),
                             std::vector<ir::Dim>{ir::Dim::unknown()});
  ir::Value *i = flat(ctx.input(1));
  if (OnnxBuilder::dtypeOf(ctx.input(1)) != ScalarType::Int64)
    i = b.cast(i, ScalarType::Int64);
  ir::Value *n = b.op("Size", {self});
  i = b.op("Where", {b.op("Less", {i, b.int64Scalar(0)}), b.op("Add", {i, n}), i});
  OnnxBuilder::setTensorType(i, ScalarType::Int64, std::vector<ir::Dim>{ir::Dim::unknown()});
  ir::Value *src = flat(ctx.input(2));
  OnnxBuilder::setTensorType(src, OnnxBuilder::dtypeOf(ctx.input(2)),
                             std::vector<ir::Dim>{ir::Dim::unknown()});
  TS2ONNX_ASSIGN_OR_RETURN(
      ir::Value * out,
      scatterCore(ctx, x, 0, i, src, *acc ? Reduce::Sum : Reduce::None, true, reductions));
  return one(b.op("Reshape", {out, b.shape(self)}));
}

Result take(SymbolicContext &ctx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *flat = b.op("Reshape", {ctx.input(0), b.int64s({-1})});
  return one(b.gather(flat, ctx.input(1), 0));
}

/// take_along_dim(self, indices, dim?): gather along dim after broadcasting the other dims;
/// without dim, on the flattened tensors.
Result takeAlongDim(SymbolicContext &ctx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0), *idx = ctx.input(1);
  if (OnnxBuilder::dtypeOf(idx) != ScalarType::Int64)
    idx = b.cast(idx, ScalarType::Int64);
  if (ctx.numInputs() < 3 || ctx.isNone(2)) {
    ir::Value *flat = b.op("Reshape", {x, b.int64s({-1})});
    return one(b.op("GatherElements", {flat, b.op("Reshape", {idx, b.int64s({-1})})},
                    {OnnxAttr::i("axis", 0)}));
  }
  auto d = ctx.constInt(2);
  auto r = OnnxBuilder::rankOf(x);
  if (!d || !r || OnnxBuilder::rankOf(idx) != r)
    return ctx.unsupported("take_along_dim with a non-constant dim, or ranks unknown or unequal");
  int64_t dim = normalizeDim(*d, r);
  // Each side broadcast against the other's shape with 1 at dim.
  auto withOne = [&](ir::Value *v) {
    ir::Value *s = b.shape(v);
    std::vector<ir::Value *> parts;
    if (dim > 0)
      parts.push_back(b.slice(s, {0}, {dim}, {0}, {1}));
    parts.push_back(b.int64s({1}));
    if (dim + 1 < *r)
      parts.push_back(b.slice(s, {dim + 1}, {*r}, {0}, {1}));
    return b.concat(parts, 0);
  };
  auto sx = OnnxBuilder::staticShapeOf(x), si = OnnxBuilder::staticShapeOf(idx);
  bool same = sx && si;
  if (same)
    for (int64_t i = 0; i < *r; ++i)
      same &= i == dim || (*sx)[size_t(i)] == (*si)[size_t(i)];
  ir::Value *xb = same ? x : b.op("Expand", {x, withOne(idx)});
  ir::Value *ib = same ? idx : b.op("Expand", {idx, withOne(x)});
  return one(b.op("GatherElements", {xb, ib}, {OnnxAttr::i("axis", dim)}));
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
  r.add("aten::one_hot", 9, oneHot);
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
  r.add("aten::slice_scatter", 11, sliceScatter11);
  // ScatterElements from 11; its reduction add / mul from 16, max / min from 18.
  addAll(r, {"aten::scatter", "aten::scatter_add", "aten::scatter_reduce"}, 11,
         [](Ctx &c) { return scatter(c, 0); });
  addAll(r, {"aten::scatter", "aten::scatter_add", "aten::scatter_reduce"}, 16,
         [](Ctx &c) { return scatter(c, 16); });
  r.add("aten::scatter_reduce", 18, [](Ctx &c) { return scatter(c, 18); });
  r.add("aten::index_add", 11, [](Ctx &c) { return indexAddCopy(c, Reduce::Sum, 0); });
  r.add("aten::index_add", 16, [](Ctx &c) { return indexAddCopy(c, Reduce::Sum, 16); });
  r.add("aten::index_copy", 11, [](Ctx &c) { return indexAddCopy(c, Reduce::None, 0); });
  r.add("aten::index_reduce", 11, [](Ctx &c) { return indexAddCopy(c, Reduce::Prod, 0); });
  r.add("aten::index_reduce", 16, [](Ctx &c) { return indexAddCopy(c, Reduce::Prod, 16); });
  r.add("aten::index_reduce", 18, [](Ctx &c) { return indexAddCopy(c, Reduce::Prod, 18); });
  r.add("aten::index_fill", 11, indexFill);
  r.add("aten::masked_select", 9, maskedSelect);
  r.add("aten::masked_scatter", 11, maskedScatter);
  r.add("aten::take", 11, take);
  r.add("aten::nonzero", 9, [](Ctx &c) { return nonzero(c, false); });
  r.add("aten::argwhere", 9, [](Ctx &c) { return nonzero(c, false); });
  r.add("aten::put", 11, [](Ctx &c) { return put(c, 0); });
  r.add("aten::put", 16, [](Ctx &c) { return put(c, 16); });
  r.add("aten::nonzero_numpy", 9, [](Ctx &c) { return nonzero(c, true); });
  r.add("aten::take_along_dim", 11, takeAlongDim);
  addAll(r, {"aten::embedding_bag", "aten::_embedding_bag"}, 9, embeddingBag);
}

} // namespace ts2onnx::symbolics
