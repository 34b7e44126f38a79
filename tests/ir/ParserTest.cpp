#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

using namespace ts2onnx::ir;

namespace {

std::unique_ptr<Graph> parseOk(std::string_view text) {
  auto g = parseGraph(text, "test.ir");
  INFO(text);
  REQUIRE_MESSAGE(g.ok(), g.status().message());
  return std::move(*g);
}

std::string parseError(std::string_view text) {
  auto g = parseGraph(text, "bad.ir");
  INFO(text);
  REQUIRE(!g.ok());
  return std::string(g.status().message());
}

// The first node of kind `kind` in the top block.
Node *find(Graph &g, std::string_view kind) {
  for (Node *n : g.block()->nodes())
    if (n->kind().qualString() == kind)
      return n;
  return nullptr;
}

Node *definingNode(Graph &g, std::string_view name) {
  for (Node *n : g.block()->nodes())
    for (Value *o : n->outputs())
      if (o->debugName() == name)
        return n;
  return nullptr;
}

std::string readData(const std::string &name) {
  std::ifstream in(std::string(TS2ONNX_SOURCE_DIR) + "/tests/ir/data/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("scalar constants parse into typed attributes") {
  auto g = parseOk(R"IR(graph(%x : Tensor):
  %a : float = prim::Constant[value=0.10000000000000001]()
  %b : float = prim::Constant[value=1.]()
  %c : float = prim::Constant[value=-inf]()
  %d : float = prim::Constant[value=nan]()
  %e : float = prim::Constant[value=10000000000]()
  %f : int = prim::Constant[value=-9223372036854775807]()
  %g : bool = prim::Constant[value=1]()
  %h : Device = prim::Constant[value="cpu"]()
  %i : NoneType = prim::Constant()
  %j : complex = prim::Constant[value=1.5-2.j]()
  %k : str = prim::Constant[value="str\"x\n\t\\ \0)+\/.) \'\001"]()
  return (%x)
)IR");
  auto attr = [&](std::string_view name) { return definingNode(*g, name)->attribute(attr::value); };
  CHECK(attr("a")->get<double>() == 0.1);
  CHECK(attr("b")->get<double>() == 1.0);
  CHECK(std::isinf(attr("c")->get<double>()));
  CHECK(attr("c")->get<double>() < 0);
  CHECK(std::isnan(attr("d")->get<double>()));
  // Printed without a dot, but the value's type says float.
  CHECK(attr("e")->get<double>() == 1e10);
  CHECK(attr("f")->get<int64_t>() == -9223372036854775807);
  CHECK(attr("g")->get<int64_t>() == 1);
  CHECK(attr("h")->get<std::string>() == "cpu");
  CHECK(attr("i") == nullptr);
  CHECK(attr("j")->get<std::complex<double>>() == std::complex<double>(1.5, -2.0));
  // torch escapes non-ASCII bytes as signed pseudo-octal; "\xc3\xa9" is UTF-8 for é.
  CHECK(attr("k")->get<std::string>() == "str\"x\n\t\\ \xc3\xa9 '\x01");
  CHECK(definingNode(*g, "g")->output()->type()->is(TypeKind::Bool));
}

TEST_CASE("list constants parse into Ints, Floats, Bools and Strings") {
  auto g = parseOk(R"IR(graph():
  %a : int[] = prim::Constant[value=[1, 2]]()
  %b : float[] = prim::Constant[value=[1., 0.10000000000000001, 1.0000000000000001e-05]]()
  %c : bool[] = prim::Constant[value=[True, False]]()
  %d : str[] = prim::Constant[value=["a", "b\n"]]()
  %e : float[] = prim::Constant[value=[]]()
  %f : Tensor[] = prim::Constant[value=[<Tensors>]]()
  %g : bool = prim::isinstance[types=[int, Tensor]](%a)
  return (%a)
)IR");
  auto attr = [&](std::string_view name, const char *a = "value") {
    return definingNode(*g, name)->attribute(Symbol::attr(a));
  };
  CHECK(attr("a")->get<std::vector<int64_t>>() == std::vector<int64_t>{1, 2});
  CHECK(attr("b")->get<std::vector<double>>() == std::vector<double>{1.0, 0.1, 1e-5});
  CHECK(attr("c")->get<std::vector<bool>>() == std::vector<bool>{true, false});
  CHECK(attr("d")->get<std::vector<std::string>>() == std::vector<std::string>{"a", "b\n"});
  CHECK(attr("e")->kind() == AttributeKind::Floats);
  CHECK(attr("f")->kind() == AttributeKind::Tensors);
  const auto &types = attr("g", "types")->get<std::vector<TypePtr>>();
  REQUIRE(types.size() == 2);
  CHECK(types[0]->is(TypeKind::Int));
  CHECK(types[1]->isTensor());
}

TEST_CASE("tensor constants: {x} and small printed tensors become real tensors") {
  auto g = parseOk(readData("frozen_constants.txt"));
  auto tensorOf = [&](std::string_view name) -> const Tensor * {
    Node *n = definingNode(*g, name);
    REQUIRE(n != nullptr);
    return n->attribute(attr::value)->getIf<Tensor>();
  };
  const Tensor *a = tensorOf("self.a"); //  1  2  3 [ CPULongType{3} ]
  REQUIRE(a);
  CHECK(a->dtype() == ScalarType::Int64);
  CHECK(a->sizes() == std::vector<int64_t>{3});
  CHECK(a->intAt(2) == 3);
  const Tensor *e = tensorOf("self.e"); // a 3-d uint8 tensor printed as (1,.,.) = ...
  REQUIRE(e);
  CHECK(e->dtype() == ScalarType::UInt8);
  CHECK(e->sizes() == std::vector<int64_t>{2, 2, 2});
  for (int64_t i = 0; i < 8; ++i)
    CHECK(e->intAt(i) == i + 1);
  const Tensor *f = tensorOf("self.f"); //  1  0  1 [ CPUBoolType{3} ]
  REQUIRE(f);
  CHECK(f->dtype() == ScalarType::Bool);
  CHECK(f->intAt(1) == 0);
  const Tensor *n = tensorOf("self.n"); // {-0} with type Float()
  REQUIRE(n);
  CHECK(n->dtype() == ScalarType::Float32);
  CHECK(n->dim() == 0);
  CHECK(std::signbit(n->doubleAt(0)));
  const Tensor *o = tensorOf("self.o"); // {7} typed Int(1, 1)
  REQUIRE(o);
  CHECK(o->dtype() == ScalarType::Int32);
  CHECK(o->sizes() == std::vector<int64_t>{1, 1});
  const Tensor *h0 = tensorOf("self.h0"); // {2.5} typed Half()
  REQUIRE(h0);
  CHECK(h0->dtype() == ScalarType::Float16);
  CHECK(h0->doubleAt(0) == 2.5);
  const Tensor *big = tensorOf("self.big"); // more than 10 elements: <Tensor>
  REQUIRE(big);
  CHECK(!big->defined());
  // Printed text that lost data is kept verbatim: 6 significant digits (`1.23457e+08`, `1e+06`),
  // 4 decimals (`1.5000`, `1.0000e-03`, `0.001 *  1.0000`), complex printed as its real part.
  for (const char *lossy : {"self.h", "self.d", "self.k", "self.b", "self.p", "self.m"}) {
    INFO(lossy);
    CHECK(definingNode(*g, lossy)->attribute(attr::value)->kind() == AttributeKind::Literal);
  }
  // Tuples and dicts are not modeled either.
  CHECK(definingNode(*g, "self.t")->attribute(attr::value)->kind() == AttributeKind::Literal);
  CHECK(definingNode(*g, "self.dd")->attribute(attr::value)->kind() == AttributeKind::Literal);
}

TEST_CASE("traced constants {0.1} take their dtype from the value's type") {
  auto g = parseOk(R"IR(graph(%x : Float(2, strides=[1], requires_grad=0, device=cpu)):
  %1 : Double(requires_grad=0, device=cpu) = prim::Constant[value={0.1}]()
  %2 : Long(requires_grad=0, device=cpu) = prim::Constant[value={2}]()
  %3 : Bool(requires_grad=0, device=cpu) = prim::Constant[value={1}]()
  %4 : Tensor = prim::Constant[value={0.5}]()
  %5 : Long(11, strides=[1], requires_grad=0, device=cpu) = prim::Constant[value=<Tensor>]()
  return (%1, %2, %3, %4, %5)
)IR");
  auto t = [&](std::string_view n) { return definingNode(*g, n)->t(attr::value); };
  CHECK(t("1").dtype() == ScalarType::Float64);
  CHECK(t("1").doubleAt(0) == 0.1);
  CHECK(t("2").dtype() == ScalarType::Int64);
  CHECK(t("2").intAt(0) == 2);
  CHECK(t("3").dtype() == ScalarType::Bool);
  CHECK(t("4").dtype() == ScalarType::Float32); // no dtype in the type: float for 0.5
  CHECK(!t("5").defined());
}

TEST_CASE("value names: debug names are kept, numbers keep their number") {
  auto g = parseOk(R"IR(graph(%x.1 : Tensor,
      %7 : int):
  %23 : Tensor = aten::neg(%x.1)
  %self.fc : int = aten::add(%7, %7)
  return (%23)
)IR");
  CHECK(g->inputs()[0]->debugName() == "x.1");
  CHECK(g->inputs()[1]->unique() == 7);
  CHECK(!g->inputs()[1]->hasDebugName());
  Node *neg = find(*g, "aten::neg");
  CHECK(neg->output()->unique() == 23);
  CHECK(neg->output()->debugName() == "23");
  // New values never reuse a printed number.
  Value *fresh = g->insert(Symbol::fromQualString("aten::relu"), {neg->output()})->output();
  CHECK(fresh->unique() > 23);
  CHECK(definingNode(*g, "self.fc") != nullptr);
}

TEST_CASE("unknown operators, attributes, scopes and source locations") {
  std::string text = R"IR(graph(%x : Tensor):
  %1 : Tensor = my_ns::frobnicate[alpha=2, beta="b", gamma=[1, 2]](%x), scope: __module.a/__module.a.b # /a b/c:d.py:12:8
   = prim::Print(%1) # <string>:3:4
  return (%1)
)IR";
  auto g = parseOk(text);
  Node *n = find(*g, "my_ns::frobnicate");
  REQUIRE(n);
  CHECK(n->i(Symbol::attr("alpha")) == 2);
  CHECK(n->s(Symbol::attr("beta")) == "b");
  CHECK(n->scopeName() == "__module.a/__module.a.b");
  CHECK(*n->sourceLocation().file == "/a b/c:d.py");
  CHECK(n->sourceLocation().line == 12);
  CHECK(n->sourceLocation().column == 8);
  CHECK(find(*g, "prim::Print")->outputs().empty());
  CHECK(printGraph(*g) == text);
  PrintOptions noLoc;
  noLoc.sourceLocations = false;
  CHECK(printGraph(*g, noLoc).find(" # ") == std::string::npos);
}

