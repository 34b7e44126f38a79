// Compiler: compiles methods and functions (each once, cleaned up as torch's emitter does),
// keeps their graphs, and inlines calls with the callees' optimized graphs, as torch's
// `inlined_graph` shows them. The compilation of one function lives in frontend/compiler/.
#include "frontend/Compiler.h"

#include <fmt/format.h>

#include "frontend/compiler/Cleanup.h"
#include "frontend/compiler/FunctionCompiler.h"
#include "ir/Status.h"

namespace ts2onnx::frontend {

using compiler::cleanupFunctionGraph;
using compiler::FunctionCompiler;
using compiler::preoptimizeGraph;
using ir::Type;

absl::StatusOr<const ir::Graph *> Compiler::functionGraph(const std::string &key,
                                                          const script::FunctionDef &fn,
                                                          const ir::TypePtr &selfType,
                                                          std::optional<int64_t> fileVersion) {
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
  compiled_.insert_or_assign(key, CompiledFrom{&fn, selfType, fileVersion});
  auto g = std::make_unique<ir::Graph>();
  FunctionCompiler fc(*this, *g, fileVersion.value_or(opts_.fileVersion));
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

/// The function a call node calls: `<qualified class>.<method>` or the function's name; empty
/// for anything else.
std::string callKey(const ir::Node *n) {
  if (n->kind() == ir::prim::CallFunction && n->hasAttribute(ir::attr::name))
    return n->s(ir::attr::name);
  if (n->kind() == ir::prim::CallMethod && n->hasAttribute(ir::attr::name) &&
      !n->inputs().empty() && n->input(0)->type()->is(ir::TypeKind::Class))
    return n->input(0)->type()->name() + "." + n->s(ir::attr::name);
  return {};
}

void countCalls(const ir::Block &b, absl::flat_hash_map<std::string, int64_t> &sites) {
  for (const ir::Node *n : b.nodes()) {
    for (const ir::Block *sub : n->blocks())
      countCalls(*sub, sites);
    if (std::string key = callKey(n); !key.empty())
      ++sites[key];
  }
}

} // namespace

absl::Status Compiler::inlineCalls(ir::Block *b) {
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      TS2ONNX_RETURN_IF_ERROR(inlineCalls(sub));
    std::string key = callKey(n);
    if (key.empty() || !compiled_.contains(key))
      continue; // interface and C++ class calls stay calls
    TS2ONNX_ASSIGN_OR_RETURN(const ir::Graph *callee, optimizedGraph(key));
    ir::Graph &g = *b->owningGraph();
    ir::WithInsertPoint guard(n);
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
    ir::Value *out = nullptr;
    auto sites = callSites_.find(key);
    if (sites != callSites_.end() && --sites->second == 0) {
      // The last call of this compilation: the optimized graph's nodes move here instead of
      // being copied (a later compilation that calls the function builds it again).
      std::unique_ptr<ir::Graph> owned = std::move(optimized_[key]);
      optimized_.erase(key);
      std::vector<ir::Node *> moved;
      std::vector<ir::Value *> args(n->inputs().begin(), n->inputs().end());
      out = g.moveInlined(*owned, args, scope.empty() ? nullptr : &moved).at(0);
      for (ir::Node *m : moved)
        prefixScope(m, scope);
    } else {
      absl::flat_hash_map<const ir::Value *, ir::Value *> env;
      for (size_t i = 0; i < callee->inputs().size() && i < n->inputs().size(); ++i)
        env[callee->inputs()[i]] = n->input(i);
      for (const ir::Node *cn : callee->block()->nodes()) {
        ir::Node *copy = g.cloneNode(*cn, env);
        if (!scope.empty())
          prefixScope(copy, scope);
      }
      out = callee->outputs().at(0);
      auto found = env.find(out);
      out = found == env.end() ? out : found->second;
    }
    n->output()->replaceAllUsesWith(out);
    n->destroy();
  }
  return absl::OkStatus();
}

absl::StatusOr<const ir::Graph *> Compiler::optimizedGraph(const std::string &key) {
  auto it = optimized_.find(key);
  if (it != optimized_.end())
    return it->second.get();
  if (inProgress_.contains(key))
    return absl::InvalidArgumentError(fmt::format("'{}' calls itself", key));
  auto g = graphs_.find(key);
  if (g == graphs_.end()) {
    // Taken by an earlier optimization whose result was then inlined by moving it: compiled
    // again.
    auto from = compiled_.find(key);
    if (from == compiled_.end())
      return absl::InternalError(fmt::format("'{}' was not compiled", key));
    CompiledFrom c = from->second;
    TS2ONNX_RETURN_IF_ERROR(functionGraph(key, *c.fn, c.selfType, c.fileVersion).status());
    g = graphs_.find(key);
  }
  inProgress_.insert(key);
  // Callers inline the optimized graph; the function's own graph is not needed again (a later
  // compileMethod that calls the function compiles it again): taken, not copied.
  std::unique_ptr<ir::Graph> copy = std::move(g->second);
  graphs_.erase(g);
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
  // How many calls of each function the inlining below will meet (every compiled graph's
  // calls: those of graphs this method does not reach only keep a count above zero), so that
  // the last one can take the callee's optimized graph instead of copying it.
  callSites_.clear();
  for (const auto &[name, graph] : graphs_)
    countCalls(*graph->block(), callSites_);
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
