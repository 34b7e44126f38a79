#include <doctest/doctest.h>

#include <vector>

#include "passes/Passes.h"
#include "tests/passes/TestUtil.h"

using namespace ts2onnx;
using namespace ts2onnx::passes;
using passes::testing::parse;
using passes::testing::runOn;
using passes::testing::withoutLines;

TEST_CASE("cse does not merge nodes that have blocks or side effects") {
  constexpr std::string_view text = R"IR(graph(%x.1 : Tensor,
      %c.1 : bool):
  %1 : str = prim::Constant[value="hi"]()
  %2 : int = prim::Constant[value=1]()
  %a : Tensor = prim::If(%c.1)
    block0():
      -> (%x.1)
    block1():
      -> (%x.1)
  %b : Tensor = prim::If(%c.1)
    block0():
      -> (%x.1)
    block1():
      -> (%x.1)
   = prim::Print(%1)
   = prim::Print(%1)
  %3 : Tensor = aten::add_(%x.1, %2, %2)
  %4 : Tensor = aten::add_(%x.1, %2, %2)
  %5 : (Tensor, Tensor, Tensor, Tensor) = prim::TupleConstruct(%a, %b, %3, %4)
  return (%5)
)IR";
  CHECK(runOn(text, runCse) == text);
}

TEST_CASE("cse never reuses a node from a sibling block or a nested block") {
  constexpr std::string_view text = R"IR(graph(%x.1 : Tensor,
      %c.1 : bool):
  %a : Tensor = prim::If(%c.1)
    block0():
      %a.1 : Tensor = aten::relu(%x.1)
      -> (%a.1)
    block1():
      %a.2 : Tensor = aten::relu(%x.1)
      -> (%a.2)
  %b.1 : Tensor = aten::relu(%x.1)
  %3 : (Tensor, Tensor) = prim::TupleConstruct(%a, %b.1)
  return (%3)
)IR";
  CHECK(runOn(text, runCse) == text);
}

TEST_CASE("cse keeps float constants apart by bit pattern: 0. and -0. differ") {
  constexpr std::string_view text = R"IR(graph():
  %0 : float = prim::Constant[value=0.]()
  %1 : float = prim::Constant[value=-0.]()
  %2 : float = prim::Constant[value=0.]()
  %3 : (float, float, float) = prim::TupleConstruct(%0, %1, %2)
  return (%3)
)IR";
  CHECK(runOn(text, runCse) == R"IR(graph():
  %0 : float = prim::Constant[value=0.]()
  %1 : float = prim::Constant[value=-0.]()
  %3 : (float, float, float) = prim::TupleConstruct(%0, %1, %0)
  return (%3)
)IR");
}

TEST_CASE("cse keeps attribute reads apart across a SetAttr, and merges them without one") {
  constexpr std::string_view reads = R"IR(graph(%self : __torch__.M):
  %a.1 : Tensor = prim::GetAttr[name="w"](%self)
  %b.1 : Tensor = prim::GetAttr[name="w"](%self)
  %c.1 : Tensor = prim::GetAttr[name="v"](%self)
  %3 : (Tensor, Tensor, Tensor) = prim::TupleConstruct(%a.1, %b.1, %c.1)
  return (%3)
)IR";
  CHECK(runOn(reads, runCse) == R"IR(graph(%self : __torch__.M):
  %a.1 : Tensor = prim::GetAttr[name="w"](%self)
  %c.1 : Tensor = prim::GetAttr[name="v"](%self)
  %3 : (Tensor, Tensor, Tensor) = prim::TupleConstruct(%a.1, %a.1, %c.1)
  return (%3)
)IR");

  constexpr std::string_view writes = R"IR(graph(%self : __torch__.M,
      %x.1 : Tensor):
  %a.1 : Tensor = prim::GetAttr[name="w"](%self)
   = prim::SetAttr[name="w"](%self, %x.1)
  %b.1 : Tensor = prim::GetAttr[name="w"](%self)
  %3 : (Tensor, Tensor) = prim::TupleConstruct(%a.1, %b.1)
  return (%3)
)IR";
  CHECK(runOn(writes, runCse) == writes);
}

