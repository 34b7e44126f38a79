#include "frontend/Archive.h"
#include "frontend/SetState.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <optional>

#include "frontend/Unpickler.h"
#include "frontend/script/Parser.h"
#include "frontend/upgraders/Upgraders.h"
#include "ir/Status.h"
#include "ir/TerminationSignals.h"

namespace ts2onnx::frontend {

namespace {

using upgraders::kMaxSupportedFileVersion;

std::string baseName(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

absl::StatusOr<int64_t> parseVersion(const std::string &text, const std::string &where) {
  std::string t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back())))
    t.pop_back();
  if (t.empty() || t.size() > 9 ||
      !std::all_of(t.begin(), t.end(), [](char c) { return std::isdigit(c); }))
    return absl::InvalidArgumentError(
        fmt::format("{}: version record is not a number: '{}'", where, t.substr(0, 20)));
  return std::stoll(t);
}

constexpr const char *kTrace = "torch.jit.trace(model.eval(), example_input).save('model_ts.pt')";

/// What a torch.save pickle holds, from its first opcode after PROTO: a state_dict (an
/// OrderedDict), a dict (a checkpoint), or an object of a class (a whole module).
std::string describeTorchSave(std::string_view pickle, const std::string &file) {
  size_t at = pickle.size() >= 2 && uint8_t(pickle[0]) == 0x80 ? 2 : 0;
  std::string cls;
  if (at < pickle.size() && pickle[at] == 'c') { // GLOBAL "module\nname\n"
    size_t nl1 = pickle.find('\n', at + 1);
    size_t nl2 = nl1 == std::string_view::npos ? nl1 : pickle.find('\n', nl1 + 1);
    if (nl2 != std::string_view::npos && nl2 - at < 256)
      cls = fmt::format("{}.{}", pickle.substr(at + 1, nl1 - at - 1),
                        pickle.substr(nl1 + 1, nl2 - nl1 - 1));
  }
  if (cls == "collections.OrderedDict")
    return fmt::format("{} is a state_dict saved with torch.save (weights, no code), not a "
                       "TorchScript archive; make one in Python: "
                       "model.load_state_dict(torch.load('{}')); {}",
                       file, file, kTrace);
  if (!cls.empty())
    return fmt::format("{} is a whole module ({}) pickled with torch.save, not a TorchScript "
                       "archive; make one in Python: model = torch.load('{}'); {}",
                       file, cls, file, kTrace);
  if (at < pickle.size() && pickle[at] == '}')
    return fmt::format("{} is a dict saved with torch.save (a checkpoint?), not a TorchScript "
                       "archive; make one in Python: "
                       "model.load_state_dict(torch.load('{}')['state_dict']) (or the key that "
                       "holds the weights); {}",
                       file, file, kTrace);
  return fmt::format("{} was saved with torch.save, not torch.jit.save: it is not a TorchScript "
                     "archive; make one in Python: model = ...; {}",
                     file, kTrace);
}

/// Why a file that is not a zip is not a TorchScript archive, when its first bytes tell.
std::optional<std::string> describeNonZip(const std::string &path) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return std::nullopt;
  unsigned char b[16] = {};
  size_t n = std::fread(b, 1, sizeof(b), f);
  std::fclose(f);
  std::string file = baseName(path);
  if (n >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5)
    return fmt::format("{} is a pickle (torch.save with _use_new_zipfile_serialization=False?), "
                       "not a TorchScript archive; make one in Python: model = ... (load it "
                       "with torch.load); {}",
                       file, kTrace);
  if (n >= 9 && b[8] == '{') {
    uint64_t len = 0;
    for (int i = 7; i >= 0; --i)
      len = (len << 8) | b[i];
    if (len > 1 && len < (uint64_t{100} << 20))
      return fmt::format("{} is a safetensors file (weights, no code), not a TorchScript "
                         "archive; make one in Python: "
                         "model.load_state_dict(safetensors.torch.load_file('{}')); {}",
                         file, file, kTrace);
  }
  bool onnxName = file.size() > 5 && file.compare(file.size() - 5, 5, ".onnx") == 0;
  // ModelProto starts with ir_version (field 1, varint), then a string or the graph.
  if (onnxName || (n >= 3 && b[0] == 0x08 && b[1] < 0x20 &&
                   (b[2] == 0x12 || b[2] == 0x1a || b[2] == 0x22 || b[2] == 0x3a)))
    return fmt::format("{} is an ONNX model already, not a TorchScript archive; "
                       "`ts2onnx inspect {}` summarizes it",
                       file, path);
  return std::nullopt;
}

} // namespace

