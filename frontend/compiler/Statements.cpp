// Statements: assignment (to names, tuples, attributes, subscripts), augmented assignment,
// return, raise, assert, if, while and for (over ranges, enumerate/zip, tuples, lists, dicts).
#include "frontend/compiler/FunctionCompiler.h"

namespace ts2onnx::frontend::compiler {

absl::Status FunctionCompiler::compileBlock(const script::Block &body, Frame &f) {
  for (const script::StmtPtr &s : body) {
    // Code after a return never runs; code after a raise is still compiled, as torch does
    // (serialized code assigns the values the branch "returns" there, often `uninitialized`).
    if (f.returned)
      break;
    TS2ONNX_RETURN_IF_ERROR(compileStmt(*s, f));
  }
  return absl::OkStatus();
}

absl::Status FunctionCompiler::compileStmt(const Stmt &s, Frame &f) {
  using script::StmtKind;
  switch (s.kind) {
  case StmtKind::Expr: {
    auto &e = static_cast<const script::ExprStmt &>(s);
    TS2ONNX_ASSIGN_OR_RETURN(Sugared v, compileExpr(*e.expr, f, nullptr));
    (void)v;
    return absl::OkStatus();
  }
  case StmtKind::Assign:
    return compileAssign(static_cast<const script::AssignStmt &>(s), f);
  case StmtKind::AugAssign:
    return compileAugAssign(static_cast<const script::AugAssignStmt &>(s), f);
  case StmtKind::AnnAssign: {
    auto &a = static_cast<const script::AnnAssignStmt &>(s);
    if (!a.value)
      return absl::OkStatus();
    TS2ONNX_ASSIGN_OR_RETURN(TypePtr hint, c_.classes_.resolveType(*a.annotation));
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*a.value, f, hint));
    if (!isSubtype(v->type(), hint) && !v->type()->isTensor())
      v = v; // torch checks; serialized code is already well typed
    return assignTo(*a.target, v, f);
  }
  case StmtKind::Return: {
    auto &r = static_cast<const script::ReturnStmt &>(s);
    Value *v = nullptr;
    if (r.value) {
      TS2ONNX_ASSIGN_OR_RETURN(v, compileValue(*r.value, f, nullptr));
    } else {
      v = constNone(s.range);
    }
    f.set(kReturnVar, v);
    f.returned = true;
    return absl::OkStatus();
  }
  case StmtKind::Pass:
  case StmtKind::Import:
    return absl::OkStatus();
  case StmtKind::If:
    return compileIf(static_cast<const script::IfStmt &>(s), f);
  case StmtKind::While:
    return compileWhile(static_cast<const script::WhileStmt &>(s), f);
  case StmtKind::For:
    return compileFor(static_cast<const script::ForStmt &>(s), f);
  case StmtKind::Raise:
    return compileRaise(static_cast<const script::RaiseStmt &>(s), f);
  case StmtKind::Assert:
    return compileAssert(static_cast<const script::AssertStmt &>(s), f);
  case StmtKind::With: {
    auto &w = static_cast<const script::WithStmt &>(s);
    // Context managers in serialized code are autocast / no_grad scopes, which do not change
    // what an exported graph computes.
    return compileBlock(w.body, f);
  }
  case StmtKind::Delete: {
    auto &d = static_cast<const script::DeleteStmt &>(s);
    for (auto &t : d.targets) {
      auto *sub = dynCast<script::SubscriptExpr>(t.get());
      if (!sub || sub->indices.size() != 1)
        return script::sourceError(t->range, "only `del container[key]` is supported");
      TS2ONNX_ASSIGN_OR_RETURN(Value * base, compileValue(*sub->value, f, nullptr));
      TS2ONNX_ASSIGN_OR_RETURN(Value * key, compileValue(*sub->indices[0], f, nullptr));
      std::vector<NamedValue> args = {{"", base, t->range}, {"", key, t->range}};
      TS2ONNX_RETURN_IF_ERROR(emitOp("aten::Delete", args, {}, t->range).status());
    }
    return absl::OkStatus();
  }
  case StmtKind::Break:
  case StmtKind::Continue:
    return script::sourceError(s.range, "break/continue are not supported yet (torch's "
                                        "serializer rewrites them as flags)");
  case StmtKind::Def:
  case StmtKind::Class:
    return script::sourceError(s.range, "nested definitions are not supported");
  }
  return script::sourceError(s.range, "unsupported statement");
}

