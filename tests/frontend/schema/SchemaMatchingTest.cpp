// Expected overloads were taken from torch 1.13 (/usr/bin/python3): each call was written in a
// scripted function and the chosen overload read back with `node.schema()`.
#include "frontend/schema/SchemaMatching.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ts2onnx::frontend;

namespace {

SchemaType T(std::string_view text) {
  auto t = parseSchemaType(text);
  REQUIRE_MESSAGE(t.ok(), t.status().message());
  return *t;
}

struct Call {
  std::vector<CallArgument> positional;
  std::vector<CallArgument> keywords;
};

Call args(std::initializer_list<const char *> types,
          std::initializer_list<std::pair<const char *, const char *>> kw = {}) {
  Call c;
  for (const char *t : types)
    c.positional.push_back(std::string_view(t) == "[]" ? CallArgument::emptyList()
                                                       : CallArgument::of(T(t)));
  for (const auto &[name, t] : kw)
    c.keywords.push_back(CallArgument::keyword(name, T(t)));
  return c;
}

SchemaMatch resolve(std::string_view op, const Call &c) {
  auto m = resolveOverload(SchemaRegistry::builtin(), op, c.positional, c.keywords);
  REQUIRE_MESSAGE(m.ok(), m.status().message());
  return *m;
}

std::string chosen(std::string_view op, const Call &c) { return resolve(op, c).schema->fullName(); }

} // namespace

TEST_CASE("overloads torch picks: arithmetic") {
  CHECK(chosen("aten::add", args({"Tensor", "Tensor"})) == "aten::add.Tensor");
  CHECK(chosen("aten::add", args({"Tensor", "float"})) == "aten::add.Scalar");
  CHECK(chosen("aten::add", args({"Tensor", "int"})) == "aten::add.Scalar");
  CHECK(chosen("aten::add", args({"Tensor", "Tensor"}, {{"alpha", "int"}})) == "aten::add.Tensor");
  CHECK(chosen("aten::add", args({"int", "int"})) == "aten::add.int");
  CHECK(chosen("aten::add", args({"float", "int"})) == "aten::add.float_int");
  CHECK(chosen("aten::add", args({"int", "float"})) == "aten::add.int_float");
  CHECK(chosen("aten::add", args({"int[]", "int[]"})) == "aten::add.t");
  CHECK(chosen("aten::sub", args({"Tensor", "Tensor"})) == "aten::sub.Tensor");
  CHECK(chosen("aten::sub", args({"Tensor", "int"})) == "aten::sub.Scalar");
  CHECK(chosen("aten::sub", args({"int", "int"})) == "aten::sub.int");
  CHECK(chosen("aten::mul", args({"Tensor", "float"})) == "aten::mul.Scalar");
  CHECK(chosen("aten::mul", args({"Tensor", "Tensor"})) == "aten::mul.Tensor");
  CHECK(chosen("aten::mul", args({"int", "float"})) == "aten::mul.int_float");
  CHECK(chosen("aten::div", args({"Tensor", "float"})) == "aten::div.Scalar");
  CHECK(chosen("aten::div", args({"int", "float"})) == "aten::div");
  CHECK(chosen("aten::div", args({"Tensor", "Tensor"}, {{"rounding_mode", "str"}})) ==
        "aten::div.Tensor_mode");
  CHECK(chosen("aten::floor_divide", args({"Tensor", "int"})) == "aten::floor_divide.Scalar");
}

