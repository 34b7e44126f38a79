// The public API on the bundled fixtures: flag parsing helpers, convert(), the separate steps
// with instrumentation, and the errors a user sees.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ts2onnx/extend.h"
#include "ts2onnx/ts2onnx.h"

using namespace ts2onnx;

namespace {

std::string fixture(const std::string &name) {
  return std::string(TS2ONNX_SOURCE_DIR) + "/fixtures/" + name + "/model.pt";
}

ConvertOptions mlpOptions() {
  ConvertOptions o;
  o.inputs = {{"x", ir::ScalarType::Float32, {ir::Dim::named("batch"), ir::Dim::known(20)}}};
  o.outputNames = {"logits"};
  return o;
}

} // namespace

TEST_CASE("parseInputSpecs reads a tuple argument as one spec per member, named NAME.k") {
  auto one = parseInputSpecs("x:float32[2]");
  REQUIRE(one.ok());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].name == "x");
  auto pair = parseInputSpecs("hx:(float32[8, 3,batch], int64[])");
  REQUIRE(pair.ok());
  REQUIRE(pair->size() == 2);
  CHECK((*pair)[0].name == "hx.0");
  CHECK((*pair)[0].dtype == ir::ScalarType::Float32);
  REQUIRE((*pair)[0].dims.size() == 3);
  CHECK((*pair)[0].dims[1].value == 3);
  CHECK((*pair)[0].dims[2].symbol == "batch");
  CHECK((*pair)[1].name == "hx.1");
  CHECK((*pair)[1].dtype == ir::ScalarType::Int64);
  CHECK((*pair)[1].dims.empty());
  CHECK(!parseInputSpecs("hx:(float32[2],)").ok());
  CHECK(!parseInputSpecs("hx:(float32[2]").ok());
  CHECK(!parseInputSpecs("hx:((float32[2]),float32[2])").ok());
  CHECK(!parseInputSpecs("hx:(float32[2],bad[2])").ok());
}

TEST_CASE("parseInputSpec reads NAME:DTYPE[dims] with static, named and scalar shapes") {
  auto s = parseInputSpec("x:float32[batch,3,224,224]");
  REQUIRE(s.ok());
  CHECK(s->name == "x");
  CHECK(s->dtype == ir::ScalarType::Float32);
  REQUIRE(s->dims.size() == 4);
  CHECK(s->dims[0].isSymbolic());
  CHECK(s->dims[0].symbol == "batch");
  CHECK(s->dims[3].value == 224);
  auto n = parseInputSpec("n:int64[]");
  REQUIRE(n.ok());
  CHECK(n->dtype == ir::ScalarType::Int64);
  CHECK(n->dims.empty());
  CHECK(parseInputSpec("m:bool[2, 3]").ok());
  CHECK(!parseInputSpec("x:float128[1]").ok());
  CHECK(!parseInputSpec("x[1]").ok());
  CHECK(!parseInputSpec("x:float32[1,,2]").ok());
  CHECK(!parseInputSpec("x:float32[1").ok());
}

TEST_CASE("parseDynamicAxis and parseOperatorExportType") {
  auto d = parseDynamicAxis("x:0=batch");
  REQUIRE(d.ok());
  CHECK(d->name == "x");
  CHECK(d->axis == 0);
  CHECK(d->symbol == "batch");
  CHECK(!parseDynamicAxis("x=batch").ok());
  CHECK(!parseDynamicAxis("x:a=batch").ok());
  CHECK(parseOperatorExportType("ONNX_ATEN_FALLBACK").value() ==
        OperatorExportType::OnnxAtenFallback);
  CHECK(!parseOperatorExportType("onnx").ok());
}

TEST_CASE("convert turns the mlp fixture into a checked model with the given names") {
  auto model = convert(fixture("mlp"), mlpOptions());
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  const auto &g = model->graph();
  REQUIRE(g.input_size() == 1);
  CHECK(g.input(0).name() == "x");
  CHECK(g.input(0).type().tensor_type().shape().dim(0).dim_param() == "batch");
  REQUIRE(g.output_size() == 1);
  CHECK(g.output(0).name() == "logits");
  CHECK(g.initializer_size() == 6);
  for (const auto &n : g.node()) {
    CHECK(n.op_type() != "Identity");
    CHECK(n.op_type() != "Constant");
  }
  CHECK(model->opset_import(0).version() == 17);
}

