// Sorting: sort / argsort / msort, topk, kthvalue, median / nanmedian, and the unique family
// (unique, unique_dim, unique_consecutive), searchsorted / bucketize.
//
// Forms by opset: TopK takes largest/sorted from 11 (before it only the largest), so every sort
// is a TopK from 11. ONNX TopK breaks ties by the lower index, which is torch's stable order; a
// float sort adds a second TopK on the NaN flags so that NaNs come last (first when descending)
// as in torch, whatever TopK does with them. unique is ONNX Unique (11), always sorted;
// unique_consecutive is a Compress of where neighbours differ (11, CumSum).
#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

struct Sorted {
  ir::Value *values = nullptr;
  ir::Value *indices = nullptr;
};

/// TopK of `x` along `axis` with `k` (1-D int64 of one element), sorted; the outputs have x's
/// dims, the one along `axis` unknown unless `full`.
Sorted topK(OnnxBuilder &b, ir::Value *x, ir::Value *k, int64_t axis, bool largest,
            bool full = false) {
  ir::Node *n = b.node("TopK", {x, k},
                       {OnnxAttr::i("axis", axis), OnnxAttr::i("largest", largest ? 1 : 0),
                        OnnxAttr::i("sorted", 1)},
                       2);
  auto dims = OnnxBuilder::dimsOf(x);
  if (dims && !full && axis < int64_t(dims->size()))
    (*dims)[size_t(axis)] = ir::Dim::unknown();
  OnnxBuilder::setTensorType(n->output(0), OnnxBuilder::dtypeOf(x), dims);
  OnnxBuilder::setTensorType(n->output(1), ScalarType::Int64, dims);
  return {n->output(0), n->output(1)};
}

/// `v` typed with `t` and the dims of `like`.
ir::Value *shapedLike(ir::Value *v, std::optional<ScalarType> t, const ir::Value *like) {
  OnnxBuilder::setTensorType(v, t, OnnxBuilder::dimsOf(like));
  return v;
}

/// x sorted along `axis` in torch's order: stable, NaN above everything.
Sorted torchSort(OnnxBuilder &b, ir::Value *x, int64_t axis, bool descending) {
  ir::Value *n = b.unsqueeze(b.dimSize(x, axis), {0});
  auto t = OnnxBuilder::dtypeOf(x);
  if (t && !ir::isFloatingType(*t)) {
    if (*t == ScalarType::Bool) {
      Sorted s = topK(b, b.cast(x, ScalarType::Int32), n, axis, descending, true);
      return {b.cast(s.values, ScalarType::Bool), s.indices};
    }
    return topK(b, x, n, axis, descending, true);
  }
  // Sort with NaN as +inf, then (stably) by the NaN flag of what came out.
  ir::Value *nan = shapedLike(b.op("IsNaN", {x}), ScalarType::Bool, x);
  ScalarType dt = t.value_or(ScalarType::Float32);
  ir::Value *key = shapedLike(
      b.op("Where", {nan, b.scalarOf(std::numeric_limits<double>::infinity(), dt), x}), dt, x);
  Sorted first = topK(b, key, n, axis, descending, true);
  auto gatherAlong = [&](ir::Value *data, ir::Value *idx) {
    return shapedLike(b.op("GatherElements", {data, idx}, {OnnxAttr::i("axis", axis)}),
                      OnnxBuilder::dtypeOf(data), x);
  };
  ir::Value *flags = shapedLike(b.cast(gatherAlong(nan, first.indices), ScalarType::Float32),
                                ScalarType::Float32, x);
  Sorted second = topK(b, flags, n, axis, descending, true);
  ir::Value *idx = gatherAlong(first.indices, second.indices);
  return {gatherAlong(x, idx), idx};
}

/// torch picks among equal values by its selection algorithm (partial sort, nth_element,
/// quickselect) for topk / kthvalue / median; ONNX TopK takes the lowest index. Integer tensors
/// tie often, so their indices are refused when used; values are exact either way.
absl::Status tiesCheck(Ctx &ctx, ir::Value *x) {
  auto t = dtypeOf(x);
  if (t && !ir::isFloatingType(*t) && ctx.node().outputs().size() > 1 &&
      ctx.node().output(1)->hasUses())
    return ctx.unsupported("the indices of an integer tensor (torch's choice among equal values "
                           "follows its selection algorithm)");
  return absl::OkStatus();
}

