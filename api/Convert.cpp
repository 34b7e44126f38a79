// The standard conversion: archive -> frozen graph -> passes -> symbolics -> ModelProto.
#include <algorithm>
#include <future>
#include <iostream>
#include <mutex>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <fmt/format.h>

#include "frontend/Archive.h"
#include "frontend/schema/Schema.h"
#include "ir/Status.h"
#include "onnx-passes/OnnxPasses.h"
#include "passes/PassManager.h"
#include "passes/PassRegistry.h"
#include "symbolics/SymbolicRegistry.h"
#include "symbolics/Symbolics.h"
#include "ts2onnx/extend.h"
#include "ts2onnx/ts2onnx.h"
#include "writer/Emitter.h"
#include "writer/ModelWriter.h"
#include "writer/Payloads.h"
#include "writer/PendingFiles.h"

// Freezing lives in the frontend (it needs the archive's module tree); until that file exists
// the pipeline runs without it and the exporter reports the module attributes it finds.
#if __has_include("frontend/Freeze.h")
#include "frontend/Freeze.h"
#define TS2ONNX_HAVE_FREEZE 1
#else
#define TS2ONNX_HAVE_FREEZE 0
#endif

#ifndef TS2ONNX_VERSION
#define TS2ONNX_VERSION "0.0.0"
#endif

namespace ts2onnx {

const char *version() { return TS2ONNX_VERSION; }

namespace {

std::ostream &logStream(const ConvertOptions &o) { return o.log ? *o.log : std::cerr; }

/// The registry with the symbolics' passes (to-onnx, ...) added once.
passes::PassRegistry &registryWithSymbolics() {
  static std::once_flag once;
  std::call_once(once, [] {
    // AlreadyExists when an embedding tool registered them itself: harmless.
    (void)symbolics::registerPasses(passes::PassRegistry::global());
    (void)onnx_passes::registerPasses(passes::PassRegistry::global());
  });
  return passes::PassRegistry::global();
}

absl::StatusOr<int64_t> parseInt(std::string_view s, std::string_view what) {
  if (s.empty())
    return absl::InvalidArgumentError(fmt::format("missing {}", what));
  int64_t v = 0;
  size_t i = 0;
  bool neg = s[0] == '-';
  if (neg)
    i = 1;
  if (i == s.size())
    return absl::InvalidArgumentError(fmt::format("invalid {} '{}'", what, s));
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9' || v > (int64_t{1} << 50))
      return absl::InvalidArgumentError(fmt::format("invalid {} '{}'", what, s));
    v = v * 10 + (s[i] - '0');
  }
  return neg ? -v : v;
}

bool isIdentifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9'))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

/// `x.1` -> `x`.
std::string stripSuffix(const std::string &name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == name.size() ||
      name.find_first_not_of("0123456789", dot + 1) != std::string::npos)
    return name;
  return name.substr(0, dot);
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ')
    s.remove_suffix(1);
  return std::string(s);
}

/// Forwards to an instrumentation the caller owns.
class ForwardingInstrumentation : public passes::PassInstrumentation {
public:
  explicit ForwardingInstrumentation(passes::PassInstrumentation *to) : to_(to) {}
  void runBeforePass(const passes::PassInfo &p, const ir::Graph &g) override {
    to_->runBeforePass(p, g);
  }
  void runAfterPass(const passes::PassInfo &p, const ir::Graph &g) override {
    to_->runAfterPass(p, g);
  }
  void runAfterPassFailed(const passes::PassInfo &p, const ir::Graph &g,
                          const absl::Status &e) override {
    to_->runAfterPassFailed(p, g, e);
  }

private:
  passes::PassInstrumentation *to_;
};

/// Reports every finished pass to ConvertOptions::progress.
class ProgressInstrumentation : public passes::PassInstrumentation {
public:
  ProgressInstrumentation(const std::function<void(const Progress &)> &fn, uint64_t total)
      : fn_(fn), total_(total) {}
  void runAfterPass(const passes::PassInfo &p, const ir::Graph &) override {
    fn_(Progress{"passes", ++done_, total_, p.name});
  }

private:
  const std::function<void(const Progress &)> &fn_;
  uint64_t total_;
  uint64_t done_ = 0;
};

/// The dynamic axes with a symbol each: torch's list form (`{'ids': [0, 1]}`, `--dynamic-axis
/// ids:0`) names the k-th listed axis of NAME `NAME_dynamic_axes_k`, as torch.onnx.export does.
std::vector<DynamicAxis> namedDynamicAxes(const ConvertOptions &options) {
  std::vector<DynamicAxis> out = options.dynamicAxes;
  absl::flat_hash_map<std::string, int> listed;
  for (DynamicAxis &d : out) {
    int k = ++listed[d.name];
    if (d.symbol.empty())
      d.symbol = fmt::format("{}_dynamic_axes_{}", d.name, k);
  }
  return out;
}

