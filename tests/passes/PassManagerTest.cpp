#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "passes/PassManager.h"
#include "passes/PassRegistry.h"
#include "passes/Passes.h"
#include "tests/passes/TestUtil.h"

namespace fs = std::filesystem;
using namespace ts2onnx;
using namespace ts2onnx::passes;
using passes::testing::parse;

namespace {

constexpr std::string_view kGraph = R"IR(graph(%x.1 : Tensor):
  %1 : int = prim::Constant[value=2]()
  %2 : int = prim::Constant[value=2]()
  %a.1 : Tensor = aten::mul(%x.1, %1)
  %b.1 : Tensor = aten::mul(%x.1, %2)
  %c.1 : Tensor = aten::relu(%b.1)
  %d.1 : Tensor = aten::add(%a.1, %b.1, %1)
  return (%d.1)
)IR";

// A registry with the builtin passes plus test passes.
struct TestRegistry {
  PassRegistry registry;
  TestRegistry() {
    REQUIRE(registerBuiltinPasses(registry).ok());
    // Moves a new user of the graph's output before its producer: use before definition.
    REQUIRE(registry
                .registerPass("break-ssa", "Breaks SSA on purpose",
                              [](ir::Graph &g, const PassOptions &) {
                                ir::Value *out = g.outputs().at(0);
                                ir::Node *user =
                                    g.create(ir::Symbol::fromQualString("aten::neg"), {out});
                                user->insertBefore(*g.block()->nodes().begin());
                                return absl::OkStatus();
                              })
                .ok());
    REQUIRE(registry
                .registerPass("fail", "Always fails",
                              [](ir::Graph &, const PassOptions &) {
                                return absl::InvalidArgumentError("boom");
                              })
                .ok());
    REQUIRE(registry
                .registerPass("nothing", "Changes nothing",
                              [](ir::Graph &, const PassOptions &) { return absl::OkStatus(); })
                .ok());
  }
};

