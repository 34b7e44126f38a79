#include "frontend/MappedFile.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace ts2onnx::frontend {
namespace {

absl::Status systemError(const std::string &path, const char *what, int err) {
  std::string reason = std::error_code(err, std::generic_category()).message();
  std::string message = fmt::format("{}: {}: {}", path, what, reason);
  if (err == ENOENT)
    return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM)
    return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

} // namespace

absl::StatusOr<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return systemError(path, "cannot open", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return systemError(path, "cannot stat", err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(fmt::format("{}: not a regular file", path));
  }
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  if (st.st_size > 0) {
    size_t size = static_cast<size_t>(st.st_size);
    void *p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return systemError(path, "cannot map", err);
    }
    file->data_ = static_cast<const uint8_t *>(p);
    file->size_ = size;
  }
  file->fd_ = fd; // kept open for file-to-file copies of stored records (Storage::fd)
  return std::shared_ptr<const MappedFile>(std::move(file));
}

MappedFile::~MappedFile() {
  if (data_)
    ::munmap(const_cast<uint8_t *>(data_), size_);
  if (fd_ >= 0)
    ::close(fd_);
}

void MappedFile::release(const uint8_t *begin, size_t n) const {
  static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  uintptr_t lo = (reinterpret_cast<uintptr_t>(begin) + page - 1) & ~(page - 1);
  uintptr_t hi = (reinterpret_cast<uintptr_t>(begin) + n) & ~(page - 1);
  if (!data_ || begin < data_ || begin + n > data_ + size_ || hi <= lo)
    return;
  ::madvise(reinterpret_cast<void *>(lo), hi - lo, MADV_DONTNEED);
}

} // namespace ts2onnx::frontend
