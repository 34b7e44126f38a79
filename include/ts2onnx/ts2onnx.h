// ts2onnx's public API: convert a TorchScript archive (`torch.jit.save` output) to an ONNX
// model in one call.
//
//   ts2onnx::ConvertOptions opts;
//   opts.opset = 17;
//   opts.inputs = {{"x", ts2onnx::ScalarType::Float32,
//                   {ts2onnx::Dim::named("batch"), ts2onnx::Dim::known(3)}}};
//   absl::StatusOr<onnx::ModelProto> model = ts2onnx::convert("model.pt", opts);
//   if (model.ok()) status = ts2onnx::writeModel(*model, "model.onnx", "model.pt");
//
// Custom operators and symbolics, user passes and the conversion's separate steps (loadGraph,
// runPipeline, exportGraph) are in <ts2onnx/extend.h>, which exposes the converter's IR.
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
#include "ir/Type.h"
#include "onnx/onnx_pb.h"
#include "passes/PassManager.h"

namespace ts2onnx {

/// The version of this library (`0.1.0`).
const char *version();

/// Element types and dims of the inputs (`ScalarType::Float32`, `Dim::known(3)`,
/// `Dim::named("batch")`).
using ScalarType = ir::ScalarType;
using Dim = ir::Dim;

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
  ScalarType dtype = ScalarType::Float32;
  std::vector<Dim> dims;
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
  /// In this order: "load" 0 of 1 (reading the archive: zip directory, pickles and the code
  /// of the classes they name; `detail` is its path), "compile" 0 then 1 of 1 (compiling
  /// `detail`, the method: inlining, freezing), "load" 1 of 1, "passes" (passes run of the
  /// pipeline's length; `detail` names the pass that just ran), "emit" 0 then 1 of 1 (the ONNX
  /// model built, checked by onnx's checker and shape inference), and with convertToFile
  /// "write" (initializer bytes written of all of them). A failed conversion stops the
  /// sequence where it failed.
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
  /// Fold eval-mode BatchNorm into the preceding convolution (fuse-bn). The CLI turns it off in
  /// reference mode unless `--fuse-batch-norm` is given: fused weights cannot stay in the
  /// archive, and onnxruntime fuses Conv+BatchNormalization itself when it loads the model.
  bool fuseBatchNorm = true;
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
  /// Called around every pass of the pipeline convert and convertToFile run, after the
  /// built-in instruments (`--report` records the passes with it). Not owned; may be null.
  passes::PassInstrumentation *passInstrumentation = nullptr;
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
/// Parses one `--input`: a spec as parseInputSpec does, or a tuple argument
/// `pair:(float32[2],int64[3])`, which gives one spec per member, named `pair.0`, `pair.1` (the
/// flattened names, which are accepted as separate specs too).
absl::StatusOr<std::vector<InputSpec>> parseInputSpecs(const std::string &text);
/// Parses `x:0=batch`.
absl::StatusOr<DynamicAxis> parseDynamicAxis(const std::string &text);
/// Parses `mydomain:2` (`--custom-opset`).
absl::StatusOr<std::pair<std::string, int>> parseCustomOpset(const std::string &text);
/// Parses ONNX / ONNX_ATEN_FALLBACK / ONNX_FALLTHROUGH.
absl::StatusOr<OperatorExportType> parseOperatorExportType(const std::string &text);

/// The `--input` flags the method's arguments need, as a template to fill in (`--input
/// 'x:DTYPE[DIMS]' --input 'n:int64[]'`): names and, where the archive declares them, dtypes
/// and ranks. Empty for a method without arguments.
absl::StatusOr<std::string> inputTemplate(const std::string &path, const ConvertOptions &options);

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
  /// `--external-data-reference`: initializers of at least `externalThreshold` bytes that are
  /// untouched stored records of the input archive are not copied: their external-data entries
  /// point into the archive (which must be in the model's directory or below it). Others go to
  /// the external data file, created only if needed.
  bool externalReference = false;
  /// `--fsync`: flush the files to disk before renaming them into place.
  bool fsync = false;
  /// false: convertToFile returns without freeing the archive's objects, the graph and the
  /// model, which stay allocated (leaked) until the process ends. For a program that exits
  /// right after, as the ts2onnx tool does: freeing a large graph object by object costs about
  /// a tenth of its conversion.
  bool releaseMemory = true;
  /// `--threads`: threads that compute (fused weights) and write the initializers' bytes; 0:
  /// the machine's cores, at most 8. Payloads under 16 MiB in all are written by the calling
  /// thread. Progress and errors still come from the converting thread.
  unsigned threads = 0;
};

/// What convertToFile wrote.
struct ConvertedFile {
  int nodes = 0;        // in the main graph and its subgraphs, as `inspect` counts
  int initializers = 0; // in the main graph
  uint64_t modelBytes = 0;
  uint64_t externalBytes = 0;
  std::string externalPath; // empty: no external data
  int externalTensors = 0;
  int referencedTensors = 0; // left in the archive (reference mode)
  uint64_t referencedBytes = 0;
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
