#include "frontend/Compiler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "frontend/OpEmitter.h"
#include "ir/Status.h"
#include "passes/Passes.h"

namespace ts2onnx::frontend {

using ir::Type;
using ir::TypeKind;
using ir::TypePtr;
using ir::Value;
using script::dynCast;
using script::Expr;
using script::ExprKind;
using script::SourceRange;
using script::Stmt;

namespace {

constexpr const char *kReturnVar = "$return";

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

ir::SourceLocation toLoc(const SourceRange &r) {
  ir::SourceLocation loc;
  loc.file = r.file;
  loc.line = static_cast<int>(r.line);
  loc.column = static_cast<int>(r.column);
  return loc;
}

bool isNone(const TypePtr &t) { return t->is(TypeKind::None); }

/// The type both branches of an If (or both uses) can share, as torch's unifyTypes does for the
/// cases that occur in serialized code.
TypePtr unify(const TypePtr &a, const TypePtr &b) {
  if (a->equals(*b))
    return a;
  if (a->isTensor() && b->isTensor())
    return Type::tensor();
  if (isNone(a))
    return b->is(TypeKind::Optional) ? b : Type::optional(b);
  if (isNone(b))
    return a->is(TypeKind::Optional) ? a : Type::optional(a);
  if (a->is(TypeKind::Optional) && unify(a->elementType(), b)->equals(*a->elementType()))
    return a;
  if (b->is(TypeKind::Optional) && unify(b->elementType(), a)->equals(*b->elementType()))
    return b;
  if (a->is(TypeKind::List) && b->is(TypeKind::List))
    return Type::list(unify(a->elementType(), b->elementType()));
  if (a->is(TypeKind::Tuple) && b->is(TypeKind::Tuple) &&
      a->contained().size() == b->contained().size()) {
    std::vector<TypePtr> m;
    for (size_t i = 0; i < a->contained().size(); ++i)
      m.push_back(unify(a->contained()[i], b->contained()[i]));
    return Type::tuple(std::move(m));
  }
  return a;
}

bool isSubtype(const TypePtr &a, const TypePtr &b) { return ir::isSubtypeOf(*a, *b); }

/// Names a block assigns (for loop-carried variables), in first-assignment order.
void collectAssigned(const script::Block &body, std::vector<std::string> &out);

void collectTargets(const Expr *t, std::vector<std::string> &out) {
  if (auto *n = dynCast<script::NameExpr>(t)) {
    if (std::find(out.begin(), out.end(), n->name) == out.end())
      out.push_back(n->name);
  } else if (auto *tu = dynCast<script::TupleExpr>(t)) {
    for (auto &e : tu->elements)
      collectTargets(e.get(), out);
  } else if (auto *l = dynCast<script::ListExpr>(t)) {
    for (auto &e : l->elements)
      collectTargets(e.get(), out);
  }
}

void collectAssigned(const script::Block &body, std::vector<std::string> &out) {
  for (const script::StmtPtr &s : body) {
    switch (s->kind) {
    case script::StmtKind::Assign:
      for (auto &t : static_cast<const script::AssignStmt &>(*s).targets)
        collectTargets(t.get(), out);
      break;
    case script::StmtKind::AugAssign:
      collectTargets(static_cast<const script::AugAssignStmt &>(*s).target.get(), out);
      break;
    case script::StmtKind::AnnAssign:
      collectTargets(static_cast<const script::AnnAssignStmt &>(*s).target.get(), out);
      break;
    case script::StmtKind::If: {
      auto &i = static_cast<const script::IfStmt &>(*s);
      collectAssigned(i.thenBody, out);
      collectAssigned(i.elseBody, out);
      break;
    }
    case script::StmtKind::While:
      collectAssigned(static_cast<const script::WhileStmt &>(*s).body, out);
      break;
    case script::StmtKind::For: {
      auto &f = static_cast<const script::ForStmt &>(*s);
      collectTargets(f.target.get(), out);
      collectAssigned(f.body, out);
      break;
    }
    case script::StmtKind::With:
      collectAssigned(static_cast<const script::WithStmt &>(*s).body, out);
      break;
    default:
      break;
    }
  }
}

const char *binaryOpName(script::BinaryOp op) {
  using script::BinaryOp;
  switch (op) {
  case BinaryOp::Add:
    return "aten::add";
  case BinaryOp::Sub:
    return "aten::sub";
  case BinaryOp::Mul:
    return "aten::mul";
  case BinaryOp::Div:
    return "aten::div";
  case BinaryOp::FloorDiv:
    return "aten::floordiv";
  case BinaryOp::Mod:
    return "aten::remainder";
  case BinaryOp::Pow:
    return "aten::pow";
  case BinaryOp::MatMul:
    return "aten::matmul";
  case BinaryOp::BitAnd:
    return "aten::__and__";
  case BinaryOp::BitOr:
    return "aten::__or__";
  case BinaryOp::BitXor:
    return "aten::__xor__";
  case BinaryOp::LShift:
    return "aten::__lshift__";
  case BinaryOp::RShift:
    return "aten::__rshift__";
  default:
    return nullptr;
  }
}

const char *compareOpName(script::CompareOp op) {
  using script::CompareOp;
  switch (op) {
  case CompareOp::Lt:
    return "aten::lt";
  case CompareOp::Gt:
    return "aten::gt";
  case CompareOp::Le:
    return "aten::le";
  case CompareOp::Ge:
    return "aten::ge";
  case CompareOp::Eq:
    return "aten::eq";
  case CompareOp::Ne:
    return "aten::ne";
  case CompareOp::Is:
    return "aten::__is__";
  case CompareOp::IsNot:
    return "aten::__isnot__";
  default:
    return nullptr;
  }
}

const std::set<std::string> &builtinFunctions() {
  static const std::set<std::string> names = {"annotate",
                                              "unchecked_cast",
                                              "uninitialized",
                                              "isinstance",
                                              "len",
                                              "int",
                                              "float",
                                              "bool",
                                              "str",
                                              "complex",
                                              "min",
                                              "max",
                                              "abs",
                                              "round",
                                              "divmod",
                                              "range",
                                              "list",
                                              "getattr",
                                              "hasattr",
                                              "print",
                                              "all",
                                              "any",
                                              "sum",
                                              "sorted",
                                              "ord",
                                              "chr",
                                              "hash",
                                              "enumerate",
                                              "zip",
                                              "dict",
                                              "tuple",
                                              "hex",
                                              "oct",
                                              "bin",
                                              "pow"};
  return names;
}

/// torch's operator aliases, which its emitter normalizes to one spelling (normalize_ops).
const std::string &normalizedOpName(const std::string &name) {
  static const auto *aliases = new absl::flat_hash_map<std::string, std::string>{
      {"aten::absolute", "aten::abs"},
      {"aten::absolute_", "aten::abs_"},
      {"aten::clip", "aten::clamp"},
      {"aten::clip_", "aten::clamp_"},
      {"aten::det", "aten::linalg_det"},
      {"aten::matrix_power", "aten::linalg_matrix_power"},
      {"aten::ger", "aten::outer"},
      {"aten::arccos", "aten::acos"},
      {"aten::arccos_", "aten::acos_"},
      {"aten::arcsin", "aten::asin"},
      {"aten::arcsin_", "aten::asin_"},
      {"aten::arctan", "aten::atan"},
      {"aten::arctan_", "aten::atan_"},
      {"aten::arctan2", "aten::atan2"},
      {"aten::arctan2_", "aten::atan2_"},
      {"aten::arccosh", "aten::acosh"},
      {"aten::arccosh_", "aten::acosh_"},
      {"aten::arcsinh", "aten::asinh"},
      {"aten::arcsinh_", "aten::asinh_"},
      {"aten::arctanh", "aten::atanh"},
      {"aten::arctanh_", "aten::atanh_"},
      {"aten::fix", "aten::trunc"},
      {"aten::fix_", "aten::trunc_"},
      {"aten::negative", "aten::neg"},
      {"aten::negative_", "aten::neg_"},
      {"aten::subtract", "aten::sub"},
      {"aten::subtract_", "aten::sub_"},
      {"aten::greater_equal", "aten::ge"},
      {"aten::greater_equal_", "aten::ge_"},
      {"aten::greater", "aten::gt"},
      {"aten::greater_", "aten::gt_"},
      {"aten::less_equal", "aten::le"},
      {"aten::less_equal_", "aten::le_"},
      {"aten::less", "aten::lt"},
      {"aten::less_", "aten::lt_"},
      {"aten::not_equal", "aten::ne"},
      {"aten::not_equal_", "aten::ne_"},
      {"aten::divide", "aten::div"},
      {"aten::divide_", "aten::div_"},
      {"aten::multiply", "aten::mul"},
      {"aten::multiply_", "aten::mul_"},
      {"aten::linalg_matmul", "aten::matmul"},
      {"aten::inverse", "aten::linalg_inv"},
      {"aten::true_divide", "aten::div"},
      {"aten::true_divide_", "aten::div_"},
      {"aten::concat", "aten::cat"},
      {"aten::concatenate", "aten::cat"},
      {"aten::row_stack", "aten::vstack"},
      {"aten::swapdims", "aten::transpose"},
      {"aten::swapdims_", "aten::transpose_"},
      {"aten::swapaxes", "aten::transpose"},
      {"aten::swapaxes_", "aten::transpose_"},
      {"aten::moveaxis", "aten::movedim"},
      {"aten::special_erf", "aten::erf"},
      {"aten::special_erfc", "aten::erfc"},
      {"aten::special_erfinv", "aten::erfinv"},
      {"aten::special_expit", "aten::sigmoid"},
      {"aten::special_exp2", "aten::exp2"},
      {"aten::special_expm1", "aten::expm1"},
      {"aten::special_logit", "aten::logit"},
      {"aten::special_logsumexp", "aten::logsumexp"},
      {"aten::special_round", "aten::round"},
      {"aten::special_log1p", "aten::log1p"},
      {"aten::special_sinc", "aten::sinc"},
      {"aten::special_digamma", "aten::digamma"},
      {"aten::special_psi", "aten::digamma"},
      {"aten::special_i0", "aten::i0"},
      {"aten::special_xlogy", "aten::xlogy"},
      {"aten::special_log_softmax", "aten::log_softmax"},
      {"aten::orgqr", "aten::linalg_householder_product"},
      {"aten::special_multigammaln", "aten::mvlgamma"},
      {"aten::special_polygamma", "aten::polygamma"},
      {"aten::special_softmax", "aten::softmax"},
      {"aten::special_gammainc", "aten::igamma"},
      {"aten::special_gammaincc", "aten::igammac"},
      {"aten::special_gammaln", "aten::lgamma"},
  };
  auto it = aliases->find(name);
  return it == aliases->end() ? name : it->second;
}

/// What torch's emitter runs on every function it compiles (runCleanupPasses): tuple lowering,
/// constant propagation over immutable values (which ends with dead code elimination).
absl::Status cleanupFunctionGraph(ir::Graph &g) {
  // Each of torch's cleanup steps removes dead code only when it changed something, which is
  // visible in its printed graphs (unused module GetAttrs survive otherwise).
  bool changed = passes::lowerSimpleTuples(g);
  changed |= passes::foldScalars(g, passes::FoldScope::kTorchEmitter);
  if (changed)
    return passes::runDce(g, passes::PassOptions{});
  return absl::OkStatus();
}

absl::Status preoptimizeGraph(ir::Graph &g) {
  bool changed = passes::peepholeScript(g, passes::FoldScope::kTorchEmitter);
  changed |= passes::foldScalars(g, passes::FoldScope::kTorchEmitter);
  if (changed)
    return passes::runDce(g, passes::PassOptions{});
  return absl::OkStatus();
}

} // namespace

/// Compiles one graph: holds the variable frames and the inlining depth.
class FunctionCompiler {
public:
  FunctionCompiler(Compiler &c, ir::Graph &g) : c_(c), g_(g) {}

