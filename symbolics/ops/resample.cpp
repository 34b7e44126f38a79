// Resampling: upsample_{nearest,linear,bilinear,trilinear,bicubic} and grid_sampler. Forms by
// opset: Upsample at 9 and Resize-10 (nearest only: neither has torch's half-pixel mapping);
// Resize-11 with roi / scales / sizes and coordinate_transformation_mode (half-pixel,
// align_corners, cubic); GridSample from 16.
#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

/// What an aten::upsample_* node asks for.
struct Interpolation {
  std::string mode; // nearest, linear, cubic
  bool alignCorners = false;
  size_t spatial = 0;
  std::optional<std::vector<double>> scales; // per spatial dim, when given as scales
  ir::Value *runtimeScales = nullptr;        // 1-D float32 spatial scales known at run time
  ir::Value *sizes = nullptr;                // 1-D int64 spatial output size, when given
};

/// A float[] input known at run time as a 1-D float32 tensor: ConcatFromSequence of a
/// sequence, Concat of a literal's elements.
absl::StatusOr<ir::Value *> runtimeScaleList(SymbolicContext &ctx, size_t i) {
  OnnxBuilder &b = ctx.b;
  ir::Value *l = ctx.input(i);
  ir::Value *out = nullptr;
  if (isSequence(l)) {
    out = b.op("ConcatFromSequence", {l}, {OnnxAttr::i("axis", 0), OnnxAttr::i("new_axis", 1)});
    OnnxBuilder::setTensorType(out, elementDtype(l), std::vector<ir::Dim>{ir::Dim::unknown()});
  } else if (l->node()->kind() == ir::prim::ListConstruct) {
    std::vector<ir::Value *> parts;
    for (ir::Value *e : l->node()->inputs()) {
      ir::Value *v = e;
      if (const ir::AttributeValue *a = ir::constantValue(e); a && !e->type()->isTensor()) {
        const double *d = a->getIf<double>();
        if (!d)
          return ctx.unsupported("a scale factor of type " + e->type()->str());
        v = b.floatScalar(*d, ScalarType::Float32);
      } else if (!e->type()->isTensor()) {
        return ctx.unsupported("a scale factor of type " + e->type()->str());
      }
      parts.push_back(b.unsqueeze(v, {0}));
    }
    out = b.concat(parts, 0);
  } else {
    return ctx.unsupported("scale factors of type " + l->type()->str());
  }
  if (dtypeOf(out) != ScalarType::Float32)
    out = b.cast(out, ScalarType::Float32);
  return out;
}

absl::StatusOr<Interpolation> interpolationArgs(SymbolicContext &ctx, std::string mode,
                                                size_t spatial, bool hasAlignCorners) {
  // upsample_*.vec(input, output_size?, [align_corners,] scale_factors?) and the legacy
  // upsample_*(self, output_size, [align_corners,] scales...?) forms.
  Interpolation it;
  it.mode = std::move(mode);
  it.spatial = spatial;
  size_t scalesIdx = 2;
  if (hasAlignCorners) {
    auto ac = ctx.constBool(2);
    if (!ac)
      return ctx.unsupported("a non-constant align_corners");
    it.alignCorners = *ac;
    scalesIdx = 3;
  }
  if (!ctx.isNone(1) && !(ctx.constInts(1) && ctx.constInts(1)->empty())) {
    TS2ONNX_ASSIGN_OR_RETURN(it.sizes, intList(ctx, 1));
    return it;
  }
  auto scales = ctx.numInputs() > scalesIdx ? ctx.constFloats(scalesIdx) : std::nullopt;
  if (!scales && ctx.numInputs() > scalesIdx && !ctx.isNone(scalesIdx)) {
    // Scale factors known at run time: a list built in a loop (scripted F.interpolate appends
    // scale_factor once per spatial dim; an ONNX sequence here) or of runtime floats.
    TS2ONNX_ASSIGN_OR_RETURN(it.runtimeScales, runtimeScaleList(ctx, scalesIdx));
    return it;
  }
  if (!scales || scales->empty())
    return ctx.unsupported("interpolation without a constant output size or scale factors");
  if (scales->size() == 1 && spatial > 1)
    scales->assign(spatial, (*scales)[0]);
  it.scales = *scales;
  return it;
}

