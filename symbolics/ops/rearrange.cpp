// Rearrangements composed of several ONNX ops: flips, roll and rot90, movedim, atleast_Nd, the
// stack family (hstack, vstack, dstack, column_stack), pixel (un)shuffle, unflatten, diagonals
// (diagonal, diag, diag_embed, diagonal_scatter, diagflat), kron, tril/triu_indices, unfold,
// im2col and col2im, tensor_split and h/v/dsplit, tile, repeat_interleave, numpy_T,
// sum_to_size. Static shapes where a size must be known at conversion time; each refusal names
// what is missing. (The plain views, splits and slices are symbolics/ops/shape.cpp's.)
#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

constexpr int64_t kIntMin = std::numeric_limits<int64_t>::min();

std::vector<int64_t> iota(int64_t n, int64_t from = 0) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < n; ++i)
    v.push_back(from + i);
  return v;
}

ir::Value *permuted(OnnxBuilder &b, ir::Value *x, const std::vector<int64_t> &perm) {
  bool id = true;
  for (size_t i = 0; i < perm.size(); ++i)
    id &= perm[i] == int64_t(i);
  return id ? x : b.op("Transpose", {x}, {OnnxAttr::is("perm", perm)});
}

/// Reverses `x` along `dims` (normalized): a Slice with step -1 (Slice takes steps from 10).
absl::StatusOr<ir::Value *> flipDims(Ctx &ctx, ir::Value *x, std::vector<int64_t> dims) {
  if (dims.empty())
    return x;
  if (ctx.b.opset() < 10)
    return ctx.unsupported("flip before opset 10 (Slice has steps from 10)");
  std::vector<int64_t> starts(dims.size(), -1), ends(dims.size(), kIntMin), steps(dims.size(), -1);
  return ctx.b.slice(x, starts, ends, dims, steps);
}

absl::StatusOr<std::vector<int64_t>> constDims(Ctx &ctx, size_t i, ir::Value *x) {
  auto dims = ctx.constInts(i);
  if (!dims)
    return ctx.unsupported("non-constant dims");
  auto r = rankOf(x);
  for (int64_t &d : *dims) {
    TS2ONNX_ASSIGN_OR_RETURN(d, requireDim(ctx, d, r));
  }
  return *dims;
}

Result flip(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(auto dims, constDims(ctx, 1, ctx.input(0)));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, flipDims(ctx, ctx.input(0), dims));
  return one(out);
}

/// fliplr (dim 1, needs rank >= 2) and flipud (dim 0, rank >= 1).
Result flipFixed(Ctx &ctx, int64_t dim) {
  auto r = rankOf(ctx.input(0));
  if (r && *r < dim + 1)
    return ctx.error(fmt::format("input must be at least {}-D", dim + 1));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, flipDims(ctx, ctx.input(0), {dim}));
  return one(out);
}

/// x rolled by `shift` along `dim`: Concat(x[n-k:], x[:n-k]) with k = shift mod n.
absl::StatusOr<ir::Value *> rollDim(Ctx &ctx, ir::Value *x, int64_t shift, int64_t dim) {
  OnnxBuilder &b = ctx.b;
  auto dims = OnnxBuilder::dimsOf(x);
  if (dims && dim < int64_t(dims->size()) && (*dims)[size_t(dim)].isStatic()) {
    int64_t n = (*dims)[size_t(dim)].value;
    if (n == 0)
      return x;
    int64_t k = ((shift % n) + n) % n;
    if (k == 0)
      return x;
    return b.concat({b.slice(x, {n - k}, {n}, {dim}, {1}), b.slice(x, {0}, {n - k}, {dim}, {1})},
                    dim);
  }
  if (b.opset() < 10)
    return ctx.unsupported("roll along a dim of unknown size before opset 10");
  // n - (shift mod n), at run time (Mod with fmod=0 takes the divisor's sign: 0 <= k < n).
  ir::Value *n = b.unsqueeze(b.dimSize(x, dim), {0});
  ir::Value *k = b.op("Mod", {b.int64s({shift}), n});
  ir::Value *cut = b.op("Sub", {n, k});
  ir::Value *axis = b.int64s({dim});
  ir::Value *tail = b.op("Slice", {x, cut, b.int64s({kIntMax}), axis});
  ir::Value *head = b.op("Slice", {x, b.int64s({0}), cut, axis});
  return b.concat({tail, head}, dim);
}

Result roll(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto shifts = ctx.constInts(1);
  auto dims = ctx.constInts(2);
  if (!shifts || !dims)
    return ctx.unsupported("non-constant shifts or dims");
  if (dims->empty()) {
    // Rolled flattened, then shaped back.
    if (shifts->size() != 1)
      return ctx.error("shifts must be a single int when dims is empty");
    ir::Value *flat = ctx.b.op("Reshape", {x, ctx.b.int64s({-1})});
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * rolled, rollDim(ctx, flat, (*shifts)[0], 0));
    return one(ctx.b.op("Reshape", {rolled, ctx.b.shape(x)}));
  }
  if (shifts->size() != dims->size())
    return ctx.error("shifts and dims must have the same length");
  auto r = rankOf(x);
  if (!r)
    return ctx.unsupported("roll of a tensor of unknown rank");
  for (size_t i = 0; i < dims->size(); ++i) {
    TS2ONNX_ASSIGN_OR_RETURN(x, rollDim(ctx, x, (*shifts)[i], normalizeDim((*dims)[i], r)));
  }
  return one(x);
}

std::vector<int64_t> swapPerm(int64_t rank, int64_t a, int64_t c) {
  auto perm = iota(rank);
  std::swap(perm[size_t(a)], perm[size_t(c)]);
  return perm;
}

Result rot90(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto k = ctx.constInt(1);
  auto dims = ctx.constInts(2);
  auto r = rankOf(x);
  if (!k || !dims || !r)
    return ctx.unsupported("rot90 with a non-constant k or dims, or of unknown rank");
  if (dims->size() != 2 || *r < 2)
    return ctx.error("expected two dims and a tensor of rank >= 2");
  int64_t d0 = normalizeDim((*dims)[0], r), d1 = normalizeDim((*dims)[1], r);
  if (d0 == d1)
    return ctx.error("rotation dims must differ");
  int64_t m = ((*k % 4) + 4) % 4;
  if (m == 0)
    return one(x);
  if (m == 2) {
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, flipDims(ctx, x, {d0, d1}));
    return one(out);
  }
  // k = 1: flip dims[1], then swap; k = 3: flip dims[0], then swap.
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * f, flipDims(ctx, x, {m == 1 ? d1 : d0}));
  return one(permuted(ctx.b, f, swapPerm(*r, d0, d1)));
}

