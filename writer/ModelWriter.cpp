// The streaming model writer (see ModelWriter.h).
//
// The file is the protobuf encoding of the ModelProto written piece by piece, fields in the
// order protobuf itself writes them: ModelProto fields 1-6, then the graph (field 7) as
// GraphProto fields node (1) and name (2), the initializers (5), the remaining graph fields
// (10-15), then ModelProto fields 8 and later. Every piece but the deferred payloads is
// serialized by protobuf; a deferred initializer is its TensorProto header (dims 1, data_type 2,
// name 8) followed by raw_data (9) written from the tensor. Lengths are known up front (the
// payload sizes are), so nothing is buffered but one write buffer: the pieces are written in
// order with each payload's bytes left as a hole, which writePayloads then fills on the
// machine's cores (writer/Payloads.h).
#include "writer/ModelWriter.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "ir/Status.h"
#include "onnx/checker.h"
#include "writer/OnnxSchemas.h"
#include "writer/Payloads.h"
#include "writer/PendingFiles.h"

namespace ts2onnx::writer {
namespace {

constexpr uint64_t kProtobufLimit = static_cast<uint64_t>(std::numeric_limits<int32_t>::max());
constexpr uint64_t kExternalAlignment = 4096; // page-aligned offsets let runtimes mmap them
constexpr size_t kBufferSize = size_t{1} << 20;

size_t varintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void putVarint(std::string &s, uint64_t v) {
  while (v >= 0x80) {
    s += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  s += static_cast<char>(v);
}

/// Tag + length of a length-delimited field.
std::string lengthPrefix(int field, uint64_t length) {
  std::string s;
  putVarint(s, (static_cast<uint64_t>(field) << 3) | 2);
  putVarint(s, length);
  return s;
}

uint64_t lengthDelimitedSize(int field, uint64_t length) {
  return varintSize((static_cast<uint64_t>(field) << 3) | 2) + varintSize(length) + length;
}

/// Parses the model file at `path` (written here, without its external data).
absl::Status readModelProto(const std::string &path, onnx::ModelProto &model) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return absl::InternalError(fmt::format("cannot reopen '{}': {}", path, std::strerror(errno)));
  google::protobuf::io::FileInputStream in(fd);
  in.SetCloseOnDelete(true);
  if (!model.ParseFromZeroCopyStream(&in))
    return absl::InternalError(fmt::format("cannot parse the written model '{}'", path));
  return absl::OkStatus();
}

std::string dirName(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string baseName(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool sameFile(const std::string &a, const std::string &b) {
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0)
    return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/// A file created beside `finalPath` (`finalPath.tmp.XXXXXX`) that is unlinked unless it is
/// renamed into place. Writes go through a buffer; payloads are left as holes (skip) for
/// writePayloads.
class TempFile {
public:
  ~TempFile() {
    if (fd_ >= 0)
      ::close(fd_);
    if (!path_.empty() && !committed_)
      ::unlink(path_.c_str());
    disarmPendingFile(pending_);
  }

  absl::Status create(const std::string &finalPath) {
    std::string tmpl = finalPath + ".tmp.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    {
      // Removed if a signal ends the process; no signal may come between creating and arming.
      DeferTerminationSignals deferSignals;
      fd_ = ::mkstemp(buf.data());
      if (fd_ < 0)
        return absl::PermissionDeniedError(fmt::format(
            "cannot create a temporary file beside '{}': {}", finalPath, std::strerror(errno)));
      pending_ = armPendingFile(buf.data());
    }
    path_ = buf.data();
    // mkstemp makes 0600; give the file the mode a plain create would (0666 & ~umask).
    mode_t mask = ::umask(0);
    ::umask(mask);
    if (::fchmod(fd_, 0666 & ~mask) != 0)
      return fileError("cannot set the mode of", path_, errno);
    buffer_.reserve(kBufferSize);
    return absl::OkStatus();
  }

  const std::string &path() const { return path_; }
  uint64_t size() const { return written_ + buffer_.size(); }

  absl::Status put(const void *data, size_t n) {
    if (buffer_.size() + n > kBufferSize)
      TS2ONNX_RETURN_IF_ERROR(flush());
    if (n >= kBufferSize)
      return writeAll(static_cast<const uint8_t *>(data), n);
    buffer_.append(static_cast<const char *>(data), n);
    return absl::OkStatus();
  }
  absl::Status put(const std::string &s) { return put(s.data(), s.size()); }

  absl::Status padTo(uint64_t alignment) {
    uint64_t rem = size() % alignment;
    if (rem == 0)
      return absl::OkStatus();
    return put(std::string(static_cast<size_t>(alignment - rem), '\0'));
  }

  /// Leaves the next `n` bytes as a hole that writePayloads fills (pwrite at the offset).
  absl::Status skip(uint64_t n) {
    TS2ONNX_RETURN_IF_ERROR(flush());
    if (n == 0)
      return absl::OkStatus();
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) < 0)
      return fileError("cannot write", path_, errno);
    written_ += n;
    endsInHole_ = true;
    hasHoles_ = true;
    return absl::OkStatus();
  }