/// Every --dynamic-axis must name an input or output of the written model: a typo, or the
/// argument's name after --input renamed it, would otherwise leave the axis static unnoticed.
absl::Status checkDynamicAxisNames(const onnx::GraphProto &g, const ConvertOptions &options) {
  absl::flat_hash_set<std::string> known;
  std::string inputs, outputs;
  for (const auto &vi : g.input()) {
    known.insert(vi.name());
    inputs += (inputs.empty() ? "" : ", ") + vi.name();
  }
  for (const auto &vi : g.output()) {
    known.insert(vi.name());
    outputs += (outputs.empty() ? "" : ", ") + vi.name();
  }
  for (const DynamicAxis &d : options.dynamicAxes)
    if (!known.count(d.name))
      return absl::InvalidArgumentError(fmt::format(
          "--dynamic-axis {}:{}: the model has no input or output named '{}' (inputs: {}; "
          "outputs: {})",
          d.name, d.axis, d.name, inputs.empty() ? "none" : inputs,
          outputs.empty() ? "none" : outputs));
  return absl::OkStatus();
}

ir::TypePtr tensorTypeFor(const InputSpec &spec, const ConvertOptions &options,
                          absl::Status &error) {
  ir::TensorInfo info;
  info.dtype = spec.dtype;
  std::vector<ir::Dim> dims = spec.dims;
  for (const DynamicAxis &d : namedDynamicAxes(options)) {
    if (d.name != spec.name)
      continue;
    int64_t a = d.axis < 0 ? d.axis + static_cast<int64_t>(dims.size()) : d.axis;
    if (a < 0 || a >= static_cast<int64_t>(dims.size())) {
      error =
          absl::InvalidArgumentError(fmt::format("--dynamic-axis {}:{}={}: input '{}' has rank {}",
                                                 d.name, d.axis, d.symbol, spec.name, dims.size()));
      return nullptr;
    }
    dims[static_cast<size_t>(a)] = ir::Dim::named(d.symbol);
  }
  info.sizes = std::move(dims);
  return ir::Type::tensor(std::move(info));
}

/// A ready --input spec for an argument, with what its declared type tells: `n:int64[]` for an
/// int, `x:DTYPE[DIMS]` for a Tensor (TorchScript does not record its dtype or rank), one per
/// member of a tuple.
std::string inputTemplate(const ir::Value &arg) {
  std::string name = stripSuffix(arg.debugName());
  auto one = [](const std::string &n, const ir::Type &declared) {
    // Optional[bool] (torch 2.x's is_causal) is given as its bool; None is its default.
    const ir::Type &t = declared.is(ir::TypeKind::Optional) && !declared.contained().empty()
                            ? *declared.contained()[0]
                            : declared;
    if (t.is(ir::TypeKind::Int))
      return fmt::format("{}:int64[]", n);
    if (t.is(ir::TypeKind::Float))
      return fmt::format("{}:float32[]", n);
    if (t.is(ir::TypeKind::Bool))
      return fmt::format("{}:bool[]", n);
    return fmt::format("{}:DTYPE[DIMS]", n);
  };
  const ir::Type &t = *arg.type();
  if (!t.is(ir::TypeKind::Tuple))
    return one(name, t);
  // A tuple argument: `pair:(DTYPE[DIMS],int64[])`, one member each.
  std::vector<std::string> members;
  for (size_t k = 0; k < t.contained().size(); ++k)
    members.push_back(one("", *t.contained()[k]).substr(1));
  return fmt::format("{}:({})", name, fmt::join(members, ","));
}

