// Printing graphs built through the API, compared with what torch 1.13 printed for the same
// constants (strings copied from torch's output, see tests/ir/data/generate.py).
#include <doctest/doctest.h>

#include <cmath>

#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

using namespace ts2onnx::ir;

namespace {

std::string pr(AttributeValue v) { return printAttributeValue(v); }

template <typename T>
std::string tensorText(ScalarType dtype, std::vector<int64_t> sizes, std::vector<T> values) {
  return pr(AttributeValue(Tensor::fromVector(dtype, std::move(sizes), values)));
}

} // namespace

TEST_CASE("doubles print like torch's IValue repr") {
  CHECK(pr(AttributeValue(1.0)) == "1.");
  CHECK(pr(AttributeValue(-0.0)) == "-0.");
  CHECK(pr(AttributeValue(0.0)) == "0.");
  CHECK(pr(AttributeValue(-2.0)) == "-2.");
  CHECK(pr(AttributeValue(0.1)) == "0.10000000000000001");
  CHECK(pr(AttributeValue(1e-5)) == "1.0000000000000001e-05");
  CHECK(pr(AttributeValue(-1e-5)) == "-1.0000000000000001e-05");
  CHECK(pr(AttributeValue(1e100)) == "1e+100");
  CHECK(pr(AttributeValue(1e10)) == "10000000000");
  CHECK(pr(AttributeValue(9999999999.0)) == "9999999999.");
  CHECK(pr(AttributeValue(1e16)) == "10000000000000000");
  CHECK(pr(AttributeValue(1e17)) == "1e+17");
  CHECK(pr(AttributeValue(123456789.0)) == "123456789.");
  CHECK(pr(AttributeValue(1e-7)) == "9.9999999999999995e-08");
  CHECK(pr(AttributeValue(1.0 / 3)) == "0.33333333333333331");
  CHECK(pr(AttributeValue(2.5e-310)) == "2.5000000000000171e-310");
  CHECK(pr(AttributeValue(INFINITY)) == "inf");
  CHECK(pr(AttributeValue(-INFINITY)) == "-inf");
  CHECK(pr(AttributeValue(std::nan(""))) == "nan");
  CHECK(pr(AttributeValue(std::complex<double>(1, 2))) == "1.+2.j");
  CHECK(pr(AttributeValue(std::complex<double>(1.5, -2))) == "1.5-2.j");
}

TEST_CASE("strings, lists and other attribute kinds print like torch") {
  CHECK(pr(AttributeValue(std::string("str\"x\n\t\\ \xc3\xa9 '"))) ==
        R"("str\"x\n\t\\ \0)+\/.) \'")");
  CHECK(pr(AttributeValue(std::string("\x01\x7f"))) == R"("\001\177")");
  CHECK(pr(AttributeValue(std::vector<int64_t>{1, 2})) == "[1, 2]");
  CHECK(pr(AttributeValue(std::vector<int64_t>{})) == "[]");
  CHECK(pr(AttributeValue(std::vector<double>{1.0, 0.1, 1e-5})) ==
        "[1., 0.10000000000000001, 1.0000000000000001e-05]");
  CHECK(pr(AttributeValue(std::vector<bool>{true, false})) == "[True, False]");
  CHECK(pr(AttributeValue(std::vector<std::string>{"a", "b\n"})) == R"(["a", "b\n"])");
  CHECK(pr(AttributeValue(std::vector<Tensor>{})) == "[<Tensors>]");
  CHECK(pr(AttributeValue(std::vector<TypePtr>{Type::intType()})) == "[int]");
  CHECK(pr(AttributeValue(Type::list(Type::intType()))) == "int[]");
  CHECK(pr(AttributeValue(std::shared_ptr<Graph>())) == "<Graph>");
  CHECK(pr(AttributeValue(Literal{"(1, 2.5, \"a\")"})) == "(1, 2.5, \"a\")");
}

TEST_CASE("tensor constants print in torch's three forms") {
  // One element: the boxed scalar.
  CHECK(tensorText<double>(ScalarType::Float64, {}, {0.1}) == "{0.1}");
  CHECK(tensorText<float>(ScalarType::Float32, {1, 1}, {1.5f}) == "{1.5}");
  CHECK(tensorText<int64_t>(ScalarType::Int64, {}, {2}) == "{2}");
  CHECK(tensorText<uint8_t>(ScalarType::Bool, {}, {1}) == "{1}");
  CHECK(tensorText<double>(ScalarType::Float64, {}, {1e10}) == "{1e+10}");
  CHECK(tensorText<float>(ScalarType::Float32, {}, {-0.0f}) == "{-0}");
  // Up to ten elements: at::print with newlines turned into spaces.
  CHECK(tensorText<float>(ScalarType::Float32, {6}, {1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f}) ==
        " 1.5000  2.5000  3.5000  4.5000  5.5000  6.5000 [ CPUFloatType{6} ]");
  CHECK(tensorText<int64_t>(ScalarType::Int64, {3}, {1, 2, 3}) == " 1  2  3 [ CPULongType{3} ]");
  CHECK(tensorText<float>(ScalarType::Float32, {2, 2}, {0.001f, 2000.0f, 3.0f, 4.0f}) ==
        " 1.0000e-03  2.0000e+03  3.0000e+00  4.0000e+00 [ CPUFloatType{2,2} ]");
  CHECK(tensorText<float>(ScalarType::Float32, {3}, {1e-3f, 2e-3f, 3e-3f}) ==
        "0.001 *  1.0000  2.0000  3.0000 [ CPUFloatType{3} ]");
  CHECK(tensorText<double>(ScalarType::Float64, {4}, {1.5, std::nan(""), INFINITY, -2.25}) ==
        " 1.5000     nan     inf -2.2500 [ CPUDoubleType{4} ]");
  CHECK(tensorText<uint8_t>(ScalarType::UInt8, {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}) ==
        "(1,.,.) =    1  2   3  4  (2,.,.) =    5  6   7  8 [ CPUByteType{2,2,2} ]");
  CHECK(tensorText<float>(ScalarType::Float32, {2, 5},
                          {0, 1e6, 2e6, 3e6, 4e6, 5e6, 6e6, 7e6, 8e6, 9e6}) ==
        "       0    1e+06    2e+06    3e+06    4e+06    5e+06    6e+06    7e+06    8e+06    "
        "9e+06 [ CPUFloatType{2,5} ]");
  CHECK(tensorText<int64_t>(ScalarType::Int64, {0}, {}) == "[ CPULongType{0} ]");
  // More than ten elements, or no data: a placeholder.
  CHECK(tensorText<float>(ScalarType::Float32, {11}, std::vector<float>(11, 1.0f)) == "<Tensor>");
  CHECK(pr(AttributeValue(Tensor())) == "<Tensor>");
}

