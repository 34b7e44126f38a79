#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "frontend/Unpickler.h"
#include "tests/frontend/PickleTestUtil.h"
#include "tests/frontend/ZipTestUtil.h"

using namespace ts2onnx;
using namespace ts2onnx::frontend;
using namespace ts2onnx::frontend::testing;

namespace {

template <typename T> std::string errorOf(const absl::StatusOr<T> &r) {
  return r.ok() ? std::string("<ok>") : std::string(r.status().message());
}

bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

/// Storage records kept in a map; counts loads so caching is visible.
struct FakeStorages {
  std::map<std::string, std::string> records;
  int loads = 0;

  UnpicklerOptions options(std::string name = "data.pkl") {
    UnpicklerOptions o;
    o.name = std::move(name);
    o.storageLoader =
        [this](std::string_view key) -> absl::StatusOr<std::shared_ptr<const ir::Storage>> {
      ++loads;
      auto it = records.find(std::string(key));
      if (it == records.end())
        return absl::NotFoundError("no such record");
      return std::shared_ptr<const ir::Storage>(
          ir::Storage::copyOf(it->second.data(), it->second.size()));
    };
    return o;
  }
};

template <typename T> std::string bytesOf(std::initializer_list<T> values) {
  std::string s;
  for (T v : values)
    s.append(reinterpret_cast<const char *>(&v), sizeof(T));
  return s;
}

absl::StatusOr<IValue> run(const std::string &pickle, UnpicklerOptions options = {}) {
  if (options.name == UnpicklerOptions().name)
    options.name = "data.pkl";
  return unpickle(pickle, options);
}

} // namespace

TEST_CASE("unpickle reads scalars in their binary and text forms") {
  PickleWriter w;
  w.mark()
      .none()
      .boolean(true)
      .boolean(false)
      .integer(7)
      .op('M')
      .le(60000, 2)
      .integer(-5)
      .integer(INT64_MAX)
      .op('\x8a')
      .u8(2)
      .le(0xff85, 2) // LONG1 of 2 bytes: -123
      .op('\x8a')
      .u8(0) // LONG1 of 0 bytes: 0
      .real(-2.5)
      .str("h\xc3\xa9llo")
      .op('I')
      .raw("01\n")
      .op('I')
      .raw("-42\n")
      .op('L')
      .raw("12345678901L\n")
      .op('U')
      .u8(2)
      .raw("ab")
      .op('C')
      .u8(2)
      .raw(std::string("\x00\xff", 2))
      .tuple();
  auto r = run(w.done());
  REQUIRE_MESSAGE(r.ok(), errorOf(r));
  const auto &e = r->toTuple().elements;
  REQUIRE(e.size() == 16);
  CHECK(e[0].isNone());
  CHECK(e[1].toBool());
  CHECK_FALSE(e[2].toBool());
  CHECK(e[3].toInt() == 7);
  CHECK(e[4].toInt() == 60000);
  CHECK(e[5].toInt() == -5);
  CHECK(e[6].toInt() == INT64_MAX);
  CHECK(e[7].toInt() == -123);
  CHECK(e[8].toInt() == 0);
  CHECK(e[9].toDouble() == -2.5);
  CHECK(e[10].toStringRef() == "h\xc3\xa9llo");
  CHECK(e[11].isBool());
  CHECK(e[12].toInt() == -42);
  CHECK(e[13].toInt() == 12345678901);
  CHECK(e[14].toStringRef() == "ab");
  CHECK(e[15].isBytes());
  CHECK(r->repr() == "(None, True, False, 7, 60000, -5, 9223372036854775807, -123, 0, -2.5, "
                     "'h\xc3\xa9llo', True, -42, 12345678901, 'ab', b'\\x00\xff')");
}