/// Full-rank float scales [1, 1, s...] for Upsample-9 / Resize-10 (from the output size and the
/// input's shape when sizes were given).
ir::Value *fullScales(OnnxBuilder &b, ir::Value *x, const Interpolation &it) {
  std::vector<float> full = {1, 1};
  if (it.runtimeScales)
    return b.concat(
        {b.constant(ir::Tensor::fromVector(ScalarType::Float32, {2}, full)), it.runtimeScales}, 0);
  if (it.scales) {
    for (double s : *it.scales)
      full.push_back(float(s));
    return b.constant(ir::Tensor::fromVector(ScalarType::Float32, {int64_t(full.size())}, full));
  }
  auto sizes = OnnxBuilder::constInt64s(it.sizes);
  auto in = OnnxBuilder::staticShapeOf(x);
  if (sizes && in && in->size() == sizes->size() + 2) {
    for (size_t i = 0; i < sizes->size(); ++i)
      full.push_back(float(double((*sizes)[i]) / double((*in)[2 + i])));
    return b.constant(ir::Tensor::fromVector(ScalarType::Float32, {int64_t(full.size())}, full));
  }
  ir::Value *spatialIn = b.cast(b.slice(b.shape(x), {2}, {kIntMax}, {0}, {1}), ScalarType::Float32);
  ir::Value *ratio = b.op("Div", {b.cast(it.sizes, ScalarType::Float32), spatialIn});
  std::vector<float> ones = {1, 1};
  return b.concat({b.constant(ir::Tensor::fromVector(ScalarType::Float32, {2}, ones)), ratio}, 0);
}

Result upsample9(Ctx &ctx, const char *onnxOp, std::string mode, size_t spatial,
                 bool hasAlignCorners) {
  TS2ONNX_ASSIGN_OR_RETURN(auto it,
                           interpolationArgs(ctx, std::move(mode), spatial, hasAlignCorners));
  if (it.mode != "nearest")
    return ctx.unsupported(fmt::format("{} interpolation before opset 11 (Upsample/Resize then "
                                       "do not match torch's; use opset 11 or later)",
                                       it.mode));
  ir::Value *x = ctx.input(0);
  return one(ctx.b.op(onnxOp, {x, fullScales(ctx.b, x, it)}, {OnnxAttr::s("mode", "nearest")}));
}

Result resize10(SymbolicContext &ctx, std::string mode, size_t spatial, bool hasAlignCorners) {
  TS2ONNX_ASSIGN_OR_RETURN(auto it,
                           interpolationArgs(ctx, std::move(mode), spatial, hasAlignCorners));
  if (it.mode != "nearest")
    return ctx.unsupported(fmt::format("{} interpolation at opset 10 (Resize-10 has no "
                                       "half-pixel mapping; use opset 11 or later)",
                                       it.mode));
  ir::Value *x = ctx.input(0);
  return one(ctx.b.op("Resize", {x, fullScales(ctx.b, x, it)}, {OnnxAttr::s("mode", "nearest")}));
}

/// Resize from 11; with `antialias` (torch's _upsample_*_aa, opset 18's antialias attribute),
/// torch's filter is onnxruntime's with half_pixel, exclude_outside (taps outside the input
/// dropped and the weights renormalized) and, for bicubic, a = -0.5: measured equal in
/// onnxruntime for down- and upsampling and an output size 1, not with align_corners=True.
Result resize11(SymbolicContext &ctx, std::string mode, size_t spatial, bool hasAlignCorners,
                bool antialias = false) {
  TS2ONNX_ASSIGN_OR_RETURN(auto it,
                           interpolationArgs(ctx, std::move(mode), spatial, hasAlignCorners));
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  std::vector<OnnxAttr> attrs = {OnnxAttr::s("mode", it.mode)};
  if (antialias) {
    if (it.alignCorners)
      return ctx.unsupported("antialiased interpolation with align_corners=True (onnxruntime's "
                             "antialias does not match torch's there)");
    attrs.push_back(OnnxAttr::s("coordinate_transformation_mode", "half_pixel"));
    if (it.mode == "cubic")
      attrs.push_back(OnnxAttr::f("cubic_coeff_a", -0.5));
    attrs.push_back(OnnxAttr::i("exclude_outside", 1));
    attrs.push_back(OnnxAttr::i("antialias", 1));
  } else if (it.mode == "nearest") {
    attrs.push_back(OnnxAttr::s("coordinate_transformation_mode", "asymmetric"));
    attrs.push_back(OnnxAttr::s("nearest_mode", "floor"));
  } else {
    attrs.push_back(OnnxAttr::s("coordinate_transformation_mode",
                                it.alignCorners ? "align_corners" : "pytorch_half_pixel"));
    if (it.mode == "cubic")
      attrs.push_back(OnnxAttr::f("cubic_coeff_a", -0.75));
  }
  std::vector<float> none;
  ir::Value *empty = b.constant(ir::Tensor::fromVector(ScalarType::Float32, {0}, none));
  if (it.scales || it.runtimeScales)
    return one(b.op("Resize", {x, empty, fullScales(b, x, it)}, attrs));
  ir::Value *sizes = b.concat({b.slice(b.shape(x), {0}, {2}, {0}, {1}), it.sizes}, 0);
  ir::Value *emptyScales = b.constant(ir::Tensor::fromVector(ScalarType::Float32, {0}, none));
  return one(b.op("Resize", {x, empty, emptyScales, sizes}, attrs));
}

