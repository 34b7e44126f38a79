// Normalization: batch_norm (inference), layer_norm, group_norm, instance_norm (with input
// statistics, or with running statistics as BatchNormalization). Forms by opset:
// layer_norm is ReduceMean arithmetic before 17 and the LayerNormalization operator from 17.
// rms_norm (torch 2.x) is ReduceMean arithmetic, and RMSNormalization from opset 23 for float32
// and float64.
#include <limits>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

/// A 1-D tensor of `n` copies of v, where n is a constant or the length of `like`'s dim 0.
ir::Value *filled(OnnxBuilder &b, double v, ScalarType t, ir::Value *likeDim0Of,
                  std::optional<int64_t> n = std::nullopt) {
  if (n)
    return b.constantOfShape(b.int64s({*n}), v, t);
  ir::Value *len = b.unsqueeze(b.dimSize(likeDim0Of, 0), {0});
  return b.constantOfShape(len, v, t);
}

ir::Value *perChannel(OnnxBuilder &b, ir::Value *w, int64_t rank);

/// y * weight + bias with the per-channel [C] weight and bias (inputs `wIdx`, `wIdx + 1`, each
/// skipped when None) broadcast over the dims after channels of a rank-`rank` tensor.
ir::Value *channelAffine(Ctx &ctx, ir::Value *y, size_t wIdx, int64_t rank) {
  OnnxBuilder &b = ctx.b;
  if (!ctx.isNone(wIdx))
    y = b.op("Mul", {y, perChannel(b, ctx.input(wIdx), rank)});
  if (!ctx.isNone(wIdx + 1))
    y = b.op("Add", {y, perChannel(b, ctx.input(wIdx + 1), rank)});
  return y;
}

/// The mean of `x` over `axes`, `x` minus it, and the biased variance (both kept as size 1):
/// what layer norm and batch norm with batch statistics normalize with.
struct Moments {
  ir::Value *mean, *centered, *var;
};
Moments moments(OnnxBuilder &b, ir::Value *x, const std::vector<int64_t> &axes) {
  ir::Value *mean = b.reduce("ReduceMean", x, axes, true);
  ir::Value *d = b.op("Sub", {x, mean});
  return {mean, d, b.reduce("ReduceMean", b.op("Mul", {d, d}), axes, true)};
}

/// batch_norm with training=True (a module without running statistics, or F.batch_norm called
/// with training=True): the output normalizes with the batch's own mean and biased variance over
/// every dim but the channels, as torch computes it; the running statistics it would update are
/// not outputs of the graph.
Result batchNormBatchStats(Ctx &ctx, double eps) {
  ir::Value *x = ctx.input(0);
  auto r = rankOf(x);
  if (!r || *r < 2)
    return ctx.unsupported("batch_norm with batch statistics of a tensor of unknown rank");
  std::vector<int64_t> axes = {0};
  for (int64_t i = 2; i < *r; ++i)
    axes.push_back(i);
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  auto [mean, d, var] = moments(b, x, axes);
  ir::Value *y = b.op("Div", {d, b.op("Sqrt", {b.op("Add", {var, b.scalarOf(eps, t)})})});
  return one(channelAffine(ctx, y, 1, *r));
}

Result batchNorm(Ctx &ctx) {
  // aten::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
  // cudnn_enabled)
  auto training = ctx.constBool(5);
  if (!training)
    return ctx.unsupported("batch_norm with a training flag known only at run time");
  if (*training) {
    auto eps = ctx.constFloat(7);
    if (!eps)
      return ctx.unsupported("a non-constant eps");
    return batchNormBatchStats(ctx, *eps);
  }
  if (ctx.isNone(3) || ctx.isNone(4))
    return ctx.unsupported("batch_norm without running statistics");
  auto eps = ctx.constFloat(7);
  if (!eps)
    return ctx.unsupported("a non-constant eps");
  ir::Value *x = ctx.input(0), *mean = ctx.input(3);
  ScalarType t = floatLike(x);
  ir::Value *scale = ctx.isNone(1) ? filled(ctx.b, 1, t, mean) : ctx.input(1);
  ir::Value *bias = ctx.isNone(2) ? filled(ctx.b, 0, t, mean) : ctx.input(2);
  ir::Value *out = ctx.b.op("BatchNormalization", {x, scale, bias, mean, ctx.input(4)},
                            {OnnxAttr::f("epsilon", *eps)});
  return one(out);
}

