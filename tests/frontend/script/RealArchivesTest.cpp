// Parses the `code/` files of every real-world archive in shared/real-archives and of every
// fixture (read through the zip reader), and the files extracted into
// tests/frontend/script/data/:
//   data/generated/constructs/code/  from data/generated/constructs.py (torch 1.13): enum,
//                                    NamedTuple, interface, fork, with, comprehensions, ...
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "doctest/doctest.h"
#include "frontend/ZipArchive.h"
#include "frontend/script/Parser.h"

namespace ts2onnx::frontend::script {
namespace {

namespace fs = std::filesystem;

const fs::path kDataDir = fs::path(TS2ONNX_SOURCE_DIR) / "tests/frontend/script/data";
const fs::path kRealArchives = fs::path(TS2ONNX_SHARED_DIR) / "real-archives";

std::string readFile(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> pythonFiles(const fs::path &root) {
  std::vector<fs::path> out;
  if (!fs::exists(root))
    return out;
  for (const auto &entry : fs::recursive_directory_iterator(root))
    if (entry.is_regular_file() && entry.path().extension() == ".py")
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// A code record of one of ../shared/real-archives, read through the zip reader.
Module parseReal(const std::string &archive, const std::string &record) {
  auto zip = ts2onnx::frontend::ZipArchive::open((kRealArchives / archive).string());
  REQUIRE_MESSAGE(zip.ok(), zip.status().ToString());
  auto text = (*zip)->readString(record);
  REQUIRE_MESSAGE(text.ok(), text.status().ToString());
  auto m = parseModule(*text, archive + ":" + record);
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  return std::move(m).value();
}

Module parseFile(const fs::path &path) {
  std::string name = fs::relative(path, kDataDir).generic_string();
  auto m = parseModule(readFile(path), name);
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  return std::move(m).value();
}

// Every ClassDef / FunctionDef in the tree, nested ones included.
void countDefs(const Block &block, size_t &classes, size_t &defs) {
  for (const StmtPtr &s : block) {
    if (const auto *c = dynCast<ClassDef>(s.get())) {
      ++classes;
      countDefs(c->body, classes, defs);
    } else if (const auto *d = dynCast<FunctionDef>(s.get())) {
      ++defs;
      countDefs(d->body, classes, defs);
    } else if (const auto *i = dynCast<IfStmt>(s.get())) {
      countDefs(i->thenBody, classes, defs);
      countDefs(i->elseBody, classes, defs);
    } else if (const auto *w = dynCast<WhileStmt>(s.get())) {
      countDefs(w->body, classes, defs);
    } else if (const auto *f = dynCast<ForStmt>(s.get())) {
      countDefs(f->body, classes, defs);
    } else if (const auto *w2 = dynCast<WithStmt>(s.get())) {
      countDefs(w2->body, classes, defs);
    }
  }
}

// The same counts taken from the text, independently of the parser.
size_t countLines(const std::string &text, const std::regex &re) {
  size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (std::regex_search(line, re))
      ++n;
  return n;
}

void checkText(const std::string &name, const std::string &text) {
  CAPTURE(name);
  const std::regex classLine("^ *class ");
  const std::regex defLine("^ *def ");
  auto parsed = parseModule(text, name);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
  size_t classes = 0, defs = 0;
  countDefs(parsed->body, classes, defs);
  CHECK(classes == countLines(text, classLine));
  CHECK(defs == countLines(text, defLine));
  std::string once = printModule(*parsed);
  auto again = parseModule(once, "reprinted.py");
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  CHECK(printModule(*again) == once);
}

/// Checks every code/*.py record of an archive; returns how many there were.
size_t checkArchiveCode(const fs::path &archive) {
  auto zip = ts2onnx::frontend::ZipArchive::open(archive.string());
  REQUIRE_MESSAGE(zip.ok(), zip.status().ToString());
  size_t files = 0;
  for (const std::string &record : (*zip)->records()) {
    if (record.rfind("code/", 0) != 0 || record.size() < 3 ||
        record.substr(record.size() - 3) != ".py")
      continue;
    auto text = (*zip)->readString(record);
    REQUIRE_MESSAGE(text.ok(), text.status().ToString());
    checkText(archive.string() + ":" + record, *text);
    ++files;
  }
  return files;
}

void checkCorpus(const fs::path &root, size_t minFiles) {
  auto files = pythonFiles(root);
  CHECK(files.size() >= minFiles);
  for (const fs::path &path : files)
    checkText(fs::relative(path, kDataDir).generic_string(), readFile(path));
}

TEST_CASE("every code file of the real archives parses and reprints to a fixed point") {
  size_t files = 0;
  for (const auto &entry : fs::directory_iterator(kRealArchives))
    if (entry.path().filename() != "SOURCES.txt")
      files += checkArchiveCode(entry.path());
  CHECK(files == 52);
}

TEST_CASE("every code file of the fixtures parses and reprints to a fixed point") {
  // Read straight from the fixture archives (code/ members are deflated zip entries).
  size_t files = 0;
  for (const auto &entry : fs::directory_iterator(fs::path(TS2ONNX_SOURCE_DIR) / "fixtures"))
    if (fs::exists(entry.path() / "model.pt"))
      files += checkArchiveCode(entry.path() / "model.pt");
  CHECK(files >= 100);
}

TEST_CASE("torch 1.13 output with rarer constructs parses and reprints to a fixed point") {
  checkCorpus(kDataDir / "generated/constructs", 6);
}

TEST_CASE("torch 1.13 output: enum, interface, fork closure, with and a free function") {
  Module m = parseFile(kDataDir / "generated/constructs/code/__torch__.py");
  auto classes = m.classes();
  REQUIRE(classes.size() == 5);
  CHECK(classes[0]->name == "M");
  CHECK(classes[2]->name == "OneArg");
  CHECK(*dottedName(*classes[2]->bases[0]) == "ModuleInterface");
  CHECK(classes[3]->name == "Color");
  CHECK(*dottedName(*classes[3]->bases[0]) == "Enum");
  CHECK(classes[4]->bases.empty()); // class Box:
  REQUIRE(m.functions().size() == 1);
  CHECK(m.functions()[0]->name == "helper");

  auto methods = classes[0]->methods();
  REQUIRE(methods.size() == 2);
  const FunctionDef &fwd = *methods[0];
  CHECK(*typeExprToString(*fwd.params[2].type) == "__torch__.Color");
  const auto *closure = dynCast<FunctionDef>(fwd.body[0].get());
  REQUIRE(closure);
  CHECK(closure->name == "__forked_function");
  bool sawWith = false;
  for (const StmtPtr &s : fwd.body)
    if (const auto *w = dynCast<WithStmt>(s.get())) {
      sawWith = true;
      CHECK(printExpr(*w->items[0].expr) == "_0");
      CHECK(w->range.line == 21);
    }
  CHECK(sawWith);
  CHECK(printStmt(*classes[0]->body[8]) == "names : Final[Tuple[str, str]] = (\"a\", \"b\")\n");
}

TEST_CASE("real archive: java-demo (torch ~1.3) keeps op_version_set and one class") {
  Module m = parseReal("java-demo_demo-model.pt1", "code/__torch__.py");
  REQUIRE(m.opVersionSet.has_value());
  CHECK(*m.opVersionSet == 1);
  auto classes = m.classes();
  REQUIRE(classes.size() == 1);
  CHECK(classes[0]->name == "DemoModule");
  auto methods = classes[0]->methods();
  REQUIRE(methods.size() == 1);
  REQUIRE(methods[0]->params.size() == 3);
  CHECK(*typeExprToString(*methods[0]->params[2].type) == "float");
}

TEST_CASE("real archive: legacy ocaml foo3 is a top-level forward with a loop") {
  Module m = parseReal("ocaml-torch_foo3_ad935db5.pt", "code/foo3.py");
  CHECK(*m.opVersionSet == 0);
  CHECK(m.classes().empty());
  auto fns = m.functions();
  REQUIRE(fns.size() == 1);
  CHECK(fns[0]->name == "forward");
  REQUIRE(fns[0]->body.size() == 4);
  const auto *loop = dynCast<ForStmt>(fns[0]->body[2].get());
  REQUIRE(loop);
  CHECK(loop->range.line == 6);
  CHECK(loop->range.column == 3);
  REQUIRE(loop->body.size() == 2);
  CHECK(loop->body[0]->kind == StmtKind::If);
}

TEST_CASE("real archive: quantized mobilenet declares hoisted packed params") {
  Module m = parseReal("ios_mobilenet_quantized_74b5c6d3.pt",
                       "code/__torch__/"
                       "torchvision/models/quantization/mobilenet/___torch_mangle_1363.py");
  auto classes = m.classes();
  REQUIRE(classes.size() == 1);
  size_t annotations = 0;
  std::string firstKey;
  for (const StmtPtr &s : classes[0]->body) {
    const auto *a = dynCast<AssignStmt>(s.get());
    if (!a)
      continue;
    const auto *sub = dynCast<SubscriptExpr>(a->targets[0].get());
    if (!sub || !isa<NameExpr>(sub->value.get()) ||
        dynCast<NameExpr>(sub->value.get())->name != "__annotations__")
      continue;
    if (annotations++ == 0) {
      firstKey = dynCast<StringLiteral>(sub->indices[0].get())->value;
      CHECK(*typeExprToString(*a->value) ==
            "__torch__.torch.classes.quantized.Conv2dPackedParamsBase");
    }
  }
  CHECK(annotations == 52); // grep -c '__annotations__\['
  CHECK(firstKey.rfind("_jit_pass_hoist_conv_packed_params.features.", 0) == 0);
  CHECK(classes[0]->methods().size() == 1);
}

TEST_CASE("real archive: d2go forward returns a nested container type") {
  Module m = parseReal("ios_d2go_optimized.pt", "code/__torch__/___torch_mangle_636.py");
  auto classes = m.classes();
  REQUIRE(classes.size() == 1);
  CHECK(classes[0]->name == "Wrapper");
  auto methods = classes[0]->methods();
  REQUIRE(methods.size() == 1);
  CHECK(*typeExprToString(*methods[0]->returnType) ==
        "Tuple[List[Tensor], List[Dict[str, Tensor]]]");
  CHECK(*typeExprToString(*methods[0]->params[1].type) == "List[Tensor]");
}

TEST_CASE("real archive: colvars Linear has Final constants and metatensor has no methods") {
  Module lin = parseReal("colvars_ae_cpu.pt", "code/__torch__/torch/nn/modules/linear.py");
  REQUIRE(lin.classes().size() == 1);
  std::vector<std::string> finals;
  for (const StmtPtr &s : lin.classes()[0]->body)
    if (const auto *a = dynCast<AnnAssignStmt>(s.get()); a && a->value)
      finals.push_back(printStmt(*a));
  REQUIRE(finals.size() == 2);
  CHECK(finals[0] == "in_features : Final[int] = 30\n");
  CHECK(finals[1] == "out_features : Final[int] = 20\n");

  Module mt = parseReal("metatensor_test-module.pt", "code/__torch__.py");
  auto classes = mt.classes();
  CHECK(classes.size() == 6);
  for (const ClassDef *c : classes)
    CHECK(c->methods().empty());

  Module empty = parseReal("metatensor_test-module.pt", "code/__torch__/torch/"
                                                        "classes/metatensor.py");
  CHECK(empty.body.empty());
}

TEST_CASE("real archive: deepar lambda layer has four forward variants") {
  Module m = parseReal("djl_deepar_73441d4a.pt", "code/__torch__/gluonts/torch/"
                                                 "modules/lambda_layer.py");
  REQUIRE(m.classes().size() == 1);
  auto methods = m.classes()[0]->methods();
  REQUIRE(methods.size() == 4);
  CHECK(methods[3]->name == "forward3");
  CHECK(*typeExprToString(*methods[3]->returnType) == "Tuple[Tensor, Tensor]");
  CHECK(methods[3]->params[1].name == "argument_1");
}

} // namespace
} // namespace ts2onnx::frontend::script
