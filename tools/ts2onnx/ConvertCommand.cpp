// `ts2onnx convert`: TorchScript archive -> ONNX file, with flags mirroring
// torch.onnx.export's parameters. A thin shell over the API (include/ts2onnx/ts2onnx.h).
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "passes/PassManager.h"
#include "tools/ts2onnx/Commands.h"
#include "tools/ts2onnx/Flags.h"
#include "tools/ts2onnx/InstrumentationFlags.h"
#include "tools/ts2onnx/OnnxFile.h"
#include "tools/ts2onnx/Report.h"
#include "ts2onnx/extend.h"
#include "ts2onnx/ts2onnx.h"

namespace ts2onnx::tool {

namespace {

struct ConvertFlags {
  std::string model, output, opset, operatorExportType, method, externalLocation, externalThreshold,
      progressMinBytes, threads, report;
  std::vector<std::string> inputs, outputNames, dynamicAxes, passOptions, customOpsets,
      customSchemas;
  bool noConstantFolding = false, noExportParams = false, keepInitializersAsInputs = false,
       training = false, verbose = false, externalData = false, fsync = false,
       exportModulesAsFunctions = false, noCrcCheck = false, externalReference = false,
       fuseBatchNorm = false;
  InstrumentationFlags instrumentation;
};

/// One line on stderr, rewritten in place (a terminal is assumed), at most ten times a second.
class ProgressLine {
public:
  void update(const Progress &p) {
    auto now = std::chrono::steady_clock::now();
    bool last = p.done == p.total;
    if (shown_ && p.step == step_ && !last && now - lastShown_ < std::chrono::milliseconds(100))
      return;
    std::string text;
    if (p.step == "load")
      text = fmt::format("ts2onnx: loading {}", p.detail);
    else if (p.step == "compile")
      text = fmt::format("ts2onnx: compiling {}", p.detail);
    else if (p.step == "emit")
      text = "ts2onnx: building and checking the ONNX model";
    else if (p.step == "passes")
      text = fmt::format("ts2onnx: pass {}/{} {}", p.done, p.total, p.detail);
    else if (p.step == "write")
      text = fmt::format("ts2onnx: writing initializers {}% ({:.0f}/{:.0f} MiB)",
                         p.total ? p.done * 100 / p.total : 100, double(p.done) / (1 << 20),
                         double(p.total) / (1 << 20));
    else
      text = fmt::format("ts2onnx: {} {}/{}", p.step, p.done, p.total);
    std::cerr << "\r\033[K" << text << std::flush;
    shown_ = true;
    step_ = p.step;
    lastShown_ = now;
  }
  /// Clears the line, so that what follows starts on a clean one.
  void finish() {
    if (shown_)
      std::cerr << "\r\033[K" << std::flush;
    shown_ = false;
  }

private:
  bool shown_ = false;
  std::string step_;
  std::chrono::steady_clock::time_point lastShown_;
};

/// `--time-passes`: the wall time of each phase of the conversion, from the progress events
/// (include/ts2onnx/ts2onnx.h lists them in order), printed as a table after the passes' one.
class PhaseTimes {
public:
  void update(const Progress &p) {
    if (p.step == "load" && p.done == 0)
      begin("read archive (zip, pickles, the code of their classes)");
    else if (p.step == "compile" && p.done == 0)
      begin("compile (the method, inlining, freezing)");
    else if (p.step == "load" && p.done == p.total)
      begin("passes");
    else if (p.step == "emit" && p.done == 0)
      begin("emit ONNX, checker, shape inference");
    else if (p.step == "emit" && p.done == p.total)
      begin("write");
  }
  /// Ends the phase under way (the last one, or where the conversion failed).
  void finish() { begin({}); }
  /// The phases reached, with their wall times (after finish()).
  const std::vector<passes::TimingRow> &rows() const { return rows_; }

private:
  void begin(std::string name) {
    auto now = std::chrono::steady_clock::now();
    if (!rows_.empty() && current_)
      rows_.back().second = now - since_;
    current_ = !name.empty();
    if (current_)
      rows_.emplace_back(std::move(name), std::chrono::steady_clock::duration{});
    since_ = now;
  }

