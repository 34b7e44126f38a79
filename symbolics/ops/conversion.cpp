// Dtype conversions: aten::to, type_as, the .float()/.long()/... methods, and the scalar casts
// (aten::Int/Float/Bool and their Implicit forms, NumToTensor, item) between runtime numbers, which
// are 0-d tensors after conversion. One form from opset 9 (Cast).
#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

/// aten::Int / Float / Bool and their Implicit forms: a cast of the 0-d tensor.
Result scalarCast(Ctx &ctx, ScalarType to) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  auto t = dtypeOf(x);
  if (t && *t == to)
    return one(x);
  return one(ctx.b.cast(x, to));
}

Result numToTensor(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  return one(x);
}

/// aten::scalar_tensor(s, dtype?, ...): a 0-d tensor of dtype, float32 (the default dtype) when
/// not given, whatever the number's kind (torch.scalar_tensor(3) is float).
Result scalarTensor(Ctx &ctx) {
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 1));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0, dt.value_or(ScalarType::Float32)));
  return one(x);
}

/// aten::item: the single element as the 0-d tensor runtime numbers are (Reshape to [] unless
/// already 0-d); its dtype stays the tensor's.
Result item(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  if (auto r = rankOf(x); r && *r == 0)
    return one(x);
  return one(ctx.b.op("Reshape", {x, ctx.b.int64s({})}));
}

/// aten::to: dtype from an int (ScalarType) argument or from a tensor (to.other); device-only
/// and copy-only forms are the identity.
Result to(Ctx &ctx) {
  ir::Value *x = ctx.input(0);
  for (size_t i = 1; i < ctx.numInputs(); ++i) {
    const ir::Type &t = *ctx.input(i)->type();
    if (t.isTensor()) {
      auto dt = dtypeOf(ctx.input(i));
      if (!dt)
        return ctx.unsupported("to(other) with an other of unknown dtype");
      return one(dtypeOf(x) == dt ? x : ctx.b.cast(x, *dt));
    }
    if (t.is(ir::TypeKind::Int) || t.is(ir::TypeKind::ScalarType)) {
      TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, i));
      if (!dt)
        return one(x);
      return one(dtypeOf(x) == dt ? x : ctx.b.cast(x, *dt));
    }
    if (t.is(ir::TypeKind::Bool))
      break; // non_blocking: no dtype came before it
  }
  return one(x);
}

Result typeAs(Ctx &ctx) {
  auto dt = dtypeOf(ctx.input(1));
  ir::Value *x = ctx.input(0);
  if (!dt)
    return ctx.unsupported("type_as with an other of unknown dtype");
  return one(dtypeOf(x) == dt ? x : ctx.b.cast(x, *dt));
}

Result typeConversion(Ctx &ctx, ScalarType t) {
  // aten::float / long / ... (self, memory_format?) methods
  ir::Value *x = ctx.input(0);
  return one(dtypeOf(x) == t ? x : ctx.b.cast(x, t));
}

} // namespace

void registerConversion(SymbolicRegistry &r) {
  addAll(r, {"aten::Int", "aten::IntImplicit"}, 9,
         [](Ctx &c) { return scalarCast(c, ScalarType::Int64); });
  addAll(r, {"aten::Float", "aten::FloatImplicit"}, 9,
         [](Ctx &c) { return scalarCast(c, ScalarType::Float32); });
  r.add("aten::Bool", 9, [](Ctx &c) { return scalarCast(c, ScalarType::Bool); });
  addAll(r, {"prim::NumToTensor", "aten::ScalarImplicit"}, 9, numToTensor);
  r.add("aten::scalar_tensor", 9, scalarTensor);
  r.add("aten::item", 9, item);
  r.add("aten::to", 9, to);
  r.add("aten::type_as", 9, typeAs);
  r.add("aten::float", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Float32); });
  r.add("aten::double", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Float64); });
  r.add("aten::half", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Float16); });
  r.add("aten::long", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Int64); });
  r.add("aten::int", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Int32); });
  r.add("aten::bool", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Bool); });
  // The legacy _cast_<Type>(self, non_blocking) ops (the exporter's own spelling of a cast).
  r.add("aten::_cast_Byte", 9, [](Ctx &c) { return typeConversion(c, ScalarType::UInt8); });
  r.add("aten::_cast_Char", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Int8); });
  r.add("aten::_cast_Short", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Int16); });
  r.add("aten::_cast_Int", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Int32); });
  r.add("aten::_cast_Long", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Int64); });
  r.add("aten::_cast_Half", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Float16); });
  r.add("aten::_cast_Float", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Float32); });
  r.add("aten::_cast_Double", 9, [](Ctx &c) { return typeConversion(c, ScalarType::Float64); });
  // No tensor of a converted model is in pinned memory.
  r.add("aten::is_pinned", 9, [](Ctx &c) { return one(c.b.boolScalar(false)); });
}

} // namespace ts2onnx::symbolics
