// AST of the Python subset torch prints under `code/` (modern `code/__torch__/**.py` files and
// legacy model.json-era `code/<module>.py` files). Produced by Parser.h, printed back to source
// by printModule()/printExpr(); the compiler to IR walks it.
//
// Nodes are plain structs owned through unique_ptr. Each has a kind and the SourceRange where it
// starts. Use `dynCast<T>(node)` / `isa<T>(node)` to inspect a node. Types are ordinary
// expressions (`List[int]` is a Subscript of the Name `List`); typeExprToString() spells them.
// The parser bounds the depth of every tree (kMaxNesting), so recursive walks are safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "frontend/script/SourceRange.h"

namespace ts2onnx::frontend::script {

/// Upper bound on nested expressions, blocks and tree depth accepted by the parser.
inline constexpr uint32_t kMaxNesting = 500;

// ------------------------------------------------------------------------------------------------
// Expressions

enum class ExprKind : uint8_t {
  Name,      // NameExpr
  Int,       // IntLiteral
  Float,     // FloatLiteral (also imaginary `1.j`)
  String,    // StringLiteral (adjacent literals already concatenated)
  True,      // ConstantExpr
  False,     // ConstantExpr
  None,      // ConstantExpr
  Ellipsis,  // ConstantExpr: `...`
  Attribute, // AttributeExpr: value.name
  Subscript, // SubscriptExpr: value[i, j:k]
  Slice,     // SliceExpr: start:stop:step, only as a subscript index
  Call,      // CallExpr: func(args, name=value)
  Unary,     // UnaryExpr: -x, +x, ~x, not x
  Binary,    // BinaryExpr: arithmetic, bitwise, shifts, `and`, `or`
  Compare,   // CompareExpr: a < b <= c (chained), is, is not, in, not in
  Ternary,   // TernaryExpr: a if c else b
  List,      // ListExpr
  Tuple,     // TupleExpr
  Dict,      // DictExpr
  ListComp,  // ListCompExpr: [elt for target in iter if cond]
  DictComp,  // DictCompExpr: {k: v for target in iter if cond}
};

struct Expr {
  const ExprKind kind;
  SourceRange range;
  /// Height of the tree under this node (a leaf is 1); at most kMaxNesting.
  uint32_t depth = 1;

  virtual ~Expr() = default;
  Expr(const Expr &) = delete;
  Expr &operator=(const Expr &) = delete;

protected:
  Expr(ExprKind k, SourceRange r) : kind(k), range(std::move(r)) {}
};
using ExprPtr = std::unique_ptr<Expr>;

struct NameExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Name; }
  NameExpr(SourceRange r, std::string n) : Expr(ExprKind::Name, std::move(r)), name(std::move(n)) {}
  std::string name;
};

/// Integer literal. `value` is unsigned: `-9223372036854775808` prints as unary minus applied to
/// 2^63, so range checks against int64 belong to the compiler.
struct IntLiteral : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Int; }
  IntLiteral(SourceRange r, uint64_t v, std::string t = {})
      : Expr(ExprKind::Int, std::move(r)), value(v), text(std::move(t)) {}
  uint64_t value;
  std::string text; // source spelling (`0x1F`), empty when built by code
};

struct FloatLiteral : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Float; }
  FloatLiteral(SourceRange r, double v, bool imag = false, std::string t = {})
      : Expr(ExprKind::Float, std::move(r)), value(v), imaginary(imag), text(std::move(t)) {}
  double value;
  bool imaginary; // `1.j`: value is the imaginary part
  std::string text;
};

struct StringLiteral : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::String; }
  StringLiteral(SourceRange r, std::string v)
      : Expr(ExprKind::String, std::move(r)), value(std::move(v)) {}
  std::string value; // decoded bytes
};

/// True, False, None or `...` (see `kind`).
struct ConstantExpr : Expr {
  static bool classof(ExprKind k) {
    return k == ExprKind::True || k == ExprKind::False || k == ExprKind::None ||
           k == ExprKind::Ellipsis;
  }
  ConstantExpr(ExprKind k, SourceRange r) : Expr(k, std::move(r)) {}
};

struct AttributeExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Attribute; }
  AttributeExpr(SourceRange r, ExprPtr v, std::string n)
      : Expr(ExprKind::Attribute, std::move(r)), value(std::move(v)), name(std::move(n)) {}
  ExprPtr value;
  std::string name;
};

