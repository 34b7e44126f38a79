// Expressions other than calls and subscripts: literals, unary and binary operators,
// comparison chains, `and`/`or` (short-circuit through prim::If), conditional expressions, list,
// dict and list-comprehension literals.
#include "frontend/compiler/FunctionCompiler.h"

namespace ts2onnx::frontend::compiler {

const char *binaryOpName(script::BinaryOp op) {
  using script::BinaryOp;
  switch (op) {
  case BinaryOp::Add:
    return "aten::add";
  case BinaryOp::Sub:
    return "aten::sub";
  case BinaryOp::Mul:
    return "aten::mul";
  case BinaryOp::Div:
    return "aten::div";
  case BinaryOp::FloorDiv:
    return "aten::floordiv";
  case BinaryOp::Mod:
    return "aten::remainder";
  case BinaryOp::Pow:
    return "aten::pow";
  case BinaryOp::MatMul:
    return "aten::matmul";
  case BinaryOp::BitAnd:
    return "aten::__and__";
  case BinaryOp::BitOr:
    return "aten::__or__";
  case BinaryOp::BitXor:
    return "aten::__xor__";
  case BinaryOp::LShift:
    return "aten::__lshift__";
  case BinaryOp::RShift:
    return "aten::__rshift__";
  default:
    return nullptr;
  }
}

const char *compareOpName(script::CompareOp op) {
  using script::CompareOp;
  switch (op) {
  case CompareOp::Lt:
    return "aten::lt";
  case CompareOp::Gt:
    return "aten::gt";
  case CompareOp::Le:
    return "aten::le";
  case CompareOp::Ge:
    return "aten::ge";
  case CompareOp::Eq:
    return "aten::eq";
  case CompareOp::Ne:
    return "aten::ne";
  case CompareOp::Is:
    return "aten::__is__";
  case CompareOp::IsNot:
    return "aten::__isnot__";
  default:
    return nullptr;
  }
}

absl::StatusOr<Value *> FunctionCompiler::compileValue(const Expr &e, Frame &f,
                                                       const TypePtr &hint) {
  TS2ONNX_ASSIGN_OR_RETURN(Sugared s, compileExpr(e, f, hint));
  return asValue(s, e.range);
}

absl::StatusOr<Sugared> FunctionCompiler::compileExpr(const Expr &e, Frame &f,
                                                      const TypePtr &hint) {
  const SourceRange &r = e.range;
  switch (e.kind) {
  case ExprKind::Name:
    return compileName(static_cast<const script::NameExpr &>(e), f);
  case ExprKind::Int: {
    auto &i = static_cast<const script::IntLiteral &>(e);
    if (i.value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return script::sourceError(r, "integer literal out of range for int64");
    return Sugared::of(constInt(static_cast<int64_t>(i.value), r));
  }
  case ExprKind::Float: {
    auto &fl = static_cast<const script::FloatLiteral &>(e);
    if (fl.imaginary)
      return script::sourceError(r, "complex literals are not supported");
    Value *v = g_.insertConstantFloat(fl.value);
    v->node()->setSourceLocation(toLoc(r));
    return Sugared::of(v);
  }
  case ExprKind::String: {
    Value *v = g_.insertConstantString(static_cast<const script::StringLiteral &>(e).value);
    v->node()->setSourceLocation(toLoc(r));
    return Sugared::of(v);
  }
  case ExprKind::True:
  case ExprKind::False:
    return Sugared::of(constBool(e.kind == ExprKind::True, r));
  case ExprKind::None:
    return Sugared::of(constNone(r));
  case ExprKind::Ellipsis:
    return script::sourceError(r, "`...` is only allowed as a tensor index");
  case ExprKind::Attribute:
    return compileAttribute(static_cast<const script::AttributeExpr &>(e), f);
  case ExprKind::Call:
    return compileCall(static_cast<const script::CallExpr &>(e), f, hint);
  case ExprKind::Subscript:
    return compileSubscript(static_cast<const script::SubscriptExpr &>(e), f);
  case ExprKind::Unary:
    return compileUnary(static_cast<const script::UnaryExpr &>(e), f);
  case ExprKind::Binary:
    return compileBinary(static_cast<const script::BinaryExpr &>(e), f);
  case ExprKind::Compare:
    return compileCompare(static_cast<const script::CompareExpr &>(e), f);
  case ExprKind::Ternary:
    return compileTernary(static_cast<const script::TernaryExpr &>(e), f);
  case ExprKind::List:
    return compileList(static_cast<const script::ListExpr &>(e), f, hint);
  case ExprKind::Tuple: {
    auto &t = static_cast<const script::TupleExpr &>(e);
    std::vector<Value *> elems;
    std::vector<TypePtr> types;
    for (size_t i = 0; i < t.elements.size(); ++i) {
      TypePtr h = hint && hint->is(TypeKind::Tuple) && i < hint->contained().size()
                      ? hint->contained()[i]
                      : nullptr;
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*t.elements[i], f, h));
      elems.push_back(v);
      types.push_back(v->type());
    }
    ir::Node *n = insert(ir::prim::TupleConstruct, elems, 1, r);
    n->output()->setType(Type::tuple(std::move(types)));
    return Sugared::of(n->output());
  }
  case ExprKind::Dict:
    return compileDict(static_cast<const script::DictExpr &>(e), f, hint);
  case ExprKind::ListComp:
    return compileListComp(static_cast<const script::ListCompExpr &>(e), f, hint);
  case ExprKind::DictComp:
    return script::sourceError(r, "dict comprehensions are not supported yet");
  case ExprKind::Slice:
    return script::sourceError(r, "a slice is only allowed inside []");
  }
  return script::sourceError(r, "unsupported expression");
}

