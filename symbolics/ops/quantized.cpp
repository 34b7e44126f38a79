// Quantized tensors and torch's quantized operators (eager-mode post-training quantization:
// torch.ao.quantization's converted modules), as ONNX integer ops that give torch's integers.
//
// A quantized tensor is its integers in ONNX (uint8 for quint8, int8 for qint8) with a static
// scale and zero point that OnnxBuilder::quantizationOf records per value. The forms compute
// what torch's QNNPACK kernels compute (checked integer for integer against torch 1.13, near
// rounding ties included); ONNX's QLinear* ops round some of those ties differently:
// - quantize_per_tensor (and cat's requantization): x times the float inverse of the scale,
//   rounded half to even (QuantizeLinear with scale 1), plus the zero point, saturated;
// - conv2d(_relu) / linear(_relu): ConvInteger / MatMulInteger (exact int32 accumulation; the
//   int8 weights of ConvInteger moved to uint8), plus the bias rounded to int32 at scale
//   x_scale * w_scale, times the float multiplier (w_scale * x_scale) * (1 / y_scale), rounded
//   half to even; ReLU as Max with the output zero point;
// - add(_relu): QNNPACK's fixed-point sum (integer multipliers at a power-of-two shift, rounded
//   half away from zero), in double where every step is exact;
// - dequantize: DequantizeLinear.
// FBGEMM (torch's x86 engine) rounds some ties differently, by one step of the output's scale;
// the archive does not say which engine made the reference outputs (docs/features.md).
// aten ops on quantized tensors are handled by to-onnx (quantizedAtenKind): data movement runs
// the op's own symbolic on the integers, ReLU runs on (integer - zero point) as floats, and
// quantizedAten gives the others torch's kernels: hardswish / hardsigmoid / sigmoid as lookup
// tables of the 256 outputs, global average pooling (adaptive_avg_pool2d to 1x1, mean over H
// and W) with QNNPACK's float scale, windowed avg_pool2d (the window's sum over kH * kW).
#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

ScalarType intsOf(ScalarType q) {
  return q == ScalarType::QInt8 ? ScalarType::Int8 : ScalarType::UInt8;
}

/// The quantization of a quantized input, or an error naming it.
absl::StatusOr<Quantization> inputQuantization(Ctx &ctx, size_t i) {
  if (const Quantization *q = ctx.b.quantizationOf(ctx.input(i)))
    return *q;
  return ctx.unsupported(fmt::format(
      "input {} (not a quantized tensor whose scale and zero point are known at conversion: "
      "quantize_per_tensor with constant parameters, or a quantized op's output)",
      i));
}

/// The 0-d zero point constant of `q`'s integer type.
ir::Value *zeroPoint(OnnxBuilder &b, const Quantization &q) {
  return b.scalarOf(double(q.zeroPoint), intsOf(q.dtype));
}

ir::Value *scaleOf(OnnxBuilder &b, double scale) { return b.floatScalar(float(scale)); }

/// Rounds `units` (a float tensor in units of the scale) half to even, adds the zero point and
/// saturates: QuantizeLinear with scale 1.
ir::Value *roundUnits(OnnxBuilder &b, ir::Value *units, const Quantization &q) {
  ir::Value *y = b.op("QuantizeLinear", {units, b.floatScalar(1.0), zeroPoint(b, q)});
  b.setQuantization(y, q);
  return y;
}

/// A float tensor quantized as torch quantizes: x times the float inverse of the scale, rounded
/// half to even, plus the zero point, saturated.
ir::Value *quantize(OnnxBuilder &b, ir::Value *x, const Quantization &q) {
  float inverse = 1.0f / float(q.scale);
  return roundUnits(b, b.op("Mul", {x, b.floatScalar(inverse)}), q);
}

ir::Value *dequantize(OnnxBuilder &b, ir::Value *x, const Quantization &q) {
  return b.op("DequantizeLinear", {x, scaleOf(b, q.scale), zeroPoint(b, q)});
}

absl::StatusOr<ScalarType> quantizedDtype(Ctx &ctx, size_t i) {
  std::optional<int64_t> code = ctx.constInt(i);
  if (code && *code == int64_t(ScalarType::QUInt8))
    return ScalarType::QUInt8;
  if (code && *code == int64_t(ScalarType::QInt8))
    return ScalarType::QInt8;
  return ctx.unsupported("a quantized dtype other than torch.quint8 or torch.qint8");
}

/// `q` when torch would accept it (a positive, finite float scale; a zero point in the integer
/// type's range), else the error naming it: an archive could hold anything.
absl::StatusOr<Quantization> valid(Ctx &ctx, Quantization q) {
  int64_t lo = q.dtype == ScalarType::QInt8 ? -128 : 0;
  int64_t hi = q.dtype == ScalarType::QInt8 ? 127 : 255;
  float scale = float(q.scale);
  if (!(scale > 0) || std::isinf(scale) || q.zeroPoint < lo || q.zeroPoint > hi)
    return ctx.unsupported(fmt::format("a quantization with scale {} and zero point {} (the "
                                       "scale must be positive and finite, the zero point in "
                                       "[{}, {}])",
                                       q.scale, q.zeroPoint, lo, hi));
  return q;
}

Result quantizePerTensor(Ctx &ctx) {
  // aten::quantize_per_tensor(Tensor self, float scale, int zero_point, ScalarType dtype)
  auto scale = ctx.constFloat(1);
  auto zp = ctx.constInt(2);
  if (!scale || !zp)
    return ctx.unsupported("a scale or zero point not known at conversion");
  TS2ONNX_ASSIGN_OR_RETURN(ScalarType dtype, quantizedDtype(ctx, 3));
  TS2ONNX_ASSIGN_OR_RETURN(Quantization q, valid(ctx, Quantization{*scale, *zp, dtype}));
  ir::Value *x = ctx.input(0);
  if (dtypeOf(x) && *dtypeOf(x) != ScalarType::Float32)
    x = ctx.b.cast(x, ScalarType::Float32);
  return {{quantize(ctx.b, x, q)}};
}

