// Interned operator and attribute names: `aten::add`, `prim::If`, `onnx::Conv`, `attr::value`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ts2onnx::ir {

// Symbols that passes refer to by name. The table interns them first, in this order, so
// each has a fixed id and can be a constexpr constant.
#define TS2ONNX_BUILTIN_SYMBOLS(_)                                                                 \
  _(prim, Param)                                                                                   \
  _(prim, Return)                                                                                  \
  _(prim, Constant)                                                                                \
  _(prim, If)                                                                                      \
  _(prim, Loop)                                                                                    \
  _(prim, GetAttr)                                                                                 \
  _(prim, SetAttr)                                                                                 \
  _(prim, ListConstruct)                                                                           \
  _(prim, ListUnpack)                                                                              \
  _(prim, TupleConstruct)                                                                          \
  _(prim, TupleUnpack)                                                                             \
  _(prim, TupleIndex)                                                                              \
  _(prim, TupleSlice)                                                                              \
  _(prim, DictConstruct)                                                                           \
  _(prim, RaiseException)                                                                          \
  _(prim, Print)                                                                                   \
  _(prim, CallMethod)                                                                              \
  _(prim, CallFunction)                                                                            \
  _(prim, Uninitialized)                                                                           \
  _(prim, unchecked_cast)                                                                          \
  _(prim, NumToTensor)                                                                             \
  _(prim, device)                                                                                  \
  _(prim, dtype)                                                                                   \
  _(prim, Enter)                                                                                   \
  _(prim, Exit)                                                                                    \
  _(prim, Closure)                                                                                 \
  _(prim, CreateObject)                                                                            \
  _(prim, isinstance)                                                                              \
  _(prim, SetAttrNoop)                                                                             \
  _(attr, value)                                                                                   \
  _(attr, name)                                                                                    \
  _(attr, types)

/// An interned `namespace::name` string. Cheap to copy, compare and hash; the table lives for
/// the whole process and is safe to use from several threads.
class Symbol {
public:
  constexpr Symbol() = default;
  constexpr explicit Symbol(uint32_t id) : id_(id) {}

  /// Interns "ns::name". A string without "::" gets an empty namespace.
  static Symbol fromQualString(std::string_view qual);
  static Symbol make(std::string_view ns, std::string_view name);
  static Symbol attr(std::string_view name) { return make("attr", name); }

  const std::string &qualString() const; // "aten::add"
  std::string_view ns() const;           // "aten"
  std::string_view name() const;         // "add"
  bool isNamespace(std::string_view ns) const { return this->ns() == ns; }

  constexpr uint32_t id() const { return id_; }
  constexpr bool valid() const { return id_ != 0; }
  constexpr bool operator==(Symbol o) const { return id_ == o.id_; }
  constexpr bool operator!=(Symbol o) const { return id_ != o.id_; }
  constexpr bool operator<(Symbol o) const { return id_ < o.id_; }
  template <typename H> friend H AbslHashValue(H h, Symbol s) {
    return H::combine(std::move(h), s.id_);
  }

private:
  uint32_t id_ = 0;
};

namespace detail {
enum BuiltinSymbolId : uint32_t {
  kFirstBuiltin = 0,
#define TS2ONNX_ENUM_SYMBOL(ns, name) k_##ns##_##name,
  TS2ONNX_BUILTIN_SYMBOLS(TS2ONNX_ENUM_SYMBOL)
#undef TS2ONNX_ENUM_SYMBOL
};
} // namespace detail

#define TS2ONNX_DECLARE_SYMBOL(ns_, name_)                                                         \
  namespace ns_ {                                                                                  \
  inline constexpr Symbol name_{detail::k_##ns_##_##name_};                                        \
  }
TS2ONNX_BUILTIN_SYMBOLS(TS2ONNX_DECLARE_SYMBOL)
#undef TS2ONNX_DECLARE_SYMBOL

} // namespace ts2onnx::ir

template <> struct std::hash<ts2onnx::ir::Symbol> {
  size_t operator()(ts2onnx::ir::Symbol s) const noexcept { return s.id(); }
};
