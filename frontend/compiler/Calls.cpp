// Calls: arguments, operator calls (alias normalization, schema matching, and the archive-
// version upgraders of frontend/upgraders, applied to every operator node the compiler makes),
// and Python builtins (len, isinstance, int, range, ...).
#include "frontend/compiler/FunctionCompiler.h"

namespace ts2onnx::frontend::compiler {

absl::Status FunctionCompiler::compileArgs(const script::CallExpr &c, Frame &f,
                                           std::vector<NamedValue> &args,
                                           std::vector<NamedValue> &kwargs) {
  auto emptyList = [](const Expr &e) {
    auto *l = dynCast<script::ListExpr>(&e);
    return l && l->elements.empty();
  };
  for (const script::ExprPtr &a : c.args) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*a, f, nullptr));
    args.push_back({"", v, a->range, emptyList(*a)});
  }
  for (const script::KeywordArg &k : c.kwargs) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*k.value, f, nullptr));
    kwargs.push_back({k.name, v, k.range, emptyList(*k.value)});
  }
  return absl::OkStatus();
}

absl::StatusOr<Sugared> FunctionCompiler::single(absl::StatusOr<std::vector<Value *>> outs,
                                                 const SourceRange &r) {
  TS2ONNX_RETURN_IF_ERROR(outs.status());
  if (outs->size() == 1)
    return Sugared::of((*outs)[0]);
  if (outs->empty())
    return Sugared::of(constNone(r));
  // Several returns: torch packs them in a tuple.
  std::vector<TypePtr> types;
  for (Value *v : *outs)
    types.push_back(v->type());
  ir::Node *t = insert(ir::prim::TupleConstruct, *outs, 1, r);
  t->output()->setType(Type::tuple(std::move(types)));
  return Sugared::of(t->output());
}

absl::StatusOr<Sugared> FunctionCompiler::compileCall(const script::CallExpr &c, Frame &f,
                                                      const TypePtr &hint) {
  const SourceRange &r = c.range;
  TS2ONNX_ASSIGN_OR_RETURN(Sugared callee, compileExpr(*c.func, f, nullptr));
  if (callee.kind == Sugared::Kind::Builtin)
    return compileBuiltinCall(callee.name, c, f, hint);
  std::vector<NamedValue> args, kwargs;
  switch (callee.kind) {
  case Sugared::Kind::Op: {
    TS2ONNX_RETURN_IF_ERROR(compileArgs(c, f, args, kwargs));
    if (callee.name == "prim::RaiseException" && args.size() == 1)
      args.push_back({"", g_.insertConstantString("builtins.RuntimeError"), r});
    return emitNamedOp(callee.name, args, kwargs, r);
  }
  case Sugared::Kind::Function: {
    TS2ONNX_RETURN_IF_ERROR(compileArgs(c, f, args, kwargs));
    TS2ONNX_ASSIGN_OR_RETURN(const script::FunctionDef *fn, c_.classes_.findFunction(callee.name));
    TS2ONNX_ASSIGN_OR_RETURN(Value * v,
                             inlineCall(callee.name, *fn, nullptr, nullptr, args, kwargs, r));
    return Sugared::of(v);
  }
  case Sugared::Kind::Method: {
    TS2ONNX_RETURN_IF_ERROR(compileArgs(c, f, args, kwargs));
    Value *self = callee.value;
    const TypePtr &t = self->type();
    if (t->is(TypeKind::Class) || t->is(TypeKind::Interface)) {
      TS2ONNX_ASSIGN_OR_RETURN(const ClassInfo *cls, c_.classes_.findClass(t->name()));
      auto m = cls->methods.find(callee.name);
      if (t->is(TypeKind::Interface) || cls->kind == ClassInfo::Kind::CustomClass ||
          m == cls->methods.end()) {
        // Dynamic dispatch (interfaces) and C++ classes stay calls.
        std::vector<Value *> ins = {self};
        for (auto &a : args)
          ins.push_back(a.value);
        ir::Node *n = insert(ir::prim::CallMethod, ins, 1, r);
        n->s_(ir::attr::name, callee.name);
        TypePtr ret = Type::get(TypeKind::Any);
        if (m != cls->methods.end() && m->second->returnType) {
          TS2ONNX_ASSIGN_OR_RETURN(ret, c_.classes_.resolveType(*m->second->returnType));
        }
        n->output()->setType(ret);
        return Sugared::of(n->output());
      }
      TS2ONNX_ASSIGN_OR_RETURN(Value * v,
                               inlineCall(t->name() + "." + callee.name, *m->second, self,
                                          Type::classType(t->name()), args, kwargs, r));
      return Sugared::of(v);
    }
    if (callee.name == "tolist" && t->isTensor() && args.empty()) {
      // `annotate(List[List[float]], x.tolist())`: prim::tolist(x, depth, element kind).
      if (!hint || !hint->is(TypeKind::List))
        return script::sourceError(r, "tolist() needs its result type, e.g. "
                                      "annotate(List[float], x.tolist())");
      int64_t depth = 0;
      TypePtr elem = hint;
      while (elem->is(TypeKind::List)) {
        elem = elem->elementType();
        ++depth;
      }
      int64_t kind = elem->is(TypeKind::Int)       ? 0
                     : elem->is(TypeKind::Float)   ? 1
                     : elem->is(TypeKind::Bool)    ? 2
                     : elem->is(TypeKind::Complex) ? 3
                                                   : -1;
      if (kind < 0)
        return script::sourceError(r, "tolist() gives lists of int, float, bool or complex");
      ir::Node *n = insert(ir::Symbol::fromQualString("prim::tolist"),
                           {self, constInt(depth, r), constInt(kind, r)}, 1, r);
      n->output()->setType(hint);
      return Sugared::of(n->output());
    }
    args.insert(args.begin(), NamedValue{"", self, r});
    std::string op = "aten::" + callee.name;
    return single(emitOp(op, args, kwargs, r), r);
  }
  case Sugared::Kind::Class: {
    TS2ONNX_ASSIGN_OR_RETURN(const ClassInfo *cls, c_.classes_.findClass(callee.name));
    TS2ONNX_RETURN_IF_ERROR(compileArgs(c, f, args, kwargs));
    if (cls->kind == ClassInfo::Kind::NamedTuple) {
      TS2ONNX_ASSIGN_OR_RETURN(TypePtr t, c_.classes_.resolveTypeString(callee.name));
      std::vector<Value *> ins(t->contained().size(), nullptr);
      for (size_t i = 0; i < args.size() && i < ins.size(); ++i)
        ins[i] = args[i].value;
      for (auto &kw : kwargs)
        for (size_t i = 0; i < t->fieldNames().size(); ++i)
          if (t->fieldNames()[i] == kw.name)
            ins[i] = kw.value;
      for (size_t i = 0; i < ins.size(); ++i)
        if (!ins[i])
          return script::sourceError(
              r, fmt::format("missing field '{}' of {}", t->fieldNames()[i], callee.name));
      ir::Node *n = insert(ir::prim::TupleConstruct, ins, 1, r);
      n->output()->setType(t);
      return Sugared::of(n->output());
    }
    return script::sourceError(r, fmt::format("cannot call class '{}'", callee.name));
  }
  case Sugared::Kind::Value:
    return script::sourceError(
        r, fmt::format("a value of type {} is not callable", callee.value->type()->str()));
  default:
    return script::sourceError(r, fmt::format("'{}' is not callable", callee.name));
  }
}

