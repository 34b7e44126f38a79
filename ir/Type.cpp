#include "ir/Type.h"

#include <array>
#include <fmt/format.h>

namespace ts2onnx::ir {
namespace {

const char *leafName(TypeKind k) {
  switch (k) {
  case TypeKind::Any:
    return "Any";
  case TypeKind::Tensor:
    return "Tensor";
  case TypeKind::Int:
    return "int";
  case TypeKind::Float:
    return "float";
  case TypeKind::Complex:
    return "complex";
  case TypeKind::Bool:
    return "bool";
  case TypeKind::Str:
    return "str";
  case TypeKind::None:
    return "NoneType";
  case TypeKind::Number:
    return "Scalar";
  case TypeKind::Device:
    return "Device";
  case TypeKind::Layout:
    return "Layout";
  case TypeKind::ScalarType:
    return "ScalarType";
  case TypeKind::MemoryFormat:
    return "MemoryFormat";
  case TypeKind::QScheme:
    return "QScheme";
  case TypeKind::Generator:
    return "Generator";
  case TypeKind::Stream:
    return "Stream";
  case TypeKind::Storage:
    return "Storage";
  case TypeKind::Capsule:
    return "Capsule";
  case TypeKind::AnyList:
    return "list";
  case TypeKind::AnyTuple:
    return "tuple";
  case TypeKind::AnyClass:
    return "AnyClassType";
  case TypeKind::AnyEnum:
    return "AnyEnumType";
  case TypeKind::Function:
    return "Function";
  default:
    return nullptr;
  }
}

std::string tensorStr(const TensorInfo &t) {
  std::string out;
  if (t.dtype) {
    out += scalarTypeName(*t.dtype);
    if (!t.sizes)
      out += "Tensor";
  } else {
    out += "Tensor";
  }
  size_t printed = 0;
  auto sep = [&]() -> const char * { return printed++ > 0 ? ", " : ""; };
  if (t.sizes) {
    const auto &sizes = *t.sizes;
    out += "(";
    for (const Dim &d : sizes) {
      out += sep();
      if (d.isStatic())
        out += std::to_string(d.value);
      else if (d.isSymbolic())
        out += d.symbol;
      else
        out += "*";
    }
    bool completeStrides = !sizes.empty() && t.strides && t.strides->size() == sizes.size();
    if (completeStrides)
      for (const auto &s : *t.strides)
        completeStrides &= s.has_value();
    if (completeStrides) {
      out += ", strides=[";
      for (size_t i = 0; i < t.strides->size(); ++i)
        out += (i ? ", " : "") + std::to_string(*(*t.strides)[i]);
      out += "]";
    }
    if (t.requiresGrad)
      out += fmt::format("{}requires_grad={}", sep(), *t.requiresGrad ? 1 : 0);
    if (t.device)
      out += fmt::format("{}device={}", sep(), *t.device);
    out += ")";
  } else {
    if (t.requiresGrad)
      out += fmt::format("{}requires_grad={}", printed++ ? ", " : "(", *t.requiresGrad ? 1 : 0);
    if (t.device)
      out += fmt::format("{}device={}", printed++ ? ", " : "(", *t.device);
    if (printed)
      out += ")";
  }
  if (t.undefined && *t.undefined)
    out += "[Undefined]";
  return out;
}

template <typename F> std::string join(const std::vector<TypePtr> &ts, F f) {
  std::string out;
  for (size_t i = 0; i < ts.size(); ++i)
    out += (i ? ", " : "") + f(*ts[i]);
  return out;
}

} // namespace

bool TensorInfo::operator==(const TensorInfo &o) const {
  return dtype == o.dtype && sizes == o.sizes && strides == o.strides &&
         requiresGrad == o.requiresGrad && device == o.device && undefined == o.undefined;
}

TypePtr Type::get(TypeKind k) {
  static const auto *table = [] {
    auto *t = new std::array<TypePtr, static_cast<size_t>(TypeKind::Enum) + 1>();
    for (size_t i = 0; i < t->size(); ++i) {
      auto kind = static_cast<TypeKind>(i);
      if (leafName(kind))
        (*t)[i] = std::make_shared<Type>(kind, std::vector<TypePtr>{}, std::string(),
                                         std::vector<std::string>{}, TensorInfo{});
    }
    return t;
  }();
  return (*table)[static_cast<size_t>(k)];
}

TypePtr Type::tensor(TensorInfo info) {
  return std::make_shared<Type>(TypeKind::Tensor, std::vector<TypePtr>{}, std::string(),
                                std::vector<std::string>{}, std::move(info));
}

static TypePtr make(TypeKind k, std::vector<TypePtr> c, std::string name = {},
                    std::vector<std::string> fields = {}) {
  return std::make_shared<Type>(k, std::move(c), std::move(name), std::move(fields), TensorInfo{});
}

TypePtr Type::list(TypePtr e) { return make(TypeKind::List, {std::move(e)}); }
TypePtr Type::optional(TypePtr e) { return make(TypeKind::Optional, {std::move(e)}); }
TypePtr Type::future(TypePtr e) { return make(TypeKind::Future, {std::move(e)}); }
TypePtr Type::rref(TypePtr e) { return make(TypeKind::RRef, {std::move(e)}); }
TypePtr Type::await(TypePtr e) { return make(TypeKind::Await, {std::move(e)}); }
TypePtr Type::dict(TypePtr k, TypePtr v) {
  return make(TypeKind::Dict, {std::move(k), std::move(v)});
}
TypePtr Type::tuple(std::vector<TypePtr> m) { return make(TypeKind::Tuple, std::move(m)); }
TypePtr Type::namedTuple(std::string name, std::vector<std::string> fields,
                         std::vector<TypePtr> m) {
  return make(TypeKind::Tuple, std::move(m), std::move(name), std::move(fields));
}
TypePtr Type::unionOf(std::vector<TypePtr> m) { return make(TypeKind::Union, std::move(m)); }
TypePtr Type::classType(std::string n) { return make(TypeKind::Class, {}, std::move(n)); }
TypePtr Type::interfaceType(std::string n) { return make(TypeKind::Interface, {}, std::move(n)); }
TypePtr Type::enumType(std::string n) { return make(TypeKind::Enum, {}, std::move(n)); }

// torch's `Type::str()`: what Dict and Union print for their members, where tensors are plain
// `Tensor` and named tuples print their qualified name.
static std::string reprStr(const Type &t) {
  if (const char *leaf = leafName(t.kind()))
    return leaf;
  const auto &c = t.contained();
  switch (t.kind()) {
  case TypeKind::List:
    return reprStr(*c[0]) + "[]";
  case TypeKind::Optional:
    return reprStr(*c[0]) + "?";
  case TypeKind::Future:
    return "Future(" + reprStr(*c[0]) + ")";
  case TypeKind::RRef:
    return "RRef(" + reprStr(*c[0]) + ")";
  case TypeKind::Await:
    return "Await(" + reprStr(*c[0]) + ")";
  case TypeKind::Dict:
    return "Dict(" + reprStr(*c[0]) + ", " + reprStr(*c[1]) + ")";
  case TypeKind::Union:
    return "Union(" + join(c, reprStr) + ")";
  case TypeKind::Tuple:
    if (!t.fieldNames().empty() && !t.name().empty())
      return t.name();
    return "(" + join(c, reprStr) + ")";
  case TypeKind::Enum:
    return "Enum<" + t.name() + ">";
  default:
    return t.name();
  }
}

// torch's `operator<<(std::ostream&, const Type&)`, which graph printing uses: full tensor
// types, and recursion through lists, optionals, tuples and futures (but not dicts or unions).
std::string Type::str() const {
  auto s = [](const Type &t) { return t.str(); };
  switch (kind_) {
  case TypeKind::Tensor:
    return tensorStr(tensor_);
  case TypeKind::List:
    return elementType()->str() + "[]";
  case TypeKind::Optional:
    return elementType()->str() + "?";
  case TypeKind::Future:
    return "Future[" + elementType()->str() + "]";
  case TypeKind::RRef:
    return "RRef[" + elementType()->str() + "]";
  case TypeKind::Await:
    return "Await[" + elementType()->str() + "]";
  case TypeKind::Tuple: {
    if (fieldNames_.empty())
      return "(" + join(contained_, s) + ")";
    std::string out = "NamedTuple(";
    for (size_t i = 0; i < contained_.size(); ++i)
      out += (i ? ", " : "") + fieldNames_[i] + " : " + contained_[i]->str();
    return out + ")";
  }
  default:
    return reprStr(*this);
  }
}

std::string Type::annotationStr() const {
  auto s = [](const Type &t) { return t.annotationStr(); };
  switch (kind_) {
  case TypeKind::Tensor:
    return "Tensor";
  case TypeKind::Number:
    return "number";
  case TypeKind::List:
    return "List[" + elementType()->annotationStr() + "]";
  case TypeKind::Optional:
    return "Optional[" + elementType()->annotationStr() + "]";
  case TypeKind::Future:
    return "Future[" + elementType()->annotationStr() + "]";
  case TypeKind::RRef:
    return "RRef[" + elementType()->annotationStr() + "]";
  case TypeKind::Await:
    return "Await[" + elementType()->annotationStr() + "]";
  case TypeKind::Dict:
    return "Dict[" + contained_[0]->annotationStr() + ", " + contained_[1]->annotationStr() + "]";
  case TypeKind::Union:
    return "Union[" + join(contained_, s) + "]";
  case TypeKind::Tuple:
    if (!name_.empty())
      return name_;
    return "Tuple[" + join(contained_, s) + "]";
  case TypeKind::Enum:
    return name_;
  default:
    return str();
  }
}

bool Type::equals(const Type &o) const {
  if (this == &o)
    return true;
  if (kind_ != o.kind_ || name_ != o.name_ || fieldNames_ != o.fieldNames_ ||
      contained_.size() != o.contained_.size() || !(tensor_ == o.tensor_))
    return false;
  for (size_t i = 0; i < contained_.size(); ++i)
    if (!contained_[i]->equals(*o.contained_[i]))
      return false;
  return true;
}

std::optional<std::vector<int64_t>> staticSizes(const Type &t) {
  if (!t.isTensor() || !t.tensorInfo().sizes)
    return std::nullopt;
  std::vector<int64_t> out;
  for (const Dim &d : *t.tensorInfo().sizes) {
    if (!d.isStatic())
      return std::nullopt;
    out.push_back(d.value);
  }
  return out;
}

bool isSubtypeOf(const Type &a, const Type &b) {
  if (b.is(TypeKind::Any) || a.equals(b))
    return true;
  if (a.isTensor() && b.isTensor())
    return true;
  if (a.is(TypeKind::Union) || a.is(TypeKind::Optional)) { // every member must be a b
    if (a.is(TypeKind::Optional) && !isSubtypeOf(*Type::noneType(), b))
      return false;
    for (const TypePtr &m : a.contained())
      if (!isSubtypeOf(*m, b))
        return false;
    return true;
  }
  if (b.is(TypeKind::Optional))
    return a.is(TypeKind::None) || isSubtypeOf(a, *b.elementType());
  if (b.is(TypeKind::Union)) {
    for (const TypePtr &m : b.contained())
      if (isSubtypeOf(a, *m))
        return true;
    return false;
  }
  if (b.is(TypeKind::Number))
    return a.is(TypeKind::Int) || a.is(TypeKind::Float) || a.is(TypeKind::Complex);
  if (b.is(TypeKind::AnyList))
    return a.is(TypeKind::List);
  if (b.is(TypeKind::AnyTuple))
    return a.is(TypeKind::Tuple);
  if (a.kind() != b.kind() || a.contained().size() != b.contained().size())
    return false;
  if (a.is(TypeKind::Class) || a.is(TypeKind::Enum) || a.is(TypeKind::Interface))
    return a.name() == b.name();
  for (size_t i = 0; i < a.contained().size(); ++i)
    if (!isSubtypeOf(*a.contained()[i], *b.contained()[i]))
      return false;
  return true;
}

namespace {

/// The types a value of type `t` may have at run time: Union and Optional members, flattened.
void runTimeMembers(const TypePtr &t, std::vector<TypePtr> &out) {
  if (t->is(TypeKind::Union)) {
    for (const TypePtr &m : t->contained())
      runTimeMembers(m, out);
  } else if (t->is(TypeKind::Optional)) {
    runTimeMembers(t->elementType(), out);
    out.push_back(Type::noneType());
  } else {
    out.push_back(t);
  }
}

} // namespace

std::optional<bool> staticIsInstance(const TypePtr &v, const std::vector<TypePtr> &candidates) {
  std::vector<TypePtr> members;
  runTimeMembers(v, members);
  bool allMatch = true, anyMatch = false;
  for (const TypePtr &m : members) {
    bool sub = false, overlaps = false;
    for (const TypePtr &c : candidates) {
      sub |= isSubtypeOf(*m, *c);
      // `Any` may hold anything; a narrower candidate may hold some values of m.
      overlaps |= m->is(TypeKind::Any) || isSubtypeOf(*c, *m);
    }
    allMatch &= sub;
    anyMatch |= sub || overlaps;
  }
  if (allMatch)
    return true;
  if (!anyMatch)
    return false;
  return std::nullopt;
}

} // namespace ts2onnx::ir
