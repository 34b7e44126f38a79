// The emitter on hand-built ONNX-dialect graphs: checker, initializers, Identity rules, names,
// types, domains; and the atomic writer.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "symbolics/OnnxBuilder.h"
#include "writer/Emitter.h"

namespace fs = std::filesystem;
using namespace ts2onnx;
using symbolics::OnnxAttr;
using symbolics::OnnxBuilder;
using writer::EmitOptions;

namespace {

ir::TypePtr floatType(std::vector<ir::Dim> dims) {
  ir::TensorInfo info;
  info.dtype = ir::ScalarType::Float32;
  info.sizes = std::move(dims);
  return ir::Type::tensor(std::move(info));
}

ir::Tensor floats(std::vector<int64_t> sizes, std::vector<float> v) {
  return ir::Tensor::fromVector(ir::ScalarType::Float32, std::move(sizes), v);
}

/// A constant node viewing `t` (as freezing makes them, sharing storage).
ir::Value *constantOf(ir::Graph &g, const ir::Tensor &t, const std::string &name = {}) {
  ir::Value *v = g.insertConstantTensor(t);
  OnnxBuilder::setTensorType(v, t.dtype(), std::vector<ir::Dim>{ir::Dim::known(t.sizes().at(0))});
  if (!name.empty())
    v->setDebugName(name);
  return v;
}

int countOp(const onnx::GraphProto &g, const std::string &op) {
  int n = 0;
  for (const auto &node : g.node())
    n += node.op_type() == op;
  return n;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("ts2onnx-emitter-test-" + std::to_string(reinterpret_cast<uintptr_t>(this)) + "-" +
            std::to_string(::getpid()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  size_t entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(path), {}));
  }
};

} // namespace

TEST_CASE("emitter: a hand-built graph passes the checker with named, typed inputs and outputs") {
  ir::Graph g;
  ir::Value *x = g.addInput("x.1");
  x->setType(floatType({ir::Dim::named("batch"), ir::Dim::known(3)}));
  OnnxBuilder b(g, 17);
  g.setInsertPoint(g.block());
  ir::Value *w = constantOf(g, floats({3}, {1, 2, 3}), "fc.weight");
  ir::Value *y = b.op("Mul", {x, w});
  ir::Value *z = b.op("Relu", {y});
  g.registerOutput(z);

  auto model = writer::emitModel(g, EmitOptions{});
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  CHECK(model->ir_version() == 8);
  CHECK(model->producer_name() == "ts2onnx");
  CHECK(!model->producer_version().empty());
  REQUIRE(model->opset_import_size() == 1);
  CHECK(model->opset_import(0).domain() == "");
  CHECK(model->opset_import(0).version() == 17);
  const auto &graph = model->graph();
  REQUIRE(graph.input_size() == 1);
  CHECK(graph.input(0).name() == "x"); // `.1` dropped
  const auto &shape = graph.input(0).type().tensor_type().shape();
  REQUIRE(shape.dim_size() == 2);
  CHECK(shape.dim(0).dim_param() == "batch");
  CHECK(shape.dim(1).dim_value() == 3);
  REQUIRE(graph.output_size() == 1);
  CHECK(graph.output(0).name() == "output_0");
  CHECK(graph.output(0).type().tensor_type().elem_type() == onnx::TensorProto::FLOAT);
  REQUIRE(graph.initializer_size() == 1);
  CHECK(graph.initializer(0).name() == "fc.weight");
  CHECK(graph.initializer(0).raw_data().size() == 12);
  CHECK(graph.node_size() == 2);
  CHECK(graph.node(1).output(0) == "output_0");
  // Shape inference filled the intermediate value.
  CHECK(graph.value_info_size() >= 1);
  CHECK(writer::checkModel(*model).ok());
}

TEST_CASE("emitter: ir_version follows the opset as in ONNX 1.12") {
  CHECK(writer::irVersionForOpset(9) == 4);
  CHECK(writer::irVersionForOpset(10) == 5);
  CHECK(writer::irVersionForOpset(11) == 6);
  CHECK(writer::irVersionForOpset(12) == 7);
  CHECK(writer::irVersionForOpset(14) == 7);
  CHECK(writer::irVersionForOpset(15) == 8);
  CHECK(writer::irVersionForOpset(17) == 8);
}