/// grid_sampler as GridSample: 2-D (4-D input) from 16; from 20 also 3-D (5-D input, torch's
/// bilinear being trilinear there), with the modes renamed linear / cubic.
/// torch's sampling positions along an axis of `n` steps in [-1, 1]: linspace(-1, 1, n), scaled
/// by (n - 1) / n without align_corners (pixel centres); 0 for one step.
std::vector<double> normalizedSteps(int64_t n, bool alignCorners) {
  std::vector<double> v(static_cast<size_t>(n), 0.0);
  if (n <= 1)
    return v;
  double step = 2.0 / static_cast<double>(n - 1);
  for (int64_t i = 0; i < n; ++i) {
    // As torch's linspace: from the start for the first half, from the end for the rest.
    double x = i < n / 2 ? -1.0 + step * static_cast<double>(i)
                         : 1.0 - step * static_cast<double>(n - 1 - i);
    v[static_cast<size_t>(i)] =
        alignCorners ? x : x * static_cast<double>(n - 1) / static_cast<double>(n);
  }
  return v;
}

Result affineGridGenerator(SymbolicContext &ctx) {
  // aten::affine_grid_generator(theta [N,2,3] or [N,3,4], size [N,C,H,W] or [N,C,D,H,W],
  // align_corners) -> grid [N,H,W,2] / [N,D,H,W,3]: the base grid of (x, y[, z], 1) per output
  // position, a constant, times theta transposed.
  auto size = ctx.constInts(1);
  auto align = ctx.constBool(2);
  if (!size || !align)
    return ctx.unsupported("a non-constant size or align_corners");
  if (size->size() != 4 && size->size() != 5)
    return ctx.error(fmt::format("affine_grid needs a size of 4 or 5 dims, got {}", size->size()));
  auto dtype = dtypeOf(ctx.input(0));
  if (!dtype || (*dtype != ir::ScalarType::Float32 && *dtype != ir::ScalarType::Float64))
    return ctx.unsupported("a theta that is not float32 or float64");
  // Spatial dims in torch's order (D,) H, W; the base grid's last axis is x (W), y (H), z (D), 1.
  std::vector<int64_t> spatial(size->begin() + 2, size->end());
  size_t k = spatial.size();
  int64_t count = 1;
  for (int64_t d : spatial) {
    if (d < 0 || d > (int64_t(1) << 24))
      return ctx.error(fmt::format("affine_grid size dim {} is out of range", d));
    count *= d;
  }
  if (count > (int64_t(1) << 26))
    return ctx.unsupported("a grid of more than 2^26 positions as a constant");
  std::vector<std::vector<double>> axes;
  for (int64_t d : spatial)
    axes.push_back(normalizedSteps(d, *align));
  std::vector<double> base;
  base.reserve(static_cast<size_t>(count) * (k + 1));
  std::vector<int64_t> at(k, 0);
  for (int64_t p = 0; p < count; ++p) {
    for (size_t a = 0; a < k; ++a) // x first: the last spatial dim
      base.push_back(axes[k - 1 - a][static_cast<size_t>(at[k - 1 - a])]);
    base.push_back(1.0);
    for (size_t a = k; a-- > 0;) {
      if (++at[a] < spatial[a])
        break;
      at[a] = 0;
    }
  }
  ir::Tensor grid = *dtype == ir::ScalarType::Float64
                        ? ir::Tensor::fromVector(*dtype, {count, int64_t(k + 1)}, base)
                        : ir::Tensor::fromVector(*dtype, {count, int64_t(k + 1)},
                                                 std::vector<float>(base.begin(), base.end()));
  ir::Value *thetaT =
      ctx.b.op("Transpose", {ctx.input(0)}, {OnnxAttr::is("perm", {0, 2, 1})}); // [N,k+1,k]
  ir::Value *points = ctx.b.op("MatMul", {ctx.b.constant(grid), thetaT});       // [N,count,k]
  std::vector<int64_t> shape = {-1};
  shape.insert(shape.end(), spatial.begin(), spatial.end());
  shape.push_back(int64_t(k));
  return one(ctx.b.op("Reshape", {points, ctx.b.int64s(shape)}));
}

