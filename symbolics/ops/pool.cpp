// Pooling: max_pool / avg_pool {1,2,3}d and adaptive pooling. Forms by opset: MaxPool and
// AveragePool gained ceil_mode (and MaxPool dilations) at 10; at 9, ceil_mode max pooling pads
// the end of static spatial dims instead, and the rest is refused. Unbatched inputs ((C, L),
// (C, H, W), ...) get a batch dim of 1 around the node. The indices of max_pool*_with_indices and
// adaptive_max_pool are MaxPool's second output made per (n, c) plane as torch's are; max_unpool
// is MaxUnpool with torch's per-plane indices made global again.
#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

/// torch's max pooling indices, flattened over the spatial dims of each (n, c) plane, from
/// MaxPool's, flattened over all of N, C and the spatial dims of `x`: the remainder of the
/// division by the plane's size (indices are non-negative, so Div's truncation is floor).
ir::Value *planeIndices(OnnxBuilder &b, ir::Value *x, ir::Value *flat, size_t spatial) {
  ir::Value *plane;
  if (auto dims = OnnxBuilder::staticShapeOf(x); dims && dims->size() == spatial + 2) {
    int64_t p = 1;
    for (size_t i = 2; i < dims->size(); ++i)
      p *= (*dims)[i];
    plane = b.int64Scalar(p);
  } else {
    plane = b.reduce("ReduceProd", b.slice(b.shape(x), {2}, {kIntMax}, {0}, {1}), {0}, false);
  }
  return b.op("Sub", {flat, b.op("Mul", {b.op("Div", {flat, plane}), plane})});
}

/// MaxPool of `x` with `attrs`; its indices too (per plane) when the aten node has a second
/// output that is used.
Result maxPoolNode(Ctx &ctx, ir::Value *x, const std::vector<OnnxAttr> &attrs, size_t spatial) {
  bool wantIndices = ctx.node().outputs().size() == 2 && ctx.node().output(1)->hasUses();
  ir::Node *n = ctx.b.node("MaxPool", {x}, attrs, wantIndices ? 2 : 1);
  std::vector<ir::Value *> outs = {n->output(0)};
  if (ctx.node().outputs().size() == 2)
    outs.push_back(wantIndices ? planeIndices(ctx.b, x, n->output(1), spatial) : nullptr);
  return outs;
}

/// max_pool{1,2,3}d; ceil_mode and dilations are attributes of MaxPool from opset 10 (`v10`).
Result maxPool(SymbolicContext &ctx, size_t spatial, bool v10) {
  // aten::max_pool{1,2,3}d(input, kernel_size, stride, padding, dilation, ceil_mode)
  auto k = ctx.constInts(1), s = ctx.constInts(2), p = ctx.constInts(3), d = ctx.constInts(4);
  auto ceil = ctx.constBool(5);
  if (!k || !s || !p || !d || !ceil)
    return ctx.unsupported("non-constant pooling parameters");
  *k = expandTo(*k, spatial);
  *s = s->empty() ? *k : expandTo(*s, spatial);
  *p = expandTo(*p, spatial);
  *d = expandTo(*d, spatial);
  bool dilated = false;
  for (int64_t x : *d)
    dilated |= x != 1;
  if (dilated && !v10)
    return ctx.unsupported("dilated max pooling at opset 9 (needs opset 10)");
  std::vector<int64_t> pads = *p;
  pads.insert(pads.end(), p->begin(), p->end());
  bool ceilAttr = *ceil;
  if (*ceil && !v10) {
    // Opset 9 has no ceil_mode: pad the end of each spatial dim so that floor division gives
    // torch's ceil output size (padding is ignored by MaxPool). Needs static spatial sizes.
    auto dims = OnnxBuilder::dimsOf(ctx.input(0));
    if (!dims || dims->size() < spatial)
      return ctx.unsupported("ceil_mode at opset 9 with an input of unknown rank (needs opset 10)");
    for (size_t i = 0; i < spatial; ++i) {
      const ir::Dim &dim = (*dims)[dims->size() - spatial + i];
      if (!dim.isStatic())
        return ctx.unsupported("ceil_mode at opset 9 on a dynamic spatial size (needs opset 10)");
      const int64_t len = dim.value, ki = (*k)[i], si = (*s)[i], pi = (*p)[i];
      if (si <= 0 || len + 2 * pi < ki)
        return ctx.unsupported("ceil_mode pooling with a window larger than its input");
      int64_t out = (len + 2 * pi - ki + si - 1) / si + 1;
      if ((out - 1) * si >= len + pi) // the last window must start inside the input
        --out;
      pads[spatial + i] += std::max<int64_t>(0, (out - 1) * si + ki - (len + 2 * pi));
    }
    ceilAttr = false;
  }
  std::vector<OnnxAttr> attrs = {OnnxAttr::is("kernel_shape", *k), OnnxAttr::is("strides", *s),
                                 OnnxAttr::is("pads", pads)};
  if (ceilAttr)
    attrs.push_back(OnnxAttr::i("ceil_mode", 1));
  if (dilated)
    attrs.push_back(OnnxAttr::is("dilations", *d));
  return withBatchDim(ctx, int64_t(spatial) + 2,
                      [&](ir::Value *x) -> Result { return maxPoolNode(ctx, x, attrs, spatial); });
}

