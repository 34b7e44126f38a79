// The streaming model writer: an EmittedModel (a ModelProto whose large initializers carry no
// data, plus the IR tensors that hold it) -> an ONNX file, its payloads copied straight from
// the archive (file to file when they are stored records) or from folded constants, never
// gathered into one protobuf message. Optionally puts them in an external data file as ONNX
// defines it (TensorProto.data_location = EXTERNAL, external_data location/offset/length).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "writer/Emitter.h"

namespace ts2onnx::writer {

/// Initializers smaller than this stay in the model file even with external data (onnx's own
/// default threshold, and small enough that shape inference never needs a deferred one).
constexpr size_t kMinDeferredBytes = 1024;

struct WriteOptions {
  /// Refuse to write over this file (the input archive).
  std::string protectedPath;
  /// Put initializers of at least `externalThreshold` bytes into the file `externalLocation`.
  /// Off: still done, automatically, when the model would exceed protobuf's 2 GB limit.
  bool externalData = false;
  /// Relative to the model's directory; empty: the model's file name + `.data`.
  std::string externalLocation;
  /// Reference mode: when set (the input archive's path), every initializer of at least
  /// `externalThreshold` bytes whose bytes are a contiguous region of this file (a stored
  /// archive record the passes left untouched) is not copied: its external-data entry points
  /// into the archive (location relative to the model's directory, offset, length). The others
  /// go to the external data file as with `externalData`, which is created only if one does.
  /// The archive must lie in the model's directory or below it (ONNX forbids `..` in locations).
  std::string referenceArchive;
  /// Values below kMinDeferredBytes act as kMinDeferredBytes.
  size_t externalThreshold = kMinDeferredBytes;
  /// fsync the files before renaming them into place (durability across a power loss; costs a
  /// disk flush of the whole model).
  bool fsync = false;
  /// Deferred CRC-32 checks of the input archive's records (frontend::DeferredCrcs): when
  /// `checksummed(offset, n)` says so, a payload copied from the region [offset, offset + n)
  /// of a file is read through memory and its CRC-32 passed to `checksum` (an error stops the
  /// write). `beforeCommit` runs once the files are written and before they are renamed into
  /// place, with the file offsets of the payloads left in the archive (reference mode); an
  /// error leaves no file behind.
  std::function<bool(uint64_t offset, uint64_t n)> checksummed;
  std::function<absl::Status(uint64_t offset, uint64_t n, uint32_t crc)> checksum;
  std::function<absl::Status(const std::vector<uint64_t> &referencedOffsets)> beforeCommit;
  /// Called after each initializer payload is written with the payload bytes written so far and
  /// their total (external and inline together).
  std::function<void(uint64_t done, uint64_t total)> progress;
  /// Threads that produce and write the payloads (0: the machine's cores, at most 8; payloads
  /// under 16 MiB are written by the calling thread). See writer/Payloads.h.
  unsigned threads = 0;
};

struct WrittenModel {
  uint64_t modelBytes = 0;        // size of the .onnx file
  uint64_t externalBytes = 0;     // size of the external data file (0: none)
  std::string externalPath;       // the external data file written, if any
  int externalTensors = 0;        // initializers stored externally (in the data file)
  int referencedTensors = 0;      // initializers left in the archive (reference mode)
  uint64_t referencedBytes = 0;   // their bytes
  bool externalAutomatic = false; // external data chosen because of the 2 GB limit
};

/// Writes `model` to `path` through temporary files in the same directory and renames, so that
/// on any error neither `path` nor the external data file is left half-written. With external
/// data the written model is checked again by onnx's checker from its path (which resolves the
/// locations). Consumes `model` (its graph is taken apart while writing).
absl::StatusOr<WrittenModel> writeModelStreaming(EmittedModel &model, const std::string &path,
                                                 const WriteOptions &options);

} // namespace ts2onnx::writer
