// The compiler of one function's TorchScript source into IR, split along torch's own seams
// (torch/csrc/jit/frontend: ir_emitter.cpp, sugared_value.cpp, schema_matching.cpp), one file
// each in frontend/compiler/: SugaredValue, Environment (SSA and branch merging), Statements,
// Expressions, Calls, Indexing, OpNormalization; Cleanup.h runs the passes. Private
// to the frontend: Compiler (frontend/Compiler.h) is its face.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "frontend/Compiler.h"
#include "frontend/OpEmitter.h"
#include "frontend/script/Ast.h"
#include "frontend/upgraders/Upgraders.h"
#include "ir/Graph.h"
#include "ir/Status.h"

namespace ts2onnx::frontend::compiler {

using ir::Type;
using ir::TypeKind;
using ir::TypePtr;
using ir::Value;
using script::dynCast;
using script::Expr;
using script::ExprKind;
using script::SourceRange;
using script::Stmt;

/// The variable a `return` binds: the function's result.
inline constexpr const char *kReturnVar = "$return";

/// What an expression denotes at compile time: an IR value, or something that only exists in
/// the compiler (a namespace such as `torch` or `ops.aten`, a function, a method bound to an
/// object, a class, a builtin function such as `len`).
struct Sugared {
  enum class Kind { Value, Namespace, Op, Function, Method, Class, Builtin, Constants };
  Kind kind = Kind::Value;
  Value *value = nullptr; // Value; Method: the receiver
  std::string name;       // Namespace path, Op qualified name, Function/Class qualified name,
                          // Method name, Builtin name

  static Sugared of(Value *v) { return {Kind::Value, v, {}}; }
  static Sugared make(Kind k, std::string n, Value *v = nullptr) { return {k, v, std::move(n)}; }
};

/// One lexical block's variables. Lookups walk outward until a function boundary.
struct Frame {
  Frame *parent = nullptr;
  ir::Block *block = nullptr;
  absl::flat_hash_map<std::string, Value *> vars;
  std::vector<std::string> assigned; // names set in this frame, in order
  bool returned = false;             // a `return` ran on every path through this frame
  bool exited = false;               // a raise ran on every path through this frame

  /// Names bound to compile-time things (`_0 = __torch__.torch.nn.functional.relu`).
  absl::flat_hash_map<std::string, Sugared> sugared;

  bool terminated() const { return returned || exited; }
  const Sugared *lookupSugared(const std::string &name) const {
    for (const Frame *f = this; f; f = f->parent) {
      auto it = f->sugared.find(name);
      if (it != f->sugared.end())
        return &it->second;
      if (f->vars.contains(name))
        return nullptr;
    }
    return nullptr;
  }
  Value *lookup(const std::string &name) const {
    for (const Frame *f = this; f; f = f->parent) {
      auto it = f->vars.find(name);
      if (it != f->vars.end())
        return it->second;
    }
    return nullptr;
  }
  void set(const std::string &name, Value *v) {
    if (!vars.contains(name))
      assigned.push_back(name);
    vars[name] = v;
  }
};

// --- helpers (FunctionCompiler.cpp)
ir::SourceLocation toLoc(const SourceRange &r);
bool isNone(const TypePtr &t);

// --- SSA and branch merging (Environment.cpp)
/// The type both branches of an If (or both uses) can share, as torch's unifyTypes does for the
/// cases that occur in serialized code.
TypePtr unify(const TypePtr &a, const TypePtr &b);
bool isSubtype(const TypePtr &a, const TypePtr &b);
void collectTargets(const Expr *t, std::vector<std::string> &out);
/// Names a block assigns (for loop-carried variables), in first-assignment order.
void collectAssigned(const script::Block &body, std::vector<std::string> &out);

// --- operator spellings (Expressions.cpp)
const char *binaryOpName(script::BinaryOp op);
const char *compareOpName(script::CompareOp op);

// --- sugared values (SugaredValue.cpp)
const std::set<std::string> &builtinFunctions();

// --- operator aliases (OpNormalization.cpp)
/// torch's operator aliases, which its emitter normalizes to one spelling (normalize_ops).
const std::string &normalizedOpName(const std::string &name);

/// Compiles one graph: holds the variable frames and the inlining depth.
class FunctionCompiler {
public:
  FunctionCompiler(Compiler &c, ir::Graph &g, int64_t fileVersion)
      : c_(c), g_(g), fileVersion_(fileVersion) {}

