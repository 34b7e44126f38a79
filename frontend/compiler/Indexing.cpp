// Indexing: `x[i]`, slices, None, Ellipsis and tensor indices on tensors (select / slice /
// unsqueeze views, aten::index for advanced indexing), and subscripts of lists, tuples, dicts
// and strings.
#include "frontend/compiler/FunctionCompiler.h"

namespace ts2onnx::frontend::compiler {

absl::StatusOr<Value *> FunctionCompiler::indexTensor(Value *base, const script::SubscriptExpr &sub,
                                                      Frame &f,
                                                      std::vector<Value *> *tensorIndices) {
  const SourceRange &r = sub.range;
  int64_t dim = 0;
  size_t ellipsisAt = sub.indices.size();
  for (size_t i = 0; i < sub.indices.size(); ++i)
    if (sub.indices[i]->kind == ExprKind::Ellipsis)
      ellipsisAt = i;
  Value *cur = base;
  std::vector<std::pair<int64_t, Value *>> advanced;
  for (size_t i = 0; i < sub.indices.size(); ++i) {
    const Expr &ix = *sub.indices[i];
    if (ix.kind == ExprKind::Ellipsis) {
      // Index the trailing dims from the end: remaining explicit indices that consume a dim.
      int64_t rest = 0;
      for (size_t j = i + 1; j < sub.indices.size(); ++j)
        rest += sub.indices[j]->kind != ExprKind::None;
      dim = -rest;
      continue;
    }
    if (ix.kind == ExprKind::None) {
      TS2ONNX_ASSIGN_OR_RETURN(cur, op1("aten::unsqueeze", {cur, constInt(dim, r)}, r));
      if (dim >= 0)
        ++dim;
      continue;
    }
    if (auto *sl = dynCast<script::SliceExpr>(&ix)) {
      Value *start = nullptr, *end = nullptr, *step = nullptr;
      if (sl->start) {
        TS2ONNX_ASSIGN_OR_RETURN(start, compileValue(*sl->start, f, nullptr));
      } else {
        start = constNone(r);
      }
      if (sl->stop) {
        TS2ONNX_ASSIGN_OR_RETURN(end, compileValue(*sl->stop, f, nullptr));
      } else {
        end = constNone(r);
      }
      if (sl->step) {
        TS2ONNX_ASSIGN_OR_RETURN(step, compileValue(*sl->step, f, nullptr));
      } else {
        step = constInt(1, r);
      }
      TS2ONNX_ASSIGN_OR_RETURN(cur,
                               op1("aten::slice", {cur, constInt(dim, r), start, end, step}, r));
      if (dim >= 0)
        ++dim;
      else
        ++dim;
      continue;
    }
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(ix, f, nullptr));
    if (v->type()->is(TypeKind::Int)) {
      TS2ONNX_ASSIGN_OR_RETURN(cur, op1("aten::select", {cur, constInt(dim, r), v}, r));
      if (dim < 0)
        ++dim;
      continue;
    }
    if (v->type()->isTensor() || v->type()->is(TypeKind::List)) {
      if (dim < 0)
        return script::sourceError(r, "tensor indices after `...` are not supported yet");
      advanced.emplace_back(dim, v);
      ++dim;
      continue;
    }
    return script::sourceError(ix.range, fmt::format("cannot index a tensor with a value of "
                                                     "type {}",
                                                     v->type()->str()));
  }
  (void)ellipsisAt;
  if (!advanced.empty()) {
    int64_t maxDim = advanced.back().first;
    Value *none = nullptr;
    for (int64_t d = 0, k = 0; d <= maxDim; ++d) {
      if (k < int64_t(advanced.size()) && advanced[k].first == d) {
        tensorIndices->push_back(advanced[k++].second);
      } else {
        if (!none)
          none = constNone(r);
        tensorIndices->push_back(none);
      }
    }
  }
  return cur;
}

