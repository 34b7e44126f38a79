#include "tools/ts2onnx/Report.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "ir/Dot.h"
#include "ir/Printer.h"
#include "passes/TextDiff.h"
#include "tools/ts2onnx/OnnxFile.h"

extern char **environ;

namespace ts2onnx::tool {

namespace {

/// Graphs with more nodes than this (constants left out) are drawn up to it: dot takes seconds
/// on a few hundred nodes and the drawing stops being readable long before.
constexpr size_t kMaxDrawnNodes = 300;
/// A pass's diff longer than this is cut (the page stays loadable on large models).
constexpr size_t kMaxDiffBytes = 100 * 1024;

size_t countNodes(const ir::Block &b) {
  size_t n = 0;
  for (const ir::Node *node : b.nodes()) {
    ++n;
    for (const ir::Block *sub : node->blocks())
      n += countNodes(*sub);
  }
  return n;
}

std::string drawDot(const ir::Graph &g, const std::string &name) {
  ir::DotOptions o;
  o.maxNodes = kMaxDrawnNodes;
  o.hideConstants = true;
  return ir::printDot(g, name, o);
}

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string humanBytes(uint64_t b) {
  if (b >= (uint64_t{1} << 20))
    return fmt::format("{:.1f} MiB", double(b) / (1 << 20));
  if (b >= 1024)
    return fmt::format("{:.1f} KiB", double(b) / 1024);
  return fmt::format("{} B", b);
}

/// Runs `dot -Tsvg` on `source`; the SVG element, or an explanation starting with "!".
std::string runDot(const std::string &source) {
  const char *env = std::getenv("TS2ONNX_DOT");
  std::string program = env && *env ? env : "dot";
  if (program == "none")
    return "!drawing disabled (TS2ONNX_DOT=none)";
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  std::string base = (dir / fmt::format("ts2onnx-report-{}-{}", ::getpid(), std::rand())).string();
  std::string in = base + ".dot", out = base + ".svg";
  {
    std::ofstream f(in, std::ios::binary);
    f << source;
    if (!f)
      return "!cannot write a temporary file for dot";
  }
  std::vector<std::string> args = {program, "-Tsvg", "-o", out, in};
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ);
  std::string result;
  if (rc != 0) {
    result = fmt::format("!Graphviz `{}` was not found ({}); install Graphviz (Debian: apt-get "
                         "install graphviz) to see the graphs drawn here",
                         program, std::strerror(rc));
  } else {
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::ifstream f(out, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string svg = ss.str();
    size_t at = svg.find("<svg");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || at == std::string::npos)
      result = fmt::format("!`{}` failed (exit status {})", program,
                           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    else
      result = svg.substr(at);
  }
  std::error_code ec;
  std::filesystem::remove(in, ec);
  std::filesystem::remove(out, ec);
  return result;
}

} // namespace

void ReportRecorder::runBeforePass(const passes::PassInfo &pass, const ir::Graph &graph) {
  if (!started_) {
    started_ = true;
    lastText_ = ir::printGraph(graph);
    nodesBefore_ = countNodes(*graph.block());
    dotBefore_ = drawDot(graph, "before");
  }
  PassRecord r;
  r.name = pass.name;
  r.nodesBefore = passes_.empty() ? nodesBefore_ : passes_.back().nodesAfter;
  passes_.push_back(std::move(r));
  inPass_ = true;
  passStart_ = std::chrono::steady_clock::now();
}

void ReportRecorder::finishPass(const ir::Graph &graph) {
  PassRecord &r = passes_.back();
  r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - passStart_)
             .count();
  inPass_ = false;
  r.nodesAfter = countNodes(*graph.block());
  std::string text = ir::printGraph(graph);
  if (text != lastText_) {
    r.changed = true;
    r.diff = passes::unifiedDiff(lastText_, text, "before/" + r.name, "after/" + r.name);
    if (r.diff.size() > kMaxDiffBytes) {
      size_t cut = r.diff.rfind('\n', kMaxDiffBytes);
      r.diff.resize(cut == std::string::npos ? kMaxDiffBytes : cut + 1);
      r.diffCut = true;
    }
    lastText_ = std::move(text);
  }
  nodesAfter_ = r.nodesAfter;
}

