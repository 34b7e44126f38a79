// restoreSetState (frontend/SetState.h): a class's TorchScript `__setstate__`, evaluated on the
// pickled state without running code, assigns what torch.jit.load would; what the restorer
// does not model is refused naming the call and its line. The quantized models of the model
// suite (tests/models/ci-torch-1.13, family quantized) check the restored weights end to end
// against torch's outputs.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>

#include "frontend/ClassTable.h"
#include "frontend/Compiler.h"
#include "frontend/IValue.h"
#include "frontend/SetState.h"
#include "tests/frontend/InMemorySources.h"

using namespace ts2onnx;
using namespace ts2onnx::frontend;

namespace {

IValue tuple(std::vector<IValue> items) {
  auto t = std::make_shared<Tuple>();
  t->elements = std::move(items);
  return IValue::fromTuple(std::move(t));
}

IValue quantizedWeight() {
  auto t = std::make_shared<TensorValue>();
  int8_t ints[2] = {3, -4};
  t->tensor = ir::Tensor::fromBytes(ir::ScalarType::QInt8, {1, 2}, ints);
  t->quant = QuantParams{};
  t->quant->scale = 0.5;
  return IValue::fromTensor(std::move(t));
}

Object stateObject(std::string cls, IValue state) {
  Object o;
  o.className = std::move(cls);
  o.hasSetState = true;
  o.state = std::move(state);
  return o;
}

const char *kLinear = R"(class Linear(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  mode : str
  width : int
  _packed_params : __torch__.torch.classes.quantized.LinearPackedParamsBase
  def __setstate__(self: __torch__.m.Linear,
    state: Tuple[str, int, Tensor, Optional[Tensor], bool]) -> NoneType:
    self.mode = (state)[0]
    self.width = (state)[1]
    _0 = (self).set_weight_bias((state)[2], (state)[3], )
    self.training = (state)[4]
    return None
  def set_weight_bias(self: __torch__.m.Linear,
    w: Tensor,
    b: Optional[Tensor]) -> NoneType:
    mode = self.mode
    if torch.eq(mode, "packed"):
      _1 = ops.quantized.linear_prepack(w, b)
      self._packed_params = _1
    else:
      ops.prim.RaiseException("unknown mode", "builtins.RuntimeError")
    return None
  def grow(self: __torch__.m.Linear) -> NoneType:
    return None
class Adder(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  total : Tensor
  def __setstate__(self: __torch__.m.Adder,
    state: Tuple[Tensor, Tensor]) -> NoneType:
    self.total = torch.add((state)[0], (state)[1])
    return None
)";

} // namespace

TEST_CASE("__setstate__ assigns attributes and packs quantized weights") {
  Sources src;
  src.files["__torch__.m"] = kLinear;
  src.files["__torch__.torch.classes.quantized"] = ""; // C++ classes: an empty file, as saved
  ClassTable classes = src.table();
  Compiler compiler(classes, nullptr, CompileOptions{});
  Object o = stateObject("__torch__.m.Linear",
                         tuple({IValue::fromString("packed"), IValue::fromInt(7), quantizedWeight(),
                                IValue(), IValue::fromBool(false)}));
  auto restored = restoreSetState(compiler, o);
  REQUIRE_MESSAGE(restored.ok(), restored.status().message());
  const Object &r = **restored;
  // In assignment order, as torch's setattr calls make them.
  REQUIRE(r.attributes.size() == 4);
  CHECK(r.attributes[0].first == "mode");
  CHECK(r.attributes[0].second.toStringRef() == "packed");
  CHECK(r.attributes[1].first == "width");
  CHECK(r.attributes[1].second.toInt() == 7);
  CHECK(r.attributes[2].first == "_packed_params");
  CHECK(r.attributes[3].first == "training");
  CHECK(r.attributes[3].second.isBool());
  CHECK(!r.attributes[3].second.toBool());
  const IValue &packed = r.attributes[2].second;
  REQUIRE(packed.isObject());
  CHECK(isPrepacked(packed.toObject()));
  CHECK(packed.toObject().className == "__torch__.torch.classes.quantized.LinearPackedParamsBase");
  const IValue *op = packed.toObject().attr(kPrepackOp);
  const IValue *args = packed.toObject().attr(kPrepackArgs);
  REQUIRE(op);
  REQUIRE(args);
  CHECK(op->toStringRef() == "quantized::linear_prepack");
  REQUIRE(args->toTuple().elements.size() == 2);
  // The very weight of the state (shared, not copied) and the None bias.
  CHECK(args->toTuple().elements[0].identity() == o.state.toTuple().elements[2].identity());
  CHECK(args->toTuple().elements[1].isNone());
}

TEST_CASE("__setstate__ that raises for the state, or calls what is not modelled, is refused") {
  Sources src;
  src.files["__torch__.m"] = kLinear;
  src.files["__torch__.torch.classes.quantized"] = ""; // C++ classes: an empty file, as saved
  ClassTable classes = src.table();
  Compiler compiler(classes, nullptr, CompileOptions{});

  Object raising = stateObject("__torch__.m.Linear",
                               tuple({IValue::fromString("other"), IValue::fromInt(7),
                                      quantizedWeight(), IValue(), IValue::fromBool(false)}));
  auto r1 = restoreSetState(compiler, raising);
  REQUIRE(!r1.ok());
  CHECK(std::string(r1.status().message()).find("raises an exception") != std::string::npos);
  CHECK(std::string(r1.status().message()).find("__torch__.m.Linear") != std::string::npos);

  Object adder = stateObject("__torch__.m.Adder", tuple({quantizedWeight(), quantizedWeight()}));
  auto r2 = restoreSetState(compiler, adder);
  REQUIRE(!r2.ok());
  std::string m2(r2.status().message());
  CHECK(m2.find("aten::add") != std::string::npos);
  CHECK(m2.find("__torch__.m.py:") != std::string::npos); // the source line of the call

  // A state of the wrong shape: indexing past its end is an error, not a crash.
  Object shortState = stateObject("__torch__.m.Linear", tuple({IValue::fromString("packed")}));
  auto r3 = restoreSetState(compiler, shortState);
  REQUIRE(!r3.ok());
  CHECK(std::string(r3.status().message()).find("out of range") != std::string::npos);
}