TEST_CASE("unpickle reads python's own pickles of protocols 3 and 4") {
  // /usr/bin/python3: pickle.dumps({'a': [1, 2.5, None, True], 'b': ('x', -7, 2**40, -2**63),
  //                                  'c': {}, 'd': b'\x00\x01'}, protocol=3 / 4)
  const std::string p3(
      "\x80\x03\x7d\x71\x00\x28\x58\x01\x00\x00\x00\x61\x71\x01\x5d\x71\x02\x28\x4b\x01\x47\x40"
      "\x04\x00\x00\x00\x00\x00\x00\x4e\x88\x65\x58\x01\x00\x00\x00\x62\x71\x03\x28\x58\x01\x00"
      "\x00\x00\x78\x71\x04\x4a\xf9\xff\xff\xff\x8a\x06\x00\x00\x00\x00\x00\x01\x8a\x08\x00\x00"
      "\x00\x00\x00\x00\x00\x80\x74\x71\x05\x58\x01\x00\x00\x00\x63\x71\x06\x7d\x71\x07\x58\x01"
      "\x00\x00\x00\x64\x71\x08\x43\x02\x00\x01\x71\x09\x75\x2e",
      102);
  const std::string p4(
      "\x80\x04\x95\x4b\x00\x00\x00\x00\x00\x00\x00\x7d\x94\x28\x8c\x01\x61\x94\x5d\x94\x28\x4b"
      "\x01\x47\x40\x04\x00\x00\x00\x00\x00\x00\x4e\x88\x65\x8c\x01\x62\x94\x28\x8c\x01\x78\x94"
      "\x4a\xf9\xff\xff\xff\x8a\x06\x00\x00\x00\x00\x00\x01\x8a\x08\x00\x00\x00\x00\x00\x00\x00"
      "\x80\x74\x94\x8c\x01\x63\x94\x7d\x94\x8c\x01\x64\x94\x43\x02\x00\x01\x94\x75\x2e",
      86);
  for (const std::string &p : {p3, p4}) {
    auto r = run(p);
    REQUIRE_MESSAGE(r.ok(), errorOf(r));
    CHECK(r->repr() == "{'a': [1, 2.5, None, True], 'b': ('x', -7, 1099511627776, "
                       "-9223372036854775808), 'c': {}, 'd': b'\\x00\\x01'}");
  }
  // Protocol 2 spells bytes as a call to _codecs.encode, which is not allowed.
  const std::string p2(
      "\x80\x02\x5d\x71\x00\x63\x5f\x63\x6f\x64\x65\x63\x73\x0a\x65\x6e\x63\x6f\x64\x65\x0a\x71"
      "\x01\x58\x02\x00\x00\x00\x00\x01\x71\x02\x58\x06\x00\x00\x00\x6c\x61\x74\x69\x6e\x31\x71"
      "\x03\x86\x71\x04\x52\x71\x05\x61\x2e",
      53);
  CHECK(errorOf(run(p2)) == "data.pkl: pickle: forbidden global '_codecs.encode' at byte 5");
}

TEST_CASE("unpickle keeps aliases, dict order and type tags") {
  PickleWriter w;
  w.mark();
  w.emptyList().put(0).mark().integer(1).integer(2).appends();
  w.get(0);
  w.global("torch.jit._pickle", "build_intlist").mark().emptyList().mark().integer(3).appends();
  w.tuple().reduce();
  w.global("torch.jit._pickle", "restore_type_tag").mark().emptyDict().mark();
  w.str("z").integer(1).str("a").integer(2).str("z").integer(3).setitems();
  w.str("Dict[str, int]").tuple().reduce();
  w.tuple();
  auto r = run(w.done());
  REQUIRE_MESSAGE(r.ok(), errorOf(r));
  const auto &e = r->toTuple().elements;
  CHECK(e[0].identity() == e[1].identity());
  CHECK(e[2].toList().typeTag == "List[int]");
  CHECK(e[0].toList().typeTag.empty());
  const Dict &d = e[3].toDict();
  CHECK(d.typeTag == "Dict[str, int]");
  REQUIRE(d.size() == 2);
  CHECK(d.entries()[0].first.toStringRef() == "z");
  CHECK(d.entries()[0].second.toInt() == 3); // reassigned in place
  CHECK(d.find("a")->toInt() == 2);
  CHECK(d.find("missing") == nullptr);
}

TEST_CASE("unpickle rebuilds tensor views onto shared storages") {
  FakeStorages storages;
  storages.records["0"] = bytesOf<int64_t>({0, 1, 2, 3, 4, 5});
  // arange(6).reshape(2,3)[:,1:] and the whole thing as a (6,) view: one storage, loaded once.
  PickleWriter w;
  w.mark();
  w.tensor("Long", "0", 6, 1, {2, 2}, {3, 1});
  w.tensor("Long", "0", 6, 0, {6}, {1}, true);
  w.tensor("Float", "empty", 0, 0, {0, 3}, {3, 1});
  w.tuple();
  auto r = run(w.done(), storages.options());
  REQUIRE_MESSAGE(r.ok(), errorOf(r));
  CHECK(storages.loads == 1);
  const auto &e = r->toTuple().elements;
  const TensorValue &view = e[0].toTensor();
  CHECK(view.tensor.dtype() == ir::ScalarType::Int64);
  CHECK(view.tensor.sizes() == std::vector<int64_t>{2, 2});
  CHECK(view.tensor.strides() == std::vector<int64_t>{3, 1});
  CHECK(view.tensor.storageOffset() == 1);
  CHECK(view.tensor.intAt(0) == 1);
  CHECK(view.tensor.intAt(1) == 2);
  CHECK(view.tensor.intAt(2) == 4);
  CHECK(view.tensor.intAt(3) == 5);
  CHECK_FALSE(view.requiresGrad);
  CHECK(view.storageKey == "0");
  CHECK(view.location == "cpu");
  const TensorValue &whole = e[1].toTensor();
  CHECK(whole.requiresGrad);
  CHECK(whole.tensor.storage() == view.tensor.storage());
  CHECK(e[2].toTensor().tensor.numel() == 0);
  CHECK(e[0].repr() == "Tensor(Long[2, 2])");
}

