#include "symbolics/ops/OpHelpers.h"

#include "ir/Status.h"

namespace ts2onnx::symbolics {

ir::ScalarType floatLike(const ir::Value *v) {
  auto t = dtypeOf(v);
  return t && ir::isFloatingType(*t) ? *t : ir::ScalarType::Float32;
}

ir::Value *liftScalar(Ctx &ctx, ir::Value *x, bool &lifted) {
  auto r = rankOf(x);
  lifted = r && *r == 0;
  return lifted ? ctx.b.unsqueeze(x, {0}) : x;
}

ir::Value *dropLifted(Ctx &ctx, ir::Value *y, bool lifted) {
  return lifted ? ctx.b.squeeze(y, {0}) : y;
}

ir::Value *floatEq(OnnxBuilder &b, ir::Value *x, double c, ir::ScalarType t) {
  ir::Value *cv = b.scalarOf(c, t);
  if (b.opset() >= 11)
    return b.op("Equal", {x, cv});
  ir::Value *ordered = b.op("Not", {b.op("Or", {b.op("Less", {x, cv}), b.op("Greater", {x, cv})})});
  ir::Value *nan = b.op("IsNaN", {x});
  OnnxBuilder::setTensorType(nan, ir::ScalarType::Bool, OnnxBuilder::dimsOf(x));
  return b.op("And", {ordered, b.op("Not", {nan})});
}

Result unary(Ctx &ctx, const char *onnxOp) {
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * x, asTensor(ctx, 0));
  return one(ctx.b.op(onnxOp, {x}));
}

Result identity(Ctx &ctx) { return one(ctx.input(0)); }

ir::Value *typed(ir::Value *out, const Promotion &p) {
  if (p.dtype && !p.assumed)
    OnnxBuilder::setTensorType(out, p.dtype, OnnxBuilder::dimsOf(out));
  return out;
}

Result minMaxBinary(Ctx &ctx, const char *onnxOp) {
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  return one(typed(ctx.b.op(onnxOp, {xs[0], xs[1]}), p));
}

std::vector<int64_t> expandTo(std::vector<int64_t> v, size_t n) {
  if (v.size() == 1 && n > 1)
    v.assign(n, v[0]);
  return v;
}

Result withBatchDim(Ctx &ctx, int64_t batchedRank,
                    const std::function<Result(ir::Value *x)> &build) {
  ir::Value *x = ctx.input(0);
  auto r = rankOf(x);
  if (!r || *r != batchedRank - 1)
    return build(x);
  TS2ONNX_ASSIGN_OR_RETURN(auto outs, build(ctx.b.unsqueeze(x, {0})));
  for (ir::Value *&o : outs)
    if (o)
      o = ctx.b.squeeze(o, {0});
  return outs;
}

absl::StatusOr<std::vector<ir::Value *>> tensorListInput(Ctx &ctx, size_t i) {
  auto elems = ctx.listElements(i);
  if (!elems)
    return ctx.unsupported("a tensor list that is not a list literal");
  return *elems;
}

std::optional<size_t> unpackedCount(const ir::Node &n) {
  std::optional<size_t> count;
  for (const ir::Use &u : n.output(0)->uses()) {
    if (u.user->kind() != ir::prim::ListUnpack)
      return std::nullopt;
    count = u.user->outputs().size();
  }
  return count;
}

Result atOpset9(SymbolicContext &ctx, const char *op) {
  return (*SymbolicRegistry::global().lookup(op, 9))(ctx);
}

ir::TypePtr sequenceType(std::optional<ir::ScalarType> elem, std::optional<int64_t> rank) {
  ir::TensorInfo info;
  info.dtype = elem;
  if (rank)
    info.sizes = std::vector<ir::Dim>(size_t(*rank), ir::Dim::unknown());
  return ir::Type::list(ir::Type::tensor(std::move(info)));
}

std::optional<int64_t> elementRank(const ir::Value *seq) {
  const ir::Type &t = *seq->type();
  if (!t.is(ir::TypeKind::List))
    return std::nullopt;
  const ir::Type &e = *t.elementType();
  if (e.isTensor() && e.tensorInfo().sizes)
    return int64_t(e.tensorInfo().sizes->size());
  if (e.is(ir::TypeKind::Int) || e.is(ir::TypeKind::Float) || e.is(ir::TypeKind::Bool))
    return 0;
  return std::nullopt;
}

std::optional<ir::ScalarType> elementDtype(const ir::Value *seq) {
  const ir::Type &t = *seq->type();
  if (!t.is(ir::TypeKind::List))
    return std::nullopt;
  const ir::Type &e = *t.elementType();
  if (e.isTensor())
    return e.tensorInfo().dtype;
  if (e.is(ir::TypeKind::Int))
    return ir::ScalarType::Int64;
  if (e.is(ir::TypeKind::Float))
    return ir::ScalarType::Float64;
  if (e.is(ir::TypeKind::Bool))
    return ir::ScalarType::Bool;
  return std::nullopt;
}

std::optional<std::vector<ir::Dim>> unknownDims(std::optional<int64_t> rank) {
  if (!rank)
    return std::nullopt;
  return std::vector<ir::Dim>(size_t(*rank), ir::Dim::unknown());
}

} // namespace ts2onnx::symbolics
