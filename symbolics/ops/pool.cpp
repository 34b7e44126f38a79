// Pooling: max_pool / avg_pool {1,2,3}d and adaptive pooling. Forms by opset: MaxPool and
// AveragePool gained ceil_mode (and MaxPool dilations) at 10; at 9, ceil_mode max pooling pads
// the end of static spatial dims instead, and the rest is refused.
#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

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
  ir::Node *n = ctx.b.node("MaxPool", {ctx.input(0)}, attrs, 1);
  std::vector<ir::Value *> outs = {n->output()};
  if (ctx.node().outputs().size() == 2) { // max_pool2d_with_indices: indices unsupported
    if (ctx.node().output(1)->hasUses())
      return ctx.unsupported("max pooling indices");
    outs.push_back(nullptr);
  }
  return outs;
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
  return one(ctx.b.op("AveragePool", {ctx.input(0)}, attrs));
}

/// adaptive_{avg,max}_pool: to 1 is the global pool; to a size dividing the (static) input size,
/// a plain pool with kernel = stride = input / output.
Result adaptivePool(Ctx &ctx, size_t spatial, bool isMax) {
  auto size = ctx.constInts(1);
  if (!size)
    return ctx.unsupported("a non-constant or partly None output size");
  *size = expandTo(*size, spatial);
  bool global = true;
  for (int64_t s : *size)
    global &= s == 1;
  ir::Value *x = ctx.input(0);
  ir::Value *out = nullptr;
  if (global) {
    out = ctx.b.op(isMax ? "GlobalMaxPool" : "GlobalAveragePool", {x});
  } else {
    auto dims = OnnxBuilder::dimsOf(x);
    if (!dims || dims->size() != spatial + 2)
      return ctx.unsupported("adaptive pooling to a size other than 1 of an input of unknown "
                             "spatial size");
    std::vector<int64_t> k;
    for (size_t i = 0; i < spatial; ++i) {
      const ir::Dim &d = (*dims)[2 + i];
      if (!d.isStatic() || (*size)[i] <= 0 || d.value % (*size)[i] != 0)
        return ctx.unsupported(fmt::format(
            "adaptive pooling of a dim of size {} to {} (only to divisors of static sizes)",
            d.isStatic() ? std::to_string(d.value) : std::string("?"), (*size)[i]));
      k.push_back(d.value / (*size)[i]);
    }
    out = ctx.b.op(isMax ? "MaxPool" : "AveragePool", {x},
                   {OnnxAttr::is("kernel_shape", k), OnnxAttr::is("strides", k)});
  }
  std::vector<ir::Value *> outs = {out};
  if (ctx.node().outputs().size() == 2) {
    if (ctx.node().output(1)->hasUses())
      return ctx.unsupported("adaptive max pooling indices");
    outs.push_back(nullptr);
  }
  return outs;
}

} // namespace

void registerPool(SymbolicRegistry &r) {
  r.add("aten::max_pool1d", 9, [](Ctx &c) { return maxPool(c, 1, false); });
  r.add("aten::max_pool1d", 10, [](Ctx &c) { return maxPool(c, 1, true); });
  r.add("aten::max_pool2d", 9, [](Ctx &c) { return maxPool(c, 2, false); });
  r.add("aten::max_pool2d", 10, [](Ctx &c) { return maxPool(c, 2, true); });
  r.add("aten::max_pool3d", 9, [](Ctx &c) { return maxPool(c, 3, false); });
  r.add("aten::max_pool3d", 10, [](Ctx &c) { return maxPool(c, 3, true); });
  r.add("aten::max_pool2d_with_indices", 9, [](Ctx &c) { return maxPool(c, 2, false); });
  r.add("aten::max_pool2d_with_indices", 10, [](Ctx &c) { return maxPool(c, 2, true); });
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
}

} // namespace ts2onnx::symbolics