/// movedim / moveaxis (int and int[] forms), as torch orders the dims that do not move.
Result movedim(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto r = rankOf(x);
  std::optional<std::vector<int64_t>> src = ctx.constInts(1), dst = ctx.constInts(2);
  if (!src)
    if (auto s = ctx.constInt(1))
      src = std::vector<int64_t>{*s};
  if (!dst)
    if (auto d = ctx.constInt(2))
      dst = std::vector<int64_t>{*d};
  if (!src || !dst || !r)
    return ctx.unsupported("movedim with non-constant dims or of unknown rank");
  if (src->size() != dst->size())
    return ctx.error("source and destination must have the same number of dims");
  std::vector<int64_t> perm(size_t(*r), -1);
  std::vector<bool> used(size_t(*r), false);
  for (size_t i = 0; i < src->size(); ++i) {
    int64_t s = normalizeDim((*src)[i], r), d = normalizeDim((*dst)[i], r);
    if (s < 0 || s >= *r || d < 0 || d >= *r)
      return ctx.error("dim out of range");
    perm[size_t(d)] = s;
    used[size_t(s)] = true;
  }
  size_t next = 0;
  for (int64_t &p : perm) {
    if (p != -1)
      continue;
    while (used[next])
      ++next;
    p = int64_t(next++);
  }
  return one(permuted(ctx.b, x, perm));
}

/// x reshaped to at least `n` dims as atleast_{1,2,3}d do.
absl::StatusOr<ir::Value *> atLeast(Ctx &ctx, ir::Value *x, int64_t n) {
  auto r = rankOf(x);
  if (!r)
    return ctx.unsupported("atleast_nd of a tensor of unknown rank");
  if (*r >= n)
    return x;
  if (*r == 0)
    return ctx.b.op("Reshape", {x, ctx.b.int64s(std::vector<int64_t>(size_t(n), 1))});
  if (n == 2 || (n == 3 && *r == 1)) // (m) -> (1, m), (1, m, 1)
    x = ctx.b.unsqueeze(x, {0});
  if (n == 3)
    x = ctx.b.unsqueeze(x, {2}); // (1, m) or (m, k) -> (..., 1)
  return x;
}

Result atLeastOp(Ctx &ctx, int64_t n) {
  if (ctx.input(0)->type()->is(ir::TypeKind::List)) {
    auto elems = ctx.listElements(0);
    if (!elems)
      return ctx.unsupported("a tensor list that is not a list literal");
    std::vector<ir::Value *> outs;
    for (ir::Value *e : *elems) {
      TS2ONNX_ASSIGN_OR_RETURN(ir::Value * o, atLeast(ctx, e, n));
      outs.push_back(o);
    }
    return one(tensorList(ctx.b, outs));
  }
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * o, atLeast(ctx, ctx.input(0), n));
  return one(o);
}

/// hstack / vstack / dstack / column_stack: atleast_nd of every tensor, then one Concat.
Result stackFamily(Ctx &ctx, char kind) {
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, tensorListInput(ctx, 0));
  if (xs.empty())
    return ctx.error("expects a non-empty TensorList");
  std::vector<ir::Value *> parts;
  int64_t axis = 0;
  bool allOneD = true;
  for (ir::Value *x : xs) {
    auto r = rankOf(x);
    if (!r)
      return ctx.unsupported("stacking tensors of unknown rank");
    allOneD &= *r <= 1;
    ir::Value *p = x;
    if (kind == 'v') {
      TS2ONNX_ASSIGN_OR_RETURN(p, atLeast(ctx, x, 2));
    } else if (kind == 'd') {
      TS2ONNX_ASSIGN_OR_RETURN(p, atLeast(ctx, x, 3));
    } else if (kind == 'h') {
      TS2ONNX_ASSIGN_OR_RETURN(p, atLeast(ctx, x, 1));
    } else if (*r <= 1) { // column_stack: (n) -> (n, 1)
      p = ctx.b.op("Reshape", {x, ctx.b.int64s({-1, 1})});
    }
    parts.push_back(p);
  }
  if (kind == 'h')
    axis = allOneD ? 0 : 1;
  else if (kind == 'd')
    axis = 2;
  else if (kind == 'c')
    axis = 1;
  // Mixed dtypes promote as cat does (the node's inferred dtype).
  auto t = dtypeOf(ctx.node().output());
  if (t)
    for (ir::Value *&p : parts)
      if (dtypeOf(p) && *dtypeOf(p) != *t)
        p = ctx.b.cast(p, *t);
  return one(parts.size() == 1 ? parts[0] : ctx.b.concat(parts, axis));
}

/// pixel_shuffle (upscale) and pixel_unshuffle (downscale) of (*, C, H, W) by factor f.
Result pixelShuffle(Ctx &ctx, bool up) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  auto f = ctx.constInt(1);
  auto r = rankOf(x);
  if (!f || !r)
    return ctx.unsupported("a non-constant factor or an input of unknown rank");
  if (*r < 3)
    return ctx.error("input must have at least 3 dims");
  if (*f == 1)
    return one(x);
  int64_t lead = *r - 3;
  ir::Value *shape = b.shape(x);
  std::vector<ir::Value *> head;
  if (lead > 0)
    head.push_back(b.slice(shape, {0}, {lead}, {0}, {1}));
  auto cat = [&](std::vector<ir::Value *> tail) {
    std::vector<ir::Value *> all = head;
    all.insert(all.end(), tail.begin(), tail.end());
    return b.concat(all, 0);
  };
  ir::Value *hw = b.slice(shape, {lead + 1}, {lead + 3}, {0}, {1});
  std::vector<int64_t> perm = iota(lead);
  if (up) {
    // (*, C, f, f, H, W) -> (*, C, H, f, W, f) -> (*, C, H*f, W*f)
    ir::Value *t = b.op("Reshape", {x, cat({b.int64s({-1, *f, *f}), hw})});
    for (int64_t d : {0, 3, 1, 4, 2})
      perm.push_back(lead + d);
    t = permuted(b, t, perm);
    return one(b.op("Reshape", {t, cat({b.int64s({-1}), b.op("Mul", {hw, b.int64s({*f, *f})})})}));
  }
  // (*, C, H/f, f, W/f, f) -> (*, C, f, f, H/f, W/f) -> (*, C*f*f, H/f, W/f)
  ir::Value *hwf = b.op("Div", {hw, b.int64s({*f, *f})});
  ir::Value *c = b.slice(shape, {lead}, {lead + 1}, {0}, {1});
  ir::Value *h = b.slice(hwf, {0}, {1}, {0}, {1}), *w = b.slice(hwf, {1}, {2}, {0}, {1});
  ir::Value *fv = b.int64s({*f});
  ir::Value *t = b.op("Reshape", {x, cat({c, h, fv, w, fv})});
  for (int64_t d : {0, 2, 4, 1, 3})
    perm.push_back(lead + d);
  t = permuted(b, t, perm);
  return one(b.op("Reshape", {t, cat({b.int64s({-1}), hwf})}));
}

