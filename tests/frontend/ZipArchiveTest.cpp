#include <cstdio>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "frontend/MappedFile.h"
#include "frontend/ZipArchive.h"
#include "tests/frontend/ZipTestUtil.h"

using namespace ts2onnx::frontend;
using namespace ts2onnx::frontend::testing;

namespace {

const std::string kArchives = std::string(TS2ONNX_SHARED_DIR) + "/real-archives/";

template <typename T> std::string errorOf(const absl::StatusOr<T> &r) {
  return r.ok() ? std::string("<ok>") : std::string(r.status().message());
}

bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string asString(const std::shared_ptr<const ts2onnx::ir::Storage> &s) {
  return std::string(reinterpret_cast<const char *>(s->data), s->nbytes);
}

std::vector<TestEntry> smallEntries() {
  return {{"m/version", "3\n", false},
          {"m/data.pkl", std::string("\x80\x02K\x07.", 5), false},
          {"m/code/__torch__.py", std::string(300, 'x') + "def forward(self):\n", true}};
}

// Facts about shared/real-archives obtained with /usr/bin/python3:
//   zipfile.ZipFile(f).infolist() -> number of entries and root (text before the first '/' of the
//   first entry); z.read(root + '/version').strip() -> version; the first deflated entry's name
//   and file_size.
struct ArchiveFacts {
  const char *file;
  const char *root;
  size_t records;
  const char *version;
  const char *deflated; // first deflated record (nullptr: everything stored)
  uint64_t deflatedSize;
};
const ArchiveFacts kFacts[] = {
    {"colvars_ae_cpu.pt", "scripted_cv_cpu", 30, "4",
     "code/__torch__/torch/nn/modules/container/___torch_mangle_4.py", 607},
    {"colvars_dihedrals_cpu.pt", "scripted_dihedral_angles_cpu", 11, "4",
     "code/__torch__/molann/ann.py", 5780},
    {"colvars_gromacs_identity.pt", "identity", 7, "3", "code/__torch__.py", 202},
    {"djl_deepar_73441d4a.pt", "deepar", 41, "4",
     "code/__torch__/gluonts/torch/model/deepar/lightning_module.py", 660},
    {"djl_yolo_world_identity.pt", "identity", 7, "3", "code/__torch__.py", 246},
    {"ios_d2go_optimized.pt", "d2go_optimized", 345, "5", "code/__torch__/___torch_mangle_636.py",
     21394},
    {"ios_mobilenet_quantized2.pt", "mobilenet_quantized2", 218, "3",
     "code/__torch__/torchvision/models/quantization/mobilenetv2/___torch_mangle_1239.py", 5742},
    {"ios_mobilenet_quantized_74b5c6d3.pt", "mobilenet_quantized", 171, "3",
     "code/__torch__/torchvision/models/quantization/mobilenet/___torch_mangle_1363.py", 18468},
    {"ios_vit4mnist.ptl", "vit4mnist", 114, "4",
     "code/__torch__/vit_pytorch/___torch_mangle_619.py", 16313},
    {"java-demo_demo-model.pt1", "demo-model", 5, "1", "code/__torch__.py", 286},
    {"metatensor_legacy-module.pt", "test-module", 32, "3", "code/__torch__.py", 2261},
    {"metatensor_test-module.pt", "test-module", 36, "3", "code/__torch__.py", 2591},
    {"ocaml-torch_foo3_ad935db5.pt", "foo3", 3, "1", nullptr, 0},
    {"ocaml-torch_foo3_e8ffeb43.pt", "foo3", 4, "1", nullptr, 0},
    {"openmm-torch_forces.pt", "forces", 5, "3", "code/__torch__.py", 278},
    {"openmm-torch_periodic_4adc6cac.pt", "periodic", 5, "1", nullptr, 0},
    {"serve_babyllama_dummy.pt", "dummy", 11, "3", "code/__torch__.py", 291},
    {"torch-js_test_model_ad94455e.pt", "test_model", 3, "1", nullptr, 0},
    {"torchsharp_func.script.dat", "foo", 5, "3", "code/__torch__.py", 209},
    {"torchsharp_tuple_out.dat", "tuple_out", 5, "3", "code/__torch__.py", 243},
};

} // namespace