absl::StatusOr<Sugared> FunctionCompiler::compileUnary(const script::UnaryExpr &u, Frame &f) {
  const SourceRange &r = u.range;
  // Fold negative numeric literals, as torch's parser does.
  if (u.op == script::UnaryOp::Neg) {
    if (auto *i = dynCast<script::IntLiteral>(u.operand.get())) {
      if (i->value > uint64_t(std::numeric_limits<int64_t>::max()) + 1)
        return script::sourceError(r, "integer literal out of range for int64");
      return Sugared::of(constInt(int64_t(0 - i->value), r));
    }
    if (auto *fl = dynCast<script::FloatLiteral>(u.operand.get()); fl && !fl->imaginary) {
      Value *v = g_.insertConstantFloat(-fl->value);
      v->node()->setSourceLocation(toLoc(r));
      return Sugared::of(v);
    }
  }
  if (u.op == script::UnaryOp::Not) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * c, compileCondition(*u.operand, f));
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, op1("aten::__not__", {c}, r));
    return Sugared::of(v);
  }
  TS2ONNX_ASSIGN_OR_RETURN(Value * x, compileValue(*u.operand, f, nullptr));
  if (u.op == script::UnaryOp::Pos)
    return Sugared::of(x);
  const char *name = u.op == script::UnaryOp::Neg ? "aten::neg"
                     : x->type()->isTensor()      ? "aten::bitwise_not"
                                                  : "aten::__invert__";
  TS2ONNX_ASSIGN_OR_RETURN(Value * v, op1(name, {x}, r));
  return Sugared::of(v);
}

absl::StatusOr<Value *> FunctionCompiler::shortCircuit(bool isAnd, const Expr &lhs, const Expr &rhs,
                                                       Frame &f, const SourceRange &r) {
  TS2ONNX_ASSIGN_OR_RETURN(Value * a, compileCondition(lhs, f));
  ir::Node *n = insert(ir::prim::If, {a}, 1, r);
  n->output()->setType(Type::boolType());
  ir::Block *evalRhs = n->addBlock(), *constant = n->addBlock();
  if (!isAnd)
    std::swap(evalRhs, constant);
  {
    ir::WithInsertPoint guard(evalRhs);
    Frame inner;
    inner.parent = &f;
    TS2ONNX_ASSIGN_OR_RETURN(Value * b, compileCondition(rhs, inner));
    evalRhs->registerOutput(b);
  }
  {
    ir::WithInsertPoint guard(constant);
    constant->registerOutput(constBool(!isAnd, r));
  }
  return n->output();
}