TEST_CASE("fork subgraphs print after the return as `with prim::fork_0 = ...`") {
  auto g = parseOk(readData("scripted_graph.txt"));
  Node *fork = find(*g, "prim::fork");
  REQUIRE(fork);
  auto sub = fork->attribute(Symbol::attr("Subgraph"))->get<std::shared_ptr<Graph>>();
  REQUIRE(sub);
  CHECK(verify(*sub).ok());
  CHECK(sub->inputs().size() == 1);
  CHECK(printNode(*fork).find("prim::fork[Subgraph=<Graph>](") != std::string::npos);
}

TEST_CASE("parseType reads every form torch prints and str() gives it back") {
  const char *types[] = {
      "Tensor",
      "Float(1, 3, 224, 224, strides=[150528, 50176, 224, 1], requires_grad=0, device=cpu)",
      "Long(requires_grad=0, device=cpu)",
      "Long(device=cpu)",
      "Float(*, 3)",
      "Float(batch, 3, strides=[3, 1])",
      "Tensor(2, 3)",
      "Tensor(requires_grad=0, device=cpu)",
      "FloatTensor(requires_grad=0)",
      "Float(2, 3)[Undefined]",
      "int[]",
      "int[][]",
      "Tensor?[]",
      "int[]?",
      "Dict(str, Tensor)",
      "(Tensor, Tensor[], Dict(str, Tensor), str, NoneType)",
      "()",
      "NamedTuple(a : int, b : Tensor)",
      "Future[Tensor]",
      "RRef[int]",
      "Union(int, str)",
      "__torch__.torch.nn.modules.linear.Linear",
      "__torch__.___torch_mangle_0.M",
      "Enum<__torch__.Color>",
      "Device",
      "Scalar",
      "Any",
      "Function",
      "complex",
  };
  for (const char *s : types) {
    INFO(s);
    auto t = parseType(s);
    REQUIRE_MESSAGE(t.ok(), t.status().message());
    CHECK((*t)->str() == s);
  }
  auto t = parseType("Float(1, 3, strides=[3, 1], requires_grad=1, device=cuda:0)");
  REQUIRE(t.ok());
  const TensorInfo &info = (*t)->tensorInfo();
  CHECK(info.dtype == ScalarType::Float32);
  CHECK(info.sizes->size() == 2);
  CHECK(*info.requiresGrad);
  CHECK(*info.device == "cuda:0");
  // Dict and Union members print as torch's Type::str(): tensors lose their details.
  auto d = Type::dict(Type::strType(), *parseType("Float(2)"));
  CHECK(d->str() == "Dict(str, Tensor)");
  CHECK(Type::list(*parseType("Float(2)"))->str() == "Float(2)[]");
}

