// ts2onnx's extension API: custom operators and symbolics, user passes, and the conversion's
// steps one by one. Include it next to <ts2onnx/ts2onnx.h> when a program extends the
// conversion or stops in between its steps.
//
// Unlike <ts2onnx/ts2onnx.h>, whose types are plain values, this header exposes the IR the
// converter works on (ir::Graph, ir::Node, ir::Value, the SymbolicContext and OnnxBuilder a
// symbolic writes with): those come from headers installed under include/ts2onnx/internal/ and
// change with the converter, as MLIR's C++ API does, so a program using them builds against the
// version it was written for.
//
// The steps (every one of them is what `convert` does):
//   loadGraph   archive -> the inlined, frozen graph of the method, input types from the specs
//   runPipeline the standard passes, symbolics included (with instrumentation)
//   exportGraph the ONNX-dialect graph -> checked onnx::ModelProto
//
// Extending the conversion (register before converting; registrations are process-wide):
//   registerOperatorSchema  lets the frontend compile calls to a custom operator
//                           (`torch.ops.mydomain.op(...)`, defined with torch.library)
//   registerSymbolic        a handler turning `mydomain::op` into ONNX nodes, or one that
//                           overrides the builtin handler of `aten::x` for an opset range
//   ConvertOptions::customOpsets  the version of a custom domain in the model's opset_import
//   passRegistry() + ConvertOptions::extraPasses  user passes in the pipeline
//
//   ts2onnx::registerOperatorSchema("mydomain::scaled_tanh(Tensor x, float alpha) -> Tensor");
//   ts2onnx::registerSymbolic("mydomain::scaled_tanh", [](ts2onnx::SymbolicContext &ctx)
//       -> absl::StatusOr<std::vector<ts2onnx::ir::Value *>> {
//     std::optional<double> alpha = ctx.constFloat(1);
//     if (!alpha)
//       return ctx.error("alpha must be a constant");
//     ts2onnx::ir::Node *n = ctx.b.customNode("mydomain", "AlphaTanh", {ctx.input(0)},
//                                             {ts2onnx::OnnxAttr::f("alpha", *alpha)});
//     return std::vector<ts2onnx::ir::Value *>{n->output()};
//   });
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ir/Graph.h"
#include "passes/PassManager.h"
#include "passes/PassRegistry.h"
#include "symbolics/OnnxBuilder.h"
#include "symbolics/SymbolicRegistry.h"
#include "ts2onnx/ts2onnx.h"

namespace ts2onnx {

/// The registry holding every pass the conversion uses, the symbolics' `to-onnx` included.
/// Embedders add their own passes here (PassRegistry::registerPass) to use them by name.
passes::PassRegistry &passRegistry();

// ---- Custom operators, symbolics and passes ----

/// What a symbolic sees: `ctx.node()` (the aten/custom node being converted, its source location
/// for errors), `ctx.input(i)`, the compile-time values of constant arguments
/// (`ctx.constFloat(i)`, `constInt`, `constInts`, `isNone`, ...), `ctx.error(msg)` (an error
/// naming the op and its source location) and the builder `ctx.b`, which inserts ONNX nodes
/// before the node: `ctx.b.op("Tanh", {x})` for the default domain, `ctx.b.customNode("mydomain",
/// "Op", inputs, attrs)` for any other, plus constants (`ctx.b.floatScalar(0.5)`) and the opset
/// idioms (`unsqueeze`, `slice`, `cast`, ...). See symbolics/SymbolicRegistry.h and
/// symbolics/OnnxBuilder.h.
using SymbolicContext = symbolics::SymbolicContext;
/// A symbolic returns one value per output of the node (nullptr for an output nobody uses).
using SymbolicFn = symbolics::SymbolicFn;
using OnnxBuilder = symbolics::OnnxBuilder;
using OnnxAttr = symbolics::OnnxAttr;

/// The ai.onnx opsets this build can target.
constexpr int kMinOpset = symbolics::kMinOpset;
constexpr int kMaxOpset = symbolics::kMaxOpset;

/// Adds an operator schema in torch's text form (`mydomain::scaled_tanh(Tensor x, float alpha)
/// -> Tensor`, as given to torch.library's `define`, with the namespace in front) so archives
/// calling `ops.mydomain.scaled_tanh(...)` compile. Registering the same schema again is a
/// no-op; a different schema for an existing overload is an error.
absl::Status registerOperatorSchema(const std::string &schema);

/// Registers `fn` as the symbolic of `op` (`mydomain::scaled_tanh`, `aten::relu`) for target
/// opsets fromOpset..toOpset. It takes precedence over the builtin handler there (an `aten::`
/// op is overridden only in that range); where registered ranges overlap, the later one wins.
absl::Status registerSymbolic(const std::string &op, SymbolicFn fn, int fromOpset = kMinOpset,
                              int toOpset = kMaxOpset);
/// Removes every symbolic registered for `op` with registerSymbolic (builtins stay); returns how
/// many there were.
size_t unregisterSymbolic(const std::string &op);

/// The archive's method as an inlined graph with the arguments typed from `options.inputs`
/// (and `options.dynamicAxes`), frozen (module attributes become constants) with the `self`
/// input removed. Errors start with the archive path.
absl::StatusOr<std::unique_ptr<ir::Graph>> loadGraph(const std::string &path,
                                                     const ConvertOptions &options);

/// The names of the standard pipeline for `options`, in order, `options.extraPasses` included
/// (passes that this build has not registered are included; runPipeline skips them, except
/// extra passes, which must exist).
std::vector<std::string> standardPipeline(const ConvertOptions &options);

/// Runs the standard pipeline on a loaded graph, leaving an ONNX-dialect graph. Passes missing
/// from the registry are skipped (logged with `verbose`). `instrumentation` (not owned, may be
/// null) is called around every pass, after the built-in instruments of
/// `options.instrumentation`.
absl::Status runPipeline(ir::Graph &graph, const ConvertOptions &options,
                         passes::PassInstrumentation *instrumentation = nullptr);

/// The ModelProto of an ONNX-dialect graph, checked by onnx's checker and shape inference.
absl::StatusOr<onnx::ModelProto> exportGraph(const ir::Graph &graph, const ConvertOptions &options);

} // namespace ts2onnx