  absl::Status compileTop(const script::FunctionDef &fn, const TypePtr &selfType) {
    Frame top;
    top.block = g_.block();
    size_t first = 0;
    if (selfType) {
      if (fn.params.empty())
        return script::sourceError(fn.range, "a method needs a `self` parameter");
      Value *self = g_.addInput(fn.params[0].name);
      self->setType(selfType);
      top.set(fn.params[0].name, self);
      first = 1;
    }
    for (size_t i = first; i < fn.params.size(); ++i) {
      const script::Param &p = fn.params[i];
      TypePtr t = Type::tensor();
      if (p.type) {
        TS2ONNX_ASSIGN_OR_RETURN(t, c_.classes_.resolveType(*p.type));
      }
      Value *in = g_.addInput(p.name);
      in->setType(t);
      top.set(p.name, in);
    }
    g_.setInsertPoint(g_.block());
    TS2ONNX_ASSIGN_OR_RETURN(Value * ret, compileBody(fn, top));
    g_.registerOutput(ret);
    return absl::OkStatus();
  }

private:
  // --- helpers --------------------------------------------------------------------------

  ir::Node *insert(ir::Symbol kind, const std::vector<Value *> &ins, size_t outs,
                   const SourceRange &r) {
    ir::Node *n = g_.insert(kind, ins, outs);
    n->setSourceLocation(toLoc(r));
    return n;
  }

  absl::StatusOr<Value *> op1(std::string_view name, std::vector<Value *> args,
                              const SourceRange &r) {
    std::vector<NamedValue> nv;
    for (Value *v : args)
      nv.push_back({"", v, r});
    TS2ONNX_ASSIGN_OR_RETURN(auto outs, emitBuiltinOp(g_, name, nv, {}, r));
    if (outs.size() != 1)
      return script::sourceError(
          r, fmt::format("{} returns {} values, expected one", name, outs.size()));
    return outs[0];
  }

  Value *constInt(int64_t v, const SourceRange &r) {
    Value *out = g_.insertConstantInt(v);
    out->node()->setSourceLocation(toLoc(r));
    return out;
  }
  Value *constBool(bool v, const SourceRange &r) {
    Value *out = g_.insertConstantBool(v);
    out->node()->setSourceLocation(toLoc(r));
    return out;
  }
  Value *constNone(const SourceRange &) { return g_.insertConstantNone(); }

  void assign(Frame &f, const std::string &name, Value *v) {
    if (!v->hasDebugName() && name[0] != '$' && !v->node()->kind().isNamespace("prim"))
      v->setDebugName(name);
    else if (!v->hasDebugName() && name[0] != '$' && v->node()->kind() != ir::prim::Constant)
      v->setDebugName(name);
    f.set(name, v);
  }

  // --- functions ------------------------------------------------------------------------

  /// Compiles a function body in `top` (already holding the parameters) and returns the value
  /// it returns (None when it falls off the end).
  absl::StatusOr<Value *> compileBody(const script::FunctionDef &fn, Frame &top) {
    TS2ONNX_RETURN_IF_ERROR(compileBlock(fn.body, top));
    if (Value *r = top.lookup(kReturnVar))
      return r;
    if (top.exited) {
      // Every path raises: the result is never used, but the graph still needs one.
      TypePtr t = Type::noneType();
      if (fn.returnType) {
        TS2ONNX_ASSIGN_OR_RETURN(t, c_.classes_.resolveType(*fn.returnType));
      }
      return insert(ir::prim::Uninitialized, {}, 1, fn.range)->output()->setType(t);
    }
    return constNone(fn.range);
  }

  /// Binds a call's arguments to `fn`'s parameters (defaults compiled here), then clones the
  /// callee's compiled graph at the insertion point, as torch's inliner does.
  absl::StatusOr<Value *> inlineCall(const std::string &key, const script::FunctionDef &fn,
                                     Value *self, const TypePtr &selfType,
                                     std::vector<NamedValue> args, std::vector<NamedValue> kwargs,
                                     const SourceRange &r) {
    size_t pi = self ? 1 : 0;
    if (fn.params.size() < pi)
      return script::sourceError(fn.range, "a method needs a `self` parameter");
    size_t nparams = fn.params.size() - pi;
    if (args.size() > nparams)
      return script::sourceError(
          r, fmt::format("'{}' takes {} arguments, {} given", fn.name, nparams, args.size()));
    std::vector<Value *> bound(nparams, nullptr);
    for (size_t i = 0; i < args.size(); ++i)
      bound[i] = args[i].value;
    for (const NamedValue &kw : kwargs) {
      bool found = false;
      for (size_t i = 0; i < nparams; ++i)
        if (fn.params[pi + i].name == kw.name) {
          bound[i] = kw.value;
          found = true;
        }
      if (!found)
        return script::sourceError(kw.range,
                                   fmt::format("'{}' has no parameter '{}'", fn.name, kw.name));
    }
    for (size_t i = 0; i < nparams; ++i) {
      const script::Param &p = fn.params[pi + i];
      if (bound[i])
        continue;
      if (!p.defaultValue)
        return script::sourceError(r,
                                   fmt::format("'{}' is missing argument '{}'", fn.name, p.name));
      Frame empty;
      TypePtr hint;
      if (p.type) {
        TS2ONNX_ASSIGN_OR_RETURN(hint, c_.classes_.resolveType(*p.type));
      }
      TS2ONNX_ASSIGN_OR_RETURN(bound[i], compileValue(*p.defaultValue, empty, hint));
    }
    TS2ONNX_ASSIGN_OR_RETURN(const ir::Graph *callee, c_.functionGraph(key, fn, selfType));
    // Calls stay calls here, as in torch's emitter; Compiler::inlineCalls replaces them by the
    // callee's optimized graph afterwards, as torch's Inline pass does.
    std::vector<Value *> ins;
    if (self)
      ins.push_back(self);
    for (Value *b : bound)
      ins.push_back(b);
    ir::Node *call = insert(self ? ir::prim::CallMethod : ir::prim::CallFunction, ins, 1, r);
    call->s_(ir::attr::name, self ? fn.name : key);
    return call->output()->setType(callee->outputs().at(0)->type());
  }

  // --- statements -----------------------------------------------------------------------

  absl::Status compileBlock(const script::Block &body, Frame &f) {
    for (const script::StmtPtr &s : body) {
      // Code after a return never runs; code after a raise is still compiled, as torch does
      // (serialized code assigns the values the branch "returns" there, often `uninitialized`).
      if (f.returned)
        break;
      TS2ONNX_RETURN_IF_ERROR(compileStmt(*s, f));
    }
    return absl::OkStatus();
  }

