// The lit runner and our FileCheck fail when they should: a CHECK that is not there, a
// CHECK-NEXT on the wrong line, a CHECK-NOT that is there, a capture used with another value,
// a file without RUN lines or cases, a case without directives, a command that fails.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/lit/FileCheck.h"
#include "tests/lit/Lit.h"

namespace ts2onnx::lit {
namespace {

/// FileCheck of `checks` (directive lines, prefix CHECK) against `output`: "" or the error.
std::string check(const std::string &checks, const std::string &output,
                  std::vector<std::string> prefixes = {"CHECK"}) {
  std::vector<CheckDirective> d;
  absl::Status s = parseDirectives(splitLines(checks), 1, prefixes, d);
  if (s.ok())
    s = fileCheck(d, output, "t.test");
  return s.ok() ? "" : std::string(s.message());
}

const char *kOutput = "graph(%x : Float(2)):\n"
                      "  %1 : Float(2) = aten::relu(%x)\n"
                      "  %2 : Float(2) = aten::add(%1, %1)\n"
                      "  return (%2)\n";

TEST_CASE("FileCheck: CHECK finds text in order and fails when it is missing or out of order") {
  CHECK(check("# CHECK: aten::relu\n# CHECK: aten::add\n", kOutput) == "");
  std::string e = check("# CHECK: aten::mul\n", kOutput);
  CHECK(e.find("t.test:1: error: CHECK: \"aten::mul\" not found") != std::string::npos);
  CHECK(check("# CHECK: aten::add\n# CHECK: aten::relu\n", kOutput) != "");
}

TEST_CASE("FileCheck: CHECK-NEXT must be on the next line, CHECK-SAME on the same one") {
  CHECK(check("# CHECK: aten::relu\n# CHECK-NEXT: aten::add\n", kOutput) == "");
  std::string e = check("# CHECK: graph\n# CHECK-NEXT: aten::add\n", kOutput);
  CHECK(e.find("is not on the next line (it is on output line 3)") != std::string::npos);
  CHECK(check("# CHECK: aten::relu\n# CHECK-SAME: (%x)\n", kOutput) == "");
  CHECK(check("# CHECK: aten::relu\n# CHECK-SAME: %1\n", kOutput) != "");
}

TEST_CASE("FileCheck: CHECK-NOT fails when the text is between its neighbours") {
  CHECK(check("# CHECK: relu\n# CHECK-NOT: mul\n# CHECK: return\n", kOutput) == "");
  std::string e = check("# CHECK: graph\n# CHECK-NOT: relu\n# CHECK: add\n", kOutput);
  CHECK(e.find("CHECK-NOT: \"relu\" was found") != std::string::npos);
  // Before the first and after the last match too.
  CHECK(check("# CHECK-NOT: relu\n# CHECK: add\n", kOutput) != "");
  CHECK(check("# CHECK: relu\n# CHECK-NOT: return\n", kOutput) != "");
}

TEST_CASE("FileCheck: captures bind and a later use must see the same text") {
  CHECK(check("# CHECK: %[[R:.*]] : Float(2) = aten::relu\n# CHECK: aten::add(%[[R]], %[[R]])\n",
              kOutput) == "");
  CHECK(check("# CHECK: %[[R:[0-9]+]] : Float(2) = aten::add\n# CHECK: aten::add(%[[R]]\n",
              kOutput) != "");
  CHECK(check("# CHECK: aten::add(%[[A:[0-9]+]], %[[A]])\n", kOutput) == "");
  CHECK(check("# CHECK: [[UNDEFINED]]\n", kOutput).find("is not defined") != std::string::npos);
  CHECK(check("# CHECK: Float({{[0-9]+}})\n", kOutput) == "");
}

TEST_CASE("FileCheck: CHECK-LABEL splits the output so checks stay in their block") {
  std::string two = std::string(kOutput) + kOutput;
  CHECK(check("# CHECK-LABEL: graph\n# CHECK: relu\n# CHECK-LABEL: graph\n# CHECK: add\n", two) ==
        "");
  // The add of the first block cannot satisfy a check after the second label, nor the reverse.
  CHECK(check("# CHECK-LABEL: graph\n# CHECK: return\n# CHECK-NOT: relu\n# CHECK-LABEL: "
              "graph\n",
              two) == "");
  CHECK(check("# CHECK-LABEL: relu\n# CHECK: graph\n# CHECK-LABEL: add\n", two) != "");
  CHECK(check("# CHECK-LABEL: mul\n", two).find("CHECK-LABEL") != std::string::npos);
}

TEST_CASE("FileCheck: CHECK-COUNT, CHECK-EMPTY, CHECK-FULL and prefixes") {
  CHECK(check("# CHECK-COUNT-2: Float(2) =\n# CHECK-NOT: Float(2) =\n", kOutput) == "");
  CHECK(check("# CHECK-COUNT-3: Float(2) =\n", kOutput) != "");
  CHECK(check("# CHECK: return\n# CHECK-EMPTY:\n", "return\n\n") == "");
  CHECK(check("# CHECK: return\n# CHECK-EMPTY:\n", "return\nx\n") != "");
  CHECK(check("# CHECK-FULL: a\n# CHECK-FULL:\n# CHECK-FULL: b\n", "a\n\nb\n") == "");
  CHECK(check("# CHECK-FULL: a\n# CHECK-FULL: b\n", "a\nb\nc\n").find("goes on") !=
        std::string::npos);
  CHECK(check("# CHECK-FULL: a\n# CHECK-FULL: b\n", "a\nc\n").find("line 2 differs") !=
        std::string::npos);
  CHECK(check("# O11: relu\n# CHECK: nothing-like-this\n", kOutput, {"O11"}) == "");
  CHECK(check("# O11: mul\n", kOutput, {"CHECK", "O11"}) != "");
  CHECK(check("# CHECK-NXET: relu\n", kOutput).find("unknown directive") != std::string::npos);
}

/// Writes `text` to a test file and runs it with `cat` as the only tool; "" or the error.
std::string runLit(const std::string &name, const std::string &text, int *cases = nullptr) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "ts2onnx-lit-selftest";
  fs::create_directories(dir);
  fs::path file = dir / name;
  std::ofstream(file) << text;
  LitConfig config;
  config.workDir = (dir / "work").string();
  absl::Status s = runLitFile(file.string(), config, cases);
  return s.ok() ? "" : std::string(s.message());
}

TEST_CASE("lit runner: cases are split, and a failure names the case, its line and the RUN") {
  int cases = 0;
  std::string good = "# RUN: cat %s\n"
                     "# The first case.\n"
                     "alpha\n"
                     "# CHECK: alpha\n"
                     "# CHECK-NOT: beta\n"
                     "# -----\n"
                     "# The second case sees only its own lines.\n"
                     "beta\n"
                     "# CHECK-NOT: alpha\n"
                     "# CHECK: beta\n";
  CHECK(runLit("good.test", good, &cases) == "");
  CHECK(cases == 2);
  std::string bad = good;
  bad.replace(bad.rfind("CHECK: beta"), 11, "CHECK: gamma");
  std::string e = runLit("bad.test", bad);
  CHECK(e.find("bad.test:7: case 2 (RUN line 1: cat %s)") != std::string::npos);
  CHECK(e.find("bad.test:10: error: CHECK: \"gamma\" not found") != std::string::npos);
  CHECK(e.find("case 1") == std::string::npos);
}

TEST_CASE("lit runner: no RUN line, no case, a case without directives are errors") {
  CHECK(runLit("norun.test", "alpha\n# CHECK: alpha\n").find("no `# RUN:` line") !=
        std::string::npos);
  CHECK(runLit("nocase.test", "# RUN: cat %s\n# -----\n\n# -----\n").find("no test case") !=
        std::string::npos);
  CHECK(runLit("nocheck.test", "# RUN: cat %s\nalpha\n").find("would check nothing") !=
        std::string::npos);
  CHECK(runLit("prefix.test", "# RUN: cat %s | FileCheck --check-prefix=X\nalpha\n# CHECK: alpha\n")
            .find("no X directives") != std::string::npos);
}

TEST_CASE("lit runner: a case with RUN lines of its own runs only those") {
  std::string text = "# RUN: echo shared\n"
                     "a\n"
                     "# CHECK: shared\n"
                     "# -----\n"
                     "# RUN: echo own\n"
                     "b\n"
                     "# CHECK: own\n"
                     "# CHECK-NOT: shared\n"
                     "# -----\n"
                     "c\n"
                     "# CHECK: shared\n";
  int cases = 0;
  CHECK(runLit("own.test", text, &cases) == "");
  CHECK(cases == 3);
  std::string none = "# Header without RUN.\n# -----\nx\n# CHECK: x\n# -----\n# RUN: cat %s\ny\n"
                     "# CHECK: y\n";
  CHECK(runLit("none.test", none).find("case 1: no RUN line applies") != std::string::npos);
}

TEST_CASE("lit runner: a failing command fails the test unless the RUN line says `not`") {
  CHECK(runLit("fail.test", "# RUN: false\nalpha\n# CHECK: alpha\n").find("the command failed") !=
        std::string::npos);
  CHECK(runLit("not.test", "# RUN: not cat /nonexistent 2>&1\nx\n# CHECK: No such file\n") == "");
  CHECK(runLit("notok.test", "# RUN: not cat %s\nx\n# CHECK: x\n")
            .find("expected the command to "
                  "fail") != std::string::npos);
  // A pipeline fails when any stage fails (pipefail).
  CHECK(runLit("pipe.test", "# RUN: false | cat\nx\n# CHECK: x\n") != "");
}

} // namespace
} // namespace ts2onnx::lit