Result dequantizeOp(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(Quantization q, inputQuantization(ctx, 0));
  return {{dequantize(ctx.b, ctx.input(0), q)}};
}

/// A quantized weight made by freeze: aten::_make_per_{tensor,channel}_quantized_tensor of
/// constant integers.
struct Weight {
  ir::Value *ints = nullptr;       // int8 constant
  std::vector<double> scales;      // one, or one per output channel
  std::vector<int64_t> zeroPoints; // as scales
  std::vector<int64_t> sizes;
};

/// `w` when every scale and zero point is one torch accepts for a qint8 weight.
absl::StatusOr<Weight> checkedWeight(Ctx &ctx, Weight w) {
  for (size_t i = 0; i < w.scales.size(); ++i)
    TS2ONNX_RETURN_IF_ERROR(
        valid(ctx, Quantization{w.scales[i], w.zeroPoints[i], ScalarType::QInt8}).status());
  return w;
}

absl::StatusOr<Weight> weightOf(Ctx &ctx, ir::Value *w) {
  const ir::Node *make = w->node();
  std::string_view k = make->kind().qualString();
  auto fail = [&](std::string_view why) { return ctx.unsupported(why); };
  if (k != "aten::_make_per_tensor_quantized_tensor" &&
      k != "aten::_make_per_channel_quantized_tensor")
    return fail("a packed weight that is not a quantized constant");
  const ir::AttributeValue *ints = ir::constantValue(make->input(0));
  const ir::Tensor *t = ints ? ints->getIf<ir::Tensor>() : nullptr;
  if (!t || t->dtype() != ScalarType::Int8)
    return fail("a packed weight that is not a constant qint8 tensor");
  Weight out;
  out.ints = make->input(0);
  out.sizes = t->sizes();
  if (k == "aten::_make_per_tensor_quantized_tensor") {
    const ir::AttributeValue *s = ir::constantValue(make->input(1));
    std::optional<int64_t> zp = ir::constantInt(make->input(2));
    if (!s || !s->getIf<double>() || !zp)
      return fail("a per-tensor weight quantization not known at conversion");
    out.scales = {s->get<double>()};
    out.zeroPoints = {*zp};
    return checkedWeight(ctx, std::move(out));
  }
  const ir::AttributeValue *s = ir::constantValue(make->input(1));
  const ir::AttributeValue *z = ir::constantValue(make->input(2));
  std::optional<int64_t> axis = ir::constantInt(make->input(3));
  const ir::Tensor *st = s ? s->getIf<ir::Tensor>() : nullptr;
  const ir::Tensor *zt = z ? z->getIf<ir::Tensor>() : nullptr;
  if (!st || !zt || !axis || *axis != 0 || t->sizes().empty() || st->numel() != t->sizes()[0] ||
      zt->numel() != st->numel())
    return fail("a per-channel weight quantization other than one scale per output channel");
  for (int64_t i = 0; i < st->numel(); ++i) {
    out.scales.push_back(st->doubleAt(i));
    out.zeroPoints.push_back(zt->intAt(i));
  }
  return checkedWeight(ctx, std::move(out));
}

/// The inputs of the `quantized::*_prepack` node that made the packed parameters.
absl::StatusOr<const ir::Node *> prepackOf(Ctx &ctx, size_t i, std::string_view op) {
  const ir::Node *p = ctx.input(i)->node();
  if (p->kind().qualString() != op)
    return ctx.unsupported(fmt::format("packed parameters not made by {} from constants", op));
  return p;
}

/// The float bias rounded to int32 at scale x_scale * w_scale (per channel), as torch's
/// quantized kernels round it; nullopt without a bias.
absl::StatusOr<std::optional<ir::Tensor>> int32Bias(Ctx &ctx, ir::Value *bias, const Weight &w,
                                                    double xScale, int64_t channels) {
  if (bias->type()->is(ir::TypeKind::None))
    return std::optional<ir::Tensor>();
  const ir::AttributeValue *a = ir::constantValue(bias);
  const ir::Tensor *b = a ? a->getIf<ir::Tensor>() : nullptr;
  if (!b || b->numel() != channels)
    return ctx.unsupported("a bias that is not a constant with one value per output channel");
  std::vector<int32_t> q(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    float s = float(xScale) * float(w.scales.size() == 1 ? w.scales[0] : w.scales[size_t(c)]);
    double v = std::nearbyint(double(float(b->doubleAt(c)) * (1.0f / s)));
    if (!(std::fabs(v) < 2147483647.0))
      return ctx.unsupported("a bias too large for int32 at the input and weight scales");
    q[size_t(c)] = int32_t(v);
  }
  return std::optional<ir::Tensor>(ir::Tensor::fromVector(ScalarType::Int32, {channels}, q));
}

/// The requantization multiplier of an int32 accumulator, per output channel (one value when
/// the weight has one scale), as torch's QNNPACK kernels compute it in float:
/// (w_scale * x_scale) * (1 / y_scale). (x_scale * w_scale / y_scale, ONNX's QLinearConv and
/// QLinearMatMul, differs in the last bit for some scales, and the rounding then differs where
/// the product lands near a half.) `shape` is the constant's shape when per channel.
ir::Value *multipliers(OnnxBuilder &b, const Weight &w, double xScale, double yScale,
                       const std::vector<int64_t> &shape) {
  float inverse = 1.0f / float(yScale);
  std::vector<float> m;
  for (double s : w.scales)
    m.push_back((float(s) * float(xScale)) * inverse);
  if (m.size() == 1)
    return b.floatScalar(m[0]);
  return b.constant(ir::Tensor::fromVector(ScalarType::Float32, shape, m));
}

/// The weight zero point when every channel has the same one (the integer ops' weight zero
/// point is one value; torch's symmetric per-channel observers give 0 everywhere).
absl::StatusOr<int64_t> commonZeroPoint(Ctx &ctx, const Weight &w) {
  for (int64_t z : w.zeroPoints)
    if (z != w.zeroPoints[0])
      return ctx.unsupported("per-channel weight zero points that differ between channels");
  return w.zeroPoints[0];
}

