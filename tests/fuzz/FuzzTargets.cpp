#include "tests/fuzz/FuzzTargets.h"

#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "frontend/Archive.h"
#include "frontend/Unpickler.h"
#include "frontend/ZipArchive.h"
#include "frontend/script/Parser.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

namespace ts2onnx::fuzz {

namespace {

std::string_view asText(const uint8_t *data, size_t size) {
  return std::string_view(reinterpret_cast<const char *>(data), size);
}

// Lets the optimizer not drop work whose result is otherwise unused.
volatile size_t gSink = 0;

} // namespace

int fuzzZip(const uint8_t *data, size_t size) {
  auto zip = frontend::ZipArchive::fromBytes(asText(data, size), "fuzz.pt");
  if (!zip.ok())
    return 0;
  for (const std::string &name : (*zip)->records()) {
    auto bytes = (*zip)->read(name);
    if (bytes.ok() && (*bytes)->nbytes > 0)
      gSink = gSink + (*bytes)->data[(*bytes)->nbytes - 1];
  }
  return 0;
}

int fuzzUnpickle(const uint8_t *data, size_t size) {
  // Every storage key resolves to the same zero-filled buffer; the unpickler checks that it is
  // large enough for the tensors that use it.
  static const std::vector<uint8_t> zeros(1 << 16);
  frontend::UnpicklerOptions opts;
  opts.name = "fuzz.pkl";
  opts.storageLoader = [](std::string_view) -> absl::StatusOr<std::shared_ptr<const ir::Storage>> {
    auto s = std::make_shared<ir::Storage>();
    s->data = zeros.data();
    s->nbytes = zeros.size();
    return std::shared_ptr<const ir::Storage>(std::move(s));
  };
  auto v = frontend::unpickle(asText(data, size), opts);
  if (v.ok())
    gSink = gSink + v->repr(3).size();
  return 0;
}

int fuzzScript(const uint8_t *data, size_t size) {
  auto m = frontend::script::parseModule(asText(data, size), "fuzz.py");
  gSink = gSink + m.ok();
  auto e = frontend::script::parseExpression(asText(data, size), "fuzz.py");
  gSink = gSink + e.ok();
  return 0;
}

int fuzzIrGraph(const uint8_t *data, size_t size) {
  auto g = ir::parseGraph(asText(data, size), "fuzz.txt");
  if (!g.ok())
    return 0;
  gSink = gSink + ir::printGraph(**g).size();
  gSink = gSink + ir::verify(**g).ok();
  return 0;
}

int fuzzArchive(const uint8_t *data, size_t size) {
  // Archive opens paths only; a memfd gives the bytes one without touching the disk.
  int fd = memfd_create("fuzz.pt", MFD_CLOEXEC);
  if (fd < 0)
    return 0;
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0)
      break;
    done += static_cast<size_t>(n);
  }
  if (done == size) {
    auto archive = frontend::Archive::open(fmt::format("/proc/self/fd/{}", fd));
    if (archive.ok()) {
      auto g = (*archive)->compileMethod("forward");
      if (g.ok())
        gSink = gSink + ir::printGraph(**g).size();
    }
  }
  close(fd);
  return 0;
}

FuzzFunction fuzzTarget(std::string_view name) {
  if (name == "zip")
    return fuzzZip;
  if (name == "unpickle")
    return fuzzUnpickle;
  if (name == "script")
    return fuzzScript;
  if (name == "ir_graph")
    return fuzzIrGraph;
  if (name == "archive")
    return fuzzArchive;
  return nullptr;
}

} // namespace ts2onnx::fuzz
