// writer::schemaRegistry() (schemas built as they are looked up) against onnx's own registry,
// its reference: the same schema for every default-domain operator at every opset version; and
// writer::checkModelProto against onnx::checker::check_model on valid and broken models.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "onnx/checker.h"
#include "onnx/defs/parser.h"
#include "onnx/defs/schema.h"
#include "ts2onnx/ts2onnx.h"
#include "writer/OnnxSchemas.h"

using namespace ts2onnx;

namespace {

std::string fixture(const std::string &name) {
  return std::string(TS2ONNX_SOURCE_DIR) + "/fixtures/" + name + "/model.pt";
}

/// What distinguishes one schema from another, printed.
std::string describe(const onnx::OpSchema *s) {
  if (s == nullptr)
    return "none";
  std::string d = s->Name() + "@" + s->domain() + " since " + std::to_string(s->SinceVersion());
  d += " in " + std::to_string(s->min_input()) + ".." + std::to_string(s->max_input());
  d += " out " + std::to_string(s->min_output()) + ".." + std::to_string(s->max_output());
  for (const auto &[name, attr] : s->attributes())
    d += " attr " + name + (attr.required ? "!" : "");
  for (const auto &c : s->typeConstraintParams()) {
    d += " " + c.type_param_str + ":";
    for (const auto &t : c.allowed_type_strs)
      d += t + ",";
  }
  d += s->has_type_and_shape_inference_function() ? " infers" : "";
  d += s->HasFunction() ? " function" : "";
  d += s->HasContextDependentFunction() ? " context-function" : "";
  d += s->Deprecated() ? " deprecated" : "";
  d += " " + s->file() + ":" + std::to_string(s->line());
  return d;
}

onnx::ModelProto parseModel(const char *text) {
  onnx::ModelProto m;
  onnx::OnnxParser parser(text);
  auto status = parser.Parse(m);
  REQUIRE_MESSAGE(status.IsOK(), status.ErrorMessage());
  return m;
}

/// The error `check` throws on `m`, or "" when it passes.
template <typename F> std::string errorOf(const onnx::ModelProto &m, F check) {
  try {
    check(m);
  } catch (const std::exception &e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("OnnxSchemas: a conversion builds only the schemas it uses, not onnx's registry") {
  if (!writer::schemaRegistryIsLazy()) {
    MESSAGE("built against onnx 1.12 (TS2ONNX_ONNX=system): the checker uses onnx's registry");
    return;
  }
  if (onnx::OpSchemaRegistry::GetLoadedSchemaVersion() != -1) {
    // An earlier case built onnx's registry in this process (the whole executable run at once;
    // ctest runs each case alone): run this case alone, in a new process.
    char self[4096] = {};
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    REQUIRE(n > 0);
    std::string command = std::string("'") + self +
                          "' '--test-case=OnnxSchemas: a conversion builds only the schemas it "
                          "uses*' >/dev/null 2>&1";
    CHECK_MESSAGE(std::system(command.c_str()) == 0, "the case failed alone: " << command);
    return;
  }
  ConvertOptions o;
  o.inputs = {
      {"src", ir::ScalarType::Float32, {ir::Dim::known(2), ir::Dim::known(5), ir::Dim::known(16)}}};
  auto model = convert(fixture("attn_encoder_norm_first_scripted"), o);
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  // -1 until onnx registers its operator sets (they set 0).
  CHECK_MESSAGE(onnx::OpSchemaRegistry::GetLoadedSchemaVersion() == -1,
                "the conversion built onnx's whole schema registry");
}

TEST_CASE("OnnxSchemas: every default-domain operator at every opset, as onnx's registry has it") {
  const onnx::ISchemaRegistry *lazy = writer::schemaRegistry();
  std::set<std::string> names;
  int newest = 0;
  for (const auto &s : onnx::OpSchemaRegistry::get_all_schemas_with_history())
    if (s.domain().empty()) {
      names.insert(s.Name());
      newest = std::max(newest, s.SinceVersion());
    }
  REQUIRE(names.size() > 150);
  int compared = 0;
  for (const auto &name : names)
    for (int version = 1; version <= newest + 1; ++version) {
      const onnx::OpSchema *ref = onnx::OpSchemaRegistry::Schema(name, version, "");
      const onnx::OpSchema *ours = lazy->GetSchema(name, version, "");
      INFO(name << " at opset " << version);
      CHECK(describe(ours) == describe(ref));
      CHECK(lazy->GetSchema(name, version, "") == ours); // built once
      compared += ref != nullptr;
    }
  CHECK(compared > 2000);
  CHECK(lazy->GetSchema("NoSuchOperator", 17, "") == nullptr);
  CHECK(lazy->GetSchema("Add", 17, "com.example.functions") == nullptr);
  CHECK(describe(lazy->GetSchema("LabelEncoder", 3, "ai.onnx.ml")) ==
        describe(onnx::OpSchemaRegistry::Schema("LabelEncoder", 3, "ai.onnx.ml")));
}

TEST_CASE("OnnxSchemas: checkModelProto fails where onnx::checker::check_model fails") {
  const std::vector<const char *> models = {
      // Valid, with an If whose branches read an outer value.
      R"(<ir_version: 8, opset_import: ["" : 17]>
         g (float[2] x, bool c) => (float[2] y) {
           y = If (c) <then_branch = t () => (float[2] a) { a = Relu (x) },
                       else_branch = e () => (float[2] b) { b = Neg (x) }>
         })",
      // An operator that opset 17 does not have yet.
      R"(<ir_version: 8, opset_import: ["" : 17]>
         g (float[2] x) => (float[2] y) { y = Gelu (x) })",
      // Too many inputs.
      R"(<ir_version: 8, opset_import: ["" : 17]>
         g (float[2] x) => (float[2] y) { y = Relu (x, x) })",
      // A value used before it is defined.
      R"(<ir_version: 8, opset_import: ["" : 17]>
         g (float[2] x) => (float[2] y) { y = Relu (z) z = Relu (x) })",
      // A required attribute missing.
      R"(<ir_version: 8, opset_import: ["" : 17]>
         g (float[2] x) => (float[2] y) { y = Cast (x) })",
      // An operator of an unknown domain, with no local function for it.
      R"(<ir_version: 8, opset_import: ["" : 17, "com.example" : 1]>
         g (float[2] x) => (float[2] y) { y = com.example.Foo (x) })",
      // A model-local function: valid.
      R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
         g (float[2] x) => (float[2] y) { y = local.Double (x) }
         <domain: "local", opset_import: ["" : 17]>
         Double (a) => (b) { b = Add (a, a) })",
      // No opset import.
      R"(<ir_version: 8>
         g (float[2] x) => (float[2] y) { y = Relu (x) })",
  };
  int failures = 0;
  for (const char *text : models) {
    onnx::ModelProto m = parseModel(text);
    std::string ref = errorOf(m, [](const onnx::ModelProto &x) { onnx::checker::check_model(x); });
    std::string ours = errorOf(m, [](const onnx::ModelProto &x) { writer::checkModelProto(x); });
    INFO(text);
    INFO("onnx: " << ref);
    INFO("ours: " << ours);
    CHECK(ours.empty() == ref.empty());
    if (!ref.empty() && m.opset_import_size() > 0)
      CHECK(ours == ref); // the graph's checks are onnx's own
    failures += !ref.empty();
  }
  CHECK(failures >= 5);

  onnx::ModelProto noVersion = parseModel(models[0]);
  noVersion.clear_ir_version();
  CHECK_THROWS_AS(writer::checkModelProto(noVersion), onnx::checker::ValidationError);
  CHECK_THROWS_AS(onnx::checker::check_model(noVersion), onnx::checker::ValidationError);
  onnx::ModelProto twoKeys = parseModel(models[0]);
  for (int i = 0; i < 2; ++i) {
    auto *p = twoKeys.add_metadata_props();
    p->set_key("k");
    p->set_value(std::to_string(i));
  }
  CHECK_THROWS_AS(writer::checkModelProto(twoKeys), onnx::checker::ValidationError);
  CHECK_THROWS_AS(onnx::checker::check_model(twoKeys), onnx::checker::ValidationError);
}
