#include "ir/Tensor.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

namespace ts2onnx::ir {
namespace {

struct ScalarTypeInfo {
  std::string_view name; // torch's printed prefix
  std::string_view shortName;
  size_t size;
};

constexpr std::array<ScalarTypeInfo, kNumScalarTypes> kInfo = {{
    {"Byte", "uint8", 1},
    {"Char", "int8", 1},
    {"Short", "int16", 2},
    {"Int", "int32", 4},
    {"Long", "int64", 8},
    {"Half", "float16", 2},
    {"Float", "float32", 4},
    {"Double", "float64", 8},
    {"ComplexHalf", "complex32", 4},
    {"ComplexFloat", "complex64", 8},
    {"ComplexDouble", "complex128", 16},
    {"Bool", "bool", 1},
    {"QInt8", "qint8", 1},
    {"QUInt8", "quint8", 1},
    {"QInt32", "qint32", 4},
    {"BFloat16", "bfloat16", 2},
    {"QUInt4x2", "quint4x2", 1},
    {"QUInt2x4", "quint2x4", 1},
}};

const ScalarTypeInfo *info(ScalarType t) {
  int i = static_cast<int>(t);
  return i >= 0 && i < kNumScalarTypes ? &kInfo[i] : nullptr;
}

uint16_t loadU16(const uint8_t *p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // subnormal: renormalize
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <typename T> T load(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

} // namespace

size_t elementSize(ScalarType t) {
  const ScalarTypeInfo *i = info(t);
  return i ? i->size : 0;
}

std::string_view scalarTypeName(ScalarType t) {
  const ScalarTypeInfo *i = info(t);
  return i ? i->name : "Undefined";
}

std::optional<ScalarType> scalarTypeFromName(std::string_view name) {
  for (int i = 0; i < kNumScalarTypes; ++i)
    if (kInfo[i].name == name)
      return static_cast<ScalarType>(i);
  return std::nullopt;
}

std::string_view scalarTypeShortName(ScalarType t) {
  const ScalarTypeInfo *i = info(t);
  return i ? i->shortName : "undefined";
}

std::optional<ScalarType> scalarTypeFromShortName(std::string_view name) {
  for (int i = 0; i < kNumScalarTypes; ++i)
    if (kInfo[i].shortName == name)
      return static_cast<ScalarType>(i);
  return std::nullopt;
}

bool isFloatingType(ScalarType t) {
  return t == ScalarType::Float16 || t == ScalarType::Float32 || t == ScalarType::Float64 ||
         t == ScalarType::BFloat16;
}

bool isIntegralType(ScalarType t, bool includeBool) {
  switch (t) {
  case ScalarType::UInt8:
  case ScalarType::Int8:
  case ScalarType::Int16:
  case ScalarType::Int32:
  case ScalarType::Int64:
    return true;
  case ScalarType::Bool:
    return includeBool;
  default:
    return false;
  }
}

std::shared_ptr<Storage> Storage::copyOf(const void *bytes, size_t n) {
  std::vector<uint8_t> v(n);
  if (n)
    std::memcpy(v.data(), bytes, n);
  return fromVector(std::move(v));
}

std::shared_ptr<Storage> Storage::fromVector(std::vector<uint8_t> bytes) {
  auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  auto s = std::make_shared<Storage>();
  s->data = owned->data();
  s->nbytes = owned->size();
  s->owner = owned;
  return s;
}

std::shared_ptr<Storage> Storage::lazy(size_t n,
                                       std::function<void(uint64_t, uint8_t *, size_t)> generate) {
  auto s = std::make_shared<Storage>();
  s->nbytes = n;
  s->generate = std::move(generate);
  return s;
}

std::shared_ptr<Storage>
Storage::derived(std::shared_ptr<const Storage> source, uint64_t sourceOffset, size_t n,
                 std::function<void(uint64_t, uint8_t *, size_t)> transform) {
  auto generate = [source, sourceOffset, transform](uint64_t offset, uint8_t *out, size_t k) {
    source->readBytesUnmapped(sourceOffset + offset, out, k);
    transform(offset, out, k);
  };
  std::shared_ptr<Storage> s = lazy(n, std::move(generate));
  s->source = std::move(source);
  s->sourceOffset = sourceOffset;
  s->transform = std::move(transform);
  return s;
}

const uint8_t *Storage::bytes() const {
  if (isLazy() && nbytes > 0) {
    // Uninitialized: generate writes every byte.
    std::shared_ptr<uint8_t[]> buf(new uint8_t[nbytes]);
    generate(0, buf.get(), nbytes);
    data = buf.get();
    owner = std::shared_ptr<const void>(std::move(buf));
  }
  return data;
}

void Storage::readBytesUnmapped(uint64_t offset, uint8_t *out, size_t n) const {
  size_t done = 0;
  if (fd >= 0 && data) {
    while (done < n) {
      ssize_t got =
          ::pread(fd, out + done, n - done, static_cast<off_t>(fileOffset + offset + done));
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        break; // the mapping holds the same bytes
      done += static_cast<size_t>(got);
    }
  }
  readBytes(offset + done, out + done, n - done);
}

void Storage::readBytes(uint64_t offset, uint8_t *out, size_t n) const {
  if (n == 0)
    return;
  if (isLazy())
    generate(offset, out, n);
  else
    std::memcpy(out, data + offset, n);
}

std::vector<int64_t> Tensor::contiguousStrides(const std::vector<int64_t> &sizes) {
  std::vector<int64_t> strides(sizes.size());
  int64_t s = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = s;
    s *= sizes[i] > 0 ? sizes[i] : 1;
  }
  return strides;
}

Tensor Tensor::fromBytes(ScalarType dtype, std::vector<int64_t> sizes, const void *bytes) {
  int64_t n = 1;
  for (int64_t s : sizes)
    n *= s;
  auto strides = contiguousStrides(sizes);
  return Tensor(dtype, std::move(sizes), std::move(strides), 0,
                Storage::copyOf(bytes, static_cast<size_t>(n) * elementSize(dtype)));
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t s : sizes_)
    n *= s;
  return n;
}

bool Tensor::isContiguous() const {
  int64_t expected = 1;
  for (size_t i = sizes_.size(); i-- > 0;) {
    if (sizes_[i] == 1)
      continue;
    if (strides_[i] != expected)
      return false;
    expected *= sizes_[i];
  }
  return true;
}

const uint8_t *Tensor::data() const {
  if (!storage_ || !storage_->bytes())
    return nullptr;
  return storage_->data + static_cast<size_t>(storageOffset_) * elementSize(dtype_);
}

namespace {

/// Copies `count` elements of `es` bytes of a strided view, starting at multi-index `idx`
/// (element offset `off`), advancing the index like a row-major odometer.
template <size_t ES>
void gather(const uint8_t *base, int64_t off, std::vector<int64_t> &idx,
            const std::vector<int64_t> &sizes, const std::vector<int64_t> &strides, int64_t count,
            uint8_t *out) {
  const size_t r = sizes.size();
  for (int64_t k = 0; k < count; ++k) {
    std::memcpy(out + size_t(k) * ES, base + size_t(off) * ES, ES);
    for (size_t d = r; d-- > 0;) {
      off += strides[d];
      if (++idx[d] < sizes[d])
        break;
      off -= strides[d] * sizes[d];
      idx[d] = 0;
    }
  }
}

/// Elements [first, first + count) of the rank-2 view `sizes`/`strides` (element offset `off`)
/// in row-major order. Whole rows are copied in square tiles walked along the smaller stride, so
/// a transposed weight is read and written a cache line at a time instead of an element per line.
template <size_t ES>
void gather2d(const uint8_t *base, int64_t off, const int64_t sizes[2], const int64_t strides[2],
              int64_t first, int64_t count, uint8_t *out) {
  const int64_t cols = sizes[1], s0 = strides[0], s1 = strides[1];
  auto at = [&](int64_t i, int64_t j) { return base + size_t(off + i * s0 + j * s1) * ES; };
  int64_t lin = first;
  const int64_t end = first + count;
  auto rowPart = [&](int64_t i, int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; ++j, out += ES)
      std::memcpy(out, at(i, j), ES);
    lin += j1 - j0;
  };
  if (lin % cols != 0)
    rowPart(lin / cols, lin % cols, std::min(cols, lin % cols + (end - lin)));
  const int64_t row = lin / cols, rows = (end - lin) / cols;
  constexpr int64_t kTile = 32;
  const bool downColumns = std::llabs(s0) < std::llabs(s1);
  for (int64_t i0 = row; i0 < row + rows; i0 += kTile) {
    const int64_t i1 = std::min(i0 + kTile, row + rows);
    for (int64_t j0 = 0; j0 < cols; j0 += kTile) {
      const int64_t j1 = std::min(j0 + kTile, cols);
      if (downColumns) {
        for (int64_t j = j0; j < j1; ++j)
          for (int64_t i = i0; i < i1; ++i)
            std::memcpy(out + size_t((i - row) * cols + j) * ES, at(i, j), ES);
      } else {
        for (int64_t i = i0; i < i1; ++i)
          for (int64_t j = j0; j < j1; ++j)
            std::memcpy(out + size_t((i - row) * cols + j) * ES, at(i, j), ES);
      }
    }
  }
  out += size_t(rows * cols) * ES;
  lin += rows * cols;
  if (lin < end)
    rowPart(lin / cols, 0, end - lin);
}

} // namespace

