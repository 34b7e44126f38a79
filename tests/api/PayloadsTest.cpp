// writer::writePayloads (writer/Payloads.h): every kind of payload source written into its
// region, on one thread and on several with small units, against the bytes built here
// independently; the CRC-32 of checked regions against zlib's crc32 of the same bytes; errors.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "ir/Tensor.h"
#include "writer/ModelWriter.h"
#include "writer/Payloads.h"

using namespace ts2onnx;

namespace {

struct TempFile {
  std::string path;
  int fd = -1;
  TempFile() {
    char tmpl[] = "/tmp/ts2onnx-payloads.XXXXXX";
    fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    path = tmpl;
  }
  ~TempFile() {
    ::close(fd);
    ::unlink(path.c_str());
  }
  std::string read() const {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

std::vector<uint8_t> randomBytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t &b : v)
    b = static_cast<uint8_t>(gen());
  return v;
}

/// A float32 tensor of `count` elements over `storage` from byte `offset`.
ir::Tensor floats(std::shared_ptr<const ir::Storage> storage, int64_t count, int64_t offset = 0) {
  return ir::Tensor(ir::ScalarType::Float32, {count}, {1}, offset, std::move(storage));
}

/// Bytes [offset, offset + n) of a file-backed storage: `bytes` also sits in `file` at
/// `fileOffset`, as an archive record's mapping does.
std::shared_ptr<ir::Storage> fileBacked(const std::vector<uint8_t> &bytes, int fd,
                                        uint64_t fileOffset) {
  auto s = ir::Storage::copyOf(bytes.data(), bytes.size());
  s->fd = fd;
  s->fileOffset = fileOffset;
  return s;
}

void xorBytes(uint64_t offset, uint8_t *buf, size_t n) {
  for (size_t i = 0; i < n; ++i)
    buf[i] ^= static_cast<uint8_t>((offset + i) * 7 + 1);
}

} // namespace

