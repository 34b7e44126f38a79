// The fixture models of the e2e tests through to-onnx at opsets 9 to 17 and the newest this build
// supports: each converts, and the result passes ONNX's checker and strict shape inference. The
// graph is prepared by a test-only shortcut for the passes that run before to-onnx (the frontend's
// freeze, in-place ops renamed to their functional forms, which is exact in these traced graphs
// where the in-place result is the only later use), with the input types recorded in meta.json.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "frontend/Archive.h"
#include "frontend/Freeze.h"
#include "ir/Printer.h"
#include "passes/Passes.h"
#include "symbolics/OnnxBuilder.h"
#include "symbolics/SymbolicRegistry.h"
#include "symbolics/Symbolics.h"
#include "tests/symbolics/SymbolicsTestUtil.h"

namespace ts2onnx::symbolics {
namespace {

std::string fixtureDir(const std::string &name) {
  return std::string(TS2ONNX_SOURCE_DIR) + "/fixtures/" + name;
}

/// aten::relu_ -> aten::relu, ... (not dunder methods).
void renameInplace(ir::Graph &g) {
  std::vector<ir::Node *> inplace;
  for (ir::Node *n : g.block()->nodes()) {
    std::string_view name = n->kind().name();
    if (n->kind().isNamespace("aten") && name.size() > 1 && name.back() == '_' &&
        name.substr(name.size() - 2) != "__")
      inplace.push_back(n);
  }
  for (ir::Node *n : inplace) {
    std::string_view name = n->kind().name();
    ir::Node *f = g.create(ir::Symbol::make("aten", name.substr(0, name.size() - 1)), n->inputs(),
                           n->outputs().size());
    f->insertBefore(n);
    f->setSourceLocation(n->sourceLocation());
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      f->output(i)->setType(n->output(i)->type());
      n->output(i)->replaceAllUsesWith(f->output(i));
    }
    n->destroy();
  }
}

/// With `dynamic`, the axes meta.json lists as dynamic become named dims (`d0`, `d1`, ...).
std::unique_ptr<ir::Graph> prepare(const std::string &name, bool dynamic) {
  std::string dir = fixtureDir(name);
  auto archive = frontend::Archive::open(dir + "/model.pt");
  INFO(archive.status().ToString());
  REQUIRE(archive.ok());
  auto g = (*archive)->compileMethod("forward");
  INFO(g.status().ToString());
  REQUIRE(g.ok());
  absl::Status s = frontend::freezeModule(**g, **archive);
  INFO(s.ToString());
  REQUIRE(s.ok());
  renameInplace(**g);
  std::ifstream metaFile(dir + "/meta.json");
  nlohmann::json meta = nlohmann::json::parse(metaFile);
  const auto &inputs = meta["inputs"];
  REQUIRE((*g)->inputs().size() == inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::vector<ir::Dim> dims;
    for (const auto &d : inputs[i]["shape"])
      dims.push_back(ir::Dim::known(d.get<int64_t>()));
    std::string input = inputs[i]["name"].get<std::string>();
    if (dynamic && meta.contains("dynamic") && meta["dynamic"].contains(input))
      for (const auto &axis : meta["dynamic"][input])
        dims[axis.get<size_t>()] = ir::Dim::named(fmt::format("d{}", axis.get<int64_t>()));
    auto dt = ir::scalarTypeFromShortName(inputs[i]["dtype"].get<std::string>());
    REQUIRE(dt);
    OnnxBuilder::setTensorType((*g)->inputs()[i], *dt, dims);
  }
  REQUIRE(passes::runDce(**g, passes::PassOptions{}).ok());
  return std::move(*g);
}

void convertsAndChecks(const std::string &name) {
  for (int opset : {9, 11, 13, 17, symbolics::kMaxOpset})
    for (bool dynamic : {false, true}) {
      auto g = prepare(name, dynamic);
      passes::PassOptions opts;
      opts.targetOpset = opset;
      absl::Status s = runToOnnx(*g, opts);
      INFO(name << " at opset " << opset << ": " << s.ToString());
      REQUIRE(s.ok());
      std::string err = testing::checkOnnx(*g, opset);
      INFO(ir::printGraph(*g));
      CHECK(err == "");
      // For numerical checks by hand: TS2ONNX_SYMBOLICS_DUMP=DIR writes DIR/NAME.opsetN.onnx.
      if (const char *dump = std::getenv("TS2ONNX_SYMBOLICS_DUMP")) {
        std::ofstream out(
            fmt::format("{}/{}.opset{}{}.onnx", dump, name, opset, dynamic ? ".dynamic" : ""),
            std::ios::binary);
        testing::toModel(*g, opset).SerializeToOstream(&out);
      }
    }
}

TEST_CASE("fixture mlp converts at opsets 9 to 17 and passes the checker") {
  convertsAndChecks("mlp");
}
TEST_CASE("fixture resnet18_traced converts at opsets 9 to 17 and passes the checker") {
  convertsAndChecks("resnet18_traced");
}
TEST_CASE("fixture mobilenet_v2_traced converts at opsets 9 to 17 and passes the checker") {
  convertsAndChecks("mobilenet_v2_traced");
}
TEST_CASE("fixture shufflenet_v2_x0_5_traced converts at opsets 9 to 17 and passes the checker") {
  convertsAndChecks("shufflenet_v2_x0_5_traced");
}
TEST_CASE("fixture efficientnet_small_traced converts at opsets 9 to 17 and passes the checker") {
  convertsAndChecks("efficientnet_small_traced");
}
TEST_CASE("fixture transformer_encoder_traced converts at opsets 9 to 17 and passes the checker") {
  convertsAndChecks("transformer_encoder_traced");
}

} // namespace
} // namespace ts2onnx::symbolics
