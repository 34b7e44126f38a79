#include <doctest/doctest.h>

#include "passes/Passes.h"
#include "tests/passes/TestUtil.h"

using namespace ts2onnx;
using namespace ts2onnx::passes;
using passes::testing::parse;
using passes::testing::runOn;
using passes::testing::withoutLines;

TEST_CASE("dce keeps a loop-carried value that only feeds the loop condition") {
  // %k is unused after the loop, but the condition reads it on every iteration.
  constexpr std::string_view text = R"IR(graph(%x.1 : Tensor,
      %n.1 : int):
  %1 : bool = prim::Constant[value=1]()
  %2 : int = prim::Constant[value=0]()
  %3 : int = prim::Constant[value=1]()
  %4 : int = prim::Constant[value=10]()
  %y : Tensor, %k : int = prim::Loop(%n.1, %1, %x.1, %2)
    block0(%i.1 : int, %y.1 : Tensor, %k.1 : int):
      %y.3 : Tensor = aten::relu(%y.1)
      %k.3 : int = aten::add(%k.1, %3)
      %c.1 : bool = aten::lt(%k.3, %4)
      -> (%c.1, %y.3, %k.3)
  return (%y)
)IR";
  CHECK(runOn(text, runDce) == text);
}

TEST_CASE("dce removes a pure loop whose outputs are unused, even with a data-dependent exit") {
  constexpr std::string_view text = R"IR(graph(%n.1 : int):
  %1 : bool = prim::Constant[value=1]()
  %2 : int = prim::Constant[value=0]()
  %3 : int = prim::Constant[value=1]()
  %k : int = prim::Loop(%n.1, %1, %2)
    block0(%i.1 : int, %k.1 : int):
      %k.3 : int = aten::add(%k.1, %3)
      %c.1 : bool = aten::lt(%k.3, %n.1)
      -> (%c.1, %k.3)
  return (%n.1)
)IR";
  CHECK(runOn(text, runDce) == "graph(%n.1 : int):\n  return (%n.1)\n");
}

TEST_CASE("dce drops a loop-carried value that is only passed through") {
  constexpr std::string_view text = R"IR(graph(%x.1 : Tensor,
      %n.1 : int):
  %1 : bool = prim::Constant[value=1]()
  %y : Tensor, %z : Tensor = prim::Loop(%n.1, %1, %x.1, %x.1)
    block0(%i.1 : int, %y.1 : Tensor, %z.1 : Tensor):
      %y.3 : Tensor = aten::relu(%y.1)
      -> (%1, %y.3, %z.1)
  return (%y)
)IR";
  CHECK(runOn(text, runDce) == R"IR(graph(%x.1 : Tensor,
      %n.1 : int):
  %1 : bool = prim::Constant[value=1]()
  %y : Tensor = prim::Loop(%n.1, %1, %x.1)
    block0(%i.1 : int, %y.1 : Tensor):
      %y.3 : Tensor = aten::relu(%y.1)
      -> (%1, %y.3)
  return (%y)
)IR");
}

TEST_CASE("dce keeps a pass-through carried value that is used after the loop") {
  constexpr std::string_view text = R"IR(graph(%x.1 : Tensor,
      %n.1 : int):
  %1 : bool = prim::Constant[value=1]()
  %z : Tensor = prim::Loop(%n.1, %1, %x.1)
    block0(%i.1 : int, %z.1 : Tensor):
      -> (%1, %z.1)
  return (%z)
)IR";
  CHECK(runOn(text, runDce) == text);
}

TEST_CASE("dce keeps an If without outputs only when a block has side effects") {
  constexpr std::string_view text = R"IR(graph(%c.1 : bool,
      %x.1 : Tensor):
  %1 : str = prim::Constant[value="boom"]()
   = prim::If(%c.1)
    block0():
      %y.1 : Tensor = aten::relu(%x.1)
      -> ()
    block1():
      -> ()
   = prim::If(%c.1)
    block0():
       = prim::RaiseException(%1)
      -> ()
    block1():
      -> ()
  return (%x.1)
)IR";
  CHECK(runOn(text, runDce) == R"IR(graph(%c.1 : bool,
      %x.1 : Tensor):
  %1 : str = prim::Constant[value="boom"]()
   = prim::If(%c.1)
    block0():
       = prim::RaiseException(%1)
      -> ()
    block1():
      -> ()
  return (%x.1)
)IR");
}