  absl::Status compileStmt(const Stmt &s, Frame &f) {
    using script::StmtKind;
    switch (s.kind) {
    case StmtKind::Expr: {
      auto &e = static_cast<const script::ExprStmt &>(s);
      TS2ONNX_ASSIGN_OR_RETURN(Sugared v, compileExpr(*e.expr, f, nullptr));
      (void)v;
      return absl::OkStatus();
    }
    case StmtKind::Assign:
      return compileAssign(static_cast<const script::AssignStmt &>(s), f);
    case StmtKind::AugAssign:
      return compileAugAssign(static_cast<const script::AugAssignStmt &>(s), f);
    case StmtKind::AnnAssign: {
      auto &a = static_cast<const script::AnnAssignStmt &>(s);
      if (!a.value)
        return absl::OkStatus();
      TS2ONNX_ASSIGN_OR_RETURN(TypePtr hint, c_.classes_.resolveType(*a.annotation));
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*a.value, f, hint));
      if (!isSubtype(v->type(), hint) && !v->type()->isTensor())
        v = v; // torch checks; serialized code is already well typed
      return assignTo(*a.target, v, f);
    }
    case StmtKind::Return: {
      auto &r = static_cast<const script::ReturnStmt &>(s);
      Value *v = nullptr;
      if (r.value) {
        TS2ONNX_ASSIGN_OR_RETURN(v, compileValue(*r.value, f, nullptr));
      } else {
        v = constNone(s.range);
      }
      f.set(kReturnVar, v);
      f.returned = true;
      return absl::OkStatus();
    }
    case StmtKind::Pass:
    case StmtKind::Import:
      return absl::OkStatus();
    case StmtKind::If:
      return compileIf(static_cast<const script::IfStmt &>(s), f);
    case StmtKind::While:
      return compileWhile(static_cast<const script::WhileStmt &>(s), f);
    case StmtKind::For:
      return compileFor(static_cast<const script::ForStmt &>(s), f);
    case StmtKind::Raise:
      return compileRaise(static_cast<const script::RaiseStmt &>(s), f);
    case StmtKind::Assert:
      return compileAssert(static_cast<const script::AssertStmt &>(s), f);
    case StmtKind::With: {
      auto &w = static_cast<const script::WithStmt &>(s);
      // Context managers in serialized code are autocast / no_grad scopes, which do not change
      // what an exported graph computes.
      return compileBlock(w.body, f);
    }
    case StmtKind::Delete: {
      auto &d = static_cast<const script::DeleteStmt &>(s);
      for (auto &t : d.targets) {
        auto *sub = dynCast<script::SubscriptExpr>(t.get());
        if (!sub || sub->indices.size() != 1)
          return script::sourceError(t->range, "only `del container[key]` is supported");
        TS2ONNX_ASSIGN_OR_RETURN(Value * base, compileValue(*sub->value, f, nullptr));
        TS2ONNX_ASSIGN_OR_RETURN(Value * key, compileValue(*sub->indices[0], f, nullptr));
        std::vector<NamedValue> args = {{"", base, t->range}, {"", key, t->range}};
        TS2ONNX_RETURN_IF_ERROR(emitBuiltinOp(g_, "aten::Delete", args, {}, t->range).status());
      }
      return absl::OkStatus();
    }
    case StmtKind::Break:
    case StmtKind::Continue:
      return script::sourceError(s.range, "break/continue are not supported yet (torch's "
                                          "serializer rewrites them as flags)");
    case StmtKind::Def:
    case StmtKind::Class:
      return script::sourceError(s.range, "nested definitions are not supported");
    }
    return script::sourceError(s.range, "unsupported statement");
  }

  absl::Status compileAssign(const script::AssignStmt &a, Frame &f) {
    // `a, b = x, y` binds element by element, without building a tuple (as torch does).
    auto *lit = dynCast<script::TupleExpr>(a.value.get());
    if (lit && a.targets.size() == 1) {
      auto *tt = dynCast<script::TupleExpr>(a.targets[0].get());
      if (tt && tt->elements.size() == lit->elements.size()) {
        std::vector<Value *> vals;
        for (auto &e : lit->elements) {
          TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*e, f, nullptr));
          vals.push_back(v);
        }
        for (size_t i = 0; i < vals.size(); ++i)
          TS2ONNX_RETURN_IF_ERROR(assignTo(*tt->elements[i], vals[i], f));
        return absl::OkStatus();
      }
    }
    TS2ONNX_ASSIGN_OR_RETURN(Sugared sv, compileExpr(*a.value, f, nullptr));
    if (sv.kind != Sugared::Kind::Value) {
      auto *n = a.targets.size() == 1 ? dynCast<script::NameExpr>(a.targets[0].get()) : nullptr;
      if (!n)
        return script::sourceError(a.range, fmt::format("'{}' is not a value", sv.name));
      f.sugared[n->name] = sv;
      return absl::OkStatus();
    }
    Value *v = sv.value;
    for (const script::ExprPtr &t : a.targets)
      TS2ONNX_RETURN_IF_ERROR(assignTo(*t, v, f));
    return absl::OkStatus();
  }

  absl::Status compileAugAssign(const script::AugAssignStmt &a, Frame &f) {
    const char *name = binaryOpName(a.op);
    if (!name)
      return script::sourceError(a.range, "unsupported augmented assignment");
    TS2ONNX_ASSIGN_OR_RETURN(Value * lhs, compileValue(*a.target, f, nullptr));
    TS2ONNX_ASSIGN_OR_RETURN(Value * rhs, compileValue(*a.value, f, nullptr));
    // Tensors update in place (`add_`), other values rebind (`x = x + y`), as in Python.
    if (lhs->type()->isTensor()) {
      std::string inplace = std::string(name) + "_";
      TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1(inplace, {lhs, rhs}, a.range));
      (void)out;
      return absl::OkStatus();
    }
    TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1(name, {lhs, rhs}, a.range));
    return assignTo(*a.target, out, f);
  }

  absl::Status assignTo(const Expr &target, Value *v, Frame &f) {
    if (auto *n = dynCast<script::NameExpr>(&target)) {
      assign(f, n->name, v);
      return absl::OkStatus();
    }
    const std::vector<script::ExprPtr> *elems = nullptr;
    if (auto *t = dynCast<script::TupleExpr>(&target))
      elems = &t->elements;
    else if (auto *l = dynCast<script::ListExpr>(&target))
      elems = &l->elements;
    if (elems) {
      TS2ONNX_ASSIGN_OR_RETURN(auto parts, unpack(v, elems->size(), target.range));
      for (size_t i = 0; i < elems->size(); ++i)
        TS2ONNX_RETURN_IF_ERROR(assignTo(*(*elems)[i], parts[i], f));
      return absl::OkStatus();
    }
    if (auto *attr = dynCast<script::AttributeExpr>(&target)) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * obj, compileValue(*attr->value, f, nullptr));
      ir::Node *n = insert(ir::prim::SetAttr, {obj, v}, 0, target.range);
      n->s_(ir::attr::name, attr->name);
      return absl::OkStatus();
    }
    if (auto *sub = dynCast<script::SubscriptExpr>(&target))
      return assignSubscript(*sub, v, f);
    return script::sourceError(target.range, "cannot assign to this expression");
  }

  absl::StatusOr<std::vector<Value *>> unpack(Value *v, size_t n, const SourceRange &r) {
    const TypePtr &t = v->type();
    if (t->is(TypeKind::Tuple)) {
      if (t->contained().size() != n)
        return script::sourceError(
            r, fmt::format("cannot unpack a tuple of {} into {} names", t->contained().size(), n));
      ir::Node *u = insert(ir::prim::TupleUnpack, {v}, n, r);
      for (size_t i = 0; i < n; ++i)
        u->output(i)->setType(t->contained()[i]);
      return u->outputs();
    }
    if (t->is(TypeKind::List)) {
      ir::Node *u = insert(ir::prim::ListUnpack, {v}, n, r);
      for (size_t i = 0; i < n; ++i)
        u->output(i)->setType(t->elementType());
      return u->outputs();
    }
    return script::sourceError(r, fmt::format("cannot unpack a value of type {}", t->str()));
  }

  absl::Status assignSubscript(const script::SubscriptExpr &sub, Value *v, Frame &f) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * base, compileValue(*sub.value, f, nullptr));
    const SourceRange &r = sub.range;
    if (!base->type()->isTensor()) {
      if (sub.indices.size() != 1)
        return script::sourceError(r, "expected one index");
      TS2ONNX_ASSIGN_OR_RETURN(Value * key, compileValue(*sub.indices[0], f, nullptr));
      std::vector<NamedValue> args = {{"", base, r}, {"", key, r}, {"", v, r}};
      return emitBuiltinOp(g_, "aten::_set_item", args, {}, r).status();
    }
    // Tensor: view the indexed region and write into it, or index_put_ for tensor indices.
    std::vector<Value *> tensorIndices;
    TS2ONNX_ASSIGN_OR_RETURN(Value * view, indexTensor(base, sub, f, &tensorIndices));
    if (!tensorIndices.empty()) {
      ir::Node *list = insert(ir::prim::ListConstruct, tensorIndices, 1, r);
      list->output()->setType(Type::list(Type::optional(Type::tensor())));
      std::vector<NamedValue> args = {
          {"", view, r}, {"", list->output(), r}, {"", v, r}, {"", constBool(false, r), r}};
      return emitBuiltinOp(g_, "aten::index_put_", args, {}, r).status();
    }
    if (v->type()->isTensor()) {
      std::vector<NamedValue> args = {{"", view, r}, {"", v, r}, {"", constBool(false, r), r}};
      return emitBuiltinOp(g_, "aten::copy_", args, {}, r).status();
    }
    std::vector<NamedValue> args = {{"", view, r}, {"", v, r}};
    return emitBuiltinOp(g_, "aten::fill_", args, {}, r).status();
  }

  absl::Status compileRaise(const script::RaiseStmt &s, Frame &f) {
    Value *msg = nullptr;
    std::string cls = "builtins.Exception";
    if (s.exc) {
      if (auto *call = dynCast<script::CallExpr>(s.exc.get())) {
        if (auto name = script::dottedName(*call->func))
          cls = "builtins." + *name;
        if (!call->args.empty()) {
          TS2ONNX_ASSIGN_OR_RETURN(msg, compileValue(*call->args[0], f, nullptr));
        }
      }
    }
    if (!msg)
      msg = g_.insertConstantString("");
    Value *clsv = g_.insertConstantString(cls);
    insert(ir::prim::RaiseException, {msg, clsv}, 0, s.range);
    f.exited = true;
    return absl::OkStatus();
  }

  absl::Status compileAssert(const script::AssertStmt &s, Frame &f) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * cond, compileCondition(*s.test, f));
    ir::Node *n = insert(ir::prim::If, {cond}, 0, s.range);
    n->addBlock();
    ir::Block *fail = n->addBlock();
    ir::WithInsertPoint guard(fail);
    Value *msg = nullptr;
    if (s.msg) {
      Frame inner;
      inner.parent = &f;
      TS2ONNX_ASSIGN_OR_RETURN(msg, compileValue(*s.msg, inner, nullptr));
    } else {
      msg = g_.insertConstantString("AssertionError: ");
    }
    insert(ir::prim::RaiseException, {msg, g_.insertConstantString("builtins.AssertionError")}, 0,
           s.range);
    return absl::OkStatus();
  }

  absl::StatusOr<Value *> compileCondition(const Expr &e, Frame &f) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(e, f, nullptr));
    return toBool(v, e.range);
  }

  absl::StatusOr<Value *> toBool(Value *v, const SourceRange &r) {
    if (v->type()->is(TypeKind::Bool))
      return v;
    if (v->type()->isTensor() || v->type()->is(TypeKind::Int) || v->type()->is(TypeKind::Float))
      return op1("aten::Bool", {v}, r);
    return script::sourceError(
        r, fmt::format("expected a condition of type bool, got {}", v->type()->str()));
  }

  /// Merges the variables two branches set into If outputs, in sorted order (as torch does).
  absl::Status mergeBranches(ir::Node *ifNode, Frame &parent, Frame &a, Frame &b) {
    std::set<std::string> names;
    for (auto &n : a.assigned)
      names.insert(n);
    for (auto &n : b.assigned)
      names.insert(n);
    for (const std::string &name : names) {
      Value *va = a.lookup(name), *vb = b.lookup(name);
      if (name == kReturnVar && !(a.returned || a.exited) && !(b.returned || b.exited)) {
        continue;
      }
      if ((!va && !b.exited && !a.exited) || (!vb && !a.exited && !b.exited))
        continue; // defined on one path only: not visible after the if
      if (!va && !a.exited)
        continue;
      if (!vb && !b.exited)
        continue;
      if (!va && !vb)
        continue;
      if (!va) {
        ir::WithInsertPoint guard(ifNode->blocks()[0]);
        va = insert(ir::prim::Uninitialized, {}, 1,
                    ifNode->blocks()[0]->owningNode() ? SourceRange{} : SourceRange{})
                 ->output()
                 ->setType(vb->type());
      }
      if (!vb) {
        ir::WithInsertPoint guard(ifNode->blocks()[1]);
        vb = insert(ir::prim::Uninitialized, {}, 1, SourceRange{})->output()->setType(va->type());
      }
      ifNode->blocks()[0]->registerOutput(va);
      ifNode->blocks()[1]->registerOutput(vb);
      Value *out = ifNode->addOutput();
      out->setType(unify(va->type(), vb->type()));
      if (name == kReturnVar)
        parent.set(name, out);
      else
        assign(parent, name, out);
    }
    bool aDone = a.terminated(), bDone = b.terminated();
    if (aDone && bDone) {
      parent.returned = a.returned || b.returned;
      parent.exited = !parent.returned;
    } else if ((a.returned && !bDone) || (b.returned && !aDone)) {
      return script::sourceError(SourceRange{}, "early return on only one branch of an if is "
                                                "not supported yet");
    }
    return absl::OkStatus();
  }

  absl::Status compileIf(const script::IfStmt &s, Frame &f) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * cond, compileCondition(*s.cond, f));
    ir::Node *n = insert(ir::prim::If, {cond}, 0, s.range);
    Frame a, b;
    a.parent = b.parent = &f;
    a.block = n->addBlock();
    b.block = n->addBlock();
    {
      ir::WithInsertPoint guard(a.block);
      TS2ONNX_RETURN_IF_ERROR(compileBlock(s.thenBody, a));
    }
    {
      ir::WithInsertPoint guard(b.block);
      TS2ONNX_RETURN_IF_ERROR(compileBlock(s.elseBody, b));
    }
    absl::Status st = mergeBranches(n, f, a, b);
    if (!st.ok() && st.message().find("<unknown>") == std::string::npos)
      return script::sourceError(s.range,
                                 std::string(st.message())
                                     .substr(st.message().find("error: ") == std::string::npos
                                                 ? 0
                                                 : st.message().find("error: ") + 7));
    return st;
  }

  /// Builds a prim::Loop. `init` evaluates the loop's trip count and first condition in the
  /// enclosing block; `body` compiles one iteration given the iteration index and returns the
  /// condition for the next one.
  absl::Status emitLoop(Frame &f, const script::Block &stmts, Value *tripCount, Value *cond,
                        const std::vector<std::string> &extraAssigned,
                        const std::function<absl::Status(Frame &, Value *)> &prologue,
                        const std::function<absl::StatusOr<Value *>(Frame &)> &nextCond,
                        const SourceRange &r) {
    std::vector<std::string> assigned = extraAssigned;
    collectAssigned(stmts, assigned);
    std::vector<std::string> carried;
    for (const std::string &name : assigned)
      if (f.lookup(name))
        carried.push_back(name);
    std::vector<Value *> ins = {tripCount, cond};
    for (const std::string &name : carried)
      ins.push_back(f.lookup(name));
    ir::Node *loop = insert(ir::prim::Loop, ins, 0, r);
    ir::Block *body = loop->addBlock();
    Frame inner;
    inner.parent = &f;
    inner.block = body;
    Value *iter = body->addInput();
    iter->setType(Type::intType());
    for (const std::string &name : carried) {
      Value *in = body->addInput();
      in->setType(f.lookup(name)->type());
      assign(inner, name, in);
    }
    {
      ir::WithInsertPoint guard(body);
      TS2ONNX_RETURN_IF_ERROR(prologue(inner, iter));
      TS2ONNX_RETURN_IF_ERROR(compileBlock(stmts, inner));
      if (inner.returned)
        return script::sourceError(r, "return inside a loop is not supported yet");
      TS2ONNX_ASSIGN_OR_RETURN(Value * next, nextCond(inner));
      body->registerOutput(next);
      for (const std::string &name : carried)
        body->registerOutput(inner.lookup(name));
    }
    for (size_t i = 0; i < carried.size(); ++i) {
      Value *out = loop->addOutput();
      Value *in = f.lookup(carried[i]);
      out->setType(unify(in->type(), body->outputs()[i + 1]->type()));
      body->inputs()[i + 1]->setType(out->type());
      assign(f, carried[i], out);
    }
    return absl::OkStatus();
  }

  absl::Status compileWhile(const script::WhileStmt &s, Frame &f) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * cond, compileCondition(*s.cond, f));
    Value *trip = constInt(std::numeric_limits<int64_t>::max(), s.range);
    return emitLoop(
        f, s.body, trip, cond, {}, [](Frame &, Value *) { return absl::OkStatus(); },
        [&](Frame &inner) { return compileCondition(*s.cond, inner); }, s.range);
  }

  absl::Status compileFor(const script::ForStmt &s, Frame &f) {
    const SourceRange &r = s.range;
    std::vector<std::string> targets;
    collectTargets(s.target.get(), targets);
    auto alwaysTrue = [&](Frame &) -> absl::StatusOr<Value *> { return constBool(true, r); };
    auto *call = dynCast<script::CallExpr>(s.iter.get());
    auto callee = call ? script::dottedName(*call->func) : std::nullopt;
    if (callee && *callee == "range" && !f.lookup("range")) {
      std::vector<Value *> a;
      for (auto &e : call->args) {
        TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*e, f, nullptr));
        a.push_back(v);
      }
      if (a.empty() || a.size() > 3)
        return script::sourceError(r, "range() takes 1 to 3 arguments");
      if (a.size() == 1) {
        return emitLoop(
            f, s.body, a[0], constBool(true, r), targets,
            [&](Frame &inner, Value *i) { return assignTo(*s.target, i, inner); }, alwaysTrue, r);
      }
      Value *start = a[0], *end = a[1], *step = a.size() == 3 ? a[2] : constInt(1, r);
      TS2ONNX_ASSIGN_OR_RETURN(Value * trip, op1("aten::__range_length", {start, end, step}, r));
      return emitLoop(
          f, s.body, trip, constBool(true, r), targets,
          [&](Frame &inner, Value *i) -> absl::Status {
            TS2ONNX_ASSIGN_OR_RETURN(Value * idx, op1("aten::__derive_index", {i, start, step}, r));
            return assignTo(*s.target, idx, inner);
          },
          alwaysTrue, r);
    }
    if (callee && (*callee == "enumerate" || *callee == "zip") && !f.lookup(*callee)) {
      std::vector<Value *> seqs;
      for (auto &e : call->args) {
        TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*e, f, nullptr));
        seqs.push_back(v);
      }
      if (seqs.empty())
        return script::sourceError(r, fmt::format("{}() needs an argument", *callee));
      Value *trip = nullptr;
      for (Value *sq : seqs) {
        TS2ONNX_ASSIGN_OR_RETURN(Value * len, op1("aten::len", {sq}, r));
        if (!trip) {
          trip = len;
        } else {
          TS2ONNX_ASSIGN_OR_RETURN(trip, op1("prim::min", {trip, len}, r));
        }
      }
      bool isEnumerate = *callee == "enumerate";
      return emitLoop(
          f, s.body, trip, constBool(true, r), targets,
          [&, isEnumerate](Frame &inner, Value *i) -> absl::Status {
            std::vector<Value *> parts;
            if (isEnumerate)
              parts.push_back(i);
            for (Value *sq : seqs) {
              TS2ONNX_ASSIGN_OR_RETURN(Value * item, getItem(sq, i, r));
              parts.push_back(item);
            }
            auto *tt = dynCast<script::TupleExpr>(s.target.get());
            if (!tt || tt->elements.size() != parts.size())
              return script::sourceError(r, "unpack the loop items into a tuple of names");
            for (size_t k = 0; k < parts.size(); ++k)
              TS2ONNX_RETURN_IF_ERROR(assignTo(*tt->elements[k], parts[k], inner));
            return absl::OkStatus();
          },
          alwaysTrue, r);
    }
    TS2ONNX_ASSIGN_OR_RETURN(Value * seq, compileValue(*s.iter, f, nullptr));
    const TypePtr &t = seq->type();
    if (t->is(TypeKind::Tuple)) {
      // Heterogeneous tuples are unrolled, as torch does.
      TS2ONNX_ASSIGN_OR_RETURN(auto items, unpack(seq, t->contained().size(), r));
      for (Value *item : items) {
        TS2ONNX_RETURN_IF_ERROR(assignTo(*s.target, item, f));
        TS2ONNX_RETURN_IF_ERROR(compileBlock(s.body, f));
      }
      return absl::OkStatus();
    }
    if (t->is(TypeKind::Dict)) {
      TS2ONNX_ASSIGN_OR_RETURN(seq, op1("aten::keys", {seq}, r));
    }
    TS2ONNX_ASSIGN_OR_RETURN(Value * trip, op1("aten::len", {seq}, r));
    return emitLoop(
        f, s.body, trip, constBool(true, r), targets,
        [&](Frame &inner, Value *i) -> absl::Status {
          TS2ONNX_ASSIGN_OR_RETURN(Value * item, getItem(seq, i, r));
          return assignTo(*s.target, item, inner);
        },
        alwaysTrue, r);
  }

  absl::StatusOr<Value *> getItem(Value *seq, Value *i, const SourceRange &r) {
    if (seq->type()->isTensor()) {
      Value *zero = constInt(0, r);
      return op1("aten::select", {seq, zero, i}, r);
    }
    return op1("aten::__getitem__", {seq, i}, r);
  }

  // --- expressions ----------------------------------------------------------------------

  absl::StatusOr<Value *> compileValue(const Expr &e, Frame &f, const TypePtr &hint) {
    TS2ONNX_ASSIGN_OR_RETURN(Sugared s, compileExpr(e, f, hint));
    return asValue(s, e.range);
  }

  absl::StatusOr<Value *> asValue(const Sugared &s, const SourceRange &r) {
    if (s.kind == Sugared::Kind::Value)
      return s.value;
    return script::sourceError(r, fmt::format("'{}' is not a value", s.name));
  }

  absl::StatusOr<Sugared> compileExpr(const Expr &e, Frame &f, const TypePtr &hint) {
    const SourceRange &r = e.range;
    switch (e.kind) {
    case ExprKind::Name:
      return compileName(static_cast<const script::NameExpr &>(e), f);
    case ExprKind::Int: {
      auto &i = static_cast<const script::IntLiteral &>(e);
      if (i.value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return script::sourceError(r, "integer literal out of range for int64");
      return Sugared::of(constInt(static_cast<int64_t>(i.value), r));
    }
    case ExprKind::Float: {
      auto &fl = static_cast<const script::FloatLiteral &>(e);
      if (fl.imaginary)
        return script::sourceError(r, "complex literals are not supported");
      Value *v = g_.insertConstantFloat(fl.value);
      v->node()->setSourceLocation(toLoc(r));
      return Sugared::of(v);
    }
    case ExprKind::String: {
      Value *v = g_.insertConstantString(static_cast<const script::StringLiteral &>(e).value);
      v->node()->setSourceLocation(toLoc(r));
      return Sugared::of(v);
    }
    case ExprKind::True:
    case ExprKind::False:
      return Sugared::of(constBool(e.kind == ExprKind::True, r));
    case ExprKind::None:
      return Sugared::of(constNone(r));
    case ExprKind::Ellipsis:
      return script::sourceError(r, "`...` is only allowed as a tensor index");
    case ExprKind::Attribute:
      return compileAttribute(static_cast<const script::AttributeExpr &>(e), f);
    case ExprKind::Call:
      return compileCall(static_cast<const script::CallExpr &>(e), f, hint);
    case ExprKind::Subscript:
      return compileSubscript(static_cast<const script::SubscriptExpr &>(e), f);
    case ExprKind::Unary:
      return compileUnary(static_cast<const script::UnaryExpr &>(e), f);
    case ExprKind::Binary:
      return compileBinary(static_cast<const script::BinaryExpr &>(e), f);
    case ExprKind::Compare:
      return compileCompare(static_cast<const script::CompareExpr &>(e), f);
    case ExprKind::Ternary:
      return compileTernary(static_cast<const script::TernaryExpr &>(e), f);
    case ExprKind::List:
      return compileList(static_cast<const script::ListExpr &>(e), f, hint);
    case ExprKind::Tuple: {
      auto &t = static_cast<const script::TupleExpr &>(e);
      std::vector<Value *> elems;
      std::vector<TypePtr> types;
      for (size_t i = 0; i < t.elements.size(); ++i) {
        TypePtr h = hint && hint->is(TypeKind::Tuple) && i < hint->contained().size()
                        ? hint->contained()[i]
                        : nullptr;
        TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*t.elements[i], f, h));
        elems.push_back(v);
        types.push_back(v->type());
      }
      ir::Node *n = insert(ir::prim::TupleConstruct, elems, 1, r);
      n->output()->setType(Type::tuple(std::move(types)));
      return Sugared::of(n->output());
    }
    case ExprKind::Dict:
      return compileDict(static_cast<const script::DictExpr &>(e), f, hint);
    case ExprKind::ListComp:
      return compileListComp(static_cast<const script::ListCompExpr &>(e), f, hint);
    case ExprKind::DictComp:
      return script::sourceError(r, "dict comprehensions are not supported yet");
    case ExprKind::Slice:
      return script::sourceError(r, "a slice is only allowed inside []");
    }
    return script::sourceError(r, "unsupported expression");
  }

  absl::StatusOr<Sugared> compileName(const script::NameExpr &n, Frame &f) {
    if (const Sugared *s = f.lookupSugared(n.name))
      return *s;
    if (Value *v = f.lookup(n.name))
      return Sugared::of(v);
    static const std::set<std::string> kNamespaces = {"torch",     "ops",      "math",
                                                      "__torch__", "warnings", "builtins"};
    if (kNamespaces.count(n.name))
      return Sugared::make(Sugared::Kind::Namespace, n.name);
    if (n.name == "CONSTANTS")
      return Sugared::make(Sugared::Kind::Constants, n.name);
    if (builtinFunctions().count(n.name))
      return Sugared::make(Sugared::Kind::Builtin, n.name);
    if (n.name == "inf" || n.name == "nan") {
      double v = n.name == "inf" ? std::numeric_limits<double>::infinity()
                                 : std::numeric_limits<double>::quiet_NaN();
      return Sugared::of(g_.insertConstantFloat(v));
    }
    return script::sourceError(n.range, fmt::format("undefined name '{}'", n.name));
  }

  absl::StatusOr<Sugared> compileAttribute(const script::AttributeExpr &a, Frame &f) {
    TS2ONNX_ASSIGN_OR_RETURN(Sugared base, compileExpr(*a.value, f, nullptr));
    const SourceRange &r = a.range;
    switch (base.kind) {
    case Sugared::Kind::Namespace: {
      const std::string &ns = base.name;
      if (ns == "torch") {
        static const std::set<std::string> kSub = {"jit", "nn",         "classes", "_C",
                                                   "ops", "functional", "_ops",    "autograd"};
        if (kSub.count(a.name))
          return Sugared::make(Sugared::Kind::Namespace, ns + "." + a.name);
        return Sugared::make(Sugared::Kind::Op, "aten::" + a.name);
      }
      if (ns == "ops")
        return Sugared::make(Sugared::Kind::Namespace, "ops." + a.name);
      if (ns.rfind("ops.", 0) == 0)
        return Sugared::make(Sugared::Kind::Op, ns.substr(4) + "::" + a.name);
      if (ns == "math") {
        if (a.name == "pi" || a.name == "e" || a.name == "inf" || a.name == "nan" ||
            a.name == "tau") {
          double v = a.name == "pi"    ? M_PI
                     : a.name == "e"   ? M_E
                     : a.name == "tau" ? 2 * M_PI
                     : a.name == "inf" ? std::numeric_limits<double>::infinity()
                                       : std::numeric_limits<double>::quiet_NaN();
          return Sugared::of(g_.insertConstantFloat(v));
        }
        return Sugared::make(Sugared::Kind::Op, "aten::" + a.name);
      }
      if (ns == "warnings" && a.name == "warn")
        return Sugared::make(Sugared::Kind::Op, "aten::warn");
      std::string qual = ns + "." + a.name;
      if (qual.rfind("__torch__", 0) == 0) {
        auto cls = c_.classes_.findClass(qual);
        if (cls.ok())
          return Sugared::make(Sugared::Kind::Class, qual);
        if (!absl::IsNotFound(cls.status()))
          return cls.status();
        auto fn = c_.classes_.findFunction(qual);
        if (fn.ok())
          return Sugared::make(Sugared::Kind::Function, qual);
        if (!absl::IsNotFound(fn.status()))
          return fn.status();
      }
      return Sugared::make(Sugared::Kind::Namespace, qual);
    }
    case Sugared::Kind::Constants: {
      if (a.name.size() < 2 || a.name[0] != 'c')
        return script::sourceError(r, fmt::format("unknown constant '{}'", a.name));
      int64_t idx = 0;
      for (size_t i = 1; i < a.name.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(a.name[i])) || idx > (1 << 30))
          return script::sourceError(r, fmt::format("unknown constant '{}'", a.name));
        idx = idx * 10 + (a.name[i] - '0');
      }
      if (!c_.constants_)
        return script::sourceError(r, "this archive has no constant table");
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, c_.constants_(g_, idx, r));
      return Sugared::of(v);
    }
    case Sugared::Kind::Class: {
      if (a.name == "__new__")
        return Sugared::make(Sugared::Kind::Builtin, "__new__");
      TS2ONNX_ASSIGN_OR_RETURN(const ClassInfo *cls, c_.classes_.findClass(base.name));
      if (cls->kind == ClassInfo::Kind::Enum)
        for (auto &[name, expr] : cls->enumValues)
          if (name == a.name) {
            // An enum member is its value, typed as the enum.
            Frame empty;
            TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*expr, empty, nullptr));
            return Sugared::of(v);
          }
      return script::sourceError(r, fmt::format("'{}' has no member '{}'", base.name, a.name));
    }
    case Sugared::Kind::Value:
      return valueAttribute(base.value, a.name, r);
    default:
      return script::sourceError(r, fmt::format("'{}' has no attribute '{}'", base.name, a.name));
    }
  }

  absl::StatusOr<Sugared> valueAttribute(Value *obj, const std::string &name,
                                         const SourceRange &r) {
    const TypePtr &t = obj->type();
    if (t->is(TypeKind::Class) || t->is(TypeKind::Interface)) {
      TS2ONNX_ASSIGN_OR_RETURN(const ClassInfo *cls, c_.classes_.findClass(t->name()));
      if (const ClassInfo::Attribute *attr = cls->findAttribute(name)) {
        // A NoneType attribute can only hold None: torch emits the constant, not a GetAttr.
        if (attr->type->is(TypeKind::None))
          return Sugared::of(constNone(r));
        ir::Node *n = insert(ir::prim::GetAttr, {obj}, 1, r);
        n->s_(ir::attr::name, name);
        n->output()->setType(attr->type);
        if (!n->output()->hasDebugName() && attr->type->is(TypeKind::Class))
          n->output()->setDebugName(name);
        return Sugared::of(n->output());
      }
      auto c = cls->constants.find(name);
      if (c != cls->constants.end()) {
        Frame empty;
        TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*c->second, empty, nullptr));
        return Sugared::of(v);
      }
      if (cls->methods.count(name) || cls->kind == ClassInfo::Kind::CustomClass)
        return Sugared::make(Sugared::Kind::Method, name, obj);
      return script::sourceError(r, fmt::format("'{}' has no attribute '{}'", t->name(), name));
    }
    if (t->is(TypeKind::Tuple) && !t->fieldNames().empty()) {
      for (size_t i = 0; i < t->fieldNames().size(); ++i)
        if (t->fieldNames()[i] == name) {
          ir::Node *n = insert(ir::prim::TupleIndex, {obj, constInt(int64_t(i), r)}, 1, r);
          n->output()->setType(t->contained()[i]);
          return Sugared::of(n->output());
        }
    }
    // A method of a builtin type (`x.format(...)`, `t.size()`) is the aten op taking it first.
    return Sugared::make(Sugared::Kind::Method, name, obj);
  }

  absl::Status compileArgs(const script::CallExpr &c, Frame &f, std::vector<NamedValue> &args,
                           std::vector<NamedValue> &kwargs) {
    auto emptyList = [](const Expr &e) {
      auto *l = dynCast<script::ListExpr>(&e);
      return l && l->elements.empty();
    };
    for (const script::ExprPtr &a : c.args) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*a, f, nullptr));
      args.push_back({"", v, a->range, emptyList(*a)});
    }
    for (const script::KeywordArg &k : c.kwargs) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*k.value, f, nullptr));
      kwargs.push_back({k.name, v, k.range, emptyList(*k.value)});
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Sugared> single(absl::StatusOr<std::vector<Value *>> outs, const SourceRange &r) {
    TS2ONNX_RETURN_IF_ERROR(outs.status());
    if (outs->size() == 1)
      return Sugared::of((*outs)[0]);
    if (outs->empty())
      return Sugared::of(constNone(r));
    // Several returns: torch packs them in a tuple.
    std::vector<TypePtr> types;
    for (Value *v : *outs)
      types.push_back(v->type());
    ir::Node *t = insert(ir::prim::TupleConstruct, *outs, 1, r);
    t->output()->setType(Type::tuple(std::move(types)));
    return Sugared::of(t->output());
  }

  absl::StatusOr<Sugared> compileCall(const script::CallExpr &c, Frame &f, const TypePtr &hint) {
    const SourceRange &r = c.range;
    TS2ONNX_ASSIGN_OR_RETURN(Sugared callee, compileExpr(*c.func, f, nullptr));
    if (callee.kind == Sugared::Kind::Builtin)
      return compileBuiltinCall(callee.name, c, f, hint);
    std::vector<NamedValue> args, kwargs;
    switch (callee.kind) {
    case Sugared::Kind::Op: {
      TS2ONNX_RETURN_IF_ERROR(compileArgs(c, f, args, kwargs));
      if (callee.name == "prim::RaiseException" && args.size() == 1)
        args.push_back({"", g_.insertConstantString("builtins.RuntimeError"), r});
      return emitVersionedOp(callee.name, args, kwargs, r);
    }
    case Sugared::Kind::Function: {
      TS2ONNX_RETURN_IF_ERROR(compileArgs(c, f, args, kwargs));
      TS2ONNX_ASSIGN_OR_RETURN(const script::FunctionDef *fn,
                               c_.classes_.findFunction(callee.name));
      TS2ONNX_ASSIGN_OR_RETURN(Value * v,
                               inlineCall(callee.name, *fn, nullptr, nullptr, args, kwargs, r));
      return Sugared::of(v);
    }
    case Sugared::Kind::Method: {
      TS2ONNX_RETURN_IF_ERROR(compileArgs(c, f, args, kwargs));
      Value *self = callee.value;
      const TypePtr &t = self->type();
      if (t->is(TypeKind::Class) || t->is(TypeKind::Interface)) {
        TS2ONNX_ASSIGN_OR_RETURN(const ClassInfo *cls, c_.classes_.findClass(t->name()));
        auto m = cls->methods.find(callee.name);
        if (t->is(TypeKind::Interface) || cls->kind == ClassInfo::Kind::CustomClass ||
            m == cls->methods.end()) {
          // Dynamic dispatch (interfaces) and C++ classes stay calls.
          std::vector<Value *> ins = {self};
          for (auto &a : args)
            ins.push_back(a.value);
          ir::Node *n = insert(ir::prim::CallMethod, ins, 1, r);
          n->s_(ir::attr::name, callee.name);
          TypePtr ret = Type::get(TypeKind::Any);
          if (m != cls->methods.end() && m->second->returnType) {
            TS2ONNX_ASSIGN_OR_RETURN(ret, c_.classes_.resolveType(*m->second->returnType));
          }
          n->output()->setType(ret);
          return Sugared::of(n->output());
        }
        TS2ONNX_ASSIGN_OR_RETURN(Value * v,
                                 inlineCall(t->name() + "." + callee.name, *m->second, self,
                                            Type::classType(t->name()), args, kwargs, r));
        return Sugared::of(v);
      }
      if (callee.name == "tolist" && t->isTensor() && args.empty()) {
        // `annotate(List[List[float]], x.tolist())`: prim::tolist(x, depth, element kind).
        if (!hint || !hint->is(TypeKind::List))
          return script::sourceError(r, "tolist() needs its result type, e.g. "
                                        "annotate(List[float], x.tolist())");
        int64_t depth = 0;
        TypePtr elem = hint;
        while (elem->is(TypeKind::List)) {
          elem = elem->elementType();
          ++depth;
        }
        int64_t kind = elem->is(TypeKind::Int)       ? 0
                       : elem->is(TypeKind::Float)   ? 1
                       : elem->is(TypeKind::Bool)    ? 2
                       : elem->is(TypeKind::Complex) ? 3
                                                     : -1;
        if (kind < 0)
          return script::sourceError(r, "tolist() gives lists of int, float, bool or complex");
        ir::Node *n = insert(ir::Symbol::fromQualString("prim::tolist"),
                             {self, constInt(depth, r), constInt(kind, r)}, 1, r);
        n->output()->setType(hint);
        return Sugared::of(n->output());
      }
      args.insert(args.begin(), NamedValue{"", self, r});
      std::string op = "aten::" + callee.name;
      return single(emitBuiltinOp(g_, op, args, kwargs, r), r);
    }
    case Sugared::Kind::Class: {
      TS2ONNX_ASSIGN_OR_RETURN(const ClassInfo *cls, c_.classes_.findClass(callee.name));
      TS2ONNX_RETURN_IF_ERROR(compileArgs(c, f, args, kwargs));
      if (cls->kind == ClassInfo::Kind::NamedTuple) {
        TS2ONNX_ASSIGN_OR_RETURN(TypePtr t, c_.classes_.resolveTypeString(callee.name));
        std::vector<Value *> ins(t->contained().size(), nullptr);
        for (size_t i = 0; i < args.size() && i < ins.size(); ++i)
          ins[i] = args[i].value;
        for (auto &kw : kwargs)
          for (size_t i = 0; i < t->fieldNames().size(); ++i)
            if (t->fieldNames()[i] == kw.name)
              ins[i] = kw.value;
        for (size_t i = 0; i < ins.size(); ++i)
          if (!ins[i])
            return script::sourceError(
                r, fmt::format("missing field '{}' of {}", t->fieldNames()[i], callee.name));
        ir::Node *n = insert(ir::prim::TupleConstruct, ins, 1, r);
        n->output()->setType(t);
        return Sugared::of(n->output());
      }
      return script::sourceError(r, fmt::format("cannot call class '{}'", callee.name));
    }
    case Sugared::Kind::Value:
      return script::sourceError(
          r, fmt::format("a value of type {} is not callable", callee.value->type()->str()));
    default:
      return script::sourceError(r, fmt::format("'{}' is not callable", callee.name));
    }
  }

  /// Emits an operator call, applying the semantics the archive's version record asks for
  /// (torch's upgraders). Nodes that need an old semantics carry an `upgrader` attribute that
  /// the symbolics honour (`div_trunc`: integer division truncates; `full_float`: an integer
  /// fill without dtype gives float32).
  absl::StatusOr<Sugared> emitVersionedOp(const std::string &name, std::vector<NamedValue> args,
                                          std::vector<NamedValue> kwargs, const SourceRange &r) {
    int64_t version = c_.opts_.fileVersion;
    auto hasKw = [&](const char *k) {
      for (auto &kw : kwargs)
        if (kw.name == k)
          return true;
      return false;
    };
    if ((name == "aten::linspace" && version < 8) || (name == "aten::logspace" && version < 9)) {
      if (args.size() == 2 && !hasKw("steps"))
        kwargs.push_back({"steps", constInt(100, r), r});
    }
    TS2ONNX_ASSIGN_OR_RETURN(Sugared out,
                             single(emitBuiltinOp(g_, normalizedOpName(name), args, kwargs, r), r));
    if (out.kind == Sugared::Kind::Value) {
      ir::Node *n = out.value->node();
      if (name == "aten::div" && version < 4 && !hasKw("rounding_mode") && args.size() == 2)
        n->s_(ir::Symbol::attr("upgrader"), "div_trunc");
      if (name == "aten::full" && version < 5 && !hasKw("dtype"))
        n->s_(ir::Symbol::attr("upgrader"), "full_float");
    }
    return out;
  }

  absl::StatusOr<Sugared> compileBuiltinCall(const std::string &name, const script::CallExpr &c,
                                             Frame &f, const TypePtr &hint) {
    const SourceRange &r = c.range;
    auto argCount = [&](size_t lo, size_t hi) -> absl::Status {
      if (c.args.size() < lo || c.args.size() > hi)
        return script::sourceError(
            r, fmt::format("{}() takes {} to {} arguments, {} given", name, lo, hi, c.args.size()));
      return absl::OkStatus();
    };
    if (name == "annotate" || name == "unchecked_cast") {
      TS2ONNX_RETURN_IF_ERROR(argCount(2, 2));
      TS2ONNX_ASSIGN_OR_RETURN(TypePtr t, c_.classes_.resolveType(*c.args[0]));
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*c.args[1], f, t));
      if (name == "annotate") {
        // annotate(int, t) on a tensor converts it, as torch's tryConvertToType does.
        if (v->type()->isTensor() && !t->isTensor()) {
          const char *conv = t->is(TypeKind::Int)      ? "aten::IntImplicit"
                             : t->is(TypeKind::Float)  ? "aten::FloatImplicit"
                             : t->is(TypeKind::Number) ? "aten::ScalarImplicit"
                                                       : nullptr;
          if (conv) {
            TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1(conv, {v}, r));
            return Sugared::of(out);
          }
        }
        ir::Symbol k = v->node()->kind();
        if ((k == ir::prim::ListConstruct || k == ir::prim::DictConstruct) &&
            v->node()->inputs().empty())
          v->setType(t);
        return Sugared::of(v);
      }
      ir::Node *n = insert(ir::prim::unchecked_cast, {v}, 1, r);
      n->output()->setType(t);
      return Sugared::of(n->output());
    }
    if (name == "uninitialized") {
      TS2ONNX_RETURN_IF_ERROR(argCount(1, 1));
      TS2ONNX_ASSIGN_OR_RETURN(TypePtr t, c_.classes_.resolveType(*c.args[0]));
      return Sugared::of(insert(ir::prim::Uninitialized, {}, 1, r)->output()->setType(t));
    }
    if (name == "isinstance") {
      TS2ONNX_RETURN_IF_ERROR(argCount(2, 2));
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*c.args[0], f, nullptr));
      std::vector<const Expr *> types;
      if (auto *t = dynCast<script::TupleExpr>(c.args[1].get()))
        for (auto &e : t->elements)
          types.push_back(e.get());
      else
        types.push_back(c.args[1].get());
      std::vector<TypePtr> candidates;
      for (const Expr *te : types) {
        auto dotted = script::dottedName(*te);
        if (dotted && *dotted == "list") {
          candidates.push_back(ir::Type::get(TypeKind::AnyList));
        } else if (dotted && *dotted == "tuple") {
          candidates.push_back(ir::Type::get(TypeKind::AnyTuple));
        } else if (dotted && *dotted == "dict") {
          candidates.push_back(
              ir::Type::dict(ir::Type::get(TypeKind::Any), ir::Type::get(TypeKind::Any)));
        } else {
          TS2ONNX_ASSIGN_OR_RETURN(TypePtr t, c_.classes_.resolveType(*te));
          candidates.push_back(std::move(t));
        }
      }
      // As torch's emitter: a constant when the static type decides, else prim::isinstance.
      if (std::optional<bool> known = ir::staticIsInstance(v->type(), candidates))
        return Sugared::of(constBool(*known, r));
      ir::Node *n = insert(ir::prim::isinstance, {v}, 1, r);
      n->setAttribute(ir::Symbol::attr("types"), ir::AttributeValue(std::move(candidates)));
      return Sugared::of(n->output()->setType(ir::Type::boolType()));
    }
    if (name == "getattr" || name == "hasattr") {
      TS2ONNX_RETURN_IF_ERROR(argCount(2, 2));
      TS2ONNX_ASSIGN_OR_RETURN(Value * obj, compileValue(*c.args[0], f, nullptr));
      auto *key = dynCast<script::StringLiteral>(c.args[1].get());
      if (!key)
        return script::sourceError(r, fmt::format("{}() needs a string literal name", name));
      if (name == "hasattr") {
        bool has = false;
        if (obj->type()->is(TypeKind::Class)) {
          TS2ONNX_ASSIGN_OR_RETURN(const ClassInfo *cls,
                                   c_.classes_.findClass(obj->type()->name()));
          has = cls->findAttribute(key->value) || cls->methods.count(key->value) ||
                cls->constants.count(key->value);
        }
        return Sugared::of(constBool(has, r));
      }
      return valueAttribute(obj, key->value, r);
    }
    if (name == "__new__") {
      TS2ONNX_RETURN_IF_ERROR(argCount(1, 1));
      auto cls = script::dottedName(*c.args[0]);
      if (!cls)
        return script::sourceError(r, "__new__ needs a class");
      return Sugared::of(
          insert(ir::prim::CreateObject, {}, 1, r)->output()->setType(Type::classType(*cls)));
    }
    if (name == "print") {
      std::vector<Value *> ins;
      for (auto &a : c.args) {
        TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*a, f, nullptr));
        ins.push_back(v);
      }
      insert(ir::prim::Print, ins, 0, r);
      return Sugared::of(constNone(r));
    }
    if (name == "range" || name == "enumerate" || name == "zip")
      return script::sourceError(
          r, fmt::format("{}() is only supported as a for-loop iterable", name));
    // The rest are plain operators.
    std::vector<NamedValue> args, kwargs;
    TS2ONNX_RETURN_IF_ERROR(compileArgs(c, f, args, kwargs));
    static const std::pair<const char *, const char *> kOps[] = {{"len", "aten::len"},
                                                                 {"int", "aten::Int"},
                                                                 {"float", "aten::Float"},
                                                                 {"bool", "aten::Bool"},
                                                                 {"str", "aten::str"},
                                                                 {"complex", "aten::Complex"},
                                                                 {"abs", "prim::abs"},
                                                                 {"round", "aten::round"},
                                                                 {"divmod", "aten::divmod"},
                                                                 {"list", "aten::list"},
                                                                 {"all", "aten::all"},
                                                                 {"any", "aten::any"},
                                                                 {"sum", "aten::sum"},
                                                                 {"sorted", "aten::sorted"},
                                                                 {"ord", "aten::ord"},
                                                                 {"chr", "aten::chr"},
                                                                 {"hash", "aten::hash"},
                                                                 {"hex", "aten::hex"},
                                                                 {"oct", "aten::oct"},
                                                                 {"bin", "aten::bin"},
                                                                 {"pow", "aten::pow"},
                                                                 {"dict", "aten::dict"},
                                                                 {"tuple", "prim::TupleConstruct"}};
    if (name == "min" || name == "max") {
      std::string op = "prim::" + name;
      if (args.size() > 2) {
        // min(a, b, c) folds pairwise.
        Value *acc = args[0].value;
        for (size_t i = 1; i < args.size(); ++i) {
          TS2ONNX_ASSIGN_OR_RETURN(acc, op1(op, {acc, args[i].value}, r));
        }
        return Sugared::of(acc);
      }
      return single(emitBuiltinOp(g_, op, args, kwargs, r), r);
    }
    if ((name == "int" || name == "float" || name == "bool" || name == "str") && args.size() == 1) {
      TypeKind same = name == "int"     ? TypeKind::Int
                      : name == "float" ? TypeKind::Float
                      : name == "bool"  ? TypeKind::Bool
                                        : TypeKind::Str;
      if (args[0].value->type()->is(same))
        return Sugared::of(args[0].value); // int(i) on an int is i
    }
    if (name == "list" && args.empty()) {
      ir::Node *n = insert(ir::prim::ListConstruct, {}, 1, r);
      n->output()->setType(hint ? hint : Type::list(Type::tensor()));
      return Sugared::of(n->output());
    }
    if (name == "dict" && args.empty()) {
      ir::Node *n = insert(ir::prim::DictConstruct, {}, 1, r);
      n->output()->setType(hint ? hint : Type::dict(Type::strType(), Type::tensor()));
      return Sugared::of(n->output());
    }
    for (auto &[py, op] : kOps)
      if (name == py)
        return single(emitBuiltinOp(g_, op, args, kwargs, r), r);
    return script::sourceError(r, fmt::format("unsupported builtin '{}'", name));
  }

  /// Applies tensor indexing (`x[0]`, `x[1:3, None, ..., idx]`) and returns the view; tensor
  /// indices (advanced indexing) are collected into `tensorIndices` (one per dim, None where the
  /// dim is not indexed) for the caller to apply with aten::index / index_put_.
  absl::StatusOr<Value *> indexTensor(Value *base, const script::SubscriptExpr &sub, Frame &f,
                                      std::vector<Value *> *tensorIndices) {
    const SourceRange &r = sub.range;
    int64_t dim = 0;
    size_t ellipsisAt = sub.indices.size();
    for (size_t i = 0; i < sub.indices.size(); ++i)
      if (sub.indices[i]->kind == ExprKind::Ellipsis)
        ellipsisAt = i;
    Value *cur = base;
    std::vector<std::pair<int64_t, Value *>> advanced;
    for (size_t i = 0; i < sub.indices.size(); ++i) {
      const Expr &ix = *sub.indices[i];
      if (ix.kind == ExprKind::Ellipsis) {
        // Index the trailing dims from the end: remaining explicit indices that consume a dim.
        int64_t rest = 0;
        for (size_t j = i + 1; j < sub.indices.size(); ++j)
          rest += sub.indices[j]->kind != ExprKind::None;
        dim = -rest;
        continue;
      }
      if (ix.kind == ExprKind::None) {
        TS2ONNX_ASSIGN_OR_RETURN(cur, op1("aten::unsqueeze", {cur, constInt(dim, r)}, r));
        if (dim >= 0)
          ++dim;
        continue;
      }
      if (auto *sl = dynCast<script::SliceExpr>(&ix)) {
        Value *start = nullptr, *end = nullptr, *step = nullptr;
        if (sl->start) {
          TS2ONNX_ASSIGN_OR_RETURN(start, compileValue(*sl->start, f, nullptr));
        } else {
          start = constNone(r);
        }
        if (sl->stop) {
          TS2ONNX_ASSIGN_OR_RETURN(end, compileValue(*sl->stop, f, nullptr));
        } else {
          end = constNone(r);
        }
        if (sl->step) {
          TS2ONNX_ASSIGN_OR_RETURN(step, compileValue(*sl->step, f, nullptr));
        } else {
          step = constInt(1, r);
        }
        TS2ONNX_ASSIGN_OR_RETURN(cur,
                                 op1("aten::slice", {cur, constInt(dim, r), start, end, step}, r));
        if (dim >= 0)
          ++dim;
        else
          ++dim;
        continue;
      }
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(ix, f, nullptr));
      if (v->type()->is(TypeKind::Int)) {
        TS2ONNX_ASSIGN_OR_RETURN(cur, op1("aten::select", {cur, constInt(dim, r), v}, r));
        if (dim < 0)
          ++dim;
        continue;
      }
      if (v->type()->isTensor() || v->type()->is(TypeKind::List)) {
        if (dim < 0)
          return script::sourceError(r, "tensor indices after `...` are not supported yet");
        advanced.emplace_back(dim, v);
        ++dim;
        continue;
      }
      return script::sourceError(ix.range, fmt::format("cannot index a tensor with a value of "
                                                       "type {}",
                                                       v->type()->str()));
    }
    (void)ellipsisAt;
    if (!advanced.empty()) {
      int64_t maxDim = advanced.back().first;
      Value *none = nullptr;
      for (int64_t d = 0, k = 0; d <= maxDim; ++d) {
        if (k < int64_t(advanced.size()) && advanced[k].first == d) {
          tensorIndices->push_back(advanced[k++].second);
        } else {
          if (!none)
            none = constNone(r);
          tensorIndices->push_back(none);
        }
      }
    }
    return cur;
  }

  absl::StatusOr<Sugared> compileSubscript(const script::SubscriptExpr &sub, Frame &f) {
    const SourceRange &r = sub.range;
    TS2ONNX_ASSIGN_OR_RETURN(Value * base, compileValue(*sub.value, f, nullptr));
    const TypePtr &t = base->type();
    if (t->isTensor()) {
      std::vector<Value *> tensorIndices;
      TS2ONNX_ASSIGN_OR_RETURN(Value * view, indexTensor(base, sub, f, &tensorIndices));
      if (tensorIndices.empty())
        return Sugared::of(view);
      ir::Node *list = insert(ir::prim::ListConstruct, tensorIndices, 1, r);
      list->output()->setType(Type::list(Type::optional(Type::tensor())));
      TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1("aten::index", {view, list->output()}, r));
      return Sugared::of(out);
    }
    if (sub.indices.size() != 1)
      return script::sourceError(r, fmt::format("a value of type {} takes one index", t->str()));
    const Expr &ix = *sub.indices[0];
    if (auto *sl = dynCast<script::SliceExpr>(&ix)) {
      if (t->is(TypeKind::Tuple)) {
        auto constIndex = [&](const script::ExprPtr &e, int64_t dflt) -> absl::StatusOr<int64_t> {
          if (!e)
            return dflt;
          TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*e, f, nullptr));
          if (v->node()->kind() != ir::prim::Constant || !v->type()->is(TypeKind::Int))
            return script::sourceError(e->range, "tuple slices need constant bounds");
          return v->node()->i(ir::attr::value);
        };
        int64_t n = int64_t(t->contained().size());
        TS2ONNX_ASSIGN_OR_RETURN(int64_t b, constIndex(sl->start, 0));
        TS2ONNX_ASSIGN_OR_RETURN(int64_t e, constIndex(sl->stop, n));
        if (b < 0)
          b += n;
        if (e < 0)
          e += n;
        b = std::clamp<int64_t>(b, 0, n);
        e = std::clamp<int64_t>(e, b, n);
        ir::Node *node = insert(ir::prim::TupleSlice, {base}, 1, r);
        node->i_(ir::Symbol::attr("beg"), b);
        node->i_(ir::Symbol::attr("end"), e);
        node->output()->setType(Type::tuple(
            std::vector<TypePtr>(t->contained().begin() + b, t->contained().begin() + e)));
        return Sugared::of(node->output());
      }
      std::vector<Value *> parts = {base};
      for (const script::ExprPtr *p : {&sl->start, &sl->stop, &sl->step}) {
        if (*p) {
          TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(**p, f, nullptr));
          parts.push_back(v);
        } else {
          parts.push_back(p == &sl->step ? constInt(1, r) : constNone(r));
        }
      }
      TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1("aten::slice", parts, r));
      return Sugared::of(out);
    }
    TS2ONNX_ASSIGN_OR_RETURN(Value * key, compileValue(ix, f, nullptr));
    if (t->is(TypeKind::Tuple)) {
      int64_t n = int64_t(t->contained().size());
      TypePtr elem;
      if (key->node()->kind() == ir::prim::Constant && key->type()->is(TypeKind::Int)) {
        int64_t i = key->node()->i(ir::attr::value);
        if (i < 0)
          i += n;
        if (i < 0 || i >= n)
          return script::sourceError(r, fmt::format("tuple index {} out of range", i));
        elem = t->contained()[size_t(i)];
        key = constInt(i, r);
      } else {
        elem = n ? t->contained()[0] : Type::noneType();
      }
      ir::Node *node = insert(ir::prim::TupleIndex, {base, key}, 1, r);
      node->output()->setType(elem);
      return Sugared::of(node->output());
    }
    TS2ONNX_ASSIGN_OR_RETURN(Value * out, op1("aten::__getitem__", {base, key}, r));
    return Sugared::of(out);
  }

  absl::StatusOr<Sugared> compileUnary(const script::UnaryExpr &u, Frame &f) {
    const SourceRange &r = u.range;
    // Fold negative numeric literals, as torch's parser does.
    if (u.op == script::UnaryOp::Neg) {
      if (auto *i = dynCast<script::IntLiteral>(u.operand.get())) {
        if (i->value > uint64_t(std::numeric_limits<int64_t>::max()) + 1)
          return script::sourceError(r, "integer literal out of range for int64");
        return Sugared::of(constInt(int64_t(0 - i->value), r));
      }
      if (auto *fl = dynCast<script::FloatLiteral>(u.operand.get()); fl && !fl->imaginary) {
        Value *v = g_.insertConstantFloat(-fl->value);
        v->node()->setSourceLocation(toLoc(r));
        return Sugared::of(v);
      }
    }
    if (u.op == script::UnaryOp::Not) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * c, compileCondition(*u.operand, f));
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, op1("aten::__not__", {c}, r));
      return Sugared::of(v);
    }
    TS2ONNX_ASSIGN_OR_RETURN(Value * x, compileValue(*u.operand, f, nullptr));
    if (u.op == script::UnaryOp::Pos)
      return Sugared::of(x);
    const char *name = u.op == script::UnaryOp::Neg ? "aten::neg"
                       : x->type()->isTensor()      ? "aten::bitwise_not"
                                                    : "aten::__invert__";
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, op1(name, {x}, r));
    return Sugared::of(v);
  }

  /// `a and b` / `a or b`: short-circuit through a prim::If, as torch emits them.
  absl::StatusOr<Value *> shortCircuit(bool isAnd, const Expr &lhs, const Expr &rhs, Frame &f,
                                       const SourceRange &r) {
    TS2ONNX_ASSIGN_OR_RETURN(Value * a, compileCondition(lhs, f));
    ir::Node *n = insert(ir::prim::If, {a}, 1, r);
    n->output()->setType(Type::boolType());
    ir::Block *evalRhs = n->addBlock(), *constant = n->addBlock();
    if (!isAnd)
      std::swap(evalRhs, constant);
    {
      ir::WithInsertPoint guard(evalRhs);
      Frame inner;
      inner.parent = &f;
      TS2ONNX_ASSIGN_OR_RETURN(Value * b, compileCondition(rhs, inner));
      evalRhs->registerOutput(b);
    }
    {
      ir::WithInsertPoint guard(constant);
      constant->registerOutput(constBool(!isAnd, r));
    }
    return n->output();
  }

  absl::StatusOr<Sugared> compileBinary(const script::BinaryExpr &b, Frame &f) {
    const SourceRange &r = b.range;
    if (b.op == script::BinaryOp::And || b.op == script::BinaryOp::Or) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * v,
                               shortCircuit(b.op == script::BinaryOp::And, *b.lhs, *b.rhs, f, r));
      return Sugared::of(v);
    }
    TS2ONNX_ASSIGN_OR_RETURN(Value * lhs, compileValue(*b.lhs, f, nullptr));
    TS2ONNX_ASSIGN_OR_RETURN(Value * rhs, compileValue(*b.rhs, f, nullptr));
    const char *name = binaryOpName(b.op);
    if (!name)
      return script::sourceError(r, "unsupported binary operator");
    TS2ONNX_ASSIGN_OR_RETURN(Value * v, op1(name, {lhs, rhs}, r));
    return Sugared::of(v);
  }

  absl::StatusOr<Value *> compareOnce(script::CompareOp op, Value *a, Value *b,
                                      const SourceRange &r) {
    using script::CompareOp;
    if (op == CompareOp::In || op == CompareOp::NotIn) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * in, op1("aten::__contains__", {b, a}, r));
      if (op == CompareOp::In)
        return in;
      return op1("aten::__not__", {in}, r);
    }
    if ((op == CompareOp::Is || op == CompareOp::IsNot) &&
        (isNone(a->type()) || isNone(b->type()))) {
      // `x is None` on a value that cannot be None folds, as in torch's emitter.
      Value *other = isNone(a->type()) ? b : a;
      const TypePtr &t = other->type();
      bool mayBeNone =
          isNone(t) || t->is(TypeKind::Optional) || t->is(TypeKind::Any) || t->is(TypeKind::Union);
      if (!mayBeNone)
        return constBool(op == CompareOp::IsNot, r);
    }
    return op1(compareOpName(op), {a, b}, r);
  }

  absl::StatusOr<Sugared> compileCompare(const script::CompareExpr &c, Frame &f) {
    const SourceRange &r = c.range;
    TS2ONNX_ASSIGN_OR_RETURN(Value * lhs, compileValue(*c.first, f, nullptr));
    Value *result = nullptr;
    for (const auto &[op, e] : c.rest) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * rhs, compileValue(*e, f, nullptr));
      TS2ONNX_ASSIGN_OR_RETURN(Value * cmp, compareOnce(op, lhs, rhs, r));
      if (!result) {
        result = cmp;
      } else {
        TS2ONNX_ASSIGN_OR_RETURN(Value * a, toBool(result, r));
        TS2ONNX_ASSIGN_OR_RETURN(Value * b, toBool(cmp, r));
        TS2ONNX_ASSIGN_OR_RETURN(result, op1("aten::__and__", {a, b}, r));
      }
      lhs = rhs;
    }
    return Sugared::of(result);
  }

  absl::StatusOr<Sugared> compileTernary(const script::TernaryExpr &t, Frame &f) {
    const SourceRange &r = t.range;
    TS2ONNX_ASSIGN_OR_RETURN(Value * cond, compileCondition(*t.cond, f));
    ir::Node *n = insert(ir::prim::If, {cond}, 1, r);
    Value *vals[2];
    const Expr *exprs[2] = {t.thenExpr.get(), t.elseExpr.get()};
    for (int i = 0; i < 2; ++i) {
      ir::Block *b = n->addBlock();
      ir::WithInsertPoint guard(b);
      Frame inner;
      inner.parent = &f;
      TS2ONNX_ASSIGN_OR_RETURN(vals[i], compileValue(*exprs[i], inner, nullptr));
      b->registerOutput(vals[i]);
    }
    n->output()->setType(unify(vals[0]->type(), vals[1]->type()));
    return Sugared::of(n->output());
  }

  absl::StatusOr<Sugared> compileList(const script::ListExpr &l, Frame &f, const TypePtr &hint) {
    TypePtr elemHint = hint && hint->is(TypeKind::List) ? hint->elementType() : nullptr;
    std::vector<Value *> elems;
    TypePtr elem = elemHint;
    for (const script::ExprPtr &e : l.elements) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * v, compileValue(*e, f, elemHint));
      elems.push_back(v);
      if (!elemHint)
        elem = elem ? unify(elem, v->type()) : v->type();
    }
    if (!elem)
      elem = Type::tensor();
    if (elem->isTensor())
      elem = Type::tensor();
    ir::Node *n = insert(ir::prim::ListConstruct, elems, 1, l.range);
    n->output()->setType(Type::list(elem));
    return Sugared::of(n->output());
  }

  absl::StatusOr<Sugared> compileDict(const script::DictExpr &d, Frame &f, const TypePtr &hint) {
    std::vector<Value *> ins;
    TypePtr k = hint && hint->is(TypeKind::Dict) ? hint->contained()[0] : nullptr;
    TypePtr v = hint && hint->is(TypeKind::Dict) ? hint->contained()[1] : nullptr;
    bool fixed = k != nullptr;
    for (size_t i = 0; i < d.keys.size(); ++i) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * kv, compileValue(*d.keys[i], f, nullptr));
      TS2ONNX_ASSIGN_OR_RETURN(Value * vv, compileValue(*d.values[i], f, fixed ? v : nullptr));
      ins.push_back(kv);
      ins.push_back(vv);
      if (!fixed) {
        k = k ? unify(k, kv->type()) : kv->type();
        v = v ? unify(v, vv->type()) : vv->type();
      }
    }
    if (!k) {
      k = Type::strType();
      v = Type::tensor();
    }
    if (v->isTensor())
      v = Type::tensor();
    ir::Node *n = insert(ir::prim::DictConstruct, ins, 1, d.range);
    n->output()->setType(Type::dict(k, v));
    return Sugared::of(n->output());
  }

  absl::StatusOr<Sugared> compileListComp(const script::ListCompExpr &lc, Frame &f,
                                          const TypePtr &hint) {
    const SourceRange &r = lc.range;
    ir::Node *list = insert(ir::prim::ListConstruct, {}, 1, r);
    list->output()->setType(hint ? hint : Type::list(Type::tensor()));
    TS2ONNX_ASSIGN_OR_RETURN(Value * seq, compileValue(*lc.iter, f, nullptr));
    TS2ONNX_ASSIGN_OR_RETURN(Value * trip, op1("aten::len", {seq}, r));
    ir::Node *loop = insert(ir::prim::Loop, {trip, constBool(true, r)}, 0, r);
    ir::Block *body = loop->addBlock();
    Value *i = body->addInput();
    i->setType(Type::intType());
    ir::WithInsertPoint guard(body);
    Frame inner;
    inner.parent = &f;
    inner.block = body;
    TS2ONNX_ASSIGN_OR_RETURN(Value * item, getItem(seq, i, r));
    TS2ONNX_RETURN_IF_ERROR(assignTo(*lc.target, item, inner));
    auto appendElt = [&](Frame &fr) -> absl::Status {
      TS2ONNX_ASSIGN_OR_RETURN(Value * elt, compileValue(*lc.elt, fr, nullptr));
      if (!hint)
        list->output()->setType(Type::list(elt->type()->isTensor() ? Type::tensor() : elt->type()));
      return op1("aten::append", {list->output(), elt}, r).status();
    };
    if (lc.cond) {
      TS2ONNX_ASSIGN_OR_RETURN(Value * c, compileCondition(*lc.cond, inner));
      ir::Node *n = insert(ir::prim::If, {c}, 0, r);
      ir::Block *then = n->addBlock();
      n->addBlock();
      ir::WithInsertPoint g2(then);
      Frame thenFrame;
      thenFrame.parent = &inner;
      TS2ONNX_RETURN_IF_ERROR(appendElt(thenFrame));
    } else {
      TS2ONNX_RETURN_IF_ERROR(appendElt(inner));
    }
    body->registerOutput(constBool(true, r));
    return Sugared::of(list->output());
  }

  Compiler &c_;
  ir::Graph &g_;
};

