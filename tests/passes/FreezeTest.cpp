#include <doctest/doctest.h>

#include <memory>

#include "frontend/Freeze.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

using namespace ts2onnx;
using frontend::IValue;

namespace {

IValue module(std::string cls, std::vector<std::pair<std::string, IValue>> attrs) {
  auto o = std::make_shared<frontend::Object>();
  o->className = std::move(cls);
  o->built = true;
  o->attributes = std::move(attrs);
  return IValue::fromObject(o);
}

IValue tensor(std::vector<float> v) {
  auto t = std::make_shared<frontend::TensorValue>();
  t->tensor = ir::Tensor::fromVector(ir::ScalarType::Float32, {int64_t(v.size())}, v);
  return IValue::fromTensor(t);
}

/// `self.fc` (weight, stride list, training flag) under a root with its own training flag.
IValue sampleModule(const IValue &weight) {
  auto stride = std::make_shared<frontend::List>();
  stride->elements = {IValue::fromInt(2), IValue::fromInt(2)};
  IValue fc = module("__torch__.Fc", {{"training", IValue::fromBool(false)},
                                      {"weight", weight},
                                      {"stride", IValue::fromList(stride)},
                                      {"bias", IValue()}});
  return module("__torch__.M", {{"training", IValue::fromBool(false)}, {"fc", fc}});
}

std::unique_ptr<ir::Graph> parse(std::string_view text) {
  auto g = ir::parseGraph(text);
  INFO(g.status().ToString());
  REQUIRE(g.ok());
  return std::move(*g);
}

} // namespace

TEST_CASE("freeze turns attribute chains into named, typed constants and drops self") {
  IValue w = tensor({1, 2, 3});
  auto g = parse(R"IR(graph(%self.1 : __torch__.M,
      %x.1 : Tensor):
  %fc.1 : __torch__.Fc = prim::GetAttr[name="fc"](%self.1)
  %w.1 : Tensor = prim::GetAttr[name="weight"](%fc.1)
  %s.1 : int[] = prim::GetAttr[name="stride"](%fc.1)
  %b.1 : Tensor? = prim::GetAttr[name="bias"](%fc.1)
  %training.1 : bool = prim::GetAttr[name="training"](%self.1)
  %y.1 : Tensor = prim::If(%training.1)
    block0():
      %fc.2 : __torch__.Fc = prim::GetAttr[name="fc"](%self.1)
      %w.2 : Tensor = prim::GetAttr[name="weight"](%fc.2)
      %m.1 : Tensor = aten::mul(%x.1, %w.2)
      -> (%m.1)
    block1():
      -> (%x.1)
  %out : (Tensor, Tensor, int[], Tensor?) = prim::TupleConstruct(%y.1, %w.1, %s.1, %b.1)
  return (%out)
)IR");
  absl::Status s = frontend::freezeModule(*g, sampleModule(w));
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(ir::verify(*g).ok());
  CHECK(ir::printGraph(*g) == R"IR(graph(%x.1 : Tensor):
  %fc.weight : Float(3) = prim::Constant[value= 1  2  3 [ CPUFloatType{3} ]]()
  %14 : int[] = prim::Constant[value=[2, 2]]()
  %15 : NoneType = prim::Constant()
  %16 : bool = prim::Constant[value=0]()
  %y.1 : Tensor = prim::If(%16)
    block0():
      %m.1 : Tensor = aten::mul(%x.1, %fc.weight)
      -> (%m.1)
    block1():
      -> (%x.1)
  %out : (Tensor, Tensor, int[], Tensor?) = prim::TupleConstruct(%y.1, %fc.weight, %14, %15)
  return (%out)
)IR");
  // The constant views the module's tensor: no copy.
  CHECK(g->block()->nodes().begin().operator*()->t(ir::attr::value).storage() ==
        w.toTensor().tensor.storage());
}

