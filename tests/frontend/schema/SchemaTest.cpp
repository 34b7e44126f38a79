#include "frontend/schema/Schema.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace ts2onnx::frontend;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tablePath(const char *name) {
  return std::string(TS2ONNX_SOURCE_DIR) + "/frontend/schema/" + name;
}

std::vector<std::string> schemaLines(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#')
      lines.push_back(line);
  return lines;
}

FunctionSchema parseOk(std::string_view text) {
  auto s = parseSchema(text);
  REQUIRE_MESSAGE(s.ok(), s.status().message());
  return *s;
}

void checkRoundTrip(const char *table, size_t minLines) {
  std::string text = readFile(tablePath(table));
  auto lines = schemaLines(text);
  CHECK(lines.size() >= minLines);
  std::vector<std::string> failures;
  for (const auto &line : lines) {
    auto s = parseSchema(line);
    if (!s.ok()) {
      failures.push_back(std::string(s.status().message()));
    } else if (s->str() != line) {
      failures.push_back("reprinted as " + s->str() + "\n        was " + line);
    }
  }
  for (size_t i = 0; i < failures.size() && i < 20; ++i)
    MESSAGE(failures[i]);
  CHECK(failures.empty());
}

} // namespace

TEST_CASE("every line of schemas.txt parses and prints back unchanged") {
  checkRoundTrip("schemas.txt", 4000);
}

TEST_CASE("every line of schemas_extra.txt parses and prints back unchanged") {
  checkRoundTrip("schemas_extra.txt", 1);
}

TEST_CASE("the embedded tables are the committed files") {
  CHECK(builtinSchemaText() == readFile(tablePath("schemas.txt")));
  CHECK(builtinExtraSchemaText() == readFile(tablePath("schemas_extra.txt")));
}

TEST_CASE("builtin registry: lookup returns every overload in table order") {
  // Count aten::add overloads with a plain prefix scan, independent of the registry's indexing.
  size_t expected = 0;
  std::vector<std::string> expectedLines;
  for (const char *table : {"schemas.txt", "schemas_extra.txt"})
    for (const auto &line : schemaLines(readFile(tablePath(table))))
      if (line.rfind("aten::add(", 0) == 0 || line.rfind("aten::add.", 0) == 0) {
        ++expected;
        expectedLines.push_back(line);
      }
  CHECK(expected == 16);
  const auto *adds = SchemaRegistry::builtin().lookup("aten::add");
  REQUIRE(adds != nullptr);
  REQUIRE(adds->size() == expected);
  for (size_t i = 0; i < expected; ++i)
    CHECK((*adds)[i].str() == expectedLines[i]);
  CHECK((*adds)[0].fullName() == "aten::add.Tensor");
  CHECK((*adds)[15].fullName() == "aten::add");

  CHECK(SchemaRegistry::builtin().lookup("aten::add_") != nullptr);
  CHECK(SchemaRegistry::builtin().lookup("aten::no_such_op") == nullptr);
  CHECK(SchemaRegistry::builtin().lookup("aten::ad") == nullptr);

  const auto *nms = SchemaRegistry::builtin().lookup("torchvision::nms");
  REQUIRE(nms != nullptr);
  CHECK(nms->at(0).str() ==
        "torchvision::nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor");
  CHECK(SchemaRegistry::builtin().lookup("quantized::conv2d") != nullptr);
  CHECK(SchemaRegistry::builtin().lookup("prim::NumToTensor") != nullptr);

  const auto *addTensor = SchemaRegistry::builtin().lookupFullName("aten::add.Tensor");
  REQUIRE(addTensor != nullptr);
  CHECK(addTensor->arguments.size() == 3);
  const auto *size = SchemaRegistry::builtin().lookupFullName("aten::size");
  REQUIRE(size != nullptr);
  CHECK(size->str() == "aten::size(Tensor self) -> int[]");
}

