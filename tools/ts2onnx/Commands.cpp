#include "tools/ts2onnx/Commands.h"

#include <iostream>

#include <fmt/format.h>

#include "tools/ts2onnx/Flags.h"

namespace ts2onnx::tool {

bool &exitsAfterCommand() {
  static bool exits = false;
  return exits;
}

const std::vector<Command> &commands() {
  static const std::vector<Command> kCommands = {
      {"convert", "Convert a TorchScript archive to an ONNX model", runConvert},
      {"dump", "Print an archive's code, graph or constants", runDump},
      {"opt", "Run passes on IR text and print the result", runOpt},
      {"verify", "Run an ONNX model in onnxruntime and compare with recorded outputs", runVerify},
      {"inspect", "Summarize an ONNX model", runInspect},
  };
  return kCommands;
}

namespace {

// One line: newlines inside the message become `; `.
std::string oneLine(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n')
      out += "; ";
    else
      out += c;
  }
  while (out.size() >= 2 && out.compare(out.size() - 2, 2, "; ") == 0)
    out.resize(out.size() - 2);
  return out;
}

} // namespace

std::string errorMessage(const absl::Status &error) {
  std::string message = oneLine(std::string(error.message()));
  // The pass manager's "pass 'NAME' failed: " goes to the end, where it does not hide what
  // went wrong; a location's own "error: " is dropped, since the line starts with one.
  std::string pass;
  if (message.rfind("pass '", 0) == 0)
    if (size_t end = message.find("' failed: "); end != std::string::npos) {
      pass = message.substr(6, end - 6);
      message = message.substr(end + 10);
    }
  if (size_t at = message.find(": error: "); at != std::string::npos)
    message.erase(at + 2, 7);
  if (!pass.empty())
    message += fmt::format(" (in pass '{}')", pass);
  return message;
}

int reportError(std::string_view command, const absl::Status &error, int exitCode) {
  std::cerr << fmt::format("ts2onnx {}: error: {}\n", command, errorMessage(error));
  return exitCode;
}

int reportUsageError(std::string_view command, const absl::Status &error) {
  std::cerr << fmt::format("ts2onnx {}: error: {} (see 'ts2onnx {} --help')\n", command,
                           oneLine(std::string(error.message())), command);
  return kExitUsage;
}

} // namespace ts2onnx::tool
