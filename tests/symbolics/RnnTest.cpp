// aten::lstm / gru / rnn_tanh / rnn_relu -> ONNX LSTM / GRU / RNN (symbolics/ops/rnn.cpp): the gate
// reorder on tiny constant weights against permutations derived by hand from torch's and ONNX's
// gate layouts, the attributes, omitted zero states, the run-time reorder when weights are not
// constants (checked by ONNX's checker and strict shape inference), and the errors.
#include <doctest/doctest.h>

#include <map>

#include <fmt/format.h>

#include "ir/Parser.h"
#include "ir/Printer.h"
#include "passes/PassRegistry.h"
#include "symbolics/Symbolics.h"
#include "tests/symbolics/SymbolicsTestUtil.h"

namespace ts2onnx::symbolics {
namespace {

using namespace testing;

/// Parses `text`, turns the graph inputs named in `weights` into float32 constants of the given
/// shape holding 0, 1, 2, ... plus `base`, runs to-onnx; returns the graph or the error.
struct Converted {
  std::unique_ptr<ir::Graph> graph;
  std::string error;
};

struct Weight {
  std::vector<int64_t> sizes;
  float base;
};

Converted convertWithWeights(std::string_view text, const std::map<std::string, Weight> &weights,
                             int opset) {
  auto parsed = ir::parseGraph(text);
  REQUIRE(parsed.ok());
  std::unique_ptr<ir::Graph> g = std::move(*parsed);
  for (size_t i = g->inputs().size(); i-- > 0;) {
    ir::Value *in = g->inputs()[i];
    auto it = weights.find(in->debugName());
    if (it == weights.end())
      continue;
    int64_t n = 1;
    for (int64_t s : it->second.sizes)
      n *= s;
    std::vector<float> data;
    for (int64_t k = 0; k < n; ++k)
      data.push_back(it->second.base + float(k));
    ir::WithInsertPoint guard(*g->block()->nodes().begin());
    ir::Value *c = g->insertConstantTensor(
        ir::Tensor::fromVector(ir::ScalarType::Float32, it->second.sizes, data));
    in->replaceAllUsesWith(c);
    g->block()->eraseInput(i);
  }
  passes::PassOptions opts;
  opts.targetOpset = opset;
  absl::Status s = runToOnnx(*g, opts);
  if (!s.ok())
    return {nullptr, std::string(s.message())};
  return {std::move(g), ""};
}

/// The float elements of the constant input `i` of `n`.
std::vector<float> constInput(const ir::Node *n, size_t i) {
  const ir::Value *v = n->input(i);
  REQUIRE(v->node()->kind() == ir::prim::Constant);
  const ir::Tensor &t = v->node()->t(ir::attr::value);
  std::vector<float> out;
  for (int64_t k = 0; k < t.numel(); ++k)
    out.push_back(float(t.doubleAt(k)));
  return out;
}

std::vector<int64_t> constSizes(const ir::Node *n, size_t i) {
  return n->input(i)->node()->t(ir::attr::value).sizes();
}

const char *const kLstm = R"IR(graph(%x : Float(5, 2, 1), %w_ih : Tensor, %w_hh : Tensor,
      %b_ih : Tensor, %b_hh : Tensor):
  %none : NoneType = prim::Constant()
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %p : float = prim::Constant[value=0.]()
  %shape : int[] = prim::ListConstruct(%one, %two, %one)
  %z : Tensor = aten::zeros(%shape, %none, %none, %none, %none)
  %hx : Tensor[] = prim::ListConstruct(%z, %z)
  %params : Tensor[] = prim::ListConstruct(%w_ih, %w_hh, %b_ih, %b_hh)
  %y : Tensor, %h : Tensor, %c : Tensor = aten::lstm(%x, %hx, %params, %t, %one, %p, %f, %f, %f)
  return (%y, %h, %c)
)IR";