absl::StatusOr<int64_t> dimArg(Ctx &ctx, size_t i, ir::Value *x) {
  auto d = ctx.constInt(i);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  auto r = rankOf(x);
  if (!r)
    return ctx.unsupported("sorting a tensor of unknown rank");
  if (*r == 0 && (*d == 0 || *d == -1))
    return 0;
  return normalizeDim(*d, r);
}

/// A 0-d tensor sorts to itself with index 0.
Result scalarSorted(Ctx &ctx, ir::Value *x) {
  return std::vector<ir::Value *>{x, ctx.b.int64Scalar(0)};
}

/// sort(self, dim, descending) and sort.stable(self, stable, dim, descending); argsort alike.
Result sort(Ctx &ctx, bool onlyIndices) {
  ir::Value *x = ctx.input(0);
  size_t base = ctx.numInputs() == 4 ? 2 : 1; // .stable has `stable` first
  TS2ONNX_ASSIGN_OR_RETURN(int64_t dim, dimArg(ctx, base, x));
  auto desc = ctx.constBool(base + 1);
  if (!desc)
    return ctx.unsupported("a non-constant descending");
  if (rankOf(x) == 0) {
    if (onlyIndices)
      return one(ctx.b.int64Scalar(0));
    return scalarSorted(ctx, x);
  }
  Sorted s = torchSort(ctx.b, x, dim, *desc);
  if (onlyIndices)
    return one(s.indices);
  return std::vector<ir::Value *>{s.values, s.indices};
}

Result msort(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  if (rankOf(x) == 0)
    return one(x);
  if (!rankOf(x))
    return ctx.unsupported("sorting a tensor of unknown rank");
  return one(torchSort(ctx.b, x, 0, false).values);
}

/// topk(self, k, dim, largest, sorted). sorted=False leaves the order to the implementation in
/// torch; ONNX returns it sorted, which is one of the orders torch may give.
Result topk(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  TS2ONNX_ASSIGN_OR_RETURN(int64_t dim, dimArg(ctx, 2, x));
  auto largest = ctx.constBool(3);
  if (!largest)
    return ctx.unsupported("a non-constant largest");
  if (rankOf(x) == 0)
    return scalarSorted(ctx, x);
  TS2ONNX_RETURN_IF_ERROR(tiesCheck(ctx, x));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * k, intScalar(ctx, 1));
  k = ctx.b.unsqueeze(k, {0});
  auto t = dtypeOf(x);
  if (t && ir::isFloatingType(*t)) {
    // NaN is the largest value in torch: take the first k of the full NaN-aware sort.
    Sorted s = torchSort(ctx.b, x, dim, *largest);
    ir::Value *axis = ctx.b.int64s({dim});
    return std::vector<ir::Value *>{ctx.b.op("Slice", {s.values, ctx.b.int64s({0}), k, axis}),
                                    ctx.b.op("Slice", {s.indices, ctx.b.int64s({0}), k, axis})};
  }
  Sorted s = topK(ctx.b, x, k, dim, *largest);
  return std::vector<ir::Value *>{s.values, s.indices};
}

/// Element `k` (0-d int64, 0-based) of the ascending torch sort along dim; squeezed unless
/// keepdim.
std::vector<ir::Value *> pick(OnnxBuilder &b, const Sorted &s, ir::Value *k, int64_t dim,
                              bool keepdim) {
  ir::Value *at = b.unsqueeze(k, {0});
  ir::Value *v = b.gather(s.values, at, dim), *i = b.gather(s.indices, at, dim);
  if (!keepdim)
    v = b.squeeze(v, {dim}), i = b.squeeze(i, {dim});
  return {v, i};
}

/// kthvalue(self, k, dim, keepdim): the k-th smallest.
Result kthvalue(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  TS2ONNX_ASSIGN_OR_RETURN(int64_t dim, dimArg(ctx, 2, x));
  auto keep = ctx.constBool(3);
  if (!keep)
    return ctx.unsupported("a non-constant keepdim");
  if (rankOf(x) == 0)
    return scalarSorted(ctx, x);
  TS2ONNX_RETURN_IF_ERROR(tiesCheck(ctx, x));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * k, intScalar(ctx, 1));
  Sorted s = torchSort(ctx.b, x, dim, false);
  return pick(ctx.b, s, ctx.b.op("Sub", {k, ctx.b.int64Scalar(1)}), dim, *keep);
}