/// `value[i]`, `value[i, j]`: one entry per comma-separated index; an index may be a SliceExpr.
/// A trailing comma (`x[i,]`) is dropped; `x[(i, j)]` keeps its TupleExpr index.
struct SubscriptExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Subscript; }
  SubscriptExpr(SourceRange r, ExprPtr v, std::vector<ExprPtr> i)
      : Expr(ExprKind::Subscript, std::move(r)), value(std::move(v)), indices(std::move(i)) {}
  ExprPtr value;
  std::vector<ExprPtr> indices;
};

/// `start:stop:step` inside a subscript; each part may be null.
struct SliceExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Slice; }
  SliceExpr(SourceRange r, ExprPtr a, ExprPtr b, ExprPtr c)
      : Expr(ExprKind::Slice, std::move(r)), start(std::move(a)), stop(std::move(b)),
        step(std::move(c)) {}
  ExprPtr start, stop, step;
};

struct KeywordArg {
  SourceRange range;
  std::string name;
  ExprPtr value;
};

struct CallExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Call; }
  CallExpr(SourceRange r, ExprPtr f) : Expr(ExprKind::Call, std::move(r)), func(std::move(f)) {}
  ExprPtr func;
  std::vector<ExprPtr> args;      // positional, in order
  std::vector<KeywordArg> kwargs; // after all positional ones
};

enum class UnaryOp : uint8_t { Neg, Pos, Invert, Not };

struct UnaryExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Unary; }
  UnaryExpr(SourceRange r, UnaryOp o, ExprPtr e)
      : Expr(ExprKind::Unary, std::move(r)), op(o), operand(std::move(e)) {}
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp : uint8_t {
  Add,
  Sub,
  Mul,
  Div,
  FloorDiv,
  Mod,
  Pow,
  MatMul,
  BitAnd,
  BitOr,
  BitXor,
  LShift,
  RShift,
  And,
  Or, // short-circuit boolean operators
};

struct BinaryExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Binary; }
  BinaryExpr(SourceRange r, BinaryOp o, ExprPtr a, ExprPtr b)
      : Expr(ExprKind::Binary, std::move(r)), op(o), lhs(std::move(a)), rhs(std::move(b)) {}
  BinaryOp op;
  ExprPtr lhs, rhs;
};

enum class CompareOp : uint8_t { Lt, Gt, Le, Ge, Eq, Ne, Is, IsNot, In, NotIn };

/// `first op0 rest[0] op1 rest[1] ...` meaning `first op0 r0 and r0 op1 r1 ...`.
struct CompareExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Compare; }
  CompareExpr(SourceRange r, ExprPtr f)
      : Expr(ExprKind::Compare, std::move(r)), first(std::move(f)) {}
  ExprPtr first;
  std::vector<std::pair<CompareOp, ExprPtr>> rest; // at least one
};

struct TernaryExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Ternary; }
  TernaryExpr(SourceRange r, ExprPtr t, ExprPtr c, ExprPtr e)
      : Expr(ExprKind::Ternary, std::move(r)), thenExpr(std::move(t)), cond(std::move(c)),
        elseExpr(std::move(e)) {}
  ExprPtr thenExpr, cond, elseExpr;
};

struct ListExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::List; }
  explicit ListExpr(SourceRange r) : Expr(ExprKind::List, std::move(r)) {}
  std::vector<ExprPtr> elements;
};

struct TupleExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Tuple; }
  explicit TupleExpr(SourceRange r) : Expr(ExprKind::Tuple, std::move(r)) {}
  std::vector<ExprPtr> elements;
};

struct DictExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::Dict; }
  explicit DictExpr(SourceRange r) : Expr(ExprKind::Dict, std::move(r)) {}
  std::vector<ExprPtr> keys, values; // same length
};

/// `[elt for target in iter if cond]` (one `for`, optional `if`).
struct ListCompExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::ListComp; }
  explicit ListCompExpr(SourceRange r) : Expr(ExprKind::ListComp, std::move(r)) {}
  ExprPtr elt, target, iter, cond; // cond may be null
};

/// `{key: value for target in iter if cond}`.
struct DictCompExpr : Expr {
  static bool classof(ExprKind k) { return k == ExprKind::DictComp; }
  explicit DictCompExpr(SourceRange r) : Expr(ExprKind::DictComp, std::move(r)) {}
  ExprPtr key, value, target, iter, cond; // cond may be null
};

// ------------------------------------------------------------------------------------------------
// Statements