std::string Archive::displayName(std::string_view record) const {
  return fmt::format("{}:{}", baseName(path_), record);
}

absl::StatusOr<std::unique_ptr<Archive>> Archive::open(const std::string &path,
                                                       ArchiveOptions opts) {
  std::unique_ptr<Archive> a(new Archive());
  a->path_ = path;
  a->opts_ = opts;
  absl::StatusOr<std::shared_ptr<ZipArchive>> zip = ZipArchive::open(path, opts.zipLimits);
  if (!zip.ok()) {
    if (!absl::IsNotFound(zip.status()))
      if (std::optional<std::string> what = describeNonZip(path))
        return absl::InvalidArgumentError(*what);
    return zip.status();
  }
  a->zip_ = *std::move(zip);
  a->classes_ = std::make_unique<ClassTable>(
      [raw = a.get()](std::string_view q) { return raw->loadSource(q); });
  absl::Status s = a->zip_->has("model.json") ? a->loadLegacy() : a->load();
  if (!s.ok())
    return s;
  return a;
}

struct Archive::SourceSlot {
  std::once_flag once;
  absl::StatusOr<script::Module> module = absl::UnknownError("not parsed");
};

/// Parses the archive's code records on a helper thread, last record first, while the main
/// thread reads the pickles and parses the records their classes name (loadSource), in about
/// the order the zip holds them: the two meet in the middle, each record parsed by the thread
/// that gets to it first. The destructor stops the helper after the record it is parsing.
/// Records that no class ends up needing may be parsed for nothing, so only small ones are
/// taken (kMaxRecord), and only when there are enough of them to be worth a thread.
class Archive::SourcePrefetch {
public:
  static constexpr size_t kMinRecords = 8;
  static constexpr uint64_t kMaxRecord = uint64_t{1} << 20;

  explicit SourcePrefetch(Archive &archive) {
    for (const std::string &r : archive.zip_->records()) {
      if (!archive.isCodeRecord(r))
        continue;
      const ZipEntry *e = archive.zip_->entry(r);
      if (e == nullptr || e->uncompressedSize > kMaxRecord)
        continue;
      auto &slot = archive.sourceSlots_[r];
      slot = std::make_unique<SourceSlot>();
      todo_.emplace_back(r, slot.get());
    }
    if (todo_.size() < kMinRecords) {
      archive.sourceSlots_.clear();
      return;
    }
    // SIGINT and the like go to a thread that owns output files, never to this one.
    ir::DeferTerminationSignals blocked; // inherited by the helper
    helper_ = std::thread([this, &archive] {
      for (size_t i = todo_.size(); i-- > 0 && !stop_.load(std::memory_order_relaxed);)
        archive.parsedSource(*todo_[i].second, todo_[i].first);
    });
  }

  ~SourcePrefetch() {
    stop_.store(true, std::memory_order_relaxed);
    if (helper_.joinable())
      helper_.join();
  }

private:
  std::vector<std::pair<std::string, SourceSlot *>> todo_; // record, its slot; in zip order
  std::atomic<bool> stop_{false};
  std::thread helper_;
};

Archive::~Archive() = default;

bool Archive::isCodeRecord(std::string_view record) const {
  return record.size() > 3 && record.substr(0, codePrefix_.size()) == codePrefix_ &&
         record.substr(record.size() - 3) == ".py";
}

absl::StatusOr<script::Module> Archive::parseSource(const std::string &record) const {
  TS2ONNX_ASSIGN_OR_RETURN(std::string text, zip_->readString(record));
  return script::parseModule(text, displayName(record));
}

const absl::StatusOr<script::Module> &Archive::parsedSource(SourceSlot &slot,
                                                            const std::string &record) const {
  std::call_once(slot.once, [&] { slot.module = parseSource(record); });
  return slot.module;
}

