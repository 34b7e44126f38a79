// Constant tensors: a dtype, sizes, strides and a view onto bytes the tensor may not own (the
// archive's memory map). Nothing is copied until someone asks for contiguous data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ts2onnx::ir {

/// torch's ScalarType codes, as archives print them (`dtype=6` is float32).
enum class ScalarType : int8_t {
  Undefined = -1,
  UInt8 = 0,
  Int8 = 1,
  Int16 = 2,
  Int32 = 3,
  Int64 = 4,
  Float16 = 5,
  Float32 = 6,
  Float64 = 7,
  ComplexHalf = 8,
  ComplexFloat = 9,
  ComplexDouble = 10,
  Bool = 11,
  QInt8 = 12,
  QUInt8 = 13,
  QInt32 = 14,
  BFloat16 = 15,
  QUInt4x2 = 16,
  QUInt2x4 = 17,
};
constexpr int kNumScalarTypes = 18;

/// Bytes per element (0 for Undefined).
size_t elementSize(ScalarType t);
/// torch's type-prefix name used in printed tensor types: `Float`, `Long`, `Bool`, ...
std::string_view scalarTypeName(ScalarType t);
/// Inverse of scalarTypeName.
std::optional<ScalarType> scalarTypeFromName(std::string_view name);
/// Python-side name: `float32`, `int64`, `bool`, ...
std::string_view scalarTypeShortName(ScalarType t);
std::optional<ScalarType> scalarTypeFromShortName(std::string_view name);
bool isFloatingType(ScalarType t);
bool isIntegralType(ScalarType t, bool includeBool);

/// Raw bytes that tensors view. `owner` keeps the memory alive (an mmap, a vector, ...).
///
/// A lazy storage (`generate` set, `data` null) computes its bytes on demand: writers stream
/// them chunk by chunk (readBytes) and never hold them whole; the first reader that needs a
/// pointer (Tensor::data, doubleAt, ...) materializes them once (bytes()). Not thread-safe, like
/// the IR it belongs to.
struct Storage {
  /// Null for a lazy storage until bytes() materializes it.
  mutable const uint8_t *data = nullptr;
  size_t nbytes = 0;
  mutable std::shared_ptr<const void> owner;
  /// Writes bytes [offset, offset + n) of the storage to `out`. Called with offset and n
  /// multiples of the element size of the tensors viewing it, possibly from several threads
  /// at once for disjoint ranges (the writer's payload threads): it must not mutate shared
  /// state.
  std::function<void(uint64_t offset, uint8_t *out, size_t n)> generate;
  /// When the bytes are also a region of an open file (a stored archive record): the file's
  /// descriptor (kept open by `owner`) and the offset of `data` in it, so that writers can copy
  /// them file to file without faulting them into memory. -1 otherwise.
  int fd = -1;
  uint64_t fileOffset = 0;
  /// A derived storage's source, the offset of its bytes there, and the in-place transform.
  std::shared_ptr<const Storage> source;
  uint64_t sourceOffset = 0;
  std::function<void(uint64_t offset, uint8_t *bytes, size_t n)> transform;

  /// A storage that owns a copy of `bytes`.
  static std::shared_ptr<Storage> copyOf(const void *bytes, size_t n);
  /// A storage that owns `bytes`.
  static std::shared_ptr<Storage> fromVector(std::vector<uint8_t> bytes);
  /// A lazy storage of `n` bytes computed by `generate`.
  static std::shared_ptr<Storage> lazy(size_t n,
                                       std::function<void(uint64_t, uint8_t *, size_t)> generate);
  /// A lazy storage of `n` bytes derived in place from bytes [sourceOffset, sourceOffset + n)
  /// of `source`: byte range [o, o + k) is that range of the source, read (with pread when the
  /// source is a region of a file, so no page of a mapping is touched), then passed through
  /// `transform(o, bytes, k)`. Writers read the source region themselves, checking its CRC-32
  /// on the way when it is an archive record, so the record is read once (writer/Payloads.h).
  static std::shared_ptr<Storage>
  derived(std::shared_ptr<const Storage> source, uint64_t sourceOffset, size_t n,
          std::function<void(uint64_t, uint8_t *, size_t)> transform);

  bool isLazy() const { return generate && !data; }
  /// The bytes, materializing a lazy storage first (null when empty).
  const uint8_t *bytes() const;
  /// Copies bytes [offset, offset + n) to `out` without materializing a lazy storage.
  void readBytes(uint64_t offset, uint8_t *out, size_t n) const;
  /// readBytes, but with pread when the bytes are a region of a file: no page of the mapping is
  /// touched (nor mapped in around it), so reading a sample of a weight or streaming one does
  /// not grow the resident set. A failed read falls back to the mapping, which holds the same
  /// bytes.
  void readBytesUnmapped(uint64_t offset, uint8_t *out, size_t n) const;
};

class Tensor {
public:
  Tensor() = default;
  Tensor(ScalarType dtype, std::vector<int64_t> sizes, std::vector<int64_t> strides,
         int64_t storageOffset, std::shared_ptr<const Storage> storage)
      : dtype_(dtype), sizes_(std::move(sizes)), strides_(std::move(strides)),
        storageOffset_(storageOffset), storage_(std::move(storage)) {}

  /// A contiguous tensor that owns a copy of `bytes` (which must hold numel * elementSize).
  static Tensor fromBytes(ScalarType dtype, std::vector<int64_t> sizes, const void *bytes);
  template <typename T>
  static Tensor fromVector(ScalarType dtype, std::vector<int64_t> sizes, const std::vector<T> &v) {
    return fromBytes(dtype, std::move(sizes), v.data());
  }
  static std::vector<int64_t> contiguousStrides(const std::vector<int64_t> &sizes);

  bool defined() const { return dtype_ != ScalarType::Undefined; }
  ScalarType dtype() const { return dtype_; }
  const std::vector<int64_t> &sizes() const { return sizes_; }
  const std::vector<int64_t> &strides() const { return strides_; }
  int64_t storageOffset() const { return storageOffset_; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t numel() const;
  size_t nbytes() const { return static_cast<size_t>(numel()) * elementSize(dtype_); }
  bool isContiguous() const;
  const std::shared_ptr<const Storage> &storage() const { return storage_; }

  /// Pointer to the first element; valid for numel elements when isContiguous().
  const uint8_t *data() const;
  /// The elements in row-major order, copied (a lazy storage is not materialized when the
  /// tensor is contiguous).
  std::vector<uint8_t> contiguousBytes() const;
  /// Copies bytes [offset, offset + n) of the tensor's elements in row-major order to `out`
  /// (gathered from a strided view); offset and n are multiples of the element size. A lazy
  /// storage is materialized only for a non-contiguous view.
  void readBytes(uint64_t offset, uint8_t *out, size_t n) const;
  /// Element i (row-major) converted to double / int64; for small constant evaluation.
  double doubleAt(int64_t i) const;
  int64_t intAt(int64_t i) const;

private:
  int64_t offsetOf(int64_t linear) const;

  ScalarType dtype_ = ScalarType::Undefined;
  std::vector<int64_t> sizes_;
  std::vector<int64_t> strides_;
  int64_t storageOffset_ = 0;
  std::shared_ptr<const Storage> storage_;
};

} // namespace ts2onnx::ir
