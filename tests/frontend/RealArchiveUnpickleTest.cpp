// Unpickles the pickles of every archive in shared/real-archives and compares with facts
// obtained independently with /usr/bin/python3 (no torch): pickle.Unpickler subclassed with a
// find_class that returns inert stand-ins (typed storages, a _rebuild_tensor_v2 / _rebuild_qtensor
// that records (storage, offset, size, stride, qparams), identity list helpers, one empty class
// per `__torch__` name) and a persistent_load reading `<root>/<prefix>/<key>` with zipfile.
// Tensors and objects were counted by identity walking tuples, lists, dict keys and values and
// each object's BUILD state in order; the "first tensor" is the first one met in that walk, its
// first value read with struct.unpack_from at the storage offset.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "absl/container/flat_hash_set.h"
#include "frontend/Unpickler.h"
#include "frontend/ZipArchive.h"

using namespace ts2onnx;
using namespace ts2onnx::frontend;

namespace {

const std::string kArchives = std::string(TS2ONNX_SHARED_DIR) + "/real-archives/";

template <typename T> std::string errorOf(const absl::StatusOr<T> &r) {
  return r.ok() ? std::string("<ok>") : std::string(r.status().message());
}

struct Walk {
  std::vector<const TensorValue *> tensors;
  std::vector<std::string> objects;
  absl::flat_hash_set<const void *> seen;

