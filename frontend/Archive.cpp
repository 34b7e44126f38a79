#include "frontend/Archive.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "frontend/Unpickler.h"
#include "frontend/script/Parser.h"
#include "ir/Status.h"

namespace ts2onnx::frontend {

namespace {

constexpr int64_t kMaxSupportedVersion = 10;

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

} // namespace

std::string Archive::displayName(std::string_view record) const {
  return fmt::format("{}:{}", baseName(path_), record);
}

absl::StatusOr<std::unique_ptr<Archive>> Archive::open(const std::string &path,
                                                       ArchiveOptions opts) {
  std::unique_ptr<Archive> a(new Archive());
  a->path_ = path;
  a->opts_ = opts;
  TS2ONNX_ASSIGN_OR_RETURN(a->zip_, ZipArchive::open(path, opts.zipLimits));
  a->classes_ = std::make_unique<ClassTable>(
      [raw = a.get()](std::string_view q) { return raw->loadSource(q); });
  absl::Status s = a->zip_->has("model.json") ? a->loadLegacy() : a->load();
  if (!s.ok())
    return s;
  return a;
}

absl::StatusOr<const script::Module *> Archive::loadSource(std::string_view qualifier) {
  std::string record = codePrefix_;
  for (char c : qualifier)
    record += c == '.' ? '/' : c;
  record += ".py";
  if (!zip_->has(record))
    return nullptr;
  TS2ONNX_ASSIGN_OR_RETURN(std::string text, zip_->readString(record));
  TS2ONNX_ASSIGN_OR_RETURN(script::Module m, script::parseModule(text, displayName(record)));
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
  if (version_ < 1 || version_ > kMaxSupportedVersion)
    return absl::InvalidArgumentError(fmt::format(
        "{}: file format version {} is not supported (this reader knows 1 to {}; a newer torch "
        "wrote it?)",
        where, version_, kMaxSupportedVersion));
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

  UnpicklerOptions uo;
  uo.classResolver = [this](std::string_view qual) -> absl::StatusOr<ClassKind> {
    auto cls = classes_->findClass(qual);
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
    TS2ONNX_ASSIGN_OR_RETURN(IValue consts,
                             unpickleRecord(*zip_, "constants.pkl", "constants/", uo));
    if (!consts.isTuple())
      return absl::InvalidArgumentError(
          fmt::format("{}: constants.pkl holds a {}, expected a tuple", where, consts.kindName()));
    constants_ = consts.toTuple().elements;
  }
  uo.name = displayName("data.pkl");
  TS2ONNX_ASSIGN_OR_RETURN(root_, unpickleRecord(*zip_, "data.pkl", "data/", uo));
  if (root_.isObject())
    rootClass_ = root_.toObject().className;
  return absl::OkStatus();
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
  if (proto != model.end()) {
    int64_t pv = proto->is_string()           ? std::atoll(proto->get<std::string>().c_str())
                 : proto->is_number_integer() ? proto->get<int64_t>()
                                              : -1;
    if (pv < 0 || pv >= 6)
      return absl::InvalidArgumentError(
          fmt::format("{}: model.json protoVersion {} is not supported (0 to 5)", where, pv));
  }
  auto main = model.find("mainModule");
  if (main == model.end() || !main->is_object())
    return absl::InvalidArgumentError(fmt::format("{}: model.json has no mainModule", where));
  if (model.contains("tensors") && model["tensors"].is_array() && !model["tensors"].empty())
    return absl::UnimplementedError(fmt::format(
        "{}: legacy archives with tensors (model.json 'tensors') are not supported yet", where));
  if (main->contains("submodules") && (*main)["submodules"].is_array() &&
      !(*main)["submodules"].empty())
    return absl::UnimplementedError(
        fmt::format("{}: legacy archives with submodules are not supported yet", where));
  std::string name = main->value("name", std::string("module"));
  auto arena = main->find("torchscriptArena");
  if (arena == main->end() || !arena->is_object() || !arena->contains("key") ||
      !(*arena)["key"].is_string())
    return absl::InvalidArgumentError(
        fmt::format("{}: model.json mainModule has no torchscriptArena", where));
  std::string key = (*arena)["key"].get<std::string>();
  if (!zip_->has(key))
    return absl::InvalidArgumentError(
        fmt::format("{}: model.json names code record '{}', which is missing", where, key));
  TS2ONNX_ASSIGN_OR_RETURN(std::string code, zip_->readString(key));
  TS2ONNX_ASSIGN_OR_RETURN(script::Module m, script::parseModule(code, displayName(key)));
  sources_.push_back(std::make_unique<script::Module>(std::move(m)));
  legacyModule_ = sources_.back().get();
  rootClass_ = "__torch__." + name;
  return absl::OkStatus();
}

std::vector<std::string> Archive::methodNames() const {
  std::vector<std::string> out;
  if (legacyModule_) {
    for (const script::FunctionDef *f : legacyModule_->functions())
      out.push_back(f->name);
    return out;
  }
  auto cls = classes_->findClass(rootClass_);
  if (!cls.ok() || !(*cls)->def)
    return out;
  for (const script::FunctionDef *f : (*cls)->def->methods())
    out.push_back(f->name);
  return out;
}

std::vector<std::string> Archive::codeRecords() const {
  std::vector<std::string> out;
  for (const std::string &r : zip_->records())
    if (r.rfind(codePrefix_, 0) == 0 && r.size() > 3 && r.substr(r.size() - 3) == ".py")
      out.push_back(r);
  if (legacyModule_)
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
  default:
    return script::sourceError(
        range, fmt::format("CONSTANTS.c{} is a {}, which cannot be a graph constant yet", index,
                           v.kindName()));
  }
}

absl::StatusOr<std::unique_ptr<ir::Graph>> Archive::compileMethod(const std::string &method) {
  Compiler compiler(
      *classes_,
      [this](ir::Graph &g, int64_t i, const script::SourceRange &r) {
        return materializeConstant(g, i, r);
      },
      opts_.compile);
  if (legacyModule_) {
    for (const script::FunctionDef *f : legacyModule_->functions())
      if (f->name == method)
        return compiler.compileFunctionDef(*f, ir::Type::classType(rootClass_));
    return absl::NotFoundError(
        fmt::format("{}: the module has no method '{}'", baseName(path_), method));
  }
  if (rootClass_.empty())
    return absl::InvalidArgumentError(
        fmt::format("{}: data.pkl does not hold a module object", baseName(path_)));
  auto g = compiler.compileMethod(rootClass_, method);
  if (!g.ok() && absl::IsNotFound(g.status()))
    return absl::NotFoundError(
        fmt::format("{}: {}", baseName(path_), std::string(g.status().message())));
  return g;
}

} // namespace ts2onnx::frontend
