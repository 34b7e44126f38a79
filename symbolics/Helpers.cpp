#include "symbolics/Helpers.h"

#include "ir/Status.h"

namespace ts2onnx::symbolics {

absl::StatusOr<ir::Value *> asTensor(SymbolicContext &ctx, size_t i,
                                     std::optional<ir::ScalarType> like) {
  ir::Value *v = ctx.input(i);
  const ir::Type &t = *v->type();
  if (v->node()->kind() == ir::prim::Constant && !t.isTensor()) {
    if (t.is(ir::TypeKind::Int) || t.is(ir::TypeKind::Bool)) {
      int64_t x = *ctx.constInt(i);
      ir::ScalarType dt =
          like.value_or(t.is(ir::TypeKind::Bool) ? ir::ScalarType::Bool : ir::ScalarType::Int64);
      if (ir::isFloatingType(dt))
        return ctx.b.floatScalar(double(x), dt);
      if (dt == ir::ScalarType::Bool)
        return ctx.b.boolScalar(x != 0);
      ir::Value *c = ctx.b.int64Scalar(x);
      return dt == ir::ScalarType::Int64 ? c : ctx.b.cast(c, dt);
    }
    if (t.is(ir::TypeKind::Float)) {
      double x = *ctx.constFloat(i);
      ir::ScalarType dt = like && ir::isFloatingType(*like) ? *like : ir::ScalarType::Float32;
      return ctx.b.floatScalar(x, dt);
    }
    return ctx.unsupported("a constant of type " + t.str() + " as a tensor");
  }
  if (like) {
    auto have = OnnxBuilder::dtypeOf(v);
    if (have && *have != *like)
      return ctx.b.cast(v, *like);
  }
  return v;
}

void addAll(SymbolicRegistry &r, std::initializer_list<const char *> ops, int opset,
            const SymbolicFn &fn) {
  for (const char *op : ops)
    r.add(op, opset, fn);
}

} // namespace ts2onnx::symbolics