/// ReLU fused into a quantized op: the integers clamped below at the output zero point.
ir::Value *fusedRelu(OnnxBuilder &b, ir::Value *y, const Quantization &q) {
  int64_t lowest = q.dtype == ScalarType::QInt8 ? -128 : 0;
  if (q.zeroPoint <= lowest)
    return y; // saturation already clamps there
  ir::Value *r = b.op("Max", {y, zeroPoint(b, q)});
  b.setQuantization(r, q);
  return r;
}

absl::StatusOr<Quantization> outputQuantization(Ctx &ctx, size_t scaleIdx, ScalarType dtype) {
  auto scale = ctx.constFloat(scaleIdx);
  auto zp = ctx.constInt(scaleIdx + 1);
  if (!scale || !zp)
    return ctx.unsupported("an output scale or zero point not known at conversion");
  return valid(ctx, Quantization{*scale, *zp, dtype});
}

/// What quantized conv2d and linear read: the input's and output's quantizations, the packed
/// weight (of `weightRank` dims) and the bias rounded to int32, from the `prepackOp` node.
struct PackedOperands {
  Quantization qx, qy;
  const ir::Node *pack = nullptr;
  Weight w;
  std::optional<ir::Tensor> bias;
  int64_t wZero = 0;
};

absl::StatusOr<PackedOperands> packedOperands(Ctx &ctx, std::string_view prepackOp,
                                              size_t weightRank) {
  PackedOperands p;
  TS2ONNX_ASSIGN_OR_RETURN(p.qx, inputQuantization(ctx, 0));
  if (p.qx.dtype != ScalarType::QUInt8)
    return ctx.unsupported("a qint8 input (torch's quantized kernels take quint8)");
  TS2ONNX_ASSIGN_OR_RETURN(p.pack, prepackOf(ctx, 1, prepackOp));
  TS2ONNX_ASSIGN_OR_RETURN(p.w, weightOf(ctx, p.pack->input(0)));
  if (p.w.sizes.size() != weightRank)
    return ctx.unsupported(fmt::format("a weight that is not {}-d", weightRank));
  TS2ONNX_ASSIGN_OR_RETURN(p.qy, outputQuantization(ctx, 2, ScalarType::QUInt8));
  TS2ONNX_ASSIGN_OR_RETURN(p.bias, int32Bias(ctx, p.pack->input(1), p.w, p.qx.scale, p.w.sizes[0]));
  TS2ONNX_ASSIGN_OR_RETURN(p.wZero, commonZeroPoint(ctx, p.w));
  return p;
}

Result conv2d(Ctx &ctx, bool relu) {
  // quantized::conv2d(_relu).new(Tensor qx, Conv2dPackedParamsBase packed_weight,
  //                               float output_scale, int output_zero_point)
  if (ctx.numInputs() != 4)
    return ctx.unsupported("the old form with stride/padding arguments");
  // quantized::conv2d_prepack(Tensor weight, Tensor? bias, int[] stride, int[] padding,
  //                           int[] dilation, int groups)
  TS2ONNX_ASSIGN_OR_RETURN(PackedOperands p, packedOperands(ctx, "quantized::conv2d_prepack", 4));
  const ir::Node *pack = p.pack;
  const Weight &w = p.w;
  auto intList = [](const ir::Value *v) -> std::optional<std::vector<int64_t>> {
    if (const ir::AttributeValue *a = ir::constantValue(v))
      if (auto *l = a->getIf<std::vector<int64_t>>())
        return *l;
    return std::nullopt;
  };
  std::optional<std::vector<int64_t>> stride = intList(pack->input(2)),
                                      padding = intList(pack->input(3)),
                                      dilation = intList(pack->input(4));
  std::optional<int64_t> groups = ir::constantInt(pack->input(5));
  if (!stride || !padding || !dilation || !groups)
    return ctx.unsupported("convolution parameters not known at conversion");
  *stride = expandTo(*stride, 2);
  *padding = expandTo(*padding, 2);
  *dilation = expandTo(*dilation, 2);
  const Quantization &qx = p.qx;
  Quantization qy = p.qy;
  qy.maybeChannelsLast = true; // torch's quantized convolutions write NHWC
  const std::optional<ir::Tensor> &bias = p.bias;
  int64_t channels = w.sizes[0], wZero = p.wZero;
  OnnxBuilder &b = ctx.b;
  // ConvInteger takes uint8 weights (onnxruntime has no int8-weight kernel): the int8
  // integers + 128, with the zero point moved alike, give the same products exactly.
  const ir::Tensor &ints = ir::constantValue(w.ints)->get<ir::Tensor>(); // checked by weightOf
  std::vector<uint8_t> shifted(size_t(ints.numel()));
  for (int64_t i = 0; i < ints.numel(); ++i)
    shifted[size_t(i)] = uint8_t(ints.intAt(i) + 128);
  ir::Value *wU8 = b.constant(ir::Tensor::fromVector(ScalarType::UInt8, w.sizes, shifted));
  std::vector<int64_t> pads = {(*padding)[0], (*padding)[1], (*padding)[0], (*padding)[1]};
  ir::Value *acc = b.op(
      "ConvInteger",
      {ctx.input(0), wU8, zeroPoint(b, qx), b.scalarOf(double(wZero + 128), ScalarType::UInt8)},
      {OnnxAttr::is("kernel_shape", {w.sizes[2], w.sizes[3]}), OnnxAttr::is("strides", *stride),
       OnnxAttr::is("pads", pads), OnnxAttr::is("dilations", *dilation),
       OnnxAttr::i("group", *groups)});
  if (bias) {
    ir::Tensor perChannel = ir::Tensor::fromVector(
        ScalarType::Int32, {channels, 1, 1},
        std::vector<int32_t>(reinterpret_cast<const int32_t *>(bias->data()),
                             reinterpret_cast<const int32_t *>(bias->data()) + channels));
    acc = b.op("Add", {acc, b.constant(perChannel)});
  }
  ir::Value *units = b.op("Mul", {b.cast(acc, ScalarType::Float32),
                                  multipliers(b, w, qx.scale, qy.scale, {channels, 1, 1})});
  ir::Value *y = roundUnits(b, units, qy);
  return {{relu ? fusedRelu(b, y, qy) : y}};
}

