// Node attributes: the `[value=1]`, `[name="fc"]` part of a printed node.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "ir/Tensor.h"
#include "ir/Type.h"

namespace ts2onnx::ir {

class Graph;

enum class AttributeKind {
  Int,
  Float,
  Complex,
  String,
  Tensor,
  Graph,
  Type,
  Ints,
  Floats,
  Bools,
  Strings,
  Tensors,
  Types,
  Literal,
};

const char *attributeKindName(AttributeKind k);

/// A constant kept exactly as torch printed it, for IValues the IR does not model (tuples,
/// dicts, objects, complex or lossy formatted tensors): the parser stores the text, the printer
/// writes it back unchanged.
struct Literal {
  std::string text;
  bool operator==(const Literal &o) const { return text == o.text; }
};

/// One attribute value. Graph attributes are shared so that copying a node does not deep-copy a
/// subgraph.
class AttributeValue {
public:
  using Storage = std::variant<int64_t, double, std::complex<double>, std::string, Tensor,
                               std::shared_ptr<Graph>, TypePtr, std::vector<int64_t>,
                               std::vector<double>, std::vector<bool>, std::vector<std::string>,
                               std::vector<Tensor>, std::vector<TypePtr>, Literal>;

  AttributeValue() = default;
  template <typename T> explicit AttributeValue(T v) : value_(std::move(v)) {}

  AttributeKind kind() const { return static_cast<AttributeKind>(value_.index()); }
  template <typename T> const T &get() const { return std::get<T>(value_); }
  template <typename T> const T *getIf() const { return std::get_if<T>(&value_); }
  const Storage &storage() const { return value_; }

private:
  Storage value_;
};

} // namespace ts2onnx::ir
