// Symbolics whose ONNX form changed at opset 16: the GridSample operator (grid_sample).
#include <fmt/format.h>

#include "symbolics/Helpers.h"
#include "symbolics/Opsets.h"

namespace ts2onnx::symbolics {

namespace {

shared::Result gridSample(SymbolicContext &ctx) {
  // aten::grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)
  auto mode = ctx.constInt(2), padding = ctx.constInt(3);
  auto align = ctx.constBool(4);
  if (!mode || !padding || !align)
    return ctx.unsupported("non-constant grid_sampler arguments");
  static const char *modes[] = {"bilinear", "nearest", "bicubic"};
  static const char *paddings[] = {"zeros", "border", "reflection"};
  if (*mode < 0 || *mode > 2 || *padding < 0 || *padding > 2)
    return ctx.unsupported(fmt::format("grid_sampler mode {} / padding {}", *mode, *padding));
  return one(
      ctx.b.op("GridSample", {ctx.input(0), ctx.input(1)},
               {OnnxAttr::s("mode", modes[*mode]), OnnxAttr::s("padding_mode", paddings[*padding]),
                OnnxAttr::i("align_corners", *align ? 1 : 0)}));
}

} // namespace

void registerOpset16(SymbolicRegistry &r) {
  r.add("aten::grid_sampler", 16, gridSample);
  r.add("aten::grid_sampler_2d", 16, gridSample);
}

} // namespace ts2onnx::symbolics