TEST_CASE("lstm: torch's [i, f, g, o] gate rows become ONNX's [i, o, f, c] in W, R and B") {
  // hidden 1, input 1: each gate is one row, so the permutation shows in the values.
  auto r = convertWithWeights(
      kLstm,
      {{"w_ih", {{4, 1}, 0}}, {"w_hh", {{4, 1}, 10}}, {"b_ih", {{4}, 20}}, {"b_hh", {{4}, 30}}},
      13);
  REQUIRE(r.error == "");
  const ir::Node *n = first(*r.graph, "LSTM");
  CHECK(constInput(n, 1) == std::vector<float>{0, 3, 1, 2});
  CHECK(constSizes(n, 1) == std::vector<int64_t>{1, 4, 1});
  CHECK(constInput(n, 2) == std::vector<float>{10, 13, 11, 12});
  CHECK(constInput(n, 3) == std::vector<float>{20, 23, 21, 22, 30, 33, 31, 32});
  CHECK(constSizes(n, 3) == std::vector<int64_t>{1, 8});
  CHECK(n->i(ir::Symbol::attr("hidden_size")) == 1);
  // The zero initial state is ONNX's default: initial_h/initial_c are left out.
  CHECK(n->inputs().size() == 4);
  CHECK(kinds(*r.graph) == std::vector<std::string>{"LSTM", "Squeeze"});
  CHECK(checkOnnx(*r.graph, 13) == "");
}

TEST_CASE("gru: torch's [r, z, n] gate rows become ONNX's [z, r, h], linear_before_reset") {
  const char *text = R"IR(graph(%x : Float(3, 2, 1), %h0 : Float(2, 2, 1), %a : Tensor,
      %b : Tensor, %c : Tensor, %d : Tensor, %e : Tensor, %f2 : Tensor, %g : Tensor, %k : Tensor):
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %p : float = prim::Constant[value=0.]()
  %params : Tensor[] = prim::ListConstruct(%a, %b, %c, %d, %e, %f2, %g, %k)
  %y : Tensor, %h : Tensor = aten::gru(%x, %h0, %params, %t, %one, %p, %f, %t, %f)
  return (%y, %h)
)IR";
  // Forward weights a..d, reverse e..k.
  auto r = convertWithWeights(text,
                              {{"a", {{3, 1}, 0}},
                               {"b", {{3, 1}, 10}},
                               {"c", {{3}, 20}},
                               {"d", {{3}, 30}},
                               {"e", {{3, 1}, 100}},
                               {"f2", {{3, 1}, 110}},
                               {"g", {{3}, 120}},
                               {"k", {{3}, 130}}},
                              11);
  REQUIRE(r.error == "");
  const ir::Node *n = first(*r.graph, "GRU");
  CHECK(constInput(n, 1) == std::vector<float>{1, 0, 2, 101, 100, 102});
  CHECK(constSizes(n, 1) == std::vector<int64_t>{2, 3, 1});
  CHECK(constInput(n, 2) == std::vector<float>{11, 10, 12, 111, 110, 112});
  CHECK(constInput(n, 3) ==
        std::vector<float>{21, 20, 22, 31, 30, 32, 121, 120, 122, 131, 130, 132});
  CHECK(n->i(ir::Symbol::attr("linear_before_reset")) == 1);
  CHECK(n->s(ir::Symbol::attr("direction")) == "bidirectional");
  // The given h0 is initial_h (input 5, after the empty sequence_lens).
  CHECK(n->inputs().size() == 6);
  CHECK(n->input(5)->debugName() == "h0");
  // Y [seq, 2, batch, hidden] -> [seq, batch, 2 * hidden].
  CHECK(kinds(*r.graph) == std::vector<std::string>{"GRU", "Transpose", "Reshape"});
  CHECK(checkOnnx(*r.graph, 11) == "");
}

