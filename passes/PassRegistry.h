// The pass registry: every pass has a kebab-case name, a one-line description and a function
// `absl::Status(ir::Graph &, const PassOptions &)`. Builtin passes are added explicitly by
// registerBuiltinPasses() (static-initializer registration would be dropped by static linking);
// symbolics and users add theirs with registerPass().
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "ir/Graph.h"

namespace ts2onnx::passes {

/// Generic options every pass may read. Passes ignore what they do not need.
struct PassOptions {
  /// The ONNX opset the pipeline targets.
  int targetOpset = 17;
  /// Extra `key -> value` settings for individual passes (e.g. `fuse-bn.eps`).
  std::map<std::string, std::string> extra;

  /// Receives warnings: the model converts, but may not do what torch's does (a size a traced
  /// archive froze, ...). Passes never print; without a receiver warnings are dropped.
  std::function<void(const std::string &)> onWarning;

  /// The value of `key` in `extra`, if set.
  std::optional<std::string> get(std::string_view key) const;
  /// Hands `message` to onWarning, if set.
  void warn(const std::string &message) const {
    if (onWarning)
      onWarning(message);
  }
};

using PassFn = std::function<absl::Status(ir::Graph &, const PassOptions &)>;

struct PassInfo {
  std::string name;
  std::string description;
  PassFn fn;
};

/// True for names like `dce`, `fold-constants`, `to-onnx17`: lowercase letters and digits in
/// groups joined by single dashes.
bool isValidPassName(std::string_view name);

class PassRegistry {
public:
  PassRegistry() = default;
  PassRegistry(const PassRegistry &) = delete;
  PassRegistry &operator=(const PassRegistry &) = delete;

  /// The process-wide registry, with the builtin passes already registered.
  static PassRegistry &global();

  /// Adds a pass. Errors: invalid name (InvalidArgument), name taken (AlreadyExists), empty fn.
  absl::Status registerPass(std::string name, std::string description, PassFn fn);
  /// The pass called `name`, or nullptr. The pointer stays valid for the registry's lifetime.
  const PassInfo *lookup(std::string_view name) const;
  /// Every pass, sorted by name.
  std::vector<const PassInfo *> passes() const;
  /// `cse, dce, ...`: the sorted names joined for error messages.
  std::string knownPassNames() const;

private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<PassInfo>, std::less<>> passes_;
};

/// Registers `dce`, `cse`, ... in `registry`. Called once by PassRegistry::global(); call it
/// yourself for a private registry.
absl::Status registerBuiltinPasses(PassRegistry &registry);

/// Shorthand for PassRegistry::global().registerPass(...), for symbolics and user passes.
absl::Status registerPass(std::string name, std::string description, PassFn fn);

} // namespace ts2onnx::passes
