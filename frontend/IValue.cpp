#include "frontend/IValue.h"

#include <cstring>

#include "fmt/format.h"

namespace ts2onnx::frontend {
namespace {

template <typename T> const T &emptyOf() {
  static const T *empty = new T();
  return *empty;
}

const std::string &emptyString() { return emptyOf<std::string>(); }

/// A byte string that identifies a hashable key: its kind, then its bits or text.
std::optional<std::string> encodeKey(const IValue &key) {
  std::string out(1, static_cast<char>(key.kind()));
  auto bits = [&out](const void *p, size_t n) { out.append(static_cast<const char *>(p), n); };
  switch (key.kind()) {
  case IValue::Kind::None:
    return out;
  case IValue::Kind::Bool:
  case IValue::Kind::Int: {
    int64_t i = key.toInt();
    bits(&i, sizeof(i));
    return out;
  }
  case IValue::Kind::Double: {
    double d = key.toDouble();
    bits(&d, sizeof(d));
    return out;
  }
  case IValue::Kind::Complex: {
    std::complex<double> c = key.toComplex();
    double parts[2] = {c.real(), c.imag()};
    bits(parts, sizeof(parts));
    return out;
  }
  case IValue::Kind::String:
  case IValue::Kind::Bytes:
  case IValue::Kind::Device:
    return out + key.toStringRef();
  case IValue::Kind::Tensor: {
    const void *p = key.identity();
    bits(&p, sizeof(p));
    return out;
  }
  default:
    return std::nullopt;
  }
}

std::string quoted(const std::string &s) {
  std::string out = "'";
  for (unsigned char c : s) {
    if (c == '\'' || c == '\\')
      out += fmt::format("\\{}", static_cast<char>(c));
    else if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out + "'";
}

std::string doubleRepr(double d) {
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".eEn") == std::string::npos) // `1` -> `1.`, keep inf/nan
    s += ".";
  return s;
}

std::string shapeRepr(const ir::Tensor &t) {
  std::string s = fmt::format("{}[", ir::scalarTypeName(t.dtype()));
  for (size_t i = 0; i < t.sizes().size(); ++i)
    s += fmt::format("{}{}", i ? ", " : "", t.sizes()[i]);
  return s + "]";
}

void reprInto(const IValue &v, int depth, std::string &out) {
  if (depth < 0) {
    out += "...";
    return;
  }
  switch (v.kind()) {
  case IValue::Kind::None:
    out += "None";
    return;
  case IValue::Kind::Bool:
    out += v.toBool() ? "True" : "False";
    return;
  case IValue::Kind::Int:
    out += std::to_string(v.toInt());
    return;
  case IValue::Kind::Double:
    out += doubleRepr(v.toDouble());
    return;
  case IValue::Kind::Complex:
    out += fmt::format("complex({}, {})", doubleRepr(v.toComplex().real()),
                       doubleRepr(v.toComplex().imag()));
    return;
  case IValue::Kind::String:
    out += quoted(v.toStringRef());
    return;
  case IValue::Kind::Bytes:
    out += "b" + quoted(v.toStringRef());
    return;
  case IValue::Kind::Device:
    out += fmt::format("device({})", quoted(v.toStringRef()));
    return;
  case IValue::Kind::Tuple: {
    const auto &e = v.toTuple().elements;
    out += "(";
    for (size_t i = 0; i < e.size(); ++i) {
      if (i)
        out += ", ";
      reprInto(e[i], depth - 1, out);
    }
    out += e.size() == 1 ? ",)" : ")";
    return;
  }
  case IValue::Kind::List: {
    const List &l = v.toList();
    out += "[";
    for (size_t i = 0; i < l.elements.size(); ++i) {
      if (i)
        out += ", ";
      reprInto(l.elements[i], depth - 1, out);
    }
    out += "]";
    return;
  }
  case IValue::Kind::Dict: {
    out += "{";
    bool first = true;
    for (const auto &[k, val] : v.toDict().entries()) {
      if (!first)
        out += ", ";
      first = false;
      reprInto(k, depth - 1, out);
      out += ": ";
      reprInto(val, depth - 1, out);
    }
    out += "}";
    return;
  }
  case IValue::Kind::Tensor: {
    const TensorValue &t = v.toTensor();
    out += fmt::format("Tensor({}", shapeRepr(t.tensor));
    if (t.quant)
      out += fmt::format(", qscheme={}", static_cast<int>(t.quant->scheme));
    if (t.requiresGrad)
      out += ", requires_grad=True";
    out += ")";
    return;
  }
  case IValue::Kind::Object: {
    const Object &o = v.toObject();
    out += o.className;
    if (o.hasSetState) {
      out += ".__setstate__(";
      reprInto(o.state, depth - 1, out);
      out += ")";
      return;
    }
    out += "{";
    for (size_t i = 0; i < o.attributes.size(); ++i) {
      out += fmt::format("{}{}: ", i ? ", " : "", o.attributes[i].first);
      reprInto(o.attributes[i].second, depth - 1, out);
    }
    out += "}";
    return;
  }
  case IValue::Kind::Enum:
    out += v.toEnum().className + "(";
    reprInto(v.toEnum().value, depth - 1, out);
    out += ")";
    return;
  case IValue::Kind::Global:
    out += "<global " + v.toGlobal().qualifiedName + ">";
    return;
  case IValue::Kind::Storage:
    out += fmt::format("<storage {} {}>", quoted(v.toStorage().key),
                       ir::scalarTypeName(v.toStorage().dtype));
    return;
  }
}

} // namespace