/// Types the method's arguments (graph inputs 1...) from the specs, in order. A tuple argument
/// takes one spec per member (`pair.0`, `pair.1`, as torch flattens them) and becomes that many
/// graph inputs packed by a TupleConstruct; trailing arguments without a spec take their default
/// from the signature (`is_causal: bool = False`; Optional ones without a default are None), as
/// when torch.onnx.export is given fewer args.
absl::Status bindInputs(ir::Graph &graph, const ConvertOptions &options, const std::string &path,
                        const std::string &method) {
  std::vector<ir::Value *> args(graph.inputs().begin() + (graph.inputs().empty() ? 0 : 1),
                                graph.inputs().end());
  std::string argNames;
  for (ir::Value *a : args)
    argNames += (argNames.empty() ? "" : ", ") + stripSuffix(a->debugName());
  auto countError = [&]() {
    // What to do: the specs of the arguments left without one, or the specs without argument.
    std::string todo;
    if (options.inputs.size() < args.size()) {
      std::vector<std::string> add;
      for (size_t i = options.inputs.size(); i < args.size(); ++i)
        add.push_back(fmt::format("--input '{}'", inputTemplate(*args[i])));
      todo = fmt::format("; add {}", fmt::join(add, " "));
    } else {
      std::vector<std::string> extra;
      for (size_t i = args.size(); i < options.inputs.size(); ++i)
        extra.push_back(fmt::format("'{}'", options.inputs[i].name));
      todo = fmt::format("; {} match{} no argument", fmt::join(extra, ", "),
                         extra.size() == 1 ? "es" : "");
    }
    return absl::InvalidArgumentError(
        fmt::format("{}: {} takes {} argument{} ({}) but {} --input spec{} given{}", path, method,
                    args.size(), args.size() == 1 ? "" : "s", argNames, options.inputs.size(),
                    options.inputs.size() == 1 ? " was" : "s were", todo));
  };
  ir::Block *top = graph.block();
  size_t spec = 0, pos = 1;
  for (ir::Value *arg : args) {
    const ir::Type &t = *arg->type();
    if (spec == options.inputs.size()) {
      // No spec left: an argument with a default in the signature takes it (as a Python call
      // does), an Optional one without is None; anything else needs a spec.
      const ir::ArgumentDefault *d = graph.inputDefault(arg);
      if (!d && !t.is(ir::TypeKind::Optional) && !t.is(ir::TypeKind::None))
        return countError();
      ir::WithInsertPoint guard(top->nodes().begin() != top->nodes().end() ? *top->nodes().begin()
                                                                           : top->returnNode());
      ir::ArgumentDefault value = d ? *d : ir::ArgumentDefault{};
      if (value.kind == ir::ArgumentDefault::Kind::Int && t.is(ir::TypeKind::Float)) {
        value.kind = ir::ArgumentDefault::Kind::Float; // `x: float = 1`
        value.f = static_cast<double>(value.i);
      }
      arg->replaceAllUsesWith(graph.insertConstantDefault(value));
      top->eraseInput(pos);
      continue;
    }
    std::string argName = stripSuffix(arg->debugName());
    if (t.is(ir::TypeKind::Tuple) && options.inputs[spec].name == argName + ".0") {
      size_t n = t.contained().size();
      if (spec + n > options.inputs.size())
        return countError();
      std::vector<ir::Value *> members;
      std::vector<ir::TypePtr> memberTypes;
      for (size_t k = 0; k < n; ++k) {
        if (!t.contained()[k]->isTensor())
          return absl::UnimplementedError(fmt::format(
              "{}: argument '{}' is a tuple with a {} member; only tuples of tensors can be given "
              "as inputs",
              path, argName, t.contained()[k]->str()));
        absl::Status error;
        ir::TypePtr mt = tensorTypeFor(options.inputs[spec + k], options, error);
        TS2ONNX_RETURN_IF_ERROR(error);
        ir::Value *in = top->insertInput(pos + 1 + k, options.inputs[spec + k].name);
        in->setType(mt);
        members.push_back(in);
        memberTypes.push_back(mt);
      }
      ir::Node *tc = graph.create(ir::prim::TupleConstruct, members);
      tc->output()->setType(ir::Type::tuple(memberTypes));
      top->prependNode(tc);
      arg->replaceAllUsesWith(tc->output());
      top->eraseInput(pos);
      spec += n;
      pos += n;
      continue;
    }
    absl::Status error;
    ir::TypePtr tt = tensorTypeFor(options.inputs[spec], options, error);
    TS2ONNX_RETURN_IF_ERROR(error);
    arg->setType(tt);
    ++spec;
    ++pos;
  }
  if (spec != options.inputs.size())
    return countError();
  return absl::OkStatus();
}

} // namespace

