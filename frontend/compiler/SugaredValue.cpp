// Sugared values, as torch's sugared_value.cpp: what a name or an attribute denotes at compile
// time (a value, a namespace such as `torch`, an operator, a function, a method bound to an
// object, a class, a builtin function), and the attributes of values (module attributes,
// tensor properties, methods).
#include "frontend/compiler/FunctionCompiler.h"

namespace ts2onnx::frontend::compiler {

const std::set<std::string> &builtinFunctions() {
  static const std::set<std::string> names = {"annotate",
                                              "unchecked_cast",
                                              "uninitialized",
                                              "isinstance",
                                              "len",
                                              "int",
                                              "float",
                                              "bool",
                                              "str",
                                              "complex",
                                              "min",
                                              "max",
                                              "abs",
                                              "round",
                                              "divmod",
                                              "range",
                                              "list",
                                              "getattr",
                                              "hasattr",
                                              "print",
                                              "all",
                                              "any",
                                              "sum",
                                              "sorted",
                                              "ord",
                                              "chr",
                                              "hash",
                                              "enumerate",
                                              "zip",
                                              "dict",
                                              "tuple",
                                              "hex",
                                              "oct",
                                              "bin",
                                              "pow"};
  return names;
}

absl::StatusOr<Value *> FunctionCompiler::asValue(const Sugared &s, const SourceRange &r) {
  if (s.kind == Sugared::Kind::Value)
    return s.value;
  return script::sourceError(r, fmt::format("'{}' is not a value", s.name));
}

absl::StatusOr<Sugared> FunctionCompiler::compileName(const script::NameExpr &n, Frame &f) {
  if (const Sugared *s = f.lookupSugared(n.name))
    return *s;
  if (Value *v = f.lookup(n.name))
    return Sugared::of(v);
  static const std::set<std::string> kNamespaces = {"torch",     "ops",      "math",
                                                    "__torch__", "warnings", "builtins"};
  if (kNamespaces.count(n.name))
    return Sugared::make(Sugared::Kind::Namespace, n.name);
  if (n.name == "CONSTANTS")
    return Sugared::make(Sugared::Kind::Constants, n.name);
  if (builtinFunctions().count(n.name))
    return Sugared::make(Sugared::Kind::Builtin, n.name);
  if (n.name == "inf" || n.name == "nan") {
    double v = n.name == "inf" ? std::numeric_limits<double>::infinity()
                               : std::numeric_limits<double>::quiet_NaN();
    return Sugared::of(g_.insertConstantFloat(v));
  }
  return script::sourceError(n.range, fmt::format("undefined name '{}'", n.name));
}

absl::StatusOr<Sugared> FunctionCompiler::compileAttribute(const script::AttributeExpr &a,
                                                           Frame &f) {
  TS2ONNX_ASSIGN_OR_RETURN(Sugared base, compileExpr(*a.value, f, nullptr));
  const SourceRange &r = a.range;
  switch (base.kind) {
  case Sugared::Kind::Namespace: {
    const std::string &ns = base.name;
    if (ns == "torch") {
      static const std::set<std::string> kSub = {"jit", "nn",         "classes", "_C",
                                                 "ops", "functional", "_ops",    "autograd"};
      if (kSub.count(a.name))
        return Sugared::make(Sugared::Kind::Namespace, ns + "." + a.name);
      return Sugared::make(Sugared::Kind::Op, "aten::" + a.name);
    }
    if (ns == "ops")
      return Sugared::make(Sugared::Kind::Namespace, "ops." + a.name);
    if (ns.rfind("ops.", 0) == 0)
      return Sugared::make(Sugared::Kind::Op, ns.substr(4) + "::" + a.name);
    if (ns == "math") {
      if (a.name == "pi" || a.name == "e" || a.name == "inf" || a.name == "nan" ||
          a.name == "tau") {
        double v = a.name == "pi"    ? M_PI
                   : a.name == "e"   ? M_E
                   : a.name == "tau" ? 2 * M_PI
                   : a.name == "inf" ? std::numeric_limits<double>::infinity()
                                     : std::numeric_limits<double>::quiet_NaN();
        return Sugared::of(g_.insertConstantFloat(v));
      }
      return Sugared::make(Sugared::Kind::Op, "aten::" + a.name);
    }
    if (ns == "warnings" && a.name == "warn")
      return Sugared::make(Sugared::Kind::Op, "aten::warn");
    std::string qual = ns + "." + a.name;
    if (qual.rfind("__torch__", 0) == 0) {
      auto cls = c_.classes_.findClass(qual);
      if (cls.ok())
        return Sugared::make(Sugared::Kind::Class, qual);
      if (!absl::IsNotFound(cls.status()))
        return cls.status();
      auto fn = c_.classes_.findFunction(qual);
      if (fn.ok())
        return Sugared::make(Sugared::Kind::Function, qual);
      if (!absl::IsNotFound(fn.status()))
        return fn.status();
    }
    return Sugared::make(Sugared::Kind::Namespace, qual);
  }
  case Sugared::Kind::Constants: {
    if (a.name.size() < 2 || a.name[0] != 'c')
      return script::sourceError(r, fmt::format("unknown constant '{}'", a.name));
    int64_t idx = 0;
    for (size_t i = 1; i < a.name.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(a.name[i])) || idx > (1 << 30))
        return script::sourceError(r, fmt::format("unknown constant '{}'", a.name));
      idx = idx * 10 + (a.name[i] - '0');
    }
    if (!c_.constants_)
      return script::sourceError(r, "this archive has no constant table");
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, c_.constants_(g_, idx, r));
    return Sugared::of(v);
  }
  case Sugared::Kind::Class: {
    if (a.name == "__new__")
      return Sugared::make(Sugared::Kind::Builtin, "__new__");
    TS2ONNX_ASSIGN_OR_RETURN(const ClassInfo *cls, c_.classes_.findClass(base.name));
    if (cls->kind == ClassInfo::Kind::Enum)
      for (auto &[name, expr] : cls->enumValues)
        if (name == a.name) {
          // An enum member is its value, typed as the enum.
          Frame empty;
          TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*expr, empty, nullptr));
          return Sugared::of(v);
        }
    return script::sourceError(r, fmt::format("'{}' has no member '{}'", base.name, a.name));
  }
  case Sugared::Kind::Value:
    return valueAttribute(base.value, a.name, r);
  default:
    return script::sourceError(r, fmt::format("'{}' has no attribute '{}'", base.name, a.name));
  }
}