TEST_CASE("unpickle accepts the six-element persistent ids of version-1 archives") {
  // torch ~1.3 wrote ('storage', FloatStorage, key, 'cpu', numel, None): the sixth element is
  // the view metadata, always None there; torch 1.13 loads such files.
  FakeStorages storages;
  storages.records["0"] = bytesOf<float>({1.f, 2.f, 3.f, 4.f});
  auto tensorWithView = [](PickleWriter &w, auto viewMetadata) {
    w.global("torch._utils", "_rebuild_tensor_v2").mark();
    w.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(4);
    viewMetadata(w);
    w.tuple().op('Q');
    w.integer(1).ints({3}).ints({1}).boolean(false);
    w.global("collections", "OrderedDict").emptyTuple().reduce();
    w.tuple().reduce();
  };
  {
    PickleWriter w;
    tensorWithView(w, [](PickleWriter &p) { p.op('N'); });
    auto r = run(w.done(), storages.options());
    REQUIRE_MESSAGE(r.ok(), errorOf(r));
    const TensorValue &t = r->toTensor();
    CHECK(t.tensor.sizes() == std::vector<int64_t>{3});
    CHECK(t.tensor.storageOffset() == 1);
    CHECK(t.storageKey == "0");
  }
  auto fails = [&](PickleWriter &w, const std::string &expected) {
    auto r = run(w.done(), storages.options());
    INFO(errorOf(r));
    CHECK(contains(errorOf(r), expected));
  };
  {
    // The pre-1.0 view form: (view key, offset, size) of another storage.
    PickleWriter w;
    tensorWithView(w, [](PickleWriter &p) { p.mark().str("1").integer(0).integer(2).tuple(); });
    fails(w, "persistent id has view metadata (a tuple as its sixth element)");
  }
  {
    PickleWriter w;
    tensorWithView(w, [](PickleWriter &p) { p.integer(0); });
    fails(w, "persistent id has view metadata (a int as its sixth element)");
  }
  {
    // Seven elements, or a sixth after a malformed fifth, stay malformed.
    PickleWriter w;
    tensorWithView(w, [](PickleWriter &p) { p.op('N').op('N'); });
    fails(w, "persistent id must be ('storage', <X>Storage, key, location, numel[, None])");
  }
  {
    PickleWriter w;
    w.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").str("4").op('N');
    w.tuple().op('Q');
    fails(w, "persistent id must be");
  }
}

