// Operator schemas in torch's text form (`aten::add.Tensor(Tensor self, Tensor other, *,
// Scalar alpha=1) -> Tensor`): their parser and printer, and the registry of every builtin
// operator, loaded from the tables generated from torch (schemas.txt, schemas_extra.txt) and
// embedded in the library. Overload resolution against these schemas is in SchemaMatching.h.
//
// The types here are self-contained (no ir::Type): a schema type is a small tree of kinds as
// written in schema text (`int[2]`, `Tensor(a!)?`, `Dict(str, t)`, `(Tensor, Tensor)`), printed
// back exactly as torch prints it, so `parseSchema(line)->str() == line` for every table line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ts2onnx::frontend {

enum class SchemaTypeKind : uint8_t {
  Tensor,
  Int,
  SymInt,
  Float,
  SymFloat,
  Complex,
  Bool,
  SymBool,
  Str,
  Number, // printed `Scalar`
  Device,
  Layout,       // an int at run time (FORMAT-NOTES §4.3)
  ScalarType,   // an int at run time
  MemoryFormat, // an int at run time
  QScheme,
  Generator,
  Stream,
  Storage,
  Dimname, // a str at run time
  Capsule,
  Any,
  AnyEnum,  // `AnyEnumType`
  AnyClass, // `AnyClassType`
  None,     // `NoneType`
  List,     // contained = {element}; optional fixed size (`int[2]`)
  Optional, // contained = {element}; printed `T?`
  Tuple,    // contained = members; printed `(A, B)`
  Dict,     // contained = {key, value}
  Future,
  RRef,
  Await,
  Union,
  Var,   // a type variable (`t`, `t1`, `tVal`); `name` holds it
  Class, // a qualified class name (`__torch__.torch.classes.quantized.Conv2dPackedParamsBase`)
};

/// `(a!)`, `(a)`, `(*)`, `(a -> *)`, `(a|b)`: which alias sets a value is in before and after
/// the call and whether the call writes it.
struct AliasInfo {
  std::vector<std::string> beforeSets;
  std::vector<std::string> afterSets;
  bool isWrite = false;

  std::string str() const;
  bool operator==(const AliasInfo &o) const {
    return beforeSets == o.beforeSets && afterSets == o.afterSets && isWrite == o.isWrite;
  }
};

struct SchemaType {
  SchemaTypeKind kind = SchemaTypeKind::Any;
  std::vector<SchemaType> contained;
  /// Var: the variable name; Class: the qualified class name.
  std::string name;
  /// List only: `int[2]` has 2.
  std::optional<int64_t> fixedSize;
  /// The annotation written right after this type: `Tensor(a!)`, `t[](a)`, `Dict(str, t)(a!)`.
  /// For `Tensor(a!)?` it sits on the Tensor, for `Tensor(a!)[]` on the element.
  std::optional<AliasInfo> alias;

  static SchemaType of(SchemaTypeKind k) {
    SchemaType t;
    t.kind = k;
    return t;
  }
  static SchemaType tensor() { return of(SchemaTypeKind::Tensor); }
  static SchemaType intType() { return of(SchemaTypeKind::Int); }
  static SchemaType floatType() { return of(SchemaTypeKind::Float); }
  static SchemaType boolType() { return of(SchemaTypeKind::Bool); }
  static SchemaType strType() { return of(SchemaTypeKind::Str); }
  static SchemaType noneType() { return of(SchemaTypeKind::None); }
  static SchemaType list(SchemaType elem, std::optional<int64_t> size = std::nullopt);
  static SchemaType optional(SchemaType elem);
  static SchemaType tuple(std::vector<SchemaType> members);
  static SchemaType dict(SchemaType key, SchemaType value);
  static SchemaType future(SchemaType elem);
  static SchemaType var(std::string name);
  static SchemaType classType(std::string qualifiedName);

  bool is(SchemaTypeKind k) const { return kind == k; }
  const SchemaType &element() const { return contained.at(0); }
  /// Optional[T] -> T; anything else -> itself.
  const SchemaType &unwrapOptional() const {
    return kind == SchemaTypeKind::Optional && !contained.empty() ? contained[0] : *this;
  }
  /// True when a type variable occurs anywhere inside.
  bool hasTypeVars() const;
  /// Schema syntax as torch prints it: `int[2]`, `Tensor(a!)?`, `Dict(str, t)`, `(int, str)`.
  std::string str() const;
  /// Structural equality ignoring alias annotations and fixed list sizes.
  bool sameAs(const SchemaType &o) const;
};

/// A default value as written in a schema. Enum names (`contiguous_format`, `long`, `strided`,
/// `Mean`) are stored as their int codes (FORMAT-NOTES §4.6), as torch does.
struct SchemaValue {
  enum class Kind : uint8_t { None, Bool, Int, Float, Str, List };
  Kind kind = Kind::None;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<SchemaValue> list;

  static SchemaValue none() { return {}; }
  static SchemaValue ofBool(bool v);
  static SchemaValue ofInt(int64_t v);
  static SchemaValue ofFloat(double v);
  static SchemaValue ofStr(std::string v);
  static SchemaValue ofList(std::vector<SchemaValue> v);

  bool isNone() const { return kind == Kind::None; }
  /// torch's IValue printing: `None`, `True`, `1`, `1.`, `1.0000000000000001e-05`, `"mean"`,
  /// `[0, 0]`.
  std::string str() const;
  bool operator==(const SchemaValue &o) const;
};

struct SchemaArgument {
  std::string name; // may be empty for returns
  SchemaType type;
  std::optional<SchemaValue> defaultValue;
  bool kwargOnly = false;