TEST_CASE("MappedFile names the path and the reason when a file cannot be opened") {
  auto r = MappedFile::open("/nonexistent/dir/model.pt");
  REQUIRE_FALSE(r.ok());
  CHECK(contains(errorOf(r), "/nonexistent/dir/model.pt"));
  CHECK(contains(errorOf(r), "No such file or directory"));
  CHECK(absl::IsNotFound(r.status()));
  auto dir = MappedFile::open(kArchives);
  CHECK_FALSE(dir.ok());
  CHECK(contains(errorOf(dir), "not a regular file"));
}

TEST_CASE("MappedFile maps a real archive read-only") {
  auto r = MappedFile::open(kArchives + "torchsharp_func.script.dat");
  REQUIRE(r.ok());
  CHECK((*r)->size() == 1334);
  CHECK((*r)->data()[0] == 'P');
  CHECK((*r)->data()[1] == 'K');
}

TEST_CASE("ZipArchive opens every real archive with the records, root and version python sees") {
  for (const ArchiveFacts &f : kFacts) {
    INFO(f.file);
    auto r = ZipArchive::open(kArchives + f.file);
    REQUIRE_MESSAGE(r.ok(), errorOf(r));
    const ZipArchive &ar = **r;
    CHECK(ar.root() == f.root);
    CHECK(ar.records().size() == f.records);
    auto version = ar.readString("version");
    REQUIRE(version.ok());
    CHECK(*version == std::string(f.version) + "\n");
    // torch aligns every record's data to 64 bytes (FORMAT-NOTES §1.3); all real files do.
    for (const std::string &name : ar.records())
      CHECK(ar.entry(name)->dataOffset % 64 == 0);
    if (f.deflated) {
      const ZipEntry *e = ar.entry(f.deflated);
      REQUIRE(e);
      CHECK(e->method == 8);
      auto bytes = ar.read(f.deflated);
      REQUIRE_MESSAGE(bytes.ok(), errorOf(bytes));
      CHECK((*bytes)->nbytes == f.deflatedSize);
    }
    // Every record reads (CRC-checked when deflated).
    for (const std::string &name : ar.records()) {
      auto bytes = ar.read(name);
      CHECK_MESSAGE(bytes.ok(), errorOf(bytes));
    }
  }
}

TEST_CASE("ZipArchive reads deflated source and views stored records without copying") {
  auto r = ZipArchive::open(kArchives + "torchsharp_func.script.dat");
  REQUIRE(r.ok());
  const ZipArchive &ar = **r;
  CHECK(ar.has("data.pkl"));
  CHECK_FALSE(ar.has("foo/data.pkl"));
  CHECK_FALSE(ar.has("missing"));
  // python: zipfile.ZipFile(f).read('foo/code/__torch__.py')
  auto code = ar.readString("code/__torch__.py");
  REQUIRE(code.ok());
  CHECK(code->rfind("class PlaceholderModule(Module):\n", 0) == 0);
  CHECK(contains(*code, "    return torch.add(x, y)\n"));
  auto a = ar.read("data.pkl");
  auto b = ar.read("data.pkl");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK((*a)->data == (*b)->data); // both view the mapping
  CHECK((*a)->owner != nullptr);
  auto c1 = ar.read("code/__torch__.py");
  auto c2 = ar.read("code/__torch__.py");
  CHECK((*c1)->data != (*c2)->data); // inflated copies
  auto missing = ar.read("nope");
  CHECK(absl::IsNotFound(missing.status()));
  CHECK(contains(errorOf(missing), "no record 'nope'"));
  auto sz = ar.size("code/__torch__.py");
  REQUIRE(sz.ok());
  CHECK(*sz == 209);
}

TEST_CASE("ZipArchive keeps the mapping alive after the archive is gone") {
  std::shared_ptr<const ts2onnx::ir::Storage> s;
  {
    auto r = ZipArchive::open(kArchives + "torchsharp_func.script.dat");
    REQUIRE(r.ok());
    auto v = (*r)->read("version");
    REQUIRE(v.ok());
    s = *v;
  }
  CHECK(asString(s) == "3\n");
}