Result unflatten(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto d = ctx.constInt(1);
  auto r = rankOf(x);
  if (!d || !r)
    return ctx.unsupported("unflatten with a non-constant dim or of unknown rank");
  int64_t dim = normalizeDim(*d, r);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * sizes, intList(ctx, 2));
  OnnxBuilder &b = ctx.b;
  ir::Value *shape = b.shape(x);
  std::vector<ir::Value *> parts;
  if (dim > 0)
    parts.push_back(b.slice(shape, {0}, {dim}, {0}, {1}));
  parts.push_back(sizes);
  if (dim + 1 < *r)
    parts.push_back(b.slice(shape, {dim + 1}, {*r}, {0}, {1}));
  return one(b.op("Reshape", {x, b.concat(parts, 0)}));
}

/// The diagonal of the last two dims of `x` (static sizes n, m), as a new last dim: a Gather of
/// the flattened pair at the diagonal's positions.
absl::StatusOr<ir::Value *> lastTwoDiagonal(Ctx &ctx, ir::Value *x, int64_t offset) {
  auto dims = OnnxBuilder::dimsOf(x);
  if (!dims || dims->size() < 2 || !dims->back().isStatic() ||
      !(*dims)[dims->size() - 2].isStatic())
    return ctx.unsupported("a diagonal of dims of unknown size");
  int64_t n = (*dims)[dims->size() - 2].value, m = dims->back().value;
  int64_t r0 = std::max<int64_t>(-offset, 0), c0 = std::max<int64_t>(offset, 0);
  int64_t len = std::max<int64_t>(0, std::min(n - r0, m - c0));
  std::vector<int64_t> pos;
  for (int64_t i = 0; i < len; ++i)
    pos.push_back((i + r0) * m + i + c0);
  OnnxBuilder &b = ctx.b;
  int64_t rank = int64_t(dims->size());
  std::vector<ir::Value *> shape;
  if (auto st = OnnxBuilder::staticShapeOf(x)) {
    std::vector<int64_t> target(st->begin(), st->end() - 2);
    target.push_back(n * m);
    shape.push_back(b.int64s(target));
  } else {
    if (rank > 2)
      shape.push_back(b.slice(b.shape(x), {0}, {rank - 2}, {0}, {1}));
    shape.push_back(b.int64s({n * m}));
  }
  ir::Value *flat = b.op("Reshape", {x, shape.size() == 1 ? shape[0] : b.concat(shape, 0)});
  return b.gather(flat, b.int64s(pos), rank - 2);
}

Result diagonal(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto off = ctx.constInt(1), d1 = ctx.constInt(2), d2 = ctx.constInt(3);
  auto r = rankOf(x);
  if (!off || !d1 || !d2 || !r)
    return ctx.unsupported("diagonal with non-constant arguments or of unknown rank");
  int64_t a = normalizeDim(*d1, r), c = normalizeDim(*d2, r);
  if (a == c)
    return ctx.error("diagonal dimensions cannot be identical");
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < *r; ++i)
    if (i != a && i != c)
      perm.push_back(i);
  perm.push_back(a);
  perm.push_back(c);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, lastTwoDiagonal(ctx, permuted(ctx.b, x, perm), *off));
  return one(out);
}

/// diagonal_scatter(self, src, offset, dim1, dim2): self with its diagonal replaced by src.
/// dim1/dim2 moved last ([..., n, m], static sizes), src gathered onto the [n, m] grid (element i
/// of the diagonal at (i + r0, i + c0)) and kept where a constant diagonal mask is set.
Result diagonalScatter(Ctx &ctx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0), *src = ctx.input(1);
  auto off = ctx.constInt(2), d1 = ctx.constInt(3), d2 = ctx.constInt(4);
  auto dims = OnnxBuilder::dimsOf(x);
  if (!off || !d1 || !d2 || !dims || dims->size() < 2)
    return ctx.unsupported("diagonal_scatter with non-constant arguments or of unknown rank");
  int64_t rank = int64_t(dims->size());
  int64_t a = normalizeDim(*d1, rank), c = normalizeDim(*d2, rank);
  if (a == c)
    return ctx.error("diagonal dimensions cannot be identical");
  if (!(*dims)[size_t(a)].isStatic() || !(*dims)[size_t(c)].isStatic())
    return ctx.unsupported("diagonal_scatter on dims of unknown size");
  int64_t n = (*dims)[size_t(a)].value, m = (*dims)[size_t(c)].value;
  int64_t r0 = std::max<int64_t>(-*off, 0), c0 = std::max<int64_t>(*off, 0);
  int64_t len = std::max<int64_t>(0, std::min(n - r0, m - c0));
  if (len == 0)
    return one(x);
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i)
    if (i != a && i != c)
      perm.push_back(i);
  perm.push_back(a);
  perm.push_back(c);
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inv[size_t(perm[i])] = int64_t(i);
  std::vector<int64_t> at(size_t(n * m), 0);
  std::vector<uint8_t> mask(size_t(n * m), 0);
  for (int64_t i = 0; i < len; ++i) {
    at[size_t((i + r0) * m + i + c0)] = i;
    mask[size_t((i + r0) * m + i + c0)] = 1;
  }
  auto dt = dtypeOf(x);
  if (dt && dtypeOf(src) != dt)
    src = b.cast(src, *dt);
  ir::Value *grid =
      b.gather(src, b.constant(ir::Tensor::fromVector(ScalarType::Int64, {n, m}, at)), rank - 2);
  ir::Value *keep = b.constant(ir::Tensor::fromVector(ScalarType::Bool, {n, m}, mask));
  bool isBool = dt == ScalarType::Bool; // onnxruntime's Where has no bool kernel
  ir::Value *xt = permuted(b, x, perm);
  if (isBool)
    grid = b.cast(grid, ScalarType::UInt8), xt = b.cast(xt, ScalarType::UInt8);
  ir::Value *out = permuted(b, b.op("Where", {keep, grid, xt}), inv);
  return one(isBool ? b.cast(out, ScalarType::Bool) : out);
}