absl::StatusOr<InputSpec> parseInputSpec(const std::string &text) {
  // NAME:DTYPE[d0,d1,...]
  size_t colon = text.find(':');
  size_t open = text.find('[', colon == std::string::npos ? 0 : colon);
  if (colon == std::string::npos || colon == 0 || open == std::string::npos || text.back() != ']')
    return absl::InvalidArgumentError(
        fmt::format("--input '{}' is not NAME:DTYPE[d0,d1,...] (e.g. x:float32[1,3,224,224], "
                    "n:int64[] for a scalar)",
                    text));
  InputSpec spec;
  spec.name = text.substr(0, colon);
  std::string dtype = text.substr(colon + 1, open - colon - 1);
  static const std::vector<std::pair<std::string, ir::ScalarType>> kDtypes = {
      {"float32", ir::ScalarType::Float32}, {"float16", ir::ScalarType::Float16},
      {"float64", ir::ScalarType::Float64}, {"int64", ir::ScalarType::Int64},
      {"int32", ir::ScalarType::Int32},     {"int8", ir::ScalarType::Int8},
      {"uint8", ir::ScalarType::UInt8},     {"bool", ir::ScalarType::Bool},
  };
  // torch's and numpy's other spellings.
  static const std::vector<std::pair<std::string, std::string>> kAliases = {
      {"float", "float32"},  {"f32", "float32"}, {"half", "float16"}, {"f16", "float16"},
      {"double", "float64"}, {"f64", "float64"}, {"long", "int64"},   {"i64", "int64"},
      {"int", "int32"},      {"i32", "int32"},   {"i8", "int8"},      {"u8", "uint8"},
      {"byte", "uint8"},     {"char", "int8"},
  };
  if (dtype.rfind("torch.", 0) == 0)
    dtype = dtype.substr(6);
  for (const auto &[alias, name] : kAliases)
    if (dtype == alias)
      dtype = name;
  auto it =
      std::find_if(kDtypes.begin(), kDtypes.end(), [&](const auto &p) { return p.first == dtype; });
  if (it == kDtypes.end())
    return absl::InvalidArgumentError(
        fmt::format("--input '{}': unknown dtype '{}' (float32, float16, float64, int64, "
                    "int32, int8, uint8, bool)",
                    text, dtype));
  spec.dtype = it->second;
  std::string dims = text.substr(open + 1, text.size() - open - 2);
  if (trim(dims).empty())
    return spec;
  size_t start = 0;
  while (true) {
    size_t comma = dims.find(',', start);
    std::string d = trim(std::string_view(dims).substr(
        start, comma == std::string::npos ? std::string::npos : comma - start));
    if (d == "-1" || d == "?") {
      // Each unnamed dynamic dim gets a symbol of its own: one shared name would tell every
      // downstream tool that the axes are equal.
      spec.dims.push_back(ir::Dim::named(fmt::format("{}_dim{}", spec.name, spec.dims.size())));
    } else if (!d.empty() && d[0] == '-') {
      return absl::InvalidArgumentError(fmt::format(
          "--input '{}': dimension '{}' is negative (use -1, ? or a name for a dynamic dim)", text,
          d));
    } else if (!d.empty() && d[0] >= '0' && d[0] <= '9') {
      auto v = parseInt(d, "dimension");
      if (!v.ok())
        return absl::InvalidArgumentError(
            fmt::format("--input '{}': {}", text, std::string(v.status().message())));
      spec.dims.push_back(ir::Dim::known(*v));
    } else if (isIdentifier(d)) {
      spec.dims.push_back(ir::Dim::named(d));
    } else {
      return absl::InvalidArgumentError(
          fmt::format("--input '{}': dimension '{}' is neither a number nor a name", text, d));
    }
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return spec;
}

absl::StatusOr<std::vector<InputSpec>> parseInputSpecs(const std::string &text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size() ||
      text[colon + 1] != '(') {
    auto one = parseInputSpec(text);
    if (!one.ok())
      return one.status();
    return std::vector<InputSpec>{*std::move(one)};
  }
  // NAME:(DTYPE[dims],DTYPE[dims],...): members split at the commas outside brackets.
  std::string name = text.substr(0, colon);
  if (text.back() != ')')
    return absl::InvalidArgumentError(
        fmt::format("--input '{}' is not NAME:(DTYPE[dims],DTYPE[dims],...) (e.g. "
                    "pair:(float32[2],int64[3]) for a tuple argument)",
                    text));
  std::string_view body = std::string_view(text).substr(colon + 2, text.size() - colon - 3);
  std::vector<InputSpec> specs;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= body.size(); ++i) {
    char c = i < body.size() ? body[i] : ',';
    if (c == '(' || c == ')')
      return absl::InvalidArgumentError(
          fmt::format("--input '{}': nested tuples are not supported (give each tensor member as "
                      "DTYPE[dims])",
                      text));
    if (c == '[')
      ++depth;
    else if (c == ']')
      --depth;
    if (c != ',' || depth != 0)
      continue;
    std::string member = trim(body.substr(start, i - start));
    start = i + 1;
    if (member.empty())
      return absl::InvalidArgumentError(
          fmt::format("--input '{}': member {} of the tuple is empty", text, specs.size()));
    auto spec = parseInputSpec(fmt::format("{}.{}:{}", name, specs.size(), member));
    if (!spec.ok())
      return absl::InvalidArgumentError(
          fmt::format("--input '{}': member {} ('{}') is not DTYPE[dims]: {}", text, specs.size(),
                      member, std::string(spec.status().message())));
    specs.push_back(*std::move(spec));
  }
  return specs;
}

absl::StatusOr<DynamicAxis> parseDynamicAxis(const std::string &text) {
  size_t colon = text.rfind(':');
  size_t eq = text.find('=', colon == std::string::npos ? 0 : colon);
  if (colon == std::string::npos || colon == 0 || eq + 1 == text.size())
    return absl::InvalidArgumentError(fmt::format(
        "--dynamic-axis '{}' is not NAME:AXIS=SYMBOL or NAME:AXIS (e.g. x:0=batch, x:0)", text));
  DynamicAxis d;
  d.name = text.substr(0, colon);
  auto axis = parseInt(
      text.substr(colon + 1, eq == std::string::npos ? std::string::npos : eq - colon - 1), "axis");
  if (!axis.ok())
    return absl::InvalidArgumentError(
        fmt::format("--dynamic-axis '{}': {}", text, std::string(axis.status().message())));
  d.axis = *axis;
  // NAME:AXIS is torch's list form ({'x': [0]}): the symbol is generated later.
  if (eq == std::string::npos)
    return d;
  d.symbol = text.substr(eq + 1);
  if (!isIdentifier(d.symbol))
    return absl::InvalidArgumentError(
        fmt::format("--dynamic-axis '{}': '{}' is not a name", text, d.symbol));
  return d;
}

absl::StatusOr<std::pair<std::string, int>> parseCustomOpset(const std::string &text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return absl::InvalidArgumentError(
        fmt::format("--custom-opset '{}' is not DOMAIN:VERSION (e.g. mydomain:1)", text));
  std::string domain = text.substr(0, colon);
  auto version = parseInt(text.substr(colon + 1), "version");
  if (!version.ok() || *version < 1 || *version > 1000000)
    return absl::InvalidArgumentError(
        fmt::format("--custom-opset '{}': the version must be a positive integer", text));
  if (!isIdentifier(domain) || domain == "ai.onnx")
    return absl::InvalidArgumentError(
        fmt::format("--custom-opset '{}': '{}' is not a custom domain name", text, domain));
  return std::make_pair(domain, static_cast<int>(*version));
}

