// Variables in SSA form, as torch's Environment in ir_emitter.cpp: binding names, merging the
// variables two branches of an `if` set into prim::If outputs, the loop-carried variables of a
// prim::Loop, and the type two definitions of one variable share.
#include "frontend/compiler/FunctionCompiler.h"

namespace ts2onnx::frontend::compiler {

TypePtr unify(const TypePtr &a, const TypePtr &b) {
  if (a->equals(*b))
    return a;
  if (a->isTensor() && b->isTensor())
    return Type::tensor();
  if (isNone(a))
    return b->is(TypeKind::Optional) ? b : Type::optional(b);
  if (isNone(b))
    return a->is(TypeKind::Optional) ? a : Type::optional(a);
  if (a->is(TypeKind::Optional) && unify(a->elementType(), b)->equals(*a->elementType()))
    return a;
  if (b->is(TypeKind::Optional) && unify(b->elementType(), a)->equals(*b->elementType()))
    return b;
  if (a->is(TypeKind::List) && b->is(TypeKind::List))
    return Type::list(unify(a->elementType(), b->elementType()));
  if (a->is(TypeKind::Tuple) && b->is(TypeKind::Tuple) &&
      a->contained().size() == b->contained().size()) {
    std::vector<TypePtr> m;
    for (size_t i = 0; i < a->contained().size(); ++i)
      m.push_back(unify(a->contained()[i], b->contained()[i]));
    return Type::tuple(std::move(m));
  }
  return a;
}

bool isSubtype(const TypePtr &a, const TypePtr &b) { return ir::isSubtypeOf(*a, *b); }

void collectTargets(const Expr *t, std::vector<std::string> &out) {
  if (auto *n = dynCast<script::NameExpr>(t)) {
    if (std::find(out.begin(), out.end(), n->name) == out.end())
      out.push_back(n->name);
  } else if (auto *tu = dynCast<script::TupleExpr>(t)) {
    for (auto &e : tu->elements)
      collectTargets(e.get(), out);
  } else if (auto *l = dynCast<script::ListExpr>(t)) {
    for (auto &e : l->elements)
      collectTargets(e.get(), out);
  }
}

void collectAssigned(const script::Block &body, std::vector<std::string> &out) {
  for (const script::StmtPtr &s : body) {
    switch (s->kind) {
    case script::StmtKind::Assign:
      for (auto &t : static_cast<const script::AssignStmt &>(*s).targets)
        collectTargets(t.get(), out);
      break;
    case script::StmtKind::AugAssign:
      collectTargets(static_cast<const script::AugAssignStmt &>(*s).target.get(), out);
      break;
    case script::StmtKind::AnnAssign:
      collectTargets(static_cast<const script::AnnAssignStmt &>(*s).target.get(), out);
      break;
    case script::StmtKind::If: {
      auto &i = static_cast<const script::IfStmt &>(*s);
      collectAssigned(i.thenBody, out);
      collectAssigned(i.elseBody, out);
      break;
    }
    case script::StmtKind::While:
      collectAssigned(static_cast<const script::WhileStmt &>(*s).body, out);
      break;
    case script::StmtKind::For: {
      auto &f = static_cast<const script::ForStmt &>(*s);
      collectTargets(f.target.get(), out);
      collectAssigned(f.body, out);
      break;
    }
    case script::StmtKind::With:
      collectAssigned(static_cast<const script::WithStmt &>(*s).body, out);
      break;
    default:
      break;
    }
  }
}

void FunctionCompiler::assign(Frame &f, const std::string &name, Value *v) {
  if (!v->hasDebugName() && name[0] != '$' && !v->node()->kind().isNamespace("prim"))
    v->setDebugName(name);
  else if (!v->hasDebugName() && name[0] != '$' && v->node()->kind() != ir::prim::Constant)
    v->setDebugName(name);
  f.set(name, v);
}

absl::Status FunctionCompiler::mergeBranches(ir::Node *ifNode, Frame &parent, Frame &a, Frame &b) {
  std::set<std::string> names;
  for (auto &n : a.assigned)
    names.insert(n);
  for (auto &n : b.assigned)
    names.insert(n);
  for (const std::string &name : names) {
    Value *va = a.lookup(name), *vb = b.lookup(name);
    if (name == kReturnVar && !(a.returned || a.exited) && !(b.returned || b.exited)) {
      continue;
    }
    if ((!va && !b.exited && !a.exited) || (!vb && !a.exited && !b.exited))
      continue; // defined on one path only: not visible after the if
    if (!va && !a.exited)
      continue;
    if (!vb && !b.exited)
      continue;
    if (!va && !vb)
      continue;
    if (!va) {
      ir::WithInsertPoint guard(ifNode->blocks()[0]);
      va = insert(ir::prim::Uninitialized, {}, 1,
                  ifNode->blocks()[0]->owningNode() ? SourceRange{} : SourceRange{})
               ->output()
               ->setType(vb->type());
    }
    if (!vb) {
      ir::WithInsertPoint guard(ifNode->blocks()[1]);
      vb = insert(ir::prim::Uninitialized, {}, 1, SourceRange{})->output()->setType(va->type());
    }
    ifNode->blocks()[0]->registerOutput(va);
    ifNode->blocks()[1]->registerOutput(vb);
    Value *out = ifNode->addOutput();
    out->setType(unify(va->type(), vb->type()));
    if (name == kReturnVar)
      parent.set(name, out);
    else
      assign(parent, name, out);
  }
  bool aDone = a.terminated(), bDone = b.terminated();
  if (aDone && bDone) {
    parent.returned = a.returned || b.returned;
    parent.exited = !parent.returned;
  } else if ((a.returned && !bDone) || (b.returned && !aDone)) {
    return script::sourceError(SourceRange{}, "early return on only one branch of an if is "
                                              "not supported yet");
  }
  return absl::OkStatus();
}

absl::Status
FunctionCompiler::emitLoop(Frame &f, const script::Block &stmts, Value *tripCount, Value *cond,
                           const std::vector<std::string> &extraAssigned,
                           const std::function<absl::Status(Frame &, Value *)> &prologue,
                           const std::function<absl::StatusOr<Value *>(Frame &)> &nextCond,
                           const SourceRange &r) {
  std::vector<std::string> assigned = extraAssigned;
  collectAssigned(stmts, assigned);
  std::vector<std::string> carried;
  for (const std::string &name : assigned)
    if (f.lookup(name))
      carried.push_back(name);
  std::vector<Value *> ins = {tripCount, cond};
  for (const std::string &name : carried)
    ins.push_back(f.lookup(name));
  ir::Node *loop = insert(ir::prim::Loop, ins, 0, r);
  ir::Block *body = loop->addBlock();
  Frame inner;
  inner.parent = &f;
  inner.block = body;
  Value *iter = body->addInput();
  iter->setType(Type::intType());
  for (const std::string &name : carried) {
    Value *in = body->addInput();
    in->setType(f.lookup(name)->type());
    assign(inner, name, in);
  }
  {
    ir::WithInsertPoint guard(body);
    TS2ONNX_RETURN_IF_ERROR(prologue(inner, iter));
    TS2ONNX_RETURN_IF_ERROR(compileBlock(stmts, inner));
    if (inner.returned)
      return script::sourceError(r, "return inside a loop is not supported yet");
    TS2ONNX_ASSIGN_OR_RETURN(Value * next, nextCond(inner));
    body->registerOutput(next);
    for (const std::string &name : carried)
      body->registerOutput(inner.lookup(name));
  }
  for (size_t i = 0; i < carried.size(); ++i) {
    Value *out = loop->addOutput();
    Value *in = f.lookup(carried[i]);
    out->setType(unify(in->type(), body->outputs()[i + 1]->type()));
    body->inputs()[i + 1]->setType(out->type());
    assign(f, carried[i], out);
  }
  return absl::OkStatus();
}

} // namespace ts2onnx::frontend::compiler