  // --- FunctionCompiler.cpp
  absl::Status compileTop(const script::FunctionDef &fn, const TypePtr &selfType);

private:
  ir::Node *insert(ir::Symbol kind, const std::vector<Value *> &ins, size_t outs,
                   const SourceRange &r);
  absl::StatusOr<Value *> op1(std::string_view name, std::vector<Value *> args,
                              const SourceRange &r);
  Value *constInt(int64_t v, const SourceRange &r);
  Value *constBool(bool v, const SourceRange &r);
  Value *constNone(const SourceRange &);

  /// Compiles a function body in `top` (already holding the parameters) and returns the value
  /// it returns (None when it falls off the end).
  absl::StatusOr<Value *> compileBody(const script::FunctionDef &fn, Frame &top);

  /// Binds a call's arguments to `fn`'s parameters (defaults compiled here), then clones the
  /// callee's compiled graph at the insertion point, as torch's inliner does.
  absl::StatusOr<Value *> inlineCall(const std::string &key, const script::FunctionDef &fn,
                                     Value *self, const TypePtr &selfType,
                                     std::vector<NamedValue> args, std::vector<NamedValue> kwargs,
                                     const SourceRange &r);

  // --- Environment.cpp
  void assign(Frame &f, const std::string &name, Value *v);

  /// Merges the variables two branches set into If outputs, in sorted order (as torch does).
  absl::Status mergeBranches(ir::Node *ifNode, Frame &parent, Frame &a, Frame &b);

  /// Builds a prim::Loop. `init` evaluates the loop's trip count and first condition in the
  /// enclosing block; `body` compiles one iteration given the iteration index and returns the
  /// condition for the next one.
  absl::Status emitLoop(Frame &f, const script::Block &stmts, Value *tripCount, Value *cond,
                        const std::vector<std::string> &extraAssigned,
                        const std::function<absl::Status(Frame &, Value *)> &prologue,
                        const std::function<absl::StatusOr<Value *>(Frame &)> &nextCond,
                        const SourceRange &r);

  // --- Statements.cpp

  absl::Status compileBlock(const script::Block &body, Frame &f);
  absl::Status compileStmt(const Stmt &s, Frame &f);
  absl::Status compileAssign(const script::AssignStmt &a, Frame &f);
  absl::Status compileAugAssign(const script::AugAssignStmt &a, Frame &f);
  absl::Status assignTo(const Expr &target, Value *v, Frame &f);
  absl::StatusOr<std::vector<Value *>> unpack(Value *v, size_t n, const SourceRange &r);
  absl::Status assignSubscript(const script::SubscriptExpr &sub, Value *v, Frame &f);
  absl::Status compileRaise(const script::RaiseStmt &s, Frame &f);
  absl::Status compileAssert(const script::AssertStmt &s, Frame &f);
  absl::StatusOr<Value *> compileCondition(const Expr &e, Frame &f);
  absl::StatusOr<Value *> toBool(Value *v, const SourceRange &r);
  absl::Status compileIf(const script::IfStmt &s, Frame &f);
  absl::Status compileWhile(const script::WhileStmt &s, Frame &f);
  absl::Status compileFor(const script::ForStmt &s, Frame &f);
  absl::StatusOr<Value *> getItem(Value *seq, Value *i, const SourceRange &r);

  // --- SugaredValue.cpp
  absl::StatusOr<Value *> asValue(const Sugared &s, const SourceRange &r);
  absl::StatusOr<Sugared> compileName(const script::NameExpr &n, Frame &f);
  absl::StatusOr<Sugared> compileAttribute(const script::AttributeExpr &a, Frame &f);
  absl::StatusOr<Sugared> valueAttribute(Value *obj, const std::string &name, const SourceRange &r);