TEST_CASE("unpickle rebuilds per-tensor and per-channel quantized tensors") {
  FakeStorages storages;
  storages.records["w"] = std::string("\x01\x02\x03\x04\x05\x06", 6);
  storages.records["s"] = bytesOf<double>({0.5, 0.25});
  storages.records["z"] = bytesOf<int64_t>({0, 1});
  PickleWriter w;
  w.mark();
  // per tensor
  w.global("torch._utils", "_rebuild_qtensor").mark().storage("QInt8", "w", 6).integer(0);
  w.ints({2, 3}).ints({3, 1}).mark().global("torch", "per_tensor_affine").real(0.1).integer(3);
  w.tuple().boolean(false).global("collections", "OrderedDict").emptyTuple().reduce();
  w.tuple().reduce();
  // per channel, axis 0
  w.global("torch._utils", "_rebuild_qtensor").mark().storage("QInt8", "w", 6).integer(0);
  w.ints({2, 3}).ints({3, 1}).mark().global("torch", "per_channel_affine");
  w.tensor("Double", "s", 2, 0, {2}, {1}).tensor("Long", "z", 2, 0, {2}, {1}).integer(0);
  w.tuple().boolean(false).global("collections", "OrderedDict").emptyTuple().reduce();
  w.tuple().reduce();
  w.tuple();
  auto r = run(w.done(), storages.options());
  REQUIRE_MESSAGE(r.ok(), errorOf(r));
  const TensorValue &a = r->toTuple().elements[0].toTensor();
  REQUIRE(a.quant);
  CHECK(a.tensor.dtype() == ir::ScalarType::QInt8);
  CHECK(a.quant->scheme == QuantParams::Scheme::PerTensorAffine);
  CHECK(a.quant->scale == 0.1);
  CHECK(a.quant->zeroPoint == 3);
  const TensorValue &b = r->toTuple().elements[1].toTensor();
  REQUIRE(b.quant);
  CHECK(b.quant->scheme == QuantParams::Scheme::PerChannelAffine);
  CHECK(b.quant->axis == 0);
  CHECK(b.quant->scales.doubleAt(1) == 0.25);
  CHECK(b.quant->zeroPoints.intAt(1) == 1);

  // Per-channel parameters that do not match the channel count.
  PickleWriter bad;
  bad.global("torch._utils", "_rebuild_qtensor").mark().storage("QInt8", "w", 6).integer(0);
  bad.ints({3, 2}).ints({2, 1}).mark().global("torch", "per_channel_affine");
  bad.tensor("Double", "s", 2, 0, {2}, {1}).tensor("Long", "z", 2, 0, {2}, {1}).integer(0);
  bad.tuple().boolean(false).global("collections", "OrderedDict").emptyTuple().reduce();
  bad.tuple().reduce();
  CHECK(contains(errorOf(run(bad.done(), storages.options())), "must be 1-d with 3 elements"));
}

TEST_CASE("unpickle builds objects, __setstate__ objects, enums, devices and complex numbers") {
  PickleWriter w;
  w.mark();
  w.global("__torch__", "Net").emptyTuple().newobj().emptyDict().mark();
  w.str("training").boolean(true).str("n").integer(3).setitems().build();
  w.global("__torch__.torch.classes.quantized", "LinearPackedParamsBase").emptyTuple().newobj();
  w.mark().none().none().tuple().build();
  w.global("__torch__", "Color").integer(2).reduce();
  w.global("torch", "device").mark().str("cuda:0").tuple().reduce();
  w.global("builtins", "complex").mark().real(1.5).integer(-2).tuple().reduce();
  w.tuple();
  auto r = run(w.done());
  REQUIRE_MESSAGE(r.ok(), errorOf(r));
  const auto &e = r->toTuple().elements;
  const Object &net = e[0].toObject();
  CHECK(net.className == "__torch__.Net");
  CHECK_FALSE(net.hasSetState);
  REQUIRE(net.attributes.size() == 2);
  CHECK(net.attr("n")->toInt() == 3);
  CHECK(net.attr("training")->toBool());
  const Object &packed = e[1].toObject();
  CHECK(packed.className == "__torch__.torch.classes.quantized.LinearPackedParamsBase");
  CHECK(packed.hasSetState);
  CHECK(packed.state.repr() == "(None, None)");
  CHECK(e[2].toEnum().className == "__torch__.Color");
  CHECK(e[2].toEnum().value.toInt() == 2);
  CHECK(e[3].toStringRef() == "cuda:0");
  CHECK(e[3].isDevice());
  CHECK(e[4].toComplex() == std::complex<double>(1.5, -2));
  CHECK(r->repr() == "(__torch__.Net{training: True, n: 3}, "
                     "__torch__.torch.classes.quantized.LinearPackedParamsBase.__setstate__(("
                     "None, None)), __torch__.Color(2), device('cuda:0'), complex(1.5, -2.))");
}

TEST_CASE("unpickle lets a class resolver reject or classify __torch__ classes") {
  UnpicklerOptions options;
  options.classResolver = [](std::string_view name) -> absl::StatusOr<ClassKind> {
    if (name == "__torch__.Color")
      return ClassKind::Enum;
    if (name == "__torch__.Net")
      return ClassKind::Object;
    return absl::NotFoundError("no such class in code/");
  };
  PickleWriter ok;
  ok.mark().global("__torch__", "Color").integer(1).reduce();
  ok.global("__torch__", "Net").emptyTuple().newobj().emptyDict().build().tuple();
  auto r = run(ok.done(), options);
  REQUIRE_MESSAGE(r.ok(), errorOf(r));
  PickleWriter missing;
  missing.global("__torch__.nope", "Missing").emptyTuple().newobj().emptyDict().build();
  CHECK(errorOf(run(missing.done(), options)) ==
        "data.pkl: pickle: class '__torch__.nope.Missing' rejected: no such class in code/ at "
        "byte 2");
  PickleWriter notDict;
  notDict.global("__torch__", "Net").emptyTuple().newobj().mark().integer(1).tuple().build();
  CHECK(contains(errorOf(run(notDict.done(), options)),
                 "state of '__torch__.Net' is a tuple, not a dict of attributes"));
  PickleWriter reduceNet;
  reduceNet.global("__torch__", "Net").integer(1).reduce();
  CHECK(contains(errorOf(run(reduceNet.done(), options)), "it is not an enum"));
}