absl::StatusOr<Sugared> FunctionCompiler::compileBinary(const script::BinaryExpr &b, Frame &f) {
  const SourceRange &r = b.range;
  if (b.op == script::BinaryOp::And || b.op == script::BinaryOp::Or) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * v,
                             shortCircuit(b.op == script::BinaryOp::And, *b.lhs, *b.rhs, f, r));
    return Sugared::of(v);
  }
  TS2ONNX_ASSIGN_OR_RETURN(Value * lhs, compileValue(*b.lhs, f, nullptr));
  TS2ONNX_ASSIGN_OR_RETURN(Value * rhs, compileValue(*b.rhs, f, nullptr));
  const char *name = binaryOpName(b.op);
  if (!name)
    return script::sourceError(r, "unsupported binary operator");
  TS2ONNX_ASSIGN_OR_RETURN(Value * v, op1(name, {lhs, rhs}, r));
  return Sugared::of(v);
}

absl::StatusOr<Value *> FunctionCompiler::compareOnce(script::CompareOp op, Value *a, Value *b,
                                                      const SourceRange &r) {
  using script::CompareOp;
  if (op == CompareOp::In || op == CompareOp::NotIn) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * in, op1("aten::__contains__", {b, a}, r));
    if (op == CompareOp::In)
      return in;
    return op1("aten::__not__", {in}, r);
  }
  if ((op == CompareOp::Is || op == CompareOp::IsNot) && (isNone(a->type()) || isNone(b->type()))) {
    // `x is None` on a value that cannot be None folds, as in torch's emitter.
    Value *other = isNone(a->type()) ? b : a;
    const TypePtr &t = other->type();
    bool mayBeNone =
        isNone(t) || t->is(TypeKind::Optional) || t->is(TypeKind::Any) || t->is(TypeKind::Union);
    if (!mayBeNone)
      return constBool(op == CompareOp::IsNot, r);
  }
  return op1(compareOpName(op), {a, b}, r);
}

absl::StatusOr<Sugared> FunctionCompiler::compileCompare(const script::CompareExpr &c, Frame &f) {
  const SourceRange &r = c.range;
  TS2ONNX_ASSIGN_OR_RETURN(Value * lhs, compileValue(*c.first, f, nullptr));
  Value *result = nullptr;
  for (const auto &[op, e] : c.rest) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * rhs, compileValue(*e, f, nullptr));
    TS2ONNX_ASSIGN_OR_RETURN(Value * cmp, compareOnce(op, lhs, rhs, r));
    if (!result) {
      result = cmp;
    } else {
      TS2ONNX_ASSIGN_OR_RETURN(Value * a, toBool(result, r));
      TS2ONNX_ASSIGN_OR_RETURN(Value * b, toBool(cmp, r));
      TS2ONNX_ASSIGN_OR_RETURN(result, op1("aten::__and__", {a, b}, r));
    }
    lhs = rhs;
  }
  return Sugared::of(result);
}

absl::StatusOr<Sugared> FunctionCompiler::compileTernary(const script::TernaryExpr &t, Frame &f) {
  const SourceRange &r = t.range;
  TS2ONNX_ASSIGN_OR_RETURN(Value * cond, compileCondition(*t.cond, f));
  ir::Node *n = insert(ir::prim::If, {cond}, 1, r);
  Value *vals[2];
  const Expr *exprs[2] = {t.thenExpr.get(), t.elseExpr.get()};
  for (int i = 0; i < 2; ++i) {
    ir::Block *b = n->addBlock();
    ir::WithInsertPoint guard(b);
    Frame inner;
    inner.parent = &f;
    TS2ONNX_ASSIGN_OR_RETURN(vals[i], compileValue(*exprs[i], inner, nullptr));
    b->registerOutput(vals[i]);
  }
  n->output()->setType(unify(vals[0]->type(), vals[1]->type()));
  return Sugared::of(n->output());
}