  std::vector<passes::TimingRow> rows_;
  std::chrono::steady_clock::time_point since_;
  bool current_ = false;
};

} // namespace

int runConvert(const std::vector<std::string> &args) {
  ConvertFlags f;
  FlagParser parser(
      "ts2onnx convert MODEL.pt -o OUT.onnx [options]  (or MODEL.pt OUT.onnx)",
      "Converts a TorchScript archive (torch.jit.save) to an ONNX model. The flags mirror\n"
      "torch.onnx.export's parameters. Inputs are given in forward's argument order:\n"
      "  ts2onnx convert model.pt -o model.onnx --input 'x:float32[batch,3,224,224]'");
  parser.addPositional("MODEL", &f.model, "TorchScript archive (.pt)");
  std::string positionalOutput;
  parser.addPositional("OUT", &positionalOutput, "The ONNX file to write (or -o OUT)",
                       /*required=*/false);
  parser.addString("output", &f.output, "FILE", "Write the ONNX model to FILE (required)", 'o');
  parser.addString("opset", &f.opset, "N",
                   fmt::format("Target ai.onnx opset, {} to {} (default 17)", ts2onnx::kMinOpset,
                               ts2onnx::kMaxOpset));
  parser.addList("input", &f.inputs, "NAME:DTYPE[d0,...]",
                 "An argument of the method, in order; a named dim is dynamic, -1 or ? a dynamic "
                 "dim of its own, [] a scalar; a tuple argument is NAME:(DTYPE[..],DTYPE[..]) "
                 "(its members are the inputs NAME.0, NAME.1, ...). "
                 "Dtypes: float32 float16 float64 int64 int32 int8 uint8 bool",
                 /*splitCommas=*/false);
  parser.addList("output-name", &f.outputNames, "NAME", "ONNX name of the next output");
  parser.addList("dynamic-axis", &f.dynamicAxes, "NAME:AXIS[=SYMBOL]",
                 "Axis AXIS of input or output NAME is dynamic, named SYMBOL (generated "
                 "without one, as torch's list form of dynamic_axes)");
  parser.addBool("no-constant-folding", &f.noConstantFolding,
                 "Do not fold constant subgraphs (do_constant_folding=False)");
  parser.addBool("no-export-params", &f.noExportParams,
                 "Parameters become graph inputs instead of initializers (export_params=False)");
  parser.addBool("keep-initializers-as-inputs", &f.keepInitializersAsInputs,
                 "Also list the initializers among the graph inputs");
  parser.addBool("training", &f.training,
                 "Export in training mode (no eval-mode simplifications, no BatchNorm fusion)");
  parser.addString("operator-export-type", &f.operatorExportType, "TYPE",
                   "ONNX (default), ONNX_ATEN_FALLBACK or ONNX_FALLTHROUGH");
  parser.addList("custom-opset", &f.customOpsets, "DOMAIN:VERSION",
                 "Import custom opset DOMAIN at VERSION (custom_opsets); nodes of a custom "
                 "domain not listed are imported at version 1");
  parser.addList("custom-schema", &f.customSchemas, "FILE",
                 "Register the custom operator schemas in FILE (one per line, torch's schema "
                 "syntax: mydomain::op(Tensor x, float alpha) -> Tensor) so calls to them "
                 "compile; with --operator-export-type ONNX_FALLTHROUGH they stay nodes of "
                 "their domain",
                 /*splitCommas=*/false);
  parser.addBool("export-modules-as-functions", &f.exportModulesAsFunctions,
                 "Submodule calls become ONNX local functions, one per module class "
                 "(export_modules_as_functions=True; opset 15 and later)");
  parser.addString("method", &f.method, "NAME", "Method of the root module (default forward)");
  parser.addOptionalValue(
      "external-data", &f.externalData, &f.externalLocation, "LOCATION",
      "Store initializers of at least --external-data-threshold bytes in the file LOCATION "
      "(relative to the output's directory; default OUT.onnx.data), as ONNX external data. "
      "Automatic when the model would exceed 2 GB");
  parser.addBool(
      "external-data-reference", &f.externalReference,
      "Zero copy: initializers that are untouched tensor records of the archive stay in it; "
      "their ONNX external-data entries point into MODEL.pt (which must be in the output's "
      "directory or below it). Other large initializers go to the --external-data file, "
      "created only if one does. Turns BatchNorm fusion off (onnxruntime fuses "
      "Conv+BatchNormalization when it loads the model) unless --fuse-batch-norm is given");
  parser.addBool("fuse-batch-norm", &f.fuseBatchNorm,
                 "Fold BatchNorm into the preceding convolution even with "
                 "--external-data-reference (the default otherwise)");
  parser.addString("external-data-threshold", &f.externalThreshold, "BYTES",
                   "Smallest initializer stored externally (default and minimum 1024)");
  parser.addBool("no-crc-check", &f.noCrcCheck,
                 "Do not check the CRC-32 of the archive's records (faster on large archives; "
                 "a corrupt record then converts silently)");
  parser.addBool("fsync", &f.fsync, "Flush the written files to disk before renaming them");
  parser.addString("threads", &f.threads, "N",
                   "Threads that compute (fused weights) and write the weights (default: the "
                   "machine's cores, at most 8; weights under 16 MiB are written by one)");
  parser.addString("progress-min-bytes", &f.progressMinBytes, "BYTES",
                   "Show a progress line on stderr, when it is a terminal, for archives of at "
                   "least BYTES (default 104857600, 100 MiB)");
  parser.addBool("verbose", &f.verbose, "Print the final ONNX graph and skipped passes to stderr");
  f.instrumentation.addTo(parser, /*timesPhases=*/true);
  parser.addString("report", &f.report, "FILE.html",
                   "Write an HTML page of the conversion: each pass's time, node counts and "
                   "diff, the graph drawn before and after (with Graphviz dot), the warnings, "
                   "the signature and the initializers");
  parser.addList("pass-option", &f.passOptions, "KEY=VALUE", "Extra option for passes");

  if (absl::Status s = parser.parse(args); !s.ok())
    return reportUsageError("convert", s);
  if (parser.helpRequested()) {
    std::cout << parser.helpText();
    return kExitOk;
  }
  if (!positionalOutput.empty() && !f.output.empty() && positionalOutput != f.output)
    return reportUsageError(
        "convert", absl::InvalidArgumentError(fmt::format("two outputs given: '{}' and -o '{}'",
                                                          positionalOutput, f.output)));
  if (f.output.empty())
    f.output = positionalOutput;
  if (f.output.empty())
    return reportUsageError("convert", absl::InvalidArgumentError("missing -o OUT.onnx"));
  // Before any work: a directory cannot be replaced by the model.
  if (struct stat outStat; ::stat(f.output.c_str(), &outStat) == 0 && S_ISDIR(outStat.st_mode))
    return reportUsageError("convert", absl::InvalidArgumentError(fmt::format(
                                           "-o '{}' is a directory; name the file to write "
                                           "(e.g. {}/model.onnx)",
                                           f.output, f.output)));

  auto usage = [](std::string msg) {
    return reportUsageError("convert", absl::InvalidArgumentError(std::move(msg)));
  };
  ConvertOptions opts;
  if (!f.opset.empty()) {
    char *end = nullptr;
    long v = std::strtol(f.opset.c_str(), &end, 10);
    if (*end != '\0' || v < 1 || v > 1000)
      return usage(fmt::format("invalid --opset '{}'", f.opset));
    opts.opset = static_cast<int>(v);
  }
  for (const std::string &text : f.inputs) {
    auto specs = parseInputSpecs(text);
    if (!specs.ok())
      return reportUsageError("convert", specs.status());
    for (InputSpec &spec : *specs)
      opts.inputs.push_back(std::move(spec));
  }
  for (const std::string &text : f.dynamicAxes) {
    auto d = parseDynamicAxis(text);
    if (!d.ok())
      return reportUsageError("convert", d.status());
    opts.dynamicAxes.push_back(*std::move(d));
  }
  if (!f.operatorExportType.empty()) {
    auto t = parseOperatorExportType(f.operatorExportType);
    if (!t.ok())
      return reportUsageError("convert", t.status());
    opts.operatorExportType = *t;
  }
  for (const std::string &text : f.customOpsets) {
    auto d = parseCustomOpset(text);
    if (!d.ok())
      return reportUsageError("convert", d.status());
    opts.customOpsets[d->first] = d->second;
  }
  for (const std::string &file : f.customSchemas) {
    std::ifstream in(file);
    if (!in)
      return usage(fmt::format("--custom-schema: cannot read '{}'", file));
    std::string line;
    for (int lineNo = 1; std::getline(in, line); ++lineNo) {
      if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#')
        continue;
      if (absl::Status s = registerOperatorSchema(line); !s.ok())
        return usage(fmt::format("{}:{}: {}", file, lineNo, std::string(s.message())));
    }
  }
  for (const std::string &kv : f.passOptions) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return usage(fmt::format("--pass-option '{}' is not KEY=VALUE", kv));
    opts.passOptions[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  opts.outputNames = f.outputNames;
  opts.constantFolding = !f.noConstantFolding;
  opts.exportParams = !f.noExportParams;
  opts.keepInitializersAsInputs = f.keepInitializersAsInputs;
  opts.training = f.training;
  opts.exportModulesAsFunctions = f.exportModulesAsFunctions;
  if (!f.method.empty())
    opts.method = f.method;
  opts.verbose = f.verbose;
  opts.verifyChecksums = !f.noCrcCheck;
  passRegistry(); // so --print-after and --passes know to-onnx
  if (absl::Status s = f.instrumentation.apply(opts.instrumentation); !s.ok())
    return reportUsageError("convert", s);

  OutputOptions out;
  out.externalData = f.externalData;
  out.externalLocation = f.externalLocation;
  out.externalReference = f.externalReference;
  opts.fuseBatchNorm = !f.externalReference || f.fuseBatchNorm;
  out.fsync = f.fsync;
  out.releaseMemory = !exitsAfterCommand();
  // A non-negative decimal flag value, or a usage error naming the flag.
  auto count = [](const std::string &text, const char *flag, uint64_t max,
                  uint64_t &value) -> absl::Status {
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || text[0] == '-' || v > max)
      return absl::InvalidArgumentError(fmt::format("invalid --{} '{}'", flag, text));
    value = v;
    return absl::OkStatus();
  };
  if (!f.externalThreshold.empty()) {
    uint64_t v = 0;
    if (absl::Status s = count(f.externalThreshold, "external-data-threshold", SIZE_MAX, v);
        !s.ok())
      return usage(std::string(s.message()));
    out.externalThreshold = static_cast<size_t>(v);
  }
  if (!f.threads.empty()) {
    uint64_t v = 0;
    if (absl::Status s = count(f.threads, "threads", 256, v); !s.ok() || v == 0)
      return usage(fmt::format("invalid --threads '{}' (1 to 256)", f.threads));
    out.threads = static_cast<unsigned>(v);
  }

  uint64_t progressMinBytes = uint64_t{100} << 20;
  if (!f.progressMinBytes.empty())
    if (absl::Status s =
            count(f.progressMinBytes, "progress-min-bytes", UINT64_MAX, progressMinBytes);
        !s.ok())
      return usage(std::string(s.message()));
  ProgressLine progress;
  struct stat st;
  // Not with --verbose, whose output would interleave with the line.
  const bool showProgress = !opts.verbose && ::isatty(STDERR_FILENO) &&
                            ::stat(f.model.c_str(), &st) == 0 &&
                            uint64_t(st.st_size) >= progressMinBytes;
  PhaseTimes phases;
  const bool timePhases = opts.instrumentation.timePasses || !f.report.empty();
  if (showProgress || timePhases)
    opts.progress = [&](const Progress &p) {
      if (showProgress)
        progress.update(p);
      if (timePhases)
        phases.update(p);
    };

  if (opts.inputs.empty()) {
    // Without specs the arguments have no shapes: say which ones the method takes.
    absl::StatusOr<std::string> flags = inputTemplate(f.model, opts);
    if (!flags.ok())
      return reportError("convert", flags.status());
    if (!flags->empty())
      return reportError(
          "convert",
          absl::InvalidArgumentError(fmt::format(
              "missing --input: {} {} (DTYPE: float32, int64, ...; DIMS: "
              "1,3,224,224 or batch,3,224,224; `ts2onnx dump --signature` prints "
              "this)",
              opts.method.empty() ? "forward" : opts.method, fmt::format("needs {}", *flags))));
  }
  // Warnings are printed once the model is written: a failed conversion prints one line.
  std::vector<std::string> warnings;
  ReportRecorder recorder;
  opts.onWarning = [&warnings, &recorder](const std::string &m) {
    warnings.push_back(m);
    recorder.addWarning(m);
  };
  if (!f.report.empty())
    opts.passInstrumentation = &recorder;
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ConvertedFile> written = convertToFile(f.model, f.output, opts, out);
  progress.finish();
  phases.finish();
  if (opts.instrumentation.timePasses)
    passes::printTimingReport(std::cerr, "Conversion phase timing report", phases.rows());
  if (!f.report.empty()) {
    ReportInfo info;
    info.modelPath = f.model;
    info.outputPath = f.output;
    info.commandLine = "ts2onnx convert";
    for (const std::string &a : args)
      info.commandLine += " " + a;
    info.opset = opts.opset;
    info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const auto &[name, time] : phases.rows())
      info.phases.emplace_back(name, std::chrono::duration<double, std::milli>(time).count());
    absl::StatusOr<onnx::ModelProto> model = absl::UnknownError("");
    if (written.ok())
      model = readOnnxModel(f.output);
    else
      info.error = errorMessage(written.status());
    if (absl::Status s = writeReport(f.report, recorder, info, model.ok() ? &*model : nullptr);
        !s.ok())
      return reportError("convert", s);
  }
  if (!written.ok())
    return reportError("convert", written.status());
  for (const std::string &w : warnings)
    std::cerr << w << "\n";
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string external;
  if (written->referencedTensors > 0)
    external += fmt::format("; {} initializers left in {} ({} bytes)", written->referencedTensors,
                            f.model, written->referencedBytes);
  if (!written->externalPath.empty())
    external +=
        fmt::format("; {} initializers in {} ({} bytes{})", written->externalTensors,
                    written->externalPath, written->externalBytes,
                    written->externalAutomatic ? ", automatic: the model exceeds 2 GB" : "");
  std::cerr << fmt::format("ts2onnx convert: wrote {} (opset {}, {} nodes, {} initializers{}); "
                           "converted in {:.2f} s\n",
                           f.output, opts.opset, written->nodes, written->initializers, external,
                           seconds);
  return kExitOk;
}

} // namespace ts2onnx::tool