/// avg_pool{1,2,3}d; ceil_mode is an attribute of AveragePool from opset 10.
Result avgPool(SymbolicContext &ctx, size_t spatial, bool ceilMode) {
  // aten::avg_pool{1,2,3}d(self, kernel_size, stride, padding, ceil_mode, count_include_pad,
  // divisor_override (2d/3d))
  auto k = ctx.constInts(1), s = ctx.constInts(2), p = ctx.constInts(3);
  auto ceil = ctx.constBool(4), countPad = ctx.constBool(5);
  if (!k || !s || !p || !ceil || !countPad)
    return ctx.unsupported("non-constant pooling parameters");
  if (ctx.numInputs() > 6 && !ctx.isNone(6))
    return ctx.unsupported("divisor_override");
  if (auto dt = dtypeOf(ctx.input(0)); dt && !ir::isFloatingType(*dt))
    return ctx.unsupported("average pooling of an integer tensor (torch truncates the mean; "
                           "AveragePool takes floats only)");
  *k = expandTo(*k, spatial);
  *s = s->empty() ? *k : expandTo(*s, spatial);
  *p = expandTo(*p, spatial);
  if (*ceil && !ceilMode)
    return ctx.unsupported("ceil_mode at opset 9 (needs opset 10)");
  std::vector<int64_t> pads = *p;
  pads.insert(pads.end(), p->begin(), p->end());
  bool anyPad = false;
  for (int64_t x : pads)
    anyPad |= x != 0;
  std::vector<OnnxAttr> attrs = {OnnxAttr::is("kernel_shape", *k), OnnxAttr::is("strides", *s),
                                 OnnxAttr::is("pads", pads)};
  if (*countPad && anyPad)
    attrs.push_back(OnnxAttr::i("count_include_pad", 1));
  if (*ceil)
    attrs.push_back(OnnxAttr::i("ceil_mode", 1));
  return withBatchDim(ctx, int64_t(spatial) + 2, [&](ir::Value *x) -> Result {
    return one(ctx.b.op("AveragePool", {x}, attrs));
  });
}