/// diag_embed(x, offset, dim1, dim2): the last dim of x as the diagonal of two new dims.
absl::StatusOr<ir::Value *> diagEmbed(Ctx &ctx, ir::Value *x, int64_t offset, int64_t d1,
                                      int64_t d2) {
  auto dims = OnnxBuilder::dimsOf(x);
  if (!dims || dims->empty() || !dims->back().isStatic())
    return ctx.unsupported("diag_embed of a last dim of unknown size");
  OnnxBuilder &b = ctx.b;
  int64_t rank = int64_t(dims->size()), n = dims->back().value, k = std::abs(offset);
  int64_t size = n + k;
  // Row i of the result holds x[i] (offset >= 0) or x[i - k] (offset < 0): pad x to `size`,
  // put it along the rows, and keep it where the mask of the diagonal is set.
  if (k > 0) {
    std::vector<int64_t> pads(size_t(2 * rank), 0);
    pads[size_t(offset >= 0 ? 2 * rank - 1 : rank - 1)] = k;
    x = b.pad(x, pads, "constant");
  }
  std::vector<uint8_t> mask(size_t(size * size), 0);
  for (int64_t i = 0; i < size; ++i) {
    int64_t j = i + offset;
    if (j >= 0 && j < size)
      mask[size_t(i * size + j)] = 1;
  }
  ir::Value *m = b.constant(ir::Tensor::fromVector(ScalarType::Bool, {size, size}, mask));
  ScalarType dt = dtypeOf(x).value_or(ScalarType::Float32);
  ir::Value *out = b.op("Where", {m, b.unsqueeze(x, {rank}), b.scalarOf(0, dt)});
  // Rows at rank - 1, columns at rank: move them to d1 and d2 of the rank + 1 result.
  int64_t outRank = rank + 1;
  int64_t p1 = normalizeDim(d1, outRank), p2 = normalizeDim(d2, outRank);
  if (p1 == p2 || p1 < 0 || p2 < 0 || p1 >= outRank || p2 >= outRank)
    return ctx.error("diagonal dimensions must differ and be in range");
  std::vector<int64_t> perm(size_t(outRank), -1);
  perm[size_t(p1)] = rank - 1;
  perm[size_t(p2)] = rank;
  int64_t next = 0;
  for (int64_t &p : perm)
    if (p == -1)
      p = next++;
  return permuted(b, out, perm);
}

Result diagEmbedOp(Ctx &ctx) {
  auto off = ctx.constInt(1), d1 = ctx.constInt(2), d2 = ctx.constInt(3);
  if (!off || !d1 || !d2)
    return ctx.unsupported("diag_embed with non-constant arguments");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, diagEmbed(ctx, ctx.input(0), *off, *d1, *d2));
  return one(out);
}

Result diag(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto off = ctx.constInt(1);
  auto r = rankOf(x);
  if (!off || !r)
    return ctx.unsupported("diag with a non-constant diagonal or of unknown rank");
  if (*r == 1) {
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, diagEmbed(ctx, x, *off, 0, 1));
    return one(out);
  }
  if (*r != 2)
    return ctx.error("matrix or a vector expected");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, lastTwoDiagonal(ctx, x, *off));
  return one(out);
}

/// kron(a, b): a's dims interleaved with b's (both padded to one rank with leading 1s), a
/// broadcasting Mul, then each pair merged.
Result kron(Ctx &ctx) {
  auto sa = OnnxBuilder::staticShapeOf(ctx.input(0)), sb = OnnxBuilder::staticShapeOf(ctx.input(1));
  if (!sa || !sb)
    return ctx.unsupported("kron of tensors of unknown shape");
  TS2ONNX_ASSIGN_OR_RETURN(auto ops, promotedOperands(ctx, {0, 1}));
  size_t rank = std::max(sa->size(), sb->size());
  sa->insert(sa->begin(), rank - sa->size(), 1);
  sb->insert(sb->begin(), rank - sb->size(), 1);
  std::vector<int64_t> ia, ib, out;
  for (size_t i = 0; i < rank; ++i) {
    ia.insert(ia.end(), {(*sa)[i], 1});
    ib.insert(ib.end(), {1, (*sb)[i]});
    out.push_back((*sa)[i] * (*sb)[i]);
  }
  OnnxBuilder &b = ctx.b;
  ir::Value *prod = b.op(
      "Mul", {b.op("Reshape", {ops[0], b.int64s(ia)}), b.op("Reshape", {ops[1], b.int64s(ib)})});
  return one(b.op("Reshape", {prod, b.int64s(out)}));
}

/// tril_indices / triu_indices(row, col, offset): a constant 2 x N int64 tensor.
Result triIndices(Ctx &ctx, bool upper) {
  auto row = ctx.constInt(0), col = ctx.constInt(1), off = ctx.constInt(2);
  if (!row || !col || !off)
    return ctx.unsupported("non-constant row, col or offset");
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 3));
  std::vector<int64_t> rs, cs;
  for (int64_t i = 0; i < *row; ++i)
    for (int64_t j = 0; j < *col; ++j)
      if (upper ? j - i >= *off : j - i <= *off) {
        rs.push_back(i);
        cs.push_back(j);
      }
  std::vector<int64_t> all = rs;
  all.insert(all.end(), cs.begin(), cs.end());
  ir::Value *out =
      ctx.b.constant(ir::Tensor::fromVector(ScalarType::Int64, {2, int64_t(rs.size())}, all));
  if (dt && *dt != ScalarType::Int64)
    out = ctx.b.cast(out, *dt);
  return one(out);
}

