// semantics/Promotion.h and semantics/Broadcast.h against every row torch answered in
// tests/semantics/promotion.txt and broadcast.txt (semantics/generate_tables.py).
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ir/Parser.h"
#include "semantics/AtenRules.h"
#include "semantics/Broadcast.h"
#include "semantics/Promotion.h"

namespace ts2onnx::semantics {
namespace {

using ir::Dim;
using ir::ScalarType;

std::vector<std::string> tableRows(const std::string &name) {
  std::ifstream in(std::string(TS2ONNX_SOURCE_DIR) + "/tests/semantics/" + name);
  REQUIRE(in.good());
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#')
      rows.push_back(line);
  return rows;
}

ScalarType dtypeNamed(const std::string &s) {
  static const std::map<std::string, ScalarType> names = {
      {"bool", ScalarType::Bool},
      {"uint8", ScalarType::UInt8},
      {"int8", ScalarType::Int8},
      {"int16", ScalarType::Int16},
      {"int32", ScalarType::Int32},
      {"int64", ScalarType::Int64},
      {"float16", ScalarType::Float16},
      {"bfloat16", ScalarType::BFloat16},
      {"float32", ScalarType::Float32},
      {"float64", ScalarType::Float64},
      {"complex32", ScalarType::ComplexHalf},
      {"complex64", ScalarType::ComplexFloat},
      {"complex128", ScalarType::ComplexDouble}};
  auto it = names.find(s);
  REQUIRE_MESSAGE(it != names.end(), s);
  return it->second;
}

std::string nameOf(std::optional<ScalarType> t) {
  if (!t)
    return "error";
  if (*t == ScalarType::ComplexHalf)
    return "complex32";
  if (*t == ScalarType::ComplexFloat)
    return "complex64";
  if (*t == ScalarType::ComplexDouble)
    return "complex128";
  return std::string(ir::scalarTypeShortName(*t));
}

void addOperand(ResultType &r, const std::string &operand) {
  auto colon = operand.find(':');
  std::string kind = operand.substr(0, colon);
  ScalarType dt = dtypeNamed(operand.substr(colon + 1));
  r.add(kind == "dim"    ? OperandKind::Dimensioned
        : kind == "zero" ? OperandKind::ZeroDim
                         : OperandKind::Number,
        dt);
}

TEST_CASE("promotion agrees with torch.promote_types and torch.result_type on every row") {
  size_t rows = 0, promoteRows = 0;
  for (const std::string &line : tableRows("promotion.txt")) {
    std::istringstream in(line);
    std::string fn, a, b, arrow, want;
    in >> fn >> a >> b >> arrow >> want;
    std::optional<ScalarType> got;
    if (fn == "promote_types") {
      got = promoteTypes(dtypeNamed(a), dtypeNamed(b));
      ++promoteRows;
    } else {
      REQUIRE(fn == "result_type");
      ResultType r;
      addOperand(r, a);
      addOperand(r, b);
      got = r.result();
    }
    CHECK_MESSAGE(nameOf(got) == want, line);
    ++rows;
  }
  // 12 x 12 dtype pairs; 28 operands (12 dims, 12 0-d, 4 numbers) in pairs, less number x number.
  CHECK(promoteRows == 144);
  CHECK(rows == 144 + 28 * 28 - 16);
}

std::vector<Dim> parseShape(std::istringstream &in) {
  std::string tok, all;
  while (in >> tok) {
    all += tok;
    if (tok.back() == ']')
      break;
  }
  REQUIRE(all.front() == '[');
  std::vector<Dim> dims;
  std::string body = all.substr(1, all.size() - 2);
  std::istringstream parts(body);
  for (std::string d; std::getline(parts, d, ',');) {
    if (d == "?")
      dims.push_back(Dim::unknown());
    else if (std::isdigit(static_cast<unsigned char>(d[0])))
      dims.push_back(Dim::known(std::stoll(d)));
    else
      dims.push_back(Dim::named(d));
  }
  return dims;
}

std::string shapeText(const std::optional<Dims> &s) {
  if (!s)
    return "error";
  std::string out = "[";
  for (size_t i = 0; i < s->size(); ++i) {
    const Dim &d = (*s)[i];
    out += i ? ", " : "";
    out += d.isStatic() ? std::to_string(d.value) : d.isSymbolic() ? d.symbol : "?";
  }
  return out + "]";
}

TEST_CASE("broadcasting agrees with torch.broadcast_shapes for static, symbolic and unknown dims") {
  size_t rows = 0;
  for (const std::string &line : tableRows("broadcast.txt")) {
    std::istringstream in(line);
    Dims a = parseShape(in), b = parseShape(in);
    std::string arrow, rest, want;
    in >> arrow;
    std::getline(in, rest);
    want = rest.substr(rest.find_first_not_of(' '));
    CHECK_MESSAGE(shapeText(broadcastShapes({a, b})) == want, line);
    ++rows;
  }
  CHECK(rows == 43 * 43); // shapes of rank 0 to 2 over 6 dims: 1 + 6 + 36
}

TEST_CASE("broadcastSizes is broadcastShapes on static sizes") {
  CHECK(broadcastSizes({3, 1}, {4}) == std::vector<int64_t>{3, 4});
  CHECK(!broadcastSizes({3}, {4}));
}

TEST_CASE("result_type of an operand of unknown dtype is unknown") {
  ResultType r;
  r.add(OperandKind::Dimensioned, ScalarType::Float32);
  r.addUnknown();
  CHECK(!r.result());
}

TEST_CASE("pointwise ops take their dtype rule from the table generated from torch") {
  // torch: atan2 and asinh of int64 are float32, isfinite is bool, eq of int64 with a float
  // 0-d tensor is bool, mul of int64 with a Python float is float32 (broadcast to (2, 3)).
  auto g = ir::parseGraph(R"IR(graph(%x : Long(2, 3), %y : Long(3), %z : Float()):
  %f : float = prim::Constant[value=0.5]()
  %a : Tensor = aten::atan2(%x, %y)
  %b : Tensor = aten::asinh(%y)
  %c : Tensor = aten::isfinite(%x)
  %d : Tensor = aten::eq(%y, %z)
  %e : Tensor = aten::mul(%x, %f)
  return (%a, %b, %c, %d, %e)
)IR");
  REQUIRE(g.ok());
  for (ir::Node *n : (*g)->block()->nodes())
    inferAtenTypes(n);
  std::vector<std::string> types;
  for (const ir::Value *v : (*g)->block()->outputs())
    types.push_back(v->type()->str());
  CHECK(types == std::vector<std::string>{"Float(2, 3)", "Float(3)", "Bool(2, 3)", "Bool(3)",
                                          "Float(2, 3)"});
}

} // namespace
} // namespace ts2onnx::semantics