TEST_CASE("cse compares small tensor constants by value and large ones by storage") {
  ir::Graph g;
  auto floats = [](size_t n) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i)
      v[i] = static_cast<float>(i) * 0.5f;
    return v;
  };
  auto small = [&] { return ir::Tensor::fromVector(ir::ScalarType::Float32, {4}, floats(4)); };
  // 2000 floats are 8000 bytes, above the content-comparison limit.
  ir::Tensor big = ir::Tensor::fromVector(ir::ScalarType::Float32, {2000}, floats(2000));
  ir::Tensor bigCopy = ir::Tensor::fromVector(ir::ScalarType::Float32, {2000}, floats(2000));
  std::vector<ir::Value *> outs = {
      g.insertConstantTensor(small()), g.insertConstantTensor(small()), // merged
      g.insertConstantTensor(big),     g.insertConstantTensor(big),     // same storage: merged
      g.insertConstantTensor(bigCopy), // equal content, other storage: kept
  };
  ir::Node *tuple = g.insert(ir::prim::TupleConstruct, outs);
  g.registerOutput(tuple->output());
  REQUIRE(runCse(g, {}).ok());
  REQUIRE(ir::verify(g).ok());
  CHECK(tuple->input(0) == tuple->input(1));
  CHECK(tuple->input(2) == tuple->input(3));
  CHECK(tuple->input(4) != tuple->input(2));
  CHECK(g.nodeCount() == 2 + 3 + 1);
}

TEST_CASE("cse keeps training dropout and random ops, merges eval dropout") {
  constexpr std::string_view text = R"IR(graph(%x.1 : Tensor):
  %1 : float = prim::Constant[value=0.5]()
  %2 : bool = prim::Constant[value=0]()
  %3 : bool = prim::Constant[value=1]()
  %4 : NoneType = prim::Constant()
  %a.1 : Tensor = aten::dropout(%x.1, %1, %3)
  %a.2 : Tensor = aten::dropout(%x.1, %1, %3)
  %b.1 : Tensor = aten::dropout(%x.1, %1, %2)
  %b.2 : Tensor = aten::dropout(%x.1, %1, %2)
  %c.1 : Tensor = aten::bernoulli(%x.1, %4)
  %c.2 : Tensor = aten::bernoulli(%x.1, %4)
  %d.1 : Tensor = aten::randn_like(%x.1, %4, %4, %4, %4, %4)
  %d.2 : Tensor = aten::randn_like(%x.1, %4, %4, %4, %4, %4)
  %5 : (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor) = prim::TupleConstruct(%a.1, %a.2, %b.1, %b.2, %c.1, %c.2, %d.1, %d.2)
  return (%5)
)IR";
  std::string expected = withoutLines(text, {"%b.2 : Tensor"});
  expected.replace(expected.find("%b.1, %b.2"), 10, "%b.1, %b.1");
  CHECK(runOn(text, runCse) == expected);
}

TEST_CASE("cse pools many equal constants in one pass and is idempotent") {
  std::string text = "graph():\n";
  std::string uses;
  for (int i = 0; i < 5000; ++i) {
    text += "  %c" + std::to_string(i) + " : int = prim::Constant[value=" + std::to_string(i % 3) +
            "]()\n";
    uses += (i ? ", %c" : "%c") + std::to_string(i);
  }
  text += "  %l : int[] = prim::ListConstruct(" + uses + ")\n  return (%l)\n";
  auto g = parse(text);
  REQUIRE(runCse(*g, {}).ok());
  REQUIRE(ir::verify(*g).ok());
  CHECK(g->nodeCount() == 2 + 3 + 1);
  std::string once = ir::printGraph(*g);
  REQUIRE(runCse(*g, {}).ok());
  CHECK(ir::printGraph(*g) == once);
}