TEST_CASE("emitter: constants viewing the same storage become one initializer") {
  ir::Graph g;
  ir::Value *x = g.addInput("x");
  x->setType(floatType({ir::Dim::known(2)}));
  OnnxBuilder b(g, 13);
  g.setInsertPoint(g.block());
  ir::Tensor shared = floats({2}, {1, 2});
  ir::Value *c1 = constantOf(g, shared, "a.weight");
  ir::Value *c2 = constantOf(g, shared, "b.weight");            // same storage and view
  ir::Value *c3 = constantOf(g, floats({2}, {1, 2}), "c.bias"); // same bytes, other storage
  ir::Value *y = b.op("Add", {x, c1});
  y = b.op("Add", {y, c2});
  y = b.op("Add", {y, c3});
  g.registerOutput(y);

  EmitOptions o;
  o.opset = 13;
  auto model = writer::emitModel(g, o);
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  const auto &graph = model->graph();
  CHECK(graph.initializer_size() == 2);
  CHECK(graph.node(0).input(1) == graph.node(1).input(1));
  CHECK(graph.node(2).input(1) != graph.node(0).input(1));
  CHECK(model->ir_version() == 7);
}

TEST_CASE("emitter: nodes read initializers directly, never through Identity") {
  ir::Graph g;
  ir::Value *x = g.addInput("x");
  x->setType(floatType({ir::Dim::known(2)}));
  OnnxBuilder b(g, 17);
  g.setInsertPoint(g.block());
  ir::Value *c = constantOf(g, floats({2}, {3, 4}), "scale");
  g.registerOutput(b.op("Mul", {x, c}));
  g.registerOutput(b.op("Add", {x, c}));

  auto model = writer::emitModel(g, EmitOptions{});
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  CHECK(countOp(model->graph(), "Identity") == 0);
  CHECK(countOp(model->graph(), "Constant") == 0);
  CHECK(model->graph().node(0).input(1) == "scale");
}

TEST_CASE("emitter: outputs that are inputs, initializers or repeats go through Identity") {
  ir::Graph g;
  ir::Value *x = g.addInput("x");
  x->setType(floatType({ir::Dim::known(2)}));
  OnnxBuilder b(g, 17);
  g.setInsertPoint(g.block());
  ir::Value *c = constantOf(g, floats({2}, {3, 4}), "table");
  ir::Value *y = b.op("Neg", {x});
  g.registerOutput(y);
  g.registerOutput(y); // the same value twice
  g.registerOutput(x); // a graph input
  g.registerOutput(c); // an initializer

  EmitOptions o;
  o.outputNames = {"a", "b", "c", "d"};
  auto model = writer::emitModel(g, o);
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  const auto &graph = model->graph();
  CHECK(countOp(graph, "Identity") == 3);
  REQUIRE(graph.output_size() == 4);
  CHECK(graph.output(0).name() == "a");
  CHECK(graph.output(3).name() == "d");
  CHECK(graph.output(3).type().tensor_type().elem_type() == onnx::TensorProto::FLOAT);
  CHECK(graph.node(0).output(0) == "a"); // Neg writes the output directly
}

TEST_CASE("emitter: custom-domain nodes get their domain and opset import") {
  ir::Graph g;
  ir::Value *x = g.addInput("x");
  x->setType(floatType({ir::Dim::known(2)}));
  OnnxBuilder b(g, 17);
  g.setInsertPoint(g.block());
  ir::Node *n = b.node("mydomain::Frob", {x});
  OnnxBuilder::setTensorType(n->output(), ir::ScalarType::Float32,
                             std::vector<ir::Dim>{ir::Dim::known(2)});
  g.registerOutput(b.op("Relu", {n->output()}));

  EmitOptions o;
  o.customOpsets = {{"mydomain", 2}};
  auto model = writer::emitModel(g, o);
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  CHECK(model->graph().node(0).domain() == "mydomain");
  CHECK(model->graph().node(0).op_type() == "Frob");
  bool found = false;
  for (const auto &imp : model->opset_import())
    found |= imp.domain() == "mydomain" && imp.version() == 2;
  CHECK(found);
}

