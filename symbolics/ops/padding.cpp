// Padding: constant_pad_nd, aten::pad and the reflection/replication pads as Pad. Pad's pads and
// value became inputs at 11; OnnxBuilder::pad makes that switch. A pad list computed at run time
// (from x.size()) is gathered into Pad's pads input, from opset 11.
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

/// A pad list computed at run time (sizes from x.size()): from opset 11, Pad's pads input is
/// the list's elements gathered into ONNX order, dims it leaves out taking a 0 appended to it.
Result runtimePad(Ctx &ctx, std::string_view mode, double value, int64_t rank) {
  OnnxBuilder &b = ctx.b;
  if (b.opset() < 11)
    return ctx.unsupported("a pad computed at run time before opset 11 (needs opset 11)");
  std::optional<int64_t> n;
  if (ctx.input(1)->node()->kind() == ir::prim::ListConstruct)
    n = int64_t(ctx.input(1)->node()->inputs().size());
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * list, intList(ctx, 1));
  if (!n)
    if (auto d = OnnxBuilder::dimsOf(list); d && d->size() == 1 && (*d)[0].isStatic())
      n = (*d)[0].value;
  if (!n)
    return ctx.unsupported("a run-time pad list of unknown length");
  if (*n % 2 != 0 || *n / 2 > rank)
    return ctx.error(fmt::format("a pad list of {} elements for a rank-{} tensor", *n, rank));
  // Element 2i / 2i+1 pads the begin / end of dim rank-1-i; index n is the appended 0.
  std::vector<int64_t> idx(size_t(2 * rank), *n);
  for (int64_t i = 0; i < *n / 2; ++i) {
    idx[size_t(rank - 1 - i)] = 2 * i;
    idx[size_t(2 * rank - 1 - i)] = 2 * i + 1;
  }
  ir::Value *pads = b.gather(b.concat({list, b.int64s({0})}, 0), b.int64s(idx), 0);
  std::vector<ir::Value *> ins = {ctx.input(0), pads};
  if (mode == "constant" && value != 0)
    ins.push_back(b.scalarOf(value, dtypeOf(ctx.input(0)).value_or(ir::ScalarType::Float32)));
  return one(b.op("Pad", ins, {OnnxAttr::s("mode", std::string(mode))}));
}

/// Replicate padding with negative pads (crops): out[i] = in[clamp(i - begin, 0, L - 1)]. The
/// crops become a Slice that keeps at least one element, then an edge Pad with the rest; when a
/// crop would take everything, the one element left is repeated to the output's length (a
/// negative edge pad fails in onnxruntime). Needs the static size of each cropped dim.
Result edgePadNegative(Ctx &ctx, std::vector<int64_t> pads, int64_t rank) {
  ir::Value *x = ctx.input(0);
  auto dims = OnnxBuilder::dimsOf(x);
  std::vector<int64_t> starts, ends, axes, steps;
  for (int64_t a = 0; a < rank; ++a) {
    int64_t &begin = pads[size_t(a)], &end = pads[size_t(a + rank)];
    if (begin >= 0 && end >= 0)
      continue;
    const ir::Dim *d = dims ? &(*dims)[size_t(a)] : nullptr;
    if (!d || !d->isStatic())
      return ctx.unsupported("negative replicate padding of a dim of unknown size");
    const int64_t len = d->value, out = len + begin + end;
    if (out < 0 || len == 0)
      return ctx.error(fmt::format("replicate padding of a dim of {} to {}", len, out));
    int64_t start = std::min(std::max<int64_t>(-begin, 0), len - 1);
    int64_t stop = len - std::min(std::max<int64_t>(-end, 0), len - 1 - start);
    begin = std::max<int64_t>(begin, 0);
    end = std::max<int64_t>(end, 0);
    if (stop - start + begin + end != out) // one element left: it fills the output
      end = out - (stop - start) - begin;
    if (end < 0)
      return ctx.unsupported(fmt::format("replicate padding of a dim of {} to {}", len, out));
    starts.push_back(start);
    ends.push_back(stop);
    axes.push_back(a);
    steps.push_back(1);
  }
  ir::Value *y = ctx.b.slice(x, starts, ends, axes, steps);
  for (int64_t p : pads)
    if (p != 0)
      return one(ctx.b.pad(y, pads, "edge", 0));
  return one(y);
}

Result padWith(Ctx &ctx, std::string_view mode, double value) {
  auto r = rankOf(ctx.input(0));
  if (!r)
    return ctx.unsupported("padding a tensor of unknown rank");
  auto pad = ctx.constInts(1);
  if (!pad)
    return runtimePad(ctx, mode, value, *r);
  std::vector<int64_t> pads = onnxPads(*pad, *r);
  bool negative = false;
  for (int64_t p : pads)
    negative |= p < 0;
  if (negative && mode == "edge")
    return edgePadNegative(ctx, pads, *r);
  return one(ctx.b.pad(ctx.input(0), pads, mode, value));
}

Result constantPad(Ctx &ctx) {
  // aten::constant_pad_nd(self, pad, value=0)
  double v = ctx.numInputs() > 2 ? ctx.constFloat(2).value_or(NAN) : 0;
  if (std::isnan(v) && !(ctx.numInputs() > 2 && ctx.constFloat(2)))
    return ctx.unsupported("a non-constant pad value");
  return padWith(ctx, "constant", v);
}

/// Circular padding: per padded dim, the last `begin` elements in front and the first `end`
/// behind (Slice + Concat), dim by dim from the last as torch lists them; the wrap is separable,
/// so corners come out as torch's.
Result circularPad(Ctx &ctx) {
  auto pad = ctx.constInts(1);
  if (!pad)
    return ctx.unsupported("a non-constant circular pad");
  auto r = rankOf(ctx.input(0));
  if (!r)
    return ctx.unsupported("padding a tensor of unknown rank");
  if (pad->size() % 2 != 0 || int64_t(pad->size() / 2) > *r)
    return ctx.error(
        fmt::format("a pad list of {} elements for a rank-{} tensor", pad->size(), *r));
  OnnxBuilder &b = ctx.b;
  ir::Value *y = ctx.input(0);
  for (size_t i = 0; i < pad->size() / 2; ++i) {
    int64_t axis = *r - 1 - int64_t(i), begin = (*pad)[2 * i], end = (*pad)[2 * i + 1];
    if (begin < 0 || end < 0)
      return ctx.unsupported("negative circular padding");
    std::vector<ir::Value *> parts;
    if (begin > 0)
      parts.push_back(b.slice(y, {-begin}, {kIntMax}, {axis}, {1}));
    parts.push_back(y);
    if (end > 0)
      parts.push_back(b.slice(y, {0}, {end}, {axis}, {1}));
    y = b.concat(parts, axis);
  }
  return one(y);
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
