#include <doctest/doctest.h>

#include <vector>

#include "passes/Passes.h"
#include "tests/passes/TestUtil.h"

using namespace ts2onnx;
using namespace ts2onnx::passes;
using passes::testing::parse;

namespace {
/// Runs fold-constants and returns the graph output's constant tensor.
ir::Tensor foldedOutput(std::string_view text) {
  auto g = parse(text);
  REQUIRE(runFoldConstants(*g, PassOptions{}).ok());
  REQUIRE(ir::verify(*g).ok());
  const ir::Node *n = g->outputs()[0]->node();
  REQUIRE(n->kind() == ir::prim::Constant);
  return n->t(ir::attr::value);
}
std::vector<double> values(const ir::Tensor &t) {
  std::vector<double> out;
  for (int64_t i = 0; i < t.numel(); ++i)
    out.push_back(t.doubleAt(i));
  return out;
}
} // namespace

TEST_CASE("fold-constants permutes a 3-d constant as torch.permute does") {
  // torch.arange(6).reshape(1, 2, 3).permute(2, 0, 1) ->
  // [[[0, 3]], [[1, 4]], [[2, 5]]]
  ir::Tensor t = foldedOutput(R"IR(graph():
  %a : Long(6) = prim::Constant[value= 0  1  2  3  4  5 [ CPULongType{6} ]]()
  %s : int[] = prim::Constant[value=[1, 2, 3]]()
  %p : int[] = prim::Constant[value=[2, 0, 1]]()
  %r : Tensor = aten::reshape(%a, %s)
  %q : Tensor = aten::permute(%r, %p)
  return (%q)
)IR");
  CHECK(t.sizes() == std::vector<int64_t>{3, 1, 2});
  CHECK(t.dtype() == ir::ScalarType::Int64);
  CHECK(values(t) == std::vector<double>{0, 3, 1, 4, 2, 5});
}

TEST_CASE("fold-constants broadcasts and promotes an int tensor with a float scalar") {
  // (torch.tensor([[1], [2]]) + torch.tensor([10, 20, 30])) * 0.5 ->
  // float32 [[5.5, 10.5, 15.5], [6, 11, 16]]
  ir::Tensor t = foldedOutput(R"IR(graph():
  %one : int = prim::Constant[value=1]()
  %half : float = prim::Constant[value=0.5]()
  %a : Long(2, 1) = prim::Constant[value= 1  2 [ CPULongType{2,1} ]]()
  %b : Long(3) = prim::Constant[value= 10  20  30 [ CPULongType{3} ]]()
  %c : Tensor = aten::add(%a, %b, %one)
  %d : Tensor = aten::mul(%c, %half)
  return (%d)
)IR");
  CHECK(t.sizes() == std::vector<int64_t>{2, 3});
  CHECK(t.dtype() == ir::ScalarType::Float32);
  CHECK(values(t) == std::vector<double>{5.5, 10.5, 15.5, 6, 11, 16});
}

TEST_CASE("fold-constants subtracts with alpha and converts with aten::to") {
  // (torch.tensor([1., 2.]) - 2 * torch.tensor([3., 5.])).to(torch.int32) -> [-5, -8]
  ir::Tensor t = foldedOutput(R"IR(graph():
  %two : int = prim::Constant[value=2]()
  %i32 : int = prim::Constant[value=3]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %a : Float(2) = prim::Constant[value= 1  2 [ CPUFloatType{2} ]]()
  %b : Float(2) = prim::Constant[value= 3  5 [ CPUFloatType{2} ]]()
  %c : Tensor = aten::sub(%a, %b, %two)
  %d : Tensor = aten::to(%c, %i32, %f, %f, %none)
  return (%d)
)IR");
  CHECK(t.dtype() == ir::ScalarType::Int32);
  CHECK(values(t) == std::vector<double>{-5, -8});
}

TEST_CASE("fold-constants leaves integer division with a rounding mode and runtime inputs") {
  auto g = parse(R"IR(graph(%x.1 : Float(2)):
  %mode : str = prim::Constant[value="floor"]()
  %a : Long(2) = prim::Constant[value= 7  -7 [ CPULongType{2} ]]()
  %c : Tensor = aten::div(%a, %a, %mode)
  %d : Tensor = aten::mul(%x.1, %a)
  %t : (Tensor, Tensor) = prim::TupleConstruct(%c, %d)
  return (%t)
)IR");
  REQUIRE(runFoldConstants(*g, PassOptions{}).ok());
  std::string out = ir::printGraph(*g);
  CHECK(out.find("aten::div") != std::string::npos);
  CHECK(out.find("aten::mul") != std::string::npos);
}