absl::StatusOr<const script::Module *> Archive::loadSource(std::string_view qualifier) {
  std::string record = codePrefix_;
  for (char c : qualifier)
    record += c == '.' ? '/' : c;
  record += ".py";
  if (!zip_->has(record))
    return nullptr;
  if (auto it = sourceSlots_.find(record); it != sourceSlots_.end()) {
    const absl::StatusOr<script::Module> &parsed = parsedSource(*it->second, record);
    if (!parsed.ok())
      return parsed.status();
    return &*parsed;
  }
  TS2ONNX_ASSIGN_OR_RETURN(script::Module m, parseSource(record));
  sources_.push_back(std::make_unique<script::Module>(std::move(m)));
  return sources_.back().get();
}

absl::Status Archive::load() {
  format_ = Format::Zip;
  const std::string where = baseName(path_);
  // torch.package embeds TorchScript under .data/ts_code/.
  if (!zip_->has("data.pkl") && zip_->has(".data/ts_code/code/__torch__.py"))
    codePrefix_ = ".data/ts_code/code/";
  const char *versionRecord = zip_->has(".data/version") ? ".data/version" : "version";
  if (!zip_->has(versionRecord))
    return absl::InvalidArgumentError(
        fmt::format("{}: not a TorchScript archive: no 'version' record", where));
  TS2ONNX_ASSIGN_OR_RETURN(std::string vtext, zip_->readString(versionRecord));
  TS2ONNX_ASSIGN_OR_RETURN(version_, parseVersion(vtext, displayName(versionRecord)));
  if (version_ < 1 || version_ > kMaxSupportedFileVersion)
    return absl::InvalidArgumentError(fmt::format(
        "{}: file format version {} is not supported (this reader knows 1 to {}; a newer torch "
        "wrote it?)",
        where, version_, kMaxSupportedFileVersion));
  if (zip_->has("byteorder")) {
    TS2ONNX_ASSIGN_OR_RETURN(std::string order, zip_->readString("byteorder"));
    if (order != "little")
      return absl::UnimplementedError(
          fmt::format("{}: byteorder '{}' is not supported (only little-endian archives)", where,
                      order.substr(0, 16)));
  }
  hasBytecode_ = zip_->has("bytecode.pkl");
  if (!zip_->has("data.pkl"))
    return absl::InvalidArgumentError(fmt::format("{}: no data.pkl record", where));
  // torch.save writes the same zip layout without code/ and constants.pkl.
  std::vector<std::string> records = zip_->records();
  if (!zip_->has("constants.pkl") && codePrefix_ == "code/" &&
      std::none_of(records.begin(), records.end(),
                   [](const std::string &r) { return r.rfind("code/", 0) == 0; })) {
    TS2ONNX_ASSIGN_OR_RETURN(std::string pickle, zip_->readString("data.pkl"));
    return absl::InvalidArgumentError(describeTorchSave(pickle, where));
  }

  SourcePrefetch prefetch(*this);
  UnpicklerOptions uo;
  // A class whose source fails to parse is reported as that source error, not as a class the
  // pickle may not name.
  absl::Status sourceError;
  uo.classResolver = [this, &sourceError](std::string_view qual) -> absl::StatusOr<ClassKind> {
    auto cls = classes_->findClass(qual);
    if (!cls.ok() && !absl::IsNotFound(cls.status()))
      return sourceError = cls.status();
    if (!cls.ok())
      return absl::InvalidArgumentError(
          fmt::format("pickle names class '{}', which the archive's code/ does not define", qual));
    const ClassInfo *c = *cls;
    if (c->kind == ClassInfo::Kind::Enum)
      return ClassKind::Enum;
    if (c->kind == ClassInfo::Kind::CustomClass || c->methods.count("__setstate__"))
      return ClassKind::SetStateObject;
    return ClassKind::Object;
  };
  if (zip_->has("constants.pkl")) {
    uo.name = displayName("constants.pkl");
    absl::StatusOr<IValue> pickled = unpickleRecord(*zip_, "constants.pkl", "constants/", uo);
    if (!pickled.ok())
      return sourceError.ok() ? pickled.status() : sourceError;
    IValue consts = *std::move(pickled);
    if (!consts.isTuple())
      return absl::InvalidArgumentError(
          fmt::format("{}: constants.pkl holds a {}, expected a tuple", where, consts.kindName()));
    constants_ = consts.toTuple().elements;
  }
  uo.name = displayName("data.pkl");
  absl::StatusOr<IValue> root = unpickleRecord(*zip_, "data.pkl", "data/", uo);
  if (!root.ok())
    return sourceError.ok() ? root.status() : sourceError;
  root_ = *std::move(root);
  if (root_.isObject())
    rootClass_ = root_.toObject().className;
  return absl::OkStatus();
}