/// median / nanmedian, over all elements (self) or along dim with indices (self, dim, keepdim):
/// the lower median of the ascending sort. median is NaN where a NaN is (torch then gives the
/// index of the first NaN in sorted order, which is where the sort puts it: position
/// count of non-NaN); nanmedian takes the lower median of the non-NaN elements.
Result median(Ctx &ctx, bool ignoreNan) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  bool all = ctx.numInputs() == 1;
  int64_t dim = 0;
  bool keep = false;
  if (all) {
    x = b.op("Reshape", {x, b.int64s({-1})});
  } else {
    TS2ONNX_ASSIGN_OR_RETURN(dim, dimArg(ctx, 1, x));
    auto k = ctx.constBool(2);
    if (!k)
      return ctx.unsupported("a non-constant keepdim");
    keep = *k;
    if (rankOf(x) == 0)
      return scalarSorted(ctx, x);
    TS2ONNX_RETURN_IF_ERROR(tiesCheck(ctx, x));
  }
  Sorted s = torchSort(b, x, dim, false);
  ir::Value *n = b.dimSize(x, dim);
  ir::Value *k;
  auto t = dtypeOf(x);
  bool isFloat = !t || ir::isFloatingType(*t);
  if (!isFloat) {
    k = b.op("Div", {b.op("Sub", {n, b.int64Scalar(1)}), b.int64Scalar(2)});
  } else {
    // Per slice: c = number of non-NaN; median at (c-1)/2 (nanmedian, and median without NaN),
    // the first NaN at c (median with NaN); all NaN: nanmedian's NaN at 0.
    ir::Value *nan = b.cast(b.op("IsNaN", {x}), ScalarType::Int64);
    ir::Value *nans = b.reduce("ReduceSum", nan, {dim}, true);
    ir::Value *c = b.op("Sub", {b.unsqueeze(n, {0}), nans});
    ir::Value *mid = b.op("Div", {b.op("Sub", {c, b.int64Scalar(1)}), b.int64Scalar(2)});
    // All NaN (c = 0): position 0 (Max of int64 needs opset 12).
    ir::Value *zero = b.int64Scalar(0);
    mid = b.op("Where", {b.op("Less", {mid, zero}), zero, mid});
    ir::Value *at =
        ignoreNan ? mid : b.op("Where", {b.op("Greater", {nans, b.int64Scalar(0)}), c, mid});
    // Gather per slice: GatherElements with the position broadcast along the other dims.
    auto kept = OnnxBuilder::dimsOf(x);
    if (kept)
      (*kept)[size_t(dim)] = ir::Dim::known(1);
    ir::Value *v = b.op("GatherElements", {s.values, at}, {OnnxAttr::i("axis", dim)});
    ir::Value *i = b.op("GatherElements", {s.indices, at}, {OnnxAttr::i("axis", dim)});
    OnnxBuilder::setTensorType(v, t, kept);
    OnnxBuilder::setTensorType(i, ScalarType::Int64, kept);
    if (!keep || all)
      v = b.squeeze(v, {dim}), i = b.squeeze(i, {dim});
    if (all)
      return one(v);
    return std::vector<ir::Value *>{v, i};
  }
  auto out = pick(b, s, k, dim, keep && !all);
  if (all)
    return one(out[0]);
  return out;
}

