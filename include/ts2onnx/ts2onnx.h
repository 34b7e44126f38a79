// ts2onnx's public API: convert a TorchScript archive (`torch.jit.save` output) to an ONNX
// model, in one call or step by step.
//
//   ts2onnx::ConvertOptions opts;
//   opts.opset = 17;
//   opts.inputs = {{"x", ts2onnx::ir::ScalarType::Float32,
//                   {ts2onnx::ir::Dim::named("batch"), ts2onnx::ir::Dim::known(3)}}};
//   absl::StatusOr<onnx::ModelProto> model = ts2onnx::convert("model.pt", opts);
//   if (model.ok()) status = ts2onnx::writeModel(*model, "model.onnx", "model.pt");
//
// The steps, for tools that want to stop in between (every one of them is what `convert` does):
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

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ir/Graph.h"
#include "onnx/onnx_pb.h"
#include "passes/PassManager.h"
#include "symbolics/OnnxBuilder.h"
#include "symbolics/SymbolicRegistry.h"

namespace ts2onnx {

/// The version of this library (`0.1.0`).
const char *version();

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

/// A user pass in the standard pipeline: `name` must be registered in passRegistry(). It runs
/// right after the last run of the standard pass `after` (e.g. `to-onnx` to see the ONNX
/// graph before cleanup, `propagate-shapes` for a typed aten graph), or at the end when `after`
/// is empty.
struct ExtraPass {
  std::string name;
  std::string after;
};

/// One argument of the converted method, in the method's argument order (`--input
/// NAME:DTYPE[d0,d1,...]`). A named dim is a dynamic axis with that symbol; an empty dims list
/// is a scalar (a 0-d tensor, as an `int` argument is given).
struct InputSpec {
  std::string name;
  ir::ScalarType dtype = ir::ScalarType::Float32;
  std::vector<ir::Dim> dims;
};

/// `--dynamic-axis NAME:AXIS=SYMBOL`: axis AXIS of the input or output NAME is dynamic, named
/// SYMBOL (torch's dynamic_axes); an empty SYMBOL (`NAME:AXIS`, torch's list form) is
/// generated as `NAME_dynamic_axes_k`. NAME must be an input or output of the model.
struct DynamicAxis {
  std::string name;
  int64_t axis = 0;
  std::string symbol;
};

/// torch.onnx's OperatorExportTypes.
enum class OperatorExportType {
  Onnx,             // every op needs a symbolic
  OnnxAtenFallback, // an op without symbolic becomes an ATen node (domain org.pytorch.aten)
  OnnxFallthrough,  // an op without symbolic stays as is, in its own domain
};

/// Where a long conversion is, for a progress display (`ts2onnx convert` shows one on a terminal
/// for archives over 100 MB).
struct Progress {
  /// "load" (reading and compiling the archive, 0 or 1 of 1), "passes" (passes run of the
  /// pipeline's length; `detail` names the pass that just ran) or "write" (initializer bytes
  /// written of all of them, by convertToFile).
  std::string step;
  uint64_t done = 0;
  uint64_t total = 0;
  std::string detail;
};

/// Every flag of `ts2onnx convert`, with torch.onnx.export's defaults.
struct ConvertOptions {
  /// `--opset`: the ai.onnx opset to target (opset_version).
  int opset = 17;
  /// `--input`: the method's arguments (input_names + the example inputs' dtypes and shapes).
  std::vector<InputSpec> inputs;
  /// `--output-name`: ONNX names of the outputs in order (default output_0, output_1, ...).
  std::vector<std::string> outputNames;
  /// `--dynamic-axis`.
  std::vector<DynamicAxis> dynamicAxes;
  /// `--no-constant-folding` clears it (do_constant_folding): passes see `constant-folding=0`
  /// in their options and fold only shape queries and scalars, not tensor values.
  bool constantFolding = true;
  /// `--no-export-params` clears it: parameters become graph inputs (export_params).
  bool exportParams = true;
  /// `--keep-initializers-as-inputs`.
  bool keepInitializersAsInputs = false;
  /// `--training`: export in training mode (no eval-mode peepholes, no BatchNorm fusion).
  bool training = false;
  /// `--operator-export-type`.
  OperatorExportType operatorExportType = OperatorExportType::Onnx;
  /// `--method`: the method of the root module to convert.
  std::string method = "forward";
  /// `--custom-opset DOMAIN:VERSION`: versions of custom opset domains (torch's custom_opsets)
  /// in the model's opset_import. A domain listed here is imported even if no node uses it; a
  /// domain a node uses but not listed here is imported at version 1.
  std::map<std::string, int> customOpsets;
  /// `--export-modules-as-functions` (export_modules_as_functions=True, opset 15 and later):
  /// every call of a submodule's forward becomes a call of an ONNX local function, one function
  /// per module class and body (instances whose bodies differ get `Class_1`, ...), in a domain
  /// named after the class's Python module. Calls whose nodes the passes interleaved with other
  /// nodes, or that hold control flow, stay inline.
  bool exportModulesAsFunctions = false;
  /// Check the CRC-32 of every archive record the conversion reads, weights included
  /// (`--no-crc-check` turns it off for raw speed).
  bool verifyChecksums = true;
  /// User passes inserted into the standard pipeline (standardPipeline lists them).
  std::vector<ExtraPass> extraPasses;
  /// `--verbose`: log skipped passes and print the final ONNX graph to `log`.
  bool verbose = false;
  /// Pass-manager debugging: `--print-after-all`, `--print-after`, `--print-changed`,
  /// `--print-diff`, `--dump-dir`, `--time-passes`, `--verify-each`.
  passes::InstrumentationOptions instrumentation;
  /// Extra `key=value` settings for passes (`--pass-option`).
  std::map<std::string, std::string> passOptions;
  /// Where verbose output and the instrumentation write (std::cerr when null). Not owned.
  std::ostream *log = nullptr;
  /// Called as the conversion advances (loadGraph, runPipeline, convertToFile's writing), on the
  /// converting thread; nothing is printed by the library itself.
  std::function<void(const Progress &)> progress;
  /// Receives each warning (one line, with the source location: a size a traced archive froze
  /// into a constant, ...). When null, warnings are written to `log` as they come.
  std::function<void(const std::string &)> onWarning;
};

/// Parses `x:float32[batch,3,224,224]` (`x:int64[]` is a scalar). Dtypes: float32, float16,
/// float64, int64, int32, int8, uint8, bool.
absl::StatusOr<InputSpec> parseInputSpec(const std::string &text);
/// Parses `x:0=batch`.
absl::StatusOr<DynamicAxis> parseDynamicAxis(const std::string &text);
/// Parses `mydomain:2` (`--custom-opset`).
absl::StatusOr<std::pair<std::string, int>> parseCustomOpset(const std::string &text);
/// Parses ONNX / ONNX_ATEN_FALLBACK / ONNX_FALLTHROUGH.
absl::StatusOr<OperatorExportType> parseOperatorExportType(const std::string &text);

/// The archive's method as an inlined graph with the arguments typed from `options.inputs`
/// (and `options.dynamicAxes`), frozen (module attributes become constants) with the `self`
/// input removed. Errors start with the archive path.
absl::StatusOr<std::unique_ptr<ir::Graph>> loadGraph(const std::string &path,
                                                     const ConvertOptions &options);

/// The `--input` flags the method's arguments need, as a template to fill in (`--input
/// 'x:DTYPE[DIMS]' --input 'n:int64[]'`): names and, where the archive declares them, dtypes
/// and ranks. Empty for a method without arguments.
absl::StatusOr<std::string> inputTemplate(const std::string &path, const ConvertOptions &options);

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

/// loadGraph + runPipeline + exportGraph.
absl::StatusOr<onnx::ModelProto> convert(const std::string &path, const ConvertOptions &options);

/// How convertToFile writes the model.
struct OutputOptions {
  /// `--external-data[=LOCATION]`: initializers of at least `externalThreshold` bytes go to one
  /// external data file, as ONNX defines it. Done automatically (whatever this says) when the
  /// model would exceed protobuf's 2 GB limit.
  bool externalData = false;
  /// The external data file, relative to the model's directory (default: `<model file>.data`).
  std::string externalLocation;
  /// `--external-data-threshold`: bytes; below 1024 acts as 1024.
  size_t externalThreshold = 1024;
  /// `--fsync`: flush the files to disk before renaming them into place.
  bool fsync = false;
};

/// What convertToFile wrote.
struct ConvertedFile {
  int nodes = 0;        // in the main graph and its subgraphs, as `inspect` counts
  int initializers = 0; // in the main graph
  uint64_t modelBytes = 0;
  uint64_t externalBytes = 0;
  std::string externalPath; // empty: no external data
  int externalTensors = 0;
  bool externalAutomatic = false; // external data because the model exceeds 2 GB
};

/// loadGraph + runPipeline + export straight into the file `outPath`: the model is checked
/// without its weights and written piece by piece, the weights copied from the archive (or from
/// folded constants) into the file, so memory holds the graph and never a whole ModelProto.
/// The same bytes as `writeModel(convert(...))` up to field order within no message. Atomic:
/// on error neither `outPath` nor the external data file is left behind. Refuses to overwrite
/// `path`.
absl::StatusOr<ConvertedFile> convertToFile(const std::string &path, const std::string &outPath,
                                            const ConvertOptions &options,
                                            const OutputOptions &output = {});

/// Writes `model` to `path` atomically (temporary file + rename); refuses to overwrite
/// `inputPath`.
absl::Status writeModel(const onnx::ModelProto &model, const std::string &path,
                        const std::string &inputPath = {});

/// A readable listing of a model (what `--verbose` prints).
std::string formatModel(const onnx::ModelProto &model);

} // namespace ts2onnx