absl::Status registerOperatorSchema(const std::string &schema) {
  auto parsed = frontend::parseSchema(schema);
  if (!parsed.ok())
    return absl::InvalidArgumentError(fmt::format("registerOperatorSchema('{}'): {}", schema,
                                                  std::string(parsed.status().message())));
  if (parsed->nameSpace().empty())
    return absl::InvalidArgumentError(fmt::format(
        "registerOperatorSchema('{}'): the operator needs a namespace (mydomain::op)", schema));
  frontend::SchemaRegistry &reg = frontend::SchemaRegistry::builtin();
  if (const frontend::FunctionSchema *existing =
          reg.lookupOverload(parsed->name, parsed->overloadName)) {
    if (existing->str() == parsed->str())
      return absl::OkStatus();
    return absl::AlreadyExistsError(
        fmt::format("registerOperatorSchema('{}'): {} is already registered as '{}'", schema,
                    parsed->fullName(), existing->str()));
  }
  return reg.registerSchema(schema);
}

absl::Status registerSymbolic(const std::string &op, SymbolicFn fn, int fromOpset, int toOpset) {
  size_t sep = op.find("::");
  if (sep == std::string::npos || sep == 0 || sep + 2 == op.size())
    return absl::InvalidArgumentError(fmt::format(
        "registerSymbolic('{}'): the operator must be qualified (mydomain::op, aten::relu)", op));
  if (!fn)
    return absl::InvalidArgumentError(fmt::format("registerSymbolic('{}'): empty handler", op));
  if (fromOpset < 1 || toOpset < fromOpset)
    return absl::InvalidArgumentError(fmt::format(
        "registerSymbolic('{}'): invalid opset range {} to {}", op, fromOpset, toOpset));
  symbolics::SymbolicRegistry::global().addCustom(op, fromOpset, toOpset, std::move(fn));
  return absl::OkStatus();
}

size_t unregisterSymbolic(const std::string &op) {
  return symbolics::SymbolicRegistry::global().removeCustom(op);
}

absl::StatusOr<OperatorExportType> parseOperatorExportType(const std::string &text) {
  if (text == "ONNX")
    return OperatorExportType::Onnx;
  if (text == "ONNX_ATEN_FALLBACK")
    return OperatorExportType::OnnxAtenFallback;
  if (text == "ONNX_FALLTHROUGH")
    return OperatorExportType::OnnxFallthrough;
  return absl::InvalidArgumentError(fmt::format(
      "unknown operator export type '{}' (ONNX, ONNX_ATEN_FALLBACK, ONNX_FALLTHROUGH)", text));
}

namespace {
/// loadGraph; with `deferCrcs`, the CRC-32 checks of large tensor records are left to the
/// writer (see frontend::DeferredCrcs).
absl::StatusOr<std::unique_ptr<ir::Graph>>
loadGraphDeferringCrcs(const std::string &path, const ConvertOptions &options,
                       std::shared_ptr<frontend::DeferredCrcs> deferCrcs,
                       bool releaseMemory = true) {
  if (options.progress)
    options.progress(Progress{"load", 0, 1, path});
  frontend::ArchiveOptions archiveOptions;
  archiveOptions.compile.recordModuleScopes = options.exportModulesAsFunctions;
  archiveOptions.zipLimits.verifyStoredCrc = options.verifyChecksums;
  archiveOptions.zipLimits.deferCrcs = std::move(deferCrcs);
  TS2ONNX_ASSIGN_OR_RETURN(std::unique_ptr<frontend::Archive> archive,
                           frontend::Archive::open(path, archiveOptions));
  const std::string method = options.method.empty() ? "forward" : options.method;
  if (options.progress)
    options.progress(Progress{"compile", 0, 1, method});
  TS2ONNX_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> graph, archive->compileMethod(method));

  if (!options.inputs.empty())
    TS2ONNX_RETURN_IF_ERROR(bindInputs(*graph, options, path, method));

#if TS2ONNX_HAVE_FREEZE
  TS2ONNX_RETURN_IF_ERROR(frontend::freezeModule(*graph, *archive));
#endif
  if (!graph->inputs().empty() && graph->inputs()[0]->type()->is(ir::TypeKind::Class) &&
      !graph->inputs()[0]->hasUses())
    graph->block()->eraseInput(0);
  if (options.progress) {
    options.progress(Progress{"compile", 1, 1, method});
    options.progress(Progress{"load", 1, 1, path});
  }
  if (!releaseMemory)
    (void)archive.release(); // OutputOptions::releaseMemory
  return graph;
}
} // namespace

absl::StatusOr<std::unique_ptr<ir::Graph>> loadGraph(const std::string &path,
                                                     const ConvertOptions &options) {
  return loadGraphDeferringCrcs(path, options, nullptr);
}

