// Compiles TorchScript source (the AST of frontend/script) into the IR, the way torch's
// `jit::load` does: SSA values, prim::If / prim::Loop blocks for control flow, prim::GetAttr for
// module attributes, every method and function call inlined (so the result matches torch's
// `inlined_graph`), builtin operators resolved against the schema table.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "frontend/ClassTable.h"
#include "frontend/script/SourceRange.h"
#include "ir/Graph.h"

namespace ts2onnx::frontend {

namespace compiler {
class FunctionCompiler;
} // namespace compiler

struct CompileOptions {
  /// Calls nested deeper than this are an error (guards against recursion in hostile files).
  int maxInlineDepth = 64;
  /// The archive's file-format version: older versions keep older operator semantics, which
  /// the upgraders in frontend/upgraders/ give (FORMAT-NOTES §2).
  int64_t fileVersion = 10;
  /// Record module boundaries: every node inlined from a module's `forward` gets a scope
  /// component `<class>@<attribute>#<call>` (nested calls joined by `/`, outermost first), so
  /// the exporter can rebuild the modules as ONNX functions (export_modules_as_functions).
  bool recordModuleScopes = false;
};

class Compiler {
public:
  /// Materializes `CONSTANTS.c<index>` at the graph's insertion point.
  using ConstantProvider = std::function<absl::StatusOr<ir::Value *>(ir::Graph &, int64_t index,
                                                                     const script::SourceRange &)>;

  Compiler(ClassTable &classes, ConstantProvider constants, CompileOptions opts = {})
      : classes_(classes), constants_(std::move(constants)), opts_(opts) {}

  /// The graph of `method` of class `className`: input 0 is `self` (typed as the class), then the
  /// method's parameters; every call inside is inlined.
  absl::StatusOr<std::unique_ptr<ir::Graph>> compileMethod(const std::string &className,
                                                           const std::string &method);
  /// The graph of a method given as an AST, for classes that are not in the table (legacy
  /// archives, whose methods are top-level functions taking an implicit `self`).
  absl::StatusOr<std::unique_ptr<ir::Graph>> compileFunctionDef(const script::FunctionDef &fn,
                                                                const ir::TypePtr &selfType);

  ClassTable &classes() { return classes_; }

private:
  friend class compiler::FunctionCompiler;
  /// The graph of one function (inputs: self if `selfType`, then its parameters), compiled once
  /// (again if optimizedGraph has taken it since) and cleaned up as torch's emitter does (tuple
  /// lowering, constant folding of immutable values, dead code elimination) before callers
  /// inline it. Its operator calls mean what
  /// they meant in `fileVersion` (the archive's, when not given; upgraders use the newest).
  absl::StatusOr<const ir::Graph *> functionGraph(const std::string &key,
                                                  const script::FunctionDef &fn,
                                                  const ir::TypePtr &selfType,
                                                  std::optional<int64_t> fileVersion = {});

  /// torch's `optimized_graph()` of `key` (compiled already): calls inlined (recursively with
  /// optimized graphs), then peephole and constant propagation. Built from the function's own
  /// graph, which it takes out of graphs_.
  absl::StatusOr<const ir::Graph *> optimizedGraph(const std::string &key);
  absl::Status inlineCalls(ir::Block *b);

  ClassTable &classes_;
  ConstantProvider constants_;
  CompileOptions opts_;
  absl::flat_hash_map<std::string, std::unique_ptr<ir::Graph>> graphs_;
  absl::flat_hash_map<std::string, std::unique_ptr<ir::Graph>> optimized_;
  /// What each compiled function was compiled from, to compile it again when its graph and its
  /// optimized graph were both taken (optimizedGraph, then an inlining that moved it).
  struct CompiledFrom {
    const script::FunctionDef *fn = nullptr;
    ir::TypePtr selfType;
    std::optional<int64_t> fileVersion;
  };
  absl::flat_hash_map<std::string, CompiledFrom> compiled_;
  /// Calls of each function left to inline in the current compileFunctionDef.
  absl::flat_hash_map<std::string, int64_t> callSites_;
  absl::flat_hash_set<std::string> inProgress_;
  int64_t moduleCalls_ = 0; // numbers the module calls recordModuleScopes marks
};

} // namespace ts2onnx::frontend
