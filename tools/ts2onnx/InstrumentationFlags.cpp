#include "tools/ts2onnx/InstrumentationFlags.h"

#include <fmt/format.h>

#include "passes/PassRegistry.h"

namespace ts2onnx::tool {

void InstrumentationFlags::addTo(FlagParser &parser, bool timesPhases) {
  parser.addBool("print-after-all", &printAfterAll, "Print the IR to stderr after every pass");
  parser.addList("print-after", &printAfter, "PASS",
                 "Print the IR to stderr after PASS (repeatable, or PASS,PASS)");
  parser.addBool("print-changed", &printChanged,
                 "Print the IR after a pass only if the pass changed it (alone: after any pass)");
  parser.addBool("print-diff", &printDiff,
                 "Print a unified diff of the IR to stderr after each pass that changed it");
  parser.addString("dump-dir", &dumpDir, "DIR",
                   "Write 00-input.txt and NN-<pass>.txt after each pass into DIR");
  parser.addBool("time-passes", &timePasses,
                 timesPhases
                     ? "Print the wall time of each pass to stderr, then of each phase of the "
                       "conversion (reading the archive, compiling, the passes, emitting and "
                       "checking the ONNX model, writing)"
                     : "Print the wall time of each pass to stderr");
  parser.addBool("verify-each", &verifyEach,
                 "Verify the input and the IR after every pass; fail naming the pass");
}

absl::Status InstrumentationFlags::apply(passes::InstrumentationOptions &out) const {
  const passes::PassRegistry &reg = passes::PassRegistry::global();
  for (const std::string &name : printAfter) {
    if (!reg.lookup(name))
      return absl::InvalidArgumentError(fmt::format(
          "--print-after: unknown pass '{}'; known passes: {}", name, reg.knownPassNames()));
    out.printAfter.insert(name);
  }
  out.printAfterAll = printAfterAll;
  out.printChanged = printChanged;
  out.printDiff = printDiff;
  out.dumpDir = dumpDir;
  out.timePasses = timePasses;
  out.verifyEach = verifyEach;
  return absl::OkStatus();
}

} // namespace ts2onnx::tool