TEST_CASE("emitter: attributes map to ONNX attribute types") {
  ir::Graph g;
  ir::Value *x = g.addInput("x");
  x->setType(
      floatType({ir::Dim::known(1), ir::Dim::known(1), ir::Dim::known(4), ir::Dim::known(4)}));
  OnnxBuilder b(g, 17);
  g.setInsertPoint(g.block());
  ir::Value *y = b.op("MaxPool", {x},
                      {OnnxAttr::is("kernel_shape", {2, 2}), OnnxAttr::is("strides", {2, 2}),
                       OnnxAttr::s("auto_pad", "NOTSET")});
  ir::Value *z = b.op("LeakyRelu", {y}, {OnnxAttr::f("alpha", 0.25)});
  g.registerOutput(z);
  auto model = writer::emitModel(g, EmitOptions{});
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  const auto &pool = model->graph().node(0);
  REQUIRE(pool.attribute_size() == 3);
  CHECK(pool.attribute(0).type() == onnx::AttributeProto::INTS);
  CHECK(pool.attribute(2).type() == onnx::AttributeProto::STRING);
  const auto &leaky = model->graph().node(1);
  CHECK(leaky.attribute(0).type() == onnx::AttributeProto::FLOAT);
  CHECK(leaky.attribute(0).f() == doctest::Approx(0.25));
  const auto &out = model->graph().output(0).type().tensor_type().shape();
  REQUIRE(out.dim_size() == 4);
  CHECK(out.dim(2).dim_value() == 2);
}

TEST_CASE("emitter: a graph the checker rejects is an error naming the checker") {
  ir::Graph g;
  ir::Value *x = g.addInput("x");
  x->setType(floatType({ir::Dim::known(2)}));
  OnnxBuilder b(g, 17);
  g.setInsertPoint(g.block());
  ir::Value *y = b.op("NoSuchOp", {x});
  y->setType(floatType({ir::Dim::known(2)})); // typed, so the checker is what refuses it
  g.registerOutput(y);
  auto model = writer::emitModel(g, EmitOptions{});
  REQUIRE(!model.ok());
  CHECK(std::string(model.status().message()).find("ONNX checker") != std::string::npos);
}

TEST_CASE("emitter: an output of unknown rank names the node it comes from") {
  ir::Graph g;
  ir::Value *x = g.addInput("x");
  x->setType(floatType({ir::Dim::known(2)}));
  OnnxBuilder b(g, 17);
  g.setInsertPoint(g.block());
  ir::Node *n = b.node("ATen", {x}, {OnnxAttr::s("operator", std::string("frobnicate"))}, 1);
  n->s_(ir::Symbol::attr("domain"), "org.pytorch.aten");
  g.registerOutput(b.op("Relu", {n->output(0)}));
  auto model = writer::emitModel(g, EmitOptions{});
  REQUIRE(!model.ok());
  CHECK(std::string(model.status().message()) ==
        "the dtype of graph output 'output_0' is unknown: it is computed from aten::frobnicate "
        "(kept as a node of domain org.pytorch.aten), whose output type is unknown; ONNX needs "
        "the dtype and rank of every graph output, so only a model whose outputs do not depend "
        "on fallback nodes of unknown dtype or rank can be written");
}

TEST_CASE("emitter: aten nodes left in the graph are an error") {
  ir::Graph g;
  ir::Value *x = g.addInput("x");
  x->setType(floatType({ir::Dim::known(2)}));
  g.setInsertPoint(g.block());
  ir::Node *n = g.insert(ir::Symbol::fromQualString("prim::Print"), {x}, 0);
  (void)n;
  g.registerOutput(x);
  auto model = writer::emitModel(g, EmitOptions{});
  REQUIRE(!model.ok());
  CHECK(std::string(model.status().message()).find("not an ONNX node") != std::string::npos);
}