absl::StatusOr<const ir::Graph *> Compiler::functionGraph(const std::string &key,
                                                          const script::FunctionDef &fn,
                                                          const ir::TypePtr &selfType) {
  auto it = graphs_.find(key);
  if (it != graphs_.end())
    return it->second.get();
  if (inProgress_.contains(key))
    return script::sourceError(
        fn.range, fmt::format("'{}' calls itself, which TorchScript does not allow", fn.name));
  if (int(inProgress_.size()) >= opts_.maxInlineDepth)
    return script::sourceError(fn.range,
                               fmt::format("calls nested deeper than {}", opts_.maxInlineDepth));
  inProgress_.insert(key);
  auto g = std::make_unique<ir::Graph>();
  FunctionCompiler fc(*this, *g);
  absl::Status s = fc.compileTop(fn, selfType);
  if (s.ok())
    s = cleanupFunctionGraph(*g);
  inProgress_.erase(key);
  if (!s.ok())
    return s;
  return graphs_.emplace(key, std::move(g)).first->second.get();
}

namespace {

/// Puts `outer` in front of the module scope of `n` and of the nodes in its blocks.
void prefixScope(ir::Node *n, const std::string &outer) {
  n->setScopeName(n->scopeName().empty() ? outer : outer + "/" + n->scopeName());
  for (ir::Block *b : n->blocks())
    for (ir::Node *inner : b->nodes())
      prefixScope(inner, outer);
}

} // namespace