absl::StatusOr<std::string> inputTemplate(const std::string &path, const ConvertOptions &options) {
  frontend::ArchiveOptions archiveOptions;
  archiveOptions.zipLimits.verifyStoredCrc = options.verifyChecksums;
  TS2ONNX_ASSIGN_OR_RETURN(std::unique_ptr<frontend::Archive> archive,
                           frontend::Archive::open(path, archiveOptions));
  const std::string method = options.method.empty() ? "forward" : options.method;
  TS2ONNX_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> graph, archive->compileMethod(method));
  std::vector<std::string> flags;
  for (size_t i = 1; i < graph->inputs().size(); ++i)
    flags.push_back(fmt::format("--input '{}'", inputTemplate(*graph->inputs()[i])));
  return fmt::format("{}", fmt::join(flags, " "));
}

std::vector<std::string> standardPipeline(const ConvertOptions &options) {
  std::vector<std::string> p = {
      "fold-runtime-queries", "fold-scalars", "peephole-script",    "lower-simple-tuples",
      "lower-dicts",          "unroll-loops", "lower-list-appends", "functionalize-lists",
      "peephole-script",      "dce",          "remove-mutation"};
  if (!options.training)
    p.push_back("eval-peepholes");
  // ONNX cannot raise: argument checks on runtime sizes that fold-scalars could not decide
  // are dropped before shapes are propagated through the branch that computes.
  for (const char *n : {"fold-scalars", "eliminate-exceptions", "dce", "propagate-shapes"})
    p.push_back(n);
  if (!options.training && options.fuseBatchNorm)
    p.push_back("fuse-bn");
  // Shape queries and scalar arithmetic must fold even without constant folding (scripted
  // models check `input.dim()` and the like); the pass reads `constant-folding=0` from the
  // options and then leaves ops on parameters unevaluated, as torch's do_constant_folding=False.
  p.push_back("fold-constants");
  // Shape checks folded above decide fast-path branches (nn.TransformerEncoder's nested-tensor
  // conversion, an Optional (h0, c0) argument that turned out given, scripted F.interpolate's
  // `input.dim() == 4`): answer the runtime queries they exposed, then forward the tuples the
  // taken branches return (early returns) and fold shapes and shape queries of those branches.
  for (const char *n :
       {"fold-runtime-queries", "lower-simple-tuples", "propagate-shapes", "fold-constants"})
    p.push_back(n);
  // A rank that depends on the branch an If takes (data-dependent) is known again in copies
  // of the code after the If, one per branch.
  p.push_back("specialize-rank-branches");
  for (const char *n : {"check-input-shapes", "warn-frozen-shapes", "lower-complex", "dce", "cse",
                        "to-onnx", "hoist-loop-invariants", "onnx-cleanup"})
    p.push_back(n);
  for (const ExtraPass &e : options.extraPasses) {
    auto at = std::find(p.rbegin(), p.rend(), e.after);
    if (e.after.empty() || at == p.rend())
      p.push_back(e.name);
    else
      p.insert(at.base(), e.name);
  }
  return p;
}

absl::Status runPipeline(ir::Graph &graph, const ConvertOptions &options,
                         passes::PassInstrumentation *instrumentation) {
  if (options.opset < symbolics::kMinOpset || options.opset > symbolics::kMaxOpset)
    return absl::InvalidArgumentError(
        fmt::format("opset {} is not supported (this build targets {} to {})", options.opset,
                    symbolics::kMinOpset, symbolics::kMaxOpset));
  passes::PassOptions po;
  po.targetOpset = options.opset;
  po.extra = options.passOptions;
  switch (options.operatorExportType) {
  case OperatorExportType::Onnx:
    po.extra["operator-export-type"] = "ONNX";
    break;
  case OperatorExportType::OnnxAtenFallback:
    po.extra["operator-export-type"] = "ONNX_ATEN_FALLBACK";
    break;
  case OperatorExportType::OnnxFallthrough:
    po.extra["operator-export-type"] = "ONNX_FALLTHROUGH";
    break;
  }
  po.extra["training"] = options.training ? "1" : "0";
  po.extra["constant-folding"] = options.constantFolding ? "1" : "0";
  po.extra["export-params"] = options.exportParams ? "1" : "0";
  std::string inputNames;
  for (const InputSpec &s : options.inputs)
    inputNames += (inputNames.empty() ? "" : ",") + s.name;
  po.extra["input-names"] = inputNames;
  if (options.onWarning)
    po.onWarning = options.onWarning;
  else
    po.onWarning = [&options](const std::string &m) { logStream(options) << m << "\n"; };

  passes::PassRegistry &reg = registryWithSymbolics();
  passes::PassManager pm(std::move(po), &reg);
  std::ostream &log = logStream(options);
  pm.setOutputStream(log);
  std::vector<std::string> standard = standardPipeline(options);
  for (const ExtraPass &e : options.extraPasses) {
    if (!reg.lookup(e.name))
      return absl::InvalidArgumentError(fmt::format(
          "extra pass '{}' is not registered; known passes: {}", e.name, reg.knownPassNames()));
    if (!e.after.empty() && std::find(standard.begin(), standard.end(), e.after) == standard.end())
      return absl::InvalidArgumentError(fmt::format(
          "extra pass '{}': '{}' is not a pass of the standard pipeline", e.name, e.after));
  }
  uint64_t passCount = 0;
  for (const std::string &name : standard) {
    if (!reg.lookup(name)) {
      if (options.verbose)
        log << fmt::format("ts2onnx: pass '{}' is not available in this build; skipped\n", name);
      continue;
    }
    TS2ONNX_RETURN_IF_ERROR(pm.addPass(name));
    ++passCount;
  }
  for (const std::string &name : options.instrumentation.printAfter)
    if (!reg.lookup(name))
      return absl::InvalidArgumentError(fmt::format(
          "--print-after: unknown pass '{}'; known passes: {}", name, reg.knownPassNames()));
  pm.instrumentation() = options.instrumentation;
  if (instrumentation)
    pm.addInstrumentation(std::make_unique<ForwardingInstrumentation>(instrumentation));
  if (options.passInstrumentation)
    pm.addInstrumentation(std::make_unique<ForwardingInstrumentation>(options.passInstrumentation));
  if (options.progress)
    pm.addInstrumentation(std::make_unique<ProgressInstrumentation>(options.progress, passCount));
  return pm.run(graph);
}