Result linear(Ctx &ctx, bool relu) {
  // quantized::linear(_relu)(Tensor X, LinearPackedParamsBase W_prepack, float Y_scale_i,
  //                          int Y_zero_point_i)
  // quantized::linear_prepack(Tensor W, Tensor? B)
  TS2ONNX_ASSIGN_OR_RETURN(PackedOperands p, packedOperands(ctx, "quantized::linear_prepack", 2));
  const Quantization &qx = p.qx, &qy = p.qy;
  const Weight &w = p.w;
  const std::optional<ir::Tensor> &bias = p.bias;
  int64_t outFeatures = w.sizes[0], wZero = p.wZero;
  OnnxBuilder &b = ctx.b;
  ir::Value *wT = b.op("Transpose", {w.ints}, {OnnxAttr::is("perm", {1, 0})});
  ir::Value *acc = b.op("MatMulInteger", {ctx.input(0), wT, zeroPoint(b, qx),
                                          b.scalarOf(double(wZero), ScalarType::Int8)});
  if (bias)
    acc = b.op("Add", {acc, b.constant(*bias)});
  ir::Value *units = b.op("Mul", {b.cast(acc, ScalarType::Float32),
                                  multipliers(b, w, qx.scale, qy.scale, {outFeatures})});
  ir::Value *y = roundUnits(b, units, qy);
  return {{relu ? fusedRelu(b, y, qy) : y}};
}

/// The quantizations of a quantized binary op (add, mul): its two quint8 inputs', then the
/// output's from its (scale, zero_point) arguments.
absl::StatusOr<std::tuple<Quantization, Quantization, Quantization>> binaryOperands(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(Quantization qa, inputQuantization(ctx, 0));
  TS2ONNX_ASSIGN_OR_RETURN(Quantization qb, inputQuantization(ctx, 1));
  if (qa.dtype != ScalarType::QUInt8 || qb.dtype != ScalarType::QUInt8)
    return ctx.unsupported("qint8 inputs (torch's quantized kernel takes quint8)");
  TS2ONNX_ASSIGN_OR_RETURN(Quantization qy, outputQuantization(ctx, 2, ScalarType::QUInt8));
  qy.maybeChannelsLast = qa.maybeChannelsLast || qb.maybeChannelsLast;
  return std::make_tuple(qa, qb, qy);
}

/// linear_dynamic / linear_relu_dynamic (torch.ao.quantization.quantize_dynamic's Linear) as
/// torch's QNNPACK kernel computes them: the input's quantization is chosen at run time from its
/// min and max exactly as torch's ChooseQuantizationParams does (the range widened to hold 0, the
/// scale in double from the float bounds over 255, 0.1 where its float is 0 or has an infinite
/// inverse, a floor of 6.1e-5 that scales the bounds, the zero point from whichever bound adds
/// the smaller terms, clamped to [0, 255] and rounded half to even), the input quantized with
/// the float inverse of that scale, the integers multiplied (MatMulInteger), and the float
/// result acc * (x_scale * w_scale) + bias, multiplied then added in float.
Result linearDynamic(Ctx &ctx, bool relu) {
  // quantized::linear(_relu)_dynamic(Tensor X, LinearPackedParamsBase W_prepack,
  //                                  bool reduce_range=False)
  // (QNNPACK ignores reduce_range.)
  TS2ONNX_ASSIGN_OR_RETURN(const ir::Node *pack, prepackOf(ctx, 1, "quantized::linear_prepack"));
  TS2ONNX_ASSIGN_OR_RETURN(Weight w, weightOf(ctx, pack->input(0)));
  if (w.sizes.size() != 2)
    return ctx.unsupported("a weight that is not 2-d");
  TS2ONNX_ASSIGN_OR_RETURN(int64_t wZero, commonZeroPoint(ctx, w));
  int64_t outFeatures = w.sizes[0];
  const ir::AttributeValue *biasAttr = ir::constantValue(pack->input(1));
  const ir::Tensor *bias = biasAttr ? biasAttr->getIf<ir::Tensor>() : nullptr;
  if (!pack->input(1)->type()->is(ir::TypeKind::None) && (!bias || bias->numel() != outFeatures))
    return ctx.unsupported("a bias that is not a constant with one value per output feature");
  OnnxBuilder &b = ctx.b;
  auto f32 = [&](double v) { return b.floatScalar(v); };
  auto f64 = [&](double v) { return b.scalarOf(v, ScalarType::Float64); };
  auto where = [&](ir::Value *c, ir::Value *t, ir::Value *e) { return b.op("Where", {c, t, e}); };
  ir::Value *x = ctx.input(0);
  if (dtypeOf(x) && *dtypeOf(x) != ScalarType::Float32)
    return ctx.unsupported("an input that is not float32");
  // The bounds, widened to hold 0 (float).
  ir::Value *lo = b.op("Min", {b.reduce("ReduceMin", x, {}, false), f32(0)});
  ir::Value *hi = b.op("Max", {b.reduce("ReduceMax", x, {}, false), f32(0)});
  const double qrange = 255.0;
  ir::Value *scale =
      b.op("Div", {b.op("Sub", {b.cast(hi, ScalarType::Float64), b.cast(lo, ScalarType::Float64)}),
                   f64(qrange)});
  ir::Value *scaleF = b.cast(scale, ScalarType::Float32);
  ir::Value *degenerate =
      b.op("Or", {b.op("Equal", {scaleF, f32(0)}), b.op("IsInf", {b.op("Div", {f32(1), scaleF})})});
  scale = where(degenerate, f64(0.1), scale);
  // The floor on the scale, which moves the bounds with it (in float, as torch's are).
  const float threshold = 6.1e-5f;
  ir::Value *small = b.op("Less", {scale, f64(double(threshold))});
  ir::Value *amplifier = b.op("Div", {f32(threshold), b.cast(scale, ScalarType::Float32)});
  ir::Value *loZero = b.op("Equal", {lo, f32(0)});
  ir::Value *hiZero = b.op("Equal", {hi, f32(0)});
  float span = threshold * float(qrange);
  ir::Value *loSmall = where(loZero, lo, where(hiZero, f32(-span), b.op("Mul", {lo, amplifier})));
  ir::Value *hiSmall = where(loZero, f32(span), where(hiZero, hi, b.op("Mul", {hi, amplifier})));
  lo = where(small, loSmall, lo);
  hi = where(small, hiSmall, hi);
  scale = where(small, f64(double(threshold)), scale);
  // The zero point (double), from the bound whose terms are smaller.
  ir::Value *loUnits = b.op("Div", {b.cast(lo, ScalarType::Float64), scale});
  ir::Value *hiUnits = b.op("Div", {b.cast(hi, ScalarType::Float64), scale});
  ir::Value *fromLo = b.op("Neg", {loUnits});
  ir::Value *fromHi = b.op("Sub", {f64(qrange), hiUnits});
  ir::Value *errLo = b.op("Neg", {b.op("Abs", {loUnits})});
  ir::Value *errHi = b.op("Sub", {f64(qrange), b.op("Abs", {hiUnits})});
  ir::Value *initial = where(b.op("Less", {errLo, errHi}), fromLo, fromHi);
  ir::Value *zeroPoint =
      b.op("Round", {b.op("Min", {b.op("Max", {initial, f64(0)}), f64(qrange)})});
  ir::Value *zeroU8 = b.cast(zeroPoint, ScalarType::UInt8);
  // The input quantized with that scale and zero point.
  ir::Value *xScale = b.cast(scale, ScalarType::Float32);
  ir::Value *inverse = b.op("Div", {f32(1), xScale});
  ir::Value *xq = b.op("QuantizeLinear", {b.op("Mul", {x, inverse}), f32(1), zeroU8});
  ir::Value *wT = b.op("Transpose", {w.ints}, {OnnxAttr::is("perm", {1, 0})});
  ir::Value *acc =
      b.op("MatMulInteger", {xq, wT, zeroU8, b.scalarOf(double(wZero), ScalarType::Int8)});
  ir::Value *wScales;
  if (w.scales.size() == 1) {
    wScales = f32(float(w.scales[0]));
  } else {
    std::vector<float> v(w.scales.begin(), w.scales.end());
    wScales = b.constant(ir::Tensor::fromVector(ScalarType::Float32, {outFeatures}, v));
  }
  ir::Value *y = b.op("Mul", {b.cast(acc, ScalarType::Float32), b.op("Mul", {xScale, wScales})});
  if (bias) {
    std::vector<float> v(static_cast<size_t>(outFeatures));
    for (int64_t i = 0; i < outFeatures; ++i)
      v[size_t(i)] = float(bias->doubleAt(i));
    y = b.op("Add", {y, b.constant(ir::Tensor::fromVector(ScalarType::Float32, {outFeatures}, v))});
  }
  b.noteQuantizedArithmetic();
  return {{relu ? b.op("Relu", {y}) : y}};
}

