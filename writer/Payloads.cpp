#include "writer/Payloads.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <libdeflate.h>
#include <zlib.h>

#include "ir/Status.h"
#include "writer/ModelWriter.h"
#include "writer/PendingFiles.h"

namespace ts2onnx::writer {

absl::Status fileError(const std::string &what, const std::string &path, int err) {
  return absl::DataLossError(fmt::format("{} '{}': {}", what, path, std::strerror(err)));
}

namespace {

constexpr size_t kChunkBytes = size_t{1} << 20; // one thread's buffer

/// Where a payload's bytes come from.
enum class Source {
  Generated, // computed (a lazy storage) or gathered (a strided view)
  Memory,    // contiguous bytes in memory
  File,      // a region of an open file: copied, or read (CRC-checked, transformed) and written
};

struct Job {
  const Payload *payload = nullptr;
  Source source = Source::Memory;
  const uint8_t *memory = nullptr;
  int srcFd = -1;
  uint64_t srcOffset = 0;
  bool checked = false; // the region's CRC-32 is computed for options.checksum
  /// A derived storage's transform, and the offset of the tensor's bytes in that storage.
  const std::function<void(uint64_t, uint8_t *, size_t)> *transform = nullptr;
  uint64_t storageOffset = 0;
};

struct Unit {
  size_t job = 0;
  uint64_t begin = 0, end = 0; // bytes of the tensor
  uint32_t crc = 0;            // of those bytes (a File job with `checked`)
};

absl::Status pwriteAll(const Payload &p, const uint8_t *data, size_t n, uint64_t at) {
  while (n > 0) {
    ssize_t k = ::pwrite(p.fd, data, std::min(n, size_t{1} << 30), static_cast<off_t>(at));
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0)
      return fileError("cannot write", *p.path, errno);
    data += k;
    at += static_cast<uint64_t>(k);
    n -= static_cast<size_t>(k);
  }
  return absl::OkStatus();
}

absl::Status archiveEnded(const Payload &p) {
  return absl::DataLossError(
      fmt::format("the archive ended while copying tensor data into '{}'", *p.path));
}

/// Up to `n` bytes of `fd` at `at` (at least one): the archive ending early is an error.
absl::StatusOr<size_t> preadSome(const Payload &p, int fd, uint8_t *out, size_t n, uint64_t at) {
  for (;;) {
    ssize_t k = ::pread(fd, out, n, static_cast<off_t>(at));
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0)
      return fileError("cannot read tensor data for", *p.path, errno);
    if (k == 0)
      return archiveEnded(p);
    return static_cast<size_t>(k);
  }
}

class Writer {
public:
  Writer(std::vector<Job> jobs, std::vector<Unit> units)
      : jobs_(std::move(jobs)), units_(std::move(units)) {
    // Each thread's buffer: as large as the largest unit that goes through memory, at most a
    // chunk (a small model's weights do not need a cleared megabyte per thread).
    for (const Unit &u : units_)
      if (jobs_[u.job].source != Source::Memory)
        bufferBytes_ = std::max(
            bufferBytes_, static_cast<size_t>(std::min<uint64_t>(kChunkBytes, u.end - u.begin)));
  }

  /// Takes units until none is left or a thread failed.
  void work() {
    // Not cleared: every byte read from it was written by the same unit's run() first.
    std::unique_ptr<uint8_t[]> buffer(bufferBytes_ ? new uint8_t[bufferBytes_] : nullptr);
    for (;;) {
      if (failed_.load(std::memory_order_relaxed))
        break;
      size_t i = next_.fetch_add(1);
      if (i >= units_.size())
        break;
      absl::Status s = run(units_[i], buffer.get());
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (error_.ok())
          error_ = s;
        failed_ = true;
        break;
      }
      done_.fetch_add(units_[i].end - units_[i].begin);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ++finished_;
    wake_.notify_all();
  }