enum class StmtKind : uint8_t {
  Expr,      // ExprStmt
  Assign,    // AssignStmt: t1 = t2 = value
  AugAssign, // AugAssignStmt: t += value
  AnnAssign, // AnnAssignStmt: t : Type [= value]
  Return,    // ReturnStmt
  Pass,      // SimpleStmt
  Break,     // SimpleStmt
  Continue,  // SimpleStmt
  If,        // IfStmt (elif = If in the else block)
  While,     // WhileStmt
  For,       // ForStmt
  Raise,     // RaiseStmt
  Assert,    // AssertStmt
  With,      // WithStmt
  Delete,    // DeleteStmt
  Import,    // ImportStmt (import / from ... import)
  Def,       // FunctionDef
  Class,     // ClassDef
};

struct Stmt {
  const StmtKind kind;
  SourceRange range;

  virtual ~Stmt() = default;
  Stmt(const Stmt &) = delete;
  Stmt &operator=(const Stmt &) = delete;

protected:
  Stmt(StmtKind k, SourceRange r) : kind(k), range(std::move(r)) {}
};
using StmtPtr = std::unique_ptr<Stmt>;
using Block = std::vector<StmtPtr>;

struct ExprStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::Expr; }
  ExprStmt(SourceRange r, ExprPtr e) : Stmt(StmtKind::Expr, std::move(r)), expr(std::move(e)) {}
  ExprPtr expr;
};

/// `a = f()`, `x0, x1, = g()` (target is a TupleExpr), `self.x = y`, `x[0] = y`,
/// `__annotations__["0"] = T`, `a = b = c` (two targets).
struct AssignStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::Assign; }
  explicit AssignStmt(SourceRange r) : Stmt(StmtKind::Assign, std::move(r)) {}
  std::vector<ExprPtr> targets; // at least one
  ExprPtr value;
};

struct AugAssignStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::AugAssign; }
  AugAssignStmt(SourceRange r, ExprPtr t, BinaryOp o, ExprPtr v)
      : Stmt(StmtKind::AugAssign, std::move(r)), target(std::move(t)), op(o), value(std::move(v)) {}
  ExprPtr target;
  BinaryOp op;
  ExprPtr value;
};

/// `name : Type` (attribute declaration in a class body) or `k : Optional[int] = 5`.
struct AnnAssignStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::AnnAssign; }
  AnnAssignStmt(SourceRange r, ExprPtr t, ExprPtr a, ExprPtr v)
      : Stmt(StmtKind::AnnAssign, std::move(r)), target(std::move(t)), annotation(std::move(a)),
        value(std::move(v)) {}
  ExprPtr target;
  ExprPtr annotation;
  ExprPtr value; // may be null
};

struct ReturnStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::Return; }
  ReturnStmt(SourceRange r, ExprPtr v)
      : Stmt(StmtKind::Return, std::move(r)), value(std::move(v)) {}
  ExprPtr value; // may be null
};

/// pass, break, continue.
struct SimpleStmt : Stmt {
  static bool classof(StmtKind k) {
    return k == StmtKind::Pass || k == StmtKind::Break || k == StmtKind::Continue;
  }
  SimpleStmt(StmtKind k, SourceRange r) : Stmt(k, std::move(r)) {}
};

struct IfStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::If; }
  IfStmt(SourceRange r, ExprPtr c) : Stmt(StmtKind::If, std::move(r)), cond(std::move(c)) {}
  ExprPtr cond;
  Block thenBody;
  Block elseBody; // empty when there is no else
  /// The else block is one IfStmt written as `elif` (printing only).
  bool elseIsElif = false;
};

struct WhileStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::While; }
  WhileStmt(SourceRange r, ExprPtr c) : Stmt(StmtKind::While, std::move(r)), cond(std::move(c)) {}
  ExprPtr cond;
  Block body;
};

struct ForStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::For; }
  ForStmt(SourceRange r, ExprPtr t, ExprPtr i)
      : Stmt(StmtKind::For, std::move(r)), target(std::move(t)), iter(std::move(i)) {}
  ExprPtr target; // NameExpr or TupleExpr of targets
  ExprPtr iter;
  Block body;
};

struct RaiseStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::Raise; }
  RaiseStmt(SourceRange r, ExprPtr e) : Stmt(StmtKind::Raise, std::move(r)), exc(std::move(e)) {}
  ExprPtr exc; // may be null (bare `raise`)
};

struct AssertStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::Assert; }
  AssertStmt(SourceRange r, ExprPtr t, ExprPtr m)
      : Stmt(StmtKind::Assert, std::move(r)), test(std::move(t)), msg(std::move(m)) {}
  ExprPtr test;
  ExprPtr msg; // may be null
};