absl::Status FunctionCompiler::compileAssign(const script::AssignStmt &a, Frame &f) {
  // `a, b = x, y` binds element by element, without building a tuple (as torch does).
  auto *lit = dynCast<script::TupleExpr>(a.value.get());
  if (lit && a.targets.size() == 1) {
    auto *tt = dynCast<script::TupleExpr>(a.targets[0].get());
    if (tt && tt->elements.size() == lit->elements.size()) {
      std::vector<Value *> vals;
      for (auto &e : lit->elements) {
        TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*e, f, nullptr));
        vals.push_back(v);
      }
      for (size_t i = 0; i < vals.size(); ++i)
        TS2ONNX_RETURN_IF_ERROR(assignTo(*tt->elements[i], vals[i], f));
      return absl::OkStatus();
    }
  }
  TS2ONNX_ASSIGN_OR_RETURN(Sugared sv, compileExpr(*a.value, f, nullptr));
  if (sv.kind != Sugared::Kind::Value) {
    auto *n = a.targets.size() == 1 ? dynCast<script::NameExpr>(a.targets[0].get()) : nullptr;
    if (!n)
      return script::sourceError(a.range, fmt::format("'{}' is not a value", sv.name));
    f.sugared[n->name] = sv;
    return absl::OkStatus();
  }
  Value *v = sv.value;
  for (const script::ExprPtr &t : a.targets)
    TS2ONNX_RETURN_IF_ERROR(assignTo(*t, v, f));
  return absl::OkStatus();
}

absl::Status FunctionCompiler::compileAugAssign(const script::AugAssignStmt &a, Frame &f) {
  const char *name = binaryOpName(a.op);
  if (!name)
    return script::sourceError(a.range, "unsupported augmented assignment");
  TS2ONNX_ASSIGN_OR_RETURN(Value * lhs, compileValue(*a.target, f, nullptr));
  TS2ONNX_ASSIGN_OR_RETURN(Value * rhs, compileValue(*a.value, f, nullptr));
  // Tensors update in place (`add_`), other values rebind (`x = x + y`), as in Python.
  if (lhs->type()->isTensor()) {
    std::string inplace = std::string(name) + "_";
    TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1(inplace, {lhs, rhs}, a.range));
    (void)out;
    return absl::OkStatus();
  }
  TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1(name, {lhs, rhs}, a.range));
  return assignTo(*a.target, out, f);
}

absl::Status FunctionCompiler::assignTo(const Expr &target, Value *v, Frame &f) {
  if (auto *n = dynCast<script::NameExpr>(&target)) {
    assign(f, n->name, v);
    return absl::OkStatus();
  }
  const std::vector<script::ExprPtr> *elems = nullptr;
  if (auto *t = dynCast<script::TupleExpr>(&target))
    elems = &t->elements;
  else if (auto *l = dynCast<script::ListExpr>(&target))
    elems = &l->elements;
  if (elems) {
    TS2ONNX_ASSIGN_OR_RETURN(auto parts, unpack(v, elems->size(), target.range));
    for (size_t i = 0; i < elems->size(); ++i)
      TS2ONNX_RETURN_IF_ERROR(assignTo(*(*elems)[i], parts[i], f));
    return absl::OkStatus();
  }
  if (auto *attr = dynCast<script::AttributeExpr>(&target)) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * obj, compileValue(*attr->value, f, nullptr));
    ir::Node *n = insert(ir::prim::SetAttr, {obj, v}, 0, target.range);
    n->s_(ir::attr::name, attr->name);
    return absl::OkStatus();
  }
  if (auto *sub = dynCast<script::SubscriptExpr>(&target))
    return assignSubscript(*sub, v, f);
  return script::sourceError(target.range, "cannot assign to this expression");
}

