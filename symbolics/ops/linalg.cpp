// Linear algebra: linear, addmm/baddbmm, matmul/mm/bmm, t, and triu/tril (Trilu from opset 14;
// no form before it).
#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

Result linear(Ctx &ctx) {
  ir::Value *x = ctx.input(0), *w = ctx.input(1);
  auto rank = rankOf(x);
  if (rank && *rank == 2) {
    std::vector<ir::Value *> ins = {x, w};
    if (!ctx.isNone(2))
      ins.push_back(ctx.input(2));
    return one(ctx.b.op("Gemm", ins, {OnnxAttr::i("transB", 1)}));
  }
  ir::Value *wt = ctx.b.op("Transpose", {w}, {OnnxAttr::is("perm", {1, 0})});
  ir::Value *out = ctx.b.op("MatMul", {x, wt});
  if (!ctx.isNone(2))
    out = ctx.b.op("Add", {out, ctx.input(2)});
  return one(out);
}

Result addmm(Ctx &ctx) {
  // aten::addmm(self, mat1, mat2, beta=1, alpha=1) = beta * self + alpha * mat1 @ mat2
  auto beta = ctx.numInputs() > 3 ? ctx.constFloat(3) : std::optional<double>(1);
  auto alpha = ctx.numInputs() > 4 ? ctx.constFloat(4) : std::optional<double>(1);
  if (!beta || !alpha)
    return ctx.unsupported("non-constant alpha/beta");
  auto t = dtypeOf(ctx.input(1));
  if (t && !ir::isFloatingType(*t)) {
    // Gemm is for floats (onnxruntime has no integer kernel): MatMul, then the scaled sum.
    ir::Value *product = ctx.b.op("MatMul", {ctx.input(1), ctx.input(2)});
    if (*alpha != 1)
      product = ctx.b.op("Mul", {product, ctx.b.scalarOf(*alpha, *t)});
    ir::Value *self = ctx.input(0);
    if (*beta == 0)
      return one(product);
    if (*beta != 1)
      self = ctx.b.op("Mul", {self, ctx.b.scalarOf(*beta, *t)});
    return one(ctx.b.op("Add", {product, self}));
  }
  return one(ctx.b.op("Gemm", {ctx.input(1), ctx.input(2), ctx.input(0)},
                      {OnnxAttr::f("alpha", *alpha), OnnxAttr::f("beta", *beta)}));
}

Result baddbmm(Ctx &ctx) {
  // aten::baddbmm(self, batch1, batch2, beta=1, alpha=1) = beta * self + alpha * batch1 @ batch2
  // (what scripted F.multi_head_attention_forward uses with a mask).
  auto beta = ctx.numInputs() > 3 ? ctx.constFloat(3) : std::optional<double>(1);
  auto alpha = ctx.numInputs() > 4 ? ctx.constFloat(4) : std::optional<double>(1);
  if (!beta || !alpha)
    return ctx.unsupported("non-constant alpha/beta");
  ScalarType t = dtypeOf(ctx.input(1)).value_or(ScalarType::Float32);
  ir::Value *prod = ctx.b.op("MatMul", {ctx.input(1), ctx.input(2)});
  if (*alpha != 1)
    prod = ctx.b.op("Mul", {prod, ctx.b.scalarOf(*alpha, t)});
  if (*beta == 0)
    return one(prod);
  ir::Value *self = ctx.input(0);
  if (*beta != 1)
    self = ctx.b.op("Mul", {self, ctx.b.scalarOf(*beta, t)});
  return one(ctx.b.op("Add", {self, prod}));
}

Result matmul(Ctx &ctx) { return one(ctx.b.op("MatMul", {ctx.input(0), ctx.input(1)})); }

Result transposeLast2(Ctx &ctx) {
  // aten::t: the identity on 0-d and 1-d tensors.
  auto r = rankOf(ctx.input(0));
  if (r && *r < 2)
    return one(ctx.input(0));
  return one(ctx.b.op("Transpose", {ctx.input(0)}, {OnnxAttr::is("perm", {1, 0})}));
}

Result trilu(SymbolicContext &ctx, bool upper) {
  // aten::triu(self, diagonal=0)
  ir::Value *k = nullptr;
  if (ctx.numInputs() > 1) {
    TS2ONNX_ASSIGN_OR_RETURN(k, intScalar(ctx, 1));
  } else {
    k = ctx.b.int64Scalar(0);
  }
  return one(ctx.b.op("Trilu", {ctx.input(0), k}, {OnnxAttr::i("upper", upper ? 1 : 0)}));
}

} // namespace

void registerLinalg(SymbolicRegistry &r) {
  r.add("aten::linear", 9, linear);
  r.add("aten::addmm", 9, addmm);
  r.add("aten::baddbmm", 9, baddbmm);
  addAll(r, {"aten::matmul", "aten::mm", "aten::bmm"}, 9, matmul);
  r.add("aten::t", 9, transposeLast2);
  r.add("aten::triu", 14, [](Ctx &c) { return trilu(c, true); });
  r.add("aten::tril", 14, [](Ctx &c) { return trilu(c, false); });
}

} // namespace ts2onnx::symbolics
