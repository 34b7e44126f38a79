// Overload resolution: which schema of an operator a call binds to, and how each schema argument
// gets its value (positional, keyword, default, implicit conversion). Follows torch's rules
// (torch/csrc/jit/frontend/schema_matching.cpp): overloads are tried in registration order, first
// without implicit conversions and then with them; the first match wins.
//
//  - A value matches a formal type when it is a subtype: int/float/complex are Scalar (`number`),
//    None and T are T?, anything is Any, lists and dicts are invariant, tuples covariant;
//    ScalarType, Layout, MemoryFormat and SymInt are int, Dimname is str.
//  - Type variables (`t`, `t[]`, `Dict(str, t)`) bind to the first actual type seen.
//  - Always allowed: a homogeneous tuple for a list, an unannotated `[]` for any list, a single
//    int/float for `int[N]`/`float[N]` (repeated N times), `input=` naming an aten `self`.
//  - Second round only: Tensor -> int/float/complex/Scalar, Scalar -> int/float/complex,
//    str -> Device, and trailing positional values packed into the last positional list
//    argument (`zeros(2, 3)`).
//  - `aten::view.dtype` is never picked (torch cannot tell `view(1)` from `view(int8)`).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "frontend/schema/Schema.h"

namespace ts2onnx::frontend {

/// What the compiler knows about one argument of a call.
struct CallArgument {
  /// The static type of the value (no type variables, no aliases): `Tensor`, `int`, `int[]`,
  /// `(Tensor, int)`, `Dict(str, Tensor)`, `NoneType`, `Tensor?`...
  SchemaType type;
  /// Keyword name; empty for positional arguments.
  std::string name;
  /// An unannotated empty list literal `[]`: matches any list type (its own type is Tensor[]).
  bool isEmptyListLiteral = false;

  static CallArgument of(SchemaType type) { return CallArgument{std::move(type), {}, false}; }
  static CallArgument keyword(std::string name, SchemaType type) {
    return CallArgument{std::move(type), std::move(name), false};
  }
  static CallArgument emptyList() {
    return CallArgument{SchemaType::list(SchemaType::tensor()), {}, true};
  }
};

/// How a value becomes the schema argument (torch inserts the named op for conversions).
enum class ArgConversion {
  None,
  TensorToFloat,    // aten::FloatImplicit
  TensorToInt,      // aten::IntImplicit
  TensorToComplex,  // aten::ComplexImplicit
  TensorToScalar,   // aten::ScalarImplicit
  ScalarToFloat,    // aten::Float
  ScalarToInt,      // aten::Int
  ScalarToComplex,  // aten::Complex
  StrToDevice,      // aten::device
  TupleToList,      // prim::TupleUnpack + prim::ListConstruct
  EmptyListLiteral, // prim::ListConstruct of the formal element type
  RepeatToList,     // `int[2]` given one int: prim::ListConstruct(x, x)
  VarargsToList,    // trailing positional values packed into one list
};

struct BoundArgument {
  enum class Source { Positional, Keyword, Default };
  Source source = Source::Default;
  /// Positional: indexes into the positional values (several for VarargsToList);
  /// Keyword: one index into the keyword values; Default: empty.
  std::vector<size_t> indices;
  ArgConversion conversion = ArgConversion::None;
  /// For VarargsToList, the conversion applied to each packed element.
  std::vector<ArgConversion> elementConversions;
  /// The formal type with type variables resolved.
  SchemaType type;
  /// Source::Default: the schema's default value.
  const SchemaValue *defaultValue = nullptr;
};

struct SchemaMatch {
  const FunctionSchema *schema = nullptr;
  /// Index of the schema among the candidates.
  size_t overloadIndex = 0;
  /// One entry per schema argument, in schema order.
  std::vector<BoundArgument> arguments;
  /// Positional values taken by a vararg schema's `...`.
  std::vector<size_t> varargs;
  /// Return types with type variables resolved.
  std::vector<SchemaType> returnTypes;
};

/// Matches one schema (with conversions allowed when `allowConversions`). On failure, the
/// status message says why.
absl::StatusOr<SchemaMatch> matchSchema(const FunctionSchema &schema,
                                        absl::Span<const CallArgument> positional,
                                        absl::Span<const CallArgument> keywords,
                                        bool allowConversions = true);

/// Picks among overloads as torch does. On failure, the message lists every candidate with the
/// reason it did not match.
absl::StatusOr<SchemaMatch> matchSchemas(absl::Span<const FunctionSchema> candidates,
                                         absl::Span<const CallArgument> positional,
                                         absl::Span<const CallArgument> keywords);

/// `matchSchemas` over every overload of `qualifiedName` (`aten::add`) in `registry`.
absl::StatusOr<SchemaMatch> resolveOverload(const SchemaRegistry &registry,
                                            std::string_view qualifiedName,
                                            absl::Span<const CallArgument> positional,
                                            absl::Span<const CallArgument> keywords = {});

/// Whether a value of type `actual` can be passed where `formal` is expected without conversion
/// (torch's isSubtypeOf, on concrete types).
bool isSchemaSubtype(const SchemaType &actual, const SchemaType &formal);

} // namespace ts2onnx::frontend
