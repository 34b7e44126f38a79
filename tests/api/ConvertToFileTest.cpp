// convertToFile (the streaming writer, writer/ModelWriter.h) against convert() + writeModel:
// the same model once parsed, with the weights inline or as ONNX external data, and no file
// left behind on error.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>
#include <unistd.h>

#include "onnx/checker.h"
#include "ts2onnx/ts2onnx.h"

using namespace ts2onnx;

namespace {

std::string fixture(const std::string &name) {
  return std::string(TS2ONNX_SOURCE_DIR) + "/fixtures/" + name + "/model.pt";
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool exists(const std::string &path) { return ::access(path.c_str(), F_OK) == 0; }

onnx::ModelProto parse(const std::string &path) {
  onnx::ModelProto m;
  std::string bytes = readFile(path);
  REQUIRE(m.ParseFromString(bytes));
  return m;
}

/// An external tensor's `external_data` entries (location, offset, length) by key.
std::map<std::string, std::string> externalEntries(const onnx::TensorProto &t) {
  std::map<std::string, std::string> kv;
  for (const auto &e : t.external_data())
    kv[e.key()] = e.value();
  return kv;
}

/// A fresh directory under the build's temporary space, removed with its files.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/ts2onnx-convert-to-file.XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { (void)std::system(("rm -rf '" + path + "'").c_str()); }
};

ConvertOptions cnnOptions() {
  ConvertOptions o;
  o.inputs = {*parseInputSpec("x:float32[batch,3,32,32]")};
  return o;
}

bool sameModel(const onnx::ModelProto &a, const onnx::ModelProto &b, std::string *diff) {
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(diff);
  return d.Compare(a, b);
}

} // namespace

TEST_CASE("convertToFile writes the model convert() returns, weights streamed into the file") {
  TempDir dir;
  for (const char *name : {"cnn_bn", "mlp"}) {
    CAPTURE(name);
    ConvertOptions o = cnnOptions();
    if (std::string(name) == "mlp")
      o.inputs = {*parseInputSpec("x:float32[batch,20]")};
    auto model = convert(fixture(name), o);
    REQUIRE(model.ok());
    std::string whole = dir.path + "/" + name + ".whole.onnx";
    std::string streamed = dir.path + "/" + name + ".onnx";
    REQUIRE(writeModel(*model, whole).ok());
    auto written = convertToFile(fixture(name), streamed, o);
    REQUIRE_MESSAGE(written.ok(), std::string(written.status().message()));
    CHECK(written->externalPath.empty());
    CHECK(written->initializers == model->graph().initializer_size());
    std::string diff;
    CHECK_MESSAGE(sameModel(parse(whole), parse(streamed), &diff), diff);
    // Streamed in protobuf's own field order: byte for byte what SerializeToString writes.
    CHECK(readFile(whole) == readFile(streamed));
  }
}

TEST_CASE("convertToFile --external-data moves initializers of at least the threshold out") {
  TempDir dir;
  ConvertOptions o = cnnOptions();
  auto model = convert(fixture("cnn_bn"), o);
  REQUIRE(model.ok());
  std::map<std::string, std::string> inlineBytes;
  size_t large = 0;
  for (const auto &t : model->graph().initializer()) {
    inlineBytes[t.name()] = t.raw_data();
    large += t.raw_data().size() >= 1024;
  }
  REQUIRE(large > 0);

  std::string out = dir.path + "/cnn.onnx";
  OutputOptions eo;
  eo.externalData = true;
  eo.externalLocation = "weights.bin";
  auto written = convertToFile(fixture("cnn_bn"), out, o, eo);
  REQUIRE_MESSAGE(written.ok(), std::string(written.status().message()));
  CHECK(written->externalPath == dir.path + "/weights.bin");
  CHECK(written->externalTensors == static_cast<int>(large));
  CHECK_NOTHROW(onnx::checker::check_model(out));

  // Each external tensor's bytes at its offset are the bytes convert() holds inline.
  onnx::ModelProto m = parse(out);
  std::string data = readFile(dir.path + "/weights.bin");
  int external = 0;
  for (const auto &t : m.graph().initializer()) {
    CAPTURE(t.name());
    if (t.data_location() != onnx::TensorProto::EXTERNAL) {
      CHECK(t.raw_data() == inlineBytes.at(t.name()));
      CHECK(t.raw_data().size() < 1024);
      continue;
    }
    ++external;
    std::map<std::string, std::string> kv = externalEntries(t);
    CHECK(kv.at("location") == "weights.bin");
    size_t offset = std::stoull(kv.at("offset")), length = std::stoull(kv.at("length"));
    CHECK(offset % 4096 == 0);
    REQUIRE(offset + length <= data.size());
    CHECK(data.substr(offset, length) == inlineBytes.at(t.name()));
  }
  CHECK(external == written->externalTensors);
}

TEST_CASE("convertToFile leaves no file behind when it fails") {
  TempDir dir;
  ConvertOptions o = cnnOptions();
  std::string out = dir.path + "/cnn.onnx";
  OutputOptions eo;
  eo.externalData = true;
  eo.externalLocation = "/etc/weights.bin";
  auto written = convertToFile(fixture("cnn_bn"), out, o, eo);
  CHECK(!written.ok());
  CHECK(std::string(written.status().message()).find("relative") != std::string::npos);
  CHECK(!exists(out));

  o.opset = 3; // rejected before anything is written
  CHECK(!convertToFile(fixture("cnn_bn"), out, o).ok());
  CHECK(!exists(out));
  CHECK(std::system(("test -z \"$(ls -A '" + dir.path + "')\"").c_str()) == 0);

  // Never over the input archive.
  auto self = convertToFile(fixture("cnn_bn"), fixture("cnn_bn"), cnnOptions());
  CHECK(!self.ok());
}

