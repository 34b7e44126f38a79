// The conformance suite's driver (see README.md): converts the cases of a suite directory at one
// opset with the library, runs every converted model in onnxruntime-node (one Node process for
// all of them, conformance_runner.js) against torch's recorded outputs, and compares each case's
// status with the committed expectations file.
//
//   ts2onnx_conformance --cases DIR --opset N --work DIR --expect FILE
//                       [--family F] [--filter REGEX] [--update] [--list]
//
// A case's status is one line: `pass`, `refused: <the error's first line>`,
// `onnxruntime: <why it would not load or run>`, `mismatch: <what differs>` or `crash: ...`
// (each case converts in a child process). Exit 0 when every
// selected case has the status the expectations file gives it and none is a mismatch or a crash (a
// wrong model is never an accepted state). --update rewrites the selected cases' lines in the file.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ts2onnx/ts2onnx.h"

extern char **environ;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Args {
  std::string cases, work, expect, family, filter, node = "node", ortDir, runner;
  int opset = 17;
  bool update = false;
  bool list = false;
};

std::string firstLine(const std::string &text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 200)
    line = line.substr(0, 200) + "...";
  return line;
}

/// Statuses by case id, from an expectations file (`<id>\t<status>` lines, `#` comments).
std::map<std::string, std::string> readExpectations(const std::string &path) {
  std::map<std::string, std::string> result;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    size_t tab = line.find('\t');
    if (tab != std::string::npos)
      result[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return result;
}

bool writeExpectations(const std::string &path, int opset,
                       const std::map<std::string, std::string> &statuses) {
  std::ofstream out(path + ".tmp");
  out << fmt::format("# ts2onnx conformance expectations at opset {}: one line per case, "
                     "`<id>\\t<status>`.\n# Regenerate with `tests/conformance/update.sh` "
                     "(see README.md); review the diff.\n",
                     opset);
  for (const auto &[id, status] : statuses)
    out << id << '\t' << status << '\n';
  out.close();
  if (!out)
    return false;
  fs::rename(path + ".tmp", path);
  return true;
}

absl::StatusOr<ts2onnx::ScalarType> scalarType(const std::string &name) {
  auto spec = ts2onnx::parseInputSpec("x:" + name + "[]");
  if (!spec.ok())
    return spec.status();
  return spec->dtype;
}

/// Converts one case; the model goes to `model`. Returns "" on success, else the status.
std::string convertCase(const json &c, const Args &args, const fs::path &model) {
  ts2onnx::ConvertOptions opts;
  opts.opset = args.opset;
  for (const json &in : c["inputs"]) {
    auto dtype = scalarType(in["dtype"].get<std::string>());
    if (!dtype.ok())
      return "refused: " + firstLine(std::string(dtype.status().message()));
    ts2onnx::InputSpec spec;
    spec.name = in["name"].get<std::string>();
    spec.dtype = *dtype;
    for (int64_t d : in["shape"].get<std::vector<int64_t>>())
      spec.dims.push_back(ts2onnx::Dim::known(d));
    opts.inputs.push_back(std::move(spec));
  }
  for (const json &out : c["outputs"])
    opts.outputNames.push_back(out["name"].get<std::string>());
  opts.onWarning = [](const std::string &) {};
  std::ostringstream log;
  opts.log = &log;
  fs::path archive = fs::path(args.cases) / (c["id"].get<std::string>() + ".pt");
  auto converted = ts2onnx::convert(archive.string(), opts);
  if (!converted.ok()) {
    // Without the suite's directory, which differs between checkouts (removed before the line
    // is shortened, so where it is cut does not depend on the checkout's path either).
    std::string msg(converted.status().message());
    msg = msg.substr(0, msg.find('\n'));
    std::string dir = (fs::path(args.cases) / "").string();
    for (size_t at; (at = msg.find(dir)) != std::string::npos;)
      msg.erase(at, dir.size());
    return "refused: " + firstLine(msg);
  }
  std::ofstream out(model, std::ios::binary);
  if (!converted->SerializeToOstream(&out))
    return "refused: cannot write the model";
  return "";
}

/// convertCase for every case, in a child process: a case that crashes the converter is reported
/// as such (`crash: ...`, which fails like a wrong result) and the next child goes on after it.
/// One child converts many cases, so the isolation costs a few forks, not one per case.
std::vector<std::string> convertAll(const std::vector<json> &cases, const Args &args,
                                    const fs::path &work) {
  auto statusFile = [&](size_t i) { return work / fmt::format("{}.status", i); };
  std::vector<std::string> result(cases.size());
  size_t next = 0;
  while (next < cases.size()) {
    std::cout.flush();
    pid_t pid = fork();
    if (pid == 0) {
      for (size_t i = next; i < cases.size(); ++i) {
        fs::path model = work / (cases[i]["id"].get<std::string>() + ".onnx");
        std::string s = convertCase(cases[i], args, model);
        std::ofstream(statusFile(i).string() + ".tmp") << s;
        fs::rename(statusFile(i).string() + ".tmp", statusFile(i));
      }
      std::_Exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) {
      result[next++] = "crash: cannot fork";
      continue;
    }
    for (; next < cases.size() && fs::exists(statusFile(next)); ++next) {
      std::ifstream in(statusFile(next));
      result[next].assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (next < cases.size())
      result[next++] = WIFSIGNALED(status)
                           ? fmt::format("crash: the converter died of signal {}", WTERMSIG(status))
                           : "crash: the converter exited";
  }
  return result;
}

int runProcess(const std::vector<std::string> &argv) {
  std::vector<char *> cargv;
  for (const std::string &a : argv)
    cargv.push_back(const_cast<char *>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid;
  if (posix_spawnp(&pid, cargv[0], nullptr, nullptr, cargv.data(), environ) != 0)
    return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int usage(const std::string &msg) {
  std::cerr << "ts2onnx_conformance: " << msg
            << "\nusage: ts2onnx_conformance --cases DIR --opset N --work DIR --expect FILE "
               "[--family F] [--filter REGEX] [--update] [--list] [--node NODE] "
               "[--ort-dir DIR] [--runner JS]\n";
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string &dst) {
      if (i + 1 >= argc)
        return false;
      dst = argv[++i];
      return true;
    };
    std::string opset;
    bool ok = true;
    if (a == "--cases")
      ok = value(args.cases);
    else if (a == "--work")
      ok = value(args.work);
    else if (a == "--expect")
      ok = value(args.expect);
    else if (a == "--family")
      ok = value(args.family);
    else if (a == "--filter")
      ok = value(args.filter);
    else if (a == "--node")
      ok = value(args.node);
    else if (a == "--ort-dir")
      ok = value(args.ortDir);
    else if (a == "--runner")
      ok = value(args.runner);
    else if (a == "--opset") {
      ok = value(opset);
      args.opset = ok ? std::atoi(opset.c_str()) : 0;
    } else if (a == "--update")
      args.update = true;
    else if (a == "--list")
      args.list = true;
    else
      return usage("unknown argument '" + a + "'");
    if (!ok)
      return usage(a + " needs a value");
  }
  if (args.cases.empty() || args.work.empty() || args.expect.empty() || args.opset <= 0)
    return usage("--cases, --opset, --work and --expect are required");
  if (const char *u = std::getenv("UPDATE_GOLDENS"); u && std::string(u) == "1")
    args.update = true;

  // Select the cases.
  std::ifstream casesIn(fs::path(args.cases) / "cases.jsonl");
  if (!casesIn)
    return usage("cannot read " + (fs::path(args.cases) / "cases.jsonl").string());
  std::optional<std::regex> filter;
  if (!args.filter.empty())
    filter.emplace(args.filter);
  std::vector<json> cases;
  std::string line;
  while (std::getline(casesIn, line)) {
    json c = json::parse(line, nullptr, false);
    if (c.is_discarded())
      return usage("cases.jsonl has a line that is not JSON");
    if (!args.family.empty() && c.value("family", "") != args.family)
      continue;
    if (filter && !std::regex_search(c["id"].get<std::string>(), *filter))
      continue;
    cases.push_back(std::move(c));
  }
  if (cases.empty())
    return usage("no case matches the selection");

  fs::path work = fs::path(args.work) / fmt::format("opset{}", args.opset) /
                  (args.family.empty() ? "all" : args.family);
  std::error_code ec;
  fs::remove_all(work, ec);
  fs::create_directories(work, ec);
  if (ec)
    return usage(
        fmt::format("cannot create the work directory '{}': {}", work.string(), ec.message()));

  // Convert.
  auto start = std::chrono::steady_clock::now();
  std::map<std::string, std::string> status;
  json job;
  job["ortDir"] = args.ortDir;
  job["cases"] = json::array();
  std::vector<std::string> converted = convertAll(cases, args, work);
  for (size_t i = 0; i < cases.size(); ++i) {
    const json &c = cases[i];
    std::string id = c["id"].get<std::string>();
    if (!converted[i].empty()) {
      status[id] = converted[i];
      continue;
    }
    job["cases"].push_back({{"id", id},
                            {"model", (work / (id + ".onnx")).string()},
                            {"data", (fs::path(args.cases) / (id + ".bin")).string()},
                            {"inputs", c["inputs"]},
                            {"outputs", c["outputs"]},
                            {"exact", c.value("exact", false)}});
  }
  double convertSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Run the converted models in onnxruntime.
  if (!job["cases"].empty()) {
    fs::path jobFile = work / "job.json", resultFile = work / "result.json";
    std::ofstream(jobFile) << job.dump();
    int rc = runProcess({args.node, args.runner, jobFile.string(), resultFile.string()});
    std::ifstream resultIn(resultFile);
    json result = json::parse(resultIn, nullptr, false);
    if (rc != 0 || result.is_discarded()) {
      std::cerr << fmt::format("ts2onnx_conformance: '{} {}' failed (exit {}); is "
                               "onnxruntime-node installed (scripts/install-deps.sh)?\n",
                               args.node, args.runner, rc);
      return 1;
    }
    for (const json &c : job["cases"]) {
      std::string id = c["id"].get<std::string>();
      status[id] = result.value(id, std::string("onnxruntime: no result"));
    }
  }
  double totalSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Compare with the expectations.
  std::map<std::string, std::string> expected = readExpectations(args.expect);
  int passes = 0, refused = 0, ortFailures = 0, mismatches = 0, differences = 0;
  for (const auto &[id, s] : status) {
    passes += s == "pass";
    refused += s.rfind("refused:", 0) == 0;
    ortFailures += s.rfind("onnxruntime:", 0) == 0;
    if (args.list)
      std::cout << id << '\t' << s << '\n';
    if (s.rfind("mismatch:", 0) == 0 || s.rfind("crash:", 0) == 0) {
      ++mismatches;
      std::cout << fmt::format("WRONG RESULT {}: {}\n", id, s);
    }
    auto it = expected.find(id);
    if (it == expected.end()) {
      ++differences;
      if (!args.update)
        std::cout << fmt::format("NOT IN EXPECTATIONS {}: {}\n", id, s);
    } else if (it->second != s) {
      ++differences;
      if (!args.update)
        std::cout << fmt::format("{} {}:\n  expected: {}\n  now:      {}\n",
                                 s == "pass"            ? "NEWLY PASSING"
                                 : it->second == "pass" ? "REGRESSION"
                                                        : "CHANGED",
                                 id, it->second, s);
    }
  }
  std::cout << fmt::format(
      "opset {}{}: {} cases: {} pass, {} refused, {} fail in onnxruntime, "
      "{} wrong results or crashes; {} differ from {} ({:.1f} s converting, {:.1f} s "
      "in all)\n",
      args.opset, args.family.empty() ? "" : " " + args.family, status.size(), passes, refused,
      ortFailures, mismatches, differences, fs::path(args.expect).filename().string(),
      convertSeconds, totalSeconds);
  if (args.update) {
    if (args.family.empty() && args.filter.empty())
      expected.clear(); // a whole-suite update drops cases the suite no longer has
    for (const auto &[id, s] : status)
      expected[id] = s;
    if (!writeExpectations(args.expect, args.opset, expected)) {
      std::cerr << "ts2onnx_conformance: cannot write " << args.expect << "\n";
      return 1;
    }
    std::cout << fmt::format("updated {} ({} lines changed)\n", args.expect, differences);
    return mismatches ? 1 : 0;
  }
  if (differences)
    std::cout << "Record intended changes with tests/conformance/update.sh (README.md).\n";
  return differences || mismatches ? 1 : 0;
}
