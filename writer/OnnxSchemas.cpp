#include "writer/OnnxSchemas.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "onnx/defs/operator_sets.h"

namespace ts2onnx::writer {

#ifdef TS2ONNX_LAZY_SCHEMAS

namespace {

using Builder = onnx::OpSchema (*)();

/// One row of the generated table: a default-domain operator, the opset version its schema
/// appeared in, and onnx's function that builds that schema.
struct TableRow {
  const char *name;
  int sinceVersion;
  Builder build;
};

// TS2ONNX_SCHEMA(version, Name) rows, one per `fn(GetOpSchema<...(Onnx, version, Name)>())` of
// onnx's operator_sets.h (writer/CMakeLists.txt generates the file).
#define TS2ONNX_SCHEMA(version, name)                                                              \
  TableRow{#name, version,                                                                         \
           &onnx::GetOpSchema<onnx::ONNX_OPERATOR_SET_SCHEMA_CLASS_NAME(Onnx, version, name)>},
constexpr TableRow kTable[] = {
#include "OnnxSchemaTable.inc"
};
#undef TS2ONNX_SCHEMA

/// One version of one operator's schema, built on its first lookup and kept until exit.
struct Version {
  int sinceVersion = 0;
  Builder build = nullptr;
  mutable std::atomic<const onnx::OpSchema *> schema{nullptr};
  mutable std::once_flag once;

  Version(int since, Builder b) : sinceVersion(since), build(b) {}

  const onnx::OpSchema *get() const {
    if (const onnx::OpSchema *s = schema.load(std::memory_order_acquire))
      return s;
    std::call_once(once, [this] {
      // What onnx's registry does with a schema it registers. Never freed: schemas live until
      // exit, as in onnx's registry.
      auto *built = new onnx::OpSchema(build());
      built->Finalize();
      schema.store(built, std::memory_order_release);
    });
    return schema.load(std::memory_order_acquire);
  }
};

class LazyRegistry final : public onnx::ISchemaRegistry {
public:
  LazyRegistry() {
    for (const TableRow &row : kTable)
      versions_[row.name].push_back(std::make_unique<Version>(row.sinceVersion, row.build));
    for (auto &[name, list] : versions_)
      std::sort(list.begin(), list.end(),
                [](const auto &a, const auto &b) { return a->sinceVersion < b->sinceVersion; });
    const auto &ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    for (const auto &[domain, range] : ranges)
      if (!domain.empty())
        onnxDomains_.insert(domain);
  }

  const onnx::OpSchema *GetSchema(const std::string &key, const int maxInclusiveVersion,
                                  const std::string &domain) const override {
    if (!domain.empty()) {
      // ai.onnx.ml and the like: onnx's registry. Other domains have no registered schemas in a
      // ts2onnx process (model-local functions are checked as functions).
      if (onnxDomains_.count(domain) != 0)
        return onnx::OpSchemaRegistry::Schema(key, maxInclusiveVersion, domain);
      return nullptr;
    }
    auto it = versions_.find(key);
    if (it == versions_.end())
      return onnx::OpSchemaRegistry::Schema(key, maxInclusiveVersion, domain);
    const auto &list = it->second;
    auto past = std::upper_bound(
        list.begin(), list.end(), maxInclusiveVersion,
        [](int version, const auto &entry) { return version < entry->sinceVersion; });
    if (past == list.begin())
      return nullptr;
    return (*(past - 1))->get();
  }

private:
  std::unordered_map<std::string, std::vector<std::unique_ptr<Version>>> versions_;
  std::unordered_set<std::string> onnxDomains_;
};

} // namespace

const onnx::ISchemaRegistry *schemaRegistry() {
  // Never destroyed: onnx's checker may run on other threads until exit.
  static const LazyRegistry *registry = new LazyRegistry();
  return registry;
}

bool schemaRegistryIsLazy() { return true; }

#else

const onnx::ISchemaRegistry *schemaRegistry() { return onnx::OpSchemaRegistry::Instance(); }

bool schemaRegistryIsLazy() { return false; }

#endif

void checkModelProto(const onnx::ModelProto &model, const std::string &modelDir) {
  if (model.ir_version() == 0)
    fail_check("The model does not have an ir_version set properly.");
  if (model.ir_version() > onnx::IR_VERSION)
    fail_check("The model's ir_version ", model.ir_version(), " is newer than the checker's (",
               static_cast<int>(onnx::IR_VERSION), ").");
  std::unordered_set<std::string_view> keys;
  for (const auto &entry : model.metadata_props())
    if (!keys.insert(entry.key()).second)
      fail_check("The model has the metadata_props key '", entry.key(), "' twice.");

  onnx::checker::CheckerContext ctx;
  ctx.set_schema_registry(schemaRegistry());
  ctx.set_ir_version(static_cast<int>(model.ir_version()));
  if (!modelDir.empty())
    ctx.set_model_dir(modelDir);
  std::unordered_map<std::string, int> opsets;
  for (const auto &imp : model.opset_import())
    opsets[imp.domain()] = static_cast<int>(imp.version());
  if (model.ir_version() >= 3 && opsets.empty())
    fail_check("A model of IR version 3 or later must import an ONNX opset.");
  if (model.ir_version() < 3) {
    if (!opsets.empty())
      fail_check("A model of IR version below 3 cannot import opsets.");
    opsets[onnx::ONNX_DOMAIN] = 1;
  }
  ctx.set_opset_imports(opsets);
  onnx::checker::LexicalScopeContext scope;
  onnx::checker::check_graph(model.graph(), ctx, scope);
  if (model.ir_version() >= 8)
    onnx::checker::check_model_local_functions(model, ctx, scope);
}

} // namespace ts2onnx::writer