namespace {

writer::EmitOptions emitOptionsFor(const ConvertOptions &options) {
  writer::EmitOptions eo;
  eo.opset = options.opset;
  for (const InputSpec &s : options.inputs)
    eo.inputNames.push_back(s.name);
  eo.outputNames = options.outputNames;
  eo.customOpsets = options.customOpsets;
  eo.keepInitializersAsInputs = options.keepInitializersAsInputs;
  eo.exportParams = options.exportParams;
  eo.producerVersion = TS2ONNX_VERSION;
  eo.exportModulesAsFunctions = options.exportModulesAsFunctions;
  for (const DynamicAxis &d : namedDynamicAxes(options))
    eo.dynamicAxes[d.name][d.axis] = d.symbol;
  return eo;
}

} // namespace

namespace {

absl::Status checkFunctionsOpset(const ConvertOptions &options) {
  if (options.exportModulesAsFunctions && options.opset < 15)
    return absl::InvalidArgumentError(
        fmt::format("export_modules_as_functions needs opset 15 or later (ONNX local functions); "
                    "the target is {}",
                    options.opset));
  return absl::OkStatus();
}

} // namespace

/// ONNX shape inference failing on a converted graph means, in practice, input specs the
/// graph cannot take (the converter's own nodes are typed by it): one line naming the specs and
/// the first error instead of every error it cascades into.
absl::Status explainShapeInference(const absl::Status &s, const ConvertOptions &options) {
  std::string msg(s.message());
  std::string_view m = msg;
  if (s.ok() || m.rfind("ONNX shape inference:", 0) != 0 || options.inputs.empty())
    return s;
  size_t at = m.find("(op_type:");
  std::string_view first = m.substr(at == std::string_view::npos ? 0 : at);
  first = first.substr(0, first.find('\n'));
  if (size_t more = first.find("; (op_type:"); more != std::string_view::npos)
    first = first.substr(0, more);
  std::vector<std::string> specs;
  for (const InputSpec &i : options.inputs) {
    std::vector<std::string> dims;
    for (const ir::Dim &d : i.dims)
      dims.push_back(d.isStatic() ? std::to_string(d.value) : d.symbol);
    specs.push_back(
        fmt::format("{}:{}[{}]", i.name, ir::scalarTypeShortName(i.dtype), fmt::join(dims, ",")));
  }
  return absl::InvalidArgumentError(
      fmt::format("the graph cannot take --input {}: check their ranks and dtypes against the "
                  "model's forward (ONNX shape inference: {})",
                  fmt::join(specs, " --input "), first));
}

absl::StatusOr<onnx::ModelProto> exportGraph(const ir::Graph &graph,
                                             const ConvertOptions &options) {
  TS2ONNX_RETURN_IF_ERROR(checkFunctionsOpset(options));
  if (options.progress)
    options.progress(Progress{"emit", 0, 1, {}});
  absl::StatusOr<onnx::ModelProto> emitted = writer::emitModel(graph, emitOptionsFor(options));
  TS2ONNX_RETURN_IF_ERROR(explainShapeInference(emitted.status(), options));
  onnx::ModelProto model = *std::move(emitted);
  TS2ONNX_RETURN_IF_ERROR(checkDynamicAxisNames(model.graph(), options));
  if (options.progress)
    options.progress(Progress{"emit", 1, 1, {}});
  if (options.verbose)
    logStream(options) << writer::formatModel(model);
  return model;
}

absl::StatusOr<onnx::ModelProto> convert(const std::string &path, const ConvertOptions &options) {
  TS2ONNX_RETURN_IF_ERROR(checkFunctionsOpset(options));
  std::future<void> schemas = writer::prepareSchemasAsync(); // overlaps loading and the passes
  TS2ONNX_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> graph, loadGraph(path, options));
  TS2ONNX_RETURN_IF_ERROR(runPipeline(*graph, options));
  return exportGraph(*graph, options);
}

