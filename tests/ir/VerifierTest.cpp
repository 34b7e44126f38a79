// The verifier on hand-broken graphs: each message names the offending node by kind and values.
#include <doctest/doctest.h>

#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

using namespace ts2onnx::ir;

namespace {

std::unique_ptr<Graph> parse(std::string_view text) {
  auto g = parseGraph(text, "verifier.ir");
  REQUIRE_MESSAGE(g.ok(), g.status().message());
  return std::move(*g);
}

std::string verifyError(const Graph &g) {
  absl::Status s = verify(g);
  REQUIRE(!s.ok());
  return std::string(s.message());
}

Node *find(const Block *b, std::string_view kind) {
  for (Node *n : b->nodes()) {
    if (n->kind().qualString() == kind)
      return n;
    for (const Block *sub : n->blocks())
      if (Node *m = find(sub, kind))
        return m;
  }
  return nullptr;
}

} // namespace

TEST_CASE("verifier accepts a well-formed graph with control flow") {
  auto g = parse(R"IR(graph(%x.1 : Tensor,
      %n.1 : int):
  %c : bool = prim::Constant[value=1]()
  %y : Tensor = prim::Loop(%n.1, %c, %x.1)
    block0(%i : int, %y.9 : Tensor):
      %y.3 : Tensor = aten::neg(%y.9)
      -> (%c, %y.3)
  %z : Tensor = prim::If(%c)
    block0():
      -> (%y)
    block1():
      -> (%x.1)
  return (%z)
)IR");
  CHECK(verify(*g).ok());
}

TEST_CASE("verifier: a use before the definition names the user and the value") {
  auto g = parse(R"IR(graph(%x : Tensor):
  %y.1 : Tensor = aten::mul(%x, %w.3)
  %w.3 : Tensor = aten::neg(%x)
  return (%y.1)
)IR");
  std::string msg = verifyError(*g);
  CHECK(msg.find("aten::mul") != std::string::npos);
  CHECK(msg.find("%y.1 = aten::mul(%x, %w.3)") != std::string::npos);
  CHECK(msg.find("uses %w.3 before it is defined") != std::string::npos);
}

TEST_CASE("verifier: a value used outside the block that defines it") {
  auto g = parse(R"IR(graph(%c : bool):
  %r : int = prim::If(%c)
    block0():
      %inner : int = prim::Constant[value=1]()
      -> (%inner)
    block1():
      %two : int = prim::Constant[value=2]()
      -> (%two)
  %s : int = aten::add(%r, %inner)
  return (%s)
)IR");
  std::string msg = verifyError(*g);
  CHECK(msg.find("%s = aten::add(%r, %inner)") != std::string::npos);
  CHECK(msg.find("%inner") != std::string::npos);
}

TEST_CASE("verifier: an If branch returning the wrong number of values") {
  auto g = parse(R"IR(graph(%c : bool,
      %a : int):
  %r : int = prim::If(%c) # m.py:3:4
    block0():
      -> (%a, %a)
    block1():
      -> (%a)
  return (%r)
)IR");
  std::string msg = verifyError(*g);
  CHECK(msg.find("%r = prim::If(%c) # m.py:3:4") != std::string::npos);
  CHECK(msg.find("block0 returns 2 values but prim::If has 1 outputs") != std::string::npos);
}

TEST_CASE("verifier: a Loop body with the wrong arity") {
  auto g = parse(R"IR(graph(%n : int,
      %x : Tensor):
  %c : bool = prim::Constant[value=1]()
  %y : Tensor = prim::Loop(%n, %c, %x)
    block0(%i : int):
      -> (%c)
  return (%y)
)IR");
  std::string msg = verifyError(*g);
  CHECK(msg.find("%y = prim::Loop(%n, %c, %x)") != std::string::npos);
  CHECK(msg.find("loop body takes 1 inputs, expected 2") != std::string::npos);

  auto g2 = parse(R"IR(graph(%n : int,
      %x : Tensor):
  %c : bool = prim::Constant[value=1]()
  %y : Tensor = prim::Loop(%n, %c, %x)
    block0(%i : int, %x.2 : Tensor):
      -> (%c)
  return (%y)
)IR");
  CHECK(verifyError(*g2).find("loop body returns 1 values, expected 2") != std::string::npos);
}

TEST_CASE("verifier: a defining node unlinked from its block leaves a dangling use") {
  auto g = parse(R"IR(graph(%x : Tensor):
  %a : Tensor = aten::neg(%x)
  %b : Tensor = aten::relu(%a)
  return (%b)
)IR");
  Node *neg = find(g->block(), "aten::neg");
  Node *relu = find(g->block(), "aten::relu");
  neg->removeFromList();
  std::string msg = verifyError(*g);
  CHECK(msg.find("%b = aten::relu(%a)") != std::string::npos);
  CHECK(msg.find("not in the graph") != std::string::npos);
  // Re-inserting after the user is still wrong (use before definition) ...
  neg->insertAfter(relu);
  CHECK(verifyError(*g).find("uses %a before it is defined") != std::string::npos);
  // ... and moving it back repairs the graph.
  neg->moveBefore(relu);
  CHECK(verify(*g).ok());
}

TEST_CASE("verifier: a block return using a value defined later") {
  auto g = parse(R"IR(graph(%c : bool):
  %r : int = prim::If(%c)
    block0():
      -> (%late)
    block1():
      -> (%late)
  %late : int = prim::Constant[value=3]()
  return (%r)
)IR");
  std::string msg = verifyError(*g);
  CHECK(msg.find("prim::Return(%late)") != std::string::npos);
  CHECK(msg.find("uses %late before it is defined") != std::string::npos);
}