absl::StatusOr<Sugared> FunctionCompiler::compileSubscript(const script::SubscriptExpr &sub,
                                                           Frame &f) {
  const SourceRange &r = sub.range;
  TS2ONNX_ASSIGN_OR_RETURN(Value * base, compileValue(*sub.value, f, nullptr));
  const TypePtr &t = base->type();
  if (t->isTensor()) {
    std::vector<Value *> tensorIndices;
    TS2ONNX_ASSIGN_OR_RETURN(Value * view, indexTensor(base, sub, f, &tensorIndices));
    if (tensorIndices.empty())
      return Sugared::of(view);
    ir::Node *list = insert(ir::prim::ListConstruct, tensorIndices, 1, r);
    list->output()->setType(Type::list(Type::optional(Type::tensor())));
    TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1("aten::index", {view, list->output()}, r));
    return Sugared::of(out);
  }
  if (sub.indices.size() != 1)
    return script::sourceError(r, fmt::format("a value of type {} takes one index", t->str()));
  const Expr &ix = *sub.indices[0];
  if (auto *sl = dynCast<script::SliceExpr>(&ix)) {
    if (t->is(TypeKind::Tuple)) {
      auto constIndex = [&](const script::ExprPtr &e, int64_t dflt) -> absl::StatusOr<int64_t> {
        if (!e)
          return dflt;
        TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*e, f, nullptr));
        if (v->node()->kind() != ir::prim::Constant || !v->type()->is(TypeKind::Int))
          return script::sourceError(e->range, "tuple slices need constant bounds");
        return v->node()->i(ir::attr::value);
      };
      int64_t n = int64_t(t->contained().size());
      TS2ONNX_ASSIGN_OR_RETURN(int64_t b, constIndex(sl->start, 0));
      TS2ONNX_ASSIGN_OR_RETURN(int64_t e, constIndex(sl->stop, n));
      if (b < 0)
        b += n;
      if (e < 0)
        e += n;
      b = std::clamp<int64_t>(b, 0, n);
      e = std::clamp<int64_t>(e, b, n);
      ir::Node *node = insert(ir::prim::TupleSlice, {base}, 1, r);
      node->i_(ir::Symbol::attr("beg"), b);
      node->i_(ir::Symbol::attr("end"), e);
      node->output()->setType(Type::tuple(
          std::vector<TypePtr>(t->contained().begin() + b, t->contained().begin() + e)));
      return Sugared::of(node->output());
    }
    std::vector<Value *> parts = {base};
    for (const script::ExprPtr *p : {&sl->start, &sl->stop, &sl->step}) {
      if (*p) {
        TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(**p, f, nullptr));
        parts.push_back(v);
      } else {
        parts.push_back(p == &sl->step ? constInt(1, r) : constNone(r));
      }
    }
    TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1("aten::slice", parts, r));
    return Sugared::of(out);
  }
  TS2ONNX_ASSIGN_OR_RETURN(Value * key, compileValue(ix, f, nullptr));
  if (t->is(TypeKind::Tuple)) {
    int64_t n = int64_t(t->contained().size());
    TypePtr elem;
    if (key->node()->kind() == ir::prim::Constant && key->type()->is(TypeKind::Int)) {
      int64_t i = key->node()->i(ir::attr::value);
      if (i < 0)
        i += n;
      if (i < 0 || i >= n)
        return script::sourceError(r, fmt::format("tuple index {} out of range", i));
      elem = t->contained()[size_t(i)];
      key = constInt(i, r);
    } else {
      elem = n ? t->contained()[0] : Type::noneType();
    }
    ir::Node *node = insert(ir::prim::TupleIndex, {base, key}, 1, r);
    node->output()->setType(elem);
    return Sugared::of(node->output());
  }
  TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1("aten::__getitem__", {base, key}, r));
  return Sugared::of(out);
}

} // namespace ts2onnx::frontend::compiler