void Tensor::readBytes(uint64_t offset, uint8_t *out, size_t n) const {
  const size_t es = elementSize(dtype_);
  if (n == 0 || es == 0)
    return;
  if (isContiguous()) {
    storage_->readBytes(static_cast<uint64_t>(storageOffset_) * es + offset, out, n);
    return;
  }
  const uint8_t *base = storage_->bytes();
  int64_t first = static_cast<int64_t>(offset / es), count = static_cast<int64_t>(n / es);
  // Merge dims that are contiguous with each other; a view that is 2-D after that (a transposed
  // matrix, a permuted weight) takes the tiled path.
  std::vector<int64_t> cs, cst;
  for (size_t d = 0; d < sizes_.size(); ++d) {
    if (sizes_[d] == 1)
      continue;
    if (!cs.empty() && cst.back() == strides_[d] * sizes_[d]) {
      cs.back() *= sizes_[d];
      cst.back() = strides_[d];
    } else {
      cs.push_back(sizes_[d]);
      cst.push_back(strides_[d]);
    }
  }
  if (cs.size() == 2) {
    switch (es) {
    case 1:
      return gather2d<1>(base, storageOffset_, cs.data(), cst.data(), first, count, out);
    case 2:
      return gather2d<2>(base, storageOffset_, cs.data(), cst.data(), first, count, out);
    case 4:
      return gather2d<4>(base, storageOffset_, cs.data(), cst.data(), first, count, out);
    case 8:
      return gather2d<8>(base, storageOffset_, cs.data(), cst.data(), first, count, out);
    default:
      break;
    }
  }
  std::vector<int64_t> idx(sizes_.size());
  int64_t off = storageOffset_, lin = first;
  for (size_t d = sizes_.size(); d-- > 0;) {
    idx[d] = sizes_[d] ? lin % sizes_[d] : 0;
    lin = sizes_[d] ? lin / sizes_[d] : 0;
    off += idx[d] * strides_[d];
  }
  switch (es) {
  case 1:
    return gather<1>(base, off, idx, sizes_, strides_, count, out);
  case 2:
    return gather<2>(base, off, idx, sizes_, strides_, count, out);
  case 4:
    return gather<4>(base, off, idx, sizes_, strides_, count, out);
  case 8:
    return gather<8>(base, off, idx, sizes_, strides_, count, out);
  default:
    return gather<16>(base, off, idx, sizes_, strides_, count, out);
  }
}

