// One function's graph: its parameters, its body, the small node-making helpers, and
// calls of TorchScript functions and methods (a prim::CallFunction / prim::CallMethod that
// Compiler::inlineCalls later replaces by the callee, as torch's Inline pass does).
#include "frontend/compiler/FunctionCompiler.h"

#include <limits>
#include <optional>

namespace ts2onnx::frontend::compiler {

ir::SourceLocation toLoc(const SourceRange &r) {
  ir::SourceLocation loc;
  loc.file = r.file;
  loc.line = static_cast<int>(r.line);
  loc.column = static_cast<int>(r.column);
  return loc;
}

bool isNone(const TypePtr &t) { return t->is(TypeKind::None); }

namespace {

/// A parameter default that is a literal (None, True/False, an int, a float, a string, a negated
/// number): what a conversion can use for an argument given no input. Nullopt for anything else
/// (a tuple, an expression), which then needs an input.
std::optional<ir::ArgumentDefault> literalDefault(const script::Expr &e) {
  using K = ir::ArgumentDefault::Kind;
  ir::ArgumentDefault d;
  switch (e.kind) {
  case script::ExprKind::None:
    d.kind = K::None;
    return d;
  case script::ExprKind::True:
  case script::ExprKind::False:
    d.kind = K::Bool;
    d.i = e.kind == script::ExprKind::True;
    return d;
  case script::ExprKind::Int: {
    auto &lit = static_cast<const script::IntLiteral &>(e);
    if (lit.value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    d.kind = K::Int;
    d.i = static_cast<int64_t>(lit.value);
    return d;
  }
  case script::ExprKind::Float: {
    auto &lit = static_cast<const script::FloatLiteral &>(e);
    if (lit.imaginary)
      return std::nullopt;
    d.kind = K::Float;
    d.f = lit.value;
    return d;
  }
  case script::ExprKind::String:
    d.kind = K::String;
    d.s = static_cast<const script::StringLiteral &>(e).value;
    return d;
  case script::ExprKind::Unary: {
    auto &u = static_cast<const script::UnaryExpr &>(e);
    if (u.op != script::UnaryOp::Neg)
      return std::nullopt;
    auto inner = literalDefault(*u.operand);
    if (!inner || (inner->kind != K::Int && inner->kind != K::Float))
      return std::nullopt;
    inner->i = -inner->i;
    inner->f = -inner->f;
    return inner;
  }
  default:
    return std::nullopt;
  }
}

} // namespace

absl::Status FunctionCompiler::compileTop(const script::FunctionDef &fn, const TypePtr &selfType) {
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
    if (p.defaultValue)
      if (auto d = literalDefault(*p.defaultValue))
        g_.setInputDefault(in, *d);
  }
  g_.setInsertPoint(g_.block());
  TS2ONNX_ASSIGN_OR_RETURN(Value * ret, compileBody(fn, top));
  g_.registerOutput(ret);
  return absl::OkStatus();
}

ir::Node *FunctionCompiler::insert(ir::Symbol kind, const std::vector<Value *> &ins, size_t outs,
                                   const SourceRange &r) {
  ir::Node *n = g_.insert(kind, ins, outs);
  n->setSourceLocation(toLoc(r));
  return n;
}

absl::StatusOr<Value *> FunctionCompiler::op1(std::string_view name, std::vector<Value *> args,
                                              const SourceRange &r) {
  std::vector<NamedValue> nv;
  for (Value *v : args)
    nv.push_back({"", v, r});
  TS2ONNX_ASSIGN_OR_RETURN(auto outs, emitOp(name, nv, {}, r));
  if (outs.size() != 1)
    return script::sourceError(
        r, fmt::format("{} returns {} values, expected one", name, outs.size()));
  return outs[0];
}

Value *FunctionCompiler::constInt(int64_t v, const SourceRange &r) {
  Value *out = g_.insertConstantInt(v);
  out->node()->setSourceLocation(toLoc(r));
  return out;
}

Value *FunctionCompiler::constBool(bool v, const SourceRange &r) {
  Value *out = g_.insertConstantBool(v);
  out->node()->setSourceLocation(toLoc(r));
  return out;
}

Value *FunctionCompiler::constNone(const SourceRange &) { return g_.insertConstantNone(); }

absl::StatusOr<Value *> FunctionCompiler::compileBody(const script::FunctionDef &fn, Frame &top) {
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

absl::StatusOr<Value *>
FunctionCompiler::inlineCall(const std::string &key, const script::FunctionDef &fn, Value *self,
                             const TypePtr &selfType, std::vector<NamedValue> args,
                             std::vector<NamedValue> kwargs, const SourceRange &r) {
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
      return script::sourceError(r, fmt::format("'{}' is missing argument '{}'", fn.name, p.name));
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

} // namespace ts2onnx::frontend::compiler