  /// `Tensor(a!) self`, `int[2] stride=1`, `str reduce="mean"`.
  std::string str() const;
};

struct FunctionSchema {
  std::string name;         // qualified: `aten::add`
  std::string overloadName; // `Tensor`, or empty
  std::vector<SchemaArgument> arguments;
  std::vector<SchemaArgument> returns;
  bool isVararg = false; // `...` after the arguments
  bool isVarret = false; // `...` in the returns

  /// `aten::add.Tensor` (or `aten::add` without an overload name).
  std::string fullName() const;
  std::string_view nameSpace() const;       // `aten`
  std::string_view unqualifiedName() const; // `add`
  std::optional<size_t> argumentIndex(std::string_view argName) const;
  /// Exactly torch's `str(schema)`.
  std::string str() const;
};

/// Parses one schema line. Errors name the column and the text.
absl::StatusOr<FunctionSchema> parseSchema(std::string_view text);
/// Parses a type in schema syntax (`int[]?`, `Dict(str, Tensor)`), for tests and callers that
/// describe argument types in text.
absl::StatusOr<SchemaType> parseSchemaType(std::string_view text);
/// The int code of an enum-like default (`long` -> 4, `contiguous_format` -> 0, `strided` -> 0,
/// `Mean` -> 1), or nullopt.
std::optional<int64_t> schemaEnumConstant(std::string_view name);

/// Operator schemas by qualified name, parsed lazily: adding text only indexes its lines by
/// operator name; the lines of one operator are parsed on its first lookup. Thread-safe.
class SchemaRegistry {
public:
  SchemaRegistry() = default;
  SchemaRegistry(const SchemaRegistry &) = delete;
  SchemaRegistry &operator=(const SchemaRegistry &) = delete;

  /// The registry of every builtin operator (torch 1.13 + torchvision, plus the newer aten
  /// operators of schemas_extra.txt), built on first use from the embedded tables.
  static SchemaRegistry &builtin();

  /// Indexes schema lines (one per line; blank lines and lines starting with `#` are skipped).
  /// The text is not parsed here. Overloads keep line order; lines added later come after.
  /// `text` must outlive the registry (used for the embedded tables).
  void addStaticText(std::string_view text);
  /// Same, keeping a copy of `text`.
  void addText(std::string text);
  /// addStaticText for a text whose lines are sorted by operator name (byte order; the embedded
  /// tables, which generate_schemas.py writes sorted and SchemaTest checks): not indexed at all,
  /// each lookup binary-searches it.
  void addSortedStaticText(std::string_view text);
  /// Parses and adds one schema now (custom operators), after the operator's existing
  /// overloads. Invalidates pointers returned by `lookup` for that operator.
  absl::Status registerSchema(std::string_view text);

  /// All overloads of `aten::add`, in registration order; nullptr for an unknown operator. Lines
  /// that fail to parse are left out (and listed by `parseErrors()`).
  const std::vector<FunctionSchema> *lookup(std::string_view qualifiedName) const;
  /// One overload: `lookupOverload("aten::add", "Tensor")`; empty overload = the unnamed one.
  const FunctionSchema *lookupOverload(std::string_view qualifiedName,
                                       std::string_view overloadName) const;
  /// `lookupOverload` from a full name: `aten::add.Tensor`, `aten::size`.
  const FunctionSchema *lookupFullName(std::string_view fullName) const;

  /// Qualified names of every indexed operator (unsorted).
  std::vector<std::string> operatorNames() const;
  /// Number of indexed schema lines.
  size_t lineCount() const;
  /// Parses every operator not parsed yet; returns the first parse error, if any.
  absl::Status parseAll() const;
  /// Errors of the lines that failed to parse so far.
  std::vector<std::string> parseErrors() const;

private:
  struct Entry {
    std::vector<std::string_view> lines;
    std::vector<FunctionSchema> parsed;
    bool isParsed = false;
  };
  /// One schema line and its operator's qualified name (a view into the line), ordered by name.
  struct Line {
    std::string_view name;
    std::string_view text;
    bool operator<(const Line &other) const { return name < other.name; }
  };
  void indexText(std::string_view text);
  void ensureParsed(Entry &entry) const;
  /// Parses `line` into `entry` (or records its error).
  void parseLine(Entry &entry, std::string_view line) const;
  /// Adds `line` to `entry`, parsed now if the entry's other lines were.
  void appendLine(Entry &entry, std::string_view line) const;
  /// The entry of `name`, made from its indexed lines on first use; nullptr when the operator
  /// has no lines and no entry (and `create` is false).
  Entry *entryFor(std::string_view name, bool create) const;
  /// Every operator name of the indexed and sorted texts, once each (a scan of the texts).
  std::vector<std::string_view> indexedNames() const;

  mutable std::mutex mutex_;
  // Texts sorted by operator name (addSortedStaticText), searched on lookup; then the lines of the
  // other texts, sorted by operator name (stably: overloads keep their order). An operator gets
  // its Entry (lines, parsed schemas) when it is first looked up: a conversion looks up a few
  // dozen of the ~2,000, so the builtin tables cost nothing at start-up.
  std::vector<std::string_view> sortedTexts_;
  std::vector<Line> lines_;
  // Entries are heap-allocated so the vectors handed out stay put while the map grows.
  mutable absl::flat_hash_map<std::string, std::unique_ptr<Entry>> entries_;
  std::vector<std::unique_ptr<std::string>> ownedText_;
  mutable std::vector<std::string> errors_;
  size_t lineCount_ = 0;
};

/// The embedded tables (generated at build time from the .txt files).
std::string_view builtinSchemaText();
std::string_view builtinExtraSchemaText();

} // namespace ts2onnx::frontend
