// A loaded TorchScript archive: the zip, its version records, the pickled module tree and
// constant table, and the classes of its `code/`, ready to compile a method into the IR.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "frontend/ClassTable.h"
#include "frontend/Compiler.h"
#include "frontend/IValue.h"
#include "frontend/ZipArchive.h"
#include "ir/Graph.h"

namespace ts2onnx::frontend {

struct ArchiveOptions {
  ZipLimits zipLimits;
  CompileOptions compile;
};

class Archive {
public:
  enum class Format {
    Zip,    // data.pkl + code/ (torch 1.3 and later, lite files included)
    Legacy, // model.json + code/ (torch 1.0 to 1.2)
  };

  /// Opens and reads `path`: the zip, version, byteorder, constants.pkl and data.pkl (or
  /// model.json). Errors start with the path.
  static absl::StatusOr<std::unique_ptr<Archive>> open(const std::string &path,
                                                       ArchiveOptions opts = {});

  const std::string &path() const { return path_; }
  Format format() const { return format_; }
  /// The file-format version record (`version` or `.data/version`).
  int64_t version() const { return version_; }
  /// True for lite-interpreter files (they carry bytecode.pkl beside the normal part).
  bool hasBytecode() const { return hasBytecode_; }
  const ZipArchive &zip() const { return *zip_; }
  const IValue &root() const { return root_; }
  const std::vector<IValue> &constants() const { return constants_; }
  ClassTable &classes() { return *classes_; }
  /// The root module's class (`__torch__.M`), or the synthetic name of a legacy module.
  const std::string &rootClass() const { return rootClass_; }
  /// The root class's method names in source order.
  std::vector<std::string> methodNames() const;
  /// The `code/` records (relative names), sorted.
  std::vector<std::string> codeRecords() const;

  /// Compiles `method` of the root module with every call inlined: the graph torch shows as
  /// `m.<method>.inlined_graph` (module attributes stay prim::GetAttr nodes).
  absl::StatusOr<std::unique_ptr<ir::Graph>> compileMethod(const std::string &method);

  /// `o` (an object of a class whose TorchScript code defines `__setstate__`, e.g. torch's
  /// quantized modules) with the attributes its `__setstate__` assigns (frontend/SetState.h);
  /// restored once per object.
  absl::StatusOr<const Object *> restoreSetState(const Object &o);

  ~Archive();

private:
  struct SourceSlot;
  class SourcePrefetch;

  Archive() = default;
  absl::Status load();
  absl::Status loadLegacy();
  absl::StatusOr<ir::Tensor> legacyTensor(const nlohmann::json &def, size_t index);
  absl::StatusOr<IValue> loadLegacyModule(const nlohmann::json &def,
                                          const std::string &qualifiedName,
                                          const std::vector<ir::Tensor> &tensors,
                                          const std::vector<IValue> &attributes, int depth);
  absl::StatusOr<const script::Module *> loadSource(std::string_view qualifier);
  /// True for a record of the archive's TorchScript code (`code/...py`, or under torch.package's
  /// prefix).
  bool isCodeRecord(std::string_view record) const;
  /// Reads and parses one code record.
  absl::StatusOr<script::Module> parseSource(const std::string &record) const;
  /// `record` parsed into `slot` once, by whichever thread asks first (the others wait).
  const absl::StatusOr<script::Module> &parsedSource(SourceSlot &slot,
                                                     const std::string &record) const;
  /// A compiler over the archive's classes and constant table, for its file version.
  Compiler makeCompiler();
  absl::StatusOr<ir::Value *> materializeConstant(ir::Graph &g, int64_t index,
                                                  const script::SourceRange &range);
  std::string displayName(std::string_view record) const;

  std::string path_;
  ArchiveOptions opts_;
  Format format_ = Format::Zip;
  int64_t version_ = 0;
  bool hasBytecode_ = false;
  std::shared_ptr<ZipArchive> zip_;
  std::string codePrefix_ = "code/";
  IValue root_;
  std::vector<IValue> constants_;
  std::unique_ptr<ClassTable> classes_;
  std::vector<std::unique_ptr<script::Module>> sources_;
  // The code records parsed ahead on a helper thread while the pickles are read (load()); each
  // is parsed once, by whichever thread gets to it first.
  absl::flat_hash_map<std::string, std::unique_ptr<SourceSlot>> sourceSlots_;
  std::string rootClass_;
  absl::flat_hash_map<const Object *, std::shared_ptr<Object>> restored_;
  absl::flat_hash_map<std::string, std::unique_ptr<ir::Graph>> setStateGraphs_;
};

} // namespace ts2onnx::frontend
