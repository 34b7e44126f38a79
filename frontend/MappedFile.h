// A read-only memory map of a whole file. Archives are mapped once and every stored record and
// tensor views this memory; a shared_ptr to the MappedFile keeps the mapping alive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace ts2onnx::frontend {

class MappedFile {
public:
  /// Maps `path` read-only. Errors name the path and the system's reason (`model.pt: cannot
  /// open: No such file or directory`). An empty file maps to size 0 and a null data pointer.
  static absl::StatusOr<std::shared_ptr<const MappedFile>> open(const std::string &path);

  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }
  const std::string &path() const { return path_; }
  /// The open descriptor of the file (read-only), valid as long as this object.
  int fd() const { return fd_; }
  /// Drops the pages of [begin, begin + n) from this process's resident set (whole pages only;
  /// the mapping is read-only and private, so they are read again from the page cache if touched).
  void release(const uint8_t *begin, size_t n) const;

private:
  MappedFile() = default;

  std::string path_;
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
  int fd_ = -1;
};

} // namespace ts2onnx::frontend