TEST_CASE("unpickle refuses every global outside the allow-list and names it") {
  struct Case {
    const char *module, *name;
  };
  for (Case c :
       {Case{"os", "system"}, Case{"builtins", "eval"}, Case{"subprocess", "Popen"},
        Case{"posix", "system"}, Case{"builtins", "getattr"},
        Case{"torch._utils", "_rebuild_parameter"}, Case{"torch.storage", "_load_from_bytes"},
        Case{"torch", "load"}, Case{"torch.jit._pickle", "evil"}, Case{"__torchx__", "A"},
        Case{"collections", "defaultdict"}}) {
    std::string qualified = std::string(c.module) + "." + c.name;
    INFO(qualified);
    PickleWriter w;
    w.global(c.module, c.name).mark().str("echo pwned").tuple().reduce();
    CHECK(errorOf(run(w.done())) ==
          "data.pkl: pickle: forbidden global '" + qualified + "' at byte 2");
    // The same through STACK_GLOBAL (protocol 4 form).
    PickleWriter s;
    s.b[1] = 4;
    s.op('\x8c').u8(static_cast<uint8_t>(strlen(c.module))).raw(c.module);
    s.op('\x8c').u8(static_cast<uint8_t>(strlen(c.name))).raw(c.name).op('\x93');
    CHECK(contains(errorOf(run(s.done())), "forbidden global '" + qualified + "'"));
  }
  // The offset is the GLOBAL opcode's.
  PickleWriter w;
  w.mark().str("some padding text.......").integer(1).global("os", "system");
  CHECK(errorOf(run(w.done())) == "data.pkl: pickle: forbidden global 'os.system' at byte 34");
  // Names that are not identifiers.
  PickleWriter odd;
  odd.global("os system", "x");
  CHECK(contains(errorOf(run(odd.done())), "malformed global name"));
  PickleWriter sparse;
  sparse.global("torch._utils", "_rebuild_sparse_tensor");
  CHECK(contains(errorOf(run(sparse.done())), "sparse tensors"));
  PickleWriter untyped;
  untyped.global("torch", "UntypedStorage");
  CHECK(contains(errorOf(run(untyped.done())), "unsupported storage type 'torch.UntypedStorage'"));
}

TEST_CASE("unpickle rejects deep nesting, runaway marks and reference cycles") {
  {
    PickleWriter w;
    for (int i = 0; i < 100000; ++i)
      w.mark();
    CHECK(contains(errorOf(run(w.done())), "more than 1000 nested MARKs"));
  }
  {
    // ']' '(' repeated: lists inside lists, each waiting for its APPENDS.
    PickleWriter w;
    for (int i = 0; i < 5000; ++i)
      w.emptyList().mark();
    for (int i = 0; i < 5000; ++i)
      w.appends();
    CHECK(contains(errorOf(run(w.done())), "nested MARKs"));
  }
  {
    // 100k TUPLE1s: no marks, 100k levels of nesting.
    PickleWriter w;
    w.none();
    for (int i = 0; i < 100000; ++i)
      w.op('\x85');
    CHECK(contains(errorOf(run(w.done())), "containers nested deeper than 1000"));
  }
  {
    // Deep nesting built by mutation: lists L0..Ln are memoized empty, then L(i-1) is appended
    // to L(i) in reverse order, so no single step looks deep.
    const int n = 20000;
    PickleWriter w;
    for (int i = 0; i < n; ++i)
      w.emptyList().put(static_cast<uint32_t>(i)).op('0');
    for (int i = n - 1; i >= 1; --i)
      w.get(static_cast<uint32_t>(i)).get(static_cast<uint32_t>(i - 1)).op('a').op('0');
    w.get(n - 1);
    CHECK(contains(errorOf(run(w.done())), "containers nested deeper than 1000"));
    // The same chain dropped mid-pickle, then an error: torn down without recursion.
    PickleWriter dropped;
    dropped.b = w.b;
    dropped.op('0').global("os", "system");
    CHECK(contains(errorOf(run(dropped.done())), "forbidden global"));
  }
  {
    PickleWriter w;
    w.emptyList().put(0).get(0).op('a');
    CHECK(contains(errorOf(run(w.done())), "reference cycle"));
  }
  {
    PickleWriter w;
    w.global("__torch__", "A").emptyTuple().newobj().put(0).emptyDict().mark();
    w.str("self").get(0).setitems().build();
    CHECK(contains(errorOf(run(w.done())), "reference cycle"));
  }
  {
    UnpicklerOptions small;
    small.limits.maxDepth = 3;
    PickleWriter w;
    w.none().op('\x85').op('\x85').op('\x85');
    CHECK(run(w.done(), small).ok());
    w.op('\x85');
    CHECK(contains(errorOf(run(w.done(), small)), "nested deeper than 3"));
  }
}