absl::StatusOr<Sugared> FunctionCompiler::valueAttribute(Value *obj, const std::string &name,
                                                         const SourceRange &r) {
  const TypePtr &t = obj->type();
  if (t->is(TypeKind::Class) || t->is(TypeKind::Interface)) {
    TS2ONNX_ASSIGN_OR_RETURN(const ClassInfo *cls, c_.classes_.findClass(t->name()));
    if (const ClassInfo::Attribute *attr = cls->findAttribute(name)) {
      // A NoneType attribute can only hold None: torch emits the constant, not a GetAttr.
      if (attr->type->is(TypeKind::None))
        return Sugared::of(constNone(r));
      ir::Node *n = insert(ir::prim::GetAttr, {obj}, 1, r);
      n->s_(ir::attr::name, name);
      n->output()->setType(attr->type);
      if (!n->output()->hasDebugName() && attr->type->is(TypeKind::Class))
        n->output()->setDebugName(name);
      return Sugared::of(n->output());
    }
    auto c = cls->constants.find(name);
    if (c != cls->constants.end()) {
      Frame empty;
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*c->second, empty, nullptr));
      return Sugared::of(v);
    }
    if (cls->methods.count(name) || cls->kind == ClassInfo::Kind::CustomClass)
      return Sugared::make(Sugared::Kind::Method, name, obj);
    return script::sourceError(r, fmt::format("'{}' has no attribute '{}'", t->name(), name));
  }
  if (t->is(TypeKind::Tuple) && !t->fieldNames().empty()) {
    for (size_t i = 0; i < t->fieldNames().size(); ++i)
      if (t->fieldNames()[i] == name) {
        ir::Node *n = insert(ir::prim::TupleIndex, {obj, constInt(int64_t(i), r)}, 1, r);
        n->output()->setType(t->contained()[i]);
        return Sugared::of(n->output());
      }
  }
  // A method of a builtin type (`x.format(...)`, `t.size()`) is the aten op taking it first.
  return Sugared::make(Sugared::Kind::Method, name, obj);
}

} // namespace ts2onnx::frontend::compiler