TEST_CASE("tensors wider than 80 columns are split like torch splits them") {
  // Strings printed by torch 1.13 for the same tensors.
  std::vector<double> a{1e-20, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  CHECK(tensorText<double>(ScalarType::Float64, {1, 10}, a) ==
        "Columns 1 to 6 1.0000e-20  1.0000e+00  2.0000e+00  3.0000e+00  4.0000e+00  5.0000e+00  "
        "Columns 7 to 10 6.0000e+00  7.0000e+00  8.0000e+00  9.0000e+00 [ CPUDoubleType{1,10} ]");
  std::vector<int64_t> b{1234567, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  CHECK(tensorText<int64_t>(ScalarType::Int64, {1, 10}, b) ==
        "Columns 1 to 81.23457e+06        2        3        4        5        6        7        8  "
        "Columns 9 to 10       9       10 [ CPULongType{1,10} ]");
  std::vector<float> c{5e5f, 1.25e6f, 5e5f, 1.25e6f, 5e5f, 1.25e6f, 5e5f, 1.25e6f};
  CHECK(tensorText<float>(ScalarType::Float32, {2, 2, 2}, c) ==
        "(1,.,.) =     500000 1.25e+06    500000 1.25e+06  (2,.,.) =     500000 1.25e+06    500000 "
        "1.25e+06 [ CPUFloatType{2,2,2} ]");
  // Such text has lost digits: the parser keeps it verbatim and prints it back unchanged.
  std::string text = "graph():\n  %1 : Tensor = prim::Constant[value=" +
                     tensorText<int64_t>(ScalarType::Int64, {1, 10}, b) + "]()\n  return (%1)\n";
  auto g = parseGraph(text);
  REQUIRE(g.ok());
  const Node *n = *(*g)->block()->nodes().begin();
  CHECK(n->attribute(attr::value)->kind() == AttributeKind::Literal);
  CHECK(printGraph(**g) == text);
}

TEST_CASE("a graph built through the API prints in torch's layout") {
  Graph g;
  Value *self = g.addInput("self")->setType(Type::classType("__torch__.M"));
  Value *x = g.addInput("x.1");
  Value *n = g.addInput("n.1")->setType(Type::intType());
  (void)self;
  Value *c = g.insertConstantBool(true);
  Node *loop = g.insert(prim::Loop, {n, c, x});
  loop->output()->setDebugName("y");
  Block *body = loop->addBlock();
  body->addInput("i")->setType(Type::intType());
  Value *carried = body->addInput("y.9");
  {
    WithInsertPoint guard(body);
    Node *add = g.insert(Symbol::fromQualString("aten::add"), {carried, carried});
    add->output()->setDebugName("y.3");
    add->setSourceLocation({std::make_shared<const std::string>("/tmp/t/a.py"), 7, 8});
    body->registerOutput(c);
    body->registerOutput(add->output());
  }
  Node *unpack = g.insert(prim::ListUnpack, {g.insertConstantInts({1, 2})}, 2);
  unpack->output(0)->setType(Type::intType())->setDebugName("a.1");
  unpack->output(1)->setType(Type::intType())->setDebugName("b.1");
  g.insert(prim::Print, {unpack->output(0)}, 0);
  Node *tup = g.insert(prim::TupleConstruct, {loop->output(), unpack->output(1)});
  tup->output()->setType(Type::tuple({Type::tensor(), Type::intType()}));
  g.registerOutput(tup->output());
  REQUIRE(verify(g).ok());
  std::string expected = R"IR(graph(%self : __torch__.M,
      %x.1 : Tensor,
      %n.1 : int):
  %3 : bool = prim::Constant[value=1]()
  %y : Tensor = prim::Loop(%n.1, %3, %x.1)
    block0(%i : int, %y.9 : Tensor):
      %y.3 : Tensor = aten::add(%y.9, %y.9) # /tmp/t/a.py:7:8
      -> (%3, %y.3)
  %8 : int[] = prim::Constant[value=[1, 2]]()
  %a.1 : int, %b.1 : int = prim::ListUnpack(%8)
   = prim::Print(%a.1)
  %11 : (Tensor, int) = prim::TupleConstruct(%y, %b.1)
  return (%11)
)IR";
  CHECK(printGraph(g) == expected);
  auto again = parseGraph(expected);
  REQUIRE(again.ok());
  CHECK(printGraph(**again) == expected);
  CHECK(printNode(*unpack, 0) == "%a.1 : int, %b.1 : int = prim::ListUnpack(%8)\n");
}