TEST_CASE("ZipArchive round-trips a built archive with and without ZIP64 records") {
  for (bool zip64 : {true, false}) {
    BuiltZip z = buildZip(smallEntries(), zip64);
    auto r = ZipArchive::fromBytes(z.bytes, "built.pt");
    REQUIRE_MESSAGE(r.ok(), errorOf(r));
    CHECK((*r)->root() == "m");
    CHECK((*r)->records() == std::vector<std::string>{"version", "data.pkl", "code/__torch__.py"});
    CHECK(asString(*(*r)->read("version")) == "3\n");
    CHECK(asString(*(*r)->read("code/__torch__.py")) ==
          std::string(300, 'x') + "def forward(self):\n");
    CHECK((*r)->entry("data.pkl")->dataOffset == z.dataOffsets[1]);
  }
}

TEST_CASE("ZipArchive rejects every truncation of an archive without crashing") {
  BuiltZip z = buildZip(smallEntries());
  for (size_t n = 0; n < z.bytes.size(); ++n) {
    auto r = ZipArchive::fromBytes(z.bytes.substr(0, n), "cut.pt");
    CHECK_FALSE(r.ok());
  }
  auto tiny = ZipArchive::fromBytes("PK", "tiny.pt");
  CHECK(contains(errorOf(tiny), "tiny.pt: zip: file too small"));
  auto cut = ZipArchive::fromBytes(z.bytes.substr(0, z.bytes.size() - 5), "cut.pt");
  CHECK(contains(errorOf(cut), "no end of central directory"));
  auto cutData = ZipArchive::fromBytes(z.bytes.substr(z.dataOffsets[2]), "cut.pt");
  CHECK_FALSE(cutData.ok());
}

TEST_CASE("ZipArchive rejects lying central directory offsets, sizes and counts") {
  BuiltZip z = buildZip(smallEntries(), /*zip64=*/false);
  {
    std::string b = z.bytes;
    set32(b, z.eocdOffset + 16, 12345678);
    auto r = ZipArchive::fromBytes(b, "model.pt");
    CHECK(errorOf(r) == "model.pt: zip: central directory offset 12345678 beyond end of file "
                        "(size " +
                            std::to_string(b.size()) + ")");
  }
  {
    std::string b = z.bytes;
    set32(b, z.eocdOffset + 12, static_cast<uint32_t>(z.cdSize + 100));
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "central directory (offset"));
  }
  {
    std::string b = z.bytes;
    set32(b, z.eocdOffset + 12, static_cast<uint32_t>(z.cdSize - 1));
    CHECK_FALSE(ZipArchive::fromBytes(b, "m.pt").ok());
  }
  {
    std::string b = z.bytes;
    set32(b, z.eocdOffset + 16, static_cast<uint32_t>(z.cdOffset + 1));
    CHECK_FALSE(ZipArchive::fromBytes(b, "m.pt").ok());
  }
  {
    std::string b = z.bytes;
    set16(b, z.eocdOffset + 8, 60000);
    set16(b, z.eocdOffset + 10, 60000);
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "60000 entries cannot fit"));
  }
  {
    std::string b = z.bytes;
    set16(b, z.eocdOffset + 8, 4);
    set16(b, z.eocdOffset + 10, 4);
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "runs past"));
  }
  {
    // A local header offset pointing into the central directory.
    std::string b = z.bytes;
    set32(b, z.centralOffsets[1] + 42, static_cast<uint32_t>(z.cdOffset + 10));
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "local header offset"));
  }
  {
    // A local header offset pointing at the wrong header.
    std::string b = z.bytes;
    set32(b, z.centralOffsets[1] + 42, static_cast<uint32_t>(z.localOffsets[0]));
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "local header names"));
  }
  {
    // A compressed size running into the central directory.
    std::string b = z.bytes;
    set32(b, z.centralOffsets[2] + 20, 0x7fffffff);
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "runs past the central"));
  }
  {
    // Stored entry whose sizes disagree.
    std::string b = z.bytes;
    set32(b, z.centralOffsets[0] + 24, 1);
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "stored entry 'm/version'"));
  }
  {
    // Bad local signature.
    std::string b = z.bytes;
    b[z.localOffsets[1]] = 'X';
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "bad local header signature"));
  }
}

