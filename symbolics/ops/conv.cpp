// Convolutions: conv{1,2,3}d, conv_transpose{1,2,3}d and _convolution/convolution as Conv or
// ConvTranspose (one form from opset 9; padding='same'/'valid' become explicit pads).
#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

/// The spatial kernel size of a weight whose dims are known.
std::optional<std::vector<int64_t>> kernelOf(const ir::Value *w) {
  auto dims = OnnxBuilder::staticShapeOf(w);
  if (!dims || dims->size() < 3)
    return std::nullopt;
  return std::vector<int64_t>(dims->begin() + 2, dims->end());
}

struct ConvArgs {
  size_t stride, padding, dilation, groups;
  std::optional<size_t> transposed, outputPadding;
};

Result convolution(Ctx &ctx, const ConvArgs &a, size_t spatial, bool forceTransposed) {
  auto stride = ctx.constInts(a.stride), dilation = ctx.constInts(a.dilation);
  auto groups = ctx.constInt(a.groups);
  if (!stride || !dilation || !groups)
    return ctx.unsupported("non-constant stride/dilation/groups");
  bool transposed =
      forceTransposed || (a.transposed && ctx.constBool(*a.transposed).value_or(false));
  auto kernel = kernelOf(ctx.input(1));
  if (spatial == 0) // _convolution: the weight's rank tells
    spatial = kernel ? kernel->size() : std::max(stride->size(), dilation->size());
  *stride = expandTo(*stride, spatial);
  *dilation = expandTo(*dilation, spatial);
  std::vector<int64_t> pads;
  if (auto mode = ctx.constString(a.padding)) {
    if (*mode == "valid") {
      pads.assign(2 * spatial, 0);
    } else if (*mode == "same") {
      if (!kernel)
        return ctx.unsupported("padding='same' with a weight of unknown shape");
      pads.assign(2 * spatial, 0);
      for (size_t i = 0; i < spatial; ++i) {
        int64_t total = (*dilation)[i] * ((*kernel)[i] - 1);
        pads[i] = total / 2;
        pads[spatial + i] = total - total / 2;
      }
    } else {
      return ctx.unsupported(fmt::format("padding='{}'", *mode));
    }
  } else {
    auto padding = ctx.constInts(a.padding);
    if (!padding)
      return ctx.unsupported("non-constant padding");
    *padding = expandTo(*padding, spatial);
    pads = *padding;
    pads.insert(pads.end(), padding->begin(), padding->end());
  }
  // ConvTranspose's output_padding adds rows at the end of the output; torch's are the rows
  // the end padding would have cropped. The same output comes from cropping `padding -
  // output_padding` at the end (onnxruntime rejects output_padding >= stride, which torch takes
  // with dilation); only what exceeds the end padding stays an output_padding.
  std::vector<int64_t> outputPadding;
  if (transposed && a.outputPadding) {
    auto outPad = ctx.constInts(*a.outputPadding);
    if (!outPad)
      return ctx.unsupported("non-constant output_padding");
    *outPad = expandTo(*outPad, spatial);
    bool anyPad = false;
    for (size_t i = 0; i < outPad->size() && i < spatial; ++i) {
      int64_t crop = std::min(pads[spatial + i], (*outPad)[i]);
      pads[spatial + i] -= crop;
      (*outPad)[i] -= crop;
      anyPad |= (*outPad)[i] != 0;
    }
    if (anyPad)
      outputPadding = *outPad;
  }
  std::vector<OnnxAttr> attrs = {OnnxAttr::is("strides", *stride), OnnxAttr::is("pads", pads),
                                 OnnxAttr::is("dilations", *dilation),
                                 OnnxAttr::i("group", *groups)};
  if (kernel)
    attrs.push_back(OnnxAttr::is("kernel_shape", *kernel));
  if (!outputPadding.empty())
    attrs.push_back(OnnxAttr::is("output_padding", outputPadding));

  // An unbatched (C, spatial...) input gets a batch dim of 1 around the Conv, as torch does.
  // ONNX Conv takes floats only, and onnxruntime has no float64 Conv: an integer convolution
  // in float32 would round sums above 2^24, so it is refused.
  if (auto dt = dtypeOf(ctx.input(0)); dt && !ir::isFloatingType(*dt))
    return ctx.unsupported(fmt::format("a convolution of {} tensors (Conv takes floats only)",
                                       ir::scalarTypeName(*dt)));
  return withBatchDim(ctx, int64_t(spatial) + 2, [&](ir::Value *x) -> Result {
    std::vector<ir::Value *> ins = {x, ctx.input(1)};
    if (!ctx.isNone(2))
      ins.push_back(ctx.input(2));
    return one(ctx.b.op(transposed ? "ConvTranspose" : "Conv", ins, attrs));
  });
}

/// conv_tbc(input [T, B, Cin], weight [K, Cin, Cout], bias [Cout], pad): a 1-d convolution over
/// time with batch and channels after it; Conv on the transposed input and weight.
Result convTbc(Ctx &ctx) {
  auto pad = ctx.constInt(3);
  if (!pad)
    return ctx.unsupported("a non-constant pad");
  if (rankOf(ctx.input(0)) != std::optional<int64_t>(3))
    return ctx.unsupported("conv_tbc of an input not known to be 3-d");
  OnnxBuilder &b = ctx.b;
  ir::Value *x = b.op("Transpose", {ctx.input(0)}, {OnnxAttr::is("perm", {1, 2, 0})});
  ir::Value *w = b.op("Transpose", {ctx.input(1)}, {OnnxAttr::is("perm", {2, 1, 0})});
  ir::Value *y = b.op("Conv", {x, w, ctx.input(2)}, {OnnxAttr::is("pads", {*pad, *pad})});
  return one(b.op("Transpose", {y}, {OnnxAttr::is("perm", {2, 0, 1})}));
}

} // namespace

void registerConv(SymbolicRegistry &r) {
  const ConvArgs conv = {3, 4, 5, 6, std::nullopt, std::nullopt};
  r.add("aten::conv1d", 9, [conv](Ctx &c) { return convolution(c, conv, 1, false); });
  r.add("aten::conv2d", 9, [conv](Ctx &c) { return convolution(c, conv, 2, false); });
  r.add("aten::conv3d", 9, [conv](Ctx &c) { return convolution(c, conv, 3, false); });
  // conv_transpose{1,2,3}d(input, weight, bias, stride, padding, output_padding, groups,
  // dilation)
  const ConvArgs convT = {3, 4, 7, 6, std::nullopt, size_t(5)};
  r.add("aten::conv_transpose1d", 9, [convT](Ctx &c) { return convolution(c, convT, 1, true); });
  r.add("aten::conv_transpose2d", 9, [convT](Ctx &c) { return convolution(c, convT, 2, true); });
  r.add("aten::conv_transpose3d", 9, [convT](Ctx &c) { return convolution(c, convT, 3, true); });
  // _convolution / convolution(input, weight, bias, stride, padding, dilation, transposed,
  // output_padding, groups, ...)
  // _convolution_mode(input, weight, bias, stride, str padding, dilation, groups): scripted
  // convolutions with padding='same'/'valid'.
  r.add("aten::_convolution_mode", 9, [conv](Ctx &c) { return convolution(c, conv, 0, false); });
  const ConvArgs convFull = {3, 4, 5, 8, size_t(6), size_t(7)};
  addAll(r, {"aten::_convolution", "aten::convolution"}, 9,
         [convFull](Ctx &c) { return convolution(c, convFull, 0, false); });
  r.add("aten::conv_tbc", 9, convTbc);
}

} // namespace ts2onnx::symbolics
