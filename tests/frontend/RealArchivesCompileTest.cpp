// Every real archive in ../shared/real-archives (several torch versions, the legacy model.json
// format, lite files, quantized mobile models) imports, and its forward compiles to a graph that
// verifies, except for the two that have no forward.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "frontend/Archive.h"
#include "ir/Verifier.h"

namespace fs = std::filesystem;
using namespace ts2onnx;

namespace {
// Quantized mobile models whose constant table holds packed-parameter objects
// (torch.classes.quantized.*), which the compiler cannot materialize yet.
const std::set<std::string> kPackedParams = {"ios_d2go_optimized.pt", "ios_mobilenet_quantized2.pt",
                                             "ios_vit4mnist.ptl"};
// Modules without a forward method (only data and custom classes).
const std::set<std::string> kNoForward = {"metatensor_legacy-module.pt",
                                          "metatensor_test-module.pt"};
} // namespace

TEST_CASE("every real archive imports and its forward compiles and verifies") {
  fs::path dir = fs::path(TS2ONNX_SHARED_DIR) / "real-archives";
  REQUIRE(fs::exists(dir));
  int opened = 0, compiled = 0;
  for (auto &e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name == "SOURCES.txt")
      continue;
    CAPTURE(name);
    auto archive = frontend::Archive::open(e.path().string());
    REQUIRE_MESSAGE(archive.ok(), archive.status().message());
    ++opened;
    auto g = (*archive)->compileMethod("forward");
    if (kNoForward.count(name)) {
      CHECK(absl::IsNotFound(g.status()));
      CHECK(std::string(g.status().message()).find("(it has no methods)") != std::string::npos);
      CHECK((*archive)->methodNames().empty());
      continue;
    }
    REQUIRE_MESSAGE(g.ok(), g.status().message());
    absl::Status v = ir::verify(**g);
    CHECK_MESSAGE(v.ok(), v.message());
    CHECK((*g)->outputs().size() == 1);
    ++compiled;
  }
  CHECK(opened == 20);
  CHECK(compiled == 18);
}

TEST_CASE("the archive's version record and format are read") {
  fs::path dir = fs::path(TS2ONNX_SHARED_DIR) / "real-archives";
  // Values from SOURCES.txt / FORMAT-NOTES §8, checked with /usr/bin/python3 zipfile.
  auto a = frontend::Archive::open((dir / "colvars_ae_cpu.pt").string());
  REQUIRE(a.ok());
  CHECK((*a)->version() == 4);
  CHECK((*a)->format() == frontend::Archive::Format::Zip);
  auto legacy = frontend::Archive::open((dir / "ocaml-torch_foo3_ad935db5.pt").string());
  REQUIRE(legacy.ok());
  CHECK((*legacy)->format() == frontend::Archive::Format::Legacy);
  auto d2go = frontend::Archive::open((dir / "ios_d2go_optimized.pt").string());
  REQUIRE(d2go.ok());
  CHECK((*d2go)->version() == 5);
  auto lite = frontend::Archive::open((dir / "ios_vit4mnist.ptl").string());
  REQUIRE(lite.ok());
  CHECK((*lite)->hasBytecode());
}