TEST_CASE("ZipArchive rejects entries whose data overlaps another entry") {
  // Record m/a's stored data is itself a complete local header + data for m/b, and a second
  // central header points there: both read "fine" on their own, but they share bytes.
  BuiltZip inner = buildZip({{"m/b", "hi", false}}, false);
  BuiltZip outer = buildZip({{"m/a", inner.bytes.substr(0, inner.cdOffset), false}}, false);
  std::string centralB = inner.bytes.substr(inner.cdOffset, inner.cdSize);
  set32(centralB, 42, static_cast<uint32_t>(outer.dataOffsets[0]));
  std::string b = outer.bytes.substr(0, outer.cdOffset + outer.cdSize) + centralB +
                  outer.bytes.substr(outer.eocdOffset);
  size_t eocd = outer.cdOffset + outer.cdSize + centralB.size();
  set16(b, eocd + 8, 2);
  set16(b, eocd + 10, 2);
  set32(b, eocd + 12, static_cast<uint32_t>(outer.cdSize + centralB.size()));
  CHECK(contains(errorOf(ZipArchive::fromBytes(b, "o.pt")), "entries 'a' and 'b' overlap"));
}

TEST_CASE("ZipArchive checks the ZIP64 record against the classic end record") {
  BuiltZip z = buildZip(smallEntries());
  {
    std::string b = z.bytes;
    set64(b, z.zip64EocdOffset + 48, 1u << 31);
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "disagrees with the ZIP64"));
  }
  {
    std::string b = z.bytes;
    set32(b, z.eocdOffset + 16, 0xFFFFFFFF);
    set64(b, z.zip64EocdOffset + 48, uint64_t{1} << 40);
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "beyond end of file"));
  }
  {
    std::string b = z.bytes;
    set64(b, z.zip64LocatorOffset + 8, uint64_t{1} << 62);
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "ZIP64 end of central directory"));
  }
  {
    std::string b = z.bytes;
    set64(b, z.zip64EocdOffset + 4, ~uint64_t{0});
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "record size"));
  }
  {
    // Saturated classic fields without a ZIP64 record.
    BuiltZip plain = buildZip(smallEntries(), false);
    std::string b = plain.bytes;
    set32(b, plain.eocdOffset + 16, 0xFFFFFFFF);
    CHECK(contains(errorOf(ZipArchive::fromBytes(b, "m.pt")), "needs a ZIP64 record"));
  }
}

TEST_CASE("ZipArchive honours ZIP64 extra fields in central headers") {
  // Rebuild one central header with saturated sizes and offset moved into a ZIP64 extra field.
  std::vector<TestEntry> entries = {{"r/a", "hello", false}};
  BuiltZip z = buildZip(entries);
  std::string b = z.bytes.substr(0, z.cdOffset);
  std::string central = z.bytes.substr(z.cdOffset, z.cdSize);
  set32(central, 20, 0xFFFFFFFF);
  set32(central, 24, 0xFFFFFFFF);
  set32(central, 42, 0xFFFFFFFF);
  set16(central, 30, 4 + 24);
  put16(central, 0x0001);
  put16(central, 24);
  put64(central, 5);
  put64(central, 5);
  put64(central, 0);
  size_t cdOffset = b.size();
  b += central;
  size_t z64 = b.size();
  put32(b, 0x06064b50);
  put64(b, 44);
  put16(b, 45);
  put16(b, 45);
  put32(b, 0);
  put32(b, 0);
  put64(b, 1);
  put64(b, 1);
  put64(b, central.size());
  put64(b, cdOffset);
  put32(b, 0x07064b50);
  put32(b, 0);
  put64(b, z64);
  put32(b, 1);
  put32(b, 0x06054b50);
  put16(b, 0);
  put16(b, 0);
  put16(b, 1);
  put16(b, 1);
  put32(b, 0xFFFFFFFF);
  put32(b, 0xFFFFFFFF);
  put16(b, 0);
  auto r = ZipArchive::fromBytes(b, "z64.pt");
  REQUIRE_MESSAGE(r.ok(), errorOf(r));
  CHECK(asString(*(*r)->read("a")) == "hello");
  // The same extra field cut short.
  std::string shortExtra = b;
  set16(shortExtra, cdOffset + 30, 4 + 16);
  set16(shortExtra, cdOffset + 46 + 3 + 2, 16);
  CHECK_FALSE(ZipArchive::fromBytes(shortExtra, "z64.pt").ok());
}

