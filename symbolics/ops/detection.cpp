// Detection post-processing from torchvision: nms as ONNX NonMaxSuppression, roi_align as ONNX
// RoiAlign, where the ONNX operator computes what torchvision's kernel does.
#include <limits>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

/// torchvision::nms(dets[N,4], scores[N], iou_threshold) -> the kept indices (int64), by
/// decreasing score. NonMaxSuppression over one batch and one class selects the same boxes in
/// the same order: greedy by score, suppressing a box whose IoU with a kept one is greater than
/// the threshold (corners in any order, no +1 in the areas, as torchvision). onnxruntime's
/// kernel takes float32 only; another dtype would round the IoUs, so it is refused.
Result nms(Ctx &c) {
  ir::Value *boxes = c.input(0), *scores = c.input(1);
  for (ir::Value *v : {boxes, scores})
    if (dtypeOf(v) != ScalarType::Float32)
      return c.unsupported("boxes or scores that are not float32 (ONNX NonMaxSuppression "
                           "computes in float32)");
  auto iou = c.constFloat(2);
  if (!iou)
    return c.unsupported("a non-constant iou_threshold");
  ir::Value *selected =
      c.b.op("NonMaxSuppression",
             {c.b.unsqueeze(boxes, {0}), c.b.unsqueeze(c.b.unsqueeze(scores, {0}), {0}),
              c.b.int64s({std::numeric_limits<int64_t>::max()}),
              c.b.constant(OnnxBuilder::oneElement(*iou, ScalarType::Float32))});
  // selected_indices rows are (batch, class, box): the box column.
  ir::Value *keep = c.b.gather(selected, c.b.int64Scalar(2), 1);
  OnnxBuilder::setTensorType(keep, ScalarType::Int64, std::vector<ir::Dim>{ir::Dim::unknown()});
  return one(keep);
}

/// torchvision::roi_align(input[N,C,H,W], rois[K,5], spatial_scale, pooled_height,
/// pooled_width, sampling_ratio, aligned) -> [K,C,ph,pw]. RoiAlign takes the boxes and their
/// batch indices apart. aligned=False is RoiAlign's only behaviour before opset 16 (box sizes
/// at least 1, no half-pixel shift) and its output_half_pixel mode from 16; aligned=True is
/// the half_pixel mode of opset 16. A sampling_ratio <= 0 is adaptive in both (0 in ONNX).
Result roiAlign(Ctx &c, bool v16) {
  ir::Value *x = c.input(0), *rois = c.input(1);
  auto scale = c.constFloat(2);
  auto ph = c.constInt(3), pw = c.constInt(4), sampling = c.constInt(5);
  auto aligned = c.constBool(6);
  if (!ph || !pw || !sampling || !aligned)
    return c.unsupported("a non-constant output size, sampling_ratio or aligned");
  if (*aligned && !v16)
    return c.unsupported("aligned=True before opset 16 (RoiAlign's half_pixel mode is 16's)");
  auto t = dtypeOf(x);
  if (t != ScalarType::Float32 && t != ScalarType::Float64)
    return c.unsupported("an input that is not float32 or float64");
  std::vector<OnnxAttr> attrs = {OnnxAttr::s("mode", "avg"), OnnxAttr::i("output_height", *ph),
                                 OnnxAttr::i("output_width", *pw),
                                 OnnxAttr::i("sampling_ratio", std::max<int64_t>(*sampling, 0)),
                                 OnnxAttr::f("spatial_scale", scale.value_or(1.0))};
  if (v16)
    attrs.push_back(OnnxAttr::s("coordinate_transformation_mode",
                                *aligned ? "half_pixel" : "output_half_pixel"));
  ir::Value *boxes = c.b.slice(rois, {1}, {5}, {1}, {1});
  if (dtypeOf(rois) != t)
    boxes = c.b.cast(boxes, *t);
  if (!scale) {
    // A scale computed at run time (MultiScaleRoIAlign infers it from the feature and image
    // sizes, unknown for dynamic image sizes): the box coordinates are multiplied by it, which
    // is the first thing both kernels do with spatial_scale, and RoiAlign's stays 1.
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * s, asTensor(c, 2, *t));
    if (dtypeOf(s) != t) // a float argument of the graph: a double
      s = c.b.cast(s, *t);
    boxes = c.b.op("Mul", {boxes, s});
  }
  ir::Value *batch =
      c.b.cast(c.b.squeeze(c.b.slice(rois, {0}, {1}, {1}, {1}), {1}), ScalarType::Int64);
  ir::Value *y = c.b.op("RoiAlign", {x, boxes, batch}, attrs);
  auto xd = OnnxBuilder::dimsOf(x), rd = OnnxBuilder::dimsOf(rois);
  OnnxBuilder::setTensorType(
      y, t,
      std::vector<ir::Dim>{rd && rd->size() == 2 ? (*rd)[0] : ir::Dim::unknown(),
                           xd && xd->size() == 4 ? (*xd)[1] : ir::Dim::unknown(),
                           ir::Dim::known(*ph), ir::Dim::known(*pw)});
  return one(y);
}

} // namespace

void registerDetection(SymbolicRegistry &r) {
  r.add("torchvision::nms", 10, nms);
  r.add("torchvision::roi_align", 10, [](Ctx &c) { return roiAlign(c, false); });
  r.add("torchvision::roi_align", 16, [](Ctx &c) { return roiAlign(c, true); });
}

} // namespace ts2onnx::symbolics
