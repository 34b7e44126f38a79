#include "frontend/ClassTable.h"

#include <fmt/format.h>

#include "frontend/script/Parser.h"
#include "ir/Status.h"

namespace ts2onnx::frontend {

using script::AnnAssignStmt;
using script::AssignStmt;
using script::dynCast;

const ClassInfo::Attribute *ClassInfo::findAttribute(std::string_view name) const {
  if (attributes.size() > 8) {
    if (indexed_ != attributes.size()) {
      for (size_t i = indexed_; i < attributes.size(); ++i)
        index_.try_emplace(attributes[i].name, i);
      indexed_ = attributes.size();
    }
    auto it = index_.find(absl::string_view(name.data(), name.size()));
    if (it != index_.end() && it->second < attributes.size() && attributes[it->second].name == name)
      return &attributes[it->second];
  }
  for (const Attribute &a : attributes)
    if (a.name == name)
      return &a;
  return nullptr;
}

absl::StatusOr<const script::Module *> ClassTable::load(std::string_view qualifier) {
  auto it = modules_.find(std::string(qualifier));
  if (it != modules_.end())
    return it->second;
  TS2ONNX_ASSIGN_OR_RETURN(const script::Module *m, loader_(qualifier));
  modules_.emplace(std::string(qualifier), m);
  return m;
}

bool ClassTable::isNamespacePrefix(std::string_view prefix) {
  // A namespace prefix is any qualifier some class or function could live under; we cannot list
  // files here, so accept every `__torch__` prefix and let the final lookup report errors.
  return prefix == "__torch__" || prefix.substr(0, 10) == "__torch__.";
}

static std::vector<std::string> stringList(const script::Expr *e) {
  std::vector<std::string> out;
  const script::Expr *list = e;
  std::vector<const script::Expr *> elems;
  if (auto *l = dynCast<script::ListExpr>(list))
    for (auto &x : l->elements)
      elems.push_back(x.get());
  else if (auto *t = dynCast<script::TupleExpr>(list))
    for (auto &x : t->elements)
      elems.push_back(x.get());
  for (const script::Expr *x : elems)
    if (auto *s = dynCast<script::StringLiteral>(x))
      out.push_back(s->value);
  return out;
}

absl::StatusOr<const ClassInfo *> ClassTable::findClass(std::string_view qualifiedName) {
  auto it = classes_.find(std::string(qualifiedName));
  if (it != classes_.end())
    return it->second.get();
  size_t dot = qualifiedName.rfind('.');
  if (dot == std::string_view::npos)
    return absl::NotFoundError(fmt::format("unknown class '{}'", qualifiedName));
  std::string_view qualifier = qualifiedName.substr(0, dot), name = qualifiedName.substr(dot + 1);
  TS2ONNX_ASSIGN_OR_RETURN(const script::Module *m, load(qualifier));
  auto info = std::make_unique<ClassInfo>();
  info->qualifiedName = std::string(qualifiedName);
  const script::ClassDef *def = nullptr;
  if (m)
    for (const script::ClassDef *c : m->classes())
      if (c->name == name)
        def = c;
  if (!def) {
    // torch.classes.* are C++ classes: their file exists (empty) but defines nothing.
    if (qualifier.substr(0, 24) == "__torch__.torch.classes." && m) {
      info->kind = ClassInfo::Kind::CustomClass;
      return classes_.emplace(std::string(qualifiedName), std::move(info)).first->second.get();
    }
    return absl::NotFoundError(fmt::format("unknown class '{}'", qualifiedName));
  }
  info->def = def;
  for (const script::ExprPtr &base : def->bases) {
    auto b = script::dottedName(*base);
    if (!b)
      continue;
    if (*b == "Module")
      info->kind = ClassInfo::Kind::Module;
    else if (*b == "Enum")
      info->kind = ClassInfo::Kind::Enum;
    else if (*b == "NamedTuple")
      info->kind = ClassInfo::Kind::NamedTuple;
    else if (*b == "ModuleInterface" || *b == "Interface")
      info->kind = ClassInfo::Kind::Interface;
  }
  std::vector<std::string> params, buffers;
  for (const script::StmtPtr &s : def->body) {
    if (auto *fn = dynCast<script::FunctionDef>(s.get())) {
      info->methods[fn->name] = fn;
    } else if (auto *as = dynCast<AssignStmt>(s.get())) {
      if (as->targets.size() != 1)
        continue;
      const script::Expr *t = as->targets[0].get();
      if (auto *n = dynCast<script::NameExpr>(t)) {
        if (n->name == "__parameters__")
          params = stringList(as->value.get());
        else if (n->name == "__buffers__")
          buffers = stringList(as->value.get());
        else if (info->kind == ClassInfo::Kind::Enum)
          info->enumValues.emplace_back(n->name, as->value.get());
        else
          info->constants[n->name] = as->value.get();
      } else if (auto *sub = dynCast<script::SubscriptExpr>(t)) {
        // __annotations__["0"] = Type
        auto *base = dynCast<script::NameExpr>(sub->value.get());
        if (base && base->name == "__annotations__" && sub->indices.size() == 1)
          if (auto *key = dynCast<script::StringLiteral>(sub->indices[0].get()))
            info->attributes.push_back({key->value, as->value.get(), nullptr, false, false});
      }
    } else if (auto *ann = dynCast<AnnAssignStmt>(s.get())) {
      auto *n = dynCast<script::NameExpr>(ann->target.get());
      if (!n)
        continue;
      auto *sub = dynCast<script::SubscriptExpr>(ann->annotation.get());
      auto *subBase = sub ? dynCast<script::NameExpr>(sub->value.get()) : nullptr;
      if (subBase && subBase->name == "Final" && ann->value) {
        info->constants[n->name] = ann->value.get();
        continue;
      }
      info->attributes.push_back({n->name, ann->annotation.get(), nullptr, false, false});
    }
  }
  for (auto &a : info->attributes) {
    for (auto &p : params)
      a.isParameter |= (p == a.name);
    for (auto &b : buffers)
      a.isBuffer |= (b == a.name);
  }
  ClassInfo *raw = info.get();
  classes_.emplace(std::string(qualifiedName), std::move(info));
  // Resolve attribute types after registering, so self-referencing classes terminate.
  for (auto &a : raw->attributes) {
    TS2ONNX_ASSIGN_OR_RETURN(a.type, resolveType(*a.typeExpr));
  }
  return raw;
}

const ClassInfo *ClassTable::addClass(std::unique_ptr<ClassInfo> cls) {
  std::string name = cls->qualifiedName;
  auto &slot = classes_[name];
  slot = std::move(cls);
  return slot.get();
}

absl::StatusOr<const script::FunctionDef *>
ClassTable::findFunction(std::string_view qualifiedName) {
  size_t dot = qualifiedName.rfind('.');
  if (dot == std::string_view::npos)
    return absl::NotFoundError(fmt::format("unknown function '{}'", qualifiedName));
  TS2ONNX_ASSIGN_OR_RETURN(const script::Module *m, load(qualifiedName.substr(0, dot)));
  std::string_view name = qualifiedName.substr(dot + 1);
  if (m)
    for (const script::FunctionDef *f : m->functions())
      if (f->name == name)
        return f;
  return absl::NotFoundError(fmt::format("unknown function '{}'", qualifiedName));
}

absl::StatusOr<ir::TypePtr> ClassTable::resolveNamed(const std::string &name,
                                                     const script::Expr &at) {
  using ir::Type;
  using ir::TypeKind;
  static const std::pair<const char *, TypeKind> kLeaves[] = {
      {"Tensor", TypeKind::Tensor},
      {"int", TypeKind::Int},
      {"float", TypeKind::Float},
      {"bool", TypeKind::Bool},
      {"str", TypeKind::Str},
      {"NoneType", TypeKind::None},
      {"None", TypeKind::None},
      {"Device", TypeKind::Device},
      {"number", TypeKind::Number},
      {"Scalar", TypeKind::Number},
      {"Any", TypeKind::Any},
      {"complex", TypeKind::Complex},
      {"Generator", TypeKind::Generator},
      {"Storage", TypeKind::Storage},
      {"Stream", TypeKind::Stream},
      {"Capsule", TypeKind::Capsule},
      {"QScheme", TypeKind::QScheme},
      {"torch.Tensor", TypeKind::Tensor},
      {"torch.device", TypeKind::Device},
  };
  for (auto &[n, k] : kLeaves)
    if (name == n)
      return Type::get(k);
  // dtype, layout and memory format are ints in TorchScript.
  if (name == "ScalarType" || name == "Layout" || name == "MemoryFormat" || name == "torch.dtype")
    return Type::intType();
  if (name.rfind("__torch__.", 0) == 0) {
    auto cls = findClass(name);
    if (!cls.ok())
      return script::sourceError(at.range, std::string(cls.status().message()));
    const ClassInfo *c = *cls;
    switch (c->kind) {
    case ClassInfo::Kind::Enum:
      return Type::enumType(name);
    case ClassInfo::Kind::Interface:
      return Type::interfaceType(name);
    case ClassInfo::Kind::NamedTuple: {
      std::vector<std::string> fields;
      std::vector<ir::TypePtr> types;
      for (const auto &a : c->attributes) {
        fields.push_back(a.name);
        types.push_back(a.type);
      }
      return Type::namedTuple(name, std::move(fields), std::move(types));
    }
    default:
      return Type::classType(name);
    }
  }
  return script::sourceError(at.range, fmt::format("unknown type '{}'", name));
}

absl::StatusOr<ir::TypePtr> ClassTable::resolveType(const script::Expr &e) {
  using ir::Type;
  if (script::isa<script::ConstantExpr>(&e) && e.kind == script::ExprKind::None)
    return Type::noneType();
  if (auto name = script::dottedName(e))
    return resolveNamed(*name, e);
  auto *sub = dynCast<script::SubscriptExpr>(&e);
  auto head = sub ? script::dottedName(*sub->value) : std::nullopt;
  if (!head)
    return script::sourceError(e.range, "expected a type");
  std::vector<ir::TypePtr> args;
  for (const script::ExprPtr &i : sub->indices) {
    if (auto *t = dynCast<script::TupleExpr>(i.get()); t && t->elements.empty())
      continue; // Tuple[()]
    TS2ONNX_ASSIGN_OR_RETURN(auto t, resolveType(*i));
    args.push_back(std::move(t));
  }
  auto want = [&](size_t n) -> absl::Status {
    if (args.size() != n)
      return script::sourceError(
          e.range, fmt::format("{}[...] takes {} type argument(s), got {}", *head, n, args.size()));
    return absl::OkStatus();
  };
  if (*head == "List") {
    TS2ONNX_RETURN_IF_ERROR(want(1));
    return Type::list(args[0]);
  }
  if (*head == "Optional") {
    TS2ONNX_RETURN_IF_ERROR(want(1));
    return Type::optional(args[0]);
  }
  if (*head == "Final") {
    TS2ONNX_RETURN_IF_ERROR(want(1));
    return args[0];
  }
  if (*head == "Future") {
    TS2ONNX_RETURN_IF_ERROR(want(1));
    return Type::future(args[0]);
  }
  if (*head == "RRef") {
    TS2ONNX_RETURN_IF_ERROR(want(1));
    return Type::rref(args[0]);
  }
  if (*head == "Await") {
    TS2ONNX_RETURN_IF_ERROR(want(1));
    return Type::await(args[0]);
  }
  if (*head == "Dict") {
    TS2ONNX_RETURN_IF_ERROR(want(2));
    return Type::dict(args[0], args[1]);
  }
  if (*head == "Tuple")
    return Type::tuple(std::move(args));
  if (*head == "Union") {
    // Union[T, None] is Optional[T], as torch normalizes it.
    std::vector<ir::TypePtr> rest;
    bool hasNone = false;
    for (auto &a : args) {
      if (a->is(ir::TypeKind::None))
        hasNone = true;
      else
        rest.push_back(a);
    }
    if (hasNone && rest.size() == 1)
      return Type::optional(rest[0]);
    return Type::unionOf(std::move(args));
  }
  return script::sourceError(e.range, fmt::format("unknown type constructor '{}'", *head));
}

absl::StatusOr<ir::TypePtr> ClassTable::resolveTypeString(std::string_view type) {
  TS2ONNX_ASSIGN_OR_RETURN(script::ExprPtr e, script::parseExpression(type, "<type>"));
  parsedTypeExprs_.push_back(std::move(e));
  return resolveType(*parsedTypeExprs_.back());
}

} // namespace ts2onnx::frontend