absl::Status Compiler::inlineCalls(ir::Block *b) {
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      TS2ONNX_RETURN_IF_ERROR(inlineCalls(sub));
    std::string key;
    if (n->kind() == ir::prim::CallFunction && n->hasAttribute(ir::attr::name)) {
      key = n->s(ir::attr::name);
    } else if (n->kind() == ir::prim::CallMethod && n->hasAttribute(ir::attr::name) &&
               !n->inputs().empty() && n->input(0)->type()->is(ir::TypeKind::Class)) {
      key = n->input(0)->type()->name() + "." + n->s(ir::attr::name);
    }
    if (key.empty() || !graphs_.contains(key))
      continue; // interface and C++ class calls stay calls
    TS2ONNX_ASSIGN_OR_RETURN(const ir::Graph *callee, optimizedGraph(key));
    ir::Graph &g = *b->owningGraph();
    ir::WithInsertPoint guard(n);
    absl::flat_hash_map<const ir::Value *, ir::Value *> env;
    for (size_t i = 0; i < callee->inputs().size() && i < n->inputs().size(); ++i)
      env[callee->inputs()[i]] = n->input(i);
    std::string scope;
    if (opts_.recordModuleScopes && n->kind() == ir::prim::CallMethod &&
        n->s(ir::attr::name).rfind("forward", 0) == 0) {
      auto cls = classes_.findClass(n->input(0)->type()->name());
      if (cls.ok() && (*cls)->isModule()) {
        const ir::Node *self = n->input(0)->node();
        std::string attr = self->kind() == ir::prim::GetAttr && self->hasAttribute(ir::attr::name)
                               ? self->s(ir::attr::name)
                               : std::string();
        scope = fmt::format("{}@{}#{}", (*cls)->qualifiedName, attr, moduleCalls_++);
      }
    }
    for (const ir::Node *cn : callee->block()->nodes()) {
      ir::Node *copy = g.cloneNode(*cn, env);
      if (!scope.empty())
        prefixScope(copy, scope);
    }
    ir::Value *out = callee->outputs().at(0);
    auto found = env.find(out);
    n->output()->replaceAllUsesWith(found == env.end() ? out : found->second);
    n->destroy();
  }
  return absl::OkStatus();
}