TEST_CASE("emitter: keep-initializers-as-inputs and export-params") {
  auto build = [](ir::Graph &g) {
    ir::Value *x = g.addInput("x");
    x->setType(floatType({ir::Dim::known(2)}));
    OnnxBuilder b(g, 17);
    g.setInsertPoint(g.block());
    ir::Value *w = constantOf(g, floats({2}, {1, 2}), "w");
    g.registerOutput(b.op("Mul", {x, w}));
  };
  {
    ir::Graph g;
    build(g);
    EmitOptions o;
    o.keepInitializersAsInputs = true;
    auto model = writer::emitModel(g, o);
    REQUIRE_MESSAGE(model.ok(), model.status().ToString());
    CHECK(model->graph().input_size() == 2);
    CHECK(model->graph().initializer_size() == 1);
  }
  {
    ir::Graph g;
    build(g);
    EmitOptions o;
    o.exportParams = false;
    auto model = writer::emitModel(g, o);
    REQUIRE_MESSAGE(model.ok(), model.status().ToString());
    CHECK(model->graph().input_size() == 2);
    CHECK(model->graph().input(1).name() == "w");
    CHECK(model->graph().initializer_size() == 0);
  }
}

TEST_CASE("writeModelAtomically writes the whole file and leaves no temporary behind") {
  TempDir dir;
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.mutable_graph()->set_name("g");
  fs::path out = dir.path / "m.onnx";
  REQUIRE(writer::writeModelAtomically(m, out.string()).ok());
  CHECK(dir.entries() == 1);
  onnx::ModelProto back;
  std::ifstream in(out, std::ios::binary);
  REQUIRE(back.ParseFromIstream(&in));
  CHECK(back.graph().name() == "g");
}

TEST_CASE("writeModelAtomically leaves no file when it cannot write") {
  TempDir dir;
  onnx::ModelProto m;
  fs::path out = dir.path / "missing-dir" / "m.onnx";
  absl::Status s = writer::writeModelAtomically(m, out.string());
  CHECK(!s.ok());
  CHECK(!fs::exists(out));
  CHECK(dir.entries() == 0);
}

TEST_CASE("writeModelAtomically refuses to overwrite the input archive") {
  TempDir dir;
  fs::path input = dir.path / "model.pt";
  { std::ofstream(input) << "archive"; }
  onnx::ModelProto m;
  // The same file under another spelling.
  std::string other = (dir.path / "." / "model.pt").string();
  absl::Status s = writer::writeModelAtomically(m, other, input.string());
  CHECK(!s.ok());
  std::ifstream in(input);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "archive");
  CHECK(dir.entries() == 1);
}

TEST_CASE("emitter: onnx::If blocks become then/else subgraphs reading outer values") {
  ir::Graph g;
  ir::Value *x = g.addInput("x");
  x->setType(floatType({ir::Dim::known(2)}));
  ir::Value *c = g.addInput("c");
  {
    ir::TensorInfo info;
    info.dtype = ir::ScalarType::Bool;
    info.sizes = std::vector<ir::Dim>{};
    c->setType(ir::Type::tensor(info));
  }
  OnnxBuilder b(g, 17);
  g.setInsertPoint(g.block());
  ir::Node *n = b.node("If", {c});
  OnnxBuilder::setTensorType(n->output(), ir::ScalarType::Float32,
                             std::vector<ir::Dim>{ir::Dim::known(2)});
  for (const char *op : {"Neg", "Relu"}) {
    ir::Block *blk = n->addBlock();
    ir::WithInsertPoint guard(blk);
    blk->registerOutput(b.op(op, {x}));
  }
  g.registerOutput(n->output());

  auto model = writer::emitModel(g, EmitOptions{});
  REQUIRE_MESSAGE(model.ok(), model.status().ToString());
  const auto &ifNode = model->graph().node(0);
  CHECK(ifNode.op_type() == "If");
  REQUIRE(ifNode.attribute_size() == 2);
  CHECK(ifNode.attribute(0).name() == "then_branch");
  CHECK(ifNode.attribute(0).g().node(0).op_type() == "Neg");
  CHECK(ifNode.attribute(0).g().node(0).input(0) == "x");
  CHECK(ifNode.attribute(1).name() == "else_branch");
  CHECK(ifNode.attribute(1).g().node_size() == 1); // no Identity for its output
}