TEST_CASE("builtin registry: every line parses and operators added after 1.13 are present") {
  const auto &r = SchemaRegistry::builtin();
  CHECK(r.parseAll().ok());
  CHECK(r.parseErrors().empty());
  size_t lines = schemaLines(readFile(tablePath("schemas.txt"))).size() +
                 schemaLines(readFile(tablePath("schemas_extra.txt"))).size();
  CHECK(r.lineCount() == lines);
  const auto *sdpa = r.lookup("aten::scaled_dot_product_attention");
  REQUIRE(sdpa != nullptr);
  CHECK(sdpa->at(0).argumentIndex("is_causal").has_value());
}

/// `aten::add.Tensor(...` -> `aten::add`.
std::string operatorOf(const std::string &line) {
  std::string full = line.substr(0, line.find_first_of("( "));
  size_t ns = full.find("::");
  size_t dot = full.find('.', ns == std::string::npos ? 0 : ns + 2);
  return dot == std::string::npos ? full : full.substr(0, dot);
}

TEST_CASE("builtin registry: the embedded tables are sorted by operator name, as searched") {
  // addSortedStaticText binary-searches them: every operator's lines must form one run, in
  // byte order of the names.
  std::map<std::string, std::vector<std::string>> byName;
  for (const char *table : {"schemas.txt", "schemas_extra.txt"}) {
    std::vector<std::string> lines = schemaLines(readFile(tablePath(table)));
    REQUIRE(lines.size() > 100);
    for (size_t i = 1; i < lines.size(); ++i) {
      INFO(table << " line " << i << ": " << lines[i]);
      CHECK(operatorOf(lines[i - 1]) <= operatorOf(lines[i]));
    }
    for (const std::string &line : lines)
      byName[operatorOf(line)].push_back(line);
  }
  // Each operator's overloads, as a linear scan of both tables finds them, in table order.
  const auto &r = SchemaRegistry::builtin();
  for (const auto &[name, lines] : byName) {
    const auto *all = r.lookup(name);
    INFO(name);
    REQUIRE(all != nullptr);
    REQUIRE(all->size() == lines.size());
    for (size_t i = 0; i < lines.size(); ++i)
      CHECK((*all)[i].str() == parseOk(lines[i]).str());
  }
  CHECK(r.operatorNames().size() == byName.size());
  CHECK(r.lookup("aaa::before_everything") == nullptr);
  CHECK(r.lookup("zzz::after_everything") == nullptr);
  CHECK(r.lookup("aten::add_") != nullptr);
  CHECK(r.lookup("aten::ad") == nullptr);
}

TEST_CASE("registry: sorted texts, indexed texts and registered schemas together") {
  static const std::string sorted = "# header\n"
                                    "a::f(int x) -> int\n"
                                    "a::f.two(int x, int y) -> int\n"
                                    "b::g(int x) -> int\n"
                                    "c::h(int x) -> int\n";
  SchemaRegistry r;
  r.addSortedStaticText(sorted);
  CHECK(r.lineCount() == 4);
  REQUIRE(r.lookup("a::f") != nullptr);
  CHECK(r.lookup("a::f")->size() == 2);
  CHECK(r.lookup("a::g") == nullptr);
  // Lines added later come after, also for an operator already looked up (and parsed).
  r.addText("a::f.three(int x, int y, int z) -> int\nd::k() -> int\n");
  REQUIRE(r.lookup("a::f")->size() == 3);
  CHECK(r.lookup("a::f")->at(2).overloadName == "three");
  static const std::string more = "b::g.more(float x) -> float\n";
  r.addSortedStaticText(more);
  CHECK(r.lookup("b::g")->size() == 2);
  CHECK(r.registerSchema("e::new(int x) -> int").ok());
  CHECK(r.lineCount() == 8);
  std::vector<std::string> names = r.operatorNames();
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"a::f", "b::g", "c::h", "d::k", "e::new"});
  CHECK(r.parseAll().ok());
}