/// mode(self, dim, keepdim): the most frequent value along dim (the smallest of several), from
/// an all-pairs Equal; its index is the last occurrence, which is torch's for dims of up to 16
/// elements (its sort of (value, index) pairs is then an insertion sort); beyond that the
/// indices are refused when used.
Result mode(Ctx &ctx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  TS2ONNX_ASSIGN_OR_RETURN(int64_t dim, dimArg(ctx, 1, x));
  auto keep = ctx.constBool(2);
  if (!keep)
    return ctx.unsupported("a non-constant keepdim");
  auto dims = OnnxBuilder::dimsOf(x);
  if (!dims)
    return ctx.unsupported("mode of a tensor of unknown rank");
  if (dims->empty())
    return scalarSorted(ctx, x);
  int64_t rank = int64_t(dims->size());
  const ir::Dim &nd = (*dims)[size_t(dim)];
  if (ctx.node().output(1)->hasUses() && (!nd.isStatic() || nd.value > 16))
    return ctx.unsupported("the indices of mode along a dim of more than 16 (or unknown) "
                           "elements (torch's choice among equal values follows its sort)");
  ScalarType dt = dtypeOf(x).value_or(ScalarType::Float32);
  ir::Value *v = dt == ScalarType::Bool ? b.cast(x, ScalarType::Int32) : x;
  ScalarType vt = dt == ScalarType::Bool ? ScalarType::Int32 : dt;
  ir::Value *eq = b.op("Equal", {b.unsqueeze(v, {dim + 1}), b.unsqueeze(v, {dim})});
  ir::Value *count = b.reduce("ReduceSum", b.cast(eq, ScalarType::Int64), {dim + 1}, false);
  ir::Value *most = b.reduce("ReduceMax", count, {dim}, true);
  ir::Value *cand = b.op("Equal", {count, most});
  ir::Value *big;
  if (vt == ScalarType::Int64) {
    int64_t m = std::numeric_limits<int64_t>::max();
    big = b.constant(ir::Tensor::fromBytes(ScalarType::Int64, {}, &m));
  } else {
    double m = ir::isFloatingType(vt)    ? std::numeric_limits<double>::infinity()
               : vt == ScalarType::UInt8 ? 255.0
               : vt == ScalarType::Int8  ? 127.0
               : vt == ScalarType::Int16 ? 32767.0
                                         : double(std::numeric_limits<int32_t>::max());
    big = b.scalarOf(m, vt);
  }
  ir::Value *value = b.reduce("ReduceMin", b.op("Where", {cand, v, big}), {dim}, true);
  std::vector<int64_t> along(size_t(rank), 1);
  along[size_t(dim)] = -1;
  ir::Value *positions =
      b.op("Reshape", {b.op("Range", {b.int64Scalar(0), b.dimSize(x, dim), b.int64Scalar(1)}),
                       b.int64s(along)});
  ir::Value *at = b.op("Where", {b.op("Equal", {v, value}), positions, b.int64Scalar(-1)});
  ir::Value *index = b.reduce("ReduceMax", at, {dim}, true);
  if (!*keep)
    value = b.squeeze(value, {dim}), index = b.squeeze(index, {dim});
  if (dt == ScalarType::Bool)
    value = b.cast(value, ScalarType::Bool);
  return std::vector<ir::Value *>{value, index};
}

/// The three outputs of unique: values, inverse (x's shape), counts; those not asked for are
/// empty tensors as in torch.
Result unique(Ctx &ctx, bool withCounts, std::optional<size_t> dimInput) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  size_t first = dimInput ? 2 : 1;
  auto sorted = ctx.constBool(first);
  auto inverse = ctx.constBool(first + 1);
  auto counts = withCounts ? ctx.constBool(first + 2) : std::optional<bool>(false);
  if (!sorted || !inverse || !counts)
    return ctx.unsupported("non-constant unique flags");
  // unique_dim sorts whatever `sorted` says, and so does every torch for a bool input;
  // _unique2 / _unique with sorted=False of other dtypes return the order of torch 1.x's hash
  // table (torch 2.x on CPU sorts: measured with 2.9.1), and an archive does not say which torch
  // would run it.
  // (Of at most one element, every order is the same.)
  bool atMostOne = false;
  if (auto shape = OnnxBuilder::staticShapeOf(x)) {
    int64_t numel = 1;
    for (int64_t d : *shape)
      numel *= d;
    atMostOne = numel <= 1;
  }
  if (!*sorted && !dimInput && dtypeOf(x) != ScalarType::Bool && !atMostOne)
    return ctx.unsupported("unique with sorted=False (torch 1.x returns its hash table's order, "
                           "torch 2.x sorts)");
  std::vector<OnnxAttr> attrs = {OnnxAttr::i("sorted", 1)};
  std::optional<int64_t> dim;
  auto r = rankOf(x);
  if (dimInput) {
    auto d = ctx.constInt(*dimInput);
    if (!d || !r)
      return ctx.unsupported("unique with a non-constant dim or of unknown rank");
    dim = normalizeDim(*d, r);
    attrs.push_back(OnnxAttr::i("axis", *dim));
  }
  // onnxruntime has no bool Unique: through int8 (False < True kept).
  bool isBool = dtypeOf(x) == ScalarType::Bool;
  ir::Node *u = b.node("Unique", {isBool ? b.cast(x, ScalarType::Int8) : x}, attrs, 4);
  OnnxBuilder::setTensorType(u->output(0), isBool ? ScalarType::Int8 : dtypeOf(x),
                             unknownDims(dim ? r : std::optional<int64_t>(1)));
  for (size_t i = 1; i < 4; ++i)
    OnnxBuilder::setTensorType(u->output(i), ScalarType::Int64, unknownDims(1));
  ir::Value *inv =
      *inverse ? (dim ? u->output(2) : b.op("Reshape", {u->output(2), b.shape(x)}))
               : b.constant(ir::Tensor::fromVector(ScalarType::Int64, {0}, std::vector<int64_t>{}));
  std::vector<ir::Value *> outs = {isBool ? b.cast(u->output(0), ScalarType::Bool) : u->output(0),
                                   inv};
  if (withCounts)
    outs.push_back(*counts ? u->output(3)
                           : b.constant(ir::Tensor::fromVector(ScalarType::Int64, {0},
                                                               std::vector<int64_t>{})));
  return outs;
}

