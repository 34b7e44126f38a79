// Runs a pipeline of named passes over a graph. All debugging lives here, never in passes
// (as MLIR's PassInstrumentation): printing the IR after passes, dumping one numbered file per
// pass, timing, and running the verifier between passes. Embedding tools hook in through
// PassInstrumentation or plain before/after callbacks.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ir/Graph.h"
#include "ir/Printer.h"
#include "passes/PassRegistry.h"

namespace ts2onnx::passes {

/// Hooks called around every pass. Before-hooks run in the order instrumentations were added,
/// after-hooks too.
class PassInstrumentation {
public:
  virtual ~PassInstrumentation() = default;
  virtual void runBeforePass(const PassInfo & /*pass*/, const ir::Graph & /*graph*/) {}
  virtual void runAfterPass(const PassInfo & /*pass*/, const ir::Graph & /*graph*/) {}
  /// Called instead of runAfterPass when the pass, or the verifier after it, failed.
  virtual void runAfterPassFailed(const PassInfo & /*pass*/, const ir::Graph & /*graph*/,
                                  const absl::Status & /*error*/) {}
};

/// What the manager does around each pass. Everything is off by default.
struct InstrumentationOptions {
  /// Print the IR after every pass.
  bool printAfterAll = false;
  /// Print the IR after the passes with these names.
  std::set<std::string, std::less<>> printAfter;
  /// Print the IR after a pass only when the pass changed its printed form. Alone, it applies
  /// to every pass; with printAfterAll/printAfter, it filters those.
  bool printChanged = false;
  /// Print a unified diff of the printed IR after every pass that changed it.
  bool printDiff = false;
  /// When not empty: write `00-input.txt` and then `NN-<pass>.txt` after each pass into this
  /// directory (created if missing).
  std::string dumpDir;
  /// Print a table of wall time per pass and in total when the pipeline ends.
  bool timePasses = false;
  /// Run ir::verify on the input and after every pass; a failure names the pass.
  bool verifyEach = false;
  /// How graphs are printed for printAfter* and dumpDir.
  ir::PrintOptions printOptions;
};

/// One row of a timing table: what ran and its wall time.
using TimingRow = std::pair<std::string, std::chrono::steady_clock::duration>;

/// Prints an MLIR-style timing table (`title` in its banner; one row per entry, then the
/// total) to `os`. PassManager prints its pass table with it; `ts2onnx convert` its phases.
void printTimingReport(std::ostream &os, std::string_view title,
                       const std::vector<TimingRow> &rows);

/// Splits `a,b,c` into names (spaces around names are ignored; "" is the empty pipeline).
absl::StatusOr<std::vector<std::string>> splitPipeline(std::string_view pipeline);

class PassManager {
public:
  using Callback = std::function<void(const PassInfo &, const ir::Graph &)>;

  /// Resolves pass names in `registry` (the global one by default).
  explicit PassManager(PassOptions options = {}, const PassRegistry *registry = nullptr);
  ~PassManager();

  /// Appends one pass. Unknown name: NotFound, listing the known passes.
  absl::Status addPass(std::string_view name);
  /// Appends every pass of `a,b,c`.
  absl::Status addPipeline(std::string_view pipeline);
  const std::vector<PassInfo> &pipeline() const { return pipeline_; }

  PassOptions &options() { return options_; }
  InstrumentationOptions &instrumentation() { return instr_; }
  /// Where printAfter*, printChanged and timePasses write (std::cerr by default). Not owned.
  void setOutputStream(std::ostream &os) { out_ = &os; }

  void addInstrumentation(std::unique_ptr<PassInstrumentation> pi);
  /// Shorthand for an instrumentation made of two callbacks (either may be empty).
  void addCallbacks(Callback before, Callback after);

  /// Runs the pipeline in order. Stops at the first failure: a pass error reads
  /// `pass 'cse' failed: ...`, a verifier error `after pass 'cse': verifier: ...`.
  absl::Status run(ir::Graph &graph);

private:
  absl::Status writeDump(size_t index, std::string_view name, const std::string &text);

  PassOptions options_;
  const PassRegistry *registry_;
  std::vector<PassInfo> pipeline_;
  InstrumentationOptions instr_;
  std::ostream *out_;
  std::vector<std::unique_ptr<PassInstrumentation>> instrumentations_;
};

} // namespace ts2onnx::passes