TEST_CASE("rnn_relu and rnn_tanh are RNN with the activation per direction, no bias, no B") {
  for (const char *op : {"rnn_relu", "rnn_tanh"}) {
    std::string text = fmt::format(R"IR(graph(%x : Float(4, 3, 2), %w : Tensor, %r : Tensor):
  %none : NoneType = prim::Constant()
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %p : float = prim::Constant[value=0.]()
  %params : Tensor[] = prim::ListConstruct(%w, %r)
  %y : Tensor, %h : Tensor = aten::{}(%x, %none, %params, %f, %one, %p, %f, %f, %t)
  return (%y, %h)
)IR",
                                   op);
    auto r = convertWithWeights(text, {{"w", {{5, 2}, 0}}, {"r", {{5, 5}, 0}}}, 17);
    REQUIRE(r.error == "");
    const ir::Node *n = first(*r.graph, "RNN");
    CHECK(n->inputs().size() == 3);
    CHECK(n->attribute(ir::Symbol::attr("activations"))->get<std::vector<std::string>>() ==
          std::vector<std::string>{std::string(op) == "rnn_relu" ? "Relu" : "Tanh"});
    // batch_first: the input and the output are transposed around the RNN.
    CHECK(kinds(*r.graph) == std::vector<std::string>{"Transpose", "RNN", "Squeeze", "Transpose"});
    CHECK(checkOnnx(*r.graph, 17) == "");
  }
}

TEST_CASE("lstm with run-time weights reorders them with Split/Concat, 2 layers, bidirectional") {
  const char *text = R"IR(graph(%x : Float(5, 2, 3), %h0 : Float(4, 2, 4), %c0 : Float(4, 2, 4),
      %a : Float(16, 3), %b : Float(16, 4), %c : Float(16, 3), %d : Float(16, 4),
      %e : Float(16, 8), %g : Float(16, 4), %k : Float(16, 8), %l : Float(16, 4)):
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %two : int = prim::Constant[value=2]()
  %p : float = prim::Constant[value=0.]()
  %hx : Tensor[] = prim::ListConstruct(%h0, %c0)
  %params : Tensor[] = prim::ListConstruct(%a, %b, %c, %d, %e, %g, %k, %l)
  %y : Tensor, %h : Tensor, %cn : Tensor = aten::lstm(%x, %hx, %params, %f, %two, %p, %f, %t, %f)
  return (%y, %h, %cn)
)IR";
  for (int opset : {9, 13}) {
    INFO("opset " << opset);
    auto g = convert(text, opset);
    CHECK(count(*g, "LSTM") == 2);
    CHECK(count(*g, "Split") == 8); // W and R of 2 layers x 2 directions
    // Each layer reads its rows [2l, 2l + 2) of h0 and c0; h_n and c_n are concatenated.
    CHECK(count(*g, "Slice") == 4);
    CHECK(count(*g, "Concat") >= 2);
    CHECK(checkOnnx(*g, opset) == "");
    INFO(ir::printGraph(*g));
    CHECK(ir::printGraph(*g).find("Float(5, 2, 8)") != std::string::npos);
  }
}

TEST_CASE("rnn errors: training mode, packed sequences") {
  std::string train = kLstm;
  train.replace(train.find("%p, %f, %f, %f)"), 15, "%p, %t, %f, %f)");
  CHECK(convertWithWeights(
            train,
            {{"w_ih", {{4, 1}, 0}}, {"w_hh", {{4, 1}, 0}}, {"b_ih", {{4}, 0}}, {"b_hh", {{4}, 0}}},
            13)
            .error.find("train=True") != std::string::npos);

  const char *packed = R"IR(graph(%data : Float(7, 3), %sizes : Long(3), %h0 : Float(1, 3, 2),
      %w : Float(6, 3), %r : Float(6, 2)):
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %p : float = prim::Constant[value=0.]()
  %params : Tensor[] = prim::ListConstruct(%w, %r)
  %y : Tensor, %h : Tensor = aten::gru(%data, %sizes, %h0, %params, %f, %one, %p, %f, %f)
  return (%y, %h)
)IR";
  CHECK(convertError(packed, 13).find("packed-sequence") != std::string::npos);
}

} // namespace
} // namespace ts2onnx::symbolics
