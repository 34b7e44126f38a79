// Every graph torch printed for us (fixtures/*/graph*.txt, fixtures/graphs/*.txt and
// tests/ir/data/*.txt) must parse, verify, and print back byte for byte.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

namespace fs = std::filesystem;
using namespace ts2onnx::ir;

namespace {

std::string readFile(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> torchPrintedGraphs() {
  std::vector<fs::path> out;
  fs::path root(TS2ONNX_SOURCE_DIR);
  auto addDir = [&](const fs::path &dir, bool graphPrefixOnly) {
    if (!fs::is_directory(dir))
      return;
    for (const auto &e : fs::directory_iterator(dir)) {
      std::string name = e.path().filename().string();
      if (e.is_regular_file() && e.path().extension() == ".txt" &&
          (!graphPrefixOnly || name.rfind("graph", 0) == 0))
        out.push_back(e.path());
    }
  };
  if (fs::is_directory(root / "fixtures"))
    for (const auto &e : fs::directory_iterator(root / "fixtures"))
      if (e.is_directory())
        addDir(e.path(), e.path().filename() != "graphs");
  addDir(root / "tests/ir/data", false);
  std::sort(out.begin(), out.end());
  return out;
}

// The node kinds in the text, found by a plain line scan independent of the parser: the first
// `ns::name` after `= ` on a line. Nodes printed as `kind_N` whose subgraph follows as
// `with kind_N = graph(...)` count as `kind`.
bool isIdent(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// `ns::name` followed by `[` or `(` at `p`, or empty.
std::string kindAt(const std::string &line, size_t p) {
  size_t q = p;
  while (q < line.size() && isIdent(line[q]))
    ++q;
  if (q == p || std::isdigit(static_cast<unsigned char>(line[p])) || line.compare(q, 2, "::") != 0)
    return {};
  size_t r = q + 2;
  while (r < line.size() && isIdent(line[r]))
    ++r;
  if (r == q + 2 || r >= line.size() || (line[r] != '[' && line[r] != '('))
    return {};
  return line.substr(p, r - p);
}

std::map<std::string, int> scanKinds(const std::string &text) {
  std::map<std::string, int> counts;
  std::vector<std::string> grouped;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("with ", 0) == 0) {
      grouped.push_back(line.substr(5, line.find(" = graph(") - 5));
      continue;
    }
    size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos || (line[first] != '%' && line[first] != '='))
      continue;
    for (size_t eq = line.find("= ", first); eq != std::string::npos;
         eq = line.find("= ", eq + 1)) {
      std::string kind = kindAt(line, eq + 2);
      if (!kind.empty()) {
        ++counts[kind];
        break;
      }
    }
  }
  for (const std::string &g : grouped) {
    auto it = counts.find(g);
    if (it == counts.end())
      continue;
    counts[g.substr(0, g.rfind('_'))] += it->second;
    counts.erase(it);
  }
  return counts;
}

void countKinds(const Block *b, std::map<std::string, int> &counts) {
  for (const Node *n : b->nodes()) {
    ++counts[n->kind().qualString()];
    for (const Block *sub : n->blocks())
      countKinds(sub, counts);
    if (const AttributeValue *a = n->attribute(Symbol::attr("Subgraph")))
      if (auto g = a->get<std::shared_ptr<Graph>>())
        countKinds(g->block(), counts);
  }
}

std::string firstDifference(const std::string &a, const std::string &b) {
  std::istringstream ia(a), ib(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool ga = static_cast<bool>(std::getline(ia, la));
    bool gb = static_cast<bool>(std::getline(ib, lb));
    if (!ga && !gb)
      return "(only trailing bytes differ)";
    if (!ga || !gb || la != lb)
      return "line " + std::to_string(line) + ":\n  torch:   " + (ga ? la : "<eof>") +
             "\n  printed: " + (gb ? lb : "<eof>");
  }
}

} // namespace

TEST_CASE("torch-printed graphs are present") {
  // tests/ir/data is committed; fixtures come from fixtures/generate.py.
  CHECK(torchPrintedGraphs().size() >= 5);
}

TEST_CASE("every torch-printed graph parses, verifies and prints back byte for byte") {
  for (const fs::path &p : torchPrintedGraphs()) {
    INFO("file: ", p.string());
    std::string text = readFile(p);
    auto g = parseGraph(text, p.string());
    REQUIRE_MESSAGE(g.ok(), g.status().message());
    absl::Status v = verify(**g);
    CHECK_MESSAGE(v.ok(), v.message());
    std::string printed = printGraph(**g);
    CHECK_MESSAGE(printed == text, firstDifference(text, printed));
  }
}

TEST_CASE("the parsed node-kind histogram matches a plain scan of the text") {
  for (const fs::path &p : torchPrintedGraphs()) {
    INFO("file: ", p.string());
    std::string text = readFile(p);
    auto g = parseGraph(text, p.string());
    REQUIRE(g.ok());
    std::map<std::string, int> parsed;
    countKinds((*g)->block(), parsed);
    std::map<std::string, int> scanned = scanKinds(text);
    CHECK(parsed == scanned);
    CHECK(!scanned.empty());
  }
}

TEST_CASE("a cloned torch graph prints like the original") {
  for (const fs::path &p : torchPrintedGraphs()) {
    INFO("file: ", p.string());
    std::string text = readFile(p);
    auto g = parseGraph(text, p.string());
    REQUIRE(g.ok());
    auto c = (*g)->clone();
    CHECK(verify(*c).ok());
    CHECK(printGraph(*c) == text);
  }
}