namespace {

int64_t jsonInt(const nlohmann::json &j, int64_t dflt = 0) {
  if (j.is_number_integer())
    return j.get<int64_t>();
  if (j.is_string()) {
    const std::string &s = j.get_ref<const std::string &>();
    char *end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (end && *end == 0 && !s.empty())
      return v;
  }
  return dflt;
}

/// caffe2 TensorProto.DataType names and numbers used by legacy TensorDefs.
std::optional<ir::ScalarType> caffe2DataType(const nlohmann::json &j) {
  static const std::pair<const char *, std::pair<int, ir::ScalarType>> kTypes[] = {
      {"FLOAT", {1, ir::ScalarType::Float32}},    {"INT32", {2, ir::ScalarType::Int32}},
      {"BYTE", {3, ir::ScalarType::UInt8}},       {"BOOL", {5, ir::ScalarType::Bool}},
      {"UINT8", {6, ir::ScalarType::UInt8}},      {"INT8", {7, ir::ScalarType::Int8}},
      {"INT16", {9, ir::ScalarType::Int16}},      {"INT64", {10, ir::ScalarType::Int64}},
      {"FLOAT16", {12, ir::ScalarType::Float16}}, {"DOUBLE", {13, ir::ScalarType::Float64}},
  };
  for (auto &[name, code] : kTypes)
    if ((j.is_string() && j.get<std::string>() == name) ||
        (j.is_number_integer() && j.get<int64_t>() == code.first))
      return code.second;
  return std::nullopt;
}

/// model.json fields of the expected JSON type: absent gives the default, another type is an
/// error (nlohmann's value() would throw).
absl::StatusOr<std::string> jsonString(const nlohmann::json &obj, const char *key,
                                       const std::string &dflt, const std::string &where) {
  auto it = obj.find(key);
  if (it == obj.end())
    return dflt;
  if (!it->is_string())
    return absl::InvalidArgumentError(fmt::format("{}: '{}' is not a string", where, key));
  return it->get<std::string>();
}

absl::StatusOr<bool> jsonBool(const nlohmann::json &obj, const char *key,
                              const std::string &where) {
  auto it = obj.find(key);
  if (it == obj.end())
    return false;
  if (!it->is_boolean())
    return absl::InvalidArgumentError(fmt::format("{}: '{}' is not a boolean", where, key));
  return it->get<bool>();
}

/// An array field (absent: empty).
absl::StatusOr<nlohmann::json> jsonArray(const nlohmann::json &obj, const char *key,
                                         const std::string &where) {
  auto it = obj.find(key);
  if (it == obj.end())
    return nlohmann::json::array();
  if (!it->is_array())
    return absl::InvalidArgumentError(fmt::format("{}: '{}' is not a list", where, key));
  return *it;
}

} // namespace

