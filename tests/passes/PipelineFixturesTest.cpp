// The export pipeline's passes on real archives: freeze, then the functional and eval cleanup,
// shape propagation, BatchNorm fusion and constant folding. Checks what must hold afterwards.
// TS2ONNX_PIPELINE_PRINT=1 prints each graph's node histogram (=graph: the whole graph).
#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "frontend/Archive.h"
#include "frontend/Freeze.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/PassManager.h"

using namespace ts2onnx;

namespace {

constexpr const char *kPipeline =
    "fold-scalars,peephole-script,dce,remove-mutation,eval-peepholes,fold-scalars,dce,"
    "propagate-shapes,fuse-bn,fold-constants,dce,cse";

void histogram(const ir::Block *b, std::map<std::string, int> &m) {
  for (const ir::Node *n : b->nodes()) {
    m[n->kind().qualString()]++;
    for (const ir::Block *s : n->blocks())
      histogram(s, m);
  }
}

struct Result {
  std::unique_ptr<ir::Graph> graph;
  std::map<std::string, int> kinds;
};

/// Freezes `fixture`'s forward, types its first input as `input` and runs kPipeline.
Result runPipeline(const std::string &fixture, const std::string &input) {
  std::string path = std::string(TS2ONNX_SOURCE_DIR) + "/fixtures/" + fixture + "/model.pt";
  auto archive = frontend::Archive::open(path);
  INFO(archive.status().ToString());
  REQUIRE(archive.ok());
  auto g = (*archive)->compileMethod("forward");
  INFO(g.status().ToString());
  REQUIRE(g.ok());
  absl::Status frozen = frontend::freezeModule(**g, **archive);
  INFO(frozen.ToString());
  REQUIRE(frozen.ok());
  REQUIRE(ir::verify(**g).ok());
  if (!input.empty()) {
    auto t = ir::parseType(input);
    REQUIRE(t.ok());
    (*g)->inputs()[0]->setType(*t);
  }
  passes::PassManager pm;
  REQUIRE(pm.addPipeline(kPipeline).ok());
  pm.instrumentation().verifyEach = true;
  absl::Status s = pm.run(**g);
  INFO(s.ToString());
  REQUIRE(s.ok());
  Result r{std::move(*g), {}};
  histogram(r.graph->block(), r.kinds);
  if (const char *p = std::getenv("TS2ONNX_PIPELINE_PRINT")) {
    if (std::string(p) == "graph")
      std::cout << ir::printGraph(*r.graph);
    int total = 0;
    for (const auto &[k, n] : r.kinds)
      total += n;
    std::cout << fixture << " (" << input << "): " << total << " nodes\n";
    for (const auto &[k, n] : r.kinds)
      std::cout << "  " << n << " " << k << "\n";
  }
  return r;
}

/// `aten::add_` but not `aten::__getitem__`.
bool isInplace(const std::string &kind) {
  return kind.back() == '_' && kind.find("::__") == std::string::npos;
}

int count(const Result &r, const std::string &kind) {
  auto it = r.kinds.find(kind);
  return it == r.kinds.end() ? 0 : it->second;
}

} // namespace

TEST_CASE("pipeline on cnn_bn: frozen, BatchNorm fused, no control flow or mutation left") {
  Result r = runPipeline("cnn_bn", "Float(batch, 3, 32, 32)");
  CHECK(count(r, "prim::GetAttr") == 0);
  CHECK(count(r, "aten::batch_norm") == 0);
  CHECK(count(r, "prim::If") == 0);
  CHECK(count(r, "aten::add_") == 0);
  CHECK(count(r, "aten::conv2d") == 2);
  CHECK(count(r, "aten::linear") == 1);
  const ir::TensorInfo &out = r.graph->outputs()[0]->type()->tensorInfo();
  REQUIRE(out.sizes);
  CHECK(out.dtype == ir::ScalarType::Float32);
}

TEST_CASE("pipeline on mlp keeps the three linears") {
  Result r = runPipeline("mlp", "Float(batch, 20)");
  CHECK(count(r, "aten::linear") == 3);
}

TEST_CASE("pipeline on resnet18_traced fuses every BatchNorm and removes in-place ops") {
  Result r = runPipeline("resnet18_traced", "Float(batch, 3, 64, 64)");
  CHECK(count(r, "aten::batch_norm") == 0);
  CHECK(count(r, "aten::relu_") == 0);
  CHECK(count(r, "aten::add_") == 0);
  CHECK(count(r, "aten::_convolution") + count(r, "aten::conv2d") == 20);
}

TEST_CASE("pipeline on mobilenet_v2_traced fuses every BatchNorm and drops dropout") {
  Result r = runPipeline("mobilenet_v2_traced", "Float(batch, 3, 64, 64)");
  CHECK(count(r, "aten::batch_norm") == 0);
  CHECK(count(r, "aten::hardtanh_") == 0);
  CHECK(count(r, "aten::dropout") == 0);
}

TEST_CASE("pipeline on the in-place indexing fixtures leaves no in-place op") {
  for (std::string f : {"inplace_index", "inplace_index_traced"}) {
    CAPTURE(f);
    Result r = runPipeline(f, "");
    for (const auto &[kind, n] : r.kinds)
      CHECK_MESSAGE(!isInplace(kind), kind);
  }
}

TEST_CASE("pipeline on scripted torchvision models: no attribute, in-place op or BatchNorm left") {
  for (const char *f :
       {"mobilenet_v2_scripted", "mnasnet_small_scripted", "efficientnet_small_scripted",
        "lraspp_small_scripted", "squeezenet1_1_scripted"}) {
    CAPTURE(f);
    Result r = runPipeline(f, "Float(1, 3, 64, 64)");
    CHECK(count(r, "prim::GetAttr") == 0);
    CHECK(count(r, "aten::batch_norm") == 0);
    for (const auto &[kind, n] : r.kinds)
      CHECK_MESSAGE(!isInplace(kind), kind);
  }
}
