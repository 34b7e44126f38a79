// A restricted unpickler for the pickles inside TorchScript archives (data.pkl, constants.pkl,
// attributes.pkl, bytecode.pkl, traced_inputs.pkl; FORMAT-NOTES §3). It builds IValues from an
// allow-list of globals and never executes anything: tensor rebuilders, typed storages, qscheme
// enums, `collections.OrderedDict`, `torch.jit._pickle` list helpers, `torch.device`,
// `builtins.complex` and `__torch__.*` classes (subject to a caller's resolver). Any other global
// is an error that names it. Stack, marks, memo and nesting are bounded; a truncated or
// malformed pickle is an error, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "frontend/IValue.h"
#include "frontend/ZipArchive.h"
#include "ir/Tensor.h"

namespace ts2onnx::frontend {

struct UnpicklerLimits {
  size_t maxMemo = 100'000;        // memo slots (index must be below this)
  size_t maxMarks = 1'000;         // open MARKs at once
  size_t maxDepth = 1'000;         // container nesting of the result
  size_t maxStack = 10'000'000;    // values on the stack
  size_t maxNameLength = 1'024;    // GLOBAL module / name lines
  size_t maxTypeTagLength = 4'096; // restore_type_tag strings
  /// Bytes the unpickler may copy out of values it already holds (class names into objects,
  /// dict keys into indexes, BUILD states into attributes), per input byte, on top of a fixed
  /// 64 MiB. Keeps a small pickle that reuses one big memoized value from growing quadratically.
  size_t maxExpansion = 16;
};

/// How a `__torch__.*` class is rebuilt.
enum class ClassKind {
  Object,         // GLOBAL () NEWOBJ {attributes} BUILD
  SetStateObject, // GLOBAL () NEWOBJ <state> BUILD, restored by __setstate__
  Enum,           // GLOBAL <value> REDUCE
};

/// Bytes of the storage record `key`; the unpickler checks its size and caches it per key.
using StorageLoader =
    std::function<absl::StatusOr<std::shared_ptr<const ir::Storage>>(std::string_view key)>;
/// Decides how a `__torch__.*` class (qualified name `__torch__.foo.Bar`) is rebuilt, or rejects
/// it (e.g. a class that does not exist in `code/`).
using ClassResolver = std::function<absl::StatusOr<ClassKind>(std::string_view qualifiedName)>;
/// Tensor `id` of a legacy archive's tensor table (`build_tensor_from_id`).
using TensorTable = std::function<absl::StatusOr<IValue>(int64_t id)>;

struct UnpicklerOptions {
  /// Prefixes error messages: `data.pkl: pickle: forbidden global 'os.system' at byte 34`.
  std::string name = "<pickle>";
  /// Needed only if the pickle holds tensors; without it BINPERSID is an error.
  StorageLoader storageLoader;
  /// Without a resolver every `__torch__.*` class is accepted: `__torch__.torch.classes.*` are
  /// SetStateObject, REDUCE makes an Enum, and BUILD takes a dict of string keys as attributes
  /// and anything else as __setstate__ state.
  ClassResolver classResolver;
  TensorTable tensorTable;
  UnpicklerLimits limits;
};

/// Unpickles `bytes` (protocol 2..5, as torch writes protocol 2).
absl::StatusOr<IValue> unpickle(std::string_view bytes, const UnpicklerOptions &options);

/// Unpickles record `pickleName` of `archive`, resolving storage keys to records
/// `<storagePrefix>/<key>` (`data` or `data/` for data.pkl, `constants` for constants.pkl and
/// bytecode.pkl, `traced_inputs` for traced_inputs.pkl). Checks the archive's `byteorder` record
/// first. Error messages start with `<archive>: <pickleName>: pickle: `. `options.name` and
/// `options.storageLoader` are filled in unless already set.
absl::StatusOr<IValue> unpickleRecord(const ZipArchive &archive, std::string_view pickleName,
                                      std::string_view storagePrefix,
                                      UnpicklerOptions options = {});

/// A loader for `unpickle` that reads `<prefix>/<key>` records of `archive` (which must outlive
/// the loader).
StorageLoader archiveStorageLoader(const ZipArchive &archive, std::string prefix);

} // namespace ts2onnx::frontend
