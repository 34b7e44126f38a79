// The pass-manager debugging flags that `opt` and `convert` share: one definition of their
// names, help and meaning.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "passes/PassManager.h"
#include "tools/ts2onnx/Flags.h"

namespace ts2onnx::tool {

struct InstrumentationFlags {
  bool printAfterAll = false, printChanged = false, printDiff = false, timePasses = false,
       verifyEach = false;
  std::vector<std::string> printAfter;
  std::string dumpDir;

  /// Registers --print-after-all, --print-after, --print-changed, --print-diff, --dump-dir,
  /// --time-passes and --verify-each. `timesPhases`: the command also prints the conversion's
  /// phases with --time-passes (convert), which its help then says.
  void addTo(FlagParser &parser, bool timesPhases = false);
  /// Copies the flags into `out`; an unknown pass name in --print-after is a usage error that
  /// lists the known passes.
  absl::Status apply(passes::InstrumentationOptions &out) const;
};

} // namespace ts2onnx::tool
