// Symbolics whose ONNX form changed at opset 10: MaxPool/AveragePool gained ceil_mode (and
// MaxPool dilations), Slice takes starts/ends/axes/steps as inputs (runtime bounds, steps), and
// Resize replaced Upsample. select_scatter/slice_scatter (what remove-mutation makes of
// `x[i] = v` / `x[a:b] = v`) are Slice + Concat, so they start here too.
#include <limits>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/Helpers.h"
#include "symbolics/Opsets.h"

namespace ts2onnx::symbolics {

namespace {

using Result = shared::Result;
constexpr int64_t kIntMax = std::numeric_limits<int64_t>::max();

/// A constant or runtime int input as a 1-element int64 tensor (`dflt` for None).
absl::StatusOr<ir::Value *> bound(SymbolicContext &ctx, size_t i, int64_t dflt) {
  if (ctx.isNone(i))
    return ctx.b.int64s({dflt});
  if (auto c = ctx.constInt(i))
    return ctx.b.int64s({*c});
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, intScalar(ctx, i));
  return ctx.b.unsqueeze(v, {0});
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

Result slice10(SymbolicContext &ctx) {
  // aten::slice(self, dim, start?, end?, step)
  ir::Value *x = ctx.input(0);
  // aten::slice.t(list, start, end, step)
  if (ctx.node().inputs().size() == 4)
    return shared::intListSlice(ctx, /*runtimeBounds=*/true);
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

Result resize10(SymbolicContext &ctx, std::string mode, size_t spatial, bool hasAlignCorners) {
  TS2ONNX_ASSIGN_OR_RETURN(
      auto it, shared::interpolationArgs(ctx, std::move(mode), spatial, hasAlignCorners));
  if (it.mode != "nearest")
    return ctx.unsupported(fmt::format("{} interpolation at opset 10 (Resize-10 has no "
                                       "half-pixel mapping; use opset 11 or later)",
                                       it.mode));
  ir::Value *x = ctx.input(0);
  return one(
      ctx.b.op("Resize", {x, shared::fullScales(ctx.b, x, it)}, {OnnxAttr::s("mode", "nearest")}));
}

} // namespace

void registerOpset10(SymbolicRegistry &r) {
  r.add("aten::max_pool1d", 10, [](SymbolicContext &c) { return shared::maxPool(c, 1, true); });
  r.add("aten::max_pool2d", 10, [](SymbolicContext &c) { return shared::maxPool(c, 2, true); });
  r.add("aten::max_pool3d", 10, [](SymbolicContext &c) { return shared::maxPool(c, 3, true); });
  r.add("aten::max_pool2d_with_indices", 10,
        [](SymbolicContext &c) { return shared::maxPool(c, 2, true); });
  r.add("aten::avg_pool1d", 10, [](SymbolicContext &c) { return shared::avgPool(c, 1, true); });
  r.add("aten::avg_pool2d", 10, [](SymbolicContext &c) { return shared::avgPool(c, 2, true); });
  r.add("aten::avg_pool3d", 10, [](SymbolicContext &c) { return shared::avgPool(c, 3, true); });
  r.add("aten::slice", 10, slice10);
  // Constant bounds only: Slice (attributes at 9, inputs from 10) and Concat, from opset 9.
  r.add("aten::select_scatter", 9, selectScatter);
  r.add("aten::slice_scatter", 9, sliceScatter);
  r.add("aten::upsample_nearest1d", 10,
        [](SymbolicContext &c) { return resize10(c, "nearest", 1, false); });
  r.add("aten::upsample_nearest2d", 10,
        [](SymbolicContext &c) { return resize10(c, "nearest", 2, false); });
  r.add("aten::upsample_nearest3d", 10,
        [](SymbolicContext &c) { return resize10(c, "nearest", 3, false); });
  r.add("aten::upsample_linear1d", 10,
        [](SymbolicContext &c) { return resize10(c, "linear", 1, true); });
  r.add("aten::upsample_bilinear2d", 10,
        [](SymbolicContext &c) { return resize10(c, "linear", 2, true); });
  r.add("aten::upsample_trilinear3d", 10,
        [](SymbolicContext &c) { return resize10(c, "linear", 3, true); });
}

} // namespace ts2onnx::symbolics