TEST_CASE("registry from text: lazy per-name parsing, bad lines reported, custom schemas") {
  SchemaRegistry r;
  r.addText("# comment\n"
            "my::op(Tensor x) -> Tensor\n"
            "\n"
            "my::op.two(Tensor x, Tensor y) -> Tensor\r\n"
            "my::broken(Tensor x -> Tensor\n"
            "my::other(int a=1) -> int\n");
  CHECK(r.lineCount() == 4);
  CHECK(r.parseErrors().empty()); // nothing parsed yet
  const auto *ops = r.lookup("my::op");
  REQUIRE(ops != nullptr);
  CHECK(ops->size() == 2);
  CHECK(r.parseErrors().empty()); // my::broken not touched yet
  const auto *broken = r.lookup("my::broken");
  REQUIRE(broken != nullptr);
  CHECK(broken->empty());
  CHECK(r.parseErrors().size() == 1);
  CHECK(r.parseAll().ok()); // no new errors
  CHECK(r.registerSchema("my::op.three(Tensor x, int k) -> Tensor").ok());
  CHECK(r.lookup("my::op")->size() == 3);
  CHECK(absl::IsAlreadyExists(r.registerSchema("my::op.two(Tensor a) -> Tensor")));
  CHECK(!r.registerSchema("my::op.four(").ok());
  CHECK(r.lookupOverload("my::op", "")->str() == "my::op(Tensor x) -> Tensor");
  CHECK(r.lookupFullName("my::op.three") != nullptr);
  CHECK(r.lookupFullName("my::op.nine") == nullptr);
}

TEST_CASE("parse: arguments, kwarg-only marker, defaults") {
  auto s = parseOk("aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor");
  CHECK(s.name == "aten::add");
  CHECK(s.overloadName == "Tensor");
  CHECK(s.nameSpace() == "aten");
  CHECK(s.unqualifiedName() == "add");
  REQUIRE(s.arguments.size() == 3);
  CHECK(s.arguments[0].type.is(SchemaTypeKind::Tensor));
  CHECK(!s.arguments[1].kwargOnly);
  CHECK(s.arguments[2].kwargOnly);
  CHECK(s.arguments[2].type.is(SchemaTypeKind::Number));
  CHECK(*s.arguments[2].defaultValue == SchemaValue::ofInt(1));
  REQUIRE(s.returns.size() == 1);
  CHECK(s.returns[0].name.empty());

  auto conv = parseOk("aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[2] "
                      "stride=1, int[2] padding=0, int[2] dilation=1, int groups=1) -> Tensor");
  const auto &stride = conv.arguments[3];
  CHECK(stride.type.is(SchemaTypeKind::List));
  CHECK(stride.type.fixedSize == 2);
  CHECK(*stride.defaultValue ==
        SchemaValue::ofList({SchemaValue::ofInt(1), SchemaValue::ofInt(1)}));
  CHECK(conv.arguments[2].type.is(SchemaTypeKind::Optional));
  CHECK(conv.arguments[2].defaultValue->isNone());

  auto d = parseOk("x::f(float eps=1e-05, float m=1, float n=-0.5, int k=-1, bool b=True, "
                   "str r=\"mean\", str q='x', int[] e=[], int[2] p=[0, 1], "
                   "ScalarType dtype=long, Layout layout=strided, MemoryFormat "
                   "memory_format=contiguous_format, MemoryFormat cl=channels_last, int "
                   "reduction=Mean, ScalarType? o=float, float big=inf) -> ()");
  auto dv = [&](const char *name) { return *d.arguments[*d.argumentIndex(name)].defaultValue; };
  CHECK(dv("eps") == SchemaValue::ofFloat(1e-05));
  CHECK(dv("m") == SchemaValue::ofFloat(1.0)); // a float argument makes an int literal a float
  CHECK(dv("n") == SchemaValue::ofFloat(-0.5));
  CHECK(dv("k") == SchemaValue::ofInt(-1));
  CHECK(dv("b") == SchemaValue::ofBool(true));
  CHECK(dv("r") == SchemaValue::ofStr("mean"));
  CHECK(dv("e") == SchemaValue::ofList({}));
  CHECK(dv("p") == SchemaValue::ofList({SchemaValue::ofInt(0), SchemaValue::ofInt(1)}));
  CHECK(dv("dtype") == SchemaValue::ofInt(4));
  CHECK(dv("layout") == SchemaValue::ofInt(0));
  CHECK(dv("memory_format") == SchemaValue::ofInt(0));
  CHECK(dv("cl") == SchemaValue::ofInt(2));
  CHECK(dv("reduction") == SchemaValue::ofInt(1));
  CHECK(dv("o") == SchemaValue::ofInt(6));
  CHECK(d.returns.empty());
  CHECK(!d.isVarret);
  CHECK(d.str().find("float eps=1.0000000000000001e-05, float m=1., float n=-0.5") !=
        std::string::npos);
  CHECK(d.str().find("int[2] p=[0, 1]") != std::string::npos);
}