std::string_view IValue::kindName(Kind k) {
  switch (k) {
  case Kind::None:
    return "None";
  case Kind::Bool:
    return "bool";
  case Kind::Int:
    return "int";
  case Kind::Double:
    return "float";
  case Kind::Complex:
    return "complex";
  case Kind::String:
    return "str";
  case Kind::Bytes:
    return "bytes";
  case Kind::Tuple:
    return "tuple";
  case Kind::List:
    return "list";
  case Kind::Dict:
    return "dict";
  case Kind::Tensor:
    return "Tensor";
  case Kind::Object:
    return "object";
  case Kind::Device:
    return "Device";
  case Kind::Enum:
    return "enum";
  case Kind::Global:
    return "global";
  case Kind::Storage:
    return "storage";
  }
  return "?";
}

#define TS2ONNX_IVALUE_HEAP_(Fn, Type, KindName)                                                   \
  IValue IValue::Fn(std::shared_ptr<Type> p) {                                                     \
    IValue v;                                                                                      \
    v.kind_ = Kind::KindName;                                                                      \
    v.ptr_ = std::move(p);                                                                         \
    return v;                                                                                      \
  }
TS2ONNX_IVALUE_HEAP_(fromTuple, Tuple, Tuple)
TS2ONNX_IVALUE_HEAP_(fromList, List, List)
TS2ONNX_IVALUE_HEAP_(fromDict, Dict, Dict)
TS2ONNX_IVALUE_HEAP_(fromTensor, TensorValue, Tensor)
TS2ONNX_IVALUE_HEAP_(fromObject, Object, Object)
TS2ONNX_IVALUE_HEAP_(fromEnum, Enum, Enum)
TS2ONNX_IVALUE_HEAP_(fromGlobal, GlobalRef, Global)
TS2ONNX_IVALUE_HEAP_(fromStorage, StorageRef, Storage)
#undef TS2ONNX_IVALUE_HEAP_

IValue IValue::fromBool(bool b) {
  IValue v;
  v.kind_ = Kind::Bool;
  v.scalar_.i = b ? 1 : 0;
  return v;
}

IValue IValue::fromInt(int64_t i) {
  IValue v;
  v.kind_ = Kind::Int;
  v.scalar_.i = i;
  return v;
}

IValue IValue::fromDouble(double d) {
  IValue v;
  v.kind_ = Kind::Double;
  v.scalar_.d = d;
  return v;
}

IValue IValue::fromComplex(std::complex<double> c) {
  IValue v;
  v.kind_ = Kind::Complex;
  v.ptr_ = std::make_shared<std::complex<double>>(c);
  return v;
}

IValue IValue::text(Kind kind, std::string s) {
  IValue v;
  v.kind_ = kind;
  v.ptr_ = std::make_shared<std::string>(std::move(s));
  return v;
}

IValue IValue::fromString(std::string s) { return text(Kind::String, std::move(s)); }
IValue IValue::fromBytes(std::string s) { return text(Kind::Bytes, std::move(s)); }
IValue IValue::fromDevice(std::string s) { return text(Kind::Device, std::move(s)); }

double IValue::toDouble() const {
  if (kind_ == Kind::Double)
    return scalar_.d;
  if (kind_ == Kind::Int)
    return static_cast<double>(scalar_.i);
  return 0;
}

std::complex<double> IValue::toComplex() const {
  if (kind_ == Kind::Complex)
    return *static_cast<const std::complex<double> *>(ptr_.get());
  return {toDouble(), 0};
}

const std::string &IValue::toStringRef() const {
  if (kind_ == Kind::String || kind_ == Kind::Bytes || kind_ == Kind::Device)
    return *static_cast<const std::string *>(ptr_.get());
  return emptyString();
}

#define TS2ONNX_IVALUE_ACCESS_(Fn, PtrFn, Type, KindName)                                          \
  const Type &IValue::Fn() const {                                                                 \
    return kind_ == Kind::KindName ? *static_cast<const Type *>(ptr_.get()) : emptyOf<Type>();     \
  }                                                                                                \
  std::shared_ptr<Type> IValue::PtrFn() const {                                                    \
    return kind_ == Kind::KindName ? std::static_pointer_cast<Type>(ptr_) : nullptr;               \
  }