/// add / add_relu as torch's QNNPACK kernel computes them, in fixed point: each input's scale
/// over the output's becomes an integer multiplier at a common power-of-two shift, the sum of
/// the products (minus the zero points') is shifted right rounding half away from zero, then
/// offset by the output zero point and clamped. (Dequantizing, adding in float and quantizing
/// rounds differently near halves.) Computed in double, where every step is exact.
Result add(Ctx &ctx, bool relu) {
  TS2ONNX_ASSIGN_OR_RETURN(auto q, binaryOperands(ctx));
  auto [qa, qb, qy] = q;
  float aRatio = float(qa.scale) / float(qy.scale), bRatio = float(qb.scale) / float(qy.scale);
  float largest = std::max(aRatio, bRatio);
  if (!(aRatio >= 0x1.0p-14f && bRatio >= 0x1.0p-14f && largest < 0x1.0p+8f))
    return ctx.unsupported(
        "input-to-output scale ratios outside [2^-14, 2^8), which torch's kernel refuses");
  int exponent = 0;
  std::frexp(largest, &exponent); // largest = m * 2^exponent, m in [0.5, 1)
  int shift = 21 - (exponent - 1);
  auto multiplier = [&](float ratio) { return std::nearbyint(std::ldexp(double(ratio), shift)); };
  double am = multiplier(aRatio), bm = multiplier(bRatio);
  double offset = -(am * double(qa.zeroPoint) + bm * double(qb.zeroPoint));
  OnnxBuilder &b = ctx.b;
  auto term = [&](ir::Value *x, double m) {
    return b.op("Mul", {b.cast(x, ScalarType::Float64), b.scalarOf(m, ScalarType::Float64)});
  };
  ir::Value *acc = b.op("Add", {b.op("Add", {term(ctx.input(0), am), term(ctx.input(1), bm)}),
                                b.scalarOf(offset, ScalarType::Float64)});
  ir::Value *v = b.op("Mul", {acc, b.scalarOf(std::ldexp(1.0, -shift), ScalarType::Float64)});
  ir::Value *rounded = b.op(
      "Mul",
      {b.op("Sign", {v}),
       b.op("Floor", {b.op("Add", {b.op("Abs", {v}), b.scalarOf(0.5, ScalarType::Float64)})})});
  ir::Value *shifted =
      b.op("Add", {rounded, b.scalarOf(double(qy.zeroPoint), ScalarType::Float64)});
  // Max/Min, not Clip: onnxruntime's Clip-11 has no double kernel.
  ir::Value *clamped = b.op(
      "Min",
      {b.op("Max", {shifted, b.scalarOf(relu ? double(qy.zeroPoint) : 0.0, ScalarType::Float64)}),
       b.scalarOf(255.0, ScalarType::Float64)});
  ir::Value *y = b.cast(clamped, ScalarType::UInt8);
  b.setQuantization(y, qy);
  return {{y}};
}