  int fd() const { return fd_; }

  /// Writes what is buffered and gives the file its full size (a trailing hole included).
  absl::Status flushLayout() {
    TS2ONNX_RETURN_IF_ERROR(flush());
    if (endsInHole_ && ::ftruncate(fd_, static_cast<off_t>(written_)) != 0)
      return fileError("cannot write", path_, errno);
    endsInHole_ = false;
    return absl::OkStatus();
  }

  /// flushLayout, then the file system's blocks for the holes, in one call (fallocate) instead
  /// of block by block as the payloads are written: the payload threads then copy into the page
  /// cache without reserving space on the way (resnet50's 97 MiB: about 5% less wall time), and
  /// a disk without room for the model says so before any weight is computed. File systems
  /// without fallocate are left to allocate as the bytes come.
  absl::Status flushLayoutAndAllocate() {
    TS2ONNX_RETURN_IF_ERROR(flushLayout());
    if (!hasHoles_)
      return absl::OkStatus();
    int rc;
    do {
      rc = ::fallocate(fd_, 0, 0, static_cast<off_t>(written_));
    } while (rc != 0 && errno == EINTR);
    if (rc != 0 && errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL)
      return fileError("cannot write", path_, errno);
    return absl::OkStatus();
  }

  absl::Status finish(bool sync) {
    TS2ONNX_RETURN_IF_ERROR(flushLayout());
    if (sync && ::fsync(fd_) != 0)
      return fileError("cannot flush", path_, errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0)
      return fileError("cannot close", path_, errno);
    return absl::OkStatus();
  }

  absl::Status commit(const std::string &finalPath) {
    if (::rename(path_.c_str(), finalPath.c_str()) != 0)
      return absl::PermissionDeniedError(
          fmt::format("cannot rename '{}' to '{}': {}", path_, finalPath, std::strerror(errno)));
    committed_ = true;
    disarmPendingFile(pending_);
    pending_ = -1;
    return absl::OkStatus();
  }

private:
  absl::Status flush() {
    if (buffer_.empty())
      return absl::OkStatus();
    TS2ONNX_RETURN_IF_ERROR(
        writeAll(reinterpret_cast<const uint8_t *>(buffer_.data()), buffer_.size()));
    buffer_.clear();
    return absl::OkStatus();
  }

  absl::Status writeAll(const uint8_t *p, size_t n) {
    endsInHole_ = false;
    while (n > 0) {
      ssize_t k = ::write(fd_, p, std::min(n, size_t{1} << 30));
      if (k < 0) {
        if (errno == EINTR)
          continue;
        return fileError("cannot write", path_, errno);
      }
      p += k;
      n -= static_cast<size_t>(k);
      written_ += static_cast<uint64_t>(k);
    }
    return absl::OkStatus();
  }