/// Tensor.unfold(dimension, size, step): windows of `size` every `step` along `dimension`, as a
/// new last dim. A Gather of the [count, size] window positions, the window dim then moved last.
Result unfold(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto d = ctx.constInt(1), size = ctx.constInt(2), step = ctx.constInt(3);
  auto dims = OnnxBuilder::dimsOf(x);
  if (!d || !size || !step || !dims)
    return ctx.unsupported("unfold with non-constant arguments or of unknown rank");
  int64_t rank = int64_t(dims->size());
  if (rank == 0) // a 0-d tensor unfolds to (1,) when size is 1
    return one(ctx.b.op("Reshape", {x, ctx.b.int64s({1})}));
  int64_t dim = normalizeDim(*d, rank);
  if (!(*dims)[size_t(dim)].isStatic())
    return ctx.unsupported("unfold of a dim of unknown size");
  if (*step <= 0)
    return ctx.error("step must be positive");
  int64_t n = (*dims)[size_t(dim)].value;
  if (*size > n)
    return ctx.error("size exceeds the size of the dimension");
  int64_t count = (n - *size) / *step + 1;
  std::vector<int64_t> pos;
  for (int64_t i = 0; i < count; ++i)
    for (int64_t j = 0; j < *size; ++j)
      pos.push_back(i * *step + j);
  ir::Value *idx = ctx.b.constant(ir::Tensor::fromVector(ScalarType::Int64, {count, *size}, pos));
  ir::Value *g = ctx.b.gather(x, idx, dim);
  std::vector<int64_t> perm;
  for (int64_t i = 0; i <= rank; ++i)
    if (i != dim + 1)
      perm.push_back(i);
  perm.push_back(dim + 1);
  return one(permuted(ctx.b, g, perm));
}

/// im2col (F.unfold) of (N, C, H, W) or (C, H, W): one strided Slice per kernel offset of the
/// padded input, stacked behind C, then (N, C*kh*kw, L).
Result im2col(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto k = ctx.constInts(1), dil = ctx.constInts(2), pad = ctx.constInts(3), st = ctx.constInts(4);
  auto dims = OnnxBuilder::dimsOf(x);
  if (!k || !dil || !pad || !st || !dims)
    return ctx.unsupported("im2col with non-constant arguments or of unknown rank");
  if (dims->size() != 3 && dims->size() != 4)
    return ctx.error("expected a 3-D or 4-D input");
  OnnxBuilder &b = ctx.b;
  if (b.opset() < 10)
    return ctx.unsupported("im2col before opset 10 (strided Slice)");
  bool batched = dims->size() == 4;
  if (!batched)
    x = b.unsqueeze(x, {0});
  auto ex = [](std::vector<int64_t> v) { return expandTo(std::move(v), 2); };
  *k = ex(*k), *dil = ex(*dil), *pad = ex(*pad), *st = ex(*st);
  const ir::Dim &hd = (*dims)[dims->size() - 2], &wd = dims->back();
  if (!hd.isStatic() || !wd.isStatic())
    return ctx.unsupported("im2col of spatial dims of unknown size");
  int64_t hp = hd.value + 2 * (*pad)[0], wp = wd.value + 2 * (*pad)[1];
  int64_t oh = (hp - (*dil)[0] * ((*k)[0] - 1) - 1) / (*st)[0] + 1;
  int64_t ow = (wp - (*dil)[1] * ((*k)[1] - 1) - 1) / (*st)[1] + 1;
  if (oh <= 0 || ow <= 0)
    return ctx.error("the kernel does not fit the padded input");
  if ((*pad)[0] || (*pad)[1])
    x = b.pad(x, {0, 0, (*pad)[0], (*pad)[1], 0, 0, (*pad)[0], (*pad)[1]}, "constant");
  std::vector<ir::Value *> cols;
  for (int64_t i = 0; i < (*k)[0]; ++i)
    for (int64_t j = 0; j < (*k)[1]; ++j) {
      int64_t h0 = i * (*dil)[0], w0 = j * (*dil)[1];
      ir::Value *s =
          b.slice(x, {h0, w0}, {h0 + (oh - 1) * (*st)[0] + 1, w0 + (ow - 1) * (*st)[1] + 1}, {2, 3},
                  {(*st)[0], (*st)[1]});
      cols.push_back(b.unsqueeze(s, {2}));
    }
  ir::Value *all = cols.size() == 1 ? cols[0] : b.concat(cols, 2);
  ir::Value *out = b.op("Reshape", {all, b.int64s({0, -1, oh * ow})});
  return one(batched ? out : b.squeeze(out, {0}));
}

/// `v` with s - 1 zeros after every element along `axis` (of `count` elements) but the last:
/// Unsqueeze, Pad to s, merge, cut. `shape` gives the merged Reshape (0 copies a dim).
ir::Value *spread(OnnxBuilder &b, ir::Value *v, int64_t axis, int64_t s, int64_t count,
                  std::vector<int64_t> shape) {
  if (s == 1)
    return v;
  ir::Value *u = b.unsqueeze(v, {axis + 1});
  std::vector<int64_t> pads(10, 0);
  pads[size_t(5 + axis + 1)] = s - 1;
  ir::Value *merged = b.op("Reshape", {b.pad(u, pads, "constant"), b.int64s(shape)});
  return b.slice(merged, {0}, {(count - 1) * s + 1}, {axis}, {1});
}