TEST_CASE("unpickle checks memo indices") {
  PickleWriter get;
  get.get(5);
  CHECK(errorOf(run(get.done())) ==
        "data.pkl: pickle: memo index 5 out of range (memo has 0 entries) at byte 2");
  PickleWriter hole;
  hole.none().put(3).get(1);
  CHECK(contains(errorOf(run(hole.done())), "memo index 1 out of range"));
  PickleWriter huge;
  huge.none().op('r').le(0xFFFFFFFF, 4);
  CHECK(contains(errorOf(run(huge.done())), "memo index 4294967295 exceeds the limit of 100000"));
  PickleWriter text;
  text.none().op('p').raw("7\n").op('g').raw("7\n").tuple();
  CHECK(contains(errorOf(run(text.done())), "TUPLE without a MARK"));
  PickleWriter textOk;
  textOk.mark().none().op('p').raw("7\n").op('g').raw("7\n").tuple();
  CHECK(run(textOk.done()).ok());
}

TEST_CASE("unpickle checks storages against the tensors that use them") {
  FakeStorages storages;
  storages.records["0"] = std::string(8, '\0');
  storages.records["10"] = std::string(40, '\0');
  auto fails = [&](PickleWriter w, const std::string &expected) {
    auto r = run(w.done(), storages.options());
    INFO(errorOf(r));
    CHECK(contains(errorOf(r), expected));
  };
  {
    PickleWriter w;
    w.tensor("Float", "0", 10, 0, {10}, {1});
    fails(w, "storage '0' has 8 bytes, but 10 elements of Float need 40");
  }
  {
    PickleWriter w;
    w.tensor("Float", "10", 10, 0, {-1}, {1});
    fails(w, "negative size -1 in dimension 0");
  }
  {
    PickleWriter w;
    w.tensor("Float", "10", 10, 0, {2, 2}, {1, -1});
    fails(w, "negative stride -1 in dimension 1");
  }
  {
    PickleWriter w;
    w.tensor("Float", "10", 10, -1, {2}, {1});
    fails(w, "negative storage offset");
  }
  {
    PickleWriter w;
    w.tensor("Float", "10", 10, 0, {3}, {5});
    fails(w, "tensor of shape [3] with strides [5] and offset 0 reaches past storage '10' of 10 "
             "elements");
  }
  {
    PickleWriter w;
    w.tensor("Float", "10", 10, 9, {2}, {1});
    fails(w, "reaches past");
  }
  {
    PickleWriter w;
    w.tensor("Float", "10", 10, 0, {int64_t{1} << 40, int64_t{1} << 40}, {0, 0});
    fails(w, "overflows");
  }
  {
    PickleWriter w;
    w.tensor("Float", "10", 10, 0, {2, 2}, {INT64_MAX, 1});
    fails(w, "reaches past");
  }
  {
    PickleWriter w;
    w.tensor("Float", "10", -1, 0, {0}, {1});
    fails(w, "negative element count");
  }
  {
    PickleWriter w;
    w.tensor("Float", "10", INT64_MAX, 0, {1}, {1});
    fails(w, "overflows");
  }
  {
    PickleWriter w;
    w.tensor("Float", "missing", 1, 0, {1}, {1});
    fails(w, "storage 'missing': no such record");
  }
  {
    PickleWriter w;
    w.tensor("Float", "../../etc/passwd", 1, 0, {1}, {1});
    fails(w, "invalid storage key");
  }
  {
    PickleWriter w;
    w.tensor("Float", "10", 10, 0, {2}, {1, 1});
    fails(w, "1 sizes but 2 strides");
  }
  {
    PickleWriter w;
    w.tensor("QInt8", "10", 10, 0, {2}, {1});
    fails(w, "_rebuild_tensor_v2 with a QInt8 storage");
  }
  {
    PickleWriter w;
    w.mark().str("storage").str("FloatStorage").str("10").str("cpu").integer(1).tuple().op('Q');
    fails(w, "persistent id must be");
  }
  {
    PickleWriter w;
    w.storage("Float", "10", 1);
    fails(w, "storage '10' outside a tensor");
  }
  {
    PickleWriter w;
    w.tensor("Float", "10", 1, 0, {1}, {1});
    CHECK(contains(errorOf(run(w.done())), "no storage loader"));
  }
}

