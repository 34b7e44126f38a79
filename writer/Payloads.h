// Initializer payloads (the weights' bytes) written on the machine's cores.
//
// The writer lays the model and external data files out first: every header piece is written
// in order and each payload's region is left as a hole of its exact size. writePayloads then
// fills the holes with pwrite, the payloads cut into units of a few MiB that worker threads take
// in turn: fused weights are computed (read from the archive and scaled) on every core at once,
// untouched records are copied file to file (copy_file_range) or, when their CRC-32 is still to
// be checked, read through memory with the CRC of each unit combined in order afterwards. The
// calling thread only waits, reporting progress and settling the CRCs, so callbacks keep
// running on the converting thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ir/Tensor.h"

namespace ts2onnx::writer {

struct WriteOptions;

/// One initializer's bytes and their place: all of `tensor` at `offset` of the open file `fd`
/// (the temporary file `path`, named in errors).
struct Payload {
  const ir::Tensor *tensor = nullptr;
  int fd = -1;
  uint64_t offset = 0;
  const std::string *path = nullptr;
};

/// `what 'path': strerror(err)` as a DataLossError: the writer's file errors.
absl::Status fileError(const std::string &what, const std::string &path, int err);

/// The file region a payload's bytes are read from verbatim (before a derived storage's
/// transform): an archive record the writer reads itself, so it checks its CRC-32 on the way
/// (options.checksummed) and no other reader needs to. None for bytes from memory or generated.
struct PayloadSource {
  int fd = -1;
  uint64_t offset = 0;
};
std::optional<PayloadSource> payloadSource(const ir::Tensor &t);

/// Units of at most this many bytes are what a thread takes at a time.
inline constexpr uint64_t kPayloadUnitBytes = uint64_t{8} << 20;

/// Threads for `bytes` of payloads in `units` units: `requested` when > 0, else 1 below two
/// units' worth of bytes and the machine's cores (at most 8) above; never more than the units.
unsigned payloadThreads(uint64_t bytes, size_t units, unsigned requested);

/// Writes every payload into its region, in units of `unitBytes` on
/// payloadThreads(their bytes, their units, options.threads) threads. `options.checksummed` /
/// `checksum` settle the deferred CRC-32 checks of the records read; `onBytes(n)` reports n more
/// payload bytes written. Both run on the calling thread. On the first error the other threads
/// stop at their next unit and that error is returned.
absl::Status writePayloads(const std::vector<Payload> &payloads, const WriteOptions &options,
                           const std::function<void(uint64_t)> &onBytes,
                           uint64_t unitBytes = kPayloadUnitBytes);

} // namespace ts2onnx::writer