TEST_CASE("ZipArchive rejects unsafe and inconsistent entry names") {
  auto fails = [](std::vector<TestEntry> entries, const std::string &expected) {
    auto r = ZipArchive::fromBytes(buildZip(entries).bytes, "n.pt");
    INFO(errorOf(r));
    CHECK(contains(errorOf(r), expected));
  };
  fails({{"m/version", "3", false}, {"m/../../etc/passwd", "x", false}}, "'..' component");
  fails({{"../version", "3", false}}, "'..' component");
  fails({{"/abs/version", "3", false}}, "absolute path");
  fails({{"C:/x/version", "3", false}}, "absolute path");
  fails({{"m/version", "3", false}, {"other/data.pkl", "x", false}}, "outside the root folder");
  fails({{"version", "3", false}}, "not inside a root folder");
  fails({{"m/a\xff", "3", false}}, "not valid UTF-8");
  fails({{"m/a\\b", "3", false}}, "backslash");
  fails({{"m//a", "3", false}}, "empty or '.' component");
  fails({{"m/a", "1", false}, {"m/a", "2", false}}, "duplicate entry 'm/a'");
  // Directory entries are skipped.
  auto r = ZipArchive::fromBytes(buildZip({{"m/", "", false}, {"m/a", "1", false}}).bytes, "d.pt");
  REQUIRE_MESSAGE(r.ok(), errorOf(r));
  CHECK((*r)->records() == std::vector<std::string>{"a"});
}