/// mul / mul_relu as torch's kernel computes them: the product of the integers less their zero
/// points (exact in float), times the float multiplier (a_scale * b_scale) * (1 / y_scale),
/// rounded half to even.
Result mul(Ctx &ctx, bool relu) {
  TS2ONNX_ASSIGN_OR_RETURN(auto q, binaryOperands(ctx));
  auto [qa, qb, qy] = q;
  OnnxBuilder &b = ctx.b;
  auto centred = [&](ir::Value *x, const Quantization &q) {
    return b.op("Sub", {b.cast(x, ScalarType::Float32), b.floatScalar(double(q.zeroPoint))});
  };
  float multiplier = (float(qa.scale) * float(qb.scale)) * (1.0f / float(qy.scale));
  ir::Value *units =
      b.op("Mul", {b.op("Mul", {centred(ctx.input(0), qa), centred(ctx.input(1), qb)}),
                   b.floatScalar(multiplier)});
  ir::Value *y = roundUnits(b, units, qy);
  return {{relu ? fusedRelu(b, y, qy) : y}};
}

/// Gather(table, x): the 256 outputs of an elementwise function of a quint8 tensor.
ir::Value *gatherTable(OnnxBuilder &b, ir::Value *x, const std::vector<uint8_t> &table,
                       const Quantization &qy) {
  ir::Value *y = b.gather(b.constant(ir::Tensor::fromVector(ScalarType::UInt8, {256}, table)),
                          b.cast(x, ScalarType::Int64), 0);
  b.setQuantization(y, qy);
  return y;
}

/// An elementwise function of a quantized tensor as torch's QNNPACK computes it: a table of
/// the 256 outputs, each x = x_scale * (i - x_zero_point) through the function in float, times
/// the float inverse of the output scale plus its zero point, clamped and rounded half to even;
/// applied with Gather. (Checked against torch for every input integer at random
/// quantizations.) The output is laid out as the input is.
ir::Value *lookup(OnnxBuilder &b, ir::Value *x, const Quantization &qx, Quantization qy,
                  float (*fn)(float)) {
  qy.maybeChannelsLast = qx.maybeChannelsLast;
  std::vector<uint8_t> table(256);
  float inverse = 1.0f / float(qy.scale);
  for (int i = 0; i < 256; ++i) {
    float v = float(qx.scale) * float(i - qx.zeroPoint);
    float scaled = inverse * fn(v) + float(qy.zeroPoint);
    scaled = std::min(std::max(scaled, 0.0f), 255.0f);
    table[size_t(i)] = uint8_t(std::nearbyint(scaled));
  }
  return gatherTable(b, x, table, qy);
}

/// hardtanh / relu6 of a quint8 tensor as torch's quantized clamp: the integers clamped between
/// the bounds quantized as quantize_per_tensor does (x * float(1/scale), half to even, + zero
/// point, saturated); the output keeps the input's quantization.
/// torch 1.13 and 2.9 read a channels-last input (what quantized convolutions produce) in the
/// wrong element order in this kernel, so its outputs are refused there rather than matched.
absl::StatusOr<ir::Value *> quantizedClamp(Ctx &ctx, ir::Value *x, const Quantization &q, double lo,
                                           double hi) {
  std::optional<int64_t> rank = rankOf(x);
  if (q.maybeChannelsLast && (!rank || *rank == 4))
    return ctx.error(
        "torch's quantized clamp (relu6 / hardtanh) returns the elements of a channels-last "
        "input, such as a quantized convolution's output, in the wrong order (torch 1.13 and "
        "2.9 alike), so its result cannot be reproduced. Fuse the activation into the "
        "convolution (ReLU) or apply it before quantizing");
  OnnxBuilder &b = ctx.b;
  float inverse = 1.0f / float(q.scale);
  auto quantized = [&](double v) {
    double r = std::nearbyint(double(float(v) * inverse)) + double(q.zeroPoint);
    return int(std::min(std::max(r, 0.0), 255.0));
  };
  int qlo = quantized(lo), qhi = quantized(hi);
  std::vector<uint8_t> table(256);
  for (int i = 0; i < 256; ++i)
    table[size_t(i)] = uint8_t(std::min(std::max(i, qlo), qhi));
  return gatherTable(b, x, table, q);
}

float hardswishOf(float x) {
  float t = std::min(std::max(x + 3.0f, 0.0f), 6.0f);
  return x * t / 6.0f;
}
float hardsigmoidOf(float x) { return std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f; }
float sigmoidOf(float x) { return 1.0f / (1.0f + std::exp(-x)); }
float tanhOf(float x) { return std::tanh(x); }

/// Global average pooling over the last two dims of a 4-d quantized tensor (torch's quantized
/// adaptive_avg_pool2d to 1x1 and mean over H and W, QNNPACK's global average pooling): the
/// sum of (integer - zero point), exact in float, times the float scale
/// x_scale / (x_scale * count), rounded half to even, on the input's quantization. (Rounding the
/// exact mean instead differs near halves.)
ir::Value *globalAverage(OnnxBuilder &b, ir::Value *x, const Quantization &q, bool keepdim) {
  ir::Value *units =
      b.op("Sub", {b.cast(x, ScalarType::Float32), b.floatScalar(double(q.zeroPoint))});
  ir::Value *sum = b.reduce("ReduceSum", units, {2, 3}, keepdim);
  ir::Value *scale;
  auto dims = OnnxBuilder::staticShapeOf(x);
  if (dims && dims->size() == 4) {
    float count = float((*dims)[2] * (*dims)[3]);
    scale = b.floatScalar(float(q.scale) / (float(q.scale) * count));
  } else { // the same float operations in the graph
    ir::Value *count =
        b.cast(b.reduce("ReduceProd", b.slice(b.shape(x), {2}, {4}, {0}, {1}), {0}, false),
               ScalarType::Float32);
    ir::Value *s = b.floatScalar(float(q.scale));
    scale = b.op("Div", {s, b.op("Mul", {s, count})});
  }
  return roundUnits(b, b.op("Mul", {sum, scale}), q);
}