  /// Runs `threads` workers (the calling thread waits, reporting progress every 100 ms).
  absl::Status runAll(unsigned threads, const std::function<void(uint64_t)> &onBytes) {
    uint64_t reported = 0;
    auto report = [&] {
      uint64_t now = done_.load();
      if (now > reported && onBytes)
        onBytes(now - reported);
      reported = now;
    };
    std::vector<std::thread> workers;
    if (threads > 1) {
      // Workers never take termination signals: they reach the thread whose deferred windows
      // protect the temporary files (see asyncWithoutTerminationSignals).
      DeferTerminationSignals blocked;
      for (unsigned t = 0; t < threads; ++t) {
        try {
          workers.emplace_back([this] { work(); });
        } catch (const std::system_error &) {
          break; // fewer threads (resource limits): those started do the work
        }
      }
    }
    if (workers.empty()) {
      work();
    } else {
      std::unique_lock<std::mutex> lock(mutex_);
      while (finished_ < workers.size()) {
        wake_.wait_for(lock, std::chrono::milliseconds(100));
        lock.unlock();
        report();
        lock.lock();
      }
    }
    for (std::thread &w : workers)
      w.join();
    report();
    return error_;
  }

  const std::vector<Job> &jobs() const { return jobs_; }
  const std::vector<Unit> &units() const { return units_; }

private:
  absl::Status run(Unit &u, uint8_t *buffer) {
    const Job &job = jobs_[u.job];
    const Payload &p = *job.payload;
    const ir::Tensor &t = *p.tensor;
    uint64_t at = p.offset + u.begin;
    size_t n = static_cast<size_t>(u.end - u.begin);
    switch (job.source) {
    case Source::Memory:
      return pwriteAll(p, job.memory + u.begin, n, at);
    case Source::Generated:
      for (size_t done = 0; done < n;) {
        size_t k = std::min(bufferBytes_, n - done);
        t.readBytes(u.begin + done, buffer, k);
        TS2ONNX_RETURN_IF_ERROR(pwriteAll(p, buffer, k, at + done));
        done += k;
      }
      return absl::OkStatus();
    case Source::File:
      break;
    }
    size_t done = 0;
    if (!job.checked && !job.transform) {
      // Copied in the kernel where the file systems allow it; what is left goes through memory.
      loff_t in = static_cast<loff_t>(job.srcOffset + u.begin);
      loff_t out = static_cast<loff_t>(at);
      while (done < n && !noCopyRange_.load(std::memory_order_relaxed)) {
        ssize_t k = ::copy_file_range(job.srcFd, &in, p.fd, &out, n - done, 0);
        if (k < 0 && errno == EINTR)
          continue;
        if (k < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
                      errno == EBADF)) {
          noCopyRange_ = true; // the file systems cannot: read and write through memory
          break;
        }
        if (k < 0)
          return fileError("cannot copy tensor data into", *p.path, errno);
        if (k == 0)
          return archiveEnded(p);
        done += static_cast<size_t>(k);
      }
    }
    uint32_t crc = 0;
    while (done < n) {
      TS2ONNX_ASSIGN_OR_RETURN(size_t k,
                               preadSome(p, job.srcFd, buffer, std::min(bufferBytes_, n - done),
                                         job.srcOffset + u.begin + done));
      if (job.checked)
        crc = libdeflate_crc32(crc, buffer, k);
      if (job.transform)
        (*job.transform)(job.storageOffset + u.begin + done, buffer, k);
      TS2ONNX_RETURN_IF_ERROR(pwriteAll(p, buffer, k, at + done));
      done += k;
    }
    u.crc = crc;
    return absl::OkStatus();
  }

  std::vector<Job> jobs_;
  std::vector<Unit> units_;
  std::atomic<size_t> next_{0};
  std::atomic<uint64_t> done_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> noCopyRange_{false};
  size_t bufferBytes_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  size_t finished_ = 0;
  absl::Status error_;
};

} // namespace

