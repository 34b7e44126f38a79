// export_modules_as_functions: submodule calls as ONNX local functions (the onnxruntime check of
// the same conversions is in tests/e2e, `e2e.<fixture>.functions.opsetN`).
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "onnx/checker.h"
#include "ts2onnx/ts2onnx.h"

using namespace ts2onnx;

namespace {

std::string fixture(const std::string &name) {
  return std::string(TS2ONNX_SOURCE_DIR) + "/fixtures/" + name + "/model.pt";
}

ConvertOptions optionsFor(std::vector<ir::Dim> dims, int opset) {
  ConvertOptions o;
  o.opset = opset;
  o.inputs = {{"x", ir::ScalarType::Float32, std::move(dims)}};
  o.exportModulesAsFunctions = true;
  return o;
}

std::string key(const std::string &domain, const std::string &name) { return domain + "::" + name; }

/// Calls of local functions in the main graph and in the functions, by function.
std::map<std::string, int> functionCalls(const onnx::ModelProto &m) {
  std::set<std::string> functions;
  for (const auto &f : m.functions())
    functions.insert(key(f.domain(), f.name()));
  std::map<std::string, int> calls;
  auto count = [&](const auto &nodes) {
    for (const onnx::NodeProto &n : nodes)
      if (functions.count(key(n.domain(), n.op_type())))
        ++calls[key(n.domain(), n.op_type())];
  };
  count(m.graph().node());
  for (const auto &f : m.functions())
    count(f.node());
  return calls;
}

} // namespace

TEST_CASE("export_modules_as_functions: the three Linear layers of the MLP call one function") {
  auto model = convert(fixture("mlp"), optionsFor({ir::Dim::named("b"), ir::Dim::known(20)}, 17));
  REQUIRE_MESSAGE(model.ok(), model.status().message());
  CHECK_NOTHROW(onnx::checker::check_model(*model));
  REQUIRE(model->functions_size() == 1);
  const onnx::FunctionProto &f = model->functions(0);
  CHECK(f.name() == "Linear");
  CHECK(f.domain() == "torch.nn.modules.linear");
  CHECK(f.node_size() >= 1);
  CHECK(f.input_size() == 3); // x, weight, bias
  CHECK(f.output_size() == 1);
  bool imported = false;
  for (const auto &imp : model->opset_import())
    imported |= imp.domain() == "torch.nn.modules.linear" && imp.version() == 1;
  CHECK(imported);
  CHECK(functionCalls(*model)["torch.nn.modules.linear::Linear"] == 3);
  for (const auto &imp : f.opset_import())
    if (imp.domain().empty())
      CHECK(imp.version() == 17);
}

TEST_CASE("export_modules_as_functions: nested modules become functions calling functions") {
  auto model = convert(
      fixture("resnet18_traced"),
      optionsFor({ir::Dim::known(1), ir::Dim::known(3), ir::Dim::known(64), ir::Dim::known(64)},
                 15));
  REQUIRE_MESSAGE(model.ok(), model.status().message());
  CHECK_NOTHROW(onnx::checker::check_model(*model));
  std::map<std::string, int> calls = functionCalls(*model);
  CHECK(calls["torchvision.models.resnet::BasicBlock"] >= 2);
  // Every function is called, and a BasicBlock calls Conv2d inside.
  for (const auto &f : model->functions())
    CHECK_MESSAGE(calls[key(f.domain(), f.name())] > 0, f.name());
  bool convInBlock = false;
  for (const auto &f : model->functions())
    if (f.name().rfind("BasicBlock", 0) == 0)
      for (const auto &n : f.node())
        convInBlock |= n.domain() == "torch.nn.modules.conv" && n.op_type().rfind("Conv2d", 0) == 0;
  CHECK(convInBlock);
  // No main-graph value_info for values that live inside functions only.
  std::set<std::string> produced;
  for (const auto &n : model->graph().node())
    for (const auto &o : n.output())
      produced.insert(o);
  for (const auto &vi : model->graph().value_info())
    CHECK_MESSAGE(produced.count(vi.name()) == 1, vi.name());
}

TEST_CASE("export_modules_as_functions needs opset 15, and without it no functions are made") {
  ConvertOptions o = optionsFor({ir::Dim::named("b"), ir::Dim::known(20)}, 13);
  auto refused = convert(fixture("mlp"), o);
  REQUIRE(!refused.ok());
  CHECK(std::string(refused.status().message()).find("opset 15") != std::string::npos);
  o.opset = 17;
  o.exportModulesAsFunctions = false;
  auto plain = convert(fixture("mlp"), o);
  REQUIRE(plain.ok());
  CHECK(plain->functions_size() == 0);
  CHECK(functionCalls(*plain).empty());
}