absl::StatusOr<Sugared> FunctionCompiler::emitNamedOp(const std::string &name,
                                                      std::vector<NamedValue> args,
                                                      std::vector<NamedValue> kwargs,
                                                      const SourceRange &r) {
  if (auto steps = upgraders::omittedSteps(name, fileVersion_)) {
    bool given = args.size() != 2;
    for (auto &kw : kwargs)
      given |= kw.name == "steps";
    if (!given)
      kwargs.push_back({"steps", constInt(*steps, r), r});
  }
  return single(emitOp(normalizedOpName(name), args, kwargs, r), r);
}

absl::StatusOr<std::vector<Value *>> FunctionCompiler::emitOp(std::string_view name,
                                                              const std::vector<NamedValue> &args,
                                                              const std::vector<NamedValue> &kwargs,
                                                              const SourceRange &r) {
  std::string overload;
  TS2ONNX_ASSIGN_OR_RETURN(std::vector<Value *> outs,
                           emitBuiltinOp(g_, name, args, kwargs, r, &overload));
  const upgraders::Upgrader *u = upgraders::findUpgrader(overload, fileVersion_);
  if (!u)
    return outs;
  return inlineUpgrader(*u, outs.at(0)->node(), r);
}

absl::StatusOr<std::vector<Value *>> FunctionCompiler::inlineUpgrader(const upgraders::Upgrader &u,
                                                                      ir::Node *call,
                                                                      const SourceRange &r) {
  TS2ONNX_ASSIGN_OR_RETURN(const script::FunctionDef *fn, upgraders::upgraderDefinition(u));
  TS2ONNX_ASSIGN_OR_RETURN(const ir::Graph *body,
                           c_.functionGraph(fmt::format("<upgrader>.{}", u.name), *fn, nullptr,
                                            upgraders::kMaxSupportedFileVersion));
  if (body->inputs().size() != call->inputs().size() || call->outputs().size() != 1)
    return script::sourceError(r, fmt::format("upgrader {} takes {} arguments, {} has {}", u.name,
                                              body->inputs().size(), call->kind().qualString(),
                                              call->inputs().size()));
  ir::WithInsertPoint guard(call);
  absl::flat_hash_map<const ir::Value *, ir::Value *> env;
  for (size_t i = 0; i < body->inputs().size(); ++i)
    env[body->inputs()[i]] = call->input(i);
  // The upgrader's nodes report the call they replace: an error about one of them then names
  // the archive's source line, not the upgrader's text.
  std::function<void(ir::Node *)> locate = [&](ir::Node *n) {
    n->setSourceLocation(call->sourceLocation());
    for (ir::Block *b : n->blocks())
      for (ir::Node *inner : b->nodes())
        locate(inner);
  };
  for (const ir::Node *n : body->block()->nodes())
    locate(g_.cloneNode(*n, env));
  Value *out = body->outputs().at(0);
  auto mapped = env.find(out);
  out = mapped == env.end() ? out : mapped->second;
  call->output()->replaceAllUsesWith(out);
  call->destroy();
  return std::vector<Value *>{out};
}