TEST_CASE("unpickle rejects malformed opcodes and integers") {
  auto fails = [](const std::string &pickle, const std::string &expected) {
    auto r = run(pickle);
    INFO(errorOf(r));
    CHECK(contains(errorOf(r), expected));
  };
  fails(PickleWriter().op('\x8a').u8(9).le(0, 8).u8(0).done(),
        "LONG1 of 9 bytes does not fit in a 64-bit integer");
  fails(PickleWriter().op('\x8b').le(9, 4).done(), "LONG4");
  fails(PickleWriter().op('L').raw("99999999999999999999999\n").done(), "does not fit");
  fails(PickleWriter().op('I').raw("12x\n").done(), "malformed");
  fails(PickleWriter().op('\x8f').done(), "EMPTY_SET (sets are not TorchScript values)");
  fails(PickleWriter().op('i').raw("os\nsystem\n").done(), "INST");
  fails(PickleWriter().op('P').raw("x\n").done(), "PERSID");
  fails(PickleWriter().op('\xff').done(), "unsupported opcode 0xff");
  fails("", "does not start with a PROTO");
  fails(std::string("]."), "does not start with a PROTO");
  fails(std::string("\x80\x01N.", 4), "unsupported pickle protocol 1");
  fails(std::string("\x80\x06N.", 4), "unsupported pickle protocol 6");
  fails(PickleWriter().none().none().done(), "STOP with 2 values on the stack");
  fails(PickleWriter().mark().none().done(), "STOP with 1 unclosed MARKs");
  fails(PickleWriter().done(), "STOP with 0 values");
  fails(PickleWriter().op('X').le(2, 4).raw("\xc3\x28").done(), "not valid UTF-8");
  fails(PickleWriter().none().mark().reduce().done(), "stack is empty above the mark");
  fails(PickleWriter().integer(1).integer(2).reduce().done(), "REDUCE on a int");
  fails(PickleWriter().mark().appends().done(), "without a list");
  fails(PickleWriter().integer(1).mark().integer(2).appends().done(), "cannot append to a int");
  fails(PickleWriter().emptyDict().mark().integer(1).setitems().done(), "odd number");
  fails(PickleWriter().emptyDict().mark().emptyList().integer(1).setitems().done(),
        "a list cannot be a dict key");
  fails(PickleWriter()
            .global("__torch__", "A")
            .emptyTuple()
            .newobj()
            .emptyDict()
            .build()
            .emptyDict()
            .build()
            .done(),
        "BUILD twice");
  fails(PickleWriter().global("__torch__", "A").integer(1).newobj().done(), "with arguments");
  fails(PickleWriter().global("torch", "device").emptyTuple().newobj().done(),
        "NEWOBJ on 'torch.device'");
  fails(PickleWriter().global("torch", "FloatStorage").emptyTuple().reduce().done(),
        "'torch.FloatStorage' cannot be called");
  fails(PickleWriter().global("torch", "per_tensor_affine").done(), "unapplied global");
  fails(PickleWriter()
            .global("torch.jit._pickle", "build_intlist")
            .mark()
            .emptyList()
            .mark()
            .real(1)
            .appends()
            .tuple()
            .reduce()
            .done(),
        "got a float element");
  fails(PickleWriter()
            .global("torch.jit._pickle", "restore_type_tag")
            .mark()
            .integer(1)
            .str("List[int]")
            .tuple()
            .reduce()
            .done(),
        "cannot tag a int");
  fails(PickleWriter()
            .global("torch.jit._pickle", "build_tensor_from_id")
            .mark()
            .integer(0)
            .tuple()
            .reduce()
            .done(),
        "no tensor table");
  fails(PickleWriter().op('\x95').le(1000, 8).none().done(), "FRAME of 1000 bytes");
}

