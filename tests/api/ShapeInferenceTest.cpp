// writer::inferShapes against onnx::shape_inference::InferShapes, its reference: on the same
// model both must write the same value_info into the same graphs, or throw the same error, in
// the strict mode the emitter checks with and in the lenient default. Models: hand-written ONNX
// text exercising scopes (If inside Loop inside If, outer values, names hidden by subgraph
// inputs), Constant nodes read as shapes, unknown dims made symbolic, errors inside subgraphs,
// unknown ops; and fixtures converted by ts2onnx with their value_info stripped.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "onnx/defs/parser.h"
#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"
#include "ts2onnx/ts2onnx.h"
#include "writer/ShapeInference.h"

using namespace ts2onnx;

namespace {

void stripValueInfo(onnx::GraphProto &g) {
  g.clear_value_info();
  for (auto &n : *g.mutable_node())
    for (auto &a : *n.mutable_attribute()) {
      if (a.has_g())
        stripValueInfo(*a.mutable_g());
      for (auto &sub : *a.mutable_graphs())
        stripValueInfo(sub);
    }
}

struct Outcome {
  std::string model; // serialized, when inference succeeded
  std::string error; // what() otherwise
};

template <typename F> Outcome run(onnx::ModelProto m, F infer) {
  Outcome o;
  try {
    infer(m);
    o.model = m.SerializeAsString();
  } catch (const std::exception &e) {
    o.error = e.what();
  }
  return o;
}

/// The value_info entry named `name` in `g` or its subgraphs, printed as "elem:dims".
std::string typeOf(const onnx::GraphProto &g, const std::string &name) {
  for (const auto &vi : g.value_info())
    if (vi.name() == name) {
      std::string s = std::to_string(vi.type().tensor_type().elem_type()) + ":";
      for (const auto &d : vi.type().tensor_type().shape().dim())
        s += (d.has_dim_value() ? std::to_string(d.dim_value()) : d.dim_param()) + ",";
      return s;
    }
  for (const auto &node : g.node())
    for (const auto &a : node.attribute())
      if (a.has_g())
        if (std::string t = typeOf(a.g(), name); !t.empty())
          return t;
  return "";
}

/// Both drivers on copies of `m`, strict and lenient; returns the strict outcome.
Outcome checkSame(const onnx::ModelProto &m) {
  Outcome strict;
  for (bool isStrict : {true, false}) {
    onnx::ShapeInferenceOptions opts =
        isStrict ? onnx::ShapeInferenceOptions(true, 1, false) : onnx::ShapeInferenceOptions();
    Outcome ref = run(m, [&](onnx::ModelProto &x) {
      onnx::shape_inference::InferShapes(x, onnx::OpSchemaRegistry::Instance(), opts);
    });
    Outcome ours = run(m, [&](onnx::ModelProto &x) { writer::inferShapes(x, opts); });
    INFO("strict: " << isStrict << "; onnx's error: " << ref.error);
    CHECK(ours.error == ref.error);
    CHECK(ours.model == ref.model);
    if (isStrict)
      strict = ref;
  }
  return strict;
}

onnx::ModelProto parse(const char *text) {
  onnx::ModelProto m;
  onnx::Status s = onnx::OnnxParser::Parse(m, text);
  REQUIRE_MESSAGE(s.IsOK(), s.ErrorMessage());
  return m;
}

} // namespace

TEST_CASE("inferShapes: nested scopes, outer values, constants as shapes, symbolic dims") {
  onnx::ModelProto m = parse(R"ONNX(
<ir_version: 8, opset_import: ["" : 17]>
nested (float[N, 3] x, bool c, int64 trips) => (float[N, 3] y, float[?, ?, ?] stacked) {
  shape = Constant <value_ints = [-1, 3]> ()
  flat = Reshape (x, shape)
  cond = Constant <value = bool {1}> ()
  y, stacked = Loop (trips, cond, flat) <body = body (int64 i, bool cin, float[N, 3] acc) => (bool cout, float[N, 3] next, float[N, 3] scan) {
    cout = Identity (cin)
    next = If (c) <then_branch = t () => (float[N, 3] tv) {
      inner = Add (acc, x)
      tv = If (cin) <then_branch = tt () => (float[N, 3] ttv) { ttv = Relu (inner) }, else_branch = te () => (float[N, 3] tev) { tev = Neg (inner) }>
    }, else_branch = e () => (float[N, 3] ev) {
      hid = Transpose <perm = [1, 0]> (flat)
      ev = Transpose <perm = [1, 0]> (hid)
    }>
    scan = Mul (next, acc)
  }>
}
)ONNX");
  Outcome o = checkSame(m);
  CHECK(o.error.empty());
  onnx::ModelProto inferred;
  REQUIRE(inferred.ParseFromString(o.model));
  // Values inside subgraphs are typed in their own graphs; the Constant's ints shape the Reshape.
  CHECK(typeOf(inferred.graph(), "flat") == "1:unk__0,3,"); // -1: a new symbol
  CHECK(typeOf(inferred.graph(), "inner") == "1:N,3,");
  CHECK(typeOf(inferred.graph(), "hid") == "1:3,unk__0,");
  CHECK(inferred.graph().value_info_size() == 3); // shape, flat, cond: not the subgraphs' values
}

