// End-to-end driver for CTest: converts a fixture with `ts2onnx convert` (inputs built from its
// meta.json) and checks the model with `ts2onnx verify` against torch's recorded outputs, for
// the first input set and, when the conversion has dynamic axes, the second one too.
//
//   ts2onnx_e2e --tool TS2ONNX --work DIR --fixture FIXTURES/NAME [--opset N] [--static]
//               [--convert-arg ARG]...
//       one fixture; exit 0 when every step passes (each ARG is passed on to `convert`)
//   ts2onnx_e2e --tool TS2ONNX --work DIR --report FIXTURES [--expected a,b,...] [--opset N]
//       every fixture, static and dynamic: a table of results (always exit 0 unless the tool
//       cannot run at all)
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "onnx/onnx_pb.h"

extern char **environ;

namespace {

/// Arguments given with --convert-arg, passed on to every `ts2onnx convert`.
std::vector<std::string> gExtraConvertArgs;

namespace fs = std::filesystem;
using nlohmann::json;

struct RunResult {
  int exitCode = -1;
  std::string output; // stdout + stderr
};

RunResult run(const std::vector<std::string> &argv, const fs::path &log) {
  RunResult r;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char *> cargv;
  for (const std::string &a : argv)
    cargv.push_back(const_cast<char *>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    r.output = fmt::format("cannot run {}: {}", argv[0], std::strerror(rc));
    return r;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      break;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(log);
  r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

std::string shellQuote(const std::string &s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string commandLine(const std::vector<std::string> &argv) {
  std::string out;
  for (const std::string &a : argv)
    out += (out.empty() ? "" : " ") + shellQuote(a);
  return out;
}

/// The first line that says what went wrong.
std::string reason(const std::string &output) {
  std::string best;
  size_t start = 0;
  while (start < output.size()) {
    size_t nl = output.find('\n', start);
    std::string line = output.substr(start, nl == std::string::npos ? nl : nl - start);
    if (line.find("error") != std::string::npos || line.find("FAIL") != std::string::npos) {
      best = line;
      if (line.find("error") != std::string::npos)
        break;
    }
    if (nl == std::string::npos)
      break;
    start = nl + 1;
  }
  if (best.empty())
    best = output.substr(0, output.find('\n'));
  if (best.size() > 240)
    best = best.substr(0, 237) + "...";
  return best;
}

struct Outcome {
  bool converted = false, passed = false;
  double seconds = 0;
  int nodes = -1;
  std::string why;
};

std::string symbolFor(const std::string &input, int64_t axis) {
  std::string s;
  for (char c : input)
    s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return fmt::format("{}_d{}", s, axis);
}

/// Converts and verifies one fixture. `dynamic`: the axes meta.json lists as dynamic become
/// named dims and both input sets are checked.
Outcome runFixture(const std::string &tool, const fs::path &fixture, const fs::path &work,
                   int opset, bool dynamic, bool echo) {
  Outcome o;
  std::ifstream metaIn(fixture / "meta.json");
  json meta = json::parse(metaIn, nullptr, false);
  if (meta.is_discarded()) {
    o.why = "meta.json is missing or invalid";
    return o;
  }
  std::string name = fixture.filename().string();
  fs::path dir = work / fmt::format("{}-opset{}-{}", name, opset, dynamic ? "dynamic" : "static");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    o.why = fmt::format("cannot create the work directory '{}': {}", dir.string(), ec.message());
    return o;
  }
  fs::path onnxFile = dir / "model.onnx";
  fs::remove(onnxFile, ec);

  std::vector<std::string> convert = {tool,
                                      "convert",
                                      (fixture / "model.pt").string(),
                                      "-o",
                                      onnxFile.string(),
                                      "--opset",
                                      std::to_string(opset)};
  // Archives without forward (libtorch test models) name the method to convert.
  if (meta.contains("method") && meta["method"].is_string()) {
    convert.push_back("--method");
    convert.push_back(meta["method"].get<std::string>());
  }
  bool anyDynamic = false;
  for (const json &in : meta["inputs"]) {
    std::string iname = in["name"].get<std::string>();
    std::set<int64_t> axes;
    if (dynamic && meta.contains("dynamic") && meta["dynamic"].contains(iname))
      for (const json &a : meta["dynamic"][iname])
        axes.insert(a.get<int64_t>());
    std::vector<std::string> dims;
    int64_t k = 0;
    for (const json &d : in["shape"]) {
      if (axes.count(k)) {
        dims.push_back(symbolFor(iname, k));
        anyDynamic = true;
      } else {
        dims.push_back(std::to_string(d.get<int64_t>()));
      }
      ++k;
    }
    convert.push_back("--input");
    convert.push_back(
        fmt::format("{}:{}[{}]", iname, in["dtype"].get<std::string>(), fmt::join(dims, ",")));
  }
  for (const json &out : meta["outputs"]) {
    convert.push_back("--output-name");
    convert.push_back(out["name"].get<std::string>());
  }
  convert.insert(convert.end(), gExtraConvertArgs.begin(), gExtraConvertArgs.end());
  if (echo)
    std::cout << "$ " << commandLine(convert) << "\n";
  auto start = std::chrono::steady_clock::now();
  RunResult c = run(convert, dir / "convert.log");
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (echo)
    std::cout << c.output;
  if (c.exitCode != 0) {
    o.why = "convert: " + reason(c.output);
    if (fs::exists(onnxFile)) {
      o.why = "convert failed but left an output file";
    }
    return o;
  }
  o.converted = true;
  {
    std::ifstream in(onnxFile, std::ios::binary);
    onnx::ModelProto model;
    if (!model.ParseFromIstream(&in)) {
      o.why = "convert wrote no readable ONNX file";
      o.converted = false;
      return o;
    }
    o.nodes = model.graph().node_size();
  }

  std::vector<std::string> sets = {""};
  if (dynamic && anyDynamic && meta.contains("inputs2"))
    sets.push_back("2");
  for (const std::string &set : sets) {
    std::vector<std::string> verify = {tool, "verify", onnxFile.string(), "--meta",
                                       (fixture / "meta.json").string()};
    for (const json &in : meta["inputs" + set])
      verify.push_back(fmt::format("--input={}={}", in["name"].get<std::string>(),
                                   (fixture / in["file"].get<std::string>()).string()));
    for (const json &out : meta["outputs" + set])
      verify.push_back(
          fmt::format("--expect={}", (fixture / out["file"].get<std::string>()).string()));
    verify.push_back("--rtol=1e-3");
    verify.push_back("--atol=1e-5");
    if (echo)
      std::cout << "$ " << commandLine(verify) << "\n";
    RunResult v = run(verify, dir / fmt::format("verify{}.log", set));
    if (echo)
      std::cout << v.output;
    if (v.exitCode != 0) {
      o.why = fmt::format("verify{}: {}", set.empty() ? "" : " (input set 2)", reason(v.output));
      return o;
    }
  }
  o.passed = true;
  return o;
}

/// False when meta.json names dynamic axes but has no second input set of other shapes.
bool secondSize(const fs::path &fixture) {
  std::ifstream in(fixture / "meta.json");
  json meta = json::parse(in, nullptr, false);
  if (meta.is_discarded() || !meta.contains("dynamic") || meta["dynamic"].empty())
    return true;
  if (!meta.contains("inputs2"))
    return false;
  for (size_t i = 0; i < meta["inputs"].size() && i < meta["inputs2"].size(); ++i)
    if (meta["inputs"][i]["shape"] != meta["inputs2"][i]["shape"])
      return true;
  return false;
}

std::vector<std::string> splitComma(const std::string &s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t c = s.find(',', start);
    std::string item = s.substr(start, c == std::string::npos ? c : c - start);
    if (!item.empty())
      out.push_back(item);
    if (c == std::string::npos)
      break;
    start = c + 1;
  }
  return out;
}

} // namespace

int main(int argc, char **argv) {
  std::string tool, work, fixture, report, expected;
  int opset = 17;
  bool staticOnly = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--tool")
      tool = next();
    else if (a == "--work")
      work = next();
    else if (a == "--fixture")
      fixture = next();
    else if (a == "--report")
      report = next();
    else if (a == "--expected")
      expected = next();
    else if (a == "--opset")
      opset = std::atoi(next().c_str());
    else if (a == "--static")
      staticOnly = true;
    else if (a == "--convert-arg")
      gExtraConvertArgs.push_back(next());
    else {
      std::cerr << "ts2onnx_e2e: unknown argument " << a << "\n";
      return 2;
    }
  }
  if (tool.empty() || work.empty() || (fixture.empty() == report.empty())) {
    std::cerr << "usage: ts2onnx_e2e --tool T --work DIR (--fixture DIR | --report DIR)\n";
    return 2;
  }