TEST_CASE("freeze accepts a SetAttr in a training branch and rejects one in a loop") {
  constexpr std::string_view text = R"IR(graph(%self.1 : __torch__.M,
      %x.1 : Tensor):
  %training.1 : bool = prim::GetAttr[name="training"](%self.1)
   = prim::If(%training.1)
    block0():
       = prim::SetAttr[name="training"](%self.1, %training.1)
      -> ()
    block1():
      -> ()
  %fc.1 : __torch__.Fc = prim::GetAttr[name="fc"](%self.1)
  %n.1 : int = prim::Constant[value=3]()
   = prim::Loop(%n.1, %training.1)
    block0(%i.1 : int):
       = prim::SetAttr[name="weight"](%fc.1, %x.1)
      -> (%training.1)
  return (%x.1)
)IR";
  auto g = parse(text);
  absl::Status s = frontend::freezeModule(*g, sampleModule(tensor({1})));
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(s.message().find("assigns module attribute 'weight' (prim::SetAttr) inside a loop") !=
        std::string::npos);

  auto ok = parse(std::string(text.substr(0, text.find("  %fc.1"))) + "  return (%x.1)\n");
  absl::Status s2 = frontend::freezeModule(*ok, sampleModule(tensor({1})));
  INFO(s2.ToString());
  CHECK(s2.ok());
  CHECK(ok->inputs().size() == 1);
}

TEST_CASE("freeze names a missing attribute") {
  auto g = parse(R"IR(graph(%self.1 : __torch__.M):
  %a.1 : Tensor = prim::GetAttr[name="nope"](%self.1)
  return (%a.1)
)IR");
  absl::Status s = frontend::freezeModule(*g, sampleModule(tensor({1})));
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK(s.message().find("has no attribute 'nope'") != std::string::npos);
}

TEST_CASE("freeze forwards a module attribute written outside loops to the reads after it") {
  // A cache filled on the first call (torchvision's anchor generators): the read after the
  // write sees the written value, the read before it the stored one.
  auto g = parse(R"IR(graph(%self.1 : __torch__.M,
      %x.1 : Tensor):
  %fc.1 : __torch__.Fc = prim::GetAttr[name="fc"](%self.1)
  %w.1 : Tensor = prim::GetAttr[name="weight"](%fc.1)
  %y.1 : Tensor = aten::mul(%w.1, %x.1)
   = prim::SetAttr[name="weight"](%fc.1, %y.1)
  %fc.2 : __torch__.Fc = prim::GetAttr[name="fc"](%self.1)
  %w.2 : Tensor = prim::GetAttr[name="weight"](%fc.2)
  %z.1 : Tensor = aten::mul(%w.2, %w.2)
  return (%z.1)
)IR");
  absl::Status s = frontend::freezeModule(*g, sampleModule(tensor({1, 2, 3})));
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(ir::verify(*g).ok());
  std::string printed = ir::printGraph(*g);
  INFO(printed);
  CHECK(printed.find("SetAttr") == std::string::npos);
  CHECK(printed.find("GetAttr") == std::string::npos);
  CHECK(printed.find("aten::mul(%y.1, %y.1)") != std::string::npos);
  CHECK(printed.find("aten::mul(%fc.weight, %x.1)") != std::string::npos);
}

TEST_CASE("freeze threads a module attribute written in one branch through the If") {
  // SSD's `if not self._has_warned: ...; self._has_warned = True` and lazily filled caches.
  auto g = parse(R"IR(graph(%self.1 : __torch__.M,
      %x.1 : Tensor,
      %c.1 : bool):
  %fc.1 : __torch__.Fc = prim::GetAttr[name="fc"](%self.1)
   = prim::If(%c.1)
    block0():
       = prim::SetAttr[name="weight"](%fc.1, %x.1)
      -> ()
    block1():
      -> ()
  %fc.2 : __torch__.Fc = prim::GetAttr[name="fc"](%self.1)
  %w.2 : Tensor = prim::GetAttr[name="weight"](%fc.2)
  return (%w.2)
)IR");
  absl::Status s = frontend::freezeModule(*g, sampleModule(tensor({1, 2, 3})));
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(ir::verify(*g).ok());
  std::string printed = ir::printGraph(*g);
  INFO(printed);
  CHECK(printed.find("SetAttr") == std::string::npos);
  // The If yields the written value in one branch and the stored constant in the other, and
  // the graph returns the If's output.
  CHECK(printed.find("-> (%x.1)") != std::string::npos);
  CHECK(printed.find("-> (%weight)") != std::string::npos);
  ir::Node *ret = g->block()->returnNode();
  CHECK(ret->input(0)->node()->kind() == ir::prim::If);
}