namespace {

using LegacyStorages = std::map<std::string, std::shared_ptr<const ir::Storage>>;

/// One TensorDef of model.json; records are read once per key (torch shares them too), so a
/// table that names one large record many times costs one read.
absl::StatusOr<ir::Tensor> buildLegacyTensor(const ZipArchive &zip, const nlohmann::json &def,
                                             const std::string &where, LegacyStorages &records) {
  if (!def.is_object())
    return absl::InvalidArgumentError(where + " is not an object");
  auto dtype = caffe2DataType(def.value("dataType", nlohmann::json("FLOAT")));
  if (!dtype)
    return absl::InvalidArgumentError(where + ": unknown dataType");
  auto device = def.find("device");
  if (device == def.end() || !device->is_string() || device->get_ref<const std::string &>().empty())
    return absl::InvalidArgumentError(where + ": no device (torch requires one)");
  TS2ONNX_ASSIGN_OR_RETURN(bool quantized, jsonBool(def, "isQuantized", where));
  if (quantized)
    return absl::UnimplementedError(where + ": quantized legacy tensors are not supported");
  std::vector<int64_t> sizes, strides;
  TS2ONNX_ASSIGN_OR_RETURN(nlohmann::json dims, jsonArray(def, "dims", where));
  TS2ONNX_ASSIGN_OR_RETURN(nlohmann::json strideList, jsonArray(def, "strides", where));
  if (dims.size() > 64 || strideList.size() > 64)
    return absl::InvalidArgumentError(where + ": too many dimensions");
  for (const auto &d : dims)
    sizes.push_back(jsonInt(d, -1));
  for (const auto &d : strideList)
    strides.push_back(jsonInt(d, -1));
  // Sizes first: contiguous strides are products of them.
  int64_t numel = 1;
  for (int64_t v : sizes) {
    if (v < 0 || v > (int64_t(1) << 40))
      return absl::InvalidArgumentError(where + ": negative or huge size/stride");
    if (__builtin_mul_overflow(numel, v, &numel))
      return absl::InvalidArgumentError(where + ": the element count overflows");
  }
  if (strides.empty())
    strides = ir::Tensor::contiguousStrides(sizes);
  int64_t offset = jsonInt(def.value("offset", nlohmann::json(0)), -1);
  if (strides.size() != sizes.size() || offset < 0)
    return absl::InvalidArgumentError(where + ": bad dims/strides/offset");
  auto data = def.find("data");
  if (data == def.end() || !data->is_object() || !data->contains("key") ||
      !(*data)["key"].is_string())
    return absl::InvalidArgumentError(where + ": no data key");
  std::string key = (*data)["key"].get<std::string>();
  auto cached = records.find(key);
  if (cached == records.end()) {
    TS2ONNX_ASSIGN_OR_RETURN(auto read, zip.read(key));
    cached = records.emplace(key, std::move(read)).first;
  }
  std::shared_ptr<const ir::Storage> storage = cached->second;
  // The last element read must lie inside the record (overflow-checked: at most 64 dims of
  // (2^40 - 1) * (2^63 - 1) fit in 128 bits).
  __int128 last = offset;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (strides[i] < 0)
      return absl::InvalidArgumentError(where + ": negative or huge size/stride");
    if (sizes[i] > 0)
      last += __int128(sizes[i] - 1) * strides[i];
  }
  size_t itemsize = ir::elementSize(*dtype);
  if (numel > 0 && (last + 1) * __int128(itemsize) > __int128(storage->nbytes))
    return absl::InvalidArgumentError(fmt::format(
        "{}: record '{}' has {} bytes, too short for the tensor", where, key, storage->nbytes));
  return ir::Tensor(*dtype, std::move(sizes), std::move(strides), offset, storage);
}

} // namespace

absl::StatusOr<ir::Tensor> Archive::legacyTensor(const nlohmann::json &def, size_t index) {
  LegacyStorages records;
  return buildLegacyTensor(
      *zip_, def, fmt::format("{}: model.json tensors[{}]", baseName(path_), index), records);
}