namespace {

/// Nodes of the graph and of its subgraphs (If branches, Loop bodies), as `inspect` counts.
size_t countNodes(const onnx::GraphProto &g) {
  size_t n = 0;
  for (const auto &node : g.node()) {
    ++n;
    for (const auto &a : node.attribute()) {
      if (a.has_g())
        n += countNodes(a.g());
      for (const auto &sub : a.graphs())
        n += countNodes(sub);
    }
  }
  return n;
}

} // namespace

absl::StatusOr<ConvertedFile> convertToFile(const std::string &path, const std::string &outPath,
                                            const ConvertOptions &options,
                                            const OutputOptions &output) {
  TS2ONNX_RETURN_IF_ERROR(checkFunctionsOpset(options));
  std::future<void> schemas = writer::prepareSchemasAsync(); // overlaps loading and the passes
  // The weights' CRC-32 is checked while the writer copies them (read once), the rest before
  // the output is renamed into place; weights left in the archive (reference mode) are not read.
  std::shared_ptr<frontend::DeferredCrcs> crcs;
  if (options.verifyChecksums)
    crcs = std::make_shared<frontend::DeferredCrcs>();
  TS2ONNX_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> graph,
                           loadGraphDeferringCrcs(path, options, crcs, output.releaseMemory));
  TS2ONNX_RETURN_IF_ERROR(runPipeline(*graph, options));
  writer::EmitOptions eo = emitOptionsFor(options);
  eo.deferFrom = writer::kMinDeferredBytes;
  if (options.progress)
    options.progress(Progress{"emit", 0, 1, {}});
  absl::StatusOr<writer::EmittedModel> emitted = writer::emitModelDeferred(*graph, eo);
  TS2ONNX_RETURN_IF_ERROR(explainShapeInference(emitted.status(), options));
  writer::EmittedModel model = *std::move(emitted);
  TS2ONNX_RETURN_IF_ERROR(checkDynamicAxisNames(model.model.graph(), options));
  if (options.progress)
    options.progress(Progress{"emit", 1, 1, {}});
  if (options.verbose)
    logStream(options) << writer::formatModel(model.model);
  ConvertedFile result;
  result.nodes = static_cast<int>(countNodes(model.model.graph()));
  result.initializers = model.model.graph().initializer_size();
  writer::WriteOptions wo;
  wo.protectedPath = path;
  wo.externalData = output.externalData;
  wo.externalLocation = output.externalLocation;
  wo.externalThreshold = output.externalThreshold;
  if (output.externalReference)
    wo.referenceArchive = path;
  wo.fsync = output.fsync;
  wo.threads = output.threads;
  // The records the conversion read but the writer will not read (the sources of folded
  // weights, small records) are checked on another core while the files are written; the
  // writer settles the ones it reads (copied, or the sources of fused weights: read once), and
  // whatever is left is checked before the rename. The two sets are disjoint (the writer reads
  // exactly the records writer::payloadSource names), so no record is touched by both threads.
  std::future<absl::Status> early;
  if (crcs && !output.externalReference) {
    absl::flat_hash_set<uint64_t> copied;
    for (const writer::DeferredTensor &d : model.deferred)
      if (std::optional<writer::PayloadSource> src = writer::payloadSource(d.tensor))
        copied.insert(src->offset);
    early = writer::asyncWithoutTerminationSignals([crcs, copied = std::move(copied)] {
      return crcs->checkRemaining([&copied](uint64_t offset) { return copied.contains(offset); });
    });
  }
  if (crcs) {
    wo.checksummed = [&crcs](uint64_t offset, uint64_t n) { return crcs->wants(offset, n); };
    wo.checksum = [&crcs](uint64_t offset, uint64_t n, uint32_t crc) {
      return crcs->settle(offset, n, crc);
    };
    wo.beforeCommit = [&crcs, &early](const std::vector<uint64_t> &referenced) {
      if (early.valid())
        TS2ONNX_RETURN_IF_ERROR(early.get());
      absl::flat_hash_set<uint64_t> skip(referenced.begin(), referenced.end());
      return crcs->checkRemaining([&skip](uint64_t offset) { return skip.contains(offset); });
    };
  }
  if (options.progress)
    wo.progress = [&options](uint64_t done, uint64_t total) {
      options.progress(Progress{"write", done, total, {}});
    };
  TS2ONNX_ASSIGN_OR_RETURN(writer::WrittenModel written,
                           writer::writeModelStreaming(model, outPath, wo));
  result.modelBytes = written.modelBytes;
  result.externalBytes = written.externalBytes;
  result.externalPath = written.externalPath;
  result.externalTensors = written.externalTensors;
  result.referencedTensors = written.referencedTensors;
  result.referencedBytes = written.referencedBytes;
  result.externalAutomatic = written.externalAutomatic;
  if (!output.releaseMemory) {
    (void)graph.release();
    (void)new writer::EmittedModel(std::move(model));
  }
  return result;
}

absl::Status writeModel(const onnx::ModelProto &model, const std::string &path,
                        const std::string &inputPath) {
  return writer::writeModelAtomically(model, path, inputPath);
}

std::string formatModel(const onnx::ModelProto &model) { return writer::formatModel(model); }

passes::PassRegistry &passRegistry() { return registryWithSymbolics(); }

} // namespace ts2onnx