TEST_CASE("ZipArchive stops deflate bombs and lying uncompressed sizes") {
  std::string zeros(4 << 20, '\0');
  {
    // 4 MiB of zeros deflate ~1030:1, above the default limit.
    auto r = ZipArchive::fromBytes(buildZip({{"b/bomb", zeros, true}}).bytes, "bomb.pt");
    CHECK(contains(errorOf(r), "bomb.pt: zip: entry 'b/bomb' would inflate"));
    CHECK(contains(errorOf(r), "ratio above 1000:1"));
  }
  {
    ZipLimits limits;
    limits.maxCompressionRatio = 100;
    auto r = ZipArchive::fromBytes(buildZip({{"b/bomb", zeros, true}}).bytes, "bomb.pt", limits);
    CHECK(contains(errorOf(r), "ratio above 100:1"));
  }
  {
    ZipLimits limits;
    limits.maxCompressionRatio = 100000;
    limits.maxTotalInflatedBytes = 6 << 20;
    auto r = ZipArchive::fromBytes(buildZip({{"b/x", zeros, true}, {"b/y", zeros, true}}).bytes,
                                   "bomb.pt", limits);
    CHECK(contains(errorOf(r), "exceed the limit"));
  }
  {
    // The central directory claims 1000 bytes; the stream holds 4 MiB: inflation stops there.
    BuiltZip z = buildZip({{"b/bomb", zeros, true}});
    set32(z.bytes, z.centralOffsets[0] + 24, 1000);
    auto ar = ZipArchive::fromBytes(z.bytes, "bomb.pt");
    REQUIRE(ar.ok());
    auto r = (*ar)->read("bomb");
    CHECK(contains(errorOf(r), "inflates to more than the declared 1000 bytes"));
  }
  {
    BuiltZip z = buildZip({{"b/short", std::string(5000, 'a'), true}});
    set32(z.bytes, z.centralOffsets[0] + 24, 6000);
    auto r = (*ZipArchive::fromBytes(z.bytes, "s.pt"))->read("short");
    CHECK(contains(errorOf(r), "inflates to 5000 bytes, not the declared 6000"));
  }
  {
    // Truncated deflate stream: shrink the compressed size.
    BuiltZip z = buildZip({{"b/t", std::string(5000, 'a') + std::string(5000, 'b'), true}});
    uint32_t csize =
        static_cast<uint32_t>(rawDeflate(std::string(5000, 'a') + std::string(5000, 'b')).size());
    set32(z.bytes, z.centralOffsets[0] + 20, csize - 3);
    auto ar = ZipArchive::fromBytes(z.bytes, "t.pt");
    REQUIRE(ar.ok());
    CHECK(contains(errorOf((*ar)->read("t")), "truncated"));
  }
  {
    BuiltZip z = buildZip({{"b/c", "some text that deflates", true}});
    set32(z.bytes, z.centralOffsets[0] + 16, 0x12345678);
    CHECK(contains(errorOf((*ZipArchive::fromBytes(z.bytes, "c.pt"))->read("c")), "CRC-32"));
  }
  {
    BuiltZip z = buildZip({{"b/g", "garbage", false}});
    set16(z.bytes, z.centralOffsets[0] + 10, 8);
    set16(z.bytes, z.localOffsets[0] + 8, 8);
    auto ar = ZipArchive::fromBytes(z.bytes, "g.pt");
    REQUIRE(ar.ok());
    CHECK(contains(errorOf((*ar)->read("g")), "record 'g'"));
  }
  {
    BuiltZip z = buildZip({{"b/l", "lzma?", false}});
    set16(z.bytes, z.centralOffsets[0] + 10, 14);
    set16(z.bytes, z.localOffsets[0] + 8, 14);
    auto ar = ZipArchive::fromBytes(z.bytes, "l.pt");
    REQUIRE(ar.ok());
    CHECK(contains(errorOf((*ar)->read("l")), "compression method 14"));
  }
  {
    ZipLimits limits;
    limits.maxEntries = 2;
    auto r = ZipArchive::fromBytes(buildZip(smallEntries()).bytes, "many.pt", limits);
    CHECK(contains(errorOf(r), "3 entries exceed the limit of 2"));
  }
}

TEST_CASE("ZipArchive recognises non-archives") {
  CHECK(contains(
      errorOf(ZipArchive::fromBytes(std::string("PYTORCH1") + std::string(100, '\0'), "old.pt")),
      "PYTORCH1"));
  CHECK(contains(errorOf(ZipArchive::fromBytes(
                     std::string("\x80\x02}q\x00.") + std::string(30, ' '), "weights.pt")),
                 "torch.save pickle"));
  BuiltZip z = buildZip(smallEntries());
  std::string encrypted = z.bytes;
  set16(encrypted, z.centralOffsets[0] + 8, 0x0801);
  CHECK(contains(errorOf(ZipArchive::fromBytes(encrypted, "e.pt")), "encrypted"));
}

TEST_CASE("ZipArchive survives byte flips anywhere in a real archive") {
  auto file = MappedFile::open(kArchives + "openmm-torch_forces.pt");
  REQUIRE(file.ok());
  std::string original(reinterpret_cast<const char *>((*file)->data()), (*file)->size());
  uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
  };
  int opened = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string b = original;
    int flips = 1 + static_cast<int>(next() % 3);
    for (int i = 0; i < flips; ++i) {
      size_t at = next() % b.size();
      // Bias towards the central directory and end records, where the structure lives.
      if (round % 2 == 0)
        at = b.size() - 1 - next() % std::min<size_t>(b.size(), 600);
      b[at] = static_cast<char>(next());
    }
    auto r = ZipArchive::fromBytes(b, "flip.pt");
    if (!r.ok())
      continue;
    ++opened;
    for (const std::string &name : (*r)->records())
      (void)(*r)->read(name);
  }
  CHECK(opened > 0);
}