absl::StatusOr<IValue> Archive::loadLegacyModule(const nlohmann::json &def,
                                                 const std::string &qualifiedName,
                                                 const std::vector<ir::Tensor> &tensors,
                                                 const std::vector<IValue> &attributes, int depth) {
  const std::string where = baseName(path_);
  if (depth > 64)
    return absl::InvalidArgumentError(where + ": model.json modules nest too deeply");
  if (!def.is_object())
    return absl::InvalidArgumentError(where + ": model.json module is not an object");
  auto cls = std::make_unique<ClassInfo>();
  cls->qualifiedName = qualifiedName;
  cls->kind = ClassInfo::Kind::Module;
  auto obj = std::make_shared<Object>();
  obj->className = qualifiedName;
  obj->built = true;
  TS2ONNX_ASSIGN_OR_RETURN(nlohmann::json params, jsonArray(def, "parameters", where));
  TS2ONNX_ASSIGN_OR_RETURN(nlohmann::json attrs, jsonArray(def, "attributes", where));
  TS2ONNX_ASSIGN_OR_RETURN(nlohmann::json subs, jsonArray(def, "submodules", where));
  for (const auto &p : params) {
    if (!p.is_object())
      return absl::InvalidArgumentError(where + ": model.json parameter is not an object");
    TS2ONNX_ASSIGN_OR_RETURN(std::string name, jsonString(p, "name", "", where));
    TS2ONNX_ASSIGN_OR_RETURN(bool isBuffer, jsonBool(p, "isBuffer", where));
    int64_t id = jsonInt(p.value("tensorId", nlohmann::json(-1)), -1);
    if (name.empty() || id < 0 || id >= int64_t(tensors.size()))
      return absl::InvalidArgumentError(fmt::format(
          "{}: model.json parameter '{}' names tensor {} of {}", where, name, id, tensors.size()));
    ClassInfo::Attribute a;
    a.name = name;
    a.type = ir::Type::tensor();
    a.isParameter = !isBuffer;
    a.isBuffer = !a.isParameter;
    cls->attributes.push_back(a);
    auto tv = std::make_shared<TensorValue>();
    tv->tensor = tensors[size_t(id)];
    tv->requiresGrad = a.isParameter;
    obj->attributes.emplace_back(name, IValue::fromTensor(tv));
  }
  for (const auto &at : attrs) {
    if (!at.is_object())
      return absl::InvalidArgumentError(where + ": model.json attribute is not an object");
    TS2ONNX_ASSIGN_OR_RETURN(std::string name, jsonString(at, "name", "", where));
    TS2ONNX_ASSIGN_OR_RETURN(std::string type, jsonString(at, "type", "Tensor", where));
    int64_t id = jsonInt(at.value("id", nlohmann::json(-1)), -1);
    if (name.empty())
      continue;
    ClassInfo::Attribute a;
    a.name = name;
    TS2ONNX_ASSIGN_OR_RETURN(a.type, classes_->resolveTypeString(type));
    cls->attributes.push_back(a);
    IValue v; // a negative id: no value (None)
    if (id >= int64_t(attributes.size()))
      return absl::InvalidArgumentError(
          fmt::format("{}: model.json attribute '{}' names attributes.pkl entry {} of {}", where,
                      name, id, attributes.size()));
    if (id >= 0)
      v = attributes[size_t(id)];
    obj->attributes.emplace_back(name, v);
  }
  for (const auto &sub : subs) {
    if (!sub.is_object())
      return absl::InvalidArgumentError(where + ": model.json submodule is not an object");
    TS2ONNX_ASSIGN_OR_RETURN(std::string name, jsonString(sub, "name", "", where));
    if (name.empty())
      return absl::InvalidArgumentError(where + ": model.json submodule without a name");
    // Digit-only names (Sequential children) get a `_` prefix in qualified names.
    std::string atom = std::isdigit(static_cast<unsigned char>(name[0])) ? "_" + name : name;
    TS2ONNX_ASSIGN_OR_RETURN(IValue child, loadLegacyModule(sub, qualifiedName + "." + atom,
                                                            tensors, attributes, depth + 1));
    ClassInfo::Attribute a;
    a.name = name;
    a.type = ir::Type::classType(child.toObject().className);
    cls->attributes.push_back(a);
    obj->attributes.emplace_back(name, child);
  }
  if (!cls->findAttribute("training")) {
    ClassInfo::Attribute a;
    a.name = "training";
    a.type = ir::Type::boolType();
    cls->attributes.push_back(a);
    obj->attributes.emplace_back("training", IValue::fromBool(false));
  }
  auto arena = def.find("torchscriptArena");
  if (arena != def.end() && arena->is_object() && arena->contains("key") &&
      (*arena)["key"].is_string()) {
    std::string key = (*arena)["key"].get<std::string>();
    if (!zip_->has(key))
      return absl::InvalidArgumentError(
          fmt::format("{}: model.json names code record '{}', which is missing", where, key));
    TS2ONNX_ASSIGN_OR_RETURN(std::string code, zip_->readString(key));
    TS2ONNX_ASSIGN_OR_RETURN(script::Module m, script::parseModule(code, displayName(key)));
    sources_.push_back(std::make_unique<script::Module>(std::move(m)));
    for (const script::FunctionDef *f : sources_.back()->functions())
      cls->methods[f->name] = f;
  }
  classes_->addClass(std::move(cls));
  return IValue::fromObject(obj);
}

