#include "frontend/OpEmitter.h"

#include <fmt/format.h>

#include "frontend/schema/SchemaMatching.h"
#include "ir/Status.h"

namespace ts2onnx::frontend {

using ir::Type;
using ir::TypeKind;
using ir::TypePtr;
using ir::Value;

namespace {

SchemaType toSchemaType(const Type &t) {
  switch (t.kind()) {
  case TypeKind::Tensor:
    return SchemaType::tensor();
  case TypeKind::Int:
    return SchemaType::intType();
  case TypeKind::Float:
    return SchemaType::floatType();
  case TypeKind::Complex:
    return SchemaType::of(SchemaTypeKind::Complex);
  case TypeKind::Bool:
    return SchemaType::boolType();
  case TypeKind::Str:
    return SchemaType::strType();
  case TypeKind::None:
    return SchemaType::noneType();
  case TypeKind::Number:
    return SchemaType::of(SchemaTypeKind::Number);
  case TypeKind::Device:
    return SchemaType::of(SchemaTypeKind::Device);
  case TypeKind::Layout:
    return SchemaType::of(SchemaTypeKind::Layout);
  case TypeKind::ScalarType:
    return SchemaType::of(SchemaTypeKind::ScalarType);
  case TypeKind::MemoryFormat:
    return SchemaType::of(SchemaTypeKind::MemoryFormat);
  case TypeKind::QScheme:
    return SchemaType::of(SchemaTypeKind::QScheme);
  case TypeKind::Generator:
    return SchemaType::of(SchemaTypeKind::Generator);
  case TypeKind::Stream:
    return SchemaType::of(SchemaTypeKind::Stream);
  case TypeKind::Storage:
    return SchemaType::of(SchemaTypeKind::Storage);
  case TypeKind::Capsule:
    return SchemaType::of(SchemaTypeKind::Capsule);
  case TypeKind::List:
    return SchemaType::list(toSchemaType(*t.elementType()));
  case TypeKind::Optional:
    return SchemaType::optional(toSchemaType(*t.elementType()));
  case TypeKind::Future:
    return SchemaType::future(toSchemaType(*t.elementType()));
  case TypeKind::Dict:
    return SchemaType::dict(toSchemaType(*t.contained()[0]), toSchemaType(*t.contained()[1]));
  case TypeKind::Tuple: {
    std::vector<SchemaType> m;
    for (const TypePtr &c : t.contained())
      m.push_back(toSchemaType(*c));
    return SchemaType::tuple(std::move(m));
  }
  case TypeKind::Union: {
    SchemaType u = SchemaType::of(SchemaTypeKind::Union);
    for (const TypePtr &c : t.contained())
      u.contained.push_back(toSchemaType(*c));
    return u;
  }
  case TypeKind::Class:
  case TypeKind::Interface:
    return SchemaType::classType(t.name());
  case TypeKind::Enum:
    return SchemaType::of(SchemaTypeKind::AnyEnum);
  default:
    return SchemaType::of(SchemaTypeKind::Any);
  }
}

TypePtr toIrType(const SchemaType &t) {
  switch (t.kind) {
  case SchemaTypeKind::Tensor:
    return Type::tensor();
  case SchemaTypeKind::Int:
  case SchemaTypeKind::SymInt:
  case SchemaTypeKind::Layout:
  case SchemaTypeKind::ScalarType:
  case SchemaTypeKind::MemoryFormat:
    return Type::intType();
  case SchemaTypeKind::Float:
  case SchemaTypeKind::SymFloat:
    return Type::floatType();
  case SchemaTypeKind::Complex:
    return Type::get(TypeKind::Complex);
  case SchemaTypeKind::Bool:
  case SchemaTypeKind::SymBool:
    return Type::boolType();
  case SchemaTypeKind::Str:
  case SchemaTypeKind::Dimname:
    return Type::strType();
  case SchemaTypeKind::Number:
    return Type::get(TypeKind::Number);
  case SchemaTypeKind::Device:
    return Type::deviceType();
  case SchemaTypeKind::QScheme:
    return Type::get(TypeKind::QScheme);
  case SchemaTypeKind::Generator:
    return Type::get(TypeKind::Generator);
  case SchemaTypeKind::Stream:
    return Type::get(TypeKind::Stream);
  case SchemaTypeKind::Storage:
    return Type::get(TypeKind::Storage);
  case SchemaTypeKind::Capsule:
    return Type::get(TypeKind::Capsule);
  case SchemaTypeKind::None:
    return Type::noneType();
  case SchemaTypeKind::List:
    return Type::list(toIrType(t.element()));
  case SchemaTypeKind::Optional:
    return Type::optional(toIrType(t.element()));
  case SchemaTypeKind::Future:
    return Type::future(toIrType(t.element()));
  case SchemaTypeKind::RRef:
    return Type::rref(toIrType(t.element()));
  case SchemaTypeKind::Await:
    return Type::await(toIrType(t.element()));
  case SchemaTypeKind::Dict:
    return Type::dict(toIrType(t.contained[0]), toIrType(t.contained[1]));
  case SchemaTypeKind::Tuple: {
    std::vector<TypePtr> m;
    for (const SchemaType &c : t.contained)
      m.push_back(toIrType(c));
    return Type::tuple(std::move(m));
  }
  case SchemaTypeKind::Union: {
    std::vector<TypePtr> m;
    for (const SchemaType &c : t.contained)
      m.push_back(toIrType(c));
    return Type::unionOf(std::move(m));
  }
  case SchemaTypeKind::Class:
    return Type::classType(t.name);
  default:
    return Type::get(TypeKind::Any);
  }
}

/// A schema default as a prim::Constant of the formal type.
Value *defaultConstant(ir::Graph &g, const SchemaValue &v, const SchemaType &formal) {
  const SchemaType &t = formal.unwrapOptional();
  switch (v.kind) {
  case SchemaValue::Kind::None:
    return g.insertConstantNone();
  case SchemaValue::Kind::Bool:
    return g.insertConstantBool(v.b);
  case SchemaValue::Kind::Int:
    if (t.is(SchemaTypeKind::Float))
      return g.insertConstantFloat(double(v.i));
    if (t.is(SchemaTypeKind::List)) // `int[2] stride=1`
      return g.insertConstantInts(std::vector<int64_t>(size_t(t.fixedSize.value_or(1)), v.i));
    return g.insertConstantInt(v.i);
  case SchemaValue::Kind::Float:
    if (t.is(SchemaTypeKind::List)) {
      ir::Node *n = g.insert(ir::prim::Constant, {}, 1);
      n->setAttribute(ir::attr::value, ir::AttributeValue(std::vector<double>(
                                           size_t(t.fixedSize.value_or(1)), v.f)));
      return n->output()->setType(Type::list(Type::floatType()));
    }
    return g.insertConstantFloat(v.f);
  case SchemaValue::Kind::Str:
    return g.insertConstantString(v.s);
  case SchemaValue::Kind::List: {
    const SchemaType &elem = t.is(SchemaTypeKind::List) ? t.element() : SchemaType::intType();
    ir::Node *n = g.insert(ir::prim::Constant, {}, 1);
    if (elem.is(SchemaTypeKind::Float)) {
      std::vector<double> xs;
      for (const SchemaValue &e : v.list)
        xs.push_back(e.kind == SchemaValue::Kind::Int ? double(e.i) : e.f);
      n->setAttribute(ir::attr::value, ir::AttributeValue(std::move(xs)));
      return n->output()->setType(Type::list(Type::floatType()));
    }
    if (elem.is(SchemaTypeKind::Bool)) {
      std::vector<bool> xs;
      for (const SchemaValue &e : v.list)
        xs.push_back(e.b);
      n->setAttribute(ir::attr::value, ir::AttributeValue(std::move(xs)));
      return n->output()->setType(Type::list(Type::boolType()));
    }
    std::vector<int64_t> xs;
    for (const SchemaValue &e : v.list)
      xs.push_back(e.i);
    n->setAttribute(ir::attr::value, ir::AttributeValue(std::move(xs)));
    return n->output()->setType(Type::list(toIrType(elem)));
  }
  }
  return g.insertConstantNone();
}

Value *insertOp(ir::Graph &g, std::string_view name, std::vector<Value *> ins, TypePtr out,
                const ir::SourceLocation &loc) {
  ir::Node *n = g.insert(ir::Symbol::fromQualString(name), ins, 1);
  n->setSourceLocation(loc);
  return n->output()->setType(std::move(out));
}

Value *convert(ir::Graph &g, Value *v, ArgConversion c, const SchemaType &formal,
               const ir::SourceLocation &loc) {
  switch (c) {
  case ArgConversion::None:
    return v;
  case ArgConversion::TensorToFloat:
    return insertOp(g, "aten::FloatImplicit", {v}, Type::floatType(), loc);
  case ArgConversion::TensorToInt:
    return insertOp(g, "aten::IntImplicit", {v}, Type::intType(), loc);
  case ArgConversion::TensorToComplex:
    return insertOp(g, "aten::ComplexImplicit", {v}, Type::get(TypeKind::Complex), loc);
  case ArgConversion::TensorToScalar:
    return insertOp(g, "aten::ScalarImplicit", {v}, Type::get(TypeKind::Number), loc);
  case ArgConversion::ScalarToFloat:
    return insertOp(g, "aten::Float", {v}, Type::floatType(), loc);
  case ArgConversion::ScalarToInt:
    return insertOp(g, "aten::Int", {v}, Type::intType(), loc);
  case ArgConversion::ScalarToComplex:
    return insertOp(g, "aten::Complex", {v}, Type::get(TypeKind::Complex), loc);
  case ArgConversion::StrToDevice:
    return insertOp(g, "aten::device", {v}, Type::deviceType(), loc);
  case ArgConversion::TupleToList: {
    const TypePtr &tt = v->type();
    std::vector<Value *> elems;
    if (v->node()->kind() == ir::prim::TupleConstruct) {
      elems = v->node()->inputs();
    } else {
      ir::Node *u = g.insert(ir::prim::TupleUnpack, {v}, tt->contained().size());
      u->setSourceLocation(loc);
      for (size_t i = 0; i < tt->contained().size(); ++i)
        u->output(i)->setType(tt->contained()[i]);
      elems = u->outputs();
    }
    return insertOp(g, "prim::ListConstruct", elems, toIrType(formal.unwrapOptional()), loc);
  }
  case ArgConversion::EmptyListLiteral:
    return insertOp(g, "prim::ListConstruct", {}, toIrType(formal.unwrapOptional()), loc);
  case ArgConversion::RepeatToList: {
    const SchemaType &t = formal.unwrapOptional();
    std::vector<Value *> elems(size_t(t.fixedSize.value_or(1)), v);
    return insertOp(g, "prim::ListConstruct", elems, toIrType(t), loc);
  }
  case ArgConversion::VarargsToList:
    return v; // handled by the caller
  }
  return v;
}

} // namespace

bool hasBuiltinOp(std::string_view qualName) {
  return SchemaRegistry::builtin().lookup(qualName) != nullptr;
}

absl::StatusOr<std::vector<Value *>> emitBuiltinOp(ir::Graph &g, std::string_view qualName,
                                                   const std::vector<NamedValue> &args,
                                                   const std::vector<NamedValue> &kwargs,
                                                   const script::SourceRange &range,
                                                   std::string *overload) {
  if (overload)
    overload->clear();
  const SchemaRegistry &reg = SchemaRegistry::builtin();
  // torch.device("cpu") with a literal is a Device constant, as torch's emitter makes it.
  if (qualName == "aten::device" && args.size() == 1 && kwargs.empty() &&
      args[0].value->node()->kind() == ir::prim::Constant &&
      args[0].value->type()->is(TypeKind::Str)) {
    std::string dev = args[0].value->node()->s(ir::attr::value);
    if (!args[0].value->hasUses())
      args[0].value->node()->destroy();
    ir::Node *n = g.insert(ir::prim::Constant, {}, 1);
    n->s_(ir::attr::value, std::move(dev));
    return std::vector<Value *>{n->output()->setType(Type::deviceType())};
  }
  if (!reg.lookup(qualName))
    return script::sourceError(
        range, qualName.rfind("aten::", 0) == 0 || qualName.rfind("prim::", 0) == 0
                   ? fmt::format("unknown operator {}", qualName)
                   : fmt::format("unknown operator {} (a custom operator: register its schema "
                                 "with ts2onnx::registerOperatorSchema, or --custom-schema FILE)",
                                 qualName));
  std::vector<CallArgument> pos, kw;
  for (const NamedValue &a : args) {
    CallArgument c = CallArgument::of(toSchemaType(*a.value->type()));
    c.isEmptyListLiteral = a.emptyListLiteral;
    pos.push_back(std::move(c));
  }
  for (const NamedValue &a : kwargs) {
    CallArgument c = CallArgument::keyword(a.name, toSchemaType(*a.value->type()));
    c.isEmptyListLiteral = a.emptyListLiteral;
    kw.push_back(std::move(c));
  }
  auto match = resolveOverload(reg, qualName, pos, kw);
  if (!match.ok())
    return script::sourceError(range, std::string(match.status().message()));
  if (overload)
    *overload = match->schema->fullName();
  ir::SourceLocation loc;
  loc.file = range.file;
  loc.line = int(range.line);
  loc.column = int(range.column);
  std::vector<Value *> ins;
  std::vector<Value *> dropped; // empty list literals replaced by typed ones
  for (const BoundArgument &b : match->arguments) {
    switch (b.source) {
    case BoundArgument::Source::Default:
      ins.push_back(defaultConstant(g, *b.defaultValue, b.type));
      break;
    case BoundArgument::Source::Keyword: {
      Value *v = kwargs.at(b.indices.at(0)).value;
      if (b.conversion == ArgConversion::EmptyListLiteral)
        dropped.push_back(v);
      ins.push_back(convert(g, v, b.conversion, b.type, loc));
      break;
    }
    case BoundArgument::Source::Positional: {
      if (b.conversion == ArgConversion::VarargsToList) {
        std::vector<Value *> elems;
        for (size_t k = 0; k < b.indices.size(); ++k) {
          ArgConversion ec =
              k < b.elementConversions.size() ? b.elementConversions[k] : ArgConversion::None;
          elems.push_back(
              convert(g, args.at(b.indices[k]).value, ec, b.type.unwrapOptional().element(), loc));
        }
        ins.push_back(
            insertOp(g, "prim::ListConstruct", elems, toIrType(b.type.unwrapOptional()), loc));
        break;
      }
      Value *v = args.at(b.indices.at(0)).value;
      if (b.conversion == ArgConversion::EmptyListLiteral)
        dropped.push_back(v);
      ins.push_back(convert(g, v, b.conversion, b.type, loc));
      break;
    }
    }
  }
  for (size_t i : match->varargs)
    ins.push_back(args.at(i).value);
  ir::Node *n = g.insert(ir::Symbol::fromQualString(qualName), ins, match->returnTypes.size());
  n->setSourceLocation(loc);
  for (size_t i = 0; i < match->returnTypes.size(); ++i)
    n->output(i)->setType(toIrType(match->returnTypes[i]));
  // An untyped `[]` that was re-emitted with the formal type is now dead.
  for (Value *v : dropped)
    if (!v->hasUses())
      v->node()->destroy();
  return n->outputs();
}

} // namespace ts2onnx::frontend