TEST_CASE("dce keeps in-place ops and the view chain they write through") {
  constexpr std::string_view text = R"IR(graph(%x.1 : Tensor):
  %1 : int = prim::Constant[value=1]()
  %2 : int[] = prim::Constant[value=[-1]]()
  %v.1 : Tensor = aten::view(%x.1, %2)
  %3 : Tensor = aten::add_(%v.1, %1, %1)
  %4 : Tensor = aten::mul(%v.1, %1)
  return (%x.1)
)IR";
  CHECK(runOn(text, runDce) == withoutLines(text, {"aten::mul"}));
}

TEST_CASE("dce keeps every output of a node when one is used") {
  constexpr std::string_view text = R"IR(graph(%x.1 : Tensor):
  %1 : int = prim::Constant[value=1]()
  %a.1 : Tensor, %b.1 : Tensor = aten::split(%x.1, %1)
  return (%b.1)
)IR";
  CHECK(runOn(text, runDce) == text);
}

TEST_CASE("dce removes everything when nothing is returned and nothing has side effects") {
  constexpr std::string_view text = R"IR(graph(%x.1 : Tensor,
      %n.1 : int):
  %1 : bool = prim::Constant[value=1]()
  %y : Tensor = prim::Loop(%n.1, %1, %x.1)
    block0(%i.1 : int, %y.1 : Tensor):
      %c : Tensor = prim::If(%1)
        block0():
          %y.3 : Tensor = aten::relu(%y.1)
          -> (%y.3)
        block1():
          -> (%y.1)
      -> (%1, %c)
  return ()
)IR";
  CHECK(runOn(text, runDce) == R"IR(graph(%x.1 : Tensor,
      %n.1 : int):
  return ()
)IR");
}

TEST_CASE("dce is idempotent") {
  constexpr std::string_view text = R"IR(graph(%x.1 : Tensor,
      %c.1 : bool):
  %1 : str = prim::Constant[value="msg"]()
  %a : Tensor, %b : Tensor = prim::If(%c.1)
    block0():
       = prim::Print(%1)
      %p.1 : Tensor = aten::neg(%x.1)
      -> (%p.1, %x.1)
    block1():
      %q.1 : Tensor = aten::relu(%x.1)
      -> (%x.1, %q.1)
  return (%b)
)IR";
  std::string once = runOn(text, runDce);
  CHECK(once == R"IR(graph(%x.1 : Tensor,
      %c.1 : bool):
  %1 : str = prim::Constant[value="msg"]()
  %b : Tensor = prim::If(%c.1)
    block0():
       = prim::Print(%1)
      -> (%x.1)
    block1():
      %q.1 : Tensor = aten::relu(%x.1)
      -> (%q.1)
  return (%b)
)IR");
  CHECK(runOn(once, runDce) == once);
}

TEST_CASE("dce removes a long dead chain and deep nesting in one run") {
  // 20000 chained nodes, then 500 nested Ifs with a print at the bottom: all linear work.
  ir::Graph g;
  ir::Value *x = g.addInput("x");
  ir::Value *c = g.addInput("c");
  c->setType(ir::Type::boolType());
  ir::Value *v = x;
  for (int i = 0; i < 20000; ++i)
    v = g.insert(ir::Symbol::fromQualString("aten::relu"), {v})->output();
  ir::Block *b = g.block();
  for (int i = 0; i < 500; ++i) {
    ir::Node *ifNode = g.create(ir::prim::If, {c}, 0);
    b->appendNode(ifNode);
    b = ifNode->addBlock();
    ifNode->addBlock();
  }
  b->appendNode(g.create(ir::prim::Print, {x}, 0));
  g.registerOutput(x);
  REQUIRE(ir::verify(g).ok());
  REQUIRE(runDce(g, {}).ok());
  REQUIRE(ir::verify(g).ok());
  // Left: Param and Return of the graph, 500 Ifs with 2 blocks (2 nodes each), the print.
  CHECK(g.nodeCount() == 2 + 500 * (1 + 4) + 1);
}