TEST_CASE("parse errors say file:line:col: error:") {
  CHECK(parseError("graph(%x : Tensor):\n  return (%y)\n") ==
        "bad.ir:2:11: error: use of undefined value %y");
  CHECK(parseError("graph(%x : Tensor):\n  %1 : Tensor = aten::neg(%x)\n  %1 : Tensor = "
                   "aten::neg(%x)\n  return (%1)\n") == "bad.ir:3:3: error: redefinition of %1");
  CHECK(parseError("graph(%x : Tensr[):\n  return (%x)\n") ==
        "bad.ir:1:17: error: expected ')' but found '['");
  CHECK(parseError("graph(%x : Tensor):\n  %1 : Tensor = neg(%x)\n  return (%1)\n") ==
        "bad.ir:2:17: error: expected an operator name like aten::add but found neg");
  CHECK(parseError("graph(%x : Tensor):\n  %1 : Tensor = aten::neg(%x) # nowhere\n") ==
        "bad.ir:2:33: error: expected a source location 'file:line:col' after '#'");
  CHECK(parseError("graph(%c : bool):\n   = prim::If(%c)\n    block1():\n      -> ()\n  "
                   "return ()\n") == "bad.ir:3:5: error: expected block0 but found block1");
  CHECK(parseError("graph(%x : Tensor):\n  %1 : int = prim::Constant[value=\"abc]()\n") ==
        "bad.ir:2:35: error: unterminated string");
  CHECK(parseError("graph(%x : Tensor):\n  return (%x)\ngarbage\n") ==
        "bad.ir:3:1: error: unexpected text after the graph");
  CHECK(parseError("") == "bad.ir:1:1: error: expected 'graph(' but found end of input");
  auto t = parseType("Dict(int)");
  REQUIRE(!t.ok());
  CHECK(std::string(t.status().message()).rfind("<type>:1:1: error:", 0) == 0);
}