TEST_CASE("overloads torch picks: comparisons and containers") {
  CHECK(chosen("aten::eq", args({"int", "int"})) == "aten::eq.int");
  CHECK(chosen("aten::eq", args({"float", "int"})) == "aten::eq.float_int");
  CHECK(chosen("aten::eq", args({"str", "str"})) == "aten::eq.str");
  CHECK(chosen("aten::eq", args({"Tensor", "Tensor"})) == "aten::eq.Tensor");
  CHECK(chosen("aten::eq", args({"Tensor", "int"})) == "aten::eq.Scalar");
  CHECK(chosen("aten::eq", args({"int[]", "int[]"})) == "aten::eq.int_list");

  auto item = resolve("aten::__getitem__", args({"int[]", "int"}));
  CHECK(item.schema->fullName() == "aten::__getitem__.t");
  REQUIRE(item.returnTypes.size() == 1);
  CHECK(item.returnTypes[0].str() == "int");
  auto dictItem = resolve("aten::__getitem__", args({"Dict(str, Tensor)", "str"}));
  CHECK(dictItem.schema->fullName() == "aten::__getitem__.Dict_str");
  CHECK(dictItem.returnTypes[0].str() == "Tensor");
  CHECK(chosen("aten::__getitem__", args({"str", "int"})) == "aten::__getitem__.str");
  CHECK(resolve("aten::__getitem__", args({"Tensor[]", "int"})).returnTypes[0].str() == "Tensor");

  CHECK(chosen("aten::len", args({"int[]"})) == "aten::len.t");
  CHECK(chosen("aten::len", args({"Tensor[]"})) == "aten::len.t");
  CHECK(chosen("aten::len", args({"Dict(str, Tensor)"})) == "aten::len.Dict_str");
  CHECK(chosen("aten::len", args({"Tensor"})) == "aten::len.Tensor");
  CHECK(chosen("aten::stack", args({"Tensor[]"})) == "aten::stack");

  auto fmt = resolve("aten::format", args({"str", "int", "str"}));
  CHECK(fmt.schema->fullName() == "aten::format");
  CHECK(fmt.varargs == std::vector<size_t>{1, 2});
}

TEST_CASE("overloads torch picks: tensor ops with defaults") {
  auto cat = resolve("aten::cat", args({"Tensor[]"}));
  CHECK(cat.schema->fullName() == "aten::cat");
  REQUIRE(cat.arguments.size() == 2);
  CHECK(cat.arguments[1].source == BoundArgument::Source::Default);
  CHECK(*cat.arguments[1].defaultValue == SchemaValue::ofInt(0));
  CHECK(chosen("aten::cat", args({"Tensor[]", "int"})) == "aten::cat");

  auto conv = resolve("aten::conv2d", args({"Tensor", "Tensor"}));
  CHECK(conv.schema->fullName() == "aten::conv2d");
  REQUIRE(conv.arguments.size() == 7);
  CHECK(conv.arguments[2].defaultValue->isNone());
  for (int i : {3, 5})
    CHECK(*conv.arguments[i].defaultValue ==
          SchemaValue::ofList({SchemaValue::ofInt(1), SchemaValue::ofInt(1)}));
  CHECK(*conv.arguments[4].defaultValue ==
        SchemaValue::ofList({SchemaValue::ofInt(0), SchemaValue::ofInt(0)}));
  CHECK(*conv.arguments[6].defaultValue == SchemaValue::ofInt(1));
  auto conv2 = resolve("aten::conv2d", args({"Tensor", "Tensor", "NoneType", "int[]", "int[]"}));
  CHECK(conv2.schema->fullName() == "aten::conv2d");
  CHECK(conv2.arguments[4].source == BoundArgument::Source::Positional);
  CHECK(conv2.arguments[5].source == BoundArgument::Source::Default);
  CHECK(chosen("aten::conv2d", args({"Tensor", "Tensor", "NoneType", "int[]", "str"})) ==
        "aten::conv2d.padding");

  CHECK(chosen("aten::sum", args({"Tensor"})) == "aten::sum");
  CHECK(chosen("aten::sum", args({"Tensor", "int[]"})) == "aten::sum.dim_IntList");
  CHECK(chosen("aten::sum", args({"Tensor", "int[]", "bool"}, {{"dtype", "NoneType"}})) ==
        "aten::sum.dim_IntList");
  CHECK(chosen("aten::mean", args({"Tensor", "int[]", "bool"})) == "aten::mean.dim");
  CHECK(chosen("aten::max", args({"Tensor"})) == "aten::max");
  auto maxDim = resolve("aten::max", args({"Tensor", "int"}));
  CHECK(maxDim.schema->fullName() == "aten::max.dim");
  CHECK(maxDim.returnTypes.size() == 2);
  CHECK(chosen("aten::max", args({"Tensor", "Tensor"})) == "aten::max.other");
  CHECK(chosen("aten::size", args({"Tensor"})) == "aten::size");
  CHECK(chosen("aten::size", args({"Tensor", "int"})) == "aten::size.int");
  CHECK(chosen("aten::softmax", args({"Tensor", "int"})) == "aten::softmax.int");
  CHECK(chosen("aten::clamp", args({"Tensor", "float", "float"})) == "aten::clamp");
  CHECK(chosen("aten::dropout", args({"Tensor", "float", "bool"})) == "aten::dropout");
  CHECK(chosen("aten::select", args({"Tensor", "int", "int"})) == "aten::select.int");
  CHECK(chosen("aten::transpose", args({"Tensor"}, {{"dim0", "int"}, {"dim1", "int"}})) ==
        "aten::transpose.int");
  CHECK(chosen("aten::flatten", args({"Tensor", "int"})) == "aten::flatten.using_ints");
  // aten's `self` may be passed as `input=`.
  CHECK(chosen("aten::relu", args({}, {{"input", "Tensor"}})) == "aten::relu");
}

