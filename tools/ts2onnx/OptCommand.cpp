// `ts2onnx opt`: reads IR text, runs passes with the pass manager's debugging options, prints
// IR text (mlir-opt style), so every pass can be tested without an archive.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "absl/status/statusor.h"
#include "frontend/Archive.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "passes/PassManager.h"
#include "passes/PassRegistry.h"
#include "tools/ts2onnx/Commands.h"
#include "tools/ts2onnx/Flags.h"
#include "tools/ts2onnx/InstrumentationFlags.h"
#include "ts2onnx/extend.h"
#include "ts2onnx/ts2onnx.h"

namespace ts2onnx::tool {

namespace {

struct OptFlags {
  std::string file;
  std::string passes;
  std::string output;
  std::vector<std::string> passOptions;
  std::string opset;
  InstrumentationFlags instrumentation;
  bool listPasses = false;
  bool checkOnnx = false;
  std::string method;
};

/// True when `file` starts like a zip archive (a TorchScript .pt file).
bool isZipFile(const std::string &file) {
  if (file == "-")
    return false;
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' &&
         ((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6));
}

std::string passList() {
  std::string out = "Passes:\n";
  for (const passes::PassInfo *p : passes::PassRegistry::global().passes())
    out += fmt::format("  {:<24}{}\n", p->name, p->description);
  return out;
}

absl::StatusOr<std::string> readInput(const std::string &file) {
  if (file == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return absl::NotFoundError(fmt::format("cannot open '{}': {}", file, std::strerror(errno)));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad())
    return absl::DataLossError(fmt::format("cannot read '{}'", file));
  return text;
}

absl::Status writeOutput(const std::string &file, const std::string &text) {
  if (file.empty() || file == "-") {
    std::cout << text;
    std::cout.flush();
    return std::cout ? absl::OkStatus() : absl::DataLossError("cannot write to stdout");
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out)
    return absl::PermissionDeniedError(
        fmt::format("cannot open '{}' for writing: {}", file, std::strerror(errno)));
  out << text;
  out.close();
  if (!out)
    return absl::DataLossError(fmt::format("cannot write '{}'", file));
  return absl::OkStatus();
}

} // namespace

int runOpt(const std::vector<std::string> &args) {
  passRegistry(); // every pass by name, the symbolics' to-onnx included
  OptFlags f;
  FlagParser parser("ts2onnx opt FILE [options]",
                    "Reads graph IR in torch's text format from FILE (or stdin for '-'), or the\n"
                    "inlined method of a TorchScript archive, runs the passes in order, and\n"
                    "prints the resulting IR to stdout.");
  parser.addPositional("FILE", &f.file,
                       "IR text file, - for stdin, or a TorchScript archive (its inlined method)");
  parser.addString("method", &f.method, "NAME",
                   "With an archive: the method to compile (default: forward)");
  parser.addString("passes", &f.passes, "LIST", "Comma-separated passes to run, in order");
  parser.addString("output", &f.output, "FILE", "Write the IR to FILE instead of stdout", 'o');
  f.instrumentation.addTo(parser);
  parser.addString("opset", &f.opset, "N", "Target ONNX opset passes may read (default 17)");
  parser.addList("pass-option", &f.passOptions, "KEY=VALUE",
                 "Extra option for passes (repeatable)");
  parser.addBool("list-passes", &f.listPasses, "List the available passes and exit");
  parser.addBool(
      "check-onnx", &f.checkOnnx,
      "After the passes, emit the ONNX model at --opset and run ONNX's checker and strict\n"
      "shape inference on it (as convert does); fail with their message");
  parser.setEpilogue(passList());

  for (const std::string &a : args)
    if (a == "--list-passes")
      parser.setPositionalsOptional();
  if (absl::Status s = parser.parse(args); !s.ok())
    return reportUsageError("opt", s);
  if (parser.helpRequested()) {
    std::cout << parser.helpText();
    return kExitOk;
  }
  if (f.listPasses) {
    std::cout << passList();
    return kExitOk;
  }

  passes::PassOptions options;
  if (!f.opset.empty()) {
    char *end = nullptr;
    long v = std::strtol(f.opset.c_str(), &end, 10);
    if (*end != '\0' || v <= 0 || v > 1000)
      return reportUsageError(
          "opt", absl::InvalidArgumentError(fmt::format("invalid --opset '{}'", f.opset)));
    options.targetOpset = static_cast<int>(v);
  }
  for (const std::string &kv : f.passOptions) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return reportUsageError("opt", absl::InvalidArgumentError(
                                         fmt::format("--pass-option '{}' is not KEY=VALUE", kv)));
    options.extra[kv.substr(0, eq)] = kv.substr(eq + 1);
  }

  // Instrumentation reports on passes: without any it would print nothing but the input.
  const InstrumentationFlags &in = f.instrumentation;
  if (f.passes.empty() && (in.printAfterAll || !in.printAfter.empty() || in.printChanged ||
                           in.printDiff || in.timePasses || in.verifyEach || !in.dumpDir.empty()))
    return reportUsageError(
        "opt", absl::InvalidArgumentError(
                   "no passes to instrument: give --passes=a,b (`ts2onnx opt --list-passes` "
                   "lists them; `ts2onnx convert ... --print-after-all` instruments the "
                   "standard pipeline)"));

  options.onWarning = [](const std::string &m) { std::cerr << m << "\n"; };
  passes::PassManager pm(std::move(options));
  if (absl::Status s = pm.addPipeline(f.passes); !s.ok())
    return reportUsageError("opt", s);
  if (absl::Status s = f.instrumentation.apply(pm.instrumentation()); !s.ok())
    return reportUsageError("opt", s);

  absl::StatusOr<std::unique_ptr<ir::Graph>> graph;
  if (isZipFile(f.file)) {
    // A TorchScript archive: start from the inlined graph of the method.
    auto archive = frontend::Archive::open(f.file);
    if (!archive.ok())
      return reportError("opt", archive.status());
    graph = (*archive)->compileMethod(f.method.empty() ? "forward" : f.method);
  } else {
    absl::StatusOr<std::string> text = readInput(f.file);
    if (!text.ok())
      return reportError("opt", text.status());
    graph = ir::parseGraph(*text, f.file == "-" ? "<stdin>" : f.file);
  }
  if (!graph.ok())
    return reportError("opt", graph.status());
  if (absl::Status s = pm.run(**graph); !s.ok())
    return reportError("opt", s);
  if (f.checkOnnx) {
    // The emitter that convert uses, so a lit test of a symbolic sees what convert would.
    ConvertOptions co;
    co.opset = pm.options().targetOpset;
    if (auto model = exportGraph(**graph, co); !model.ok())
      return reportError("opt", model.status());
  }
  if (absl::Status s = writeOutput(f.output, ir::printGraph(**graph)); !s.ok())
    return reportError("opt", s);
  return kExitOk;
}

} // namespace ts2onnx::tool