/// Axes [-k, ..., -1], counted from the front when the rank is known.
std::vector<int64_t> lastAxes(size_t k, std::optional<int64_t> rank) {
  std::vector<int64_t> axes;
  for (int64_t i = -int64_t(k); i < 0; ++i)
    axes.push_back(normalizeDim(i, rank));
  return axes;
}

/// layer_norm's output y = (x - mean) / sqrt(var + eps) (then weight and bias) over the last
/// dims, with the mean and the sqrt kept (as size 1) for native_layer_norm's other outputs.
struct LayerNormParts {
  ir::Value *y, *mean, *stddev;
};
absl::StatusOr<LayerNormParts> layerNormParts(Ctx &ctx) {
  // aten::layer_norm(input, normalized_shape, weight?, bias?, eps, cudnn_enable)
  auto shape = ctx.constInts(1);
  auto eps = ctx.constFloat(4);
  if (!shape || !eps)
    return ctx.unsupported("non-constant normalized_shape or eps");
  ir::Value *x = ctx.input(0);
  ScalarType t = floatLike(x);
  OnnxBuilder &b = ctx.b;
  std::vector<int64_t> axes = lastAxes(shape->size(), rankOf(x));
  auto [mean, d, var] = moments(b, x, axes);
  ir::Value *sd = b.op("Sqrt", {b.op("Add", {var, b.scalarOf(*eps, t)})});
  ir::Value *y = b.op("Div", {d, sd});
  if (!ctx.isNone(2))
    y = b.op("Mul", {y, ctx.input(2)});
  if (!ctx.isNone(3))
    y = b.op("Add", {y, ctx.input(3)});
  return LayerNormParts{y, mean, sd};
}

/// aten::native_layer_norm(input, normalized_shape, weight?, bias?, eps) -> (y, mean, rstd):
/// layer_norm's arithmetic, with the mean and 1 / sqrt(var + eps) (kept, as torch's) for the
/// outputs that are used.
Result nativeLayerNorm(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(LayerNormParts p, layerNormParts(ctx));
  const ir::Node &n = ctx.node();
  ir::Value *rstd = n.output(2)->hasUses() ? ctx.b.op("Reciprocal", {p.stddev}) : nullptr;
  return std::vector<ir::Value *>{p.y, n.output(1)->hasUses() ? p.mean : nullptr, rstd};
}

/// aten::_weight_norm(v, g, dim): v * (g / ||v||), the 2-norm over every dim but `dim` (over
/// all of v for dim = -1, as torch's norm_except_dim).
Result weightNorm(Ctx &ctx) {
  auto dim = ctx.constInt(2);
  if (!dim)
    return ctx.unsupported("a non-constant dim");
  ir::Value *v = ctx.input(0), *g = ctx.input(1);
  auto r = rankOf(v);
  if (!r)
    return ctx.unsupported("_weight_norm of a tensor of unknown rank");
  int64_t keep = *dim == -1 ? -1 : normalizeDim(*dim, r);
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < *r; ++i)
    if (i != keep)
      axes.push_back(i);
  OnnxBuilder &b = ctx.b;
  ir::Value *sq = b.op("Mul", {v, v});
  ir::Value *norm = b.op("Sqrt", {axes.empty() ? sq : b.reduce("ReduceSum", sq, axes, true)});
  return one(b.op("Mul", {v, b.op("Div", {g, norm})}));
}

Result layerNorm9(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(LayerNormParts p, layerNormParts(ctx));
  return one(p.y);
}

Result layerNorm17(SymbolicContext &ctx) {
  // aten::layer_norm(input, normalized_shape, weight?, bias?, eps, cudnn_enable)
  auto shape = ctx.constInts(1);
  auto eps = ctx.constFloat(4);
  if (!shape || !eps)
    return ctx.unsupported("non-constant normalized_shape or eps");
  ir::Value *x = ctx.input(0);
  auto t = OnnxBuilder::dtypeOf(x);
  ir::ScalarType dt = t && ir::isFloatingType(*t) ? *t : ir::ScalarType::Float32;
  ir::Value *scale =
      ctx.isNone(2) ? ctx.b.constantOfShape(ctx.b.int64s(*shape), 1, dt) : ctx.input(2);
  std::vector<ir::Value *> ins = {x, scale};
  if (!ctx.isNone(3))
    ins.push_back(ctx.input(3));
  return one(
      ctx.b.op("LayerNormalization", ins,
               {OnnxAttr::i("axis", -int64_t(shape->size())), OnnxAttr::f("epsilon", *eps)}));
}