/// col2im (F.fold) of (N, C*kh*kw, L) or (C*kh*kw, L) to (N, C, H, W): every kernel offset's
/// (oh, ow) block spread by the stride, padded into place, summed, the padding cut off.
Result col2im(Ctx &ctx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  auto out = ctx.constInts(1), k = ctx.constInts(2), dil = ctx.constInts(3), pad = ctx.constInts(4),
       st = ctx.constInts(5);
  auto r = rankOf(x);
  if (!out || !k || !dil || !pad || !st || !r)
    return ctx.unsupported("col2im with non-constant arguments or of unknown rank");
  if (*r != 2 && *r != 3)
    return ctx.error("expected a 2-D or 3-D input");
  auto ex = [](std::vector<int64_t> v) { return expandTo(std::move(v), 2); };
  *out = ex(*out), *k = ex(*k), *dil = ex(*dil), *pad = ex(*pad), *st = ex(*st);
  int64_t hp = (*out)[0] + 2 * (*pad)[0], wp = (*out)[1] + 2 * (*pad)[1];
  int64_t oh = (hp - (*dil)[0] * ((*k)[0] - 1) - 1) / (*st)[0] + 1;
  int64_t ow = (wp - (*dil)[1] * ((*k)[1] - 1) - 1) / (*st)[1] + 1;
  if (oh <= 0 || ow <= 0)
    return ctx.error("the kernel does not fit the padded output");
  bool batched = *r == 3;
  if (!batched)
    x = b.unsqueeze(x, {0});
  ir::Value *blocks = b.op("Reshape", {x, b.int64s({0, -1, (*k)[0] * (*k)[1], oh, ow})});
  int64_t hl = (oh - 1) * (*st)[0] + 1, wl = (ow - 1) * (*st)[1] + 1;
  std::vector<ir::Value *> placed;
  for (int64_t i = 0; i < (*k)[0]; ++i)
    for (int64_t j = 0; j < (*k)[1]; ++j) {
      int64_t at = i * (*k)[1] + j;
      ir::Value *p = b.squeeze(b.slice(blocks, {at}, {at + 1}, {2}, {1}), {2}); // N, C, oh, ow
      p = spread(b, p, 2, (*st)[0], oh, {0, 0, oh * (*st)[0], ow});
      p = spread(b, p, 3, (*st)[1], ow, {0, 0, hl, ow * (*st)[1]});
      int64_t top = i * (*dil)[0], left = j * (*dil)[1];
      placed.push_back(
          b.pad(p, {0, 0, top, left, 0, 0, hp - top - hl, wp - left - wl}, "constant"));
    }
  ir::Value *sum = placed.size() == 1 ? placed[0] : b.op("Sum", placed);
  if ((*pad)[0] || (*pad)[1])
    sum = b.slice(sum, {(*pad)[0], (*pad)[1]}, {(*pad)[0] + (*out)[0], (*pad)[1] + (*out)[1]},
                  {2, 3}, {1, 1});
  return one(batched ? sum : b.squeeze(sum, {0}));
}

/// col2im at 18 as one Col2Im node for a float32 input (onnxruntime's kernel is float only),
/// otherwise the opset 9 form.
Result col2im18(Ctx &ctx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  auto out = ctx.constInts(1), k = ctx.constInts(2), dil = ctx.constInts(3), pad = ctx.constInts(4),
       st = ctx.constInts(5);
  auto r = rankOf(x);
  if (!out || !k || !dil || !pad || !st || !r || (*r != 2 && *r != 3) ||
      dtypeOf(x) != ScalarType::Float32)
    return col2im(ctx);
  auto ex = [](std::vector<int64_t> v) { return expandTo(std::move(v), 2); };
  *out = ex(*out), *k = ex(*k), *dil = ex(*dil), *pad = ex(*pad), *st = ex(*st);
  int64_t hp = (*out)[0] + 2 * (*pad)[0], wp = (*out)[1] + 2 * (*pad)[1];
  if ((hp - (*dil)[0] * ((*k)[0] - 1) - 1) / (*st)[0] + 1 <= 0 ||
      (wp - (*dil)[1] * ((*k)[1] - 1) - 1) / (*st)[1] + 1 <= 0)
    return ctx.error("the kernel does not fit the padded output");
  bool batched = *r == 3;
  ir::Value *y = b.op("Col2Im", {batched ? x : b.unsqueeze(x, {0}), b.int64s(*out), b.int64s(*k)},
                      {OnnxAttr::is("dilations", *dil),
                       OnnxAttr::is("pads", {(*pad)[0], (*pad)[1], (*pad)[0], (*pad)[1]}),
                       OnnxAttr::is("strides", *st)});
  return one(batched ? y : b.squeeze(y, {0}));
}

/// tensor_split / hsplit / vsplit / dsplit. `sections`: equal parts (the first N % n one
/// longer); else `indices`: the parts between them, with Python's slice bounds.
Result tensorSplitAt(Ctx &ctx, ir::Value *x, int64_t dim, std::optional<int64_t> sections,
                     std::optional<std::vector<int64_t>> indices, bool evenly) {
  OnnxBuilder &b = ctx.b;
  std::vector<ir::Value *> parts;
  if (sections) {
    auto dims = OnnxBuilder::dimsOf(x);
    if (!dims || !(*dims)[size_t(dim)].isStatic())
      return ctx.unsupported("splitting a dim of unknown size into sections");
    int64_t n = (*dims)[size_t(dim)].value;
    if (*sections <= 0)
      return ctx.error("number of sections must be larger than 0");
    if (evenly && n % *sections != 0)
      return ctx.error(fmt::format("the size {} is not divisible by {} sections", n, *sections));
    std::vector<int64_t> sizes;
    for (int64_t i = 0; i < *sections; ++i)
      sizes.push_back(n / *sections + (i < n % *sections ? 1 : 0));
    bool anyEmpty = false;
    for (int64_t s : sizes)
      anyEmpty |= s == 0;
    if (!anyEmpty)
      return one(tensorList(b, b.split(x, dim, sizes)));
    int64_t start = 0;
    for (int64_t s : sizes) {
      parts.push_back(b.slice(x, {start}, {start + s}, {dim}, {1}));
      start += s;
    }
    return one(tensorList(b, parts));
  }
  std::vector<int64_t> bounds = {0};
  bounds.insert(bounds.end(), indices->begin(), indices->end());
  for (size_t i = 0; i < bounds.size(); ++i) {
    int64_t end = i + 1 < bounds.size() ? bounds[i + 1] : kIntMax;
    parts.push_back(b.slice(x, {bounds[i]}, {end}, {dim}, {1}));
  }
  return one(tensorList(b, parts));
}