/// adaptive_{avg,max}_pool of `x` (batched): to 1 is the global pool; to sizes dividing the
/// (static) input sizes, a plain pool with kernel = stride = input / output; otherwise, per
/// spatial dim of static size L, output j reduces [floor(j*L/out), ceil((j+1)*L/out)) (torch's
/// windows) with one Slice + Reduce each, concatenated. Windows are products of per-dim ranges,
/// so reducing dim by dim gives the same max, and the same mean (every row of a window has as
/// many elements).
Result adaptivePoolOf(Ctx &ctx, ir::Value *x, std::vector<int64_t> size, size_t spatial,
                      bool isMax) {
  OnnxBuilder &b = ctx.b;
  bool global = true;
  for (int64_t s : size)
    global &= s == 1;
  bool wantIndices = isMax && ctx.node().outputs().size() == 2 && ctx.node().output(1)->hasUses();
  if (global && !wantIndices)
    return one(b.op(isMax ? "GlobalMaxPool" : "GlobalAveragePool", {x}));
  auto dims = OnnxBuilder::dimsOf(x);
  std::vector<int64_t> lens;
  bool divides = true;
  for (size_t i = 0; i < spatial; ++i) {
    const ir::Dim *d = dims && dims->size() == spatial + 2 ? &(*dims)[2 + i] : nullptr;
    if (!d || !d->isStatic())
      return ctx.unsupported(
          fmt::format("adaptive pooling to a size other than 1 of an input whose spatial size {} "
                      "is not static",
                      i));
    if (size[i] <= 0)
      return ctx.error(fmt::format("adaptive pooling to a size of {}", size[i]));
    lens.push_back(d->value);
    divides &= d->value % size[i] == 0;
  }
  if (divides) {
    std::vector<int64_t> k;
    for (size_t i = 0; i < spatial; ++i)
      k.push_back(lens[i] / size[i]);
    std::vector<OnnxAttr> attrs = {OnnxAttr::is("kernel_shape", k), OnnxAttr::is("strides", k)};
    if (isMax)
      return maxPoolNode(ctx, x, attrs, spatial);
    return one(b.op("AveragePool", {x}, attrs));
  }
  if (wantIndices)
    return ctx.unsupported("adaptive max pooling indices with an output size not dividing the "
                           "input size");
  ir::Value *y = x;
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t len = lens[i], out = size[i], axis = int64_t(2 + i);
    if (len == out)
      continue;
    std::vector<ir::Value *> parts;
    for (int64_t j = 0; j < out; ++j) {
      int64_t start = j * len / out, end = ((j + 1) * len + out - 1) / out;
      parts.push_back(b.reduce(isMax ? "ReduceMax" : "ReduceMean",
                               b.slice(y, {start}, {end}, {axis}, {1}), {axis}, true));
    }
    y = parts.size() == 1 ? parts[0] : b.concat(parts, axis);
  }
  std::vector<ir::Value *> outs = {y};
  if (ctx.node().outputs().size() == 2)
    outs.push_back(nullptr);
  return outs;
}

Result adaptivePool(Ctx &ctx, size_t spatial, bool isMax) {
  auto size = ctx.constInts(1);
  if (!size)
    return ctx.unsupported("a non-constant or partly None output size");
  *size = expandTo(*size, spatial);
  return withBatchDim(ctx, int64_t(spatial) + 2, [&](ir::Value *x) -> Result {
    TS2ONNX_ASSIGN_OR_RETURN(auto outs, adaptivePoolOf(ctx, x, *size, spatial, isMax));
    if (ctx.node().outputs().size() == 2 && outs.size() == 1)
      outs.push_back(nullptr);
    return outs;
  });
}

/// max_unpool{1,2,3}d(self, indices, output_size[, stride, padding]) as MaxUnpool, whose
/// indices are flattened over N, C and the output's spatial dims: torch's per-plane indices
/// plus (n * C + c) * prod(output_size). The plane number n * C + c is the index a 1x..1 MaxPool
/// gives on a [N, C, 1, ...] tensor.
Result maxUnpool(Ctx &ctx, size_t spatial) {
  OnnxBuilder &b = ctx.b;
  auto size = ctx.constInts(2);
  if (size && size->size() != spatial)
    return ctx.error(
        fmt::format("output_size of {} elements for {} spatial dims", size->size(), spatial));
  ir::Value *x = ctx.input(0), *idx = ctx.input(1);
  if (auto r = rankOf(x); r && *r != int64_t(spatial) + 2)
    return ctx.unsupported(fmt::format("max_unpool of a rank-{} input", *r));
  // output_size computed at run time (what tracing MaxUnpool records): its product in ONNX.
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * sizes, intList(ctx, 2));
  ir::Value *plane;
  if (size) {
    int64_t p = 1;
    for (int64_t s : *size)
      p *= s;
    plane = b.int64Scalar(p);
  } else {
    plane = b.reduce("ReduceProd", sizes, {0}, false);
  }
  ir::Value *nc = b.slice(b.shape(x), {0}, {2}, {0}, {1});
  std::vector<int64_t> ones(spatial, 1);
  ir::Value *planes0 = b.constantOfShape(b.concat({nc, b.int64s(ones)}, 0), 0, ScalarType::Float32);
  ir::Node *ids = b.node("MaxPool", {planes0},
                         {OnnxAttr::is("kernel_shape", ones), OnnxAttr::is("strides", ones)}, 2);
  ir::Value *global = b.op("Add", {idx, b.op("Mul", {ids->output(1), plane})});
  ir::Value *outShape = b.concat({nc, sizes}, 0);
  std::vector<int64_t> k(spatial, 1);
  ir::Value *y = b.op("MaxUnpool", {x, global, outShape}, {OnnxAttr::is("kernel_shape", k)});
  auto xd = OnnxBuilder::dimsOf(x);
  std::vector<ir::Dim> od = {xd ? (*xd)[0] : ir::Dim::unknown(),
                             xd ? (*xd)[1] : ir::Dim::unknown()};
  for (size_t i = 0; i < spatial; ++i)
    od.push_back(size ? ir::Dim::known((*size)[i]) : ir::Dim::unknown());
  OnnxBuilder::setTensorType(y, dtypeOf(x), od);
  return one(y);
}

} // namespace

