// Values produced by the unpickler: the pickled module tree of data.pkl, the constant table of
// constants.pkl, and whatever else torch pickles into an archive. Containers are shared by
// reference (as in Python and torch), so a value reached twice through the pickle memo is the
// same object and aliasing (a parameter stored twice) survives.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "ir/Tensor.h"

namespace ts2onnx::frontend {

class IValue;
struct Tuple;
struct List;
class Dict;
struct TensorValue;
struct Object;
struct Enum;
struct GlobalRef;
struct StorageRef;

class IValue {
public:
  enum class Kind : uint8_t {
    None,
    Bool,
    Int,
    Double,
    Complex,
    String, // BINUNICODE text (validated UTF-8)
    Bytes,  // BINBYTES / old BINSTRING data
    Tuple,
    List,
    Dict,
    Tensor,
    Object,
    Device, // `torch.device('cpu')`: the device string
    Enum,
    Global,  // a GLOBAL that was never applied (e.g. a qscheme); never in a validated result
    Storage, // a BINPERSID storage not wrapped in a tensor; never in a validated result
  };

  IValue() = default; // None
  static IValue fromBool(bool b);
  static IValue fromInt(int64_t i);
  static IValue fromDouble(double d);
  static IValue fromComplex(std::complex<double> c);
  static IValue fromString(std::string s);
  static IValue fromBytes(std::string s);
  static IValue fromDevice(std::string s);
  static IValue fromTuple(std::shared_ptr<Tuple> t);
  static IValue fromList(std::shared_ptr<List> l);
  static IValue fromDict(std::shared_ptr<Dict> d);
  static IValue fromTensor(std::shared_ptr<TensorValue> t);
  static IValue fromObject(std::shared_ptr<Object> o);
  static IValue fromEnum(std::shared_ptr<Enum> e);
  static IValue fromGlobal(std::shared_ptr<GlobalRef> g);
  static IValue fromStorage(std::shared_ptr<StorageRef> s);

  Kind kind() const { return kind_; }
  static std::string_view kindName(Kind k);
  std::string_view kindName() const { return kindName(kind_); }

  bool isNone() const { return kind_ == Kind::None; }
  bool isBool() const { return kind_ == Kind::Bool; }
  bool isInt() const { return kind_ == Kind::Int; }
  bool isDouble() const { return kind_ == Kind::Double; }
  bool isComplex() const { return kind_ == Kind::Complex; }
  bool isString() const { return kind_ == Kind::String; }
  bool isBytes() const { return kind_ == Kind::Bytes; }
  bool isTuple() const { return kind_ == Kind::Tuple; }
  bool isList() const { return kind_ == Kind::List; }
  bool isDict() const { return kind_ == Kind::Dict; }
  bool isTensor() const { return kind_ == Kind::Tensor; }
  bool isObject() const { return kind_ == Kind::Object; }
  bool isDevice() const { return kind_ == Kind::Device; }
  bool isEnum() const { return kind_ == Kind::Enum; }
  bool isGlobal() const { return kind_ == Kind::Global; }
  bool isStorage() const { return kind_ == Kind::Storage; }

  // Accessors. Each is meant to be called after checking the kind; on the wrong kind they
  // return a zero / empty value instead of aborting.
  bool toBool() const { return kind_ == Kind::Bool && scalar_.i != 0; }
  int64_t toInt() const { return kind_ == Kind::Int || kind_ == Kind::Bool ? scalar_.i : 0; }
  /// Double or Int as a double.
  double toDouble() const;
  std::complex<double> toComplex() const;
  /// The text of a String, Bytes or Device.
  const std::string &toStringRef() const;
  const Tuple &toTuple() const;
  const List &toList() const;
  const Dict &toDict() const;
  const TensorValue &toTensor() const;
  const Object &toObject() const;
  const Enum &toEnum() const;
  const GlobalRef &toGlobal() const;
  const StorageRef &toStorage() const;

  std::shared_ptr<Tuple> tuplePtr() const;
  std::shared_ptr<List> listPtr() const;
  std::shared_ptr<Dict> dictPtr() const;
  std::shared_ptr<TensorValue> tensorPtr() const;
  std::shared_ptr<Object> objectPtr() const;
  std::shared_ptr<Enum> enumPtr() const;
  std::shared_ptr<GlobalRef> globalPtr() const;
  std::shared_ptr<StorageRef> storagePtr() const;

  /// The shared object behind a heap value (for identity and alias checks), else nullptr.
  const void *identity() const { return ptr_.get(); }

  /// Python-like text for debugging and tests: `(1, 'a', [2.5])`, `Tensor(Float[2, 5])`,
  /// `__torch__.Net{training: True, ...}`. Nesting beyond `maxDepth` prints `...`.
  std::string repr(int maxDepth = 64) const;

private:
  static IValue text(Kind kind, std::string s);