struct WithItem {
  ExprPtr expr;
  ExprPtr target; // `as target`, may be null
};

/// `with _0:` (torch prints the context manager object), `with a as b, c:`.
struct WithStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::With; }
  explicit WithStmt(SourceRange r) : Stmt(StmtKind::With, std::move(r)) {}
  std::vector<WithItem> items; // at least one
  Block body;
};

struct DeleteStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::Delete; }
  explicit DeleteStmt(SourceRange r) : Stmt(StmtKind::Delete, std::move(r)) {}
  std::vector<ExprPtr> targets;
};

/// `import a.b [as c], d` (module empty, names = dotted paths) or
/// `from a.b import c [as d], e` (module = "a.b"; leading dots of relative imports kept).
struct ImportStmt : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::Import; }
  explicit ImportStmt(SourceRange r) : Stmt(StmtKind::Import, std::move(r)) {}
  bool isFrom = false;
  std::string module;
  std::vector<std::pair<std::string, std::string>> names; // (name, alias or "")
};

struct Param {
  SourceRange range;
  std::string name;
  ExprPtr type;         // may be null (`self`, interface methods)
  ExprPtr defaultValue; // may be null
};

struct FunctionDef : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::Def; }
  FunctionDef(SourceRange r, std::string n)
      : Stmt(StmtKind::Def, std::move(r)), name(std::move(n)) {}
  std::vector<ExprPtr> decorators; // `@torch.jit.export` -> AttributeExpr chain
  std::string name;
  std::vector<Param> params;
  ExprPtr returnType; // may be null
  Block body;
};

struct ClassDef : Stmt {
  static bool classof(StmtKind k) { return k == StmtKind::Class; }
  ClassDef(SourceRange r, std::string n)
      : Stmt(StmtKind::Class, std::move(r)), name(std::move(n)) {}
  std::vector<ExprPtr> decorators;
  std::string name;
  std::vector<ExprPtr> bases; // `Module`, `Enum`, `NamedTuple`, `ModuleInterface`, ...
  Block body;

  /// The methods defined directly in the body, in order.
  std::vector<const FunctionDef *> methods() const;
};

/// One parsed source file.
struct Module {
  std::shared_ptr<const std::string> file;
  Block body;
  /// Value of a top-level `op_version_set = N` line (legacy and torch ~1.3 files). The
  /// statement also stays in `body`.
  std::optional<int64_t> opVersionSet;

  std::vector<const ClassDef *> classes() const;
  std::vector<const FunctionDef *> functions() const; // top-level `def`s
};

// ------------------------------------------------------------------------------------------------
// Casting and helpers

template <typename T> bool isa(const Expr *e) { return e && T::classof(e->kind); }
template <typename T> bool isa(const Stmt *s) { return s && T::classof(s->kind); }
template <typename T> const T *dynCast(const Expr *e) {
  return isa<T>(e) ? static_cast<const T *>(e) : nullptr;
}
template <typename T> T *dynCast(Expr *e) { return isa<T>(e) ? static_cast<T *>(e) : nullptr; }
template <typename T> const T *dynCast(const Stmt *s) {
  return isa<T>(s) ? static_cast<const T *>(s) : nullptr;
}
template <typename T> T *dynCast(Stmt *s) { return isa<T>(s) ? static_cast<T *>(s) : nullptr; }

/// Spells a type expression: `List[int]`, `Dict[str, Tuple[int, str]]`, `__torch__.foo.Bar`,
/// `Tuple[()]`, `None`. An expression that cannot be a type is an error at its position.
absl::StatusOr<std::string> typeExprToString(const Expr &type);

/// Dotted name of `a.b.c` (Name/Attribute chain), or of the callee of `@a.b(...)`;
/// nullopt for anything else. Used for decorators and qualified type names.
std::optional<std::string> dottedName(const Expr &e);

std::string_view binaryOpSpelling(BinaryOp op);
std::string_view compareOpSpelling(CompareOp op);
std::string_view unaryOpSpelling(UnaryOp op); // "-", "+", "~", "not"

/// Source-like text. Printing a parsed module and parsing the result gives the same AST, so
/// print(parse(print(parse(src)))) == print(parse(src)). Indentation is 2 spaces.
std::string printModule(const Module &module);
std::string printStmt(const Stmt &stmt, int indent = 0);
std::string printExpr(const Expr &expr);
/// Double-quoted literal; printable ASCII verbatim, other bytes as torch escapes them (`\n`,
/// `\t`, octal `\303`).
std::string quoteString(std::string_view value);

} // namespace ts2onnx::frontend::script