void ReportRecorder::runAfterPass(const passes::PassInfo &, const ir::Graph &graph) {
  finishPass(graph);
  dotAfter_ = drawDot(graph, "after");
}

void ReportRecorder::runAfterPassFailed(const passes::PassInfo &, const ir::Graph &graph,
                                        const absl::Status &error) {
  finishPass(graph);
  passes_.back().error = std::string(error.message());
  dotAfter_ = drawDot(graph, "after");
}

void ReportRecorder::addWarning(const std::string &message) {
  std::string where = inPass_ ? passes_.back().name : (started_ ? "export" : "load");
  if (inPass_)
    passes_.back().warnings.push_back(message);
  warnings_.push_back({where, message});
}

absl::Status writeReport(const std::string &path, const ReportRecorder &rec, const ReportInfo &info,
                         const onnx::ModelProto *model) {
  std::string h;
  h += R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>ts2onnx report: )" +
       esc(info.modelPath) + R"(</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{background:#7aa7d8;height:.8em;display:inline-block}
pre{background:#f7f7f7;padding:.6em;overflow:auto;font-size:.8em;max-height:40em}
.add{color:#1a7f37}.del{color:#cf222e}.hunk{color:#8250df}
.note{background:#fff8c5;border:1px solid #d4a72c;padding:.4em .6em}
.err{background:#ffebe9;border:1px solid #cf222e;padding:.4em .6em}
.graphs{display:flex;gap:1em;flex-wrap:wrap}.graphs>div{flex:1 1 45%;min-width:300px;overflow:auto;max-height:60em;border:1px solid #ddd}
.graphs svg{max-width:100%;height:auto}
nav a{margin-right:1em}
</style></head><body>
)";
  h += "<h1>ts2onnx conversion report</h1>\n";
  h +=
      R"(<nav><a href="#summary">Summary</a><a href="#pipeline">Pipeline</a><a href="#diffs">Diffs</a><a href="#graphs">Graphs</a><a href="#warnings">Warnings</a><a href="#signature">Signature</a><a href="#initializers">Initializers</a></nav>)";
  h += "\n<section id=\"summary\"><h2>Summary</h2><table>\n";
  auto row = [&h](std::string_view k, std::string_view v) {
    h += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", esc(k), esc(v));
  };
  row("Model", info.modelPath);
  row("Output", info.outputPath);
  row("Command", info.commandLine);
  row("Opset", std::to_string(info.opset));
  row("Result", info.error.empty() ? fmt::format("converted in {:.2f} s", info.seconds)
                                   : "failed: " + info.error);
  std::string phases;
  for (const auto &[name, ms] : info.phases)
    phases += fmt::format("{}{}: {:.1f} ms", phases.empty() ? "" : "; ", name, ms);
  if (!phases.empty())
    row("Phases", phases);
  row("Nodes", fmt::format("{} before the first pass, {} after the last", rec.nodesBefore(),
                           rec.nodesAfter()));
  row("Warnings", std::to_string(rec.warnings().size()));
  h += "</table>\n";
  if (!info.error.empty())
    h += "<p class=\"err\">" + esc(info.error) + "</p>\n";
  h += "</section>\n";

  // Pipeline.
  double total = 0, maxMs = 0;
  for (const auto &p : rec.passes()) {
    total += p.ms;
    maxMs = std::max(maxMs, p.ms);
  }
  h += fmt::format("<section id=\"pipeline\"><h2>Pipeline ({} passes, {:.1f} ms)</h2>\n",
                   rec.passes().size(), total);
  h += "<table><tr><th>#</th><th>Pass</th><th>Time (ms)</th><th></th><th>Nodes before</th>"
       "<th>Nodes after</th><th>Changed</th><th>Warnings</th></tr>\n";
  for (size_t i = 0; i < rec.passes().size(); ++i) {
    const auto &p = rec.passes()[i];
    int width = maxMs > 0 ? int(100 * p.ms / maxMs) : 0;
    h += fmt::format("<tr{}><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{:.2f}</td>"
                     "<td><span class=\"bar\" style=\"width:{}px\"></span></td>"
                     "<td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td>"
                     "<td class=\"n\">{}</td></tr>\n",
                     p.error.empty() ? "" : " class=\"err\"", i + 1,
                     p.changed ? fmt::format("<a href=\"#pass-{}\">{}</a>", i + 1, esc(p.name))
                               : esc(p.name),
                     p.ms, width, p.nodesBefore, p.nodesAfter,
                     p.error.empty() ? (p.changed ? "yes" : "") : "failed", p.warnings.size());
  }
  h += "</table></section>\n";

  // Diffs.
  h += "<section id=\"diffs\"><h2>Diffs</h2>\n<p>Each pass that changed the printed IR, as a "
       "unified diff (click to open).</p>\n";
  for (size_t i = 0; i < rec.passes().size(); ++i) {
    const auto &p = rec.passes()[i];
    if (!p.changed && p.error.empty())
      continue;
    h += fmt::format("<details id=\"pass-{}\"><summary>{}. {}: {} &rarr; {} nodes{}</summary>\n",
                     i + 1, i + 1, esc(p.name), p.nodesBefore, p.nodesAfter,
                     p.error.empty() ? "" : " (failed)");
    if (!p.error.empty())
      h += "<p class=\"err\">" + esc(p.error) + "</p>\n";
    h += "<pre>";
    std::string_view d = p.diff;
    while (!d.empty()) {
      size_t nl = d.find('\n');
      std::string_view line = d.substr(0, nl == std::string_view::npos ? d.size() : nl + 1);
      d.remove_prefix(line.size());
      const char *cls = nullptr;
      if (line.substr(0, 2) == "@@")
        cls = "hunk";
      else if (line.substr(0, 3) != "+++" && line.substr(0, 1) == "+")
        cls = "add";
      else if (line.substr(0, 3) != "---" && line.substr(0, 1) == "-")
        cls = "del";
      h += cls ? fmt::format("<span class=\"{}\">{}</span>", cls, esc(line)) : esc(line);
    }
    h += "</pre>\n";
    if (p.diffCut)
      h += fmt::format("<p class=\"note\">Diff cut at {} KiB.</p>\n", kMaxDiffBytes / 1024);
    h += "</details>\n";
  }
  h += "</section>\n";

  // Graphs.
  h += "<section id=\"graphs\"><h2>Graphs</h2>\n";
  h += fmt::format("<p>Constants are not drawn; graphs with more than {} other nodes are drawn "
                   "up to that many, in program order (a note in the drawing counts the rest). "
                   "Blocks of If and Loop are clusters.</p>\n",
                   kMaxDrawnNodes);
  h += "<div class=\"graphs\">\n";
  for (auto [title, id, source] : {std::tuple<const char *, const char *, const std::string *>{
                                       "Before the first pass", "graph-before", &rec.dotBefore()},
                                   {"After the last pass", "graph-after", &rec.dotAfter()}}) {
    h += fmt::format("<div id=\"{}\"><h3>{}</h3>\n", id, title);
    if (source->empty()) {
      h += "<p class=\"note\">No pass ran.</p>";
    } else {
      std::string svg = runDot(*source);
      if (!svg.empty() && svg[0] == '!')
        h += "<p class=\"note\">" + esc(svg.substr(1)) +
             ".</p>\n<details><summary>Graphviz source</summary><pre>" + esc(*source) +
             "</pre></details>\n";
      else
        h += svg;
    }
    h += "</div>\n";
  }
  h += "</div></section>\n";

  // Warnings.
  h += fmt::format("<section id=\"warnings\"><h2>Warnings ({})</h2>\n", rec.warnings().size());
  if (rec.warnings().empty()) {
    h += "<p>None.</p>\n";
  } else {
    h += "<table><tr><th>Raised during</th><th>Warning (with its source location)</th></tr>\n";
    for (const auto &w : rec.warnings())
      h += fmt::format("<tr><td>{}</td><td><code>{}</code></td></tr>\n", esc(w.pass),
                       esc(w.message));
    h += "</table>\n";
  }
  h += "</section>\n";

  // Signature and initializers.
  h += "<section id=\"signature\"><h2>Signature</h2>\n";
  if (!model) {
    h += "<p class=\"note\">No model was written.</p></section>\n";
    h += "<section id=\"initializers\"><h2>Initializers</h2><p class=\"note\">No model was "
         "written.</p></section>\n";
  } else {
    const onnx::GraphProto &g = model->graph();
    std::map<std::string, const onnx::TensorProto *> inits;
    for (const onnx::TensorProto &t : g.initializer())
      inits[t.name()] = &t;
    std::string opsets;
    for (const auto &o : model->opset_import())
      opsets += fmt::format("{}{} {}", opsets.empty() ? "" : ", ",
                            o.domain().empty() ? "ai.onnx" : o.domain(), o.version());
    h += "<p>Opsets: " + esc(opsets) + "</p>\n";
    h += "<table><tr><th></th><th>Name</th><th>Type</th></tr>\n";
    for (const auto &v : g.input())
      if (!inits.count(v.name()))
        h +=
            fmt::format("<tr><td>input</td><td><code>{}</code></td><td><code>{}</code></td></tr>\n",
                        esc(v.name()), esc(formatValueType(v.type())));
    for (const auto &v : g.output())
      h += fmt::format("<tr><td>output</td><td><code>{}</code></td><td><code>{}</code></td></tr>\n",
                       esc(v.name()), esc(formatValueType(v.type())));
    h += "</table></section>\n";

    struct Init {
      std::string name, dtype, shape;
      uint64_t bytes;
    };
    std::vector<Init> list;
    std::map<std::string, std::pair<int, uint64_t>> byType;
    uint64_t totalBytes = 0;
    for (const onnx::TensorProto &t : g.initializer()) {
      uint64_t elems = 1;
      std::string shape;
      for (int64_t d : t.dims()) {
        elems *= uint64_t(d);
        shape += (shape.empty() ? "" : ",") + std::to_string(d);
      }
      std::string dtype = onnxDtypeName(t.data_type())
                              .value_or(onnx::TensorProto::DataType_Name(
                                  onnx::TensorProto::DataType(t.data_type())));
      uint64_t bytes = elems * onnxElementSize(t.data_type());
      list.push_back({t.name(), dtype, "[" + shape + "]", bytes});
      byType[dtype].first++;
      byType[dtype].second += bytes;
      totalBytes += bytes;
    }
    h += fmt::format("<section id=\"initializers\"><h2>Initializers ({}, {})</h2>\n", list.size(),
                     humanBytes(totalBytes));
    if (!list.empty()) {
      h += "<table><tr><th>Dtype</th><th>Count</th><th>Bytes</th></tr>\n";
      for (const auto &[dtype, cb] : byType)
        h += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                         esc(dtype), cb.first, humanBytes(cb.second));
      h += "</table>\n";
      std::stable_sort(list.begin(), list.end(),
                       [](const Init &a, const Init &b) { return a.bytes > b.bytes; });
      size_t shown = std::min<size_t>(list.size(), 20);
      h += fmt::format("<p>The {} largest:</p>\n<table><tr><th>Name</th><th>Dtype</th>"
                       "<th>Shape</th><th>Bytes</th></tr>\n",
                       shown);
      for (size_t i = 0; i < shown; ++i)
        h += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td>"
                         "<td class=\"n\">{}</td></tr>\n",
                         esc(list[i].name), esc(list[i].dtype), esc(list[i].shape),
                         humanBytes(list[i].bytes));
      h += "</table>\n";
    }
    h += "</section>\n";
  }
  h += "</body></html>\n";

  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << h;
  f.close();
  if (!f)
    return absl::InvalidArgumentError(fmt::format("--report: cannot write '{}'", path));
  return absl::OkStatus();
}

} // namespace ts2onnx::tool