absl::StatusOr<std::vector<Value *>> FunctionCompiler::unpack(Value *v, size_t n,
                                                              const SourceRange &r) {
  const TypePtr &t = v->type();
  if (t->is(TypeKind::Tuple)) {
    if (t->contained().size() != n)
      return script::sourceError(
          r, fmt::format("cannot unpack a tuple of {} into {} names", t->contained().size(), n));
    ir::Node *u = insert(ir::prim::TupleUnpack, {v}, n, r);
    for (size_t i = 0; i < n; ++i)
      u->output(i)->setType(t->contained()[i]);
    return u->outputs();
  }
  if (t->is(TypeKind::List)) {
    ir::Node *u = insert(ir::prim::ListUnpack, {v}, n, r);
    for (size_t i = 0; i < n; ++i)
      u->output(i)->setType(t->elementType());
    return u->outputs();
  }
  return script::sourceError(r, fmt::format("cannot unpack a value of type {}", t->str()));
}

absl::Status FunctionCompiler::assignSubscript(const script::SubscriptExpr &sub, Value *v,
                                               Frame &f) {
  TS2ONNX_ASSIGN_OR_RETURN(Value * base, compileValue(*sub.value, f, nullptr));
  const SourceRange &r = sub.range;
  if (!base->type()->isTensor()) {
    if (sub.indices.size() != 1)
      return script::sourceError(r, "expected one index");
    TS2ONNX_ASSIGN_OR_RETURN(Value * key, compileValue(*sub.indices[0], f, nullptr));
    std::vector<NamedValue> args = {{"", base, r}, {"", key, r}, {"", v, r}};
    return emitOp("aten::_set_item", args, {}, r).status();
  }
  // Tensor: view the indexed region and write into it, or index_put_ for tensor indices.
  std::vector<Value *> tensorIndices;
  TS2ONNX_ASSIGN_OR_RETURN(Value * view, indexTensor(base, sub, f, &tensorIndices));
  if (!tensorIndices.empty()) {
    ir::Node *list = insert(ir::prim::ListConstruct, tensorIndices, 1, r);
    list->output()->setType(Type::list(Type::optional(Type::tensor())));
    std::vector<NamedValue> args = {
        {"", view, r}, {"", list->output(), r}, {"", v, r}, {"", constBool(false, r), r}};
    return emitOp("aten::index_put_", args, {}, r).status();
  }
  if (v->type()->isTensor()) {
    std::vector<NamedValue> args = {{"", view, r}, {"", v, r}, {"", constBool(false, r), r}};
    return emitOp("aten::copy_", args, {}, r).status();
  }
  std::vector<NamedValue> args = {{"", view, r}, {"", v, r}};
  return emitOp("aten::fill_", args, {}, r).status();
}

absl::Status FunctionCompiler::compileRaise(const script::RaiseStmt &s, Frame &f) {
  Value *msg = nullptr;
  std::string cls = "builtins.Exception";
  if (s.exc) {
    if (auto *call = dynCast<script::CallExpr>(s.exc.get())) {
      if (auto name = script::dottedName(*call->func))
        cls = "builtins." + *name;
      if (!call->args.empty()) {
        TS2ONNX_ASSIGN_OR_RETURN(msg, compileValue(*call->args[0], f, nullptr));
      }
    }
  }
  if (!msg)
    msg = g_.insertConstantString("");
  Value *clsv = g_.insertConstantString(cls);
  insert(ir::prim::RaiseException, {msg, clsv}, 0, s.range);
  f.exited = true;
  return absl::OkStatus();
}