TEST_CASE("parse: string escapes print the way torch prints them") {
  auto s = parseOk(R"(x::f(str a="\"\'\\", str b=" \n\t\f\v", str c='"\'\\') -> str)");
  CHECK(s.arguments[0].defaultValue->s == "\"'\\");
  CHECK(s.arguments[1].defaultValue->s == " \n\t\f\v");
  CHECK(s.arguments[2].defaultValue->s == "\"'\\");
  CHECK(s.str() == R"(x::f(str a="\"\'\\", str b=" \n\t\f\v", str c="\"\'\\") -> str)");
}

TEST_CASE("parse: alias annotations") {
  auto s = parseOk("aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> "
                   "Tensor(a!)");
  REQUIRE(s.arguments[0].type.alias);
  CHECK(s.arguments[0].type.alias->isWrite);
  CHECK(s.arguments[0].type.alias->beforeSets == std::vector<std::string>{"a"});
  CHECK(s.returns[0].type.alias->afterSets == std::vector<std::string>{"a"});

  auto g = parseOk("aten::__getitem__.t(t[](a) list, int idx) -> t(*)");
  CHECK(g.arguments[0].type.is(SchemaTypeKind::List));
  CHECK(g.arguments[0].type.alias->beforeSets == std::vector<std::string>{"a"});
  CHECK(g.arguments[0].type.element().is(SchemaTypeKind::Var));
  CHECK(g.returns[0].type.alias->beforeSets == std::vector<std::string>{"*"});

  auto w = parseOk("x::f(Tensor(a -> *) x, Tensor(a!)[] ys, Tensor(b|c) z) -> Tensor(b|a)");
  CHECK(w.arguments[0].type.alias->beforeSets == std::vector<std::string>{"a"});
  CHECK(w.arguments[0].type.alias->afterSets == std::vector<std::string>{"*"});
  CHECK(w.arguments[1].type.element().alias->isWrite);
  CHECK(w.str() == "x::f(Tensor(a -> *) x, Tensor(a!)[] ys, Tensor(b|c) z) -> Tensor(b|a)");

  // `Tensor?(a!)` is accepted and printed as torch prints it.
  auto o = parseOk("x::f(Tensor?(a!) x) -> ()");
  CHECK(o.arguments[0].type.is(SchemaTypeKind::Optional));
  CHECK(o.arguments[0].type.element().alias->isWrite);
  CHECK(o.str() == "x::f(Tensor(a!)? x) -> ()");
}