/// unique_consecutive(self, return_inverse, return_counts, dim?): the elements (or slices along
/// dim) that differ from their predecessor, by Compress; inverse = their running count - 1;
/// counts = the gaps between where runs start. Without dim, on the flattened tensor.
Result uniqueConsecutive(Ctx &ctx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  auto inv = ctx.constBool(1), cnt = ctx.constBool(2);
  if (!inv || !cnt)
    return ctx.unsupported("non-constant unique_consecutive flags");
  int64_t dim = 0, rank = 1;
  ir::Value *data;
  if (ctx.isNone(3)) {
    data = b.op("Reshape", {x, b.int64s({-1})});
  } else {
    auto d = ctx.constInt(3);
    auto r = rankOf(x);
    if (!d || !r || *r == 0)
      return ctx.unsupported("unique_consecutive with a non-constant dim or of unknown rank");
    dim = normalizeDim(*d, r), rank = *r;
    data = x;
  }
  ir::Value *n = b.unsqueeze(b.dimSize(data, dim), {0});
  ir::Value *prev = b.slice(data, {0}, {-1}, {dim}, {1});
  ir::Value *next = b.slice(data, {1}, {kIntMax}, {dim}, {1});
  ir::Value *differs = b.op("Not", {b.op("Equal", {next, prev})});
  if (rank > 1) { // a slice differs where any of its elements does
    std::vector<int64_t> others;
    for (int64_t i = 0; i < rank; ++i)
      if (i != dim)
        others.push_back(i);
    ir::Value *count = b.reduce("ReduceSum", b.cast(differs, ScalarType::Int64), others, false);
    differs = b.op("Greater", {count, b.int64Scalar(0)});
  }
  // The first element starts a run (when there is one); for n == 0 cut [false] back to n.
  ir::Value *starts = b.concat({b.op("Greater", {n, b.int64s({0})}), differs}, 0);
  starts = b.op("Slice", {starts, b.int64s({0}), n, b.int64s({0})});
  ir::Value *vals = b.op("Compress", {data, starts}, {OnnxAttr::i("axis", dim)});
  auto dims = OnnxBuilder::dimsOf(data);
  if (dims)
    (*dims)[size_t(dim)] = ir::Dim::unknown();
  OnnxBuilder::setTensorType(vals, dtypeOf(x), dims);
  std::vector<ir::Value *> outs = {vals, nullptr, nullptr};
  ir::Value *empty =
      b.constant(ir::Tensor::fromVector(ScalarType::Int64, {0}, std::vector<int64_t>{}));
  ir::Value *run = b.op("CumSum", {b.cast(starts, ScalarType::Int64), b.int64Scalar(0)});
  ir::Value *inverse = b.op("Sub", {run, b.int64Scalar(1)});
  outs[1] = !*inv ? empty : ctx.isNone(3) ? b.op("Reshape", {inverse, b.shape(x)}) : inverse;
  if (*cnt) {
    ir::Value *range = b.op("Range", {b.int64Scalar(0), b.squeeze(n, {0}), b.int64Scalar(1)});
    ir::Value *pos = b.op("Compress", {range, starts}, {OnnxAttr::i("axis", 0)});
    OnnxBuilder::setTensorType(pos, ScalarType::Int64, std::vector<ir::Dim>{ir::Dim::unknown()});
    ir::Value *ends = b.concat({b.slice(pos, {1}, {kIntMax}, {0}, {1}), n}, 0);
    outs[2] = b.op("Sub", {ends, pos});
  } else {
    outs[2] = empty;
  }
  return outs;
}