TEST_CASE("convertToFile writes the weights on several threads, byte for byte as one does") {
  // resnet18 (a narrow one: 2.9 MB of weights in some 60 payloads, so the threads asked for
  // share them out): fused Conv+BatchNorm weights computed from their records, the fc weight
  // copied with its CRC-32 checked; each thread count gives the bytes convert() + writeModel
  // give. (Payloads cut into units, the CRC-32 of a record combined from its units: PayloadsTest.)
  TempDir dir;
  ConvertOptions o;
  o.inputs = {*parseInputSpec("x:float32[1,3,64,64]")};
  const std::string pt = fixture("resnet18_traced");
  auto model = convert(pt, o);
  REQUIRE(model.ok());
  std::string whole = dir.path + "/whole.onnx";
  REQUIRE(writeModel(*model, whole).ok());
  const std::string expected = readFile(whole);
  std::map<std::string, std::string> inlineBytes;
  for (const auto &t : model->graph().initializer())
    inlineBytes[t.name()] = t.raw_data();
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    CAPTURE(threads);
    std::vector<std::pair<uint64_t, uint64_t>> progress;
    bool otherThread = false;
    const auto caller = std::this_thread::get_id();
    ConvertOptions po = o;
    po.progress = [&](const Progress &p) {
      otherThread |= std::this_thread::get_id() != caller;
      if (p.step == "write")
        progress.emplace_back(p.done, p.total);
    };
    OutputOptions oo;
    oo.threads = threads;
    std::string out = dir.path + "/t" + std::to_string(threads) + ".onnx";
    auto written = convertToFile(pt, out, po, oo);
    REQUIRE_MESSAGE(written.ok(), std::string(written.status().message()));
    CHECK(readFile(out) == expected);
    CHECK_FALSE(otherThread);
    REQUIRE_FALSE(progress.empty());
    CHECK(progress.back().first == progress.back().second);
    for (size_t i = 1; i < progress.size(); ++i)
      CHECK(progress[i].first >= progress[i - 1].first);

    // External data: the same bytes at each tensor's offset.
    oo.externalData = true;
    oo.externalLocation = "t" + std::to_string(threads) + ".bin";
    out = dir.path + "/x" + std::to_string(threads) + ".onnx";
    written = convertToFile(pt, out, o, oo);
    REQUIRE_MESSAGE(written.ok(), std::string(written.status().message()));
    std::string data = readFile(dir.path + "/" + oo.externalLocation);
    int checked = 0;
    const onnx::ModelProto m = parse(out);
    for (const auto &t : m.graph().initializer()) {
      if (t.data_location() != onnx::TensorProto::EXTERNAL)
        continue;
      std::map<std::string, std::string> kv = externalEntries(t);
      size_t offset = std::stoull(kv.at("offset")), length = std::stoull(kv.at("length"));
      REQUIRE(offset + length <= data.size());
      CHECK(data.substr(offset, length) == inlineBytes.at(t.name()));
      ++checked;
    }
    CHECK(checked == written->externalTensors);
    CHECK(checked > 20);
  }
}

namespace {

/// The progress events of a conversion, one "step done/total" per event; consecutive "passes"
/// and "write" events are merged into one "passes" / "write" entry.
struct ProgressLog {
  std::vector<std::string> events;
  std::function<void(const Progress &)> callback() {
    return [this](const Progress &p) {
      std::string e = p.step == "passes" || p.step == "write"
                          ? p.step
                          : fmt::format("{} {}/{}", p.step, p.done, p.total);
      if (events.empty() || events.back() != e)
        events.push_back(e);
    };
  }
};

} // namespace

TEST_CASE("progress reports the conversion's phases in order, and stops where one fails") {
  TempDir dir;
  const std::vector<std::string> phases = {"load 0/1", "compile 0/1", "compile 1/1", "load 1/1",
                                           "passes",   "emit 0/1",    "emit 1/1"};
  ProgressLog toFile;
  ConvertOptions o = cnnOptions();
  o.progress = toFile.callback();
  REQUIRE(convertToFile(fixture("cnn_bn"), dir.path + "/a.onnx", o).ok());
  std::vector<std::string> expected = phases;
  expected.push_back("write");
  CHECK(toFile.events == expected);

  ProgressLog inMemory;
  o.progress = inMemory.callback();
  REQUIRE(convert(fixture("cnn_bn"), o).ok());
  CHECK(inMemory.events == phases);

  // An --input the method has no argument for fails while compiling (binding the inputs):
  // nothing after it.
  ProgressLog failed;
  o.inputs.push_back(*parseInputSpec("extra:float32[1]"));
  o.progress = failed.callback();
  CHECK_FALSE(convertToFile(fixture("cnn_bn"), dir.path + "/b.onnx", o).ok());
  CHECK(failed.events == std::vector<std::string>{"load 0/1", "compile 0/1"});
}
