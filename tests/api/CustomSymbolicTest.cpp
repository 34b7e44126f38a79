// The extension API: custom operator schemas, custom symbolics (new domains and aten overrides
// for an opset range), custom opset versions and user passes, on the fixtures
// custom_scaled_tanh (torch.library op mydomain::scaled_tanh) and mlp.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "onnx/checker.h"
#include "ts2onnx/extend.h"
#include "ts2onnx/ts2onnx.h"

using namespace ts2onnx;

namespace {

std::string fixture(const std::string &name) {
  return std::string(TS2ONNX_SOURCE_DIR) + "/fixtures/" + name + "/model.pt";
}

constexpr const char *kScaledTanh = "mydomain::scaled_tanh(Tensor x, float alpha) -> Tensor";

ConvertOptions customOptions(int opset) {
  ConvertOptions o;
  o.opset = opset;
  o.inputs = {{"x", ir::ScalarType::Float32, {ir::Dim::named("batch"), ir::Dim::known(6)}}};
  return o;
}

std::map<std::string, int> opHistogram(const onnx::ModelProto &m) {
  std::map<std::string, int> h;
  for (const auto &n : m.graph().node())
    ++h[(n.domain().empty() ? "" : n.domain() + "::") + n.op_type()];
  return h;
}

int importedVersion(const onnx::ModelProto &m, const std::string &domain) {
  for (const auto &imp : m.opset_import())
    if (imp.domain() == domain)
      return static_cast<int>(imp.version());
  return -1;
}

/// mydomain::scaled_tanh(x, alpha) as a node of domain `mydomain` with attribute alpha.
absl::StatusOr<std::vector<ir::Value *>> scaledTanhAsCustomNode(SymbolicContext &ctx) {
  std::optional<double> alpha = ctx.constFloat(1);
  if (!alpha)
    return ctx.error("alpha must be a constant");
  ir::Node *n =
      ctx.b.customNode("mydomain", "AlphaTanh", {ctx.input(0)}, {OnnxAttr::f("alpha", *alpha)});
  // ONNX knows nothing of the op: its output has the input's type.
  OnnxBuilder::setTensorType(n->output(), OnnxBuilder::dtypeOf(ctx.input(0)),
                             OnnxBuilder::dimsOf(ctx.input(0)));
  return std::vector<ir::Value *>{n->output()};
}

/// tanh(alpha * x) in standard ONNX ops.
absl::StatusOr<std::vector<ir::Value *>> scaledTanhAsMulTanh(SymbolicContext &ctx) {
  std::optional<double> alpha = ctx.constFloat(1);
  if (!alpha)
    return ctx.error("alpha must be a constant");
  ir::Value *scaled = ctx.b.op("Mul", {ctx.input(0), ctx.b.floatScalar(*alpha)});
  return std::vector<ir::Value *>{ctx.b.op("Tanh", {scaled})};
}

} // namespace

