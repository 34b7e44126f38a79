// The lit runner: one test file, several cases, RUN lines, FileCheck directives.
//
// Given: a test file (docs/testing.md): `# RUN: <command> [| FileCheck [--check-prefix=P]]` lines
//   (a trailing `\` continues a RUN line) and cases separated by `# -----` lines. RUN lines
//   before the first `# -----` apply to every case that has none of its own.
// Does: writes each case to its own file, with every other line (and every `#` comment) blanked
//   so parser errors keep the test file's line numbers, runs every RUN line on it through
//   `bash -o pipefail` with `%s` (the case file), `%S` (the test's directory), `%t` (a scratch
//   path), `%%` and the tools (`ts2onnx` as a word or `%ts2onnx`) substituted, and matches the
//   command's stdout against the case's directives of the RUN's prefixes (default CHECK).
//   `not <command>` expects a non-zero exit. With `update`, the `PREFIX-FULL:` lines of a case
//   are rewritten with the output instead (UPDATE_GOLDENS=1).
// Result: OK, or one error listing every failing case with its line, the RUN line, the
//   directive that failed and the output. A file without RUN lines or without cases, and a
//   case without directives for a RUN, are errors.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"

namespace ts2onnx::lit {

struct LitConfig {
  /// Tool name -> executable, substituted for `name` as a command word and for `%name`.
  std::map<std::string, std::string> tools;
  /// Where case files and `%t` scratch paths go (created if missing).
  std::string workDir;
  /// Rewrite `PREFIX-FULL:` expectations with the actual output (UPDATE_GOLDENS=1).
  bool update = false;
};

/// Runs every case of the test file `path`; `casesRun` (if not null) receives how many cases ran.
absl::Status runLitFile(const std::string &path, const LitConfig &config, int *casesRun = nullptr);

} // namespace ts2onnx::lit