void registerPool(SymbolicRegistry &r) {
  r.add("aten::max_pool1d", 9, [](Ctx &c) { return maxPool(c, 1, false); });
  r.add("aten::max_pool1d", 10, [](Ctx &c) { return maxPool(c, 1, true); });
  r.add("aten::max_pool2d", 9, [](Ctx &c) { return maxPool(c, 2, false); });
  r.add("aten::max_pool2d", 10, [](Ctx &c) { return maxPool(c, 2, true); });
  r.add("aten::max_pool3d", 9, [](Ctx &c) { return maxPool(c, 3, false); });
  r.add("aten::max_pool3d", 10, [](Ctx &c) { return maxPool(c, 3, true); });
  r.add("aten::max_pool1d_with_indices", 9, [](Ctx &c) { return maxPool(c, 1, false); });
  r.add("aten::max_pool1d_with_indices", 10, [](Ctx &c) { return maxPool(c, 1, true); });
  r.add("aten::max_pool2d_with_indices", 9, [](Ctx &c) { return maxPool(c, 2, false); });
  r.add("aten::max_pool2d_with_indices", 10, [](Ctx &c) { return maxPool(c, 2, true); });
  r.add("aten::max_pool3d_with_indices", 9, [](Ctx &c) { return maxPool(c, 3, false); });
  r.add("aten::max_pool3d_with_indices", 10, [](Ctx &c) { return maxPool(c, 3, true); });
  r.add("aten::avg_pool1d", 9, [](Ctx &c) { return avgPool(c, 1, false); });
  r.add("aten::avg_pool1d", 10, [](Ctx &c) { return avgPool(c, 1, true); });
  r.add("aten::avg_pool2d", 9, [](Ctx &c) { return avgPool(c, 2, false); });
  r.add("aten::avg_pool2d", 10, [](Ctx &c) { return avgPool(c, 2, true); });
  r.add("aten::avg_pool3d", 9, [](Ctx &c) { return avgPool(c, 3, false); });
  r.add("aten::avg_pool3d", 10, [](Ctx &c) { return avgPool(c, 3, true); });
  r.add("aten::adaptive_avg_pool1d", 9, [](Ctx &c) { return adaptivePool(c, 1, false); });
  r.add("aten::adaptive_avg_pool2d", 9, [](Ctx &c) { return adaptivePool(c, 2, false); });
  r.add("aten::adaptive_avg_pool3d", 9, [](Ctx &c) { return adaptivePool(c, 3, false); });
  r.add("aten::adaptive_max_pool1d", 9, [](Ctx &c) { return adaptivePool(c, 1, true); });
  r.add("aten::adaptive_max_pool2d", 9, [](Ctx &c) { return adaptivePool(c, 2, true); });
  r.add("aten::adaptive_max_pool3d", 9, [](Ctx &c) { return adaptivePool(c, 3, true); });
  r.add("aten::max_unpool2d", 9, [](Ctx &c) { return maxUnpool(c, 2); });
  r.add("aten::max_unpool3d", 9, [](Ctx &c) { return maxUnpool(c, 3); });
}

} // namespace ts2onnx::symbolics