// One test case, in this order, because schema registrations are process-wide and cannot be
// undone: first the archive must fail, then it must convert.
TEST_CASE("a custom op converts only after its schema and symbolic are registered") {
  const std::string path = fixture("custom_scaled_tanh");

  // No schema: the frontend cannot compile the call, and says which op and where.
  auto unknown = convert(path, customOptions(17));
  REQUIRE(!unknown.ok());
  std::string msg(unknown.status().message());
  INFO(msg);
  CHECK(msg.find("unknown operator mydomain::scaled_tanh") != std::string::npos);
  CHECK(msg.find("registerOperatorSchema") != std::string::npos);
  CHECK(msg.find("code/__torch__.py:") != std::string::npos); // the call's source location

  // Bad schemas are refused.
  CHECK(!registerOperatorSchema("scaled_tanh(Tensor x) -> Tensor").ok()); // no namespace
  CHECK(!registerOperatorSchema("mydomain::broken(Tensor x -> Tensor").ok());

  // Schema, no symbolic: to-onnx names the op, its source line and what to do.
  REQUIRE(registerOperatorSchema(kScaledTanh).ok());
  CHECK(registerOperatorSchema(kScaledTanh).ok()); // the same schema again: fine
  CHECK(absl::IsAlreadyExists(
      registerOperatorSchema("mydomain::scaled_tanh(Tensor x, int alpha) -> Tensor")));
  auto noSymbolic = convert(path, customOptions(17));
  REQUIRE(!noSymbolic.ok());
  msg = std::string(noSymbolic.status().message());
  INFO(msg);
  CHECK(msg.find("mydomain::scaled_tanh has no ONNX symbolic at opset 17") != std::string::npos);
  CHECK(msg.find("registerSymbolic") != std::string::npos);
  CHECK(msg.find("code/__torch__.py:") != std::string::npos);

  // A symbolic emitting a mydomain node: the checker passes and mydomain is imported, at the
  // version customOpsets gives (1 without it).
  CHECK(!registerSymbolic("scaled_tanh", scaledTanhAsCustomNode).ok()); // unqualified
  CHECK(!registerSymbolic("mydomain::scaled_tanh", scaledTanhAsCustomNode, 13, 11).ok());
  REQUIRE(registerSymbolic("mydomain::scaled_tanh", scaledTanhAsCustomNode).ok());
  for (int opset : {11, 13, 17}) {
    CAPTURE(opset);
    ConvertOptions o = customOptions(opset);
    o.customOpsets = {{"mydomain", 2}};
    auto model = convert(path, o);
    REQUIRE_MESSAGE(model.ok(), model.status().message());
    CHECK_NOTHROW(onnx::checker::check_model(*model));
    CHECK(importedVersion(*model, "mydomain") == 2);
    CHECK(importedVersion(*model, "") == opset);
    auto h = opHistogram(*model);
    CHECK(h["mydomain::AlphaTanh"] == 1);
    CHECK(h["Relu"] == 1);
    for (const auto &n : model->graph().node())
      if (n.op_type() == "AlphaTanh") {
        REQUIRE(n.attribute_size() == 1);
        CHECK(n.attribute(0).name() == "alpha");
        CHECK(n.attribute(0).f() == doctest::Approx(0.5));
      }
  }
  auto defaultVersion = convert(path, customOptions(17));
  REQUIRE_MESSAGE(defaultVersion.ok(), defaultVersion.status().message());
  CHECK(importedVersion(*defaultVersion, "mydomain") == 1);

  // A later registration for opsets 13..17 lowers it to standard ops there; 11 keeps the
  // custom node.
  REQUIRE(registerSymbolic("mydomain::scaled_tanh", scaledTanhAsMulTanh, 13, 17).ok());
  auto lowered = convert(path, customOptions(13));
  REQUIRE_MESSAGE(lowered.ok(), lowered.status().message());
  CHECK(importedVersion(*lowered, "mydomain") == -1);
  CHECK(opHistogram(*lowered)["Tanh"] == 1);
  CHECK(opHistogram(*lowered).count("mydomain::AlphaTanh") == 0);
  auto at11 = convert(path, customOptions(11));
  REQUIRE_MESSAGE(at11.ok(), at11.status().message());
  CHECK(opHistogram(*at11)["mydomain::AlphaTanh"] == 1);

  // Unregistered again: the error lists nothing registered.
  CHECK(unregisterSymbolic("mydomain::scaled_tanh") == 2);
  CHECK(unregisterSymbolic("mydomain::scaled_tanh") == 0);
  CHECK(!convert(path, customOptions(17)).ok());
}

TEST_CASE("a symbolic registered for aten::relu at opsets 11 to 13 overrides the builtin there "
          "only") {
  int calls = 0;
  // relu(x) as Max(x, 0): visible in the op histogram.
  auto reluAsMax = [&calls](SymbolicContext &ctx) -> absl::StatusOr<std::vector<ir::Value *>> {
    ++calls;
    ir::Value *zero = ctx.b.floatScalar(0.0);
    return std::vector<ir::Value *>{ctx.b.op("Max", {ctx.input(0), zero})};
  };
  REQUIRE(registerSymbolic("aten::relu", reluAsMax, 11, 13).ok());
  ConvertOptions o;
  o.inputs = {{"x", ir::ScalarType::Float32, {ir::Dim::named("batch"), ir::Dim::known(20)}}};
  std::map<int, std::map<std::string, int>> byOpset;
  for (int opset : {9, 11, 13, 17}) {
    o.opset = opset;
    auto model = convert(fixture("mlp"), o);
    REQUIRE_MESSAGE(model.ok(), model.status().message());
    byOpset[opset] = opHistogram(*model);
  }
  CHECK(calls > 0);
  CHECK(byOpset[9]["Relu"] > 0);
  CHECK(byOpset[9].count("Max") == 0);
  CHECK(byOpset[11].count("Relu") == 0);
  CHECK(byOpset[11]["Max"] == byOpset[9]["Relu"]);
  CHECK(byOpset[13].count("Relu") == 0);
  CHECK(byOpset[13]["Max"] == byOpset[9]["Relu"]);
  CHECK(byOpset[17]["Relu"] == byOpset[9]["Relu"]);
  CHECK(byOpset[17].count("Max") == 0);
  CHECK(unregisterSymbolic("aten::relu") == 1);
  o.opset = 13;
  auto builtin = convert(fixture("mlp"), o);
  REQUIRE(builtin.ok());
  CHECK(opHistogram(*builtin)["Relu"] == byOpset[9]["Relu"]);
}

