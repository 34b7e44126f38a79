// Legacy model.json archives (torch 1.0 to 1.2) with tensors, submodules and attributes. Torch
// 1.13 cannot write this format, so the archives are built here from FORMAT-NOTES §5 (the
// model.json fields of caffe2/proto/torch.proto), the way torch 1.1's writer laid them out.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "frontend/Archive.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "tests/frontend/ZipTestUtil.h"

using namespace ts2onnx;
namespace fs = std::filesystem;

namespace {

std::string floats(std::initializer_list<float> v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.begin(), s.size());
  return s;
}

fs::path writeArchive(const std::string &name, const std::vector<frontend::testing::TestEntry> &e) {
  fs::path p = fs::temp_directory_path() / ("ts2onnx-legacy-" + name + ".pt");
  auto zip = frontend::testing::buildZip(e, /*zip64=*/false);
  std::ofstream(p, std::ios::binary) << zip.bytes;
  return p;
}

const char *kModelJson = R"({"protoVersion":"3","mainModule":{"name":"net","optimize":true,
  "torchscriptArena":{"key":"code/net.py"},
  "parameters":[{"name":"scale","tensorId":"0"}],
  "attributes":[{"name":"k","type":"int","id":"0"}],
  "submodules":[{"name":"lin","torchscriptArena":{"key":"code/net_lin.py"},
     "parameters":[{"name":"weight","tensorId":"1"},{"name":"bias","tensorId":"2"}]}]},
  "producerName":"pytorch","producerVersion":"1.1",
  "tensors":[
   {"dims":["2"],"offset":"0","strides":["1"],"requiresGrad":true,"dataType":"FLOAT",
    "data":{"key":"tensors/0"},"device":"cpu"},
   {"dims":["2","2"],"offset":"0","strides":["2","1"],"requiresGrad":true,"dataType":"FLOAT",
    "data":{"key":"tensors/1"},"device":"cpu"},
   {"dims":["2"],"offset":"4","strides":["1"],"requiresGrad":true,"dataType":"FLOAT",
    "data":{"key":"tensors/1"},"device":"cpu"}]})";

// attributes.pkl: protocol 2, the tuple (3,): PROTO 2, MARK, BININT1 3, TUPLE, STOP.
const std::string kAttributes = std::string("\x80\x02(K\x03t.", 7);

} // namespace

TEST_CASE("a legacy archive with tensors, a submodule and an attribute compiles") {
  std::string root = "net/";
  auto path = writeArchive(
      "ok",
      {{root + "version", "1\n"},
       {root + "model.json", kModelJson},
       {root + "attributes.pkl", kAttributes},
       {root + "tensors/0", floats({2, 3})},
       // tensors 1 and 2 share a record: a 2x2 weight then a 2-element bias at offset 4.
       {root + "tensors/1", floats({1, 0, 0, 1, 0.5f, -0.5f})},
       {root + "code/net.py", "op_version_set = 0\ndef forward(self,\n    x: Tensor) -> Tensor:\n"
                              "  _0 = torch.mul(self.lin.forward(x), self.scale)\n"
                              "  return torch.add(_0, self.k, alpha=1)\n"},
       {root + "code/net_lin.py",
        "op_version_set = 0\ndef forward(self,\n    input: Tensor) -> Tensor:\n"
        "  _0 = torch.addmm(self.bias, input, torch.t(self.weight), beta=1, alpha=1)\n"
        "  return _0\n"}});
  auto a = frontend::Archive::open(path.string());
  REQUIRE_MESSAGE(a.ok(), a.status().message());
  CHECK((*a)->format() == frontend::Archive::Format::Legacy);
  const frontend::Object &obj = (*a)->root().toObject();
  const frontend::IValue *scale = obj.attr("scale");
  REQUIRE(scale != nullptr);
  REQUIRE(scale->isTensor());
  CHECK(scale->toTensor().tensor.doubleAt(1) == 3.0);
  const frontend::IValue *k = obj.attr("k");
  REQUIRE(k != nullptr);
  CHECK(k->toInt() == 3);
  const frontend::Object &lin = obj.attr("lin")->toObject();
  const ir::Tensor &bias = lin.attr("bias")->toTensor().tensor;
  CHECK(bias.storageOffset() == 4);
  CHECK(bias.doubleAt(0) == 0.5);
  auto g = (*a)->compileMethod("forward");
  REQUIRE_MESSAGE(g.ok(), g.status().message());
  CHECK(ir::verify(**g).ok());
  std::string text = ir::printGraph(**g);
  CHECK(text.find("aten::addmm") != std::string::npos);
  CHECK(text.find("prim::GetAttr[name=\"lin\"]") != std::string::npos);
  CHECK(text.find("prim::GetAttr[name=\"weight\"]") != std::string::npos);
  fs::remove(path);
}