TS2ONNX_IVALUE_ACCESS_(toTuple, tuplePtr, Tuple, Tuple)
TS2ONNX_IVALUE_ACCESS_(toList, listPtr, List, List)
TS2ONNX_IVALUE_ACCESS_(toDict, dictPtr, Dict, Dict)
TS2ONNX_IVALUE_ACCESS_(toTensor, tensorPtr, TensorValue, Tensor)
TS2ONNX_IVALUE_ACCESS_(toObject, objectPtr, Object, Object)
TS2ONNX_IVALUE_ACCESS_(toEnum, enumPtr, Enum, Enum)
TS2ONNX_IVALUE_ACCESS_(toGlobal, globalPtr, GlobalRef, Global)
TS2ONNX_IVALUE_ACCESS_(toStorage, storagePtr, StorageRef, Storage)
#undef TS2ONNX_IVALUE_ACCESS_

std::string IValue::repr(int maxDepth) const {
  std::string out;
  reprInto(*this, maxDepth, out);
  return out;
}

absl::Status Dict::insertOrAssign(IValue key, IValue value) {
  std::optional<std::string> encoded = encodeKey(key);
  if (!encoded)
    return absl::InvalidArgumentError(
        fmt::format("a {} cannot be a dict key", IValue::kindName(key.kind())));
  auto [it, inserted] = index_.try_emplace(*encoded, entries_.size());
  if (inserted)
    entries_.emplace_back(std::move(key), std::move(value));
  else
    entries_[it->second].second = std::move(value);
  return absl::OkStatus();
}

const IValue *Dict::find(const IValue &key) const {
  std::optional<std::string> encoded = encodeKey(key);
  if (!encoded)
    return nullptr;
  auto it = index_.find(*encoded);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

const IValue *Dict::find(std::string_view stringKey) const {
  return find(IValue::fromString(std::string(stringKey)));
}

void Dict::clear() {
  entries_.clear();
  index_.clear();
}

const IValue *Object::attr(std::string_view name) const {
  if (attributes.size() > 8) {
    if (indexed_ != attributes.size()) {
      for (size_t i = indexed_; i < attributes.size(); ++i)
        index_.try_emplace(attributes[i].first, i);
      indexed_ = attributes.size();
    }
    auto it = index_.find(absl::string_view(name.data(), name.size()));
    if (it != index_.end() && it->second < attributes.size() &&
        attributes[it->second].first == name)
      return &attributes[it->second].second;
  }
  for (const auto &[n, v] : attributes)
    if (n == name)
      return &v;
  return nullptr;
}

bool isContainer(const IValue &v) {
  switch (v.kind()) {
  case IValue::Kind::Tuple:
  case IValue::Kind::List:
  case IValue::Kind::Dict:
  case IValue::Kind::Object:
  case IValue::Kind::Enum:
    return true;
  default:
    return false;
  }
}

size_t childCount(const IValue &v) {
  switch (v.kind()) {
  case IValue::Kind::Tuple:
    return v.toTuple().elements.size();
  case IValue::Kind::List:
    return v.toList().elements.size();
  case IValue::Kind::Dict:
    return 2 * v.toDict().size();
  case IValue::Kind::Object:
    return v.toObject().attributes.size() + 1;
  case IValue::Kind::Enum:
    return 1;
  default:
    return 0;
  }
}

const IValue &child(const IValue &v, size_t i) {
  switch (v.kind()) {
  case IValue::Kind::Tuple:
    return v.toTuple().elements[i];
  case IValue::Kind::List:
    return v.toList().elements[i];
  case IValue::Kind::Dict: {
    const auto &entry = v.toDict().entries()[i / 2];
    return i % 2 ? entry.second : entry.first;
  }
  case IValue::Kind::Object: {
    const Object &o = v.toObject();
    return i < o.attributes.size() ? o.attributes[i].second : o.state;
  }
  default:
    return v.toEnum().value;
  }
}

void clearChildren(const IValue &v) {
  switch (v.kind()) {
  case IValue::Kind::Tuple:
    v.tuplePtr()->elements.clear();
    break;
  case IValue::Kind::List:
    v.listPtr()->elements.clear();
    break;
  case IValue::Kind::Dict:
    v.dictPtr()->clear();
    break;
  case IValue::Kind::Object: {
    auto o = v.objectPtr();
    o->attributes.clear();
    o->state = IValue();
    break;
  }
  case IValue::Kind::Enum:
    v.enumPtr()->value = IValue();
    break;
  default:
    break;
  }
}

} // namespace ts2onnx::frontend
