// The subcommands of the ts2onnx tool. main.cpp only dispatches; each command parses its own
// flags and returns the process exit code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace ts2onnx::tool {

enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1, // the input or the conversion failed
  kExitUsage = 2, // bad command line
};

struct Command {
  const char *name;
  const char *summary;
  int (*run)(const std::vector<std::string> &args);
};

/// Every subcommand, in the order the top-level help lists them.
const std::vector<Command> &commands();

/// True when the process ends right after the command (main.cpp sets it): commands may then
/// leave their large objects allocated instead of freeing them one by one
/// (OutputOptions::releaseMemory). False by default, and in sanitized builds, whose leak check
/// would report them.
bool &exitsAfterCommand();

int runConvert(const std::vector<std::string> &args);
int runDump(const std::vector<std::string> &args);
int runOpt(const std::vector<std::string> &args);
int runVerify(const std::vector<std::string> &args);
int runInspect(const std::vector<std::string> &args);

/// The one line reportError prints after `ts2onnx <command>: error: `.
std::string errorMessage(const absl::Status &error);
/// Prints `error` as one line on stderr (`ts2onnx <command>: error: ...`, or as is when the
/// message already reads `file:line:col: error: ...`) and returns `exitCode`.
int reportError(std::string_view command, const absl::Status &error, int exitCode = kExitError);
/// Prints a usage error and a hint to run `--help`; returns kExitUsage.
int reportUsageError(std::string_view command, const absl::Status &error);

} // namespace ts2onnx::tool
