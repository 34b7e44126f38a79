#include "frontend/ZipArchive.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <utility>

#include <libdeflate.h>
#include <unistd.h>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "frontend/MappedFile.h"
#include "frontend/Utf8.h"
#include "ir/Status.h"

namespace ts2onnx::frontend {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEocdSize = 22;
constexpr size_t kZip64EocdSize = 56;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;
constexpr uint16_t kZip64ExtraId = 0x0001;

uint16_t u16(const uint8_t *p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t u32(const uint8_t *p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t u64(const uint8_t *p) {
  return static_cast<uint64_t>(u32(p)) | (static_cast<uint64_t>(u32(p + 4)) << 32);
}

/// a + b, or nullopt-like failure through the return flag.
bool checkedAdd(uint64_t a, uint64_t b, uint64_t *out) {
  return !__builtin_add_overflow(a, b, out);
}

/// [offset, offset + length) lies inside [0, limit).
bool fits(uint64_t offset, uint64_t length, uint64_t limit) {
  uint64_t end;
  return checkedAdd(offset, length, &end) && end <= limit;
}

std::string printable(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

/// Rejects names that could escape a directory or are not text.
absl::Status checkName(std::string_view name) {
  if (name.empty())
    return absl::InvalidArgumentError("empty entry name");
  if (!isValidUtf8(name))
    return absl::InvalidArgumentError(
        fmt::format("entry name '{}' is not valid UTF-8", printable(name)));
  if (name.find('\0') != std::string_view::npos || name.find('\\') != std::string_view::npos)
    return absl::InvalidArgumentError(
        fmt::format("entry name '{}' contains a NUL byte or a backslash", printable(name)));
  if (name.front() == '/' ||
      (name.size() >= 2 && name[1] == ':' &&
       ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'))))
    return absl::InvalidArgumentError(
        fmt::format("entry name '{}' is an absolute path", printable(name)));
  size_t start = 0;
  while (start < name.size()) {
    size_t slash = name.find('/', start);
    size_t end = slash == std::string_view::npos ? name.size() : slash;
    std::string_view part = name.substr(start, end - start);
    if (part == "..")
      return absl::InvalidArgumentError(
          fmt::format("entry name '{}' contains a '..' component", printable(name)));
    if (part == "." || (part.empty() && slash != std::string_view::npos))
      return absl::InvalidArgumentError(
          fmt::format("entry name '{}' has an empty or '.' component", printable(name)));
    if (slash == std::string_view::npos)
      break;
    start = slash + 1;
  }
  return absl::OkStatus();
}

} // namespace

absl::Status ZipArchive::error(std::string_view message) const {
  return absl::InvalidArgumentError(fmt::format("{}: zip: {}", displayName_, message));
}

absl::StatusOr<std::shared_ptr<ZipArchive>> ZipArchive::open(const std::string &path,
                                                             ZipLimits limits) {
  TS2ONNX_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::open(path));
  const uint8_t *data = file->data();
  size_t size = file->size();
  TS2ONNX_ASSIGN_OR_RETURN(std::shared_ptr<ZipArchive> archive,
                           parse(path, data, size, file, limits));
  archive->file_ = std::move(file);
  return archive;
}

absl::StatusOr<std::shared_ptr<ZipArchive>>
ZipArchive::fromMemory(std::shared_ptr<const ir::Storage> bytes, std::string displayName,
                       ZipLimits limits) {
  if (!bytes)
    return absl::InvalidArgumentError(fmt::format("{}: zip: no bytes given", displayName));
  const uint8_t *data = bytes->data;
  size_t size = bytes->nbytes;
  return parse(std::move(displayName), data, size, std::move(bytes), limits);
}

absl::StatusOr<std::shared_ptr<ZipArchive>>
ZipArchive::fromBytes(std::string_view bytes, std::string displayName, ZipLimits limits) {
  return fromMemory(ir::Storage::copyOf(bytes.data(), bytes.size()), std::move(displayName),
                    limits);
}

absl::StatusOr<std::shared_ptr<ZipArchive>> ZipArchive::parse(std::string displayName,
                                                              const uint8_t *data, size_t size,
                                                              std::shared_ptr<const void> owner,
                                                              const ZipLimits &limits) {
  std::shared_ptr<ZipArchive> archive(new ZipArchive());
  archive->displayName_ = std::move(displayName);
  archive->data_ = data;
  archive->size_ = size;
  archive->owner_ = std::move(owner);
  archive->verifyStoredCrc_ = limits.verifyStoredCrc;
  archive->deferCrcs_ = limits.deferCrcs;
  TS2ONNX_RETURN_IF_ERROR(archive->parseImpl(limits));
  return archive;
}

absl::Status ZipArchive::parseImpl(const ZipLimits &limits) {
  const uint64_t fileSize = size_;
  if (fileSize < kEocdSize)
    return error(fmt::format("file too small to be a zip archive (size {})", fileSize));
  if (fileSize >= 8 && std::memcmp(data_, "PYTORCH1", 8) == 0)
    return error("pre-1.0 'PYTORCH1' archive format is not supported");

  // End of central directory: the last signature whose comment fits in the file, searched
  // within the maximal comment length from the end.
  uint64_t eocd = 0;
  bool found = false;
  uint64_t lowest = fileSize > kEocdSize + 0xFFFF ? fileSize - kEocdSize - 0xFFFF : 0;
  for (uint64_t p = fileSize - kEocdSize + 1; p-- > lowest;) {
    if (u32(data_ + p) == kEocdSig && p + kEocdSize + u16(data_ + p + 20) <= fileSize) {
      eocd = p;
      found = true;
      break;
    }
  }
  if (!found) {
    if (data_[0] == 0x80 && data_[1] >= 2 && data_[1] <= 5)
      return error("no end of central directory record: this looks like a torch.save pickle, "
                   "not a TorchScript archive");
    return error(fmt::format("no end of central directory record in the last {} bytes (not a "
                             "zip archive?)",
                             fileSize - lowest));
  }
  const uint8_t *e = data_ + eocd;
  uint64_t diskNumber = u16(e + 4), cdDisk = u16(e + 6);
  uint64_t entriesOnDisk = u16(e + 8), entries = u16(e + 10);
  uint64_t cdSize = u32(e + 12), cdOffset = u32(e + 16);
  uint64_t cdLimit = eocd; // the central directory must end before the records after it

  bool hasLocator =
      eocd >= kZip64LocatorSize && u32(data_ + eocd - kZip64LocatorSize) == kZip64LocatorSig;
  if (hasLocator) {
    const uint8_t *loc = data_ + eocd - kZip64LocatorSize;
    uint64_t z64Disk = u32(loc + 4), z64Offset = u64(loc + 8), totalDisks = u32(loc + 16);
    if (z64Disk != 0 || totalDisks > 1)
      return error(fmt::format("multi-disk archives are not supported (ZIP64 locator names disk "
                               "{} of {})",
                               z64Disk, totalDisks));
    uint64_t locatorPos = eocd - kZip64LocatorSize;
    if (!fits(z64Offset, kZip64EocdSize, locatorPos))
      return error(fmt::format("ZIP64 end of central directory offset {} beyond end of file "
                               "(size {})",
                               z64Offset, fileSize));
    const uint8_t *z = data_ + z64Offset;
    if (u32(z) != kZip64EocdSig)
      return error(
          fmt::format("bad ZIP64 end of central directory signature at offset {}", z64Offset));
    uint64_t recordSize = u64(z + 4);
    if (recordSize < kZip64EocdSize - 12 || !fits(z64Offset, 12, locatorPos) ||
        !fits(z64Offset + 12, recordSize, locatorPos))
      return error(
          fmt::format("ZIP64 end of central directory record size {} is invalid", recordSize));
    uint64_t z64DiskNumber = u32(z + 16), z64CdDisk = u32(z + 20);
    uint64_t z64EntriesOnDisk = u64(z + 24), z64Entries = u64(z + 32);
    uint64_t z64CdSize = u64(z + 40), z64CdOffset = u64(z + 48);
    // Classic fields either saturate or agree with the ZIP64 ones.
    auto agree = [](uint64_t classic, uint64_t saturated, uint64_t wide) {
      return classic == saturated || classic == wide;
    };
    if (!agree(entries, 0xFFFF, z64Entries) || !agree(cdSize, 0xFFFFFFFF, z64CdSize) ||
        !agree(cdOffset, 0xFFFFFFFF, z64CdOffset))
      return error(fmt::format("end of central directory (entries {}, size {}, offset {}) "
                               "disagrees with the ZIP64 record (entries {}, size {}, offset {})",
                               entries, cdSize, cdOffset, z64Entries, z64CdSize, z64CdOffset));
    if ((diskNumber != 0 && diskNumber != 0xFFFF) || (cdDisk != 0 && cdDisk != 0xFFFF) ||
        z64DiskNumber != 0 || z64CdDisk != 0)
      return error("multi-disk archives are not supported");
    entriesOnDisk = z64EntriesOnDisk;
    entries = z64Entries;
    cdSize = z64CdSize;
    cdOffset = z64CdOffset;
    cdLimit = z64Offset;
  } else {
    if (entries == 0xFFFF || cdSize == 0xFFFFFFFF || cdOffset == 0xFFFFFFFF)
      return error("end of central directory needs a ZIP64 record, but there is none");
    if (diskNumber != 0 || cdDisk != 0)
      return error("multi-disk archives are not supported");
  }
  if (entriesOnDisk != entries)
    return error(fmt::format("entry counts disagree ({} on this disk, {} in total)", entriesOnDisk,
                             entries));
  if (entries > limits.maxEntries)
    return error(fmt::format("{} entries exceed the limit of {}", entries, limits.maxEntries));
  if (entries > fileSize / kCentralHeaderSize)
    return error(fmt::format("{} entries cannot fit in a file of size {}", entries, fileSize));
  if (cdOffset >= cdLimit && !(cdOffset == cdLimit && cdSize == 0))
    return error(fmt::format("central directory offset {} beyond end of file (size {})", cdOffset,
                             fileSize));
  if (!fits(cdOffset, cdSize, cdLimit))
    return error(fmt::format("central directory (offset {}, size {}) runs past the end of "
                             "central directory record at {}",
                             cdOffset, cdSize, cdLimit));

  // Central directory.
  entries_.reserve(static_cast<size_t>(entries));
  uint64_t pos = cdOffset;
  const uint64_t cdEnd = cdOffset + cdSize;
  uint64_t totalInflated = 0;
  for (uint64_t i = 0; i < entries; ++i) {
    if (!fits(pos, kCentralHeaderSize, cdEnd))
      return error(fmt::format("central directory entry {} at offset {} runs past the central "
                               "directory end {}",
                               i, pos, cdEnd));
    const uint8_t *h = data_ + pos;
    if (u32(h) != kCentralHeaderSig)
      return error(
          fmt::format("bad central directory signature for entry {} at offset {}", i, pos));
    uint16_t flags = u16(h + 8), method = u16(h + 10);
    uint32_t crc = u32(h + 16);
    uint64_t csize = u32(h + 20), usize = u32(h + 24);
    uint64_t nameLen = u16(h + 28), extraLen = u16(h + 30), commentLen = u16(h + 32);
    uint64_t diskStart = u16(h + 34), lho = u32(h + 42);
    uint64_t varLen = nameLen + extraLen + commentLen;
    if (!fits(pos + kCentralHeaderSize, varLen, cdEnd))
      return error(fmt::format("central directory entry {} at offset {} runs past the central "
                               "directory end {}",
                               i, pos, cdEnd));
    std::string_view rawName(reinterpret_cast<const char *>(h + kCentralHeaderSize), nameLen);
    // The name as error messages show it, made only for one.
    auto shown = [&rawName] { return printable(rawName); };

    // ZIP64 extra field: present values replace the saturated 32-bit ones, in this order.
    const uint8_t *x = h + kCentralHeaderSize + nameLen;
    uint64_t xpos = 0;
    while (xpos < extraLen) {
      if (extraLen - xpos < 4)
        return error(fmt::format("entry '{}': truncated extra field", shown()));
      uint16_t id = u16(x + xpos), len = u16(x + xpos + 2);
      if (len > extraLen - xpos - 4)
        return error(fmt::format("entry '{}': extra field 0x{:04x} of length {} runs past the "
                                 "header",
                                 shown(), id, len));
      if (id == kZip64ExtraId) {
        const uint8_t *f = x + xpos + 4;
        uint64_t left = len;
        auto take = [&](uint64_t *value, uint64_t saturated, uint64_t width) -> bool {
          if (*value != saturated)
            return true;
          if (left < width)
            return false;
          *value = width == 8 ? u64(f) : u32(f);
          f += width;
          left -= width;
          return true;
        };
        if (!take(&usize, 0xFFFFFFFF, 8) || !take(&csize, 0xFFFFFFFF, 8) ||
            !take(&lho, 0xFFFFFFFF, 8) || !take(&diskStart, 0xFFFF, 4))
          return error(fmt::format("entry '{}': ZIP64 extra field too short", shown()));
      }
      xpos += 4 + len;
    }
    if (usize == 0xFFFFFFFF || csize == 0xFFFFFFFF || lho == 0xFFFFFFFF)
      return error(fmt::format("entry '{}': saturated size or offset without a ZIP64 extra "
                               "field",
                               shown()));
    if (diskStart != 0)
      return error(fmt::format("entry '{}': multi-disk archives are not supported", shown()));
    if (flags & 0x0041)
      return error(fmt::format("entry '{}' is encrypted", shown()));

    if (absl::Status st = checkName(rawName); !st.ok())
      return error(std::string(st.message()));
    if (i == 0) {
      size_t slash = rawName.find('/');
      if (slash == std::string_view::npos)
        return error(fmt::format("first entry '{}' is not inside a root folder", shown()));
      root_ = std::string(rawName.substr(0, slash));
    }
    if (rawName.size() <= root_.size() || rawName.compare(0, root_.size(), root_) != 0 ||
        rawName[root_.size()] != '/')
      return error(fmt::format("entry '{}' is outside the root folder '{}/'", shown(), root_));
    std::string_view relative = rawName.substr(root_.size() + 1);

    // Local header: only its signature, name and extra length are used.
    if (!fits(lho, kLocalHeaderSize, cdOffset))
      return error(fmt::format("entry '{}': local header offset {} beyond the central directory "
                               "at {} (file size {})",
                               shown(), lho, cdOffset, fileSize));
    const uint8_t *l = data_ + lho;
    if (u32(l) != kLocalHeaderSig)
      return error(
          fmt::format("entry '{}': bad local header signature at offset {}", shown(), lho));
    uint64_t localNameLen = u16(l + 26), localExtraLen = u16(l + 28);
    if (!fits(lho + kLocalHeaderSize, localNameLen + localExtraLen, cdOffset))
      return error(fmt::format("entry '{}': local header at {} runs into the central directory",
                               shown(), lho));
    std::string_view localName(reinterpret_cast<const char *>(l + kLocalHeaderSize), localNameLen);
    if (localName != rawName)
      return error(fmt::format("entry '{}': local header names '{}' instead", shown(),
                               printable(localName)));
    if (u16(l + 8) != method)
      return error(fmt::format("entry '{}': local header method {} differs from central {}",
                               shown(), u16(l + 8), method));
    uint64_t dataOffset = lho + kLocalHeaderSize + localNameLen + localExtraLen;
    if (!fits(dataOffset, csize, cdOffset))
      return error(fmt::format("entry '{}': data (offset {}, size {}) runs past the central "
                               "directory at {} (file size {})",
                               shown(), dataOffset, csize, cdOffset, fileSize));

    if (method == 0 && csize != usize)
      return error(fmt::format("stored entry '{}' has compressed size {} but size {}", shown(),
                               csize, usize));
    if (method == 8) {
      if (usize > limits.ratioThresholdBytes &&
          usize / std::max<uint64_t>(limits.maxCompressionRatio, 1) > csize)
        return error(fmt::format("entry '{}' would inflate {} bytes to {} (ratio above {}:1)",
                                 shown(), csize, usize, limits.maxCompressionRatio));
      if (!checkedAdd(totalInflated, usize, &totalInflated) ||
          totalInflated > limits.maxTotalInflatedBytes)
        return error(fmt::format("deflated entries exceed the limit of {} uncompressed bytes "
                                 "(at entry '{}')",
                                 limits.maxTotalInflatedBytes, shown()));
    }

    pos += kCentralHeaderSize + varLen;
    if (relative.empty() || relative.back() == '/') {
      if (usize != 0)
        return error(fmt::format("directory entry '{}' has data", shown()));
      continue;
    }
    ZipEntry entry;
    entry.name = std::string(relative);
    entry.method = method;
    entry.flags = flags;
    entry.crc32 = crc;
    entry.compressedSize = csize;
    entry.uncompressedSize = usize;
    entry.localHeaderOffset = lho;
    entry.dataOffset = dataOffset;
    if (!index_.emplace(entry.name, entries_.size()).second)
      return error(fmt::format("duplicate entry '{}'", shown()));
    entries_.push_back(std::move(entry));
  }
  if (pos != cdEnd)
    return error(fmt::format("central directory size {} does not match its {} entries ({} "
                             "bytes)",
                             cdSize, entries, pos - cdOffset));

  // Entries must not overlap: overlapping records are a zip-bomb technique, never written by
  // torch.
  std::vector<const ZipEntry *> byOffset;
  byOffset.reserve(entries_.size());
  for (const ZipEntry &entry : entries_)
    byOffset.push_back(&entry);
  std::sort(byOffset.begin(), byOffset.end(), [](const ZipEntry *a, const ZipEntry *b) {
    return a->localHeaderOffset < b->localHeaderOffset;
  });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    const ZipEntry &prev = *byOffset[i - 1];
    if (prev.dataOffset + prev.compressedSize > byOffset[i]->localHeaderOffset)
      return error(fmt::format("entries '{}' and '{}' overlap", printable(prev.name),
                               printable(byOffset[i]->name)));
  }
  return absl::OkStatus();
}

std::vector<std::string> ZipArchive::records() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const ZipEntry &entry : entries_)
    names.push_back(entry.name);
  return names;
}

const ZipEntry *ZipArchive::entry(std::string_view name) const {
  auto it = index_.find(absl::string_view(name.data(), name.size()));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

absl::StatusOr<uint64_t> ZipArchive::size(std::string_view name) const {
  const ZipEntry *e = entry(name);
  if (!e)
    return absl::NotFoundError(
        fmt::format("{}: zip: no record '{}'", displayName_, printable(name)));
  return e->uncompressedSize;
}

absl::Status ZipArchive::checkCrc(const ZipEntry &e, const uint8_t *data, uint64_t n) const {
  uint32_t crc = libdeflate_crc32(0, data, static_cast<size_t>(n));
  if (crc != e.crc32)
    return crcMismatch(displayName_, printable(e.name), crc, e.crc32);
  return absl::OkStatus();
}

absl::Status ZipArchive::checkCrcFromFile(const ZipEntry &e) const {
  // pread through a small buffer rather than the mapping: the writer copies weights from the
  // file descriptor (copy_file_range), so faulting their pages into the mapping here would be
  // work nothing else needs.
  constexpr uint64_t kChunk = uint64_t{4} << 20;
  const uint64_t n = e.uncompressedSize;
  std::unique_ptr<uint8_t[]> buffer(new (std::nothrow) uint8_t[std::min(n, kChunk) + 1]);
  if (!buffer)
    return checkCrc(e, data_ + e.dataOffset, n);
  uint32_t crc = 0;
  for (uint64_t done = 0; done < n;) {
    size_t want = static_cast<size_t>(std::min(n - done, kChunk));
    ssize_t got = ::pread(file_->fd(), buffer.get(), want, static_cast<off_t>(e.dataOffset + done));
    if (got <= 0)
      return checkCrc(e, data_ + e.dataOffset, n); // the mapping still reads
    crc = libdeflate_crc32(crc, buffer.get(), static_cast<size_t>(got));
    done += static_cast<uint64_t>(got);
  }
  if (crc == e.crc32)
    return absl::OkStatus();
  return checkCrc(e, data_ + e.dataOffset, n); // reports the mismatch
}

absl::Status crcMismatch(const std::string &archive, const std::string &record, uint32_t actual,
                         uint32_t declared) {
  return absl::DataLossError(fmt::format(
      "{}: zip: record '{}' is corrupt: its CRC-32 is {:08x}, the archive declares {:08x} "
      "(re-save the model; --no-crc-check converts it anyway)",
      archive, record, actual, declared));
}

void DeferredCrcs::add(Record r) {
  if (byOffset_.contains(r.offset))
    return;
  byOffset_.emplace(r.offset, records_.size());
  records_.push_back(std::move(r));
}

bool DeferredCrcs::wants(uint64_t offset, uint64_t n) const {
  auto it = byOffset_.find(offset);
  return it != byOffset_.end() && records_[it->second].size == n && !records_[it->second].checked;
}

absl::Status DeferredCrcs::settle(uint64_t offset, uint64_t n, uint32_t crc) {
  auto it = byOffset_.find(offset);
  if (it == byOffset_.end() || records_[it->second].size != n)
    return absl::OkStatus();
  Record &r = records_[it->second];
  if (crc != r.crc)
    return crcMismatch(r.archive, r.name, crc, r.crc);
  r.checked = true;
  return absl::OkStatus();
}

absl::Status DeferredCrcs::checkRemaining(const std::function<bool(uint64_t)> &skip) {
  constexpr uint64_t kChunk = uint64_t{4} << 20;
  std::unique_ptr<uint8_t[]> buffer;
  for (Record &r : records_) {
    // `skip` first: the writer may be settling a skipped record on another thread.
    if ((skip && skip(r.offset)) || r.checked)
      continue;
    if (!buffer)
      buffer.reset(new uint8_t[kChunk]);
    uint32_t crc = 0;
    for (uint64_t done = 0; done < r.size;) {
      size_t want = static_cast<size_t>(std::min(r.size - done, kChunk));
      ssize_t got = ::pread(r.file->fd(), buffer.get(), want, static_cast<off_t>(r.offset + done));
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        return absl::DataLossError(fmt::format("{}: zip: cannot read record '{}': {}", r.archive,
                                               r.name,
                                               got < 0 ? std::strerror(errno) : "end of file"));
      crc = libdeflate_crc32(crc, buffer.get(), static_cast<size_t>(got));
      done += static_cast<uint64_t>(got);
    }
    if (crc != r.crc)
      return crcMismatch(r.archive, r.name, crc, r.crc);
    r.checked = true;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const ir::Storage>> ZipArchive::read(std::string_view name) const {
  const ZipEntry *e = entry(name);
  if (!e)
    return absl::NotFoundError(
        fmt::format("{}: zip: no record '{}'", displayName_, printable(name)));
  const uint8_t *src = data_ + e->dataOffset;
  if (e->method == 0) {
    constexpr uint64_t kDeferFrom = uint64_t{64} << 10;
    auto endsWith = [&](std::string_view suffix) {
      return e->name.size() >= suffix.size() &&
             e->name.compare(e->name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (verifyStoredCrc_ && file_ && deferCrcs_ && e->uncompressedSize >= kDeferFrom &&
        !endsWith(".pkl") && !endsWith(".py") && e->name.rfind("code/", 0) != 0)
      deferCrcs_->add({displayName_, printable(e->name), e->dataOffset, e->uncompressedSize,
                       e->crc32, false, file_});
    else if (verifyStoredCrc_ && file_)
      TS2ONNX_RETURN_IF_ERROR(checkCrcFromFile(*e));
    else if (verifyStoredCrc_)
      TS2ONNX_RETURN_IF_ERROR(checkCrc(*e, src, e->uncompressedSize));
    auto storage = std::make_shared<ir::Storage>();
    storage->data = e->uncompressedSize ? src : nullptr;
    storage->nbytes = static_cast<size_t>(e->uncompressedSize);
    storage->owner = owner_;
    if (file_ && e->uncompressedSize) {
      storage->fd = file_->fd();
      storage->fileOffset = e->dataOffset;
      // When the last view dies (a weight replaced by a folded copy), its pages leave the
      // resident set: a conversion holds only the weights it still needs.
      std::shared_ptr<const MappedFile> file = file_;
      size_t n = static_cast<size_t>(e->uncompressedSize);
      storage->owner = std::shared_ptr<const void>(
          file.get(), [file, src, n](const void *) { file->release(src, n); });
    }
    return std::shared_ptr<const ir::Storage>(std::move(storage));
  }
  if (e->method != 8)
    return absl::UnimplementedError(
        fmt::format("{}: zip: record '{}' uses compression method {} (only stored and deflate "
                    "are supported)",
                    displayName_, printable(e->name), e->method));

  // Raw inflate into a buffer of exactly the declared size (libdeflate, whole buffer to whole
  // buffer: the record is mapped and its size declared); a stream that wants to write more or
  // ends early is an error. The buffer is left uninitialized: inflate writes every byte.
  const uint64_t usize = e->uncompressedSize;
  std::shared_ptr<uint8_t[]> buffer(new (std::nothrow) uint8_t[usize ? usize : 1]);
  if (!buffer)
    return absl::ResourceExhaustedError(fmt::format(
        "{}: zip: cannot allocate {} bytes for record '{}'", displayName_, usize, e->name));
  // One decompressor per thread, reused: allocating one clears its ~11 KB of tables (a traced
  // model inflates one code record per submodule class; the archive's reads may come from the
  // source-parsing helper thread too).
  thread_local std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor *)>
      inflater(nullptr, libdeflate_free_decompressor);
  if (!inflater)
    inflater.reset(libdeflate_alloc_decompressor());
  if (!inflater)
    return absl::ResourceExhaustedError(
        fmt::format("{}: zip: cannot allocate a decompressor", displayName_));
  size_t produced = 0;
  libdeflate_result r =
      libdeflate_deflate_decompress(inflater.get(), src, static_cast<size_t>(e->compressedSize),
                                    buffer.get(), static_cast<size_t>(usize), &produced);
  std::string failure;
  if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
    failure = fmt::format("inflates to more than the declared {} bytes", usize);
  else if (r == LIBDEFLATE_BAD_DATA)
    failure = "corrupt or truncated deflate stream";
  else if (r != LIBDEFLATE_SUCCESS)
    failure = fmt::format("deflate stream not decoded (libdeflate result {})", int(r));
  else if (produced != usize)
    failure = fmt::format("inflates to {} bytes, not the declared {}", produced, usize);
  if (!failure.empty())
    return absl::InvalidArgumentError(
        fmt::format("{}: zip: record '{}': {}", displayName_, printable(e->name), failure));
  TS2ONNX_RETURN_IF_ERROR(checkCrc(*e, buffer.get(), usize));
  auto storage = std::make_shared<ir::Storage>();
  storage->data = buffer.get();
  storage->nbytes = static_cast<size_t>(usize);
  storage->owner = std::shared_ptr<const void>(std::move(buffer));
  return std::shared_ptr<const ir::Storage>(std::move(storage));
}

absl::StatusOr<std::string> ZipArchive::readString(std::string_view name) const {
  TS2ONNX_ASSIGN_OR_RETURN(std::shared_ptr<const ir::Storage> s, read(name));
  return std::string(reinterpret_cast<const char *>(s->data), s->nbytes);
}

} // namespace ts2onnx::frontend
