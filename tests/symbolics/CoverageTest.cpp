// Which aten ops have a symbolic at which opsets: printed as a table (run the test with -s),
// compared with the reviewed listing tests/symbolics/symbolic_coverage.txt (so a gap or a change
// of the table shows in review), and the ops the brief requires asserted at opsets 11, 13 and 17.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "symbolics/SymbolicRegistry.h"

namespace ts2onnx::symbolics {
namespace {

const char *const kRequired[] = {
    // convolution, normalization, linear algebra
    "aten::conv1d", "aten::conv2d", "aten::conv3d", "aten::_convolution", "aten::conv_transpose2d",
    "aten::batch_norm", "aten::layer_norm", "aten::group_norm", "aten::instance_norm",
    "aten::linear", "aten::addmm", "aten::matmul", "aten::bmm", "aten::mm", "aten::t",
    // activations
    "aten::relu", "aten::relu6", "aten::hardtanh", "aten::gelu", "aten::silu", "aten::hardswish",
    "aten::hardsigmoid", "aten::sigmoid", "aten::tanh", "aten::softmax", "aten::log_softmax",
    "aten::leaky_relu", "aten::elu",
    // pooling
    "aten::max_pool1d", "aten::max_pool2d", "aten::max_pool3d", "aten::avg_pool1d",
    "aten::avg_pool2d", "aten::avg_pool3d", "aten::adaptive_avg_pool1d",
    "aten::adaptive_avg_pool2d", "aten::adaptive_avg_pool3d", "aten::adaptive_max_pool2d",
    // shapes and indexing
    "aten::flatten", "aten::view", "aten::reshape", "aten::permute", "aten::transpose",
    "aten::squeeze", "aten::unsqueeze", "aten::cat", "aten::stack", "aten::split",
    "aten::split_with_sizes", "aten::chunk", "aten::slice", "aten::select", "aten::index_select",
    "aten::index", "aten::expand", "aten::expand_as", "aten::repeat", "aten::gather",
    "aten::contiguous", "aten::embedding",
    // arithmetic, comparisons, logic
    "aten::add", "aten::sub", "aten::rsub", "aten::mul", "aten::div", "aten::floor_divide",
    "aten::pow", "aten::sqrt", "aten::rsqrt", "aten::exp", "aten::log", "aten::erf", "aten::neg",
    "aten::abs", "aten::reciprocal", "aten::floor", "aten::ceil", "aten::sign", "aten::clamp",
    "aten::clamp_min", "aten::clamp_max", "aten::eq", "aten::ne", "aten::lt", "aten::le",
    "aten::gt", "aten::ge", "aten::where", "aten::masked_fill",
    // reductions
    "aten::sum", "aten::mean", "aten::amax", "aten::amin", "aten::max", "aten::min", "aten::argmax",
    "aten::norm", "aten::frobenius_norm",
    // resampling and padding
    "aten::upsample_nearest2d", "aten::upsample_bilinear2d", "aten::constant_pad_nd",
    "aten::reflection_pad2d", "aten::pad",
    // runtime ints, lists, dtypes, creation
    "aten::size", "aten::dim", "aten::numel", "aten::Int", "aten::Float", "prim::NumToTensor",
    "prim::ListUnpack", "aten::__getitem__", "aten::len", "aten::to", "aten::type_as",
    "aten::zeros", "aten::ones", "aten::full", "aten::zeros_like", "aten::ones_like",
    "aten::full_like", "aten::arange", "aten::dropout",
    // recurrent layers
    "aten::lstm", "aten::gru", "aten::rnn_tanh", "aten::rnn_relu"};

TEST_CASE("symbolic coverage: every required aten op converts at opsets 11, 13 and 17") {
  SymbolicRegistry &r = SymbolicRegistry::global();
  for (const char *op : kRequired)
    for (int opset : {11, 13, 17}) {
      INFO(op << " at opset " << opset);
      CHECK(r.lookup(op, opset) != nullptr);
    }
}

TEST_CASE("symbolic coverage table lists each op with the opsets of its entries") {
  SymbolicRegistry &r = SymbolicRegistry::global();
  std::ostringstream table;
  table << "op | opsets with an entry (newest <= target is used)\n";
  size_t n = 0;
  for (const std::string &op : r.ops()) {
    table << op << " |";
    for (int v : r.opsetsOf(op))
      table << ' ' << v;
    table << '\n';
    ++n;
  }
  MESSAGE(table.str());
  CHECK(n >= 150);
  // Versioned entries where the ONNX form changed.
  CHECK(r.opsetsOf("aten::max_pool2d") == std::vector<int>{9, 10});
  CHECK(r.opsetsOf("aten::upsample_bilinear2d") == std::vector<int>{9, 10, 11});
  CHECK(r.opsetsOf("aten::le") == std::vector<int>{9, 12});
  CHECK(r.opsetsOf("aten::softmax") == std::vector<int>{9, 13});
  CHECK(r.opsetsOf("aten::hardswish") == std::vector<int>{9, 14});
  CHECK(r.opsetsOf("aten::layer_norm") == std::vector<int>{9, 17});
  CHECK(r.lookup("aten::gather", 9) == nullptr);
  CHECK(r.lookup("aten::grid_sampler", 15) == nullptr);
  CHECK(r.lookup("aten::grid_sampler", 16) != nullptr);
}

/// One line per op with a builtin entry: `aten::op: 9 11` (the opsets of its entries).
std::string coverageListing(const SymbolicRegistry &r) {
  std::ostringstream out;
  for (const std::string &op : r.ops()) {
    out << op << ':';
    for (int v : r.opsetsOf(op))
      out << ' ' << v;
    out << '\n';
  }
  return out.str();
}

TEST_CASE("symbolic coverage listing matches tests/symbolics/symbolic_coverage.txt") {
  // Regenerate with UPDATE_GOLDENS=1 and review the diff: every added, removed or re-versioned
  // symbolic shows there.
  const std::string path =
      std::string(TS2ONNX_SOURCE_DIR) + "/tests/symbolics/symbolic_coverage.txt";
  const std::string actual = coverageListing(SymbolicRegistry::global());
  if (const char *u = std::getenv("UPDATE_GOLDENS"); u && std::string(u) == "1") {
    std::ofstream(path) << actual;
    return;
  }
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "missing " << path << " (run with UPDATE_GOLDENS=1)");
  std::stringstream expected;
  expected << in.rdbuf();
  // Line by line, so that a failure names the ops that changed.
  std::istringstream a(actual), e(expected.str());
  std::string al, el;
  size_t line = 0;
  while (true) {
    bool ha = bool(std::getline(a, al)), he = bool(std::getline(e, el));
    ++line;
    if (!ha && !he)
      break;
    if (!ha)
      al = "<end of the registry>";
    if (!he)
      el = "<end of the listing>";
    INFO("line " << line);
    CHECK(al == el);
    if (!ha || !he || al != el)
      break;
  }
}

} // namespace
} // namespace ts2onnx::symbolics