absl::Status Archive::loadLegacy() {
  format_ = Format::Legacy;
  const std::string where = baseName(path_);
  version_ = 1;
  if (zip_->has("version")) {
    TS2ONNX_ASSIGN_OR_RETURN(std::string vtext, zip_->readString("version"));
    TS2ONNX_ASSIGN_OR_RETURN(version_, parseVersion(vtext, displayName("version")));
  }
  TS2ONNX_ASSIGN_OR_RETURN(std::string text, zip_->readString("model.json"));
  nlohmann::json model = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (model.is_discarded() || !model.is_object())
    return absl::InvalidArgumentError(fmt::format("{}: model.json is not valid JSON", where));
  auto proto = model.find("protoVersion");
  int64_t pv = proto == model.end() ? 0 : jsonInt(*proto, -1);
  if (pv < 0 || pv >= 6)
    return absl::InvalidArgumentError(
        fmt::format("{}: model.json protoVersion {} is not supported (0 to 5)", where, pv));
  auto main = model.find("mainModule");
  if (main == model.end() || !main->is_object())
    return absl::InvalidArgumentError(fmt::format("{}: model.json has no mainModule", where));
  std::vector<ir::Tensor> tensors;
  auto tdefs = model.find("tensors");
  if (tdefs != model.end() && tdefs->is_array()) {
    if (tdefs->size() > 10'000'000)
      return absl::InvalidArgumentError(where + ": model.json lists too many tensors");
    LegacyStorages records;
    for (size_t i = 0; i < tdefs->size(); ++i) {
      TS2ONNX_ASSIGN_OR_RETURN(
          ir::Tensor t,
          buildLegacyTensor(*zip_, (*tdefs)[i], fmt::format("{}: model.json tensors[{}]", where, i),
                            records));
      tensors.push_back(std::move(t));
    }
  }
  std::vector<IValue> attributes;
  if (zip_->has("attributes.pkl")) {
    UnpicklerOptions uo;
    uo.name = displayName("attributes.pkl");
    uo.tensorTable = [&tensors](int64_t id) -> absl::StatusOr<IValue> {
      if (id < 0 || id >= int64_t(tensors.size()))
        return absl::InvalidArgumentError(fmt::format("tensor id {} out of range", id));
      auto tv = std::make_shared<TensorValue>();
      tv->tensor = tensors[size_t(id)];
      return IValue::fromTensor(tv);
    };
    TS2ONNX_ASSIGN_OR_RETURN(std::string bytes, zip_->readString("attributes.pkl"));
    TS2ONNX_ASSIGN_OR_RETURN(IValue attrs, unpickle(bytes, uo));
    if (attrs.isTuple())
      attributes = attrs.toTuple().elements;
    else if (attrs.isList())
      attributes = attrs.toList().elements;
  }
  // The code's CONSTANTS.cN are the entries of the tensor table (torch's legacy importer makes
  // its constant table from it).
  constants_.clear();
  constants_.reserve(tensors.size());
  for (const ir::Tensor &t : tensors) {
    auto tv = std::make_shared<TensorValue>();
    tv->tensor = t;
    constants_.push_back(IValue::fromTensor(tv));
  }
  TS2ONNX_ASSIGN_OR_RETURN(std::string name, jsonString(*main, "name", "module", where));
  if (name.empty() || name.find_first_of("./ ") != std::string::npos)
    name = "module";
  TS2ONNX_ASSIGN_OR_RETURN(
      root_, loadLegacyModule(*main, "__torch__.legacy." + name, tensors, attributes, 0));
  rootClass_ = root_.toObject().className;
  return absl::OkStatus();
}

std::vector<std::string> Archive::methodNames() const {
  std::vector<std::string> out;
  auto cls = classes_->findClass(rootClass_);
  if (!cls.ok())
    return out;
  if (!(*cls)->def) {
    for (const auto &[name, fn] : (*cls)->methods)
      out.push_back(name);
    std::sort(out.begin(), out.end());
    return out;
  }
  for (const script::FunctionDef *f : (*cls)->def->methods())
    out.push_back(f->name);
  return out;
}