  Kind kind_ = Kind::None;
  union {
    int64_t i;
    double d;
  } scalar_{0};
  std::shared_ptr<void> ptr_;
};

struct Tuple {
  std::vector<IValue> elements;
};

struct List {
  std::vector<IValue> elements;
  /// TorchScript type from `build_intlist` (`List[int]`) or `restore_type_tag`; empty if untagged.
  std::string typeTag;
};

/// Insertion-ordered dictionary. Keys are None, Bool, Int, Double, String, Bytes, Device,
/// Complex or (by identity) Tensor; assigning an existing key replaces its value in place.
class Dict {
public:
  /// Fails for key kinds TorchScript cannot hash (lists, dicts, objects, ...).
  absl::Status insertOrAssign(IValue key, IValue value);
  const IValue *find(const IValue &key) const;
  const IValue *find(std::string_view stringKey) const;
  const std::vector<std::pair<IValue, IValue>> &entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  /// Drops every entry (used to break reference cycles in rejected pickles).
  void clear();

  /// `Dict[str, Tensor]` etc. from `restore_type_tag`; empty if untagged.
  std::string typeTag;

private:
  std::vector<std::pair<IValue, IValue>> entries_;
  absl::flat_hash_map<std::string, size_t> index_; // encoded key -> position
};

/// Quantization parameters of a `_rebuild_qtensor` tensor.
struct QuantParams {
  /// torch's QScheme codes.
  enum class Scheme : int8_t {
    PerTensorAffine = 0,
    PerChannelAffine = 1,
    PerTensorSymmetric = 2,
    PerChannelSymmetric = 3,
    PerChannelAffineFloatQParams = 4,
  };
  Scheme scheme = Scheme::PerTensorAffine;
  double scale = 0;      // per-tensor
  int64_t zeroPoint = 0; // per-tensor
  ir::Tensor scales;     // per-channel (float64)
  ir::Tensor zeroPoints; // per-channel (int64, or float for float_qparams)
  int64_t axis = 0;      // per-channel
};

struct TensorValue {
  ir::Tensor tensor;
  bool requiresGrad = false;
  std::string storageKey; // the record key the storage came from (`0`, `12.storage`)
  std::string location;   // `cpu`, `cuda:0`, ...
  std::optional<QuantParams> quant;
  bool conj = false; // math bits of newer torch (7th _rebuild_tensor_v2 argument)
  bool neg = false;
};

struct Object {
  std::string className; // `__torch__.torch.nn.modules.linear.Linear`
  /// True when the class restores itself with `__setstate__` (the `state` member is used).
  bool hasSetState = false;
  /// True once BUILD ran.
  bool built = false;
  /// Attributes in pickle order, for classes without `__setstate__`.
  std::vector<std::pair<std::string, IValue>> attributes;
  /// Whatever `__getstate__` returned, for classes with `__setstate__` (custom C++ classes too).
  IValue state;

  const IValue *attr(std::string_view name) const;

private:
  /// name -> index into `attributes`, built on a lookup when the list grew (a Sequential of
  /// thousands of layers would otherwise cost a linear scan per access). A hit is checked
  /// against the list; a miss falls back to the scan.
  mutable absl::flat_hash_map<std::string, size_t> index_;
  mutable size_t indexed_ = 0;
};

struct Enum {
  std::string className;
  IValue value;
};

/// A resolved GLOBAL reference (only its allow-listed forms ever exist).
struct GlobalRef {
  enum class Kind : uint8_t {
    RebuildTensorV2,
    RebuildQTensor,
    StorageType,
    QScheme,
    OrderedDict,
    Device,
    Complex,
    RestoreTypeTag,
    BuildIntList,
    BuildTensorList,
    BuildDoubleList,
    BuildBoolList,
    BuildTensorFromId,
    Class,         // `__torch__.*` class without __setstate__
    SetStateClass, // `__torch__.*` class restored by __setstate__ (incl. torch.classes)
    EnumClass,
  };
  Kind kind;
  std::string qualifiedName;                        // `torch._utils._rebuild_tensor_v2`
  ir::ScalarType dtype = ir::ScalarType::Undefined; // StorageType
  QuantParams::Scheme qscheme = QuantParams::Scheme::PerTensorAffine;
};

/// The storage a BINPERSID names, before `_rebuild_tensor_v2` gives it a shape.
struct StorageRef {
  std::string key;
  std::string location;
  ir::ScalarType dtype = ir::ScalarType::Undefined;
  int64_t numel = 0;
  std::shared_ptr<const ir::Storage> storage;
};

/// The children of containers (tuples, lists, dicts, objects, enums), for walks over a value
/// graph that may hold cycles (the unpickler's checks). A dict's children alternate key, value;
/// an object's are its attributes and then its __setstate__ state.
bool isContainer(const IValue &v);
size_t childCount(const IValue &v);
const IValue &child(const IValue &v, size_t i);
/// Drops the children of a container (breaks cycles in values the caller never sees).
void clearChildren(const IValue &v);

} // namespace ts2onnx::frontend