TEST_CASE("a legacy tensor whose record is too short is an error naming it") {
  std::string root = "net/";
  auto path = writeArchive("short", {{root + "model.json", kModelJson},
                                     {root + "tensors/0", floats({2, 3})},
                                     {root + "tensors/1", floats({1, 0, 0})},
                                     {root + "code/net.py", "def forward(self, x):\n  return x\n"},
                                     {root + "code/net_lin.py", ""}});
  auto a = frontend::Archive::open(path.string());
  REQUIRE_FALSE(a.ok());
  CHECK(std::string(a.status().message()).find("tensors[1]") != std::string::npos);
  CHECK(std::string(a.status().message()).find("too short") != std::string::npos);
  fs::remove(path);
}

TEST_CASE("an archive whose version record says 11 is refused with the supported range") {
  std::string root = "m/";
  auto path = writeArchive("future", {{root + "version", "11\n"},
                                      {root + "data.pkl", std::string("\x80\x02}q\x00.", 6)}});
  auto a = frontend::Archive::open(path.string());
  REQUIRE_FALSE(a.ok());
  CHECK(std::string(a.status().message()).find("version 11") != std::string::npos);
  CHECK(std::string(a.status().message()).find("1 to 10") != std::string::npos);
  fs::remove(path);
}

namespace {

// A legacy module whose code reads CONSTANTS.cN: the constant table is model.json's `tensors`.
std::string constantsJson(const std::string &tensorsExtra, const std::string &paramId = "1") {
  return R"({"protoVersion":"3","mainModule":{"name":"c","torchscriptArena":{"key":"code/c.py"},
    "parameters":[{"name":"w","tensorId":")" +
         paramId + R"("}]},
    "tensors":[
     {"dims":["2"],"offset":"0","strides":["1"],"dataType":"FLOAT","data":{"key":"tensors/0"},
      "device":"cpu"},
     {"dims":["2"],"offset":"2","strides":["1"],"dataType":"FLOAT","data":{"key":"tensors/0"},
      "device":"cpu"})" +
         tensorsExtra + "]}";
}

fs::path constantsArchive(const std::string &name, const std::string &json,
                          const std::string &code) {
  std::string root = "c/";
  return writeArchive(name, {{root + "version", "1\n"},
                             {root + "model.json", json},
                             {root + "tensors/0", floats({1, 2, 3, 4})},
                             {root + "code/c.py", "op_version_set = 0\ndef forward(self,\n"
                                                  "    x: Tensor) -> Tensor:\n" +
                                                      code}});
}

std::string openError(const fs::path &p) {
  auto a = frontend::Archive::open(p.string());
  fs::remove(p);
  return a.ok() ? "<ok>" : std::string(a.status().message());
}

} // namespace

TEST_CASE("legacy CONSTANTS.cN are the entries of model.json's tensors table") {
  auto path = constantsArchive("constants", constantsJson(""),
                               "  _0 = torch.mul(x, CONSTANTS.c0)\n"
                               "  return torch.add(_0, CONSTANTS.c1, alpha=1)\n");
  auto a = frontend::Archive::open(path.string());
  REQUIRE_MESSAGE(a.ok(), a.status().message());
  REQUIRE((*a)->constants().size() == 2);
  CHECK((*a)->constants()[1].toTensor().tensor.doubleAt(0) == 3.0);
  auto g = (*a)->compileMethod("forward");
  REQUIRE_MESSAGE(g.ok(), g.status().message());
  CHECK(ir::verify(**g).ok());
  std::string text = ir::printGraph(**g);
  CHECK(text.find("aten::mul") != std::string::npos);
  // c0 = [1, 2], c1 = [3, 4] (offset 2 of the same record), printed inline by value.
  CHECK(text.find("Float(2) = prim::Constant[value= 1  2 [ CPUFloatType{2} ]]") !=
        std::string::npos);
  CHECK(text.find("Float(2) = prim::Constant[value= 3  4 [ CPUFloatType{2} ]]") !=
        std::string::npos);
  fs::remove(path);
}

