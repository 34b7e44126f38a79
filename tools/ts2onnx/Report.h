// `ts2onnx convert ... --report FILE.html`: one self-contained HTML page for pass-by-pass
// debugging. The recorder is a pass instrumentation (as --print-diff and --time-passes are
// built-in ones): it keeps each pass's time, node counts and diff, the warnings raised while the
// pass ran, and the graph before the first pass and after the last; writeReport adds the
// written model's signature and initializers and draws the two graphs with Graphviz `dot`.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"
#include "passes/PassManager.h"

namespace ts2onnx::tool {

class ReportRecorder : public passes::PassInstrumentation {
public:
  struct PassRecord {
    std::string name;
    double ms = 0;
    size_t nodesBefore = 0, nodesAfter = 0;
    bool changed = false;
    std::string diff;     // unified diff of the printed IR, capped
    bool diffCut = false; // the diff was longer than the cap
    std::string error;    // the pass failed with this
    std::vector<std::string> warnings;
  };
  struct Warning {
    std::string pass; // the pass that raised it, or "load" / "export"
    std::string message;
  };

  void runBeforePass(const passes::PassInfo &pass, const ir::Graph &graph) override;
  void runAfterPass(const passes::PassInfo &pass, const ir::Graph &graph) override;
  void runAfterPassFailed(const passes::PassInfo &pass, const ir::Graph &graph,
                          const absl::Status &error) override;
  /// Hand every warning here (ConvertOptions::onWarning); it is attributed to the running pass.
  void addWarning(const std::string &message);

  const std::vector<PassRecord> &passes() const { return passes_; }
  const std::vector<Warning> &warnings() const { return warnings_; }
  /// Graphviz source of the graph before the first pass / after the last (empty if none ran).
  const std::string &dotBefore() const { return dotBefore_; }
  const std::string &dotAfter() const { return dotAfter_; }
  size_t nodesBefore() const { return nodesBefore_; }
  size_t nodesAfter() const { return nodesAfter_; }

private:
  void finishPass(const ir::Graph &graph);

  std::vector<PassRecord> passes_;
  std::vector<Warning> warnings_;
  std::string lastText_, dotBefore_, dotAfter_;
  size_t nodesBefore_ = 0, nodesAfter_ = 0;
  bool started_ = false, inPass_ = false;
  std::chrono::steady_clock::time_point passStart_;
};

/// What the page says about the conversion besides the recorder's passes.
struct ReportInfo {
  std::string modelPath, outputPath, commandLine;
  int opset = 0;
  double seconds = 0;
  /// The conversion's phases reached (reading the archive, compiling, ...) and their ms.
  std::vector<std::pair<std::string, double>> phases;
  std::string error; // the conversion failed with this (the page is still written)
};

/// Writes the page to `path`. `model` is the written ONNX model (null when the conversion
/// failed). Graphs are drawn by `dot` (TS2ONNX_DOT overrides the program; `none` disables it).
absl::Status writeReport(const std::string &path, const ReportRecorder &recorder,
                         const ReportInfo &info, const onnx::ModelProto *model);

} // namespace ts2onnx::tool