  void visit(const IValue &v) {
    if (const void *id = v.identity()) {
      if (!seen.insert(id).second)
        return;
    }
    switch (v.kind()) {
    case IValue::Kind::Tensor:
      tensors.push_back(&v.toTensor());
      break;
    case IValue::Kind::Object: {
      const Object &o = v.toObject();
      objects.push_back(o.className);
      if (o.hasSetState)
        visit(o.state);
      for (const auto &[name, value] : o.attributes)
        visit(value);
      break;
    }
    case IValue::Kind::Tuple:
      for (const IValue &e : v.toTuple().elements)
        visit(e);
      break;
    case IValue::Kind::List:
      for (const IValue &e : v.toList().elements)
        visit(e);
      break;
    case IValue::Kind::Dict:
      for (const auto &[k, e] : v.toDict().entries()) {
        visit(k);
        visit(e);
      }
      break;
    case IValue::Kind::Enum:
      visit(v.toEnum().value);
      break;
    default:
      break;
    }
  }
};

struct FirstTensor {
  ir::ScalarType dtype;
  const char *key;
  std::vector<int64_t> sizes, strides;
  std::optional<double> firstValue; // nullopt: empty tensor
  bool quantized;
};

struct PickleFacts {
  const char *file, *record, *prefix;
  const char *top; // class name of the root object, or `tuple[N]`
  size_t tensors, objects;
  std::optional<FirstTensor> first;
};

using ST = ir::ScalarType;
const PickleFacts kFacts[] = {
    {"colvars_ae_cpu.pt", "data.pkl", "data",
     "__torch__.torch.nn.modules.container.___torch_mangle_4.Sequential", 9, 14,
     FirstTensor{ST::Float32, "0", {10, 3}, {3, 1}, -2.746000289916992, false}},
    {"colvars_ae_cpu.pt", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
    {"colvars_dihedrals_cpu.pt", "data.pkl", "data", "__torch__.molann.ann.PreprocessingANN", 0, 6,
     std::nullopt},
    {"colvars_dihedrals_cpu.pt", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
    {"colvars_gromacs_identity.pt", "data.pkl", "data", "__torch__.MyModel", 0, 1, std::nullopt},
    {"colvars_gromacs_identity.pt", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
    {"djl_deepar_73441d4a.pt", "data.pkl", "data",
     "__torch__.gluonts.torch.model.deepar.lightning_module.DeepARLightningModule", 14, 12,
     FirstTensor{ST::Float32, "0", {1, 40}, {40, 1}, -0.2068401277065277, false}},
    {"djl_deepar_73441d4a.pt", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
    {"djl_yolo_world_identity.pt", "data.pkl", "data", "__torch__.IValueProcessing", 0, 1,
     std::nullopt},
    {"djl_yolo_world_identity.pt", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
    {"ios_d2go_optimized.pt", "data.pkl", "data", "__torch__.___torch_mangle_636.Wrapper", 0, 1,
     std::nullopt},
    {"ios_d2go_optimized.pt", "constants.pkl", "constants", "tuple[82]", 198, 70,
     FirstTensor{ST::Float32, "0", {3, 1, 1}, {1, 1, 1}, 103.52999877929688, false}},
    {"ios_mobilenet_quantized2.pt", "data.pkl", "data",
     "__torch__.torchvision.models.quantization.mobilenetv2.___torch_mangle_1239."
     "QuantizableMobileNetV2",
     0, 1, std::nullopt},
    {"ios_mobilenet_quantized2.pt", "constants.pkl", "constants", "tuple[53]", 158, 53,
     FirstTensor{ST::Int16, "0.storage", {11}, {1}, 2, false}},
    {"ios_mobilenet_quantized2.pt", "bytecode.pkl", "constants", "tuple[2]", 158, 53,
     FirstTensor{ST::QInt8, "156.storage", {1000, 1280}, {1280, 1}, -12, true}},
    {"ios_mobilenet_quantized_74b5c6d3.pt", "data.pkl", "data",
     "__torch__.torchvision.models.quantization.mobilenet.___torch_mangle_1363."
     "QuantizableMobileNetV2",
     158, 57, FirstTensor{ST::QInt8, "0", {1000, 1280}, {1280, 1}, -12, true}},
    {"ios_mobilenet_quantized_74b5c6d3.pt", "constants.pkl", "constants", "tuple[0]", 0, 0,
     std::nullopt},
    {"ios_vit4mnist.ptl", "data.pkl", "data", "__torch__.vit_pytorch.___torch_mangle_619.ViT", 0, 1,
     std::nullopt},
    {"ios_vit4mnist.ptl", "constants.pkl", "constants", "tuple[58]", 79, 27,
     FirstTensor{ST::Int64, "0.storage", {}, {}, 1, false}},
    {"ios_vit4mnist.ptl", "bytecode.pkl", "constants", "tuple[2]", 79, 27,
     FirstTensor{ST::Float64, "11.storage", {}, {}, 0.125, false}},
    {"java-demo_demo-model.pt1", "data.pkl", "data", "__torch__.DemoModule", 0, 1, std::nullopt},
    {"java-demo_demo-model.pt1", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
    {"metatensor_legacy-module.pt", "data.pkl", "data", "__torch__.EverythingModule", 23, 27,
     FirstTensor{ST::UInt8, "0", {136}, {1}, 147, false}},
    {"metatensor_legacy-module.pt", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
    {"metatensor_test-module.pt", "data.pkl", "data", "__torch__.EverythingModule", 27, 27,
     FirstTensor{ST::Float32, "0", {0}, {1}, std::nullopt, false}},
    {"metatensor_test-module.pt", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
    {"ocaml-torch_foo3_e8ffeb43.pt", "attributes.pkl", "", "tuple[0]", 0, 0, std::nullopt},
    {"openmm-torch_forces.pt", "data.pkl", "data", "__torch__.Forces", 0, 1, std::nullopt},
    {"openmm-torch_forces.pt", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
    {"openmm-torch_periodic_4adc6cac.pt", "attributes.pkl", "", "tuple[0]", 0, 0, std::nullopt},
    {"serve_babyllama_dummy.pt", "data.pkl", "data", "__torch__.SimpleModel", 2, 2,
     FirstTensor{ST::Float32, "0", {2, 5}, {5, 1}, 0.4462604224681854, false}},
    {"serve_babyllama_dummy.pt", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
    {"torchsharp_func.script.dat", "data.pkl", "data", "__torch__.PlaceholderModule", 0, 1,
     std::nullopt},
    {"torchsharp_func.script.dat", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
    {"torchsharp_tuple_out.dat", "data.pkl", "data", "__torch__.PlaceholderModule", 0, 1,
     std::nullopt},
    {"torchsharp_tuple_out.dat", "constants.pkl", "constants", "tuple[0]", 0, 0, std::nullopt},
};

std::string topOf(const IValue &v) {
  if (v.isObject())
    return v.toObject().className;
  if (v.isTuple())
    return "tuple[" + std::to_string(v.toTuple().elements.size()) + "]";
  return std::string(v.kindName());
}

} // namespace

TEST_CASE("unpickle reads every pickle of the real archives as python sees it") {
  for (const PickleFacts &f : kFacts) {
    INFO(f.file << " " << f.record);
    auto ar = ZipArchive::open(kArchives + f.file);
    REQUIRE_MESSAGE(ar.ok(), errorOf(ar));
    auto r = unpickleRecord(**ar, f.record, f.prefix);
    REQUIRE_MESSAGE(r.ok(), errorOf(r));
    CHECK(topOf(*r) == f.top);
    Walk walk;
    walk.visit(*r);
    CHECK(walk.tensors.size() == f.tensors);
    CHECK(walk.objects.size() == f.objects);
    if (!f.first)
      continue;
    REQUIRE(!walk.tensors.empty());
    const TensorValue &t = *walk.tensors.front();
    CHECK(t.tensor.dtype() == f.first->dtype);
    CHECK(t.storageKey == f.first->key);
    CHECK(t.tensor.sizes() == f.first->sizes);
    CHECK(t.tensor.strides() == f.first->strides);
    CHECK(t.quant.has_value() == f.first->quantized);
    if (f.first->firstValue) {
      CHECK(t.tensor.doubleAt(0) == doctest::Approx(*f.first->firstValue).epsilon(1e-12));
    } else {
      CHECK(t.tensor.numel() == 0);
    }
  }
}

TEST_CASE("unpickle: the mobilenet archive's quantized weights and packed params") {
  // python (same stand-ins): the first _rebuild_qtensor has qparams
  // (per_tensor_affine, 0.0025947564281523228, 0); the root's state holds 'classifier',
  // 52 '_jit_pass_hoist_conv_packed_params...' entries and 'mobile_optimized'; there are 6
  // distinct class names, among them torch.classes.quantized Conv2dPackedParamsBase.
  auto ar = ZipArchive::open(kArchives + "ios_mobilenet_quantized_74b5c6d3.pt");
  REQUIRE(ar.ok());
  auto r = unpickleRecord(**ar, "data.pkl", "data");
  REQUIRE_MESSAGE(r.ok(), errorOf(r));
  Walk walk;
  walk.visit(*r);
  const TensorValue &w = *walk.tensors.front();
  REQUIRE(w.quant);
  CHECK(w.quant->scheme == QuantParams::Scheme::PerTensorAffine);
  CHECK(w.quant->scale == doctest::Approx(0.0025947564281523228).epsilon(1e-15));
  CHECK(w.quant->zeroPoint == 0);
  const Object &root = r->toObject();
  CHECK(root.attributes.size() == 54);
  CHECK(root.attributes.front().first == "classifier");
  CHECK(root.attributes.back().first == "mobile_optimized");
  CHECK(root.attr("_jit_pass_hoist_conv_packed_params.features.0.0._packed_params.1") != nullptr);
  absl::flat_hash_set<std::string> classes(walk.objects.begin(), walk.objects.end());
  CHECK(classes.size() == 6);
  CHECK(classes.contains("__torch__.torch.classes.quantized.Conv2dPackedParamsBase"));
  const IValue *packed =
      root.attr("_jit_pass_hoist_conv_packed_params.features.0.0._packed_params.1");
  REQUIRE(packed->isObject());
  CHECK(packed->toObject().hasSetState);
}

TEST_CASE("unpickle: d2go's per-channel quantized, channels-last conv weights") {
  // python: the first qtensor in constants.pkl is QInt8 key '3', size (16, 3, 3, 3), stride
  // (27, 1, 9, 3), per_channel_affine with axis 0, scales Double (16,) starting
  // 0.00010869897232623771, zero points Long (16,) starting 0, first value -10; all 70 qtensors
  // are per-channel; element 2 is a Conv2dPackedParamsBase whose state is a 3-tuple starting '2'.
  auto ar = ZipArchive::open(kArchives + "ios_d2go_optimized.pt");
  REQUIRE(ar.ok());
  auto r = unpickleRecord(**ar, "constants.pkl", "constants");
  REQUIRE_MESSAGE(r.ok(), errorOf(r));
  Walk walk;
  walk.visit(*r);
  std::vector<const TensorValue *> q;
  for (const TensorValue *t : walk.tensors)
    if (t->quant)
      q.push_back(t);
  REQUIRE(q.size() == 70);
  for (const TensorValue *t : q)
    CHECK(t->quant->scheme == QuantParams::Scheme::PerChannelAffine);
  const TensorValue &w = *q.front();
  CHECK(w.storageKey == "3");
  CHECK(w.tensor.sizes() == std::vector<int64_t>{16, 3, 3, 3});
  CHECK(w.tensor.strides() == std::vector<int64_t>{27, 1, 9, 3});
  CHECK(w.quant->axis == 0);
  CHECK(w.quant->scales.dtype() == ir::ScalarType::Float64);
  CHECK(w.quant->scales.doubleAt(0) == doctest::Approx(0.00010869897232623771).epsilon(1e-15));
  CHECK(w.quant->zeroPoints.dtype() == ir::ScalarType::Int64);
  CHECK(w.quant->zeroPoints.intAt(0) == 0);
  CHECK(w.tensor.intAt(0) == -10);
  const IValue &packed = r->toTuple().elements[2];
  REQUIRE(packed.isObject());
  CHECK(packed.toObject().className == "__torch__.torch.classes.quantized.Conv2dPackedParamsBase");
  REQUIRE(packed.toObject().state.isTuple());
  CHECK(packed.toObject().state.toTuple().elements.size() == 3);
  CHECK(packed.toObject().state.toTuple().elements[0].toStringRef() == "2");
}

TEST_CASE("unpickle: serve_babyllama's traced_inputs/0 is shorter than its tensor claims") {
  // python: traced_inputs.pkl is {'forward': [tensor]} whose persistent id says
  // ('storage', FloatStorage, '0', 'cpu', 5), but traced_inputs/0 is a 0-byte record.
  auto ar = ZipArchive::open(kArchives + "serve_babyllama_dummy.pt");
  REQUIRE(ar.ok());
  CHECK(*(*ar)->size("traced_inputs/0") == 0);
  auto r = unpickleRecord(**ar, "traced_inputs.pkl", "traced_inputs");
  CHECK(errorOf(r).find("serve_babyllama_dummy.pt: traced_inputs.pkl: pickle: storage '0' has 0 "
                        "bytes, but 5 elements of Float need 20") != std::string::npos);
}

TEST_CASE("unpickle: stored tensors of real archives view the mapped file") {
  auto ar = ZipArchive::open(kArchives + "serve_babyllama_dummy.pt");
  REQUIRE(ar.ok());
  auto r = unpickleRecord(**ar, "data.pkl", "data");
  REQUIRE(r.ok());
  Walk walk;
  walk.visit(*r);
  REQUIRE(walk.tensors.size() == 2);
  auto raw = (*ar)->read("data/0");
  REQUIRE(raw.ok());
  CHECK(walk.tensors[0]->tensor.storage()->data == (*raw)->data);
  CHECK(walk.tensors[0]->requiresGrad); // nn.Linear weight: a parameter
}

TEST_CASE("unpickle survives byte flips in a real quantized data.pkl") {
  auto ar = ZipArchive::open(kArchives + "ios_mobilenet_quantized_74b5c6d3.pt");
  REQUIRE(ar.ok());
  auto bytes = (*ar)->readString("data.pkl");
  REQUIRE(bytes.ok());
  UnpicklerOptions options;
  options.name = "data.pkl";
  options.storageLoader = archiveStorageLoader(**ar, "data");
  uint32_t seed = 777;
  auto next = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  int ok = 0;
  for (int round = 0; round < 300; ++round) {
    std::string b = *bytes;
    for (int i = 0; i < 1 + static_cast<int>(next() % 4); ++i)
      b[next() % b.size()] = static_cast<char>(next());
    auto r = unpickle(b, options);
    ok += r.ok();
  }
  MESSAGE("mutated pickles that still parsed: " << ok);
}