std::optional<PayloadSource> payloadSource(const ir::Tensor &t) {
  const ir::Storage *s = t.storage().get();
  if (!s || !t.isContiguous())
    return std::nullopt;
  uint64_t offset = static_cast<uint64_t>(t.storageOffset()) * ir::elementSize(t.dtype());
  if (s->fd >= 0 && s->data && !s->isLazy())
    return PayloadSource{s->fd, s->fileOffset + offset};
  const ir::Storage *src = s->source.get();
  if (s->isLazy() && s->transform && src && src->fd >= 0 && src->data && !src->isLazy())
    return PayloadSource{src->fd, src->fileOffset + s->sourceOffset + offset};
  return std::nullopt;
}

unsigned payloadThreads(uint64_t bytes, size_t units, unsigned requested) {
  if (units < 2 || (requested == 0 && bytes < 2 * kPayloadUnitBytes))
    return 1;
  unsigned cores = requested > 0 ? requested : std::min(std::thread::hardware_concurrency(), 8u);
  return static_cast<unsigned>(std::min<size_t>(std::max(cores, 1u), units));
}

absl::Status writePayloads(const std::vector<Payload> &payloads, const WriteOptions &options,
                           const std::function<void(uint64_t)> &onBytes, uint64_t unitBytes) {
  // Units of whole elements: a multiple of 16 bytes, the largest element size.
  unitBytes = std::max<uint64_t>(unitBytes / 16 * 16, 16);
  std::vector<Job> jobs;
  std::vector<Unit> units;
  std::vector<std::vector<uint8_t>> gathered; // payloads without bytes of their own (rare)
  uint64_t bytes = 0;
  jobs.reserve(payloads.size());
  for (const Payload &p : payloads) {
    const ir::Tensor &t = *p.tensor;
    size_t n = t.nbytes();
    if (n == 0)
      continue;
    bytes += n;
    Job job;
    job.payload = &p;
    const ir::Storage *s = t.storage().get();
    if (std::optional<PayloadSource> src = payloadSource(t)) {
      job.source = Source::File;
      job.srcFd = src->fd;
      job.srcOffset = src->offset;
      job.checked = options.checksummed && options.checksummed(src->offset, n);
      if (s->isLazy()) {
        job.transform = &s->transform;
        job.storageOffset = static_cast<uint64_t>(t.storageOffset()) * ir::elementSize(t.dtype());
      }
    } else if (s && (s->isLazy() || !t.isContiguous())) {
      // A strided view of a lazy storage gathers from it whole: materialize it here, once, not
      // on several threads.
      if (s->isLazy() && !t.isContiguous())
        s->bytes();
      job.source = Source::Generated;
    } else if (!s || !s->data) {
      gathered.push_back(t.contiguousBytes());
      job.memory = gathered.back().data();
    } else {
      job.memory = t.data();
    }
    for (uint64_t b = 0; b < n; b += unitBytes)
      units.push_back({jobs.size(), b, std::min<uint64_t>(n, b + unitBytes), 0});
    jobs.push_back(job);
  }
  if (units.empty())
    return absl::OkStatus();
  Writer writer(std::move(jobs), std::move(units));
  unsigned threads = payloadThreads(bytes, writer.units().size(), options.threads);
  TS2ONNX_RETURN_IF_ERROR(writer.runAll(threads, onBytes));
  if (!options.checksum)
    return absl::OkStatus();
  // Each checked record's CRC-32 from its units' in order: crc(A || B) from crc(A), crc(B), |B|.
  const std::vector<Unit> &all = writer.units();
  for (size_t i = 0; i < all.size();) {
    const Job &job = writer.jobs()[all[i].job];
    size_t j = i;
    uint32_t crc = 0;
    for (; j < all.size() && all[j].job == all[i].job; ++j)
      crc = static_cast<uint32_t>(
          crc32_combine(crc, all[j].crc, static_cast<z_off_t>(all[j].end - all[j].begin)));
    if (job.checked)
      TS2ONNX_RETURN_IF_ERROR(options.checksum(job.srcOffset, all[j - 1].end, crc));
    i = j;
  }
  return absl::OkStatus();
}

} // namespace ts2onnx::writer