/// aten::avg_pool2d(self, kernel_size, stride, padding, ceil_mode, count_include_pad,
/// divisor_override) of a 4-d quantized tensor, as torch's quantized kernel computes it (torch
/// 1.13 and 2.9, checked integer for integer): the sum of (integer - zero point) over the window,
/// the padding counting as zero, divided by the window's size kH * kW, rounded half to even, on
/// the input's quantization. The kernel divides by kH * kW even with count_include_pad=False,
/// and ts2onnx does as torch does. AveragePool gives the mean; times the count and rounded it is
/// the exact integer sum again, whose correctly rounded quotient rounds as the exact one does.
absl::StatusOr<ir::Value *> windowAverage(Ctx &ctx, const Quantization &q) {
  ir::Value *x = ctx.input(0);
  auto kernel = ctx.constInts(1);
  auto stride = ctx.constInts(2);
  auto padding = ctx.constInts(3);
  auto ceil = ctx.constBool(4);
  auto two = [](std::optional<std::vector<int64_t>> &v) {
    if (v && v->size() == 1)
      v->push_back(v->front());
    return v && v->size() == 2;
  };
  if (stride && stride->empty())
    stride = kernel;
  if (!two(kernel) || !two(stride) || !two(padding) || !ceil || rankOf(x) != 4)
    return ctx.unsupported("average pooling of a quantized tensor with a window, stride or "
                           "padding not known at conversion, or of a tensor that is not 4-d");
  if (*ceil || (ctx.numInputs() > 6 && !ctx.isNone(6)))
    return ctx.unsupported("average pooling of a quantized tensor with ceil_mode or a "
                           "divisor_override");
  if (ctx.b.opset() < 11)
    return ctx.unsupported("windowed average pooling of a quantized tensor before opset 11 (the "
                           "window's sum is rounded back with Round)");
  OnnxBuilder &b = ctx.b;
  const float count = float((*kernel)[0] * (*kernel)[1]);
  ir::Value *units = b.op("Sub", {b.cast(x, ScalarType::Float32), b.floatScalar(q.zeroPoint)});
  ir::Value *mean =
      b.op("AveragePool", {units},
           {OnnxAttr::is("kernel_shape", *kernel), OnnxAttr::is("strides", *stride),
            OnnxAttr::is("pads", {(*padding)[0], (*padding)[1], (*padding)[0], (*padding)[1]}),
            OnnxAttr::i("count_include_pad", 1)});
  ir::Value *sum = b.op("Round", {b.op("Mul", {mean, b.floatScalar(count)})});
  return roundUnits(b, b.op("Div", {sum, b.floatScalar(count)}), q);
}

Result hardswish(Ctx &ctx) {
  // quantized::hardswish(Tensor input, float output_scale, int output_zero_point)
  TS2ONNX_ASSIGN_OR_RETURN(Quantization qx, inputQuantization(ctx, 0));
  if (qx.dtype != ScalarType::QUInt8)
    return ctx.unsupported("a qint8 input");
  TS2ONNX_ASSIGN_OR_RETURN(Quantization qy, outputQuantization(ctx, 1, ScalarType::QUInt8));
  return {{lookup(ctx.b, ctx.input(0), qx, qy, hardswishOf)}};
}

Result relu6(Ctx &ctx) {
  // quantized::relu6(Tensor qx, bool inplace=False)
  TS2ONNX_ASSIGN_OR_RETURN(Quantization qx, inputQuantization(ctx, 0));
  if (qx.dtype != ScalarType::QUInt8)
    return ctx.unsupported("a qint8 input");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * y, quantizedClamp(ctx, ctx.input(0), qx, 0.0, 6.0));
  return {{y}};
}

Result cat(Ctx &ctx) {
  // quantized::cat(Tensor[] qx, int dim, float? scale, int? zero_point)
  auto items = ctx.listElements(0);
  auto dim = ctx.constInt(1);
  if (!items || items->empty() || !dim)
    return ctx.unsupported("a tensor list or dim not known at conversion");
  std::vector<ir::Value *> floats;
  std::optional<Quantization> first;
  for (ir::Value *v : *items) {
    const Quantization *q = ctx.b.quantizationOf(v);
    if (!q)
      return ctx.unsupported("a list element that is not a quantized tensor");
    if (!first)
      first = *q;
    floats.push_back(dequantize(ctx.b, v, *q));
  }
  Quantization qy = *first;
  if (!ctx.isNone(2) || !ctx.isNone(3)) {
    TS2ONNX_ASSIGN_OR_RETURN(qy, outputQuantization(ctx, 2, first->dtype));
  }
  for (ir::Value *v : *items)
    qy.maybeChannelsLast |= ctx.b.quantizationOf(v)->maybeChannelsLast;
  int64_t axis = *dim;
  if (axis < 0) {
    auto r = rankOf((*items)[0]);
    if (!r)
      return ctx.unsupported("a negative dim of a tensor of unknown rank");
    axis += *r;
  }
  return {{quantize(ctx.b, ctx.b.concat(floats, axis), qy)}};
}

} // namespace

void registerQuantized(SymbolicRegistry &r) {
  // QuantizeLinear, DequantizeLinear, ConvInteger and MatMulInteger are opset 10.
  r.add("aten::quantize_per_tensor", 10, quantizePerTensor);
  r.add("aten::dequantize", 10, dequantizeOp);
  r.add("quantized::conv2d", 10, [](Ctx &c) { return conv2d(c, false); });
  r.add("quantized::conv2d_relu", 10, [](Ctx &c) { return conv2d(c, true); });
  r.add("quantized::linear", 10, [](Ctx &c) { return linear(c, false); });
  r.add("quantized::linear_relu", 10, [](Ctx &c) { return linear(c, true); });
  r.add("quantized::add", 10, [](Ctx &c) { return add(c, false); });
  r.add("quantized::add_relu", 10, [](Ctx &c) { return add(c, true); });
  // Round (the run-time zero point) is opset 11.
  r.add("quantized::linear_dynamic", 11, [](Ctx &c) { return linearDynamic(c, false); });
  r.add("quantized::linear_relu_dynamic", 11, [](Ctx &c) { return linearDynamic(c, true); });
  r.add("quantized::mul", 10, [](Ctx &c) { return mul(c, false); });
  r.add("quantized::mul_relu", 10, [](Ctx &c) { return mul(c, true); });
  r.add("quantized::hardswish", 10, hardswish);
  r.add("quantized::relu6", 10, relu6);
  r.add("quantized::cat", 10, cat);
}

