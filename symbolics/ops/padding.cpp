// Padding: constant_pad_nd, aten::pad and the reflection/replication pads as Pad. Pad's pads and
// value became inputs at 11; OnnxBuilder::pad makes that switch.
#include <cmath>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

/// torch's pad list (last dim first, begin/end pairs) as ONNX pads over all `rank` dims.
std::vector<int64_t> onnxPads(const std::vector<int64_t> &pad, int64_t rank) {
  std::vector<int64_t> pads(size_t(2 * rank), 0);
  for (size_t i = 0; i + 1 < pad.size() + 1 && i / 2 < size_t(rank); i += 2) {
    int64_t axis = rank - 1 - int64_t(i / 2);
    pads[size_t(axis)] = pad[i];
    pads[size_t(axis + rank)] = i + 1 < pad.size() ? pad[i + 1] : 0;
  }
  return pads;
}

Result padWith(Ctx &ctx, std::string_view mode, double value) {
  auto pad = ctx.constInts(1);
  if (!pad)
    return ctx.unsupported("a non-constant pad");
  auto r = rankOf(ctx.input(0));
  if (!r)
    return ctx.unsupported("padding a tensor of unknown rank");
  return one(ctx.b.pad(ctx.input(0), onnxPads(*pad, *r), mode, value));
}

Result constantPad(Ctx &ctx) {
  // aten::constant_pad_nd(self, pad, value=0)
  double v = ctx.numInputs() > 2 ? ctx.constFloat(2).value_or(NAN) : 0;
  if (std::isnan(v) && !(ctx.numInputs() > 2 && ctx.constFloat(2)))
    return ctx.unsupported("a non-constant pad value");
  return padWith(ctx, "constant", v);
}

/// Circular padding (_pad_circular, pad(mode='circular')): each padded dim becomes the Concat of
/// its last `begin` slices, itself and its first `end` slices (torch requires pads no larger
/// than the dim). Negative pads (cropping) are refused.
Result circularPad(Ctx &ctx) {
  auto pad = ctx.constInts(1);
  if (!pad)
    return ctx.unsupported("a non-constant pad");
  auto r = rankOf(ctx.input(0));
  if (!r)
    return ctx.unsupported("padding a tensor of unknown rank");
  if (pad->size() % 2 != 0 || int64_t(pad->size() / 2) > *r)
    return ctx.error("circular padding needs begin/end pairs for at most every dim");
  ir::Value *x = ctx.input(0);
  OnnxBuilder &b = ctx.b;
  for (size_t i = 0; i < pad->size(); i += 2) {
    int64_t axis = *r - 1 - int64_t(i / 2), begin = (*pad)[i], end = (*pad)[i + 1];
    if (begin < 0 || end < 0)
      return ctx.unsupported("circular padding with a negative pad");
    std::vector<ir::Value *> parts;
    if (begin > 0)
      parts.push_back(b.slice(x, {-begin}, {kIntMax}, {axis}, {1}));
    parts.push_back(x);
    if (end > 0)
      parts.push_back(b.slice(x, {0}, {end}, {axis}, {1}));
    if (parts.size() > 1)
      x = b.concat(parts, axis);
  }
  return one(x);
}

Result atenPad(Ctx &ctx) {
  // aten::pad(self, pad, mode="constant", value?)
  std::string mode = ctx.constString(2).value_or("constant");
  double v = ctx.numInputs() > 3 && !ctx.isNone(3) ? ctx.constFloat(3).value_or(0) : 0;
  if (mode == "constant")
    return padWith(ctx, "constant", v);
  if (mode == "reflect")
    return padWith(ctx, "reflect", 0);
  if (mode == "replicate")
    return padWith(ctx, "edge", 0);
  if (mode == "circular")
    return circularPad(ctx);
  return ctx.unsupported(fmt::format("padding mode '{}'", mode));
}

} // namespace

void registerPadding(SymbolicRegistry &r) {
  r.add("aten::constant_pad_nd", 9, constantPad);
  r.add("aten::pad", 9, atenPad);
  r.add("aten::_pad_circular", 9, circularPad);
  addAll(r, {"aten::reflection_pad1d", "aten::reflection_pad2d", "aten::reflection_pad3d"}, 9,
         [](Ctx &c) { return padWith(c, "reflect", 0); });
  addAll(r, {"aten::replication_pad1d", "aten::replication_pad2d", "aten::replication_pad3d"}, 9,
         [](Ctx &c) { return padWith(c, "edge", 0); });
}

} // namespace ts2onnx::symbolics