TEST_CASE("legacy CONSTANTS.cN past the tensors table is an error naming the table size") {
  auto path = constantsArchive("constants-range", constantsJson(""),
                               "  return torch.mul(x, CONSTANTS.c2)\n");
  auto a = frontend::Archive::open(path.string());
  REQUIRE_MESSAGE(a.ok(), a.status().message());
  auto g = (*a)->compileMethod("forward");
  REQUIRE_FALSE(g.ok());
  CHECK(std::string(g.status().message()).find("CONSTANTS.c2 does not exist (the table has 2") !=
        std::string::npos);
  fs::remove(path);
}

TEST_CASE("legacy model.json fields of the wrong kind or out of range are errors, not throws") {
  const std::string code = "  return x\n";
  CHECK(openError(constantsArchive("pid-range", constantsJson("", "7"), code))
            .find("parameter 'w' names tensor 7 of 2") != std::string::npos);
  CHECK(openError(constantsArchive("pid-neg", constantsJson("", "-1"), code))
            .find("names tensor -1 of 2") != std::string::npos);
  // A tensor view reaching past its record.
  CHECK(openError(constantsArchive("view-past",
                                   constantsJson(R"(,{"dims":["3"],"offset":"2","strides":["1"],
                        "dataType":"FLOAT","data":{"key":"tensors/0"},"device":"cpu"})"),
                                   code))
            .find("tensors[2]: record 'tensors/0' has 16 bytes, too short") != std::string::npos);
  CHECK(openError(constantsArchive("huge-dim",
                                   constantsJson(R"(,{"dims":["1099511627777"],"dataType":"FLOAT",
                                     "data":{"key":"tensors/0"},"device":"cpu"})"),
                                   code))
            .find("tensors[2]: negative or huge size") != std::string::npos);
  // Sizes whose product overflows, with zero strides (nothing past the record).
  CHECK(openError(constantsArchive("many-huge-dims",
                                   constantsJson(R"(,{"dims":["1099511627776","1099511627776",
                                     "1099511627776","1099511627776"],"strides":["0","0","0","0"],
                                     "dataType":"FLOAT","data":{"key":"tensors/0"},"device":"cpu"})"),
                                   code))
            .find("tensors[2]: the element count overflows") != std::string::npos);
  CHECK(openError(constantsArchive("no-device", constantsJson(R"(,{"dims":["1"],"dataType":"FLOAT",
                                     "data":{"key":"tensors/0"}})"),
                                   code))
            .find("tensors[2]: no device") != std::string::npos);
  CHECK(openError(constantsArchive("quantized-str",
                                   constantsJson(R"(,{"dims":["1"],"dataType":"FLOAT",
                                     "data":{"key":"tensors/0"},"device":"cpu",
                                     "isQuantized":"yes"})"),
                                   code))
            .find("'isQuantized' is not a boolean") != std::string::npos);
  CHECK(openError(constantsArchive("dims-str", constantsJson(R"(,{"dims":"4","dataType":"FLOAT",
                                     "data":{"key":"tensors/0"},"device":"cpu"})"),
                                   code))
            .find("'dims' is not a list") != std::string::npos);
  CHECK(openError(constantsArchive("missing-record",
                                   constantsJson(R"(,{"dims":["1"],"dataType":"FLOAT",
                                     "data":{"key":"tensors/9"},"device":"cpu"})"),
                                   code))
            .find("tensors/9") != std::string::npos);
  std::string root = "c/";
  auto module = [&](const std::string &name, const std::string &mainModule) {
    return writeArchive(
        name, {{root + "model.json", R"({"protoVersion":"3","mainModule":)" + mainModule + "}"},
               {root + "attributes.pkl", kAttributes},
               {root + "code/c.py", "def forward(self, x):\n  return x\n"}});
  };
  CHECK(openError(module("name-int", R"({"name":7})")).find("'name' is not a string") !=
        std::string::npos);
  CHECK(openError(module("params-obj", R"({"name":"c","parameters":{"a":1}})"))
            .find("'parameters' is not a list") != std::string::npos);
  CHECK(openError(module("param-int", R"({"name":"c","parameters":[3]})"))
            .find("parameter is not an object") != std::string::npos);
  CHECK(openError(module("sub-str", R"({"name":"c","submodules":["x"]})"))
            .find("submodule is not an object") != std::string::npos);
  CHECK(openError(module("attr-range",
                         R"({"name":"c","attributes":[{"name":"k","type":"int","id":"5"}]})"))
            .find("attribute 'k' names attributes.pkl entry 5 of 1") != std::string::npos);
  CHECK(openError(module("attr-type", R"({"name":"c","attributes":[{"name":"k","type":5}]})"))
            .find("'type' is not a string") != std::string::npos);
}