Result tensorSplit(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto d = ctx.constInt(2);
  auto r = rankOf(x);
  if (!d || !r)
    return ctx.unsupported("tensor_split with a non-constant dim or of unknown rank");
  int64_t dim = normalizeDim(*d, r);
  if (ctx.input(1)->type()->is(ir::TypeKind::List)) {
    auto idx = ctx.constInts(1);
    if (!idx)
      return ctx.unsupported("non-constant split indices");
    return tensorSplitAt(ctx, x, dim, std::nullopt, idx, false);
  }
  if (ctx.input(1)->type()->isTensor()) {
    auto c = OnnxBuilder::constInt64s(ctx.input(1));
    auto cr = rankOf(ctx.input(1));
    if (!c && cr == 0) {
      // Run-time sections: as many as the result is unpacked into.
      auto count = unpackedCount(ctx.node());
      if (!count)
        return ctx.unsupported("run-time sections whose pieces are not unpacked");
      return tensorSplitAt(ctx, x, dim, int64_t(*count), std::nullopt, false);
    }
    auto shape = OnnxBuilder::staticShapeOf(ctx.input(1));
    if (!c && shape && shape->size() == 1) {
      // Run-time indices of known count: one Slice per piece, its bounds gathered.
      if (ctx.b.opset() < 10)
        return ctx.unsupported("run-time split indices before opset 10");
      OnnxBuilder &b = ctx.b;
      ir::Value *t = ctx.input(1);
      if (dtypeOf(t) != ScalarType::Int64)
        t = b.cast(t, ScalarType::Int64);
      int64_t k = (*shape)[0];
      std::vector<ir::Value *> parts;
      for (int64_t i = 0; i <= k; ++i) {
        ir::Value *start = i == 0 ? b.int64s({0}) : b.slice(t, {i - 1}, {i}, {0}, {1});
        ir::Value *end = i == k ? b.int64s({kIntMax}) : b.slice(t, {i}, {i + 1}, {0}, {1});
        parts.push_back(b.op("Slice", {x, start, end, b.int64s({dim})}));
      }
      return one(tensorList(b, parts));
    }
    if (!c || !cr)
      return ctx.unsupported("split indices or sections given by a run-time tensor");
    if (*cr == 0)
      return tensorSplitAt(ctx, x, dim, (*c)[0], std::nullopt, false);
    return tensorSplitAt(ctx, x, dim, std::nullopt, *c, false);
  }
  auto n = ctx.constInt(1);
  if (!n)
    return ctx.unsupported("a non-constant number of sections");
  return tensorSplitAt(ctx, x, dim, *n, std::nullopt, false);
}

/// hsplit (dim 1, or 0 of a 1-D tensor), vsplit (dim 0, needs 2-D), dsplit (dim 2, needs 3-D).
Result directionalSplit(Ctx &ctx, char kind) {
  ir::Value *x = ctx.input(0);
  auto r = rankOf(x);
  if (!r)
    return ctx.unsupported("splitting a tensor of unknown rank");
  int64_t minRank = kind == 'h' ? 1 : kind == 'v' ? 2 : 3;
  if (*r < minRank)
    return ctx.error(fmt::format("requires a tensor with at least {} dimensions", minRank));
  int64_t dim = kind == 'h' ? (*r == 1 ? 0 : 1) : kind == 'v' ? 0 : 2;
  if (auto idx = ctx.constInts(1); idx && ctx.input(1)->type()->is(ir::TypeKind::List))
    return tensorSplitAt(ctx, x, dim, std::nullopt, idx, false);
  auto n = ctx.constInt(1);
  if (!n)
    return ctx.unsupported("non-constant sections or indices");
  return tensorSplitAt(ctx, x, dim, *n, std::nullopt, true);
}

Result tile(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  auto reps = ctx.constInts(1);
  auto r = rankOf(x);
  if (!reps || !r)
    return ctx.unsupported("tile with non-constant dims or of unknown rank");
  // Fewer reps than dims: leading 1s; more: leading dims of size 1 on x.
  std::vector<int64_t> full = *reps;
  if (int64_t(full.size()) < *r)
    full.insert(full.begin(), size_t(*r - int64_t(full.size())), 1);
  if (int64_t(full.size()) > *r)
    x = ctx.b.unsqueeze(x, iota(int64_t(full.size()) - *r));
  return one(ctx.b.op("Tile", {x, ctx.b.int64s(full)}));
}

/// The index of the source element of every output position of repeat_interleave: for
/// repeats r (1-D, int64) it is #{i : cumsum(r)[i] <= j} for output position j.
ir::Value *interleaveIndex(OnnxBuilder &b, ir::Value *reps) {
  ir::Value *ends = b.op("CumSum", {reps, b.int64Scalar(0)});
  ir::Value *total = b.reduce("ReduceSum", reps, {0}, false);
  ir::Value *pos = b.op("Range", {b.int64Scalar(0), total, b.int64Scalar(1)});
  ir::Value *le = b.op("Not", {b.op("Greater", {b.unsqueeze(ends, {0}), b.unsqueeze(pos, {1})})});
  return b.reduce("ReduceSum", b.cast(le, ScalarType::Int64), {1}, false);
}

Result repeatInterleave(Ctx &ctx) {
  OnnxBuilder &b = ctx.b;
  // aten::repeat_interleave.Tensor(repeats, output_size?): the indices themselves.
  bool onlyRepeats = ctx.numInputs() == 2;
  if (onlyRepeats) {
    if (b.opset() < 11)
      return ctx.unsupported(
          "repeat_interleave of a repeats tensor before opset 11 (CumSum, Range)");
    ir::Value *reps = b.cast(b.op("Reshape", {ctx.input(0), b.int64s({-1})}), ScalarType::Int64);
    return one(interleaveIndex(b, reps));
  }
  ir::Value *x = ctx.input(0);
  std::optional<int64_t> dim;
  if (!ctx.isNone(2)) {
    dim = ctx.constInt(2);
    if (!dim)
      return ctx.unsupported("a non-constant dim");
  }
  if (!dim) {
    x = b.op("Reshape", {x, b.int64s({-1})});
    dim = 0;
  }
  auto r = rankOf(x);
  if (!r)
    return ctx.unsupported("repeat_interleave of a tensor of unknown rank");
  if (*r == 0) {
    x = b.op("Reshape", {x, b.int64s({1})});
    r = 1;
  }
  int64_t d = normalizeDim(*dim, r);
  if (auto n = ctx.constInt(1)) {
    // Every element n times: a new dim after d tiled n times, merged into d.
    ir::Value *u = b.unsqueeze(x, {d + 1});
    std::vector<int64_t> reps(size_t(*r + 1), 1);
    reps[size_t(d + 1)] = *n;
    ir::Value *t = b.op("Tile", {u, b.int64s(reps)});
    ir::Value *shape = b.shape(x);
    std::vector<ir::Value *> parts;
    if (d > 0)
      parts.push_back(b.slice(shape, {0}, {d}, {0}, {1}));
    parts.push_back(b.int64s({-1}));
    if (d + 1 < *r)
      parts.push_back(b.slice(shape, {d + 1}, {*r}, {0}, {1}));
    return one(b.op("Reshape", {t, parts.size() == 1 ? parts[0] : b.concat(parts, 0)}));
  }
  if (b.opset() < 11)
    return ctx.unsupported(
        "repeat_interleave with a repeats tensor before opset 11 (CumSum, Range)");
  // A repeats tensor: one count per element along d (a single count applies to all).
  ir::Value *reps = b.cast(b.op("Reshape", {ctx.input(1), b.int64s({-1})}), ScalarType::Int64);
  reps = b.op("Expand", {reps, b.unsqueeze(b.dimSize(x, d), {0})});
  return one(b.gather(x, interleaveIndex(b, reps), d));
}