TEST_CASE("inferShapes: errors inside subgraphs and after unknown ops are reported alike") {
  // Add of float and int64 in a branch: collected in the branch, reported at the If.
  checkSame(parse(R"ONNX(
<ir_version: 8, opset_import: ["" : 17]>
bad (float[2] x, int64[2] k, bool c) => (float[2] y) {
  y = If (c) <then_branch = t () => (float[2] tv) { tv = Add (x, k) }, else_branch = e () => (float[2] ev) { ev = Neg (x) }>
}
)ONNX"));
  // An op without a schema silences later node errors of its graph (onnx's custom-op rule).
  checkSame(parse(R"ONNX(
<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
custom (float[2] x, int64[2] k) => (float[2] y) {
  z = custom.Mystery (x)
  y = Add (z, k)
}
)ONNX"));
  // A declared output type the inferred one contradicts.
  checkSame(parse(R"ONNX(
<ir_version: 8, opset_import: ["" : 17]>
clash (float[2, 3] x) => (float[3, 2] y) {
  y = Relu (x)
}
)ONNX"));
  // A subgraph with the wrong number of inputs for its Loop.
  checkSame(parse(R"ONNX(
<ir_version: 8, opset_import: ["" : 17]>
loopbad (float[2] x, int64 n, bool c) => (float[2] y) {
  y = Loop (n, c, x) <body = body (int64 i, bool cin) => (bool cout, float[2] out) {
    cout = Identity (cin)
    out = Identity (x)
  }>
}
)ONNX"));
}

TEST_CASE("inferShapes: initializers, inputs that shadow them, untyped outputs") {
  checkSame(parse(R"ONNX(
<ir_version: 8, opset_import: ["" : 17]>
inits (float[2, 3] w, float[2, 3] x) => (y, z) <float[2, 3] w = {1, 2, 3, 4, 5, 6}, int64[2] s = {3, 2}> {
  y = Add (x, w)
  z = Reshape (y, s)
}
)ONNX"));
}

TEST_CASE("inferShapes: converted models with control flow and dynamic axes") {
  struct Case {
    const char *fixture;
    std::vector<InputSpec> inputs;
  };
  auto f32 = ir::ScalarType::Float32;
  auto i64 = ir::ScalarType::Int64;
  ir::Dim batch = ir::Dim::named("batch");
  std::vector<Case> cases = {
      {"nested_if",
       {{"x", f32, {batch, ir::Dim::known(3)}},
        {"mode", i64, {}},
        {"flag", ir::ScalarType::Bool, {}}}},
      {"if_loop", {{"x", f32, {batch, ir::Dim::known(6)}}, {"n", i64, {}}}},
      {"loop_model2", {{"x", i64, {ir::Dim::known(2), ir::Dim::known(3)}}, {"y", i64, {}}}},
      {"lstm_scripted", {{"input", f32, {ir::Dim::known(2), batch, ir::Dim::known(10)}}}},
  };
  for (const Case &c : cases) {
    INFO(c.fixture);
    ConvertOptions o;
    o.inputs = c.inputs;
    absl::StatusOr<onnx::ModelProto> m =
        convert(std::string(TS2ONNX_SOURCE_DIR) + "/fixtures/" + c.fixture + "/model.pt", o);
    REQUIRE_MESSAGE(m.ok(), m.status().ToString());
    stripValueInfo(*m->mutable_graph());
    Outcome out = checkSame(*m);
    CHECK(out.error.empty());
  }
}
