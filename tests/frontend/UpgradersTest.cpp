// The archive-version upgraders (frontend/upgraders): which calls they apply to, and that every
// one compiles with the frontend into a graph taking exactly its overload's schema arguments,
// which is how the compiler calls it (the node's inputs, defaults filled in, in schema order).
// div_full_v3 (a version-3 archive checked against torch in onnxruntime) covers their meaning.
#include <doctest/doctest.h>

#include "frontend/Compiler.h"
#include "frontend/schema/Schema.h"
#include "frontend/upgraders/Upgraders.h"

using namespace ts2onnx;
using namespace ts2onnx::frontend;

TEST_CASE("an upgrader applies to its overload up to its version only") {
  const upgraders::Upgrader *u = upgraders::findUpgrader("aten::div.Tensor", 3);
  REQUIRE(u != nullptr);
  CHECK(u->name == "div_Tensor_0_3");
  CHECK(upgraders::findUpgrader("aten::div.Tensor", 4) == nullptr);
  CHECK(upgraders::findUpgrader("aten::div.int", 3) == nullptr); // int / int was always float
  CHECK(upgraders::findUpgrader("aten::full", 4) != nullptr);
  CHECK(upgraders::findUpgrader("aten::full", 5) == nullptr);
  CHECK(upgraders::omittedSteps("aten::linspace", 7) == 100);
  CHECK(!upgraders::omittedSteps("aten::linspace", 8));
  CHECK(upgraders::omittedSteps("aten::logspace", 8) == 100);
  CHECK(!upgraders::omittedSteps("aten::logspace", 9));
  CHECK(upgraders::kMaxSupportedFileVersion == 10);
}

TEST_CASE("every upgrader compiles and takes its overload's schema arguments") {
  ClassTable classes(
      [](std::string_view) -> absl::StatusOr<const script::Module *> { return nullptr; });
  Compiler compiler(classes, nullptr, CompileOptions{});
  for (const upgraders::Upgrader &u : upgraders::allUpgraders()) {
    INFO(u.name);
    const FunctionSchema *schema = SchemaRegistry::builtin().lookupFullName(u.overload);
    REQUIRE(schema != nullptr);
    auto fn = upgraders::upgraderDefinition(u);
    REQUIRE(fn.ok());
    auto graph = compiler.compileFunctionDef(**fn, nullptr);
    REQUIRE_MESSAGE(graph.ok(), graph.status().message());
    CHECK((*graph)->inputs().size() == schema->arguments.size());
    CHECK((*graph)->outputs().size() == 1);
    // Compiled with today's semantics: the body calls the operator it upgrades, not itself.
    CHECK(upgraders::findUpgrader(u.overload, upgraders::kMaxSupportedFileVersion) == nullptr);
  }
}
