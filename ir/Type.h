// Value types, modeled on torch's JIT types, printed the way torch prints them in graphs
// (`Float(1, 3, strides=[3, 1], requires_grad=0, device=cpu)`, `int[]`, `Tensor?`,
// `Dict(str, Tensor)`, `(Tensor, int)`, `__torch__.M`).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/Tensor.h"

namespace ts2onnx::ir {

enum class TypeKind {
  Any,
  Tensor,
  Int,
  Float,
  Complex,
  Bool,
  Str,
  None,
  Number, // printed "Scalar"
  Device,
  Layout,
  ScalarType,
  MemoryFormat,
  QScheme,
  Generator,
  Stream,
  Storage,
  Capsule,
  AnyList,  // "list"
  AnyTuple, // "tuple"
  AnyClass,
  AnyEnum,
  Function,
  List,
  Tuple, // optionally named (NamedTuple) with field names
  Optional,
  Dict,
  Union,
  Future,
  RRef,
  Await,
  Class, // __torch__.* classes and modules, torch.classes.*
  Interface,
  Enum,
};

class Type;
using TypePtr = std::shared_ptr<const Type>;

/// One tensor dimension: static (value >= 0), symbolic (a name, e.g. a dynamic axis `batch`),
/// or unknown (printed `*`).
struct Dim {
  int64_t value = -1;
  std::string symbol;

  static Dim known(int64_t v) { return Dim{v, {}}; }
  static Dim named(std::string s) { return Dim{-1, std::move(s)}; }
  static Dim unknown() { return Dim{}; }
  bool isStatic() const { return value >= 0; }
  bool isSymbolic() const { return value < 0 && !symbol.empty(); }
  bool operator==(const Dim &o) const { return value == o.value && symbol == o.symbol; }
  bool operator!=(const Dim &o) const { return !(*this == o); }
};

/// What is known about a tensor value. Every field may be unknown.
struct TensorInfo {
  std::optional<ScalarType> dtype;
  std::optional<std::vector<Dim>> sizes; // rank known when set
  std::optional<std::vector<std::optional<int64_t>>> strides;
  std::optional<bool> requiresGrad;
  std::optional<std::string> device;
  std::optional<bool> undefined;

  bool operator==(const TensorInfo &o) const;
};

class Type {
public:
  TypeKind kind() const { return kind_; }
  /// Element / key-value / member types: List[T] -> {T}, Dict -> {K, V}, Tuple -> members.
  const std::vector<TypePtr> &contained() const { return contained_; }
  const TypePtr &elementType() const { return contained_.at(0); }
  /// Class, interface, enum and named-tuple qualified names.
  const std::string &name() const { return name_; }
  /// NamedTuple field names (empty for a plain tuple).
  const std::vector<std::string> &fieldNames() const { return fieldNames_; }
  const TensorInfo &tensorInfo() const { return tensor_; }

  bool isTensor() const { return kind_ == TypeKind::Tensor; }
  bool is(TypeKind k) const { return kind_ == k; }
  /// Torch's printed form, as in graph dumps.
  std::string str() const;
  /// The source-annotation form (`List[int]`, `Optional[Tensor]`, `Tuple[int, str]`).
  std::string annotationStr() const;
  bool equals(const Type &o) const;

  // Factories. Leaf types are shared singletons.
  static TypePtr get(TypeKind leafKind);
  static TypePtr tensor() { return get(TypeKind::Tensor); }
  static TypePtr tensor(TensorInfo info);
  static TypePtr intType() { return get(TypeKind::Int); }
  static TypePtr floatType() { return get(TypeKind::Float); }
  static TypePtr boolType() { return get(TypeKind::Bool); }
  static TypePtr strType() { return get(TypeKind::Str); }
  static TypePtr noneType() { return get(TypeKind::None); }
  static TypePtr deviceType() { return get(TypeKind::Device); }
  static TypePtr list(TypePtr elem);
  static TypePtr optional(TypePtr elem);
  static TypePtr future(TypePtr elem);
  static TypePtr rref(TypePtr elem);
  static TypePtr await(TypePtr elem);
  static TypePtr dict(TypePtr key, TypePtr value);
  static TypePtr tuple(std::vector<TypePtr> members);
  static TypePtr namedTuple(std::string name, std::vector<std::string> fields,
                            std::vector<TypePtr> members);
  static TypePtr unionOf(std::vector<TypePtr> members);
  static TypePtr classType(std::string qualifiedName);
  static TypePtr interfaceType(std::string qualifiedName);
  static TypePtr enumType(std::string qualifiedName);

  Type(TypeKind kind, std::vector<TypePtr> contained, std::string name,
       std::vector<std::string> fields, TensorInfo tensor)
      : kind_(kind), contained_(std::move(contained)), name_(std::move(name)),
        fieldNames_(std::move(fields)), tensor_(std::move(tensor)) {}

private:
  TypeKind kind_;
  std::vector<TypePtr> contained_;
  std::string name_;
  std::vector<std::string> fieldNames_;
  TensorInfo tensor_;
};

/// The sizes of a tensor type whose rank and every dim are static; nullopt otherwise.
std::optional<std::vector<int64_t>> staticSizes(const Type &t);

/// Whether every value of type `a` is also a `b` (torch's isSubtypeOf, for the types scripted
/// code compares): equal types, any tensor for `Tensor`, members of Optional/Union, int/float
/// for `Scalar`, lists for `list`, tuples for `tuple`, element-wise for containers.
bool isSubtypeOf(const Type &a, const Type &b);

/// torch's compile-time `isinstance(v, candidates)`: true when every type `v` may have at run
/// time (each member of a Union or Optional) is a subtype of some candidate, false when none
/// of them can be one, nullopt when only the run-time value decides (torch then emits
/// prim::isinstance).
std::optional<bool> staticIsInstance(const TypePtr &v, const std::vector<TypePtr> &candidates);

} // namespace ts2onnx::ir