std::string readFile(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("pass manager rejects an unknown pass and lists the known ones") {
  TestRegistry r;
  PassManager pm({}, &r.registry);
  absl::Status s = pm.addPipeline("dce,frobnicate,cse");
  CHECK(s.code() == absl::StatusCode::kNotFound);
  std::string known = r.registry.knownPassNames();
  CHECK(std::string(s.message()) == "unknown pass 'frobnicate'; known passes: " + known);
  // Sorted and comma-separated, with the builtins and the test's own passes.
  CHECK(known.rfind("break-ssa, check-input-shapes, cse, dce, ", 0) == 0);
  for (const char *name : {"fail", "nothing"})
    CHECK(known.find(name) != std::string::npos);
  CHECK(pm.pipeline().empty());
}

TEST_CASE("pipelines split on commas, ignore spaces and reject empty names") {
  auto names = splitPipeline(" dce , cse,dce ");
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"dce", "cse", "dce"});
  CHECK(splitPipeline("")->empty());
  CHECK(splitPipeline("dce,,cse").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(splitPipeline("dce,").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("the registry rejects names that are not kebab-case and duplicates") {
  PassRegistry r;
  auto ok = [](ir::Graph &, const PassOptions &) { return absl::OkStatus(); };
  CHECK(r.registerPass("fold-constants", "", ok).ok());
  CHECK(r.registerPass("fold-constants", "", ok).code() == absl::StatusCode::kAlreadyExists);
  for (const char *bad : {"", "Fold", "fold_constants", "-fold", "fold-", "fold--x", "a b"})
    CHECK_MESSAGE(r.registerPass(bad, "", ok).code() == absl::StatusCode::kInvalidArgument, bad);
  CHECK(r.registerPass("empty-fn", "", PassFn()).code() == absl::StatusCode::kInvalidArgument);
  CHECK(r.knownPassNames() == "fold-constants");
}

TEST_CASE("the global registry has the builtin passes and takes user passes") {
  CHECK(PassRegistry::global().lookup("dce") != nullptr);
  CHECK(PassRegistry::global().lookup("cse") != nullptr);
  CHECK_FALSE(PassRegistry::global().lookup("dce")->description.empty());
  auto fn = [](ir::Graph &, const PassOptions &) { return absl::OkStatus(); };
  CHECK(registerPass("test-user-pass", "A user pass", fn).ok());
  CHECK(registerPass("test-user-pass", "Again", fn).code() == absl::StatusCode::kAlreadyExists);
  PassManager pm;
  CHECK(pm.addPipeline("dce,test-user-pass").ok());
  CHECK(pm.pipeline().size() == 2);
}

TEST_CASE("verify-each names the pass that broke the graph") {
  TestRegistry r;
  PassManager pm({}, &r.registry);
  REQUIRE(pm.addPipeline("dce,break-ssa,cse").ok());
  pm.instrumentation().verifyEach = true;
  std::vector<std::string> ran;
  pm.addCallbacks([&](const PassInfo &p, const ir::Graph &) { ran.push_back(p.name); }, {});
  auto g = parse(kGraph);
  absl::Status s = pm.run(*g);
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  std::string msg(s.message());
  INFO(msg);
  CHECK(msg.rfind("after pass 'break-ssa': verifier: ", 0) == 0);
  CHECK(msg.find("before it is defined") != std::string::npos);
  CHECK(ran == std::vector<std::string>{"dce", "break-ssa"}); // cse never ran
}

TEST_CASE("without verify-each a broken graph goes through unnoticed") {
  TestRegistry r;
  PassManager pm({}, &r.registry);
  REQUIRE(pm.addPipeline("break-ssa").ok());
  auto g = parse(kGraph);
  CHECK(pm.run(*g).ok());
  CHECK_FALSE(ir::verify(*g).ok());
}

TEST_CASE("verify-each checks the input before the first pass") {
  TestRegistry r;
  auto g = parse(kGraph);
  PassManager breaker({}, &r.registry);
  REQUIRE(breaker.addPass("break-ssa").ok());
  REQUIRE(breaker.run(*g).ok());

  PassManager pm({}, &r.registry);
  REQUIRE(pm.addPass("dce").ok());
  pm.instrumentation().verifyEach = true;
  absl::Status s = pm.run(*g);
  CHECK(std::string(s.message()).rfind("input: verifier: ", 0) == 0);
}

TEST_CASE("a failing pass is named in the error, which keeps its code") {
  TestRegistry r;
  PassManager pm({}, &r.registry);
  REQUIRE(pm.addPipeline("dce,fail,cse").ok());
  std::vector<std::string> events;
  struct Recorder : PassInstrumentation {
    std::vector<std::string> *events;
    void runAfterPass(const PassInfo &p, const ir::Graph &) override {
      events->push_back("after " + p.name);
    }
    void runAfterPassFailed(const PassInfo &p, const ir::Graph &, const absl::Status &s) override {
      events->push_back("failed " + p.name + ": " + std::string(s.message()));
    }
  };
  auto rec = std::make_unique<Recorder>();
  rec->events = &events;
  pm.addInstrumentation(std::move(rec));
  auto g = parse(kGraph);
  absl::Status s = pm.run(*g);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(s.message()) == "pass 'fail' failed: boom");
  CHECK(events == std::vector<std::string>{"after dce", "failed fail: pass 'fail' failed: boom"});
}

TEST_CASE("print-after-all prints an MLIR-style header and the graph after every pass") {
  TestRegistry r;
  PassManager pm({}, &r.registry);
  REQUIRE(pm.addPipeline("cse,dce").ok());
  std::ostringstream os;
  pm.setOutputStream(os);
  pm.instrumentation().printAfterAll = true;
  auto g = parse(kGraph);
  REQUIRE(pm.run(*g).ok());
  std::string afterCse = R"IR(graph(%x.1 : Tensor):
  %1 : int = prim::Constant[value=2]()
  %a.1 : Tensor = aten::mul(%x.1, %1)
  %c.1 : Tensor = aten::relu(%a.1)
  %d.1 : Tensor = aten::add(%a.1, %a.1, %1)
  return (%d.1)
)IR";
  std::string afterDce = R"IR(graph(%x.1 : Tensor):
  %1 : int = prim::Constant[value=2]()
  %a.1 : Tensor = aten::mul(%x.1, %1)
  %d.1 : Tensor = aten::add(%a.1, %a.1, %1)
  return (%d.1)
)IR";
  CHECK(os.str() == "// -----// IR Dump After cse //----- //\n" + afterCse + "\n" +
                        "// -----// IR Dump After dce //----- //\n" + afterDce + "\n");
  CHECK(ir::printGraph(*g) == afterDce);
}

TEST_CASE("print-after prints only after the named passes") {
  TestRegistry r;
  PassManager pm({}, &r.registry);
  REQUIRE(pm.addPipeline("cse,dce,nothing").ok());
  std::ostringstream os;
  pm.setOutputStream(os);
  pm.instrumentation().printAfter = {"dce", "nothing"};
  auto g = parse(kGraph);
  REQUIRE(pm.run(*g).ok());
  std::string printed = ir::printGraph(*g);
  CHECK(os.str() == "// -----// IR Dump After dce //----- //\n" + printed + "\n" +
                        "// -----// IR Dump After nothing //----- //\n" + printed + "\n");
}