TEST_CASE("unpickle fails cleanly on every truncation of a tensor pickle") {
  FakeStorages storages;
  storages.records["0"] = bytesOf<float>({1, 2, 3, 4, 5, 6});
  PickleWriter w;
  w.global("__torch__", "M").emptyTuple().newobj().emptyDict().mark();
  w.str("weight").tensor("Float", "0", 6, 0, {2, 3}, {3, 1}, true);
  w.str("sizes").global("torch.jit._pickle", "build_intlist").mark().emptyList().mark();
  w.integer(1).integer(300).integer(-70000).appends().tuple().reduce();
  w.setitems().build();
  std::string full = w.done();
  REQUIRE(run(full, storages.options()).ok());
  for (size_t n = 0; n < full.size(); ++n) {
    auto r = run(full.substr(0, n), storages.options());
    CHECK_FALSE(r.ok());
  }
  CHECK(contains(errorOf(run(full.substr(0, full.size() - 1), storages.options())),
                 "truncated pickle: no STOP opcode"));
  CHECK(contains(errorOf(run(full.substr(0, 12), storages.options())), "truncated pickle"));
}

TEST_CASE("unpickleRecord reads byteorder and resolves storages under the given prefix") {
  PickleWriter w;
  w.tensor("Float", "0", 2, 0, {2}, {1});
  std::string pickle = w.done();
  std::vector<TestEntry> entries = {{"a/data.pkl", pickle, false},
                                    {"a/data/0", bytesOf<float>({1.5f, -1}), false},
                                    {"a/byteorder", "little", false}};
  auto ar = ZipArchive::fromBytes(buildZip(entries).bytes, "model.pt");
  REQUIRE(ar.ok());
  auto r = unpickleRecord(**ar, "data.pkl", "data");
  REQUIRE_MESSAGE(r.ok(), errorOf(r));
  CHECK(r->toTensor().tensor.doubleAt(0) == 1.5);
  // The tensor views the archive's memory.
  auto raw = (*ar)->read("data/0");
  CHECK(r->toTensor().tensor.storage()->data == (*raw)->data);
  auto slash = unpickleRecord(**ar, "data.pkl", "data/");
  CHECK_MESSAGE(slash.ok(), errorOf(slash));
  auto wrongPrefix = unpickleRecord(**ar, "data.pkl", "constants");
  CHECK(contains(errorOf(wrongPrefix), "model.pt: data.pkl: pickle: storage '0': no record "
                                       "'constants/0' in the archive at byte "));
  entries[2].data = "big";
  auto big = ZipArchive::fromBytes(buildZip(entries).bytes, "big.pt");
  CHECK(errorOf(unpickleRecord(**big, "data.pkl", "data")) ==
        "big.pt: byteorder 'big' is not supported yet (storages would need byte swapping)");
  entries[2].data = "middle";
  auto odd = ZipArchive::fromBytes(buildZip(entries).bytes, "odd.pt");
  CHECK(contains(errorOf(unpickleRecord(**odd, "data.pkl", "data")), "unknown byteorder"));
  CHECK(contains(errorOf(unpickleRecord(**ar, "nope.pkl", "data")), "no record 'nope.pkl'"));
}

TEST_CASE("unpickle bounds the memory a small pickle can expand into") {
  {
    // One memoized 20k-entry dict used as the BUILD state of 20k objects: 400M attribute copies.
    PickleWriter w;
    w.emptyDict().put(0).mark();
    for (int i = 0; i < 20000; ++i)
      w.str("a" + std::to_string(i)).none();
    w.setitems().op('0');
    w.global("__torch__", "A").put(1).op('0').emptyList().mark();
    for (int i = 0; i < 20000; ++i)
      w.get(1).emptyTuple().newobj().get(0).build();
    w.appends();
    CHECK(contains(errorOf(run(w.done())), "pickle expands beyond its memory budget"));
  }
  {
    // One memoized 1 MiB string as the key of 100k dicts.
    PickleWriter w;
    w.str(std::string(1 << 20, 'k')).put(0).op('0').emptyList().mark();
    for (int i = 0; i < 100000; ++i)
      w.emptyDict().get(0).none().op('s');
    w.appends();
    CHECK(contains(errorOf(run(w.done())), "memory budget"));
  }
  {
    PickleWriter w;
    w.global("torch.jit._pickle", "restore_type_tag").mark().emptyList();
    w.str("List[" + std::string(5000, 'x') + "]").tuple().reduce();
    CHECK(contains(errorOf(run(w.done())), "type tag is longer than 4096 bytes"));
  }
}