TEST_CASE("the separate steps give the same model, with instrumentation around each pass") {
  ConvertOptions o = mlpOptions();
  o.opset = 11;
  auto graph = loadGraph(fixture("mlp"), o);
  REQUIRE_MESSAGE(graph.ok(), graph.status().ToString());
  // `self` is gone after freezing: only x remains.
  CHECK((*graph)->inputs().size() == 1);

  struct Recorder : passes::PassInstrumentation {
    std::vector<std::string> names;
    void runAfterPass(const passes::PassInfo &p, const ir::Graph &) override {
      names.push_back(p.name);
    }
  } recorder;
  REQUIRE(runPipeline(**graph, o, &recorder).ok());
  CHECK(!recorder.names.empty());
  CHECK(std::find(recorder.names.begin(), recorder.names.end(), "to-onnx") != recorder.names.end());
  auto model = exportGraph(**graph, o);
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  CHECK(model->ir_version() == 6);
  CHECK(model->opset_import(0).version() == 11);
}

TEST_CASE("a wrong number of input specs is an error naming the arguments") {
  ConvertOptions o = mlpOptions();
  o.inputs.push_back(o.inputs[0]);
  auto model = convert(fixture("mlp"), o);
  REQUIRE(!model.ok());
  std::string msg(model.status().message());
  CHECK(msg.find("takes 1 argument (x)") != std::string::npos);
}

TEST_CASE("a missing archive is an error naming it") {
  auto model = convert("/nonexistent/model.pt", mlpOptions());
  REQUIRE(!model.ok());
  CHECK(std::string(model.status().message()).find("/nonexistent/model.pt") != std::string::npos);
}

TEST_CASE("verbose writes the final graph to the log stream") {
  ConvertOptions o = mlpOptions();
  std::ostringstream log;
  o.verbose = true;
  o.log = &log;
  REQUIRE(convert(fixture("mlp"), o).ok());
  CHECK(log.str().find("Gemm") != std::string::npos);
  CHECK(log.str().find("logits") != std::string::npos);
}

TEST_CASE("the standard pipeline drops fuse-bn in training mode") {
  ConvertOptions o;
  auto has = [](const std::vector<std::string> &p, const std::string &n) {
    return std::find(p.begin(), p.end(), n) != p.end();
  };
  CHECK(has(standardPipeline(o), "fuse-bn"));
  CHECK(has(standardPipeline(o), "fold-constants"));
  o.training = true;
  o.constantFolding = false;
  CHECK(!has(standardPipeline(o), "fuse-bn"));
  CHECK(has(standardPipeline(o), "fold-constants")); // shape queries must still fold
  CHECK(has(standardPipeline(o), "to-onnx"));
}

TEST_CASE("onnx-cleanup folds shufflenet's channel-shuffle shape arithmetic on static dims but "
          "keeps the dynamic batch") {
  ConvertOptions o;
  o.inputs = {
      {"x",
       ir::ScalarType::Float32,
       {ir::Dim::named("batch"), ir::Dim::known(3), ir::Dim::known(64), ir::Dim::known(64)}}};
  auto count = [](const onnx::ModelProto &m) {
    std::map<std::string, int> ops;
    for (const auto &n : m.graph().node())
      ++ops[n.op_type()];
    return ops;
  };
  for (int opset : {11, 13, 17}) {
    CAPTURE(opset);
    o.opset = opset;
    auto model = convert(fixture("shufflenet_v2_x0_5_traced"), o);
    REQUIRE_MESSAGE(model.ok(), model.status().ToString());
    auto ops = count(*model);
    // Every channel shuffle's reshape target is a constant with -1 for the batch.
    for (const char *gone : {"Shape", "Gather", "Unsqueeze", "Div", "Where", "Identity", "Cast"})
      CHECK_MESSAGE(ops[gone] == 0, gone);
    CHECK(ops["Reshape"] == 32);
    CHECK(model->graph().input(0).type().tensor_type().shape().dim(0).dim_param() == "batch");
  }
}