int64_t Tensor::offsetOf(int64_t linear) const {
  int64_t off = storageOffset_;
  for (size_t d = sizes_.size(); d-- > 0;) {
    int64_t idx = linear % sizes_[d];
    linear /= sizes_[d];
    off += idx * strides_[d];
  }
  return off;
}

std::vector<uint8_t> Tensor::contiguousBytes() const {
  size_t es = elementSize(dtype_);
  int64_t n = numel();
  std::vector<uint8_t> out(static_cast<size_t>(n) * es);
  if (n == 0)
    return out;
  readBytes(0, out.data(), out.size());
  return out;
}

double Tensor::doubleAt(int64_t i) const {
  const uint8_t *p = storage_->bytes() + offsetOf(i) * elementSize(dtype_);
  switch (dtype_) {
  case ScalarType::Float32:
    return load<float>(p);
  case ScalarType::Float64:
    return load<double>(p);
  case ScalarType::Float16:
    return halfToFloat(loadU16(p));
  case ScalarType::BFloat16: {
    uint32_t bits = static_cast<uint32_t>(loadU16(p)) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  case ScalarType::ComplexFloat:
    return load<float>(p); // the real part
  case ScalarType::ComplexDouble:
    return load<double>(p);
  case ScalarType::ComplexHalf:
    return halfToFloat(loadU16(p));
  case ScalarType::Undefined:
    return 0;
  default:
    return static_cast<double>(intAt(i));
  }
}

int64_t Tensor::intAt(int64_t i) const {
  const uint8_t *p = storage_->bytes() + offsetOf(i) * elementSize(dtype_);
  switch (dtype_) {
  case ScalarType::UInt8:
  case ScalarType::QUInt8:
  case ScalarType::Bool:
    return load<uint8_t>(p);
  case ScalarType::Int8:
  case ScalarType::QInt8:
    return load<int8_t>(p);
  case ScalarType::Int16:
    return load<int16_t>(p);
  case ScalarType::Int32:
  case ScalarType::QInt32:
    return load<int32_t>(p);
  case ScalarType::Int64:
    return load<int64_t>(p);
  case ScalarType::Undefined:
    return 0;
  case ScalarType::QUInt4x2:
  case ScalarType::QUInt2x4:
    return load<uint8_t>(p);
  default: // floating and complex types
    return static_cast<int64_t>(doubleAt(i));
  }
}

} // namespace ts2onnx::ir
