// Reader for the zip container of TorchScript archives (FORMAT-NOTES §1): classic and ZIP64
// end records, stored and deflated entries, one root folder that record names are relative to.
// Every offset, size and count is checked against the file before use, so any input either opens
// or yields an error; nothing is trusted from local headers except their name and extra length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "frontend/MappedFile.h"
#include "ir/Tensor.h"

namespace ts2onnx::frontend {

class MappedFile;

/// CRC-32 checks of large stored records, deferred from the moment they are read (mapped) to
/// the moment their bytes are read anyway: the model writer checks a record while it copies it
/// (settle), and whatever was not copied whole is checked before the output is renamed into
/// place (checkRemaining). So every weight byte is read once. Records the output references in
/// place (reference mode) are not read by the conversion and can be skipped.
class DeferredCrcs {
public:
  struct Record {
    std::string archive; // display name, for messages
    std::string name;
    uint64_t offset = 0; // of the data in the file
    uint64_t size = 0;
    uint32_t crc = 0; // declared
    bool checked = false;
    std::shared_ptr<const MappedFile> file;
  };
  void add(Record r);
  /// Whether [offset, offset + n) is exactly a record whose check is pending.
  bool wants(uint64_t offset, uint64_t n) const;
  /// The CRC-32 of the record at [offset, offset + n), computed by the caller while copying it.
  absl::Status settle(uint64_t offset, uint64_t n, uint32_t crc);
  /// Reads and checks every record not settled yet, except those `skip(offset)` names.
  absl::Status checkRemaining(const std::function<bool(uint64_t offset)> &skip);
  size_t size() const { return records_.size(); }

private:
  std::vector<Record> records_;
  absl::flat_hash_map<uint64_t, size_t> byOffset_;
};

/// The one-line error for a record whose bytes do not match the CRC-32 the archive declares.
absl::Status crcMismatch(const std::string &archive, const std::string &record, uint32_t actual,
                         uint32_t declared);

/// Bounds that keep hostile archives from exhausting memory.
struct ZipLimits {
  /// Entries in the central directory.
  uint64_t maxEntries = 1'000'000;
  /// Sum of the declared uncompressed sizes of all deflated entries.
  uint64_t maxTotalInflatedBytes = uint64_t{16} << 30;
  /// Deflated entries larger than `ratioThresholdBytes` must not expand more than this.
  uint64_t maxCompressionRatio = 1000;
  uint64_t ratioThresholdBytes = uint64_t{1} << 20;
  /// Check the CRC-32 of stored records when they are read, as for deflated ones: a flipped
  /// byte in a tensor record is otherwise converted without a word (torch 1.13 loads it too).
  bool verifyStoredCrc = true;
  /// When set (and verifyStoredCrc): stored records of at least 64 KiB in a mapped file, other
  /// than pickles and code, are not checked when read but recorded here (see DeferredCrcs).
  std::shared_ptr<DeferredCrcs> deferCrcs;
};

/// One record as the central directory describes it, after validation.
struct ZipEntry {
  std::string name;    // relative to the root folder: `data.pkl`, `code/__torch__.py`
  uint16_t method = 0; // 0 stored, 8 deflated (others are listed but cannot be read)
  uint16_t flags = 0;  // general-purpose bit flags
  uint32_t crc32 = 0;  // of the uncompressed bytes
  uint64_t compressedSize = 0;
  uint64_t uncompressedSize = 0;
  uint64_t localHeaderOffset = 0;
  uint64_t dataOffset = 0; // first byte of the (compressed) data in the file
};

class ZipArchive {
public:
  /// Maps `path` and parses it. Error messages start with `path: zip: `.
  static absl::StatusOr<std::shared_ptr<ZipArchive>> open(const std::string &path,
                                                          ZipLimits limits = {});
  /// Parses bytes already in memory; `bytes->owner` keeps them alive for as long as any record
  /// read from the archive. `displayName` prefixes error messages.
  static absl::StatusOr<std::shared_ptr<ZipArchive>>
  fromMemory(std::shared_ptr<const ir::Storage> bytes, std::string displayName = "<memory>",
             ZipLimits limits = {});
  /// Same, from a copy of `bytes`.
  static absl::StatusOr<std::shared_ptr<ZipArchive>>
  fromBytes(std::string_view bytes, std::string displayName = "<memory>", ZipLimits limits = {});

  /// The path or display name given at open time.
  const std::string &displayName() const { return displayName_; }
  /// The top-level folder every entry lives under (`deepar` for `deepar/data.pkl`).
  const std::string &root() const { return root_; }
  /// Record names relative to the root, in central-directory order (directory entries omitted).
  std::vector<std::string> records() const;
  bool has(std::string_view name) const { return entry(name) != nullptr; }
  /// Entry metadata, or nullptr when there is no such record.
  const ZipEntry *entry(std::string_view name) const;
  /// Uncompressed size of a record.
  absl::StatusOr<uint64_t> size(std::string_view name) const;
  /// The bytes of a record. Stored records are views of the archive's memory (no copy; the
  /// storage's owner keeps the mapping alive); deflated ones are inflated into owned memory,
  /// capped at the central directory's size. Both are checked against their CRC-32 (stored
  /// ones unless ZipLimits::verifyStoredCrc is off).
  absl::StatusOr<std::shared_ptr<const ir::Storage>> read(std::string_view name) const;
  /// Convenience: the record as a string (a copy).
  absl::StatusOr<std::string> readString(std::string_view name) const;

private:
  ZipArchive() = default;
  static absl::StatusOr<std::shared_ptr<ZipArchive>> parse(std::string displayName,
                                                           const uint8_t *data, size_t size,
                                                           std::shared_ptr<const void> owner,
                                                           const ZipLimits &limits);
  absl::Status parseImpl(const ZipLimits &limits);
  absl::Status error(std::string_view message) const;

  std::string displayName_;
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
  std::shared_ptr<const void> owner_;
  /// Set when the archive is a mapped file (open()): stored records then name its descriptor
  /// and give their pages back to the system when the last view of them dies.
  std::shared_ptr<const MappedFile> file_;
  std::string root_;
  std::vector<ZipEntry> entries_;
  absl::flat_hash_map<std::string, size_t> index_;
  bool verifyStoredCrc_ = true;
  std::shared_ptr<DeferredCrcs> deferCrcs_;
  /// Error unless `n` bytes at `data` have the CRC-32 entry `e` declares.
  absl::Status checkCrc(const ZipEntry &e, const uint8_t *data, uint64_t n) const;
  /// Same for a stored record of a mapped file, read with pread instead of through the mapping.
  absl::Status checkCrcFromFile(const ZipEntry &e) const;
};

} // namespace ts2onnx::frontend
