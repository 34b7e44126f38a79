#include "passes/PassManager.h"
#include "passes/TextDiff.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

#include <fmt/format.h>

#include "ir/Status.h"
#include "ir/Verifier.h"

namespace ts2onnx::passes {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

class CallbackInstrumentation : public PassInstrumentation {
public:
  CallbackInstrumentation(PassManager::Callback before, PassManager::Callback after)
      : before_(std::move(before)), after_(std::move(after)) {}
  void runBeforePass(const PassInfo &pass, const ir::Graph &graph) override {
    if (before_)
      before_(pass, graph);
  }
  void runAfterPass(const PassInfo &pass, const ir::Graph &graph) override {
    if (after_)
      after_(pass, graph);
  }

private:
  PassManager::Callback before_, after_;
};

// The same error with `prefix` put before its message.
absl::Status prefixed(const absl::Status &s, std::string_view prefix) {
  return absl::Status(s.code(), std::string(prefix) + std::string(s.message()));
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

} // namespace

absl::StatusOr<std::vector<std::string>> splitPipeline(std::string_view pipeline) {
  std::vector<std::string> names;
  if (trim(pipeline).empty())
    return names;
  size_t start = 0;
  while (true) {
    size_t comma = pipeline.find(',', start);
    std::string_view item =
        trim(pipeline.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (item.empty())
      return absl::InvalidArgumentError(fmt::format("empty pass name in pipeline '{}'", pipeline));
    names.emplace_back(item);
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  return names;
}

PassManager::PassManager(PassOptions options, const PassRegistry *registry)
    : options_(std::move(options)), registry_(registry ? registry : &PassRegistry::global()),
      out_(&std::cerr) {}

PassManager::~PassManager() = default;

absl::Status PassManager::addPass(std::string_view name) {
  const PassInfo *info = registry_->lookup(name);
  if (!info)
    return absl::NotFoundError(
        fmt::format("unknown pass '{}'; known passes: {}", name, registry_->knownPassNames()));
  pipeline_.push_back(*info);
  return absl::OkStatus();
}

absl::Status PassManager::addPipeline(std::string_view pipeline) {
  TS2ONNX_ASSIGN_OR_RETURN(std::vector<std::string> names, splitPipeline(pipeline));
  // Check every name before adding any, so a bad pipeline leaves the manager unchanged.
  for (const std::string &name : names)
    if (!registry_->lookup(name))
      return absl::NotFoundError(
          fmt::format("unknown pass '{}'; known passes: {}", name, registry_->knownPassNames()));
  for (const std::string &name : names)
    TS2ONNX_RETURN_IF_ERROR(addPass(name));
  return absl::OkStatus();
}

void PassManager::addInstrumentation(std::unique_ptr<PassInstrumentation> pi) {
  instrumentations_.push_back(std::move(pi));
}

void PassManager::addCallbacks(Callback before, Callback after) {
  addInstrumentation(
      std::make_unique<CallbackInstrumentation>(std::move(before), std::move(after)));
}

absl::Status PassManager::writeDump(size_t index, std::string_view name, const std::string &text) {
  std::filesystem::path path =
      std::filesystem::path(instr_.dumpDir) / fmt::format("{:02}-{}.txt", index, name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    return absl::UnavailableError(fmt::format("cannot write dump file '{}'", path.string()));
  return absl::OkStatus();
}

void printTimingReport(std::ostream &os, std::string_view title,
                       const std::vector<TimingRow> &rows) {
  std::chrono::steady_clock::duration total{};
  for (const auto &row : rows)
    total += row.second;
  double totalSec = seconds(total);
  auto percent = [&](double s) { return totalSec > 0 ? 100.0 * s / totalSec : 0.0; };
  os << "===" << std::string(73, '-') << "===\n"
     << "                      ... " << title << " ...\n"
     << "===" << std::string(73, '-') << "===\n"
     << fmt::format("  Total Execution Time: {:.4f} seconds\n\n", totalSec)
     << "  ----Wall Time----  ----Name----\n";
  for (const auto &[name, time] : rows)
    os << fmt::format("  {:>8.4f} ({:5.1f}%)  {}\n", seconds(time), percent(seconds(time)), name);
  os << fmt::format("  {:>8.4f} ({:5.1f}%)  Total\n", totalSec, percent(totalSec));
  os.flush();
}

absl::Status PassManager::run(ir::Graph &graph) {
  const bool dumping = !instr_.dumpDir.empty();
  // printChanged alone means "after every pass, when it changed something".
  const bool printChangedOnly =
      instr_.printChanged && !instr_.printAfterAll && instr_.printAfter.empty();
  auto print = [&] { return ir::printGraph(graph, instr_.printOptions); };

  if (instr_.verifyEach) {
    absl::Status s = ir::verify(graph);
    if (!s.ok())
      return prefixed(s, "input: ");
  }

  std::string lastText;
  bool haveLastText = false;
  if (dumping) {
    std::error_code ec;
    std::filesystem::create_directories(instr_.dumpDir, ec);
    if (ec)
      return absl::UnavailableError(
          fmt::format("cannot create dump directory '{}': {}", instr_.dumpDir, ec.message()));
    lastText = print();
    haveLastText = true;
    TS2ONNX_RETURN_IF_ERROR(writeDump(0, "input", lastText));
  }

  std::vector<TimingRow> timings;
  for (size_t i = 0; i < pipeline_.size(); ++i) {
    const PassInfo &pass = pipeline_[i];
    if ((instr_.printChanged || instr_.printDiff) && !haveLastText) {
      lastText = print();
      haveLastText = true;
    }
    for (auto &pi : instrumentations_)
      pi->runBeforePass(pass, graph);

    auto start = std::chrono::steady_clock::now();
    absl::Status status = pass.fn(graph, options_);
    timings.emplace_back(pass.name, std::chrono::steady_clock::now() - start);
    if (!status.ok()) {
      status = prefixed(status, fmt::format("pass '{}' failed: ", pass.name));
    } else if (instr_.verifyEach) {
      absl::Status v = ir::verify(graph);
      if (!v.ok())
        status = prefixed(v, fmt::format("after pass '{}': ", pass.name));
    }
    const bool failed = !status.ok();

    const bool selected = instr_.printAfterAll || printChangedOnly ||
                          instr_.printAfter.find(pass.name) != instr_.printAfter.end();
    if (selected || dumping || instr_.printChanged || instr_.printDiff) {
      std::string text = print();
      bool changed = !haveLastText || text != lastText;
      if (instr_.printDiff && changed && haveLastText) {
        *out_ << fmt::format("// -----// IR Diff After {}{} //----- //\n", pass.name,
                             failed ? " Failed" : "")
              << unifiedDiff(lastText, text, "before/" + pass.name, "after/" + pass.name);
        out_->flush();
      }
      if (selected && (!instr_.printChanged || changed || failed)) {
        *out_ << fmt::format("// -----// IR Dump After {}{} //----- //\n", pass.name,
                             failed ? " Failed" : "")
              << text << "\n";
        out_->flush();
      }
      if (dumping) {
        absl::Status s = writeDump(i + 1, pass.name, text);
        if (!s.ok() && !failed)
          status = s;
      }
      lastText = std::move(text);
      haveLastText = true;
    }

    for (auto &pi : instrumentations_) {
      if (failed)
        pi->runAfterPassFailed(pass, graph, status);
      else
        pi->runAfterPass(pass, graph);
    }
    if (!status.ok()) {
      if (instr_.timePasses)
        printTimingReport(*out_, "Pass execution timing report", timings);
      return status;
    }
  }
  if (instr_.timePasses)
    printTimingReport(*out_, "Pass execution timing report", timings);
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
