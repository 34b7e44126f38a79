// Tensors over lazy storages: bytes are generated on demand, chunk by chunk, and materialized
// only when someone needs a pointer.
#include <cstring>
#include <vector>

#include <doctest/doctest.h>

#include "ir/Tensor.h"

using namespace ts2onnx::ir;

namespace {

struct Calls {
  std::vector<std::pair<uint64_t, size_t>> ranges;
};

/// A lazy float32 storage of `n` elements whose element i is i * 0.5.
std::shared_ptr<Storage> halves(size_t n, Calls &calls) {
  return Storage::lazy(n * 4, [&calls](uint64_t offset, uint8_t *out, size_t bytes) {
    calls.ranges.push_back({offset, bytes});
    for (size_t k = 0; k < bytes / 4; ++k) {
      float f = float(offset / 4 + k) * 0.5f;
      std::memcpy(out + 4 * k, &f, 4);
    }
  });
}

} // namespace

TEST_CASE("a lazy storage is read in ranges without being materialized") {
  Calls calls;
  Tensor t(ScalarType::Float32, {2, 3}, Tensor::contiguousStrides({2, 3}), 1, halves(7, calls));
  REQUIRE(t.storage()->isLazy());
  float f[2];
  t.readBytes(4, reinterpret_cast<uint8_t *>(f), 8); // elements 1 and 2 of the view
  CHECK(f[0] == 1.0f);                               // storage element 2
  CHECK(f[1] == 1.5f);
  std::vector<uint8_t> all = t.contiguousBytes();
  REQUIRE(all.size() == 24);
  std::memcpy(f, all.data() + 20, 4);
  CHECK(f[0] == 3.0f); // storage element 6
  CHECK(t.storage()->isLazy());
  REQUIRE(calls.ranges.size() == 2);
  CHECK(calls.ranges[0] == std::pair<uint64_t, size_t>{8, 8});
  CHECK(calls.ranges[1] == std::pair<uint64_t, size_t>{4, 24});
}

TEST_CASE("a pointer or an element materializes a lazy storage once") {
  Calls calls;
  Tensor t(ScalarType::Float32, {7}, {1}, 0, halves(7, calls));
  CHECK(t.doubleAt(5) == 2.5);
  CHECK(!t.storage()->isLazy());
  const uint8_t *p = t.data();
  REQUIRE(p != nullptr);
  float f;
  std::memcpy(&f, p + 12, 4);
  CHECK(f == 1.5f);
  CHECK(t.doubleAt(6) == 3.0);
  Tensor strided(ScalarType::Float32, {3}, {2}, 0, t.storage()); // elements 0, 2, 4
  std::vector<uint8_t> b = strided.contiguousBytes();
  std::memcpy(&f, b.data() + 8, 4);
  CHECK(f == 2.0f);
  CHECK(calls.ranges.size() == 1); // generated once, whole
  CHECK(calls.ranges[0] == std::pair<uint64_t, size_t>{0, 28});
}