std::vector<std::string> Archive::codeRecords() const {
  std::vector<std::string> out;
  for (const std::string &r : zip_->records())
    if (isCodeRecord(r))
      out.push_back(r);
  if (format_ == Format::Legacy)
    for (const std::string &r : zip_->records())
      if (r.rfind("code/", 0) == 0 && std::find(out.begin(), out.end(), r) == out.end())
        out.push_back(r);
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<ir::Value *> Archive::materializeConstant(ir::Graph &g, int64_t index,
                                                         const script::SourceRange &range) {
  if (index < 0 || index >= int64_t(constants_.size()))
    return script::sourceError(range, fmt::format("CONSTANTS.c{} does not exist (the table has "
                                                  "{} entries)",
                                                  index, constants_.size()));
  const IValue &v = constants_[size_t(index)];
  switch (v.kind()) {
  case IValue::Kind::Tensor:
    return g.insertConstantTensor(v.toTensor().tensor);
  case IValue::Kind::Int:
    return g.insertConstantInt(v.toInt());
  case IValue::Kind::Double:
    return g.insertConstantFloat(v.toDouble());
  case IValue::Kind::Bool:
    return g.insertConstantBool(v.toBool());
  case IValue::Kind::String:
    return g.insertConstantString(v.toStringRef());
  case IValue::Kind::None:
    return g.insertConstantNone();
  case IValue::Kind::Object: {
    // Objects (packed quantized parameters, torch.classes.*) stay opaque constants that name
    // their slot in the table, as torch prints them (`value=<...object>`).
    const Object &o = v.toObject();
    ir::Node *n = g.insert(ir::prim::Constant, {}, 1);
    n->setAttribute(ir::attr::value,
                    ir::AttributeValue(ir::Literal{fmt::format("<{} object>", o.className)}));
    n->i_(ir::Symbol::attr("constant_index"), index);
    return n->output()->setType(ir::Type::classType(o.className));
  }
  default:
    return script::sourceError(
        range, fmt::format("CONSTANTS.c{} is a {}, which cannot be a graph constant yet", index,
                           v.kindName()));
  }
}

Compiler Archive::makeCompiler() {
  CompileOptions copts = opts_.compile;
  copts.fileVersion = version_;
  return Compiler(
      *classes_,
      [this](ir::Graph &g, int64_t i, const script::SourceRange &r) {
        return materializeConstant(g, i, r);
      },
      copts);
}

absl::StatusOr<std::unique_ptr<ir::Graph>> Archive::compileMethod(const std::string &method) {
  Compiler compiler = makeCompiler();
  if (rootClass_.empty())
    return absl::InvalidArgumentError(
        fmt::format("{}: data.pkl does not hold a module object", baseName(path_)));
  auto g = compiler.compileMethod(rootClass_, method);
  if (!g.ok() && absl::IsNotFound(g.status())) {
    // Overloaded methods (scripted nn.LSTM/GRU) are saved as `forward__0`, `forward__1`, ...;
    // the first overload stands for the method.
    auto first = compiler.compileMethod(rootClass_, method + "__0");
    if (first.ok())
      return first;
  }
  if (!g.ok() && absl::IsNotFound(g.status())) {
    // Name what there is: libtorch test models often have other methods and no forward.
    std::vector<std::string> names = methodNames();
    std::string have = names.empty() ? std::string("it has no methods")
                                     : fmt::format("its methods: {}", fmt::join(names, ", "));
    return absl::NotFoundError(
        fmt::format("{}: {} ({})", baseName(path_), std::string(g.status().message()), have));
  }
  return g;
}

absl::StatusOr<const Object *> Archive::restoreSetState(const Object &o) {
  if (auto it = restored_.find(&o); it != restored_.end())
    return it->second.get();
  // One compiled __setstate__ per class: a quantized model has dozens of instances of each.
  std::unique_ptr<ir::Graph> &setState = setStateGraphs_[o.className];
  if (!setState) {
    Compiler compiler = makeCompiler();
    TS2ONNX_ASSIGN_OR_RETURN(setState, compiler.compileMethod(o.className, "__setstate__"));
  }
  TS2ONNX_ASSIGN_OR_RETURN(std::shared_ptr<Object> out, frontend::restoreSetState(*setState, o));
  const Object *p = out.get();
  restored_[&o] = std::move(out);
  return p;
}

} // namespace ts2onnx::frontend