/// searchsorted(sorted_sequence, self, out_int32, right, side, sorter) and
/// bucketize(self, boundaries, out_int32, right): per value, how many of the sorted values lie
/// below it (<= with right): a comparison against every boundary, summed. NaN counts as above
/// everything, as in torch.
Result searchSorted(Ctx &ctx, bool bucketize) {
  OnnxBuilder &b = ctx.b;
  size_t seqIdx = bucketize ? 1 : 0, valIdx = bucketize ? 0 : 1;
  ir::Value *seq = ctx.input(seqIdx);
  auto outInt32 = ctx.constBool(2), right = ctx.constBool(3);
  if (!outInt32 || !right)
    return ctx.unsupported("non-constant out_int32 or right");
  bool r = *right;
  if (!bucketize) {
    if (!ctx.isNone(4)) {
      auto side = ctx.constString(4);
      if (!side)
        return ctx.unsupported("a non-constant side");
      r = *side == "right";
    }
    if (!ctx.isNone(5)) { // the sequence in sorted order
      if (b.opset() < 11)
        return ctx.unsupported("searchsorted with a sorter before opset 11 (GatherElements)");
      seq = b.op("GatherElements", {seq, ctx.input(5)}, {OnnxAttr::i("axis", -1)});
    }
  }
  auto seqRank = rankOf(ctx.input(seqIdx));
  auto st = dtypeOf(seq);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, asTensor(ctx, valIdx, st));
  if (st && dtypeOf(v) != st)
    v = b.cast(v, *st);
  auto vr = rankOf(v);
  if (!seqRank || !vr || *seqRank == 0)
    return ctx.unsupported("a sorted sequence or values of unknown rank");
  bool scalar = *vr == 0;
  if (scalar)
    v = b.op("Reshape", {v, b.int64s({1})}), vr = 1;
  ir::Value *bounds = b.unsqueeze(seq, {*seqRank - 1}); // [..., 1, m]
  ir::Value *vals = b.unsqueeze(v, {*vr});              // [..., k, 1]
  // right: boundaries <= v count (Not Greater: true for NaN); left: boundaries < v, or v NaN
  // (Equal and GreaterOrEqual of floats need opset 11 / 12).
  ir::Value *below;
  if (r) {
    below = b.op("Not", {b.op("Greater", {bounds, vals})});
  } else {
    below = b.op("Less", {bounds, vals});
    if (!st || ir::isFloatingType(*st))
      below = b.op("Or", {below, shapedLike(b.op("IsNaN", {vals}), ScalarType::Bool, vals)});
  }
  ir::Value *count = b.reduce("ReduceSum", b.cast(below, ScalarType::Int64), {*vr}, false);
  if (scalar)
    count = b.op("Reshape", {count, b.int64s({})});
  return one(*outInt32 ? b.cast(count, ScalarType::Int32) : count);
}

} // namespace

void registerSorting(SymbolicRegistry &r) {
  r.add("aten::sort", 11, [](Ctx &c) { return sort(c, false); });
  r.add("aten::argsort", 11, [](Ctx &c) { return sort(c, true); });
  r.add("aten::msort", 11, msort);
  r.add("aten::topk", 11, topk);
  r.add("aten::kthvalue", 11, kthvalue);
  r.add("aten::median", 11, [](Ctx &c) { return median(c, false); });
  r.add("aten::nanmedian", 11, [](Ctx &c) { return median(c, true); });
  r.add("aten::mode", 11, mode);
  r.add("aten::searchsorted", 9, [](Ctx &c) { return searchSorted(c, false); });
  r.add("aten::bucketize", 9, [](Ctx &c) { return searchSorted(c, true); });
  r.add("aten::_unique2", 11, [](Ctx &c) { return unique(c, true, std::nullopt); });
  r.add("aten::_unique", 11, [](Ctx &c) { return unique(c, false, std::nullopt); });
  r.add("aten::unique_dim", 11, [](Ctx &c) { return unique(c, true, size_t(1)); });
  r.add("aten::unique_consecutive", 11, uniqueConsecutive);
}

} // namespace ts2onnx::symbolics