/// Reshapes a per-channel [C] tensor to broadcast over dims 2.. of a rank-r tensor.
ir::Value *perChannel(OnnxBuilder &b, ir::Value *w, int64_t rank) {
  std::vector<int64_t> axes;
  for (int64_t i = 1; i < rank - 1; ++i)
    axes.push_back(i);
  return axes.empty() ? w : b.unsqueeze(w, axes);
}

Result groupNorm(Ctx &ctx) {
  // aten::group_norm(input, num_groups, weight?, bias?, eps, cudnn_enabled)
  auto groups = ctx.constInt(1);
  auto eps = ctx.constFloat(4);
  if (!groups || !eps)
    return ctx.unsupported("non-constant num_groups or eps");
  ir::Value *x = ctx.input(0);
  ScalarType t = floatLike(x);
  OnnxBuilder &b = ctx.b;
  ir::Value *shape = b.shape(x);
  ir::Value *grouped = b.op("Reshape", {x, b.int64s({0, *groups, -1})});
  ir::Value *ones = b.constantOfShape(b.int64s({*groups}), 1, t);
  ir::Value *zeros = b.constantOfShape(b.int64s({*groups}), 0, t);
  ir::Value *normed =
      b.op("InstanceNormalization", {grouped, ones, zeros}, {OnnxAttr::f("epsilon", *eps)});
  ir::Value *y = b.op("Reshape", {normed, shape});
  OnnxBuilder::setTensorType(y, dtypeOf(x), OnnxBuilder::dimsOf(x));
  if (ctx.isNone(2) && ctx.isNone(3))
    return one(y);
  auto r = rankOf(x);
  if (!r)
    return ctx.unsupported("group_norm with affine weights of a tensor of unknown rank");
  return one(channelAffine(ctx, y, 2, *r));
}

/// Opset 21's GroupNormalization, whose scale and bias are per channel as torch's weight and bias
/// (opset 18's form, per group, is deprecated and not used). The input must have a known rank
/// >= 2 and a float dtype; otherwise the InstanceNormalization form.
Result groupNorm21(Ctx &ctx) {
  auto groups = ctx.constInt(1);
  auto eps = ctx.constFloat(4);
  ir::Value *x = ctx.input(0);
  auto r = rankOf(x);
  auto dt = dtypeOf(x);
  if (!groups || !eps || !r || *r < 2 || !dt || !ir::isFloatingType(*dt))
    return groupNorm(ctx);
  OnnxBuilder &b = ctx.b;
  auto channels = [&]() -> ir::Value * { return b.unsqueeze(b.dimSize(x, 1), {0}); };
  ir::Value *scale = ctx.isNone(2) ? b.constantOfShape(channels(), 1, *dt) : ctx.input(2);
  ir::Value *bias = ctx.isNone(3) ? b.constantOfShape(channels(), 0, *dt) : ctx.input(3);
  return one(b.op("GroupNormalization", {x, scale, bias},
                  {OnnxAttr::i("num_groups", *groups), OnnxAttr::f("epsilon", *eps)}));
}

