// `ts2onnx-lit FILE --work-dir DIR --tool NAME=PATH...`: runs one lit test file (tests/lit/Lit.h)
// and exits 0 when every case passes. UPDATE_GOLDENS=1 rewrites `PREFIX-FULL:` expectations.
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "tests/lit/Lit.h"

int main(int argc, char **argv) {
  ts2onnx::lit::LitConfig config;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--work-dir" && i + 1 < argc) {
      config.workDir = argv[++i];
    } else if (a == "--tool" && i + 1 < argc) {
      std::string t = argv[++i];
      size_t eq = t.find('=');
      if (eq == std::string::npos || eq == 0) {
        fmt::print(stderr, "ts2onnx-lit: --tool wants NAME=PATH, got '{}'\n", t);
        return 2;
      }
      config.tools[t.substr(0, eq)] = t.substr(eq + 1);
    } else if (file.empty() && !a.empty() && a[0] != '-') {
      file = a;
    } else {
      fmt::print(stderr, "usage: ts2onnx-lit FILE --work-dir DIR [--tool NAME=PATH]...\n");
      return 2;
    }
  }
  if (file.empty() || config.workDir.empty()) {
    fmt::print(stderr, "usage: ts2onnx-lit FILE --work-dir DIR [--tool NAME=PATH]...\n");
    return 2;
  }
  const char *update = std::getenv("UPDATE_GOLDENS");
  config.update = update && std::strcmp(update, "1") == 0;
  int cases = 0;
  absl::Status s = ts2onnx::lit::runLitFile(file, config, &cases);
  if (!s.ok()) {
    fmt::print("{}\n", std::string(s.message()));
    return 1;
  }
  fmt::print("{}: {} case(s) passed\n", file, cases);
  return 0;
}