TEST_CASE("deep nesting is an error, not a crash") {
  std::string deepType = std::string(100000, '(') + "int" + std::string(100000, ')');
  auto t = parseType(deepType);
  REQUIRE(!t.ok());
  CHECK(std::string(t.status().message()).find("nesting deeper than") != std::string::npos);

  auto nestedIfs = [](int depth) {
    std::string s = "graph(%c : bool):\n";
    for (int i = 0; i < depth; ++i)
      s += " = prim::If(%c)\nblock0():\n";
    for (int i = 0; i < depth; ++i)
      s += "-> ()\nblock1():\n-> ()\n";
    return s + "return ()\n";
  };
  auto ok = parseGraph(nestedIfs(300));
  REQUIRE_MESSAGE(ok.ok(), ok.status().message());
  CHECK(verify(**ok).ok());
  CHECK(printGraph(**parseGraph(printGraph(**ok))) == printGraph(**ok));
  auto tooDeep = parseGraph(nestedIfs(5000));
  REQUIRE(!tooDeep.ok());
  CHECK(std::string(tooDeep.status().message()).find("nesting deeper than") != std::string::npos);

  std::string deepAttr = "graph():\n  %1 : int = prim::Constant[value=" + std::string(50000, '[') +
                         std::string(50000, ']') + "]()\n  return (%1)\n";
  CHECK(!parseGraph(deepAttr).ok());
}