TEST_CASE("a symbolic's error names the op and its source location") {
  auto failing = [](SymbolicContext &ctx) -> absl::StatusOr<std::vector<ir::Value *>> {
    return ctx.error("refused by the test");
  };
  REQUIRE(registerSymbolic("aten::relu", failing, 17, 17).ok());
  ConvertOptions o;
  o.inputs = {{"x", ir::ScalarType::Float32, {ir::Dim::named("batch"), ir::Dim::known(20)}}};
  auto model = convert(fixture("mlp"), o);
  unregisterSymbolic("aten::relu");
  REQUIRE(!model.ok());
  std::string msg(model.status().message());
  INFO(msg);
  CHECK(msg.find("aten::relu: refused by the test") != std::string::npos);
  CHECK(msg.find(".py:") != std::string::npos);
}

TEST_CASE("a user pass registered in passRegistry() runs where ExtraPass puts it") {
  // Counts the ONNX nodes right after to-onnx, and checks it sees the ONNX dialect there.
  static int seenOnnxNodes = -1;
  static int seenAtenNodes = -1;
  auto count = [](const ir::Graph &g) {
    int onnxNodes = 0, aten = 0;
    for (const ir::Node *n : g.block()->nodes()) {
      onnxNodes += n->kind().isNamespace("onnx");
      aten += n->kind().isNamespace("aten");
    }
    seenOnnxNodes = onnxNodes;
    seenAtenNodes = aten;
  };
  absl::Status r =
      passRegistry().registerPass("test-count-onnx-nodes", "Counts ONNX nodes (CustomSymbolicTest)",
                                  [count](ir::Graph &g, const passes::PassOptions &) {
                                    count(g);
                                    return absl::OkStatus();
                                  });
  REQUIRE(r.ok());
  ConvertOptions o;
  o.inputs = {{"x", ir::ScalarType::Float32, {ir::Dim::named("batch"), ir::Dim::known(20)}}};
  o.extraPasses = {{"test-count-onnx-nodes", "to-onnx"}};
  std::vector<std::string> pipeline = standardPipeline(o);
  auto at = std::find(pipeline.begin(), pipeline.end(), "test-count-onnx-nodes");
  REQUIRE(at != pipeline.end());
  CHECK(*(at - 1) == "to-onnx");
  auto model = convert(fixture("mlp"), o);
  REQUIRE_MESSAGE(model.ok(), model.status().message());
  CHECK(seenOnnxNodes > 0);
  CHECK(seenAtenNodes == 0);

  // Before to-onnx (after cse) it sees aten nodes.
  o.extraPasses = {{"test-count-onnx-nodes", "cse"}};
  REQUIRE(convert(fixture("mlp"), o).ok());
  CHECK(seenAtenNodes > 0);
  CHECK(seenOnnxNodes == 0);

  o.extraPasses = {{"no-such-pass", ""}};
  auto missing = convert(fixture("mlp"), o);
  REQUIRE(!missing.ok());
  CHECK(std::string(missing.status().message()).find("no-such-pass") != std::string::npos);
  o.extraPasses = {{"test-count-onnx-nodes", "no-such-anchor"}};
  CHECK(!convert(fixture("mlp"), o).ok());
}

TEST_CASE("parseCustomOpset reads DOMAIN:VERSION") {
  auto c = parseCustomOpset("mydomain:2");
  REQUIRE(c.ok());
  CHECK(c->first == "mydomain");
  CHECK(c->second == 2);
  CHECK(parseCustomOpset("com.microsoft:1").ok());
  CHECK(!parseCustomOpset("mydomain").ok());
  CHECK(!parseCustomOpset("mydomain:0").ok());
  CHECK(!parseCustomOpset("mydomain:x").ok());
  CHECK(!parseCustomOpset(":1").ok());
}
