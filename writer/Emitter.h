// The emitter: the ONNX dialect of the IR (see OnnxBuilder.h) -> onnx::ModelProto, checked with
// onnx's checker and shape inference; and the atomic file writer for the result. This is the
// only place that turns IR into protobuf.
#pragma once

#include <cstdint>
#include <future>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ir/Graph.h"
#include "onnx/onnx_pb.h"

namespace ts2onnx::writer {

struct EmitOptions {
  /// The `ai.onnx` opset the graph was built for; picks ir_version (ONNX 1.12's table).
  int opset = 17;
  /// ONNX names of the graph inputs in order (empty or missing entries: the input's debug name
  /// without its `.N` suffix).
  std::vector<std::string> inputNames;
  /// ONNX names of the graph outputs in order (missing entries: `output_<i>`).
  std::vector<std::string> outputNames;
  /// Opset versions of custom domains used by nodes (torch's custom_opsets); a domain not
  /// listed gets version 1.
  std::map<std::string, int> customOpsets;
  /// Dynamic axes of graph inputs and outputs by ONNX name: axis -> dim_param (torch's
  /// dynamic_axes). Applied over the IR's dims.
  std::map<std::string, std::map<int64_t, std::string>> dynamicAxes;
  std::string graphName = "main_graph";
  std::string producerName = "ts2onnx";
  /// Empty: this build's version.
  std::string producerVersion;
  /// Also list every initializer among the graph inputs (torch's keep_initializers_as_inputs),
  /// so that a runtime may override them.
  bool keepInitializersAsInputs = false;
  /// false (torch's export_params=False): the named tensor constants (parameters and buffers,
  /// which freezing names after their attribute path) become graph inputs without data;
  /// unnamed constants made by the passes stay initializers.
  bool exportParams = true;
  /// Run onnx::checker::check_model and strict shape inference (with type checks). Off only to
  /// look at a model the checker rejects.
  bool check = true;
  /// Fill value_info from onnx's shape inference, then from the IR's own types where ONNX's
  /// inference knows nothing.
  bool valueInfo = true;
  /// Initializers of at least this many bytes are emitted without their data (name, dtype and
  /// dims only); emitModelDeferred returns their tensors for the streaming writer
  /// (ModelWriter.h). emitModel ignores it.
  size_t deferFrom = SIZE_MAX;
  /// Rebuild the module calls the frontend recorded (node scopes) as ONNX local functions
  /// (ModuleFunctions.h); needs opset 15 or later.
  bool exportModulesAsFunctions = false;
};

/// An initializer whose bytes stay in the IR tensor (a view of the archive, or a folded
/// constant) until the writer copies them into the file.
struct DeferredTensor {
  int index = 0; // into model.graph().initializer()
  ir::Tensor tensor;
};

/// A ModelProto whose large initializers have no data yet, and the tensors that hold it.
struct EmittedModel {
  onnx::ModelProto model;
  std::vector<DeferredTensor> deferred;
};

/// The ir_version ONNX 1.12 pairs with `opset` (9 -> 4, 10 -> 5, 11 -> 6, 12..14 -> 7,
/// 15.. -> 8).
int irVersionForOpset(int opset);

/// Builds the ModelProto of an ONNX-dialect graph: named and typed inputs/outputs (symbolic dims
/// as dim_param), tensor constants as initializers (raw little-endian data, one initializer per
/// distinct storage view), nodes with their domains, opset imports, value_info. A graph output
/// that is a graph input, an initializer, or a repeat of another output goes through an Identity
/// (ONNX names each output once, after the node that produces it). Errors name the offending node.
absl::StatusOr<onnx::ModelProto> emitModel(const ir::Graph &graph, const EmitOptions &options);

/// emitModel, but initializers of options.deferFrom bytes or more carry no data: the model is
/// checked without them (see checkDeferredModel) and stays small whatever the weights weigh.
absl::StatusOr<EmittedModel> emitModelDeferred(const ir::Graph &graph, const EmitOptions &options);

/// checkModel on a model whose `deferred` initializers have no data: they are marked as external
/// (at /dev/null with onnx 1.12, at `#ts2onnx-deferred` with newer onnx) for the checker and
/// unmarked afterwards.
absl::Status checkDeferredModel(onnx::ModelProto &model,
                                const std::vector<DeferredTensor> &deferred);

/// Runs onnx::checker::check_model, then strict shape inference with type checks (what onnx's
/// check_model(full_check=True) does) and keeps the inferred value_info in `model`.
absl::Status checkModel(onnx::ModelProto &model);

/// Builds onnx's operator schema registry (what the checker and shape inference read; tens of
/// milliseconds, a fixed cost of every conversion) on another thread, so that it overlaps
/// reading the archive and running the passes. The future is ready once it is built; its
/// destructor waits for it. Using the registry before then is safe (it waits too).
std::future<void> prepareSchemasAsync();

/// Writes `model` to `path` through a temporary file in the same directory
/// (`path.tmp.XXXXXX`) and a rename, so `path` is either the old file or the whole new one.
/// Refuses to write over `protectedPath` (the input archive), and models whose serialized size
/// exceeds protobuf's 2 GB limit.
absl::Status writeModelAtomically(const onnx::ModelProto &model, const std::string &path,
                                  const std::string &protectedPath = {});

/// A readable listing of a model for --verbose: opsets, inputs, outputs, initializers (names,
/// types and shapes only), and the nodes in onnx's text syntax.
std::string formatModel(const onnx::ModelProto &model);

} // namespace ts2onnx::writer