namespace ts2onnx::symbolics {
namespace {

/// `op rest-of-line` rows of a listing under tests/symbolics (`#` comments).
std::map<std::string, std::string> readListing(const std::string &name) {
  std::map<std::string, std::string> rows;
  std::ifstream in(std::string(TS2ONNX_SOURCE_DIR) + "/tests/symbolics/" + name);
  REQUIRE_MESSAGE(in.good(), "cannot read tests/symbolics/" << name);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    size_t space = line.find_first_of(" \t");
    std::string op = line.substr(0, space);
    std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
    rows[op] = rest.substr(std::min(rest.size(), rest.find_first_not_of(" \t")));
  }
  return rows;
}

} // namespace

TEST_CASE("symbolic coverage: every op of torch 1.13's ONNX registry converts here or has a "
          "written reason") {
  SymbolicRegistry &r = SymbolicRegistry::global();
  std::map<std::string, std::string> torchOps = readListing("torch-1.13-symbolics.txt");
  std::map<std::string, std::string> reasons = readListing("torch-symbolics-reasons.txt");
  CHECK(torchOps.size() >= 300);
  std::string missing, stale;
  for (const auto &[op, opset] : torchOps) {
    bool here = !r.opsetsOf(op).empty();
    auto reason = reasons.find(op);
    if (!here && reason == reasons.end())
      missing += "\n  " + op + " (torch from opset " + opset + ")";
    if (here && reason != reasons.end())
      stale += "\n  " + op;
    if (reason != reasons.end())
      CHECK_MESSAGE(!reason->second.empty(), op << " is listed without a reason");
  }
  for (const auto &[op, reason] : reasons)
    if (!torchOps.count(op))
      stale += "\n  " + op + " (not in torch's registry)";
  CHECK_MESSAGE(missing.empty(), "ops torch 1.13 converts with no symbolic here and no reason in "
                                 "tests/symbolics/torch-symbolics-reasons.txt:"
                                     << missing);
  CHECK_MESSAGE(stale.empty(), "tests/symbolics/torch-symbolics-reasons.txt gives a reason for "
                               "ops that need none (remove these lines):"
                                   << stale);
}

} // namespace ts2onnx::symbolics