TEST_CASE("parse: containers, varargs, returns") {
  auto f = parseOk("aten::format(str self, ...) -> str");
  CHECK(f.isVararg);
  CHECK(f.arguments.size() == 1);
  auto h = parseOk("aten::has_torch_function(...) -> bool");
  CHECK(h.isVararg);
  CHECK(h.arguments.empty());
  auto u = parseOk("prim::TupleUnpack(Any tup) -> ...");
  CHECK(u.isVarret);
  CHECK(u.str() == "prim::TupleUnpack(Any tup) -> ...");
  auto m = parseOk("aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, "
                   "Tensor indices)");
  REQUIRE(m.returns.size() == 2);
  CHECK(m.returns[1].name == "indices");
  auto items = parseOk("aten::items.str(Dict(str, t) self) -> ((str, t)[])");
  REQUIRE(items.returns.size() == 1);
  CHECK(items.returns[0].type.is(SchemaTypeKind::List));
  CHECK(items.returns[0].type.element().is(SchemaTypeKind::Tuple));
  CHECK(items.str() == "aten::items.str(Dict(str, t) self) -> ((str, t)[])");
  auto idx = parseOk("aten::index.Tensor(Tensor self, Tensor?[] indices) -> Tensor");
  CHECK(idx.arguments[1].type.element().is(SchemaTypeKind::Optional));
  auto cls = parseOk("quantized::linear(Tensor X, "
                     "__torch__.torch.classes.quantized.LinearPackedParamsBase W_prepack, "
                     "float Y_scale_i, int Y_zero_point_i) -> Tensor Y");
  CHECK(cls.arguments[1].type.is(SchemaTypeKind::Class));
  CHECK(cls.arguments[1].type.name == "__torch__.torch.classes.quantized.LinearPackedParamsBase");
  CHECK(cls.returns[0].name == "Y");
  auto noNs = parseOk("__getstate__(__torch__.torch.classes.quantized.LinearPackedParamsBase _0) "
                      "-> ((Tensor, Tensor?) _0)");
  CHECK(noNs.name == "__getstate__");
  CHECK(noNs.returns[0].type.is(SchemaTypeKind::Tuple));
  CHECK(noNs.str() == "__getstate__(__torch__.torch.classes.quantized.LinearPackedParamsBase _0) "
                      "-> ((Tensor, Tensor?) _0)");

  auto t = parseSchemaType("Dict(str, Future(int[]?))");
  REQUIRE(t.ok());
  CHECK(t->str() == "Dict(str, Future(int[]?))");
  CHECK(!parseSchemaType("Dict(str)").ok());
  CHECK(!parseSchemaType("Foo").ok());
  CHECK(!parseSchemaType("int[").ok());
}

TEST_CASE("parse: malformed text yields errors, never a crash") {
  const char *bad[] = {
      "",
      "aten::",
      "aten::add(",
      "aten::add(Tensor self",
      "aten::add(Tensor self) ->",
      "aten::add(Tensor self) -> Tensor extra junk",
      "aten::add(Tensor self=) -> Tensor",
      "aten::add(Tensor) -> Tensor",
      "aten::add(Tensor self, ..., int x) -> Tensor",
      "aten::f(int[] x=1) -> ()",
      "aten::f(int x=99999999999999999999999) -> ()",
      "aten::f(str x=\"abc) -> ()",
      "aten::f(Tensor(a x) -> ()",
      "aten::f(Tensor(a)(b) x) -> ()",
      "aten::f(int x=bogus) -> ()",
      "aten::f(int[99999999999] x) -> ()",
      "aten::f(*, *, int x) -> ()",
  };
  for (const char *text : bad) {
    INFO(text);
    CHECK(!parseSchema(text).ok());
  }
  std::string deep = "x::f(" + std::string(500, '(') + "int" + std::string(500, ')') + " a) -> ()";
  CHECK(!parseSchema(deep).ok());

  // Every prefix and random byte mutations of real lines: any result, but no crash.
  std::mt19937 rng(1234);
  auto lines = schemaLines(readFile(tablePath("schemas.txt")));
  REQUIRE(lines.size() > 100);
  size_t parsed = 0;
  for (size_t k = 0; k < 300; ++k) {
    const std::string &line = lines[rng() % lines.size()];
    for (size_t n = 0; n <= line.size(); n += 3)
      parsed += parseSchema(std::string_view(line).substr(0, n)).ok();
    std::string m = line;
    for (int j = 0; j < 4; ++j)
      m[rng() % m.size()] = static_cast<char>("()[]?!*,.=-> \"'|0aZ"[rng() % 19]);
    parsed += parseSchema(m).ok();
  }
  CHECK(parsed > 0);
}

TEST_CASE("enum constants") {
  CHECK(schemaEnumConstant("long") == 4);
  CHECK(schemaEnumConstant("float") == 6);
  CHECK(schemaEnumConstant("bool") == 11);
  CHECK(schemaEnumConstant("bfloat16") == 15);
  CHECK(schemaEnumConstant("preserve_format") == 1);
  CHECK(schemaEnumConstant("channels_last_3d") == 3);
  CHECK(schemaEnumConstant("strided") == 0);
  CHECK(schemaEnumConstant("Sum") == 2);
  CHECK(!schemaEnumConstant("bogus"));
}
