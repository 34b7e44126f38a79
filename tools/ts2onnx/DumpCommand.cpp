// `ts2onnx dump MODEL`: what the frontend reads from an archive: its code, the inlined graph of a
// method in torch's text format, and the constant table.
#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "frontend/Archive.h"
#include "ir/Dot.h"
#include "ir/Printer.h"
#include "tools/ts2onnx/Commands.h"
#include "tools/ts2onnx/Flags.h"
#include "ts2onnx/ts2onnx.h"

namespace ts2onnx::tool {

namespace {

std::string describeTensor(const frontend::TensorValue &t) {
  std::string shape;
  for (size_t i = 0; i < t.tensor.sizes().size(); ++i)
    shape += fmt::format("{}{}", i ? ", " : "", t.tensor.sizes()[i]);
  return fmt::format("{}[{}]{}", ir::scalarTypeShortName(t.tensor.dtype()), shape,
                     t.quant ? " quantized" : "");
}

} // namespace

int runDump(const std::vector<std::string> &args) {
  std::string file, method;
  bool code = false, graph = false, constants = false, info = false, dot = false, signature = false;
  FlagParser parser("ts2onnx dump MODEL [options]",
                    "Prints what ts2onnx reads from a TorchScript archive. Without options it\n"
                    "prints a summary and the inlined graph of the method.");
  parser.addPositional("MODEL", &file, "TorchScript archive (.pt, .ptl, legacy model.json zip)");
  parser.addBool("code", &code, "Print every code/ source file of the archive");
  parser.addBool("graph", &graph, "Print the method's inlined graph in torch's text format");
  parser.addBool("constants", &constants, "Print the constant table (CONSTANTS.cN)");
  parser.addBool("info", &info, "Print the format, version and methods of the archive");
  parser.addBool("dot", &dot,
                 "Print the method's inlined graph as Graphviz dot (blocks as clusters)");
  parser.addBool("signature", &signature,
                 "Print the --input flags `ts2onnx convert` needs for the method's arguments");
  parser.addString("method", &method, "NAME", "The method to compile (default: forward)");
  if (absl::Status s = parser.parse(args); !s.ok())
    return reportUsageError("dump", s);
  if (parser.helpRequested()) {
    std::cout << parser.helpText();
    return kExitOk;
  }
  const bool methodGiven = !method.empty();
  if (!methodGiven)
    method = "forward";
  if (signature) {
    ConvertOptions options;
    options.method = method;
    absl::StatusOr<std::string> flags = inputTemplate(file, options);
    if (!flags.ok())
      return reportError("dump", flags.status());
    std::cout << *flags << "\n";
    if (!code && !graph && !constants && !info && !dot)
      return kExitOk;
  }
  bool defaultView = !code && !graph && !constants && !info && !dot;
  if (defaultView)
    info = graph = true;

  auto archive = frontend::Archive::open(file);
  if (!archive.ok())
    return reportError("dump", archive.status());
  frontend::Archive &a = **archive;
  if (info) {
    std::cout << fmt::format("archive: {}\nformat: {}\nversion: {}\nroot class: {}\n", file,
                             a.format() == frontend::Archive::Format::Legacy ? "legacy model.json"
                             : a.hasBytecode() ? "zip (lite interpreter)"
                                               : "zip",
                             a.version(), a.rootClass());
    std::string methods;
    for (const std::string &m : a.methodNames())
      methods += (methods.empty() ? "" : ", ") + m;
    std::cout << "methods: " << (methods.empty() ? "(none)" : methods) << "\n";
    std::cout << "constants: " << a.constants().size() << "\n";
  }
  if (code) {
    for (const std::string &record : a.codeRecords()) {
      auto text = a.zip().readString(record);
      if (!text.ok())
        return reportError("dump", text.status());
      std::cout << "# " << record << "\n" << *text;
      if (!text->empty() && text->back() != '\n')
        std::cout << "\n";
    }
  }
  if (constants) {
    for (size_t i = 0; i < a.constants().size(); ++i) {
      const frontend::IValue &v = a.constants()[i];
      std::cout << "c" << i << ": " << (v.isTensor() ? describeTensor(v.toTensor()) : v.repr(4))
                << "\n";
    }
  }
  if (graph || dot) {
    // Without options, an archive with no forward (only other methods, or none) still shows its
    // summary; the graph of another method is one --method away.
    std::vector<std::string> names = a.methodNames();
    if (defaultView && !methodGiven &&
        std::find(names.begin(), names.end(), method) == names.end() &&
        std::find(names.begin(), names.end(), method + "__0") == names.end()) {
      std::cout << (names.empty() ? "no methods: nothing to compile\n"
                                  : "no forward method: `--method NAME` prints the graph of one "
                                    "of the methods above\n");
      return kExitOk;
    }
    auto g = a.compileMethod(method);
    if (!g.ok())
      return reportError("dump", g.status());
    std::cout << (dot ? ir::printDot(**g, method) : ir::printGraph(**g));
  }
  return kExitOk;
}

} // namespace ts2onnx::tool