TEST_CASE("writePayloads writes each source kind into its region, on 1 and on 4 threads") {
  // The "archive": two records at known offsets of a file.
  TempFile archive;
  const std::vector<uint8_t> recA = randomBytes(300'000, 1), recB = randomBytes(200'004, 2);
  const uint64_t offA = 64, offB = 64 + recA.size() + 100;
  REQUIRE(::pwrite(archive.fd, recA.data(), recA.size(), offA) == ssize_t(recA.size()));
  REQUIRE(::pwrite(archive.fd, recB.data(), recB.size(), offB) == ssize_t(recB.size()));

  // 1: record A copied; 2: record B copied with its CRC-32 checked; 3: derived from record A
  // (xor by position); 4: bytes in memory; 5: a strided view of memory (every other float);
  // 6: a lazy storage viewed with a stride (materialized once, then gathered).
  const std::vector<uint8_t> mem = randomBytes(40'000, 3);
  ir::Tensor t1 = floats(fileBacked(recA, archive.fd, offA), int64_t(recA.size() / 4));
  ir::Tensor t2 = floats(fileBacked(recB, archive.fd, offB), int64_t(recB.size() / 4));
  ir::Tensor t3 =
      floats(ir::Storage::derived(fileBacked(recA, archive.fd, offA), 0, recA.size(), xorBytes),
             int64_t(recA.size() / 4));
  auto memStorage = ir::Storage::copyOf(mem.data(), mem.size());
  ir::Tensor t4 = floats(memStorage, 5'000, 1'000);
  ir::Tensor t5(ir::ScalarType::Float32, {4'000}, {2}, 3, memStorage);
  auto lazy = ir::Storage::lazy(8'000, [](uint64_t offset, uint8_t *out, size_t n) {
    for (size_t i = 0; i < n; ++i)
      out[i] = static_cast<uint8_t>((offset + i) * 13);
  });
  ir::Tensor t6(ir::ScalarType::Float32, {1'000}, {2}, 1, lazy);

  // Expected bytes, built element by element.
  std::vector<uint8_t> derived = recA;
  xorBytes(0, derived.data(), derived.size());
  std::vector<uint8_t> strided, lazyStrided;
  for (int64_t i = 0; i < 4'000; ++i)
    strided.insert(strided.end(), mem.begin() + (3 + 2 * i) * 4, mem.begin() + (3 + 2 * i) * 4 + 4);
  for (int64_t i = 0; i < 1'000; ++i)
    for (int64_t b = 0; b < 4; ++b)
      lazyStrided.push_back(static_cast<uint8_t>(((1 + 2 * i) * 4 + b) * 13));
  const std::vector<std::pair<const ir::Tensor *, std::vector<uint8_t>>> cases = {
      {&t1, recA},    {&t2, recB},
      {&t3, derived}, {&t4, std::vector<uint8_t>(mem.begin() + 4'000, mem.begin() + 24'000)},
      {&t5, strided}, {&t6, lazyStrided}};

  for (unsigned threads : {1u, 4u}) {
    CAPTURE(threads);
    TempFile out;
    std::vector<writer::Payload> payloads;
    std::string expected(17, '\0'); // a gap before the first region
    for (const auto &[t, bytes] : cases) {
      payloads.push_back({t, out.fd, expected.size(), &out.path});
      expected.append(bytes.begin(), bytes.end());
      expected.append(5, '\0');
    }
    REQUIRE(::ftruncate(out.fd, off_t(expected.size())) == 0);

    std::vector<std::pair<uint64_t, uint32_t>> settled;
    writer::WriteOptions options;
    options.threads = threads;
    options.checksummed = [&](uint64_t offset, uint64_t n) {
      return offset == offB && n == recB.size();
    };
    options.checksum = [&](uint64_t offset, uint64_t n, uint32_t crc) {
      CHECK(n == recB.size());
      settled.emplace_back(offset, crc);
      return absl::OkStatus();
    };
    uint64_t reported = 0;
    // 4 KiB units: the records are cut into dozens of units shared among the threads.
    absl::Status s = writer::writePayloads(
        payloads, options, [&](uint64_t n) { reported += n; }, 4096);
    REQUIRE_MESSAGE(s.ok(), std::string(s.message()));
    CHECK(out.read() == expected);
    uint64_t total = 0;
    for (const auto &[t, bytes] : cases)
      total += bytes.size();
    CHECK(reported == total);
    REQUIRE(settled.size() == 1);
    CHECK(settled[0].first == offB);
    CHECK(settled[0].second == uint32_t(::crc32(0, recB.data(), uInt(recB.size()))));
  }
}

TEST_CASE("writePayloads returns the checksum's error and the file's") {
  TempFile archive;
  const std::vector<uint8_t> rec = randomBytes(100'000, 4);
  REQUIRE(::pwrite(archive.fd, rec.data(), rec.size(), 0) == ssize_t(rec.size()));
  ir::Tensor t = floats(fileBacked(rec, archive.fd, 0), int64_t(rec.size() / 4));
  TempFile out;
  std::vector<writer::Payload> payloads = {{&t, out.fd, 0, &out.path}};
  writer::WriteOptions options;
  options.threads = 3;
  options.checksummed = [](uint64_t, uint64_t) { return true; };
  options.checksum = [](uint64_t, uint64_t, uint32_t) {
    return absl::DataLossError("record 'data/0' is corrupt");
  };
  absl::Status s = writer::writePayloads(payloads, options, nullptr, 4096);
  CHECK(s.message() == "record 'data/0' is corrupt");

  // A destination opened read-only: the write fails, naming the file.
  int ro = ::open(out.path.c_str(), O_RDONLY);
  REQUIRE(ro >= 0);
  payloads[0].fd = ro;
  writer::WriteOptions plain;
  plain.threads = 3;
  s = writer::writePayloads(payloads, plain, nullptr, 4096);
  ::close(ro);
  CHECK(std::string(s.message()).find("cannot write '" + out.path + "'") == 0);
}

TEST_CASE("payloadThreads: one thread for small payloads unless asked, never more than units") {
  CHECK(writer::payloadThreads(1 << 20, 10, 0) == 1);
  CHECK(writer::payloadThreads(1 << 20, 10, 3) == 3);
  CHECK(writer::payloadThreads(1 << 20, 1, 3) == 1);
  CHECK(writer::payloadThreads(uint64_t(1) << 30, 2, 8) == 2);
  CHECK(writer::payloadThreads(uint64_t(1) << 30, 200, 0) >= 1);
  CHECK(writer::payloadThreads(uint64_t(1) << 30, 200, 0) <= 8);
}
