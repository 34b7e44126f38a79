// Tensors over lazy storages: bytes are generated on demand, chunk by chunk, and materialized
// only when someone needs a pointer.
#include <algorithm>
#include <cstdint>
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

TEST_CASE("strided views read in any range equal an element-by-element walk") {
  // Storage element i holds the int32 i, so each read element names its own storage offset.
  std::vector<int32_t> values(40 * 36);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = int32_t(i);
  auto storage = Storage::copyOf(values.data(), values.size() * 4);
  struct View {
    std::vector<int64_t> sizes, strides;
    int64_t offset;
  };
  const std::vector<View> views = {
      {{36, 40}, {1, 36}, 0},             // a transposed 40x36 matrix
      {{33, 37}, {1, 36}, 5},             // a transposed window, not a multiple of the tile
      {{3, 12, 40}, {12, 1, 36}, 0},      // permuted dims that merge into a 2-D view
      {{2, 5, 7}, {1, 36 * 2, 3}, 4},     // a 3-D view that does not merge
      {{40, 18}, {36, 2}, 1},             // every other column
      {{4, 1, 9, 1}, {1, 99, 36, 7}, 2}}; // size-1 dims with odd strides
  for (const View &v : views) {
    Tensor t(ScalarType::Int32, v.sizes, v.strides, v.offset, storage);
    const int64_t n = t.numel();
    std::vector<int32_t> expect(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) { // row-major index -> storage offset
      int64_t off = v.offset, rest = i;
      for (size_t d = v.sizes.size(); d-- > 0;) {
        off += rest % v.sizes[d] * v.strides[d];
        rest /= v.sizes[d];
      }
      expect[size_t(i)] = values[size_t(off)];
    }
    for (int64_t first : {int64_t{0}, int64_t{1}, int64_t{17}, n / 2, n - 3}) {
      for (int64_t count : {int64_t{1}, int64_t{5}, int64_t{100}, n}) {
        count = std::min(count, n - first);
        std::vector<int32_t> got(static_cast<size_t>(count));
        t.readBytes(uint64_t(first) * 4, reinterpret_cast<uint8_t *>(got.data()),
                    size_t(count) * 4);
        INFO("view of rank ", v.sizes.size(), ", elements ", first, " + ", count);
        CHECK(std::equal(got.begin(), got.end(), expect.begin() + first));
      }
    }
  }
}