  // --- Expressions.cpp

  absl::StatusOr<Value *> compileValue(const Expr &e, Frame &f, const TypePtr &hint);
  absl::StatusOr<Sugared> compileExpr(const Expr &e, Frame &f, const TypePtr &hint);
  absl::StatusOr<Sugared> compileUnary(const script::UnaryExpr &u, Frame &f);

  /// `a and b` / `a or b`: short-circuit through a prim::If, as torch emits them.
  absl::StatusOr<Value *> shortCircuit(bool isAnd, const Expr &lhs, const Expr &rhs, Frame &f,
                                       const SourceRange &r);
  absl::StatusOr<Sugared> compileBinary(const script::BinaryExpr &b, Frame &f);
  absl::StatusOr<Value *> compareOnce(script::CompareOp op, Value *a, Value *b,
                                      const SourceRange &r);
  absl::StatusOr<Sugared> compileCompare(const script::CompareExpr &c, Frame &f);
  absl::StatusOr<Sugared> compileTernary(const script::TernaryExpr &t, Frame &f);
  absl::StatusOr<Sugared> compileList(const script::ListExpr &l, Frame &f, const TypePtr &hint);
  absl::StatusOr<Sugared> compileDict(const script::DictExpr &d, Frame &f, const TypePtr &hint);
  absl::StatusOr<Sugared> compileListComp(const script::ListCompExpr &lc, Frame &f,
                                          const TypePtr &hint);

  // --- Calls.cpp
  absl::Status compileArgs(const script::CallExpr &c, Frame &f, std::vector<NamedValue> &args,
                           std::vector<NamedValue> &kwargs);
  absl::StatusOr<Sugared> single(absl::StatusOr<std::vector<Value *>> outs, const SourceRange &r);
  absl::StatusOr<Sugared> compileCall(const script::CallExpr &c, Frame &f, const TypePtr &hint);

  /// Emits a call of the operator `name` as written in the source: torch's alias spellings
  /// normalized, and arguments an old archive may omit filled in (upgraders::omittedSteps).
  absl::StatusOr<Sugared> emitNamedOp(const std::string &name, std::vector<NamedValue> args,
                                      std::vector<NamedValue> kwargs, const SourceRange &r);

  /// Every operator node the compiler makes goes through here: the overload is matched, and a
  /// call whose meaning the archive's version predates is replaced by its upgrader's body.
  absl::StatusOr<std::vector<Value *>> emitOp(std::string_view name,
                                              const std::vector<NamedValue> &args,
                                              const std::vector<NamedValue> &kwargs,
                                              const SourceRange &r);

  /// Replaces `call` by the body of its upgrader (compiled with today's semantics and cleaned
  /// up), as torch's ReplaceOldOperatorsWithUpgraders does before the emitter's own cleanup, so
  /// that the caller's constant propagation decides the upgrader's tests where it can.
  absl::StatusOr<std::vector<Value *>> inlineUpgrader(const upgraders::Upgrader &u, ir::Node *call,
                                                      const SourceRange &r);
  absl::StatusOr<Sugared> compileBuiltinCall(const std::string &name, const script::CallExpr &c,
                                             Frame &f, const TypePtr &hint);

  // --- Indexing.cpp

  /// Applies tensor indexing (`x[0]`, `x[1:3, None, ..., idx]`) and returns the view; tensor
  /// indices (advanced indexing) are collected into `tensorIndices` (one per dim, None where the
  /// dim is not indexed) for the caller to apply with aten::index / index_put_.
  absl::StatusOr<Value *> indexTensor(Value *base, const script::SubscriptExpr &sub, Frame &f,
                                      std::vector<Value *> *tensorIndices);
  absl::StatusOr<Sugared> compileSubscript(const script::SubscriptExpr &sub, Frame &f);

  Compiler &c_;
  ir::Graph &g_;
  int64_t fileVersion_; // the operator semantics calls have (upgraders apply below the newest)
};

} // namespace ts2onnx::frontend::compiler