absl::StatusOr<Sugared> FunctionCompiler::compileBuiltinCall(const std::string &name,
                                                             const script::CallExpr &c, Frame &f,
                                                             const TypePtr &hint) {
  const SourceRange &r = c.range;
  auto argCount = [&](size_t lo, size_t hi) -> absl::Status {
    if (c.args.size() < lo || c.args.size() > hi)
      return script::sourceError(
          r, fmt::format("{}() takes {} to {} arguments, {} given", name, lo, hi, c.args.size()));
    return absl::OkStatus();
  };
  if (name == "annotate" || name == "unchecked_cast") {
    TS2ONNX_RETURN_IF_ERROR(argCount(2, 2));
    TS2ONNX_ASSIGN_OR_RETURN(TypePtr t, c_.classes_.resolveType(*c.args[0]));
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*c.args[1], f, t));
    if (name == "annotate") {
      // annotate(int, t) on a tensor converts it, as torch's tryConvertToType does.
      if (v->type()->isTensor() && !t->isTensor()) {
        const char *conv = t->is(TypeKind::Int)      ? "aten::IntImplicit"
                           : t->is(TypeKind::Float)  ? "aten::FloatImplicit"
                           : t->is(TypeKind::Number) ? "aten::ScalarImplicit"
                                                     : nullptr;
        if (conv) {
          TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1(conv, {v}, r));
          return Sugared::of(out);
        }
      }
      ir::Symbol k = v->node()->kind();
      if ((k == ir::prim::ListConstruct || k == ir::prim::DictConstruct) &&
          v->node()->inputs().empty())
        v->setType(t);
      return Sugared::of(v);
    }
    ir::Node *n = insert(ir::prim::unchecked_cast, {v}, 1, r);
    n->output()->setType(t);
    return Sugared::of(n->output());
  }
  if (name == "uninitialized") {
    TS2ONNX_RETURN_IF_ERROR(argCount(1, 1));
    TS2ONNX_ASSIGN_OR_RETURN(TypePtr t, c_.classes_.resolveType(*c.args[0]));
    return Sugared::of(insert(ir::prim::Uninitialized, {}, 1, r)->output()->setType(t));
  }
  if (name == "isinstance") {
    TS2ONNX_RETURN_IF_ERROR(argCount(2, 2));
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*c.args[0], f, nullptr));
    std::vector<const Expr *> types;
    if (auto *t = dynCast<script::TupleExpr>(c.args[1].get()))
      for (auto &e : t->elements)
        types.push_back(e.get());
    else
      types.push_back(c.args[1].get());
    std::vector<TypePtr> candidates;
    for (const Expr *te : types) {
      auto dotted = script::dottedName(*te);
      if (dotted && *dotted == "list") {
        candidates.push_back(ir::Type::get(TypeKind::AnyList));
      } else if (dotted && *dotted == "tuple") {
        candidates.push_back(ir::Type::get(TypeKind::AnyTuple));
      } else if (dotted && *dotted == "dict") {
        candidates.push_back(
            ir::Type::dict(ir::Type::get(TypeKind::Any), ir::Type::get(TypeKind::Any)));
      } else {
        TS2ONNX_ASSIGN_OR_RETURN(TypePtr t, c_.classes_.resolveType(*te));
        candidates.push_back(std::move(t));
      }
    }
    // As torch's emitter: a constant when the static type decides, else prim::isinstance.
    if (std::optional<bool> known = ir::staticIsInstance(v->type(), candidates))
      return Sugared::of(constBool(*known, r));
    ir::Node *n = insert(ir::prim::isinstance, {v}, 1, r);
    n->setAttribute(ir::Symbol::attr("types"), ir::AttributeValue(std::move(candidates)));
    return Sugared::of(n->output()->setType(ir::Type::boolType()));
  }
  if (name == "getattr" || name == "hasattr") {
    TS2ONNX_RETURN_IF_ERROR(argCount(2, 2));
    TS2ONNX_ASSIGN_OR_RETURN(Value * obj, compileValue(*c.args[0], f, nullptr));
    auto *key = dynCast<script::StringLiteral>(c.args[1].get());
    if (!key)
      return script::sourceError(r, fmt::format("{}() needs a string literal name", name));
    if (name == "hasattr") {
      bool has = false;
      if (obj->type()->is(TypeKind::Class)) {
        TS2ONNX_ASSIGN_OR_RETURN(const ClassInfo *cls, c_.classes_.findClass(obj->type()->name()));
        has = cls->findAttribute(key->value) || cls->methods.count(key->value) ||
              cls->constants.count(key->value);
      }
      return Sugared::of(constBool(has, r));
    }
    return valueAttribute(obj, key->value, r);
  }
  if (name == "__new__") {
    TS2ONNX_RETURN_IF_ERROR(argCount(1, 1));
    auto cls = script::dottedName(*c.args[0]);
    if (!cls)
      return script::sourceError(r, "__new__ needs a class");
    return Sugared::of(
        insert(ir::prim::CreateObject, {}, 1, r)->output()->setType(Type::classType(*cls)));
  }
  if (name == "print") {
    std::vector<Value *> ins;
    for (auto &a : c.args) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*a, f, nullptr));
      ins.push_back(v);
    }
    insert(ir::prim::Print, ins, 0, r);
    return Sugared::of(constNone(r));
  }
  if (name == "range" || name == "enumerate" || name == "zip")
    return script::sourceError(r,
                               fmt::format("{}() is only supported as a for-loop iterable", name));
  // The rest are plain operators.
  std::vector<NamedValue> args, kwargs;
  TS2ONNX_RETURN_IF_ERROR(compileArgs(c, f, args, kwargs));
  static const std::pair<const char *, const char *> kOps[] = {{"len", "aten::len"},
                                                               {"int", "aten::Int"},
                                                               {"float", "aten::Float"},
                                                               {"bool", "aten::Bool"},
                                                               {"str", "aten::str"},
                                                               {"complex", "aten::Complex"},
                                                               {"abs", "prim::abs"},
                                                               {"round", "aten::round"},
                                                               {"divmod", "aten::divmod"},
                                                               {"list", "aten::list"},
                                                               {"all", "aten::all"},
                                                               {"any", "aten::any"},
                                                               {"sum", "aten::sum"},
                                                               {"sorted", "aten::sorted"},
                                                               {"ord", "aten::ord"},
                                                               {"chr", "aten::chr"},
                                                               {"hash", "aten::hash"},
                                                               {"hex", "aten::hex"},
                                                               {"oct", "aten::oct"},
                                                               {"bin", "aten::bin"},
                                                               {"pow", "aten::pow"},
                                                               {"dict", "aten::dict"},
                                                               {"tuple", "prim::TupleConstruct"}};
  if (name == "min" || name == "max") {
    std::string op = "prim::" + name;
    if (args.size() > 2) {
      // min(a, b, c) folds pairwise.
      Value *acc = args[0].value;
      for (size_t i = 1; i < args.size(); ++i) {
        TS2ONNX_ASSIGN_OR_RETURN(acc, op1(op, {acc, args[i].value}, r));
      }
      return Sugared::of(acc);
    }
    return single(emitOp(op, args, kwargs, r), r);
  }
  if ((name == "int" || name == "float" || name == "bool" || name == "str") && args.size() == 1) {
    TypeKind same = name == "int"     ? TypeKind::Int
                    : name == "float" ? TypeKind::Float
                    : name == "bool"  ? TypeKind::Bool
                                      : TypeKind::Str;
    if (args[0].value->type()->is(same))
      return Sugared::of(args[0].value); // int(i) on an int is i
  }
  if (name == "list" && args.empty()) {
    ir::Node *n = insert(ir::prim::ListConstruct, {}, 1, r);
    n->output()->setType(hint ? hint : Type::list(Type::tensor()));
    return Sugared::of(n->output());
  }
  if (name == "dict" && args.empty()) {
    ir::Node *n = insert(ir::prim::DictConstruct, {}, 1, r);
    n->output()->setType(hint ? hint : Type::dict(Type::strType(), Type::tensor()));
    return Sugared::of(n->output());
  }
  for (auto &[py, op] : kOps)
    if (name == py)
      return single(emitOp(op, args, kwargs, r), r);
  return script::sourceError(r, fmt::format("unsupported builtin '{}'", name));
}

} // namespace ts2onnx::frontend::compiler