  int fd_ = -1;
  std::string path_;
  std::string buffer_;
  uint64_t written_ = 0;
  int pending_ = -1; // slot of armPendingFile
  bool committed_ = false;
  bool endsInHole_ = false;
  bool hasHoles_ = false; // skip() left regions for writePayloads
};

void setExternal(onnx::TensorProto *t, const std::string &location, uint64_t offset,
                 uint64_t length) {
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const char *key, const std::string &value) {
    auto *e = t->add_external_data();
    e->set_key(key);
    e->set_value(value);
  };
  add("location", location);
  add("offset", std::to_string(offset));
  add("length", std::to_string(length));
}

/// The location of `archive` relative to `modelDir`, as an external-data entry spells it: ONNX
/// (its checker, and onnxruntime) resolves locations against the model's directory and refuses
/// absolute ones and any `..`, so the archive must be in that directory or below it.
absl::StatusOr<std::string> referenceLocation(const std::string &archive,
                                              const std::string &modelDir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path a = fs::weakly_canonical(fs::absolute(archive, ec), ec);
  fs::path dir = fs::weakly_canonical(fs::absolute(modelDir, ec), ec);
  fs::path rel = ec ? fs::path() : a.lexically_relative(dir);
  std::string s = rel.generic_string();
  if (s.empty() || rel.is_absolute() || s == ".." || s.rfind("../", 0) == 0 ||
      s.find("/../") != std::string::npos)
    return absl::InvalidArgumentError(fmt::format(
        "reference mode: the archive '{}' must be in the output model's directory '{}' or "
        "below it (ONNX external-data locations are relative to the model and may not contain "
        "'..'); write the model beside the archive",
        archive, modelDir));
  return s;
}

/// Whether the bytes of `t` are a contiguous region of the file `archive` as it is on disk (a
/// stored record read through the file's descriptor), so that an external-data entry can point
/// at them. Folded constants, lazy tensors, strided views and inflated records are not.
bool inArchive(const ir::Tensor &t, const struct stat &archive) {
  const ir::Storage *s = t.storage().get();
  if (!s || s->fd < 0 || s->isLazy() || !s->data || !t.isContiguous())
    return false;
  struct stat st;
  return ::fstat(s->fd, &st) == 0 && st.st_dev == archive.st_dev && st.st_ino == archive.st_ino;
}

} // namespace

