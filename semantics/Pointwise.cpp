#include "semantics/Pointwise.h"

#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "semantics/Promotion.h"

namespace ts2onnx::semantics {

std::string_view pointwiseTableText(); // PointwiseData.cpp, generated

namespace {

using Table = absl::flat_hash_map<ir::Symbol, PointwiseRule>;

/// `aten::op N rule` lines; "promote" and "promote_float" are the two-operand names of "same"
/// and "float".
Table parse() {
  Table t;
  std::istringstream in{std::string(pointwiseTableText())};
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream fields(line);
    std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
    if (f.size() != 3)
      continue;
    PointwiseRule r;
    r.operands = f[1] == "2" ? 2 : 1;
    if (f[2] == "bool")
      r.result = PointwiseRule::Result::Bool;
    else if (f[2] == "float" || f[2] == "promote_float")
      r.result = PointwiseRule::Result::Float;
    else
      r.result = PointwiseRule::Result::Same;
    t[ir::Symbol::fromQualString(f[0])] = r;
  }
  return t;
}

} // namespace

ir::ScalarType PointwiseRule::apply(ir::ScalarType promoted) const {
  switch (result) {
  case Result::Bool:
    return ir::ScalarType::Bool;
  case Result::Float:
    return category(promoted) < Category::Floating ? ir::ScalarType::Float32 : promoted;
  default:
    return promoted;
  }
}

const PointwiseRule *pointwiseRule(ir::Symbol op) {
  static const Table table = parse();
  auto it = table.find(op);
  return it == table.end() ? nullptr : &it->second;
}

} // namespace ts2onnx::semantics
