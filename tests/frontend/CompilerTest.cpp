// Compiler (frontend/Compiler.h): a method's graph inlines every call with the callee's
// optimized graph, at every call site, and a function compiled as a callee compiles again, to the
// same graph, when asked for as a method itself (the compiler takes a callee's own graph when it
// optimizes it instead of copying it).
#include <doctest/doctest.h>

#include <string>

#include "frontend/Compiler.h"
#include "ir/Printer.h"
#include "tests/frontend/InMemorySources.h"

using namespace ts2onnx;
using namespace ts2onnx::frontend;

namespace {

// As torch.jit.save writes a scripted module whose forward calls a method twice.
constexpr const char *kModule = R"(class M(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  def forward(self: __torch__.m.M,
    x: Tensor) -> Tensor:
    a = (self).helper(x, )
    b = (self).helper(a, )
    return torch.add(a, b)
  def helper(self: __torch__.m.M,
    x: Tensor) -> Tensor:
    y = torch.relu(x)
    return torch.mul(y, 2)
)";

int countKind(const ir::Block &b, std::string_view kind) {
  int n = 0;
  for (const ir::Node *node : b.nodes()) {
    n += node->kind().qualString() == kind;
    for (const ir::Block *sub : node->blocks())
      n += countKind(*sub, kind);
  }
  return n;
}

std::string compiled(Compiler &compiler, const std::string &method) {
  auto g = compiler.compileMethod("__torch__.m.M", method);
  REQUIRE_MESSAGE(g.ok(), g.status().message());
  return ir::printGraph(**g);
}

} // namespace

TEST_CASE("every call site is inlined, and a callee compiles again as a method") {
  Sources src;
  src.files["__torch__.m"] = kModule;
  ClassTable classes = src.table();

  Compiler fresh(classes, nullptr, CompileOptions{});
  const std::string helperAlone = compiled(fresh, "helper");

  Compiler compiler(classes, nullptr, CompileOptions{});
  auto forward = compiler.compileMethod("__torch__.m.M", "forward");
  REQUIRE_MESSAGE(forward.ok(), forward.status().message());
  CHECK(countKind(*(*forward)->block(), "prim::CallMethod") == 0);
  CHECK(countKind(*(*forward)->block(), "aten::relu") == 2);
  CHECK(countKind(*(*forward)->block(), "aten::mul") == 2);
  const std::string forwardText = ir::printGraph(**forward);

  // helper was optimized (and its own graph taken) while forward was inlined.
  CHECK(compiled(compiler, "helper") == helperAlone);
  CHECK(compiled(compiler, "forward") == forwardText);
  CHECK(compiled(compiler, "helper") == helperAlone);
}
