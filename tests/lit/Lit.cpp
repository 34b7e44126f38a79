// The lit runner; Lit.h says what a test file holds and what running it does.
#include "tests/lit/Lit.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "tests/lit/FileCheck.h"

namespace ts2onnx::lit {

namespace {

namespace fs = std::filesystem;

struct RunLine {
  int line = 0; // of the `# RUN:` line in the test file
  std::string command;
  std::vector<std::string> prefixes{"CHECK"};
  bool expectFailure = false;
};

/// A `# -----` separated part of the file that holds IR or directives.
struct Case {
  int index = 0;     // 1-based among the cases
  int firstLine = 0; // 1-based line of its first non-blank line
  size_t begin = 0;  // [begin, end) into the file's lines
  size_t end = 0;
};

absl::StatusOr<std::vector<std::string>> readLines(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line))
    lines.push_back(line);
  return lines;
}

absl::StatusOr<std::string> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(fmt::format("cannot open '{}'", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool isComment(const std::string &line) {
  size_t b = line.find_first_not_of(" \t");
  return b != std::string::npos && line[b] == '#';
}

bool isBlank(const std::string &line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

bool isSeparator(const std::string &line) {
  static const std::regex sep(R"(^\s*# -----\s*$)");
  return std::regex_match(line, sep);
}

/// Splits off a trailing `| FileCheck [options]` (our FileCheck runs in-process).
absl::Status parseFileCheckTail(RunLine &run) {
  static const std::regex tail(R"(^(.*?)\|\s*FileCheck((?:\s+\S+)*)\s*$)");
  std::smatch m;
  std::string command = run.command;
  if (!std::regex_match(command, m, tail))
    return absl::OkStatus();
  run.command = m[1].str();
  std::istringstream opts(m[2].str());
  std::string opt;
  while (opts >> opt) {
    std::string value;
    if (opt.rfind("--check-prefix=", 0) == 0)
      value = opt.substr(15);
    else if (opt.rfind("--check-prefixes=", 0) == 0)
      value = opt.substr(17);
    else if (opt == "%s")
      continue; // `FileCheck %s` as LLVM spells it: the directives are the case's anyway
    else
      return absl::InvalidArgumentError(
          fmt::format("line {}: unknown FileCheck option '{}'", run.line, opt));
    run.prefixes.clear();
    std::stringstream list(value);
    std::string p;
    while (std::getline(list, p, ','))
      if (!p.empty())
        run.prefixes.push_back(p);
    if (run.prefixes.empty())
      return absl::InvalidArgumentError(fmt::format("line {}: empty check prefix", run.line));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RunLine>> parseRunLines(const std::vector<std::string> &lines) {
  static const std::regex runRe(R"(^\s*#\s*RUN:(.*)$)");
  std::vector<RunLine> runs;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (!std::regex_match(lines[i], m, runRe))
      continue;
    RunLine run;
    run.line = int(i) + 1;
    std::string text = m[1].str();
    // `\` at the end continues on the next `# RUN:` line.
    while (!text.empty() && text.back() == '\\') {
      text.pop_back();
      if (i + 1 >= lines.size() || !std::regex_match(lines[i + 1], m, runRe))
        return absl::InvalidArgumentError(
            fmt::format("line {}: RUN line ends in '\\' but no RUN line follows", run.line));
      ++i;
      text += " " + m[1].str();
    }
    size_t b = text.find_first_not_of(" \t");
    text = b == std::string::npos ? "" : text.substr(b);
    if (text.rfind("not ", 0) == 0) {
      run.expectFailure = true;
      text = text.substr(4);
    }
    run.command = text;
    if (absl::Status s = parseFileCheckTail(run); !s.ok())
      return s;
    while (!run.command.empty() && (run.command.back() == ' ' || run.command.back() == '\t'))
      run.command.pop_back();
    if (run.command.find_first_not_of(" \t") == std::string::npos)
      return absl::InvalidArgumentError(fmt::format("line {}: empty RUN line", run.line));
    runs.push_back(std::move(run));
  }
  return runs;
}

std::vector<Case> splitCases(const std::vector<std::string> &lines) {
  std::vector<Case> cases;
  size_t begin = 0;
  auto close = [&](size_t end) {
    Case c;
    c.begin = begin;
    c.end = end;
    bool content = false;
    for (size_t i = begin; i < end; ++i) {
      static const std::regex runOrPlain(R"(^\s*#\s*RUN:.*$)");
      if (isBlank(lines[i]) || std::regex_match(lines[i], runOrPlain))
        continue;
      if (!c.firstLine)
        c.firstLine = int(i) + 1;
      // A case holds IR or a directive (`# WORD:` in capitals); prose and RUN lines alone are
      // a header, not a case.
      static const std::regex directiveLike(R"(^\s*#\s*[A-Z][A-Z0-9_]*(-[A-Z0-9]+)*:.*$)");
      content |= !isComment(lines[i]) || std::regex_match(lines[i], directiveLike);
    }
    if (content) {
      c.index = int(cases.size()) + 1;
      cases.push_back(c);
    }
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    if (isSeparator(lines[i])) {
      close(i);
      begin = i + 1;
    }
  }
  close(lines.size());
  return cases;
}

bool isWordBoundary(char c) {
  return std::string_view(" \t|;&()").find(c) != std::string_view::npos;
}

/// Replaces `%%`, `%<tool>`, `%s`, `%S`, `%t` and bare tool words in `command`.
std::string substitute(const std::string &command, const LitConfig &config,
                       const std::string &caseFile, const std::string &dir,
                       const std::string &scratch) {
  // Longest tool names first, so `%ts2onnx` wins over `%t`.
  std::vector<std::pair<std::string, std::string>> tools(config.tools.begin(), config.tools.end());
  std::sort(tools.begin(), tools.end(),
            [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });
  std::string out;
  for (size_t i = 0; i < command.size();) {
    if (command[i] == '%') {
      if (command.compare(i, 2, "%%") == 0) {
        out += '%';
        i += 2;
        continue;
      }
      bool done = false;
      for (const auto &[name, path] : tools) {
        if (command.compare(i + 1, name.size(), name) == 0) {
          out += path;
          i += 1 + name.size();
          done = true;
          break;
        }
      }
      if (done)
        continue;
      if (i + 1 < command.size()) {
        char c = command[i + 1];
        const std::string *rep = c == 's'   ? &caseFile
                                 : c == 'S' ? &dir
                                 : c == 't' ? &scratch
                                            : nullptr;
        if (rep) {
          out += *rep;
          i += 2;
          continue;
        }
      }
      out += command[i++];
      continue;
    }
    bool atWord = i == 0 || isWordBoundary(command[i - 1]);
    bool replaced = false;
    if (atWord) {
      for (const auto &[name, path] : tools) {
        size_t e = i + name.size();
        if (command.compare(i, name.size(), name) == 0 &&
            (e == command.size() || isWordBoundary(command[e]))) {
          out += path;
          i = e;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced)
      out += command[i++];
  }
  return out;
}

struct RunResult {
  int exitCode = 0;
  std::string out, err;
};

/// Runs `command` under `bash -o pipefail -c`, stdout and stderr to files beside `scratch`.
absl::StatusOr<RunResult> runShell(const std::string &command, const std::string &scratch) {
  std::string outPath = scratch + ".stdout", errPath = scratch + ".stderr";
  pid_t pid = fork();
  if (pid < 0)
    return absl::InternalError(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    int out = open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0)
      _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execl("/bin/bash", "bash", "-o", "pipefail", "-c", command.c_str(), (char *)nullptr);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return absl::InternalError(fmt::format("waitpid: {}", std::strerror(errno)));
  RunResult r;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto out = readFile(outPath);
  auto err = readFile(errPath);
  if (!out.ok() || !err.ok())
    return absl::InternalError("cannot read the command's output");
  r.out = std::move(*out);
  r.err = std::move(*err);
  return r;
}

std::string numbered(const std::string &text) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    out += fmt::format("{:4}| {}\n", n, line);
  return out;
}

/// The `PREFIX-FULL:` lines of `prefix` in [begin, end) replaced by `output`.
struct Edit {
  size_t begin = 0, end = 0; // lines replaced
  std::vector<std::string> lines;
};

std::string fullLine(const std::string &prefix, const std::string &text) {
  return text.empty() ? fmt::format("# {}-FULL:", prefix)
                      : fmt::format("# {}-FULL: {}", prefix, text);
}

} // namespace

absl::Status runLitFile(const std::string &path, const LitConfig &config, int *casesRun) {
  auto linesOr = readLines(path);
  if (!linesOr.ok())
    return linesOr.status();
  const std::vector<std::string> &lines = *linesOr;
  auto runsOr = parseRunLines(lines);
  if (!runsOr.ok())
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", path, std::string(runsOr.status().message())));
  const std::vector<RunLine> &runs = *runsOr;
  if (runs.empty())
    return absl::InvalidArgumentError(fmt::format("{}: no `# RUN:` line", path));
  std::vector<Case> cases = splitCases(lines);
  size_t firstPartEnd = lines.size();
  for (size_t i = 0; i < lines.size(); ++i)
    if (isSeparator(lines[i])) {
      firstPartEnd = i;
      break;
    }
  if (cases.empty())
    return absl::InvalidArgumentError(fmt::format("{}: no test case", path));

  std::error_code ec;
  fs::create_directories(config.workDir, ec);
  if (ec)
    return absl::InternalError(
        fmt::format("cannot create '{}': {}", config.workDir, std::string(ec.message())));
  fs::path source(path);
  std::string dir = source.parent_path().string();
  std::string stem = source.stem().string();
  std::string ext = source.extension().string();

  std::vector<std::string> failures;
  std::vector<Edit> edits;
  for (const Case &c : cases) {
    // The case alone, at its own line numbers; comments blanked (the IR parser has none).
    std::string caseText;
    for (size_t i = 0; i < lines.size(); ++i)
      caseText += (i >= c.begin && i < c.end && !isComment(lines[i]) ? lines[i] : "") + "\n";
    std::string caseFile = fmt::format("{}/{}.case{}{}", config.workDir, stem, c.index, ext);
    std::ofstream(caseFile, std::ios::binary | std::ios::trunc) << caseText;
    std::vector<std::string> caseLines(lines.begin() + c.begin, lines.begin() + c.end);
    std::string where = fmt::format("{}:{}: case {}", path, c.firstLine, c.index);

    // A case with RUN lines of its own runs those; the others run the first part's.
    std::vector<const RunLine *> caseRuns;
    for (const RunLine &run : runs)
      if (size_t(run.line - 1) >= c.begin && size_t(run.line - 1) < c.end)
        caseRuns.push_back(&run);
    if (caseRuns.empty())
      for (const RunLine &run : runs)
        if (size_t(run.line - 1) < firstPartEnd)
          caseRuns.push_back(&run);
    if (caseRuns.empty()) {
      failures.push_back(fmt::format("{}: no RUN line applies (none in the case, none before the "
                                     "first `# -----`)",
                                     where));
      continue;
    }
    for (size_t r = 0; r < caseRuns.size(); ++r) {
      const RunLine &run = *caseRuns[r];
      std::string scratch =
          fmt::format("{}/{}.case{}.run{}.tmp", config.workDir, stem, c.index, r + 1);
      std::string command = substitute(run.command, config, caseFile, dir, scratch);
      std::string header = fmt::format("{} (RUN line {}: {})", where, run.line, run.command);
      std::vector<CheckDirective> directives;
      if (absl::Status s = parseDirectives(caseLines, int(c.begin) + 1, run.prefixes, directives);
          !s.ok()) {
        failures.push_back(fmt::format("{}\n{}: {}", header, path, std::string(s.message())));
        continue;
      }
      if (directives.empty()) {
        failures.push_back(fmt::format("{}\nthe case has no {} directives: it would check nothing",
                                       header, fmt::join(run.prefixes, "/")));
        continue;
      }
      auto result = runShell(command, scratch);
      if (!result.ok()) {
        failures.push_back(fmt::format("{}\n{}", header, std::string(result.status().message())));
        continue;
      }
      bool failed = result->exitCode != 0;
      if (failed != run.expectFailure) {
        failures.push_back(fmt::format(
            "{}\n{} (exit code {})\ncommand: {}\n--- stderr ---\n{}--- stdout ---\n{}", header,
            run.expectFailure ? "expected the command to fail, it succeeded" : "the command failed",
            result->exitCode, command, result->err, result->out));
        continue;
      }
      if (config.update) {
        for (const std::string &prefix : run.prefixes) {
          size_t first = c.end, last = c.begin;
          for (size_t i = c.begin; i < c.end; ++i) {
            std::vector<CheckDirective> one;
            if (parseDirectives({lines[i]}, 1, {prefix}, one).ok() && !one.empty() &&
                one[0].kind == CheckKind::Full) {
              first = std::min(first, i);
              last = std::max(last, i + 1);
            }
          }
          if (first >= last)
            continue;
          Edit e{first, last, {}};
          std::istringstream out(result->out);
          std::string l;
          while (std::getline(out, l))
            e.lines.push_back(fullLine(prefix, l));
          edits.push_back(std::move(e));
        }
      }
      if (absl::Status s = fileCheck(directives, result->out, path); !s.ok())
        failures.push_back(fmt::format("{}\n{}\n--- output ---\n{}--- stderr ---\n{}", header,
                                       std::string(s.message()), numbered(result->out),
                                       result->err));
    }
  }
  if (casesRun)
    *casesRun = int(cases.size());

  if (config.update && !edits.empty()) {
    std::vector<std::string> updated = lines;
    std::sort(edits.begin(), edits.end(),
              [](const Edit &a, const Edit &b) { return a.begin > b.begin; });
    size_t lastBegin = updated.size() + 1;
    for (const Edit &e : edits) {
      if (e.end > lastBegin)
        continue; // two RUN lines of one prefix rewrite the same block: the first one wins
      updated.erase(updated.begin() + e.begin, updated.begin() + e.end);
      updated.insert(updated.begin() + e.begin, e.lines.begin(), e.lines.end());
      lastBegin = e.begin;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (const std::string &l : updated)
      out << l << "\n";
    if (!out)
      return absl::InternalError(fmt::format("cannot rewrite '{}'", path));
    fmt::print("updated {}\n", path);
    return absl::OkStatus();
  }
  if (!failures.empty())
    return absl::FailedPreconditionError(
        fmt::format("{} failure(s):\n\n{}", failures.size(), fmt::join(failures, "\n\n")));
  return absl::OkStatus();
}

} // namespace ts2onnx::lit