TEST_CASE("overloads torch picks: to, view, factories") {
  CHECK(chosen("aten::to", args({"Tensor", "int"})) == "aten::to.dtype");
  CHECK(chosen("aten::to", args({"Tensor", "Tensor"})) == "aten::to.other");
  CHECK(chosen("aten::to", args({"Tensor", "Device", "int"})) == "aten::to.device");
  CHECK(chosen("aten::to", args({"Tensor", "int", "bool", "bool"})) == "aten::to.dtype");
  auto toStr = resolve("aten::to", args({"Tensor", "str"}));
  CHECK(toStr.schema->fullName() == "aten::to.prim_Device");
  CHECK(toStr.arguments[1].conversion == ArgConversion::StrToDevice);

  CHECK(chosen("aten::view", args({"Tensor", "int[]"})) == "aten::view");
  auto view1 = resolve("aten::view", args({"Tensor", "int"})); // never view.dtype
  CHECK(view1.schema->fullName() == "aten::view");
  CHECK(view1.arguments[1].conversion == ArgConversion::VarargsToList);
  auto view2 = resolve("aten::view", args({"Tensor", "int", "int"}));
  CHECK(view2.arguments[1].indices == std::vector<size_t>{1, 2});
  auto viewTuple = resolve("aten::view", args({"Tensor", "(int, int)"}));
  CHECK(viewTuple.schema->fullName() == "aten::view");
  CHECK(viewTuple.arguments[1].conversion == ArgConversion::TupleToList);
  CHECK(chosen("aten::reshape", args({"Tensor", "int[]"})) == "aten::reshape");

  auto zeros = resolve("aten::zeros", args({"int[]"}, {{"dtype", "int"}}));
  CHECK(zeros.schema->fullName() == "aten::zeros");
  CHECK(zeros.arguments[1].source == BoundArgument::Source::Keyword);
  CHECK(zeros.arguments[2].source == BoundArgument::Source::Default);
  CHECK(chosen("aten::zeros", args({"int[]"}, {{"dtype", "NoneType"},
                                               {"layout", "NoneType"},
                                               {"device", "Device"},
                                               {"pin_memory", "bool"}})) == "aten::zeros");
  CHECK(chosen("aten::zeros", args({"int", "int"})) == "aten::zeros");
  CHECK(chosen("aten::ones", args({"int", "int"})) == "aten::ones");
  CHECK(chosen("aten::full", args({"int[]", "float"})) == "aten::full");
  CHECK(chosen("aten::arange", args({"int"})) == "aten::arange");

  auto pool = resolve("aten::max_pool2d", args({"Tensor", "int"}));
  CHECK(pool.schema->fullName() == "aten::max_pool2d");
  CHECK(pool.arguments[1].conversion == ArgConversion::RepeatToList);
  CHECK(chosen("aten::max_pool2d", args({"Tensor", "(int, int)"})) == "aten::max_pool2d");
}

