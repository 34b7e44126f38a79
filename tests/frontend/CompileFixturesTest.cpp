// The frontend against torch itself: for every fixture archive, the inlined `forward` we compile
// has the same node kinds, with the same counts, as torch's own `inlined_graph` printout of the
// reloaded archive (fixtures/<name>/graph.txt), prim::Constant aside. Torch's printout is parsed
// with our IR parser, whose own tests compare it byte for byte with torch's text. A fixture that
// calls custom operators lists their schemas in custom_schemas.txt; they are registered first,
// as an embedder would.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "frontend/Archive.h"
#include "frontend/schema/Schema.h"
#include "ir/Parser.h"
#include "ir/Verifier.h"

namespace fs = std::filesystem;
using namespace ts2onnx;

namespace {

std::string readFile(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void histogram(const ir::Block &b, std::map<std::string, int> &h) {
  for (const ir::Node *n : b.nodes()) {
    if (n->kind() != ir::prim::Constant)
      ++h[n->kind().qualString()];
    for (const ir::Block *sub : n->blocks())
      histogram(*sub, h);
  }
}

std::string diffHistograms(const std::map<std::string, int> &ours,
                           const std::map<std::string, int> &torch) {
  std::string out;
  std::map<std::string, std::pair<int, int>> all;
  for (auto &[k, v] : ours)
    all[k].first = v;
  for (auto &[k, v] : torch)
    all[k].second = v;
  for (auto &[k, v] : all)
    if (v.first != v.second)
      out += "  " + k + ": ours " + std::to_string(v.first) + ", torch " +
             std::to_string(v.second) + "\n";
  return out;
}

std::vector<fs::path> fixtureArchives(const fs::path &root) {
  std::vector<fs::path> out;
  for (auto &e : fs::directory_iterator(root))
    if (fs::exists(e.path() / "model.pt") && fs::exists(e.path() / "graph.txt"))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Compiles `forward` of every fixture under root and compares its node histogram with torch's
// graph.txt; every fixture but the known gaps must match.
void checkHistograms(const fs::path &root, const std::set<std::string> &knownGaps,
                     size_t minFixtures) {
  auto fixtures = fixtureArchives(root);
  REQUIRE(fixtures.size() >= minFixtures);
  int matched = 0;
  std::string failures, gaps;
  for (const fs::path &dir : fixtures) {
    std::string name = dir.filename().string();
    if (fs::exists(dir / "custom_schemas.txt")) {
      std::istringstream schemas(readFile(dir / "custom_schemas.txt"));
      for (std::string line; std::getline(schemas, line);)
        if (!line.empty()) {
          // The same custom operator may be in both sets (registered once).
          auto schema = frontend::parseSchema(line);
          REQUIRE(schema.ok());
          if (!frontend::SchemaRegistry::builtin().lookupFullName(schema->fullName()))
            REQUIRE(frontend::SchemaRegistry::builtin().registerSchema(line).ok());
        }
    }
    auto archive = frontend::Archive::open((dir / "model.pt").string());
    if (!archive.ok()) {
      failures += name + ": open: " + std::string(archive.status().message()) + "\n";
      continue;
    }
    auto graph = (*archive)->compileMethod("forward");
    if (!graph.ok()) {
      failures += name + ": compile: " + std::string(graph.status().message()) + "\n";
      continue;
    }
    absl::Status v = ir::verify(**graph);
    if (!v.ok()) {
      failures += name + ": " + std::string(v.message()) + "\n";
      continue;
    }
    auto torchGraph = ir::parseGraph(readFile(dir / "graph.txt"), (dir / "graph.txt").string());
    REQUIRE_MESSAGE(torchGraph.ok(), torchGraph.status().message());
    CHECK((*graph)->inputs().size() == (*torchGraph)->inputs().size());
    std::map<std::string, int> ours, torch;
    histogram(*(*graph)->block(), ours);
    histogram(*(*torchGraph)->block(), torch);
    std::string diff = diffHistograms(ours, torch);
    if (diff.empty()) {
      ++matched;
      continue;
    }
    if (knownGaps.count(name))
      gaps += name + ":\n" + diff;
    else
      failures += name + ": node kinds differ:\n" + diff;
  }
  INFO(failures);
  CHECK(failures.empty());
  MESSAGE(matched << " of " << fixtures.size() << " fixtures of " << root.filename().string()
                  << " match torch's node histogram");
  if (!gaps.empty())
    MESSAGE("known differences:\n" << gaps);
}

} // namespace

// Fixtures whose histogram still differs from torch's (none today). Every other fixture,
// including new ones, must match exactly; closing a gap removes its name here.
const std::set<std::string> kKnownGaps = {};

TEST_CASE(
    "every fixture compiles and has exactly torch's node kinds and counts, but the known gaps") {
  checkHistograms(fs::path(TS2ONNX_SOURCE_DIR) / "fixtures", kKnownGaps, 20);
}

// The same for the archives torch 2.9.1 wrote (fixtures/torch-2.9, fixtures/generate_set.py),
// against torch 2.9.1's own inlined_graph of each.
const std::set<std::string> kKnownGapsTorch29 = {};

TEST_CASE("every torch 2.9 fixture compiles and has exactly torch 2.9's node kinds and counts, "
          "but the known gaps") {
  checkHistograms(fs::path(TS2ONNX_SOURCE_DIR) / "fixtures" / "torch-2.9", kKnownGapsTorch29, 50);
}

// What torch 2.9.1 writes that 1.13 did not (fixtures/generate_torch2.py): `byteorder`,
// `.data/serialization_id`, an `extra/` record, traced_inputs for traces; buffers that view one
// storage at an offset and a float16 buffer read back with torch's values.
TEST_CASE("torch 2.9 archives: 2.x records, a buffer viewing another's storage, float16") {
  for (const char *name : {"format2x_scripted", "format2x_traced"}) {
    CAPTURE(name);
    fs::path dir = fs::path(TS2ONNX_SOURCE_DIR) / "fixtures" / "torch-2.9" / name;
    auto archive = frontend::Archive::open((dir / "model.pt").string());
    REQUIRE_MESSAGE(archive.ok(), archive.status().message());
    const frontend::ZipArchive &zip = (*archive)->zip();
    CHECK((*archive)->version() == 3);
    CHECK(zip.readString("byteorder").value_or("") == "little");
    auto id = zip.readString(".data/serialization_id");
    REQUIRE(id.ok());
    CHECK(id->size() == 40);
    CHECK(zip.readString("extra/notes.txt").value_or("") ==
          "written by fixtures/generate_torch2.py\n");
    CHECK(zip.has("traced_inputs.pkl") == (std::string(name) == "format2x_traced"));

    const frontend::Object &root = (*archive)->root().toObject();
    const frontend::IValue *a = root.attr("a"), *v = root.attr("v"), *h = root.attr("h");
    REQUIRE((a && v && h));
    const ir::Tensor &ta = a->toTensor().tensor, &tv = v->toTensor().tensor;
    CHECK(ta.sizes() == std::vector<int64_t>{12});
    CHECK(tv.sizes() == std::vector<int64_t>{2, 3});
    CHECK(tv.storageOffset() == 3);
    CHECK(tv.storage() == ta.storage());
    // torch.linspace(-1, 1, 12)[3:9]
    for (int64_t i = 0; i < 6; ++i)
      CHECK(tv.doubleAt(i) == doctest::Approx(-1.0 + 2.0 * double(3 + i) / 11.0).epsilon(1e-6));
    CHECK(h->toTensor().tensor.dtype() == ir::ScalarType::Float16);
    auto g = (*archive)->compileMethod("forward");
    CHECK_MESSAGE(g.ok(), g.status().message());
  }
}
