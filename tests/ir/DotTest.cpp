// ir::printDot's options for large graphs: constants left out, a cap on the nodes drawn.
#include <doctest/doctest.h>

#include "ir/Dot.h"
#include "ir/Parser.h"

using namespace ts2onnx::ir;

namespace {

const char *kGraph = R"(graph(%x : Tensor):
  %c : int = prim::Constant[value=1]()
  %a : Tensor = aten::relu(%x)
  %b : Tensor = aten::add(%a, %x, %c)
  %d : Tensor = aten::tanh(%b)
  return (%d)
)";

size_t count(const std::string &s, const std::string &what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

TEST_CASE("printDot draws every node by default, and leaves out constants or caps on request") {
  auto g = parseGraph(kGraph);
  REQUIRE(g.ok());
  std::string all = printDot(**g);
  CHECK(count(all, "[shape=box") == 4);
  CHECK(all.find("prim::Constant") != std::string::npos);
  CHECK(all.find("not drawn") == std::string::npos);

  DotOptions noConstants;
  noConstants.hideConstants = true;
  std::string nc = printDot(**g, "g", noConstants);
  CHECK(count(nc, "[shape=box") == 3);
  CHECK(nc.find("prim::Constant") == std::string::npos);

  DotOptions capped;
  capped.hideConstants = true;
  capped.maxNodes = 2;
  std::string c = printDot(**g, "g", capped);
  CHECK(count(c, "[shape=box") == 2);
  CHECK(c.find("aten::tanh") == std::string::npos);
  CHECK(c.find("1 more nodes not drawn") != std::string::npos);
  // No edge names a node that was not drawn: n0 (relu) and n1 (add) only.
  CHECK(c.find("-> out") == std::string::npos);
}
