// The classes and free functions defined under an archive's `code/`, found by qualified name
// (`__torch__.torch.nn.modules.linear.Linear` lives in
// `code/__torch__/torch/nn/modules/linear.py`), and the resolution of source type expressions
// (`List[int]`, `__torch__.M`) to IR types.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "frontend/script/Ast.h"
#include "ir/Type.h"

namespace ts2onnx::frontend {

struct ClassInfo {
  enum class Kind { Module, Class, Enum, NamedTuple, Interface, CustomClass };
  struct Attribute {
    std::string name;
    const script::Expr *typeExpr = nullptr;
    ir::TypePtr type;
    bool isParameter = false;
    bool isBuffer = false;
  };

  std::string qualifiedName;
  Kind kind = Kind::Class;
  const script::ClassDef *def = nullptr; // null for torch.classes.* (defined in C++)
  std::vector<Attribute> attributes;     // declaration order
  absl::flat_hash_map<std::string, const script::Expr *> constants; // `x : Final[int] = 3`
  absl::flat_hash_map<std::string, const script::FunctionDef *> methods;
  std::vector<std::pair<std::string, const script::Expr *>> enumValues;

  const Attribute *findAttribute(std::string_view name) const;
  bool isModule() const { return kind == Kind::Module; }

private:
  /// As Object's: name -> index into `attributes`, checked on a hit, scanned on a miss.
  mutable absl::flat_hash_map<std::string, size_t> index_;
  mutable size_t indexed_ = 0;
};

class ClassTable {
public:
  /// Returns the parsed file for a qualifier such as `__torch__.a.b` (file
  /// `code/__torch__/a/b.py`), nullptr when the archive has no such file, or an error when it does
  /// not parse.
  using SourceLoader =
      std::function<absl::StatusOr<const script::Module *>(std::string_view qualifier)>;

  explicit ClassTable(SourceLoader loader) : loader_(std::move(loader)) {}

  /// The class `qualifiedName`, or NotFound.
  absl::StatusOr<const ClassInfo *> findClass(std::string_view qualifiedName);
  /// The top-level function `qualifiedName` (`__torch__.torch.nn.functional.relu`), or NotFound.
  absl::StatusOr<const script::FunctionDef *> findFunction(std::string_view qualifiedName);
  /// Registers a class that has no `code/` file of its own (the modules of legacy model.json
  /// archives); its methods point into an AST the caller keeps alive.
  const ClassInfo *addClass(std::unique_ptr<ClassInfo> cls);

  /// True when some file's qualifier starts with `prefix` (so `__torch__.a` can be a namespace).
  bool isNamespacePrefix(std::string_view prefix);

  absl::StatusOr<ir::TypePtr> resolveType(const script::Expr &typeExpr);
  absl::StatusOr<ir::TypePtr> resolveTypeString(std::string_view type);

private:
  absl::StatusOr<const script::Module *> load(std::string_view qualifier);
  absl::StatusOr<ir::TypePtr> resolveNamed(const std::string &name, const script::Expr &at);

  SourceLoader loader_;
  absl::flat_hash_map<std::string, std::unique_ptr<ClassInfo>> classes_;
  absl::flat_hash_map<std::string, const script::Module *> modules_;
  std::vector<script::ExprPtr> parsedTypeExprs_;
};

} // namespace ts2onnx::frontend
