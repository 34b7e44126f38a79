// Symbolics whose ONNX form changed at opset 11: Equal on floating point, Resize with roi /
// scales / sizes and coordinate_transformation_mode (torch's half-pixel and align_corners
// mappings), Range, GatherElements, CumSum. Clip's and Pad's bounds/pads became inputs at 11
// too; OnnxBuilder::clip and ::pad make that switch for every symbolic.
#include <limits>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/Helpers.h"
#include "symbolics/Opsets.h"

namespace ts2onnx::symbolics {

namespace {

using Result = shared::Result;
using ir::ScalarType;
constexpr int64_t kIntMax = std::numeric_limits<int64_t>::max();

Result resize11(SymbolicContext &ctx, std::string mode, size_t spatial, bool hasAlignCorners) {
  TS2ONNX_ASSIGN_OR_RETURN(
      auto it, shared::interpolationArgs(ctx, std::move(mode), spatial, hasAlignCorners));
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  std::vector<OnnxAttr> attrs = {OnnxAttr::s("mode", it.mode)};
  if (it.mode == "nearest") {
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
  if (it.scales)
    return one(b.op("Resize", {x, empty, shared::fullScales(b, x, it)}, attrs));
  ir::Value *sizes = b.concat({b.slice(b.shape(x), {0}, {2}, {0}, {1}), it.sizes}, 0);
  ir::Value *emptyScales = b.constant(ir::Tensor::fromVector(ScalarType::Float32, {0}, none));
  return one(b.op("Resize", {x, empty, emptyScales, sizes}, attrs));
}

Result arange11(SymbolicContext &ctx) {
  shared::ArangeArgs a = shared::arangeArgs(ctx);
  bool allConst = ctx.constFloat(a.end) && (!a.start || ctx.constFloat(*a.start)) &&
                  (!a.step || ctx.constFloat(*a.step));
  if (allConst) // constant bounds: a constant tensor, as at opset 9
    return (*SymbolicRegistry::global().lookup("aten::arange", 9))(ctx);
  bool anyFloat = false;
  for (auto i : {a.start, std::optional<size_t>(a.end), a.step})
    if (i) {
      const ir::Type &t = *ctx.input(*i)->type();
      auto dt = OnnxBuilder::dtypeOf(ctx.input(*i));
      anyFloat |= t.is(ir::TypeKind::Float) || (dt && ir::isFloatingType(*dt));
    }
  TS2ONNX_ASSIGN_OR_RETURN(auto dtArg, dtypeArg(ctx, a.dtype));
  ScalarType t = dtArg.value_or(anyFloat ? ScalarType::Float32 : ScalarType::Int64);
  auto operand = [&](std::optional<size_t> i, double dflt) -> absl::StatusOr<ir::Value *> {
    if (!i)
      return ctx.b.scalarOf(dflt, t);
    return asTensor(ctx, *i, t);
  };
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * s, operand(a.start, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * e, operand(a.end, 0));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * st, operand(a.step, 1));
  return one(ctx.b.op("Range", {s, e, st}));
}

Result gather11(SymbolicContext &ctx) {
  // aten::gather(self, dim, index, sparse_grad)
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  return one(ctx.b.op("GatherElements", {ctx.input(0), ctx.input(2)}, {OnnxAttr::i("axis", *d)}));
}

Result cumsum11(SymbolicContext &ctx) {
  // aten::cumsum(self, dim, dtype?)
  auto d = ctx.constInt(1);
  if (!d)
    return ctx.unsupported("a non-constant dim");
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 2));
  ir::Value *x = ctx.input(0);
  auto t = OnnxBuilder::dtypeOf(x);
  if (dt && t != dt)
    x = ctx.b.cast(x, *dt);
  else if (!dt && t && !ir::isFloatingType(*t) && *t != ScalarType::Int64)
    x = ctx.b.cast(x, ScalarType::Int64);
  return one(ctx.b.op("CumSum", {x, ctx.b.int64Scalar(*d)}));
}

} // namespace

void registerOpset11(SymbolicRegistry &r) {
  using shared::Cmp;
  r.add("aten::eq", 11,
        [](SymbolicContext &c) { return shared::compare(c, Cmp::Eq, true, false); });
  r.add("aten::ne", 11,
        [](SymbolicContext &c) { return shared::compare(c, Cmp::Ne, true, false); });
  r.add("aten::upsample_nearest1d", 11,
        [](SymbolicContext &c) { return resize11(c, "nearest", 1, false); });
  r.add("aten::upsample_nearest2d", 11,
        [](SymbolicContext &c) { return resize11(c, "nearest", 2, false); });
  r.add("aten::upsample_nearest3d", 11,
        [](SymbolicContext &c) { return resize11(c, "nearest", 3, false); });
  r.add("aten::upsample_linear1d", 11,
        [](SymbolicContext &c) { return resize11(c, "linear", 1, true); });
  r.add("aten::upsample_bilinear2d", 11,
        [](SymbolicContext &c) { return resize11(c, "linear", 2, true); });
  r.add("aten::upsample_trilinear3d", 11,
        [](SymbolicContext &c) { return resize11(c, "linear", 3, true); });
  r.add("aten::upsample_bicubic2d", 11,
        [](SymbolicContext &c) { return resize11(c, "cubic", 2, true); });
  r.add("aten::arange", 11, arange11);
  r.add("aten::gather", 11, gather11);
  r.add("aten::cumsum", 11, cumsum11);
}

} // namespace ts2onnx::symbolics