absl::Status FunctionCompiler::compileAssert(const script::AssertStmt &s, Frame &f) {
  TS2ONNX_ASSIGN_OR_RETURN(Value * cond, compileCondition(*s.test, f));
  ir::Node *n = insert(ir::prim::If, {cond}, 0, s.range);
  n->addBlock();
  ir::Block *fail = n->addBlock();
  ir::WithInsertPoint guard(fail);
  Value *msg = nullptr;
  if (s.msg) {
    Frame inner;
    inner.parent = &f;
    TS2ONNX_ASSIGN_OR_RETURN(msg, compileValue(*s.msg, inner, nullptr));
  } else {
    msg = g_.insertConstantString("AssertionError: ");
  }
  insert(ir::prim::RaiseException, {msg, g_.insertConstantString("builtins.AssertionError")}, 0,
         s.range);
  return absl::OkStatus();
}

absl::StatusOr<Value *> FunctionCompiler::compileCondition(const Expr &e, Frame &f) {
  TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(e, f, nullptr));
  return toBool(v, e.range);
}

absl::StatusOr<Value *> FunctionCompiler::toBool(Value *v, const SourceRange &r) {
  if (v->type()->is(TypeKind::Bool))
    return v;
  if (v->type()->isTensor() || v->type()->is(TypeKind::Int) || v->type()->is(TypeKind::Float))
    return op1("aten::Bool", {v}, r);
  return script::sourceError(
      r, fmt::format("expected a condition of type bool, got {}", v->type()->str()));
}

absl::Status FunctionCompiler::compileIf(const script::IfStmt &s, Frame &f) {
  TS2ONNX_ASSIGN_OR_RETURN(Value * cond, compileCondition(*s.cond, f));
  ir::Node *n = insert(ir::prim::If, {cond}, 0, s.range);
  Frame a, b;
  a.parent = b.parent = &f;
  a.block = n->addBlock();
  b.block = n->addBlock();
  {
    ir::WithInsertPoint guard(a.block);
    TS2ONNX_RETURN_IF_ERROR(compileBlock(s.thenBody, a));
  }
  {
    ir::WithInsertPoint guard(b.block);
    TS2ONNX_RETURN_IF_ERROR(compileBlock(s.elseBody, b));
  }
  absl::Status st = mergeBranches(n, f, a, b);
  if (!st.ok() && st.message().find("<unknown>") == std::string::npos)
    return script::sourceError(s.range,
                               std::string(st.message())
                                   .substr(st.message().find("error: ") == std::string::npos
                                               ? 0
                                               : st.message().find("error: ") + 7));
  return st;
}

absl::Status FunctionCompiler::compileWhile(const script::WhileStmt &s, Frame &f) {
  TS2ONNX_ASSIGN_OR_RETURN(Value * cond, compileCondition(*s.cond, f));
  Value *trip = constInt(std::numeric_limits<int64_t>::max(), s.range);
  return emitLoop(
      f, s.body, trip, cond, {}, [](Frame &, Value *) { return absl::OkStatus(); },
      [&](Frame &inner) { return compileCondition(*s.cond, inner); }, s.range);
}