absl::StatusOr<std::vector<ir::Value *>> quantizedAten(SymbolicContext &ctx) {
  const Quantization *qx = ctx.b.quantizationOf(ctx.input(0));
  std::string_view op = ctx.node().kind().qualString();
  if (!qx || qx->dtype != ScalarType::QUInt8)
    return ctx.unsupported("a quantized input other than quint8");
  // torch's fixed output quantizations of these functions of quint8 tensors.
  Quantization unit{1.0 / 256.0, 0, ScalarType::QUInt8};
  if (op == "aten::hardswish" || op == "aten::hardswish_")
    return std::vector<ir::Value *>{lookup(ctx.b, ctx.input(0), *qx, *qx, hardswishOf)};
  if (op == "aten::hardsigmoid" || op == "aten::hardsigmoid_")
    return std::vector<ir::Value *>{lookup(ctx.b, ctx.input(0), *qx, unit, hardsigmoidOf)};
  if (op == "aten::sigmoid" || op == "aten::sigmoid_")
    return std::vector<ir::Value *>{lookup(ctx.b, ctx.input(0), *qx, unit, sigmoidOf)};
  if (op == "aten::tanh" || op == "aten::tanh_")
    return std::vector<ir::Value *>{lookup(
        ctx.b, ctx.input(0), *qx, Quantization{2.0 / 256.0, 128, ScalarType::QUInt8}, tanhOf)};
  if (op == "aten::relu6" || op == "aten::relu6_" || op == "aten::hardtanh" ||
      op == "aten::hardtanh_") {
    bool relu6 = op == "aten::relu6" || op == "aten::relu6_";
    auto lo = relu6 ? std::optional<double>(0.0) : ctx.constFloat(1);
    auto hi = relu6 ? std::optional<double>(6.0) : ctx.constFloat(2);
    if (!lo || !hi)
      return ctx.unsupported("hardtanh bounds not known at conversion");
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * y, quantizedClamp(ctx, ctx.input(0), *qx, *lo, *hi));
    return std::vector<ir::Value *>{y};
  }
  if (op == "aten::adaptive_avg_pool2d") {
    auto size = ctx.constInts(1);
    if (!size || size->empty() || size->size() > 2 || (*size)[0] != 1 ||
        (size->size() == 2 && (*size)[1] != 1))
      return ctx.unsupported("adaptive average pooling of a quantized tensor to a size other "
                             "than 1 (only global pooling is converted)");
    return std::vector<ir::Value *>{globalAverage(ctx.b, ctx.input(0), *qx, true)};
  }
  if (op == "aten::avg_pool2d") {
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * y, windowAverage(ctx, *qx));
    return std::vector<ir::Value *>{y};
  }
  if (op == "aten::mean") {
    // aten::mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None)
    auto dims = ctx.constInts(1);
    auto keep = ctx.constBool(2);
    auto rank = rankOf(ctx.input(0));
    bool hw = dims && dims->size() == 2 && rank && *rank == 4;
    if (hw) {
      std::vector<int64_t> d = *dims;
      for (int64_t &x : d)
        x = x < 0 ? x + 4 : x;
      std::sort(d.begin(), d.end());
      hw = d == std::vector<int64_t>{2, 3};
    }
    if (!hw || !keep || (ctx.numInputs() > 3 && !ctx.isNone(3)))
      return ctx.unsupported("a mean of a quantized tensor other than over dims 2 and 3 of a "
                             "4-d tensor");
    return std::vector<ir::Value *>{globalAverage(ctx.b, ctx.input(0), *qx, *keep)};
  }
  return ctx.unsupported("a quantized input");
}

QuantizedAtenKind quantizedAtenKind(std::string_view op, int opset) {
  for (std::string_view q : {"aten::size", "aten::dim", "aten::numel", "aten::len"})
    if (op == q)
      return QuantizedAtenKind::ShapeQuery;
  for (std::string_view t :
       {"aten::hardswish", "aten::hardswish_", "aten::hardsigmoid", "aten::hardsigmoid_",
        "aten::sigmoid", "aten::sigmoid_", "aten::tanh", "aten::tanh_", "aten::relu6",
        "aten::relu6_", "aten::hardtanh", "aten::hardtanh_", "aten::adaptive_avg_pool2d",
        "aten::mean", "aten::avg_pool2d"})
    if (op == t)
      return QuantizedAtenKind::Custom;
  // MaxPool takes 8-bit integers from opset 12; before, max pooling runs in integer units.
  if (opset < 12 && (op == "aten::max_pool2d" || op == "aten::max_pool1d"))
    return QuantizedAtenKind::IntegerUnits;
  static const std::string_view kMoves[] = {"aten::flatten",    "aten::reshape",
                                            "aten::view",       "aten::permute",
                                            "aten::transpose",  "aten::contiguous",
                                            "aten::squeeze",    "aten::unsqueeze",
                                            "aten::clone",      "aten::detach",
                                            "aten::dropout",    "aten::max_pool2d",
                                            "aten::max_pool1d", "aten::upsample_nearest2d",
                                            "aten::select",     "aten::slice",
                                            "aten::t",          "aten::pixel_shuffle",
                                            "aten::chunk",      "aten::split",
                                            "aten::unbind",     "aten::narrow"};
  static const std::string_view kUnits[] = {"aten::relu", "aten::relu_"};
  for (std::string_view m : kMoves)
    if (op == m)
      return QuantizedAtenKind::DataMovement;
  for (std::string_view u : kUnits)
    if (op == u)
      return QuantizedAtenKind::IntegerUnits;
  return QuantizedAtenKind::Unsupported;
}

} // namespace ts2onnx::symbolics