/// aten::rms_norm(input, normalized_shape, weight?, eps?) (torch 2.4+): x / sqrt(mean(x^2) + eps)
/// over the last dims, times weight, computed as torch does in float32 for float16/bfloat16
/// inputs (its opmath type; the weight too) and cast back last; eps None is the machine epsilon of
/// that computation type. From opset 23 one RMSNormalization for a float32 / float64 input (its
/// scale is required: ones when weight is None); otherwise ReduceMean / Sqrt / Div.
Result rmsNorm(Ctx &ctx, bool v23) {
  auto shape = ctx.constInts(1);
  if (!shape || shape->empty())
    return ctx.unsupported("a non-constant or empty normalized_shape");
  ir::Value *x = ctx.input(0);
  ScalarType t = floatLike(x);
  // float16/bfloat16 are computed in float32, weight included, as torch does; eps defaults to
  // the machine epsilon of the type computed in.
  ScalarType c = t == ScalarType::Float16 || t == ScalarType::BFloat16 ? ScalarType::Float32 : t;
  double eps = c == ScalarType::Float64 ? std::numeric_limits<double>::epsilon()
                                        : double(std::numeric_limits<float>::epsilon());
  if (ctx.numInputs() > 3 && !ctx.isNone(3)) {
    auto e = ctx.constFloat(3);
    if (!e)
      return ctx.unsupported("a non-constant eps");
    eps = *e;
  }
  bool weighted = ctx.numInputs() > 2 && !ctx.isNone(2);
  OnnxBuilder &b = ctx.b;
  ir::Value *xc = dtypeOf(x) == c ? x : b.cast(x, c);
  if (v23 && c == t) {
    ir::Value *scale = weighted ? ctx.input(2) : b.constantOfShape(b.int64s(*shape), 1, t);
    return one(b.op("RMSNormalization", {xc, scale},
                    {OnnxAttr::i("axis", -int64_t(shape->size())), OnnxAttr::f("epsilon", eps)}));
  }
  std::vector<int64_t> axes = lastAxes(shape->size(), rankOf(x));
  ir::Value *ms = b.reduce("ReduceMean", b.op("Mul", {xc, xc}), axes, true);
  ir::Value *y = b.op("Div", {xc, b.op("Sqrt", {b.op("Add", {ms, b.scalarOf(eps, c)})})});
  if (weighted)
    y = b.op("Mul", {y, c == t ? ctx.input(2) : b.cast(ctx.input(2), c)});
  return one(c == t ? y : b.cast(y, t));
}

Result instanceNorm(Ctx &ctx) {
  // aten::instance_norm(input, weight?, bias?, running_mean?, running_var?, use_input_stats,
  // momentum, eps, cudnn_enabled)
  auto useInputStats = ctx.constBool(5);
  if (!useInputStats)
    return ctx.unsupported("a non-constant use_input_stats");
  auto eps = ctx.constFloat(7);
  if (!eps)
    return ctx.unsupported("a non-constant eps");
  ir::Value *x = ctx.input(0);
  ScalarType t = floatLike(x);
  OnnxBuilder &b = ctx.b;
  if (!*useInputStats) {
    // InstanceNorm with track_running_stats in eval: every instance is normalized with the
    // running statistics, which is batch_norm's inference form.
    if (ctx.isNone(3) || ctx.isNone(4))
      return ctx.error("instance_norm with use_input_stats=False needs running_mean and "
                       "running_var");
    ir::Value *mean = ctx.input(3);
    ir::Value *scale = ctx.isNone(1) ? filled(b, 1, t, mean) : ctx.input(1);
    ir::Value *bias = ctx.isNone(2) ? filled(b, 0, t, mean) : ctx.input(2);
    return one(b.op("BatchNormalization", {x, scale, bias, mean, ctx.input(4)},
                    {OnnxAttr::f("epsilon", *eps)}));
  }
  auto channels = [&]() -> ir::Value * { return b.unsqueeze(b.dimSize(x, 1), {0}); };
  ir::Value *scale = ctx.isNone(1) ? b.constantOfShape(channels(), 1, t) : ctx.input(1);
  ir::Value *bias = ctx.isNone(2) ? b.constantOfShape(channels(), 0, t) : ctx.input(2);
  return one(b.op("InstanceNormalization", {x, scale, bias}, {OnnxAttr::f("epsilon", *eps)}));
}

} // namespace

void registerNorm(SymbolicRegistry &r) {
  r.add("aten::batch_norm", 9, batchNorm);
  r.add("aten::layer_norm", 9, layerNorm9);
  r.add("aten::layer_norm", 17, layerNorm17);
  r.add("aten::native_layer_norm", 9, nativeLayerNorm);
  r.add("aten::_weight_norm", 9, weightNorm);
  r.add("aten::group_norm", 9, groupNorm);
  r.add("aten::group_norm", 21, groupNorm21);
  r.add("aten::instance_norm", 9, instanceNorm);
  r.add("aten::rms_norm", 9, [](Ctx &c) { return rmsNorm(c, false); });
  r.add("aten::rms_norm", 23, [](Ctx &c) { return rmsNorm(c, true); });
}

} // namespace ts2onnx::symbolics