  if (!fixture.empty()) {
    Outcome o = runFixture(tool, fixture, work, opset, !staticOnly, /*echo=*/true);
    std::cout << fmt::format("{}: {} in {:.2f} s, {} nodes{}\n",
                             fs::path(fixture).filename().string(), o.passed ? "PASS" : "FAIL",
                             o.seconds, o.nodes, o.passed ? "" : " - " + o.why);
    return o.passed ? 0 : 1;
  }

  std::set<std::string> exp;
  for (const std::string &e : splitComma(expected))
    exp.insert(e.substr(0, e.find('@')));
  std::vector<fs::path> fixtures;
  for (const auto &e : fs::directory_iterator(report))
    if (e.is_directory() && fs::exists(e.path() / "meta.json") && fs::exists(e.path() / "model.pt"))
      fixtures.push_back(e.path());
  std::sort(fixtures.begin(), fixtures.end());
  std::cout << fmt::format("End-to-end status at opset {} (rtol 1e-3, atol 1e-5)\n", opset);
  std::cout << fmt::format("{:<30} {:<8} {:<8} {:>7} {:>6}  {}\n", "fixture", "static", "dynamic",
                           "seconds", "nodes", "first problem");
  int passing = 0;
  std::vector<std::string> newlyPassing;
  for (const fs::path &f : fixtures) {
    std::string name = f.filename().string();
    Outcome s = runFixture(tool, f, work, opset, false, false);
    Outcome d = runFixture(tool, f, work, opset, true, false);
    passing += s.passed;
    if ((s.passed || d.passed) && !exp.count(name))
      newlyPassing.push_back(name);
    std::string why = !s.passed ? s.why : (!d.passed ? "dynamic: " + d.why : "");
    if (why.empty() && !secondSize(f))
      why = "note: dynamic axes are checked at one size only (no second input set of other "
            "shapes)";
    std::cout << fmt::format("{:<30} {:<8} {:<8} {:>7.2f} {:>6}  {}\n", name,
                             s.passed ? "PASS" : "FAIL", d.passed ? "PASS" : "FAIL", s.seconds,
                             s.nodes < 0 ? std::string("-") : std::to_string(s.nodes), why);
  }
  std::cout << fmt::format("{} of {} fixtures pass (static shapes)\n", passing, fixtures.size());
  if (!newlyPassing.empty())
    std::cout << fmt::format("passing but not in the expected list (add them to "
                             "tests/e2e/CMakeLists.txt): {}\n",
                             fmt::join(newlyPassing, ", "));
  return 0;
}