/// numpy_T / Tensor.T: the dims reversed.
Result numpyT(Ctx &ctx) {
  auto r = rankOf(ctx.input(0));
  if (!r)
    return ctx.unsupported(".T of a tensor of unknown rank");
  std::vector<int64_t> perm = iota(*r);
  std::reverse(perm.begin(), perm.end());
  return one(permuted(ctx.b, ctx.input(0), perm));
}

/// diagflat(x, offset): the flattened x on a diagonal of a square matrix.
Result diagflat(Ctx &ctx) {
  auto off = ctx.constInt(1);
  auto shape = OnnxBuilder::staticShapeOf(ctx.input(0));
  if (!off || !shape)
    return ctx.unsupported("diagflat with a non-constant offset or of unknown shape");
  int64_t n = 1;
  for (int64_t d : *shape)
    n *= d;
  ir::Value *flat = ctx.b.op("Reshape", {ctx.input(0), ctx.b.int64s({n})});
  OnnxBuilder::setTensorType(flat, dtypeOf(ctx.input(0)), std::vector<ir::Dim>{ir::Dim::known(n)});
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, diagEmbed(ctx, flat, *off, 0, 1));
  return one(out);
}

/// sum_to_size(self, size): summed over the leading dims size lacks and where size has 1.
Result sumToSize(Ctx &ctx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  auto size = ctx.constInts(1);
  auto shape = OnnxBuilder::staticShapeOf(x);
  if (!size || !shape)
    return ctx.unsupported("sum_to_size to a non-constant size or of unknown shape");
  int64_t lead = int64_t(shape->size()) - int64_t(size->size());
  if (lead < 0)
    return ctx.error("size has more dims than the tensor");
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < int64_t(size->size()); ++i)
    if ((*size)[size_t(i)] == 1 && (*shape)[size_t(lead + i)] != 1)
      axes.push_back(lead + i);
  if (axes.empty() && lead == 0)
    return one(x);
  // ReduceSum has no 8/16-bit or bool kernels: those sum in int32 and cast back (as torch wraps).
  auto t = dtypeOf(x);
  bool narrow = t && (*t == ScalarType::Bool || *t == ScalarType::UInt8 || *t == ScalarType::Int8 ||
                      *t == ScalarType::Int16);
  if (narrow)
    x = b.cast(x, ScalarType::Int32);
  if (!axes.empty())
    x = b.reduce("ReduceSum", x, axes, true);
  if (lead > 0)
    x = b.reduce("ReduceSum", x, iota(lead), false);
  return one(narrow ? b.cast(x, *t) : x);
}

} // namespace

void registerRearrange(SymbolicRegistry &r) {
  r.add("aten::flip", 10, flip);
  r.add("aten::fliplr", 10, [](Ctx &c) { return flipFixed(c, 1); });
  r.add("aten::flipud", 10, [](Ctx &c) { return flipFixed(c, 0); });
  r.add("aten::roll", 9, roll);
  r.add("aten::rot90", 10, rot90);
  addAll(r, {"aten::movedim", "aten::moveaxis"}, 9, movedim);
  r.add("aten::atleast_1d", 9, [](Ctx &c) { return atLeastOp(c, 1); });
  r.add("aten::atleast_2d", 9, [](Ctx &c) { return atLeastOp(c, 2); });
  r.add("aten::atleast_3d", 9, [](Ctx &c) { return atLeastOp(c, 3); });
  r.add("aten::hstack", 9, [](Ctx &c) { return stackFamily(c, 'h'); });
  r.add("aten::vstack", 9, [](Ctx &c) { return stackFamily(c, 'v'); });
  r.add("aten::dstack", 9, [](Ctx &c) { return stackFamily(c, 'd'); });
  r.add("aten::column_stack", 9, [](Ctx &c) { return stackFamily(c, 'c'); });
  r.add("aten::pixel_shuffle", 9, [](Ctx &c) { return pixelShuffle(c, true); });
  r.add("aten::pixel_unshuffle", 9, [](Ctx &c) { return pixelShuffle(c, false); });
  r.add("aten::unflatten", 9, unflatten);
  r.add("aten::diagonal", 9, diagonal);
  r.add("aten::diag", 9, diag);
  r.add("aten::diag_embed", 9, diagEmbedOp);
  r.add("aten::diagonal_scatter", 9, diagonalScatter);
  r.add("aten::kron", 9, kron);
  r.add("aten::tril_indices", 9, [](Ctx &c) { return triIndices(c, false); });
  r.add("aten::triu_indices", 9, [](Ctx &c) { return triIndices(c, true); });
  r.add("aten::unfold", 9, unfold);
  r.add("aten::im2col", 10, im2col);
  r.add("aten::col2im", 9, col2im);
  r.add("aten::col2im", 18, col2im18);
  r.add("aten::tensor_split", 9, tensorSplit);
  r.add("aten::hsplit", 9, [](Ctx &c) { return directionalSplit(c, 'h'); });
  r.add("aten::vsplit", 9, [](Ctx &c) { return directionalSplit(c, 'v'); });
  r.add("aten::dsplit", 9, [](Ctx &c) { return directionalSplit(c, 'd'); });
  r.add("aten::tile", 9, tile);
  r.add("aten::repeat_interleave", 9, repeatInterleave);
  r.add("aten::numpy_T", 9, numpyT);
  r.add("aten::diagflat", 9, diagflat);
  r.add("aten::sum_to_size", 9, sumToSize);
}

} // namespace ts2onnx::symbolics