TEST_CASE("print-changed prints only after the passes that changed the IR") {
  TestRegistry r;
  auto run = [&](bool printAfterAll) {
    PassManager pm({}, &r.registry);
    REQUIRE(pm.addPipeline("nothing,cse,nothing,dce,dce").ok());
    std::ostringstream os;
    pm.setOutputStream(os);
    pm.instrumentation().printChanged = true;
    pm.instrumentation().printAfterAll = printAfterAll;
    auto g = parse(kGraph);
    REQUIRE(pm.run(*g).ok());
    return os.str();
  };
  for (bool all : {false, true}) {
    std::string out = run(all);
    CHECK(out.find("After cse ") != std::string::npos);
    CHECK(out.find("After dce ") != std::string::npos);
    CHECK(out.find("After nothing") == std::string::npos);
    // The second dce changes nothing.
    CHECK(out.find("After dce ") == out.rfind("After dce "));
  }
}

TEST_CASE("instrumentation callbacks run in order around every pass") {
  TestRegistry r;
  PassManager pm({}, &r.registry);
  REQUIRE(pm.addPipeline("dce,cse").ok());
  std::vector<std::string> events;
  size_t nodesBeforeCse = 0;
  pm.addCallbacks(
      [&](const PassInfo &p, const ir::Graph &g) {
        events.push_back("A before " + p.name);
        if (p.name == "cse")
          nodesBeforeCse = g.nodeCount();
      },
      [&](const PassInfo &p, const ir::Graph &) { events.push_back("A after " + p.name); });
  pm.addCallbacks(
      [&](const PassInfo &p, const ir::Graph &) { events.push_back("B before " + p.name); },
      [&](const PassInfo &p, const ir::Graph &) { events.push_back("B after " + p.name); });
  auto g = parse(kGraph);
  size_t initial = g->nodeCount();
  REQUIRE(pm.run(*g).ok());
  CHECK(events == std::vector<std::string>{"A before dce", "B before dce", "A after dce",
                                           "B after dce", "A before cse", "B before cse",
                                           "A after cse", "B after cse"});
  CHECK(nodesBeforeCse == initial - 1); // dce removed the relu before cse ran
}

TEST_CASE("dump-dir writes the input and one numbered file per pass") {
  fs::path dir = fs::temp_directory_path() /
                 ("ts2onnx-dump-" +
                  std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  TestRegistry r;
  PassManager pm({}, &r.registry);
  REQUIRE(pm.addPipeline("dce,cse,dce").ok());
  pm.instrumentation().dumpDir = (dir / "nested").string();
  auto g = parse(kGraph);
  REQUIRE(pm.run(*g).ok());
  std::vector<std::string> names;
  for (const auto &e : fs::directory_iterator(dir / "nested"))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names ==
        std::vector<std::string>{"00-input.txt", "01-dce.txt", "02-cse.txt", "03-dce.txt"});
  CHECK(readFile(dir / "nested" / "00-input.txt") == kGraph);
  CHECK(readFile(dir / "nested" / "03-dce.txt") == ir::printGraph(*g));
  fs::remove_all(dir);
}

TEST_CASE("time-passes prints a row per pass and the total") {
  TestRegistry r;
  PassManager pm({}, &r.registry);
  REQUIRE(pm.addPipeline("dce,cse").ok());
  std::ostringstream os;
  pm.setOutputStream(os);
  pm.instrumentation().timePasses = true;
  auto g = parse(kGraph);
  REQUIRE(pm.run(*g).ok());
  std::string out = os.str();
  CHECK(out.find("Pass execution timing report") != std::string::npos);
  CHECK(out.find("%)  dce\n") != std::string::npos);
  CHECK(out.find("%)  cse\n") != std::string::npos);
  CHECK(out.find("(100.0%)  Total\n") != std::string::npos);
}

TEST_CASE("passes read the options given to the pass manager") {
  PassRegistry registry;
  int seenOpset = 0;
  std::string seenExtra;
  REQUIRE(registry
              .registerPass("read-options", "",
                            [&](ir::Graph &, const PassOptions &o) {
                              seenOpset = o.targetOpset;
                              seenExtra = o.get("read-options.mode").value_or("unset");
                              return absl::OkStatus();
                            })
              .ok());
  PassOptions options;
  options.targetOpset = 13;
  options.extra["read-options.mode"] = "fast";
  PassManager pm(options, &registry);
  REQUIRE(pm.addPass("read-options").ok());
  auto g = parse(kGraph);
  REQUIRE(pm.run(*g).ok());
  CHECK(seenOpset == 13);
  CHECK(seenExtra == "fast");
}
