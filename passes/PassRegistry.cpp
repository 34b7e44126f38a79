#include "passes/PassRegistry.h"

#include <fmt/format.h>

#include "ir/Status.h"
#include "passes/Passes.h"

namespace ts2onnx::passes {

std::optional<std::string> PassOptions::get(std::string_view key) const {
  auto it = extra.find(std::string(key));
  if (it == extra.end())
    return std::nullopt;
  return it->second;
}

bool isValidPassName(std::string_view name) {
  if (name.empty() || name.front() == '-' || name.back() == '-')
    return false;
  char prev = 0;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (c == '-' && prev == '-'))
      return false;
    prev = c;
  }
  return true;
}

PassRegistry &PassRegistry::global() {
  static PassRegistry *registry = [] {
    auto *r = new PassRegistry();
    // Builtin names are valid and distinct, so this cannot fail.
    absl::Status s = registerBuiltinPasses(*r);
    (void)s;
    return r;
  }();
  return *registry;
}

absl::Status PassRegistry::registerPass(std::string name, std::string description, PassFn fn) {
  if (!isValidPassName(name))
    return absl::InvalidArgumentError(fmt::format(
        "invalid pass name '{}': use lowercase letters, digits and single dashes", name));
  if (!fn)
    return absl::InvalidArgumentError(fmt::format("pass '{}' has no function", name));
  std::lock_guard<std::mutex> lock(mu_);
  if (passes_.count(name))
    return absl::AlreadyExistsError(fmt::format("pass '{}' is already registered", name));
  auto info = std::make_unique<PassInfo>(PassInfo{name, std::move(description), std::move(fn)});
  passes_.emplace(std::move(name), std::move(info));
  return absl::OkStatus();
}

const PassInfo *PassRegistry::lookup(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = passes_.find(name);
  return it == passes_.end() ? nullptr : it->second.get();
}

std::vector<const PassInfo *> PassRegistry::passes() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const PassInfo *> out;
  out.reserve(passes_.size());
  for (const auto &[name, info] : passes_)
    out.push_back(info.get());
  return out;
}

std::string PassRegistry::knownPassNames() const {
  std::string out;
  for (const PassInfo *p : passes())
    out += (out.empty() ? "" : ", ") + p->name;
  return out.empty() ? "(none)" : out;
}

absl::Status registerBuiltinPasses(PassRegistry &registry) {
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "dce", "Remove nodes whose outputs are unused and that have no side effects", runDce));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "cse", "Replace nodes by an equivalent earlier node in the same or an enclosing block",
      runCse));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "lower-simple-tuples", "Forward tuple elements past TupleConstruct/TupleUnpack pairs",
      runLowerSimpleTuples));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "fold-scalars",
      "Evaluate ops on constant int/float/bool/str/None and fold constant-condition ifs",
      runFoldScalars));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "lower-dicts",
      "Evaluate dicts with constant keys at compile time, unrolling constant loops over them",
      runLowerDicts));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "check-input-shapes",
      "Check the input dtypes and dims against what the ops need (channels, features, "
      "broadcasts, element counts) and decide the model's own argument checks; a mismatch "
      "names the input",
      runCheckInputShapes));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "warn-frozen-shapes",
      "Warn where a dynamic dim meets a constant view/reshape/expand size (traced archives)",
      runWarnFrozenShapes));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "unroll-loops",
      "Unroll loops of static trip count (len of a static list) that read or append to lists",
      runUnrollLoops));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "lower-list-appends", "Turn lists built by appends in straight-line code into list literals",
      runLowerListAppends));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "functionalize-lists",
      "Make list appends produce new list values, carried through loops and ifs",
      runFunctionalizeLists));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "peephole-script",
      "Fold None checks on non-optional values, needless casts and list-literal idioms",
      runPeepholeScript));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "remove-mutation",
      "Rewrite in-place tensor ops, also through views and inside blocks, to functional ops",
      runRemoveMutation));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "eval-peepholes", "Drop eval-mode dropout, contiguous, detach, clone and no-op casts",
      runEvalPeepholes));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "propagate-shapes",
      "Infer dtypes and symbolic shapes of tensor values from inputs and constants",
      runPropagateShapes));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "specialize-rank-branches",
      "Copy the code after an If whose branches return tensors of different ranks into each "
      "branch, where the ranks are known",
      runSpecializeRankBranches));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "fuse-bn", "Fold an eval BatchNorm into the preceding convolution's constant weights",
      runFuseBn));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "fold-constants", "Evaluate small tensor ops and shape queries on constants",
      runFoldConstants));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "eliminate-exceptions",
      "Treat branches that raise as unreachable: an if with one raising branch becomes the other "
      "(its check kept as ts2onnx::raise_if for check-input-shapes)",
      runEliminateExceptions));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "fold-runtime-queries",
      "Answer grad, autocast, device, nested and tensor-identity queries for a CPU inference run",
      runFoldRuntimeQueries));
  TS2ONNX_RETURN_IF_ERROR(registry.registerPass(
      "lower-complex",
      "Keep the complex results of stft and fft as real pairs [..., 2] and rewrite their readers "
      "(abs, angle, real, imag, reshape, transpose, products with reals, ...) on the pairs",
      runLowerComplex));
  return absl::OkStatus();
}

absl::Status registerPass(std::string name, std::string description, PassFn fn) {
  return PassRegistry::global().registerPass(std::move(name), std::move(description),
                                             std::move(fn));
}

} // namespace ts2onnx::passes