Result gridSample(SymbolicContext &ctx, bool v20) {
  // aten::grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)
  auto mode = ctx.constInt(2), padding = ctx.constInt(3);
  auto align = ctx.constBool(4);
  if (!mode || !padding || !align)
    return ctx.unsupported("non-constant grid_sampler arguments");
  auto r = rankOf(ctx.input(0));
  if (v20 ? (!r || (*r != 4 && *r != 5)) : (r && *r != 4))
    return ctx.unsupported(
        v20 ? fmt::format("grid_sampler of an input of rank {}", r ? std::to_string(*r) : "unknown")
            : fmt::format("grid_sampler of a rank-{} input (GridSample is 2-D only before opset "
                          "20)",
                          *r));
  static const char *modes[] = {"bilinear", "nearest", "bicubic"};
  static const char *modes20[] = {"linear", "nearest", "cubic"};
  static const char *paddings[] = {"zeros", "border", "reflection"};
  if (*mode < 0 || *mode > 2 || *padding < 0 || *padding > 2)
    return ctx.unsupported(fmt::format("grid_sampler mode {} / padding {}", *mode, *padding));
  if (*r == 5 && *mode == 2)
    return ctx.error("bicubic interpolation only supports 4D input");
  return one(ctx.b.op("GridSample", {ctx.input(0), ctx.input(1)},
                      {OnnxAttr::s("mode", (v20 ? modes20 : modes)[*mode]),
                       OnnxAttr::s("padding_mode", paddings[*padding]),
                       OnnxAttr::i("align_corners", *align ? 1 : 0)}));
}

} // namespace

void registerResample(SymbolicRegistry &r) {
  r.add("aten::upsample_nearest1d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "nearest", 1, false); });
  r.add("aten::upsample_nearest1d", 10, [](Ctx &c) { return resize10(c, "nearest", 1, false); });
  r.add("aten::upsample_nearest1d", 11, [](Ctx &c) { return resize11(c, "nearest", 1, false); });
  r.add("aten::upsample_nearest2d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "nearest", 2, false); });
  r.add("aten::upsample_nearest2d", 10, [](Ctx &c) { return resize10(c, "nearest", 2, false); });
  r.add("aten::upsample_nearest2d", 11, [](Ctx &c) { return resize11(c, "nearest", 2, false); });
  r.add("aten::upsample_nearest3d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "nearest", 3, false); });
  r.add("aten::upsample_nearest3d", 10, [](Ctx &c) { return resize10(c, "nearest", 3, false); });
  r.add("aten::upsample_nearest3d", 11, [](Ctx &c) { return resize11(c, "nearest", 3, false); });
  r.add("aten::upsample_linear1d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "linear", 1, true); });
  r.add("aten::upsample_linear1d", 10, [](Ctx &c) { return resize10(c, "linear", 1, true); });
  r.add("aten::upsample_linear1d", 11, [](Ctx &c) { return resize11(c, "linear", 1, true); });
  r.add("aten::upsample_bilinear2d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "linear", 2, true); });
  r.add("aten::upsample_bilinear2d", 10, [](Ctx &c) { return resize10(c, "linear", 2, true); });
  r.add("aten::upsample_bilinear2d", 11, [](Ctx &c) { return resize11(c, "linear", 2, true); });
  r.add("aten::upsample_trilinear3d", 9,
        [](Ctx &c) { return upsample9(c, "Upsample", "linear", 3, true); });
  r.add("aten::upsample_trilinear3d", 10, [](Ctx &c) { return resize10(c, "linear", 3, true); });
  r.add("aten::upsample_trilinear3d", 11, [](Ctx &c) { return resize11(c, "linear", 3, true); });
  r.add("aten::upsample_bicubic2d", 11, [](Ctx &c) { return resize11(c, "cubic", 2, true); });
  r.add("aten::_upsample_bilinear2d_aa", 18,
        [](Ctx &c) { return resize11(c, "linear", 2, true, true); });
  r.add("aten::_upsample_bicubic2d_aa", 18,
        [](Ctx &c) { return resize11(c, "cubic", 2, true, true); });
  r.add("aten::affine_grid_generator", 9, affineGridGenerator);
  r.add("aten::grid_sampler", 16, [](Ctx &c) { return gridSample(c, false); });
  r.add("aten::grid_sampler", 20, [](Ctx &c) { return gridSample(c, true); });
  r.add("aten::grid_sampler_2d", 16, [](Ctx &c) { return gridSample(c, false); });
  r.add("aten::grid_sampler_2d", 20, [](Ctx &c) { return gridSample(c, true); });
  r.add("aten::grid_sampler_3d", 20, [](Ctx &c) { return gridSample(c, true); });
}

} // namespace ts2onnx::symbolics
