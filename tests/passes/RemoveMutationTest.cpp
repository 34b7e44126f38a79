#include <doctest/doctest.h>

#include "passes/Passes.h"
#include "tests/passes/TestUtil.h"

using namespace ts2onnx;
using namespace ts2onnx::passes;
using passes::testing::parse;

namespace {
std::string errorOf(std::string_view text) {
  auto g = parse(text);
  absl::Status s = runRemoveMutation(*g, PassOptions{});
  REQUIRE_FALSE(s.ok());
  return std::string(s.message());
}
} // namespace

TEST_CASE("remove-mutation rejects reading a view made before its base was written") {
  std::string msg = errorOf(R"IR(graph(%x.1 : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %v.1 : Tensor = aten::select(%x.1, %0, %0)
  %a.1 : Tensor = aten::add_(%x.1, %1, %1)
  %r.1 : Tensor = aten::relu(%v.1)
  return (%r.1)
)IR");
  CHECK(msg.find("reads %v.1, a view whose base was written") != std::string::npos);
}

TEST_CASE("remove-mutation rejects a list that holds a tensor written after it was built") {
  std::string msg = errorOf(R"IR(graph(%x.1 : Tensor):
  %0 : int = prim::Constant[value=0]()
  %1 : int = prim::Constant[value=1]()
  %l.1 : Tensor[] = prim::ListConstruct(%x.1, %x.1)
  %a.1 : Tensor = aten::add_(%x.1, %1, %1)
  %c.1 : Tensor = aten::cat(%l.1, %0)
  return (%c.1)
)IR");
  CHECK(msg.find("a container holding a tensor") != std::string::npos);
}

TEST_CASE("remove-mutation rejects writing to a loop-carried value") {
  std::string msg = errorOf(R"IR(graph(%x.1 : Tensor,
      %n.1 : int):
  %t : bool = prim::Constant[value=1]()
  %y : Tensor = prim::Loop(%n.1, %t, %x.1)
    block0(%i.1 : int, %h.1 : Tensor):
      %a.1 : Tensor = aten::relu_(%h.1)
      -> (%t, %a.1)
  return (%y)
)IR");
  CHECK(msg.find("may alias other values") != std::string::npos);
}

TEST_CASE("remove-mutation rejects writing through an expand") {
  std::string msg = errorOf(R"IR(graph(%x.1 : Tensor):
  %1 : int = prim::Constant[value=1]()
  %s : int[] = prim::Constant[value=[4, 4]]()
  %f : bool = prim::Constant[value=0]()
  %e.1 : Tensor = aten::expand(%x.1, %s, %f)
  %a.1 : Tensor = aten::add_(%e.1, %1, %1)
  return (%x.1)
)IR");
  CHECK(msg.find("through aten::expand") != std::string::npos);
}

TEST_CASE("remove-mutation writes back through a permute with its inverse") {
  auto g = parse(R"IR(graph(%x.1 : Tensor):
  %1 : int = prim::Constant[value=1]()
  %p : int[] = prim::Constant[value=[1, 2, 0]]()
  %v.1 : Tensor = aten::permute(%x.1, %p)
  %a.1 : Tensor = aten::mul_(%v.1, %1)
  return (%x.1)
)IR");
  REQUIRE(runRemoveMutation(*g, PassOptions{}).ok());
  std::string out = ir::printGraph(*g);
  CHECK(out.find("prim::Constant[value=[2, 0, 1]]()") != std::string::npos);
  CHECK(out.find("return (%") != std::string::npos);
  CHECK(out.find("aten::mul_") == std::string::npos);
  const ir::Node *ret = g->block()->returnNode();
  CHECK(ret->input(0)->node()->kind().qualString() == "aten::permute");
}
