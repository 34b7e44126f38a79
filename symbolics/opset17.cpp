// Symbolics whose ONNX form changed at opset 17: the LayerNormalization operator.
#include "ir/Status.h"
#include "symbolics/Helpers.h"
#include "symbolics/Opsets.h"

namespace ts2onnx::symbolics {

namespace {

shared::Result layerNorm17(SymbolicContext &ctx) {
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

} // namespace

void registerOpset17(SymbolicRegistry &r) { r.add("aten::layer_norm", 17, layerNorm17); }

} // namespace ts2onnx::symbolics