TEST_CASE("implicit conversions happen only when nothing matches without them") {
  // add(Tensor, Tensor, alpha=Tensor): alpha goes through aten::ScalarImplicit.
  auto m = resolve("aten::add", args({"Tensor", "Tensor"}, {{"alpha", "Tensor"}}));
  CHECK(m.schema->fullName() == "aten::add.Tensor");
  CHECK(m.arguments[2].conversion == ArgConversion::TensorToScalar);
  // dropout(Tensor, Tensor p, bool): p goes through aten::FloatImplicit.
  auto d = resolve("aten::dropout", args({"Tensor", "Tensor", "bool"}));
  CHECK(d.arguments[1].conversion == ArgConversion::TensorToFloat);
  // An empty list literal fits any list.
  auto s = resolve("aten::sum", args({"Tensor", "[]"}));
  CHECK(s.schema->fullName() == "aten::sum.dim_IntList");
  CHECK(s.arguments[1].conversion == ArgConversion::EmptyListLiteral);
}

TEST_CASE("a failed match lists the candidates") {
  auto m = resolveOverload(SchemaRegistry::builtin(), "aten::add",
                           args({"Tensor", "str"}).positional, {});
  REQUIRE(!m.ok());
  std::string msg(m.status().message());
  CHECK(msg.find("Arguments for call to aten::add(Tensor, str) are not valid") !=
        std::string::npos);
  CHECK(msg.find("aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor:") !=
        std::string::npos);
  CHECK(msg.find("aten::add.str(str a, str b) -> str:") != std::string::npos);
  CHECK(msg.find("for argument 'other' but instead found type 'str'") != std::string::npos);

  auto unknownKw =
      resolveOverload(SchemaRegistry::builtin(), "aten::relu", args({"Tensor"}).positional,
                      args({}, {{"bogus", "int"}}).keywords);
  REQUIRE(!unknownKw.ok());
  CHECK(std::string(unknownKw.status().message()).find("Keyword argument bogus unknown") !=
        std::string::npos);
  auto tooMany = resolveOverload(SchemaRegistry::builtin(), "aten::relu",
                                 args({"Tensor", "Tensor"}).positional, {});
  REQUIRE(!tooMany.ok());
  CHECK(std::string(tooMany.status().message()).find("Expected at most 1 arguments") !=
        std::string::npos);
  CHECK(absl::IsNotFound(
      resolveOverload(SchemaRegistry::builtin(), "aten::nope", args({}).positional, {}).status()));
}

TEST_CASE("subtype relation") {
  CHECK(isSchemaSubtype(T("int"), T("Scalar")));
  CHECK(isSchemaSubtype(T("float"), T("Scalar?")));
  CHECK(!isSchemaSubtype(T("int"), T("float")));
  CHECK(!isSchemaSubtype(T("bool"), T("Scalar")));
  CHECK(isSchemaSubtype(T("NoneType"), T("Tensor?")));
  CHECK(isSchemaSubtype(T("int"), T("ScalarType")));
  CHECK(isSchemaSubtype(T("int[]"), T("SymInt[]")));
  CHECK(!isSchemaSubtype(T("int[]"), T("float[]")));
  CHECK(!isSchemaSubtype(T("Tensor?"), T("Tensor")));
  CHECK(isSchemaSubtype(T("(int, Tensor)"), T("(Scalar, Tensor?)")));
  CHECK(isSchemaSubtype(T("Dict(str, Tensor)"), T("Any")));
  CHECK(!isSchemaSubtype(T("Dict(str, int)"), T("Dict(str, Scalar)")));
}