absl::StatusOr<const ir::Graph *> Compiler::optimizedGraph(const std::string &key) {
  auto it = optimized_.find(key);
  if (it != optimized_.end())
    return it->second.get();
  auto g = graphs_.find(key);
  if (g == graphs_.end())
    return absl::InternalError(fmt::format("'{}' was not compiled", key));
  if (inProgress_.contains(key))
    return absl::InvalidArgumentError(fmt::format("'{}' calls itself", key));
  inProgress_.insert(key);
  std::unique_ptr<ir::Graph> copy = g->second->clone();
  absl::Status s = inlineCalls(copy->block());
  // torch's preoptimizeGraph: inline, peephole (`x is None` on values that cannot be None,
  // needless casts, list idioms), constant propagation over immutable values.
  if (s.ok())
    s = preoptimizeGraph(*copy);
  inProgress_.erase(key);
  if (!s.ok())
    return s;
  return optimized_.emplace(key, std::move(copy)).first->second.get();
}

absl::StatusOr<std::unique_ptr<ir::Graph>>
Compiler::compileFunctionDef(const script::FunctionDef &fn, const ir::TypePtr &selfType) {
  std::string key = (selfType ? selfType->name() + "." : std::string("<function>.")) + fn.name;
  // torch's `inlined_graph`: the method's own graph (not optimized) with every call replaced by
  // the callee's optimized graph.
  TS2ONNX_ASSIGN_OR_RETURN(const ir::Graph *g, functionGraph(key, fn, selfType));
  std::unique_ptr<ir::Graph> out = g->clone();
  TS2ONNX_RETURN_IF_ERROR(inlineCalls(out->block()));
  return out;
}

absl::StatusOr<std::unique_ptr<ir::Graph>> Compiler::compileMethod(const std::string &className,
                                                                   const std::string &method) {
  TS2ONNX_ASSIGN_OR_RETURN(const ClassInfo *cls, classes_.findClass(className));
  auto it = cls->methods.find(method);
  if (it == cls->methods.end())
    return absl::NotFoundError(fmt::format("class '{}' has no method '{}'", className, method));
  return compileFunctionDef(*it->second, Type::classType(className));
}

} // namespace ts2onnx::frontend