absl::StatusOr<WrittenModel> writeModelStreaming(EmittedModel &em, const std::string &path,
                                                 const WriteOptions &options) {
  if (path.empty())
    return absl::InvalidArgumentError("no output path");
  const std::string &input = options.protectedPath;
  if (!input.empty() && (path == input || sameFile(path, input)))
    return absl::InvalidArgumentError(
        fmt::format("refusing to overwrite the input '{}' with the ONNX model", input));

  WrittenModel out;
  onnx::ModelProto &model = em.model;
  const size_t threshold = std::max(options.externalThreshold, kMinDeferredBytes);
  bool external = options.externalData;
  if (!external && options.referenceArchive.empty()) {
    uint64_t estimate = model.ByteSizeLong();
    for (const DeferredTensor &d : em.deferred)
      estimate += d.tensor.nbytes() + 16;
    if (estimate > kProtobufLimit) {
      external = true;
      out.externalAutomatic = true;
    }
  }

  std::string location =
      options.externalLocation.empty() ? baseName(path) + ".data" : options.externalLocation;
  std::string dataPath;
  TempFile data;
  onnx::GraphProto *graph = model.mutable_graph();
  std::vector<const ir::Tensor *> inlinePayload(static_cast<size_t>(graph->initializer_size()));
  for (const DeferredTensor &d : em.deferred)
    inlinePayload.at(static_cast<size_t>(d.index)) = &d.tensor;

  uint64_t payloadTotal = 0, payloadDone = 0;
  for (const DeferredTensor &d : em.deferred)
    payloadTotal += d.tensor.nbytes();
  auto advance = [&](uint64_t bytes) {
    payloadDone += bytes;
    if (options.progress)
      options.progress(payloadDone, payloadTotal);
  };

  // Reference mode: the initializers that stay in the archive, and the archive's location.
  std::vector<char> referenced(em.deferred.size(), 0);
  std::string archiveLocation;
  bool needDataFile = external;
  if (!options.referenceArchive.empty()) {
    TS2ONNX_ASSIGN_OR_RETURN(archiveLocation,
                             referenceLocation(options.referenceArchive, dirName(path)));
    struct stat archive;
    if (::stat(options.referenceArchive.c_str(), &archive) != 0)
      return fileError("cannot stat", options.referenceArchive, errno);
    needDataFile = false;
    for (size_t i = 0; i < em.deferred.size(); ++i) {
      const ir::Tensor &t = em.deferred[i].tensor;
      if (t.nbytes() < threshold)
        continue;
      referenced[i] = inArchive(t, archive);
      if (!referenced[i])
        needDataFile = true;
    }
    external = true;
  }

  if (needDataFile) {
    if (location.empty() || location[0] == '/' || location == ".." ||
        location.rfind("../", 0) == 0 || location.find("/../") != std::string::npos)
      return absl::InvalidArgumentError(fmt::format(
          "external data location '{}' must be a path relative to the model's directory, "
          "inside it",
          location));
    dataPath = path.find('/') == std::string::npos ? location : dirName(path) + "/" + location;
    if (dataPath == path || sameFile(dataPath, path) ||
        (!input.empty() && (dataPath == input || sameFile(dataPath, input))))
      return absl::InvalidArgumentError(fmt::format(
          "external data file '{}' would overwrite the model or the input archive", dataPath));
    TS2ONNX_RETURN_IF_ERROR(data.create(dataPath));
  }
  // The payloads' regions are laid out (left as holes) while the headers are written, and
  // filled on the machine's cores once both files are laid out (writer/Payloads.h).
  std::vector<Payload> payloads;
  std::vector<uint64_t> referencedOffsets;
  if (external) {
    for (size_t i = 0; i < em.deferred.size(); ++i) {
      const DeferredTensor &d = em.deferred[i];
      if (d.tensor.nbytes() < threshold)
        continue;
      if (referenced[i]) {
        const ir::Storage *s = d.tensor.storage().get();
        uint64_t offset = s->fileOffset + static_cast<uint64_t>(d.tensor.storageOffset()) *
                                              ir::elementSize(d.tensor.dtype());
        setExternal(graph->mutable_initializer(d.index), archiveLocation, offset,
                    d.tensor.nbytes());
        referencedOffsets.push_back(offset);
        advance(d.tensor.nbytes());
        ++out.referencedTensors;
        out.referencedBytes += d.tensor.nbytes();
      } else {
        TS2ONNX_RETURN_IF_ERROR(data.padTo(kExternalAlignment));
        uint64_t offset = data.size();
        payloads.push_back({&d.tensor, data.fd(), offset, &data.path()});
        TS2ONNX_RETURN_IF_ERROR(data.skip(d.tensor.nbytes()));
        setExternal(graph->mutable_initializer(d.index), location, offset, d.tensor.nbytes());
        ++out.externalTensors;
      }
      inlinePayload[static_cast<size_t>(d.index)] = nullptr;
    }
  }
  if (needDataFile)
    out.externalBytes = data.size();

  // Split the model into the pieces written around the initializers (see the file comment).
  std::unique_ptr<onnx::GraphProto> g(model.release_graph());
  onnx::ModelProto after; // ModelProto fields after graph (7)
  after.mutable_opset_import()->Swap(model.mutable_opset_import());
  after.mutable_metadata_props()->Swap(model.mutable_metadata_props());
  after.mutable_training_info()->Swap(model.mutable_training_info());
  after.mutable_functions()->Swap(model.mutable_functions());
  onnx::GraphProto graphHead; // GraphProto fields before initializer (5)
  graphHead.mutable_node()->Swap(g->mutable_node());
  if (g->has_name())
    graphHead.set_name(g->name());
  g->clear_name();
  google::protobuf::RepeatedPtrField<onnx::TensorProto> inits;
  inits.Swap(g->mutable_initializer());

  const std::string modelHead = model.SerializeAsString();
  const std::string modelTail = after.SerializeAsString();
  const std::string graphHeadBytes = graphHead.SerializeAsString();
  graphHead.Clear();
  const std::string graphTail = g->SerializeAsString(); // input, output, value_info, ...
  uint64_t graphSize = graphHeadBytes.size() + graphTail.size();
  std::vector<std::string> initHeaders(static_cast<size_t>(inits.size()));
  std::vector<uint64_t> initSizes(initHeaders.size());
  for (int i = 0; i < inits.size(); ++i) {
    initHeaders[size_t(i)] = inits.Get(i).SerializeAsString();
    uint64_t size = initHeaders[size_t(i)].size();
    if (const ir::Tensor *t = inlinePayload[size_t(i)])
      size += lengthDelimitedSize(9, t->nbytes());
    initSizes[size_t(i)] = size;
    graphSize += lengthDelimitedSize(5, size);
  }
  uint64_t total = modelHead.size() + lengthDelimitedSize(7, graphSize) + modelTail.size();
  if (total > kProtobufLimit)
    return absl::ResourceExhaustedError(
        fmt::format("the model is {:.2f} GB without its external data, over protobuf's 2 GB limit",
                    static_cast<double>(total) / (1024.0 * 1024.0 * 1024.0)));

  TempFile file;
  TS2ONNX_RETURN_IF_ERROR(file.create(path));
  TS2ONNX_RETURN_IF_ERROR(file.put(modelHead));
  TS2ONNX_RETURN_IF_ERROR(file.put(lengthPrefix(7, graphSize)));
  TS2ONNX_RETURN_IF_ERROR(file.put(graphHeadBytes));
  for (size_t i = 0; i < initHeaders.size(); ++i) {
    TS2ONNX_RETURN_IF_ERROR(file.put(lengthPrefix(5, initSizes[i])));
    TS2ONNX_RETURN_IF_ERROR(file.put(initHeaders[i]));
    if (const ir::Tensor *t = inlinePayload[i]) {
      TS2ONNX_RETURN_IF_ERROR(file.put(lengthPrefix(9, t->nbytes())));
      payloads.push_back({t, file.fd(), file.size(), &file.path()});
      TS2ONNX_RETURN_IF_ERROR(file.skip(t->nbytes()));
    }
  }
  TS2ONNX_RETURN_IF_ERROR(file.put(graphTail));
  TS2ONNX_RETURN_IF_ERROR(file.put(modelTail));
  if (file.size() != total)
    return absl::InternalError(fmt::format("wrote {} bytes of a model of {} bytes to '{}'",
                                           file.size(), total, file.path()));
  out.modelBytes = total;
  TS2ONNX_RETURN_IF_ERROR(file.flushLayoutAndAllocate());
  if (needDataFile)
    TS2ONNX_RETURN_IF_ERROR(data.flushLayoutAndAllocate());
  TS2ONNX_RETURN_IF_ERROR(writePayloads(payloads, options, advance));
  if (needDataFile)
    TS2ONNX_RETURN_IF_ERROR(data.finish(options.fsync));
  TS2ONNX_RETURN_IF_ERROR(file.finish(options.fsync));
  if (options.beforeCommit)
    TS2ONNX_RETURN_IF_ERROR(options.beforeCommit(referencedOffsets));

  // The data file and the model are renamed into place together: a signal in between would
  // leave a data file without its model (the signal takes effect after the renames).
  DeferTerminationSignals deferSignals;
  if (needDataFile) {
    TS2ONNX_RETURN_IF_ERROR(data.commit(dataPath));
    out.externalPath = dataPath;
  }
  if (external) {
    try {
      // Reads the model back and resolves every location against its directory, as loaders do.
      onnx::ModelProto written;
      TS2ONNX_RETURN_IF_ERROR(readModelProto(file.path(), written));
      checkModelProto(written, dirName(file.path()));
    } catch (const std::exception &e) {
      if (needDataFile)
        ::unlink(dataPath.c_str());
      return absl::InvalidArgumentError(
          fmt::format("ONNX checker on the written model: {}", e.what()));
    }
  }
  if (absl::Status s = file.commit(path); !s.ok()) {
    if (needDataFile)
      ::unlink(dataPath.c_str());
    return s;
  }
  return out;
}

} // namespace ts2onnx::writer