absl::Status FunctionCompiler::compileFor(const script::ForStmt &s, Frame &f) {
  const SourceRange &r = s.range;
  std::vector<std::string> targets;
  collectTargets(s.target.get(), targets);
  auto alwaysTrue = [&](Frame &) -> absl::StatusOr<Value *> { return constBool(true, r); };
  auto *call = dynCast<script::CallExpr>(s.iter.get());
  auto callee = call ? script::dottedName(*call->func) : std::nullopt;
  if (callee && *callee == "range" && !f.lookup("range")) {
    std::vector<Value *> a;
    for (auto &e : call->args) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*e, f, nullptr));
      a.push_back(v);
    }
    if (a.empty() || a.size() > 3)
      return script::sourceError(r, "range() takes 1 to 3 arguments");
    if (a.size() == 1) {
      return emitLoop(
          f, s.body, a[0], constBool(true, r), targets,
          [&](Frame &inner, Value *i) { return assignTo(*s.target, i, inner); }, alwaysTrue, r);
    }
    Value *start = a[0], *end = a[1], *step = a.size() == 3 ? a[2] : constInt(1, r);
    TS2ONNX_ASSIGN_OR_RETURN(Value * trip, op1("aten::__range_length", {start, end, step}, r));
    return emitLoop(
        f, s.body, trip, constBool(true, r), targets,
        [&](Frame &inner, Value *i) -> absl::Status {
          TS2ONNX_ASSIGN_OR_RETURN(Value * idx, op1("aten::__derive_index", {i, start, step}, r));
          return assignTo(*s.target, idx, inner);
        },
        alwaysTrue, r);
  }
  if (callee && (*callee == "enumerate" || *callee == "zip") && !f.lookup(*callee)) {
    std::vector<Value *> seqs;
    for (auto &e : call->args) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*e, f, nullptr));
      seqs.push_back(v);
    }
    if (seqs.empty())
      return script::sourceError(r, fmt::format("{}() needs an argument", *callee));
    Value *trip = nullptr;
    for (Value *sq : seqs) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * len, op1("aten::len", {sq}, r));
      if (!trip) {
        trip = len;
      } else {
        TS2ONNX_ASSIGN_OR_RETURN(trip, op1("prim::min", {trip, len}, r));
      }
    }
    bool isEnumerate = *callee == "enumerate";
    return emitLoop(
        f, s.body, trip, constBool(true, r), targets,
        [&, isEnumerate](Frame &inner, Value *i) -> absl::Status {
          std::vector<Value *> parts;
          if (isEnumerate)
            parts.push_back(i);
          for (Value *sq : seqs) {
            TS2ONNX_ASSIGN_OR_RETURN(Value * item, getItem(sq, i, r));
            parts.push_back(item);
          }
          auto *tt = dynCast<script::TupleExpr>(s.target.get());
          if (!tt || tt->elements.size() != parts.size())
            return script::sourceError(r, "unpack the loop items into a tuple of names");
          for (size_t k = 0; k < parts.size(); ++k)
            TS2ONNX_RETURN_IF_ERROR(assignTo(*tt->elements[k], parts[k], inner));
          return absl::OkStatus();
        },
        alwaysTrue, r);
  }
  TS2ONNX_ASSIGN_OR_RETURN(Value * seq, compileValue(*s.iter, f, nullptr));
  const TypePtr &t = seq->type();
  if (t->is(TypeKind::Tuple)) {
    // Heterogeneous tuples are unrolled, as torch does.
    TS2ONNX_ASSIGN_OR_RETURN(auto items, unpack(seq, t->contained().size(), r));
    for (Value *item : items) {
      TS2ONNX_RETURN_IF_ERROR(assignTo(*s.target, item, f));
      TS2ONNX_RETURN_IF_ERROR(compileBlock(s.body, f));
    }
    return absl::OkStatus();
  }
  if (t->is(TypeKind::Dict)) {
    TS2ONNX_ASSIGN_OR_RETURN(seq, op1("aten::keys", {seq}, r));
  }
  TS2ONNX_ASSIGN_OR_RETURN(Value * trip, op1("aten::len", {seq}, r));
  return emitLoop(
      f, s.body, trip, constBool(true, r), targets,
      [&](Frame &inner, Value *i) -> absl::Status {
        TS2ONNX_ASSIGN_OR_RETURN(Value * item, getItem(seq, i, r));
        return assignTo(*s.target, item, inner);
      },
      alwaysTrue, r);
}

absl::StatusOr<Value *> FunctionCompiler::getItem(Value *seq, Value *i, const SourceRange &r) {
  if (seq->type()->isTensor()) {
    Value *zero = constInt(0, r);
    return op1("aten::select", {seq, zero, i}, r);
  }
  return op1("aten::__getitem__", {seq, i}, r);
}

} // namespace ts2onnx::frontend::compiler