TEST_CASE("every truncation of a torch printout fails cleanly or parses") {
  static const std::regex kError(R"(^cut\.ir:\d+:\d+: error: .+)");
  // Every cut of the richest file; every 5th byte of two others.
  for (auto [file, stride] : {std::pair{"scripted_graph.txt", 1},
                              {"traced_inlined.txt", 5},
                              {"frozen_constants.txt", 5}}) {
    std::string text = readData(file);
    REQUIRE(!text.empty());
    size_t okCount = 0;
    for (size_t n = 0; n < text.size(); n += static_cast<size_t>(stride)) {
      auto g = parseGraph(std::string_view(text).substr(0, n), "cut.ir");
      if (g.ok()) {
        ++okCount;
        continue;
      }
      std::string msg(g.status().message());
      if (!std::regex_match(msg, kError)) {
        INFO(file, " cut at ", n);
        CHECK(msg == "matching file:line:col: error:");
      }
    }
    // Only cuts inside the final newline or a `with` subgraph's tail leave a whole graph.
    CHECK(okCount < 5);
  }
}

TEST_CASE("random byte mutations of a printout never crash the parser") {
  std::string text = readData("scripted_graph.txt");
  std::mt19937 rng(1234);
  const char alphabet[] = "%:=()[]{},.\"\\ \n#<>-_0123456789abcxyz?";
  for (int iter = 0; iter < 1500; ++iter) {
    std::string s = text;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % s.size();
      switch (rng() % 3) {
      case 0:
        s[pos] = alphabet[rng() % (sizeof alphabet - 1)];
        break;
      case 1:
        s.erase(pos, 1 + rng() % 8);
        break;
      default:
        s.insert(pos, 1, alphabet[rng() % (sizeof alphabet - 1)]);
      }
    }
    auto g = parseGraph(s, "fuzz.ir");
    if (g.ok()) {
      // Whatever parses must print and re-parse to a fixed point.
      std::string once = printGraph(**g);
      auto again = parseGraph(once, "fuzz2.ir");
      REQUIRE_MESSAGE(again.ok(), again.status().message());
      CHECK(printGraph(**again) == once);
      (void)verify(**g);
    }
  }
}