absl::StatusOr<Sugared> FunctionCompiler::compileList(const script::ListExpr &l, Frame &f,
                                                      const TypePtr &hint) {
  TypePtr elemHint = hint && hint->is(TypeKind::List) ? hint->elementType() : nullptr;
  std::vector<Value *> elems;
  TypePtr elem = elemHint;
  for (const script::ExprPtr &e : l.elements) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*e, f, elemHint));
    elems.push_back(v);
    if (!elemHint)
      elem = elem ? unify(elem, v->type()) : v->type();
  }
  if (!elem)
    elem = Type::tensor();
  if (elem->isTensor())
    elem = Type::tensor();
  ir::Node *n = insert(ir::prim::ListConstruct, elems, 1, l.range);
  n->output()->setType(Type::list(elem));
  return Sugared::of(n->output());
}

absl::StatusOr<Sugared> FunctionCompiler::compileDict(const script::DictExpr &d, Frame &f,
                                                      const TypePtr &hint) {
  std::vector<Value *> ins;
  TypePtr k = hint && hint->is(TypeKind::Dict) ? hint->contained()[0] : nullptr;
  TypePtr v = hint && hint->is(TypeKind::Dict) ? hint->contained()[1] : nullptr;
  bool fixed = k != nullptr;
  for (size_t i = 0; i < d.keys.size(); ++i) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * kv, compileValue(*d.keys[i], f, nullptr));
    TS2ONNX_ASSIGN_OR_RETURN(Value * vv, compileValue(*d.values[i], f, fixed ? v : nullptr));
    ins.push_back(kv);
    ins.push_back(vv);
    if (!fixed) {
      k = k ? unify(k, kv->type()) : kv->type();
      v = v ? unify(v, vv->type()) : vv->type();
    }
  }
  if (!k) {
    k = Type::strType();
    v = Type::tensor();
  }
  if (v->isTensor())
    v = Type::tensor();
  ir::Node *n = insert(ir::prim::DictConstruct, ins, 1, d.range);
  n->output()->setType(Type::dict(k, v));
  return Sugared::of(n->output());
}

absl::StatusOr<Sugared> FunctionCompiler::compileListComp(const script::ListCompExpr &lc, Frame &f,
                                                          const TypePtr &hint) {
  const SourceRange &r = lc.range;
  ir::Node *list = insert(ir::prim::ListConstruct, {}, 1, r);
  list->output()->setType(hint ? hint : Type::list(Type::tensor()));
  TS2ONNX_ASSIGN_OR_RETURN(Value * seq, compileValue(*lc.iter, f, nullptr));
  TS2ONNX_ASSIGN_OR_RETURN(Value * trip, op1("aten::len", {seq}, r));
  ir::Node *loop = insert(ir::prim::Loop, {trip, constBool(true, r)}, 0, r);
  ir::Block *body = loop->addBlock();
  Value *i = body->addInput();
  i->setType(Type::intType());
  ir::WithInsertPoint guard(body);
  Frame inner;
  inner.parent = &f;
  inner.block = body;
  TS2ONNX_ASSIGN_OR_RETURN(Value * item, getItem(seq, i, r));
  TS2ONNX_RETURN_IF_ERROR(assignTo(*lc.target, item, inner));
  auto appendElt = [&](Frame &fr) -> absl::Status {
    TS2ONNX_ASSIGN_OR_RETURN(Value * elt, compileValue(*lc.elt, fr, nullptr));
    if (!hint)
      list->output()->setType(Type::list(elt->type()->isTensor() ? Type::tensor() : elt->type()));
    return op1("aten::append", {list->output(), elt}, r).status();
  };
  if (lc.cond) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * c, compileCondition(*lc.cond, inner));
    ir::Node *n = insert(ir::prim::If, {c}, 0, r);
    ir::Block *then = n->addBlock();
    n->addBlock();
    ir::WithInsertPoint g2(then);
    Frame thenFrame;
    thenFrame.parent = &inner;
    TS2ONNX_RETURN_IF_ERROR(appendElt(thenFrame));
  } else {
    TS2ONNX_RETURN_IF_ERROR(appendElt(inner));
  }
  body->registerOutput(constBool(true, r));
  return Sugared::of(list->output());
}

} // namespace ts2onnx::frontend::compiler
