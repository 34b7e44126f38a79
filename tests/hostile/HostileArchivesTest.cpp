// Hostile archives (issue 9): the test builds each one in a temporary folder, mostly by
// mutating the if_loop fixture, and runs the real CLI on it (`ts2onnx convert FILE -o OUT`, with
// the fixture's input types). Every one must end with exit status 1, exactly one line on stderr
// that names the problem, no signal, no file left in the output folder (neither the model nor a
// temporary), within 2 s and with bounded memory (address space capped at 1 GiB unless under
// ASan).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/ZipArchive.h"
#include "tests/frontend/PickleTestUtil.h"
#include "tests/frontend/ZipTestUtil.h"

namespace ts2onnx::frontend::testing {
namespace {

namespace fs = std::filesystem;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Sanitized debug builds run several times slower; the bound still catches hangs.
constexpr double kMaxSeconds = kSanitized ? 10.0 : 2.0;
constexpr uint64_t kMaxBytes = uint64_t{1} << 30;
// A run that exceeds this is killed and fails the test (a hang).
constexpr double kKillSeconds = 30.0;

struct RunResult {
  int exitStatus = -1; // -1 when killed by a signal
  int signal = 0;
  std::string stderrText;
  double seconds = 0;
  uint64_t maxRssBytes = 0;
};

/// Runs `ts2onnx convert <file> -o <out>` with the if_loop fixture's input types, stdout
/// discarded and stderr captured.
RunResult runCli(const std::string &file, const std::string &out) {
  RunResult r;
  int errPipe[2];
  REQUIRE(pipe(errPipe) == 0);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!kSanitized) { // ASan reserves terabytes of address space for its shadow
      struct rlimit lim = {kMaxBytes, kMaxBytes};
      setrlimit(RLIMIT_AS, &lim);
    }
    int devNull = open("/dev/null", O_WRONLY);
    dup2(devNull, 1);
    dup2(errPipe[1], 2);
    close(errPipe[0]);
    close(errPipe[1]);
    execl(TS2ONNX_CLI, TS2ONNX_CLI, "convert", file.c_str(), "-o", out.c_str(), "--input",
          "x:float32[batch,6]", "--input", "n:int64[]", static_cast<char *>(nullptr));
    _exit(127);
  }
  close(errPipe[1]);
  char buf[4096];
  bool killed = false;
  for (;;) {
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed > kKillSeconds && !killed) {
      kill(pid, SIGKILL);
      killed = true;
    }
    struct pollfd p = {errPipe[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0)
      continue;
    ssize_t n = read(errPipe[0], buf, sizeof buf);
    if (n <= 0)
      break;
    r.stderrText.append(buf, static_cast<size_t>(n));
  }
  close(errPipe[0]);
  int status = 0;
  struct rusage usage = {};
  wait4(pid, &status, 0, &usage);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.maxRssBytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  if (WIFEXITED(status))
    r.exitStatus = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    r.signal = WTERMSIG(status);
  return r;
}

class TempDir {
public:
  TempDir() {
    path_ = fs::temp_directory_path() / fmt::format("ts2onnx-hostile-{}", getpid());
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string &name, const std::string &bytes) const {
    fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  /// An empty folder `name` inside this one, made anew.
  std::string emptyDir(const std::string &name) const {
    fs::path p = path_ / name;
    fs::remove_all(p);
    fs::create_directories(p);
    return p.string();
  }

private:
  fs::path path_;
};

// ---- the fixture and ways to change it ------------------------------------------------------

const std::string kRoot = "model/";
const std::string kMainCode = "code/__torch__.py";

/// The records of fixtures/if_loop/model.pt, names relative to the root folder, in order.
const std::vector<TestEntry> &fixtureRecords() {
  static const std::vector<TestEntry> records = [] {
    auto zip = ZipArchive::open(TS2ONNX_SOURCE_DIR "/fixtures/if_loop/model.pt");
    REQUIRE(zip.ok());
    std::vector<TestEntry> out;
    for (const std::string &name : (*zip)->records()) {
      auto bytes = (*zip)->readString(name);
      REQUIRE(bytes.ok());
      out.push_back({name, *bytes});
    }
    return out;
  }();
  return records;
}

std::string fixtureBytes() {
  std::ifstream in(TS2ONNX_SOURCE_DIR "/fixtures/if_loop/model.pt", std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

BuiltZip zipRecords(std::vector<TestEntry> records) {
  for (TestEntry &e : records)
    e.name = kRoot + e.name;
  return buildZip(records);
}

/// The fixture re-zipped with record `name` replaced (or added) and records starting with any of
/// `drop` removed.
std::vector<TestEntry> changed(const std::string &name, const std::string &data,
                               const std::vector<std::string> &drop = {}) {
  std::vector<TestEntry> out;
  bool replaced = false;
  for (const TestEntry &e : fixtureRecords()) {
    if (std::any_of(drop.begin(), drop.end(),
                    [&](const std::string &d) { return e.name.rfind(d, 0) == 0; }))
      continue;
    if (e.name == name) {
      out.push_back({name, data});
      replaced = true;
    } else {
      out.push_back(e);
    }
  }
  if (!replaced && !name.empty())
    out.push_back({name, data});
  return out;
}

std::string withRecord(const std::string &name, const std::string &data) {
  return zipRecords(changed(name, data)).bytes;
}

std::string fixtureRecord(const std::string &name) {
  for (const TestEntry &e : fixtureRecords())
    if (e.name == name)
      return e.data;
  FAIL("fixture has no record " << name);
  return {};
}

std::string replaced(std::string text, const std::string &from, const std::string &to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

struct TensorSpec {
  std::string dtype = "Float";
  std::string key = "0";
  int64_t numel = 36;
  int64_t offset = 0;
  std::vector<int64_t> sizes = {6, 6};
  std::vector<int64_t> strides = {6, 1};
  // Sixth element of the persistent id (version-1 archives): 0 none, 1 None, 2 a view tuple.
  int view = 0;
};

void writeTensor(PickleWriter &p, const TensorSpec &t) {
  p.global("torch._utils", "_rebuild_tensor_v2").mark();
  if (t.view == 0) {
    p.storage(t.dtype, t.key, t.numel);
  } else {
    p.mark().str("storage").global("torch", t.dtype + "Storage").str(t.key).str("cpu");
    p.integer(t.numel);
    if (t.view == 1)
      p.none();
    else
      p.mark().str("1").integer(0).integer(t.numel).tuple();
    p.tuple().op('Q');
  }
  p.integer(t.offset);
  p.mark();
  for (int64_t s : t.sizes)
    p.integer(s);
  p.tuple().mark();
  for (int64_t s : t.strides)
    p.integer(s);
  p.tuple().boolean(true);
  p.global("collections", "OrderedDict").emptyTuple().reduce();
  p.tuple().reduce();
}

/// data.pkl of the if_loop fixture, written anew with the Linear's weight described by `weight`.
std::string ifLoopDataPkl(const TensorSpec &weight) {
  PickleWriter p;
  p.global("__torch__", "IfLoop").emptyTuple().newobj().emptyDict().mark();
  p.str("training").boolean(false).str("_is_full_backward_hook").none().str("lin");
  p.global("__torch__.torch.nn.modules.linear.___torch_mangle_9", "Linear");
  p.emptyTuple().newobj().emptyDict().mark().str("weight");
  writeTensor(p, weight);
  p.str("bias");
  writeTensor(p, TensorSpec{"Float", "1", 6, 0, {6}, {1}});
  p.str("training").boolean(false).str("_is_full_backward_hook").none();
  p.setitems().build().setitems().build();
  return p.done();
}

std::string withWeight(const TensorSpec &weight) {
  return withRecord("data.pkl", ifLoopDataPkl(weight));
}

/// A pickle that calls `module.name("id")`.
std::string callingPickle(const std::string &module, const std::string &name) {
  return PickleWriter().global(module, name).mark().str("id").tuple().reduce().done();
}

/// A one-entry zip whose central header carries a ZIP64 extra field with the given values.
std::string zipWithZip64Extra(uint64_t usize, uint64_t csize, uint64_t offset) {
  const std::string name = kRoot + "version", data = "3\n";
  std::string s;
  put32(s, 0x04034b50);
  put16(s, 45);
  put16(s, 0);
  put16(s, 0);
  put32(s, 0);
  put32(s, crcOf(data));
  put32(s, static_cast<uint32_t>(data.size()));
  put32(s, static_cast<uint32_t>(data.size()));
  put16(s, static_cast<uint16_t>(name.size()));
  put16(s, 0);
  s += name + data;
  size_t cd = s.size();
  put32(s, 0x02014b50);
  put16(s, 45);
  put16(s, 45);
  put16(s, 0);
  put16(s, 0);
  put32(s, 0);
  put32(s, crcOf(data));
  put32(s, 0xffffffff);
  put32(s, 0xffffffff);
  put16(s, static_cast<uint16_t>(name.size()));
  put16(s, 28);
  put16(s, 0);
  put16(s, 0);
  put16(s, 0);
  put32(s, 0);
  put32(s, 0xffffffff);
  s += name;
  put16(s, 0x0001);
  put16(s, 24);
  put64(s, usize);
  put64(s, csize);
  put64(s, offset);
  size_t cdSize = s.size() - cd;
  put32(s, 0x06054b50);
  put16(s, 0);
  put16(s, 0);
  put16(s, 1);
  put16(s, 1);
  put32(s, static_cast<uint32_t>(cdSize));
  put32(s, static_cast<uint32_t>(cd));
  put16(s, 0);
  return s;
}

std::string randomBytes(size_t n, uint64_t seed) {
  std::string s(n, '\0');
  for (char &c : s) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    c = static_cast<char>(seed >> 56);
  }
  return s;
}

std::string deepSource(const std::string &open, const std::string &close, int depth) {
  std::string expr;
  for (int i = 0; i < depth; ++i)
    expr += open;
  expr += "y0";
  for (int i = 0; i < depth; ++i)
    expr += close;
  return replaced(fixtureRecord(kMainCode), "return torch.sigmoid(y0)",
                  "return torch.sigmoid(" + expr + ")");
}

// ---- the cases -------------------------------------------------------------------------------

struct Case {
  std::string name;
  std::string bytes;
  std::string keyword; // must appear in the one stderr line
};

std::vector<Case> zipCases() {
  std::vector<Case> cases;
  const std::string real = fixtureBytes();
  cases.push_back({"empty file", "", "too small"});
  cases.push_back({"random bytes", randomBytes(4096, 1), "end of central directory"});
  cases.push_back({"random bytes after a zip signature", "PK\x03\x04" + randomBytes(8192, 2),
                   "end of central directory"});
  for (size_t at : {size_t{1}, size_t{30}, size_t{200}, real.size() / 2, real.size() - 200,
                    real.size() - 23, real.size() - 1})
    cases.push_back({fmt::format("fixture truncated to {} bytes", at), real.substr(0, at),
                     at < 22 ? "too small" : "end of central directory"});

  const std::vector<TestEntry> records = fixtureRecords();
  BuiltZip z = zipRecords(records);
  const size_t pkl = 2; // data.pkl is the third record of the fixture
  REQUIRE(records[pkl].name == "data.pkl");
  {
    std::string b = z.bytes;
    set32(b, z.centralOffsets[pkl] + 20, 0x7fffffff); // compressed size
    cases.push_back({"central compressed size past the end of the file", b, "runs past"});
  }
  {
    std::string b = z.bytes;
    set32(b, z.centralOffsets[pkl] + 24, 100000); // uncompressed size of a stored entry
    cases.push_back({"stored entry whose sizes disagree", b, "compressed size"});
  }
  {
    std::string b = z.bytes;
    set32(b, z.centralOffsets[pkl] + 42, 0x7ffffff0); // local header offset
    cases.push_back({"local header offset past the central directory", b, "local header"});
  }
  {
    std::string b = z.bytes;
    set32(b, z.centralOffsets[pkl] + 42, static_cast<uint32_t>(z.localOffsets[pkl] + 7));
    cases.push_back({"local header offset into the middle of a record", b, "local header"});
  }
  {
    std::string b = z.bytes;
    set64(b, z.zip64EocdOffset + 48, z.cdOffset + 1000000); // ZIP64 central directory offset
    set32(b, z.eocdOffset + 16, 0xffffffff);
    cases.push_back({"central directory offset past the end of the file", b, "central directory"});
  }
  {
    std::string b = z.bytes;
    set64(b, z.zip64EocdOffset + 24, 1000000); // entries on this disk
    set64(b, z.zip64EocdOffset + 32, 1000000); // entries in total
    set16(b, z.eocdOffset + 8, 0xffff);
    set16(b, z.eocdOffset + 10, 0xffff);
    cases.push_back({"entry count larger than the file can hold", b, "entries"});
  }
  {
    // data.pkl's (stored) size grows into the next record's local header.
    std::string b = z.bytes;
    uint32_t grown = static_cast<uint32_t>(z.localOffsets[pkl + 1] - z.dataOffsets[pkl] + 10);
    set32(b, z.centralOffsets[pkl] + 20, grown);
    set32(b, z.centralOffsets[pkl] + 24, grown);
    cases.push_back({"overlapping entries", b, "overlap"});
  }
  {
    // Two central entries sharing one local header: the second's name differs from it.
    std::string b = z.bytes;
    set32(b, z.centralOffsets[pkl] + 42, static_cast<uint32_t>(z.localOffsets[pkl - 1]));
    cases.push_back({"two entries sharing one local header", b, "local header"});
  }
  {
    std::vector<TestEntry> bomb = records;
    bomb[pkl] = {"data.pkl", std::string(size_t{64} << 20, '\0'), true};
    cases.push_back({"zip bomb: 64 MiB of zeros in data.pkl", zipRecords(bomb).bytes, "ratio"});
  }
  {
    // A deflated record whose central size claims 375 bytes but whose stream inflates to 8 MiB.
    std::vector<TestEntry> bomb = records;
    bomb[pkl] = {"data.pkl", std::string(size_t{8} << 20, '\x80'), true};
    BuiltZip bz = zipRecords(bomb);
    set32(bz.bytes, bz.centralOffsets[pkl] + 24, 375);
    cases.push_back(
        {"zip bomb: deflated stream longer than its declared size", bz.bytes, "data.pkl"});
  }
  cases.push_back(
      {"ZIP64 extra: offset near 2^64", zipWithZip64Extra(2, 2, UINT64_MAX - 1), "offset"});
  cases.push_back({"ZIP64 extra: compressed size near 2^64",
                   zipWithZip64Extra(UINT64_MAX, UINT64_MAX - 1, 0), "runs past"});
  {
    std::string b = z.bytes;
    set64(b, z.zip64EocdOffset + 48, UINT64_MAX - 8); // central directory offset
    set64(b, z.zip64EocdOffset + 40, 64);             // central directory size
    set32(b, z.eocdOffset + 16, 0xffffffff);
    set32(b, z.eocdOffset + 12, 0xffffffff);
    cases.push_back({"ZIP64 end record: offset + size overflows", b, "central directory"});
  }
  {
    std::string b = z.bytes;
    set64(b, z.zip64LocatorOffset + 8, UINT64_MAX - 3); // where the ZIP64 end record is
    set32(b, z.eocdOffset + 16, 0xffffffff);
    cases.push_back({"ZIP64 locator pointing past 2^64", b, "ZIP64"});
  }
  {
    std::vector<TestEntry> r = records;
    r.push_back({"data.pkl", "garbage"});
    cases.push_back({"two entries with the same name", zipRecords(r).bytes, "duplicate"});
  }
  {
    std::string b = z.bytes;
    set16(b, z.centralOffsets[pkl] + 8, 1); // general-purpose flag bit 0: encrypted
    cases.push_back({"encrypted entry", b, "encrypted"});
  }
  {
    std::vector<TestEntry> r = records;
    r.push_back({"code/\xff\xfe.py", "x = 1\n"});
    cases.push_back({"non-UTF-8 entry name", zipRecords(r).bytes, "UTF-8"});
  }
  {
    std::vector<TestEntry> r = records;
    r.push_back({"../../../etc/passwd", "root::0:0::/:/bin/sh\n"});
    cases.push_back({"path traversal in an entry name", zipRecords(r).bytes, ".."});
  }
  {
    std::vector<TestEntry> r = records;
    for (TestEntry &e : r)
      e.name = "/" + kRoot + e.name;
    cases.push_back({"absolute entry names", buildZip(r).bytes, "absolute"});
  }
  return cases;
}

std::vector<Case> pickleCases() {
  std::vector<Case> cases;
  for (auto [module, name] : {std::pair<std::string, std::string>{"os", "system"},
                              {"builtins", "eval"},
                              {"subprocess", "Popen"},
                              {"posix", "system"},
                              {"builtins", "__import__"},
                              {"builtins", "getattr"},
                              {"shutil", "rmtree"},
                              {"torch", "load"}})
    cases.push_back({fmt::format("pickle calling {}.{}", module, name),
                     withRecord("data.pkl", callingPickle(module, name)),
                     fmt::format("{}.{}", module, name)});
  cases.push_back({"constants.pkl calling os.system",
                   withRecord("constants.pkl", callingPickle("os", "system")), "os.system"});
  {
    // A list that contains itself: walking it naively never ends.
    PickleWriter p;
    p.emptyList().put(0).get(0).op('a');
    cases.push_back(
        {"pickle: a list that contains itself", withRecord("data.pkl", p.done()), "data.pkl"});
  }
  {
    PickleWriter p;
    for (int i = 0; i < 100000; ++i)
      p.emptyList();
    for (int i = 0; i < 99999; ++i)
      p.op('a');
    cases.push_back({"pickle: lists nested 100000 deep", withRecord("data.pkl", p.done()), "deep"});
  }
  {
    PickleWriter p;
    for (int i = 0; i < 200000; ++i)
      p.mark();
    cases.push_back({"pickle: 200000 open MARKs", withRecord("data.pkl", p.done()), "MARK"});
  }
  {
    PickleWriter p;
    p.none().op('r').le(0xfffffff0u, 4);
    cases.push_back({"pickle: memo index near 2^32", withRecord("data.pkl", p.done()), "memo"});
  }
  {
    PickleWriter p;
    p.none();
    for (uint32_t i = 0; i < 200000; ++i)
      p.put(i);
    cases.push_back({"pickle: 200000 memo entries", withRecord("data.pkl", p.done()), "memo"});
  }
  {
    // Each step doubles a tuple through the memo: 2^40 elements if expanded.
    PickleWriter p;
    p.none().put(0).op('0');
    for (uint32_t i = 0; i < 40; ++i)
      p.get(i).get(i).op('\x86').put(i + 1).op('0');
    p.get(40);
    cases.push_back({"pickle: memo references doubling 40 times", withRecord("data.pkl", p.done()),
                     "data.pkl"});
  }
  {
    // BINUNICODE8 announcing 2^62 bytes: the length must be checked before anything is reserved.
    PickleWriter p;
    p.op('\x8d').le(uint64_t{1} << 62, 8).raw("abc");
    cases.push_back(
        {"pickle: string length of 2^62", withRecord("data.pkl", p.done()), "string of"});
  }
  {
    // An object whose state holds the object itself: a cycle through BUILD.
    PickleWriter p;
    p.global("__torch__", "IfLoop").emptyTuple().newobj().put(0).emptyDict();
    p.str("self").get(0).op('s').build();
    cases.push_back(
        {"pickle: a module whose attribute is itself", withRecord("data.pkl", p.done()), "cycle"});
  }
  cases.push_back({"pickle: truncated data.pkl",
                   withRecord("data.pkl", fixtureRecord("data.pkl").substr(0, 200)), "data.pkl"});
  cases.push_back({"pickle: class that code/ does not define",
                   withRecord("data.pkl", PickleWriter()
                                              .global("__torch__", "Evil")
                                              .emptyTuple()
                                              .newobj()
                                              .emptyDict()
                                              .build()
                                              .done()),
                   "__torch__.Evil"});
  return cases;
}

std::vector<Case> tensorCases() {
  std::vector<Case> cases;
  cases.push_back(
      {"storage shorter than its tensor", withRecord("data/0", std::string(16, '\0')), "storage"});
  cases.push_back(
      {"storage record missing", zipRecords(changed("", "", {"data/0"})).bytes, "data/0"});
  auto weight = [](auto change) {
    TensorSpec t;
    change(t);
    return withWeight(t);
  };
  cases.push_back({"negative size", weight([](TensorSpec &t) { t.sizes = {-1, 6}; }), "size"});
  cases.push_back({"enormous sizes", weight([](TensorSpec &t) {
                     t.sizes = {int64_t{1} << 40, int64_t{1} << 40};
                   }),
                   "data.pkl"});
  cases.push_back({"negative stride", weight([](TensorSpec &t) {
                     t.strides = {6, -1};
                   }),
                   "stride"});
  cases.push_back({"enormous stride", weight([](TensorSpec &t) {
                     t.strides = {int64_t{1} << 62, 1};
                   }),
                   "data.pkl"});
  cases.push_back(
      {"negative storage offset", weight([](TensorSpec &t) { t.offset = -5; }), "offset"});
  cases.push_back({"storage offset past the storage",
                   weight([](TensorSpec &t) { t.offset = 1000; }), "data.pkl"});
  cases.push_back({"enormous storage numel",
                   weight([](TensorSpec &t) { t.numel = int64_t{1} << 62; }), "storage"});
  cases.push_back({"negative storage numel", weight([](TensorSpec &t) { t.numel = -36; }),
                   "negative element count"});
  cases.push_back(
      {"unknown storage type", weight([](TensorSpec &t) { t.dtype = "Evil"; }), "EvilStorage"});
  cases.push_back({"persistent id with pre-1.0 view metadata",
                   weight([](TensorSpec &t) { t.view = 2; }), "view metadata"});
  cases.push_back({"sizes and strides of different rank",
                   weight([](TensorSpec &t) { t.strides = {1}; }), "stride"});
  return cases;
}

std::vector<Case> recordCases() {
  std::vector<Case> cases;
  cases.push_back({"missing code/", zipRecords(changed("", "", {"code/"})).bytes, "IfLoop"});
  cases.push_back(
      {"missing data.pkl", zipRecords(changed("", "", {"data.pkl"})).bytes, "data.pkl"});
  cases.push_back({"missing version", zipRecords(changed("", "", {"version"})).bytes, "version"});
  cases.push_back({"version record from the future", withRecord("version", "99\n"), "version 99"});
  cases.push_back(
      {"version record of 2^64", withRecord("version", "18446744073709551617\n"), "version"});
  cases.push_back(
      {"version record that is not a number", withRecord("version", "3; rm -rf /\n"), "version"});
  cases.push_back({"big-endian byteorder", withRecord("byteorder", "big"), "byteorder"});
  return cases;
}

std::vector<Case> sourceCases() {
  std::vector<Case> cases;
  const std::string code = fixtureRecord(kMainCode);
  cases.push_back(
      {"source with a syntax error",
       withRecord(kMainCode, replaced(code, "return torch.sigmoid(y0)", "return torch.sigmoid(y0")),
       "__torch__.py:"});
  cases.push_back({"source with a bad indentation",
                   withRecord(kMainCode, replaced(code, "    y0 = y\n", "     y0 = y\n")),
                   "indent"});
  cases.push_back({"source calling an unknown operator",
                   withRecord(kMainCode, replaced(code, "torch.sigmoid", "torch.frobnicate")),
                   "frobnicate"});
  cases.push_back({"source calling an unknown method",
                   withRecord(kMainCode, replaced(code, "(lin).forward", "(lin).explode")),
                   "explode"});
  cases.push_back({"source 10000 parentheses deep",
                   withRecord(kMainCode, deepSource("(", ")", 10000)), "nested too deeply"});
  cases.push_back({"source 10000 brackets deep", withRecord(kMainCode, deepSource("[", "]", 10000)),
                   "nested too deeply"});
  cases.push_back({"source 10000 unary minus deep",
                   withRecord(kMainCode, deepSource("-", "", 10000)), "nested too deeply"});
  cases.push_back({"source 10000 calls deep",
                   withRecord(kMainCode, deepSource("torch.neg(", ")", 10000)),
                   "nested too deeply"});
  {
    std::string blocks, indent = "    ";
    for (int i = 0; i < 2000; ++i) {
      blocks += indent + "if True:\n";
      indent += " ";
    }
    blocks += indent + "y0 = y\n";
    cases.push_back({"source with if-blocks 2000 deep",
                     withRecord(kMainCode, replaced(code, "    y0 = y\n", blocks)),
                     "nested too deeply"});
  }
  cases.push_back({"source that is not UTF-8",
                   withRecord(kMainCode, replaced(code, "y0 = y", "y0 = y # \xff\xfe")), "UTF-8"});
  cases.push_back({"source with a NUL byte",
                   withRecord(kMainCode, replaced(code, "y0 = y", std::string("y0 = y\0", 7))),
                   "__torch__.py:"});
  cases.push_back({"empty source", withRecord(kMainCode, ""), "IfLoop"});
  return cases;
}

struct Summary {
  int handled = 0, total = 0;
  double maxSeconds = 0;
  uint64_t maxRss = 0;
};

void expectRejected(const std::vector<Case> &cases, const char *group) {
  TempDir dir;
  Summary sum;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case &c = cases[i];
    std::string path = dir.write(fmt::format("case{}.pt", i), c.bytes);
    std::string outDir = dir.emptyDir("out");
    RunResult r = runCli(path, outDir + "/model.onnx");
    std::vector<std::string> leftOver;
    for (const auto &e : fs::directory_iterator(outDir))
      leftOver.push_back(e.path().filename().string());
    std::string line = r.stderrText;
    bool oneLine =
        !line.empty() && line.back() == '\n' && std::count(line.begin(), line.end(), '\n') == 1;
    bool ok = r.signal == 0 && r.exitStatus == 1 && oneLine &&
              line.find(c.keyword) != std::string::npos && r.seconds <= kMaxSeconds &&
              r.maxRssBytes <= kMaxBytes && leftOver.empty();
    if (std::getenv("TS2ONNX_HOSTILE_VERBOSE"))
      MESSAGE(fmt::format("{}: exit {}, {:.3f} s, {} MiB: {}", c.name, r.exitStatus, r.seconds,
                          r.maxRssBytes >> 20, r.stderrText));
    INFO("case: ", c.name);
    INFO("stderr: ", r.stderrText);
    INFO("exit ", r.exitStatus, ", signal ", r.signal, ", ", r.seconds, " s, ", r.maxRssBytes >> 20,
         " MiB");
    CHECK(r.signal == 0);
    CHECK(r.exitStatus == 1);
    CHECK(oneLine);
    CHECK(line.find(c.keyword) != std::string::npos);
    CHECK(r.seconds <= kMaxSeconds);
    CHECK(r.maxRssBytes <= kMaxBytes);
    INFO("left in the output folder: ", fmt::format("{}", fmt::join(leftOver, ", ")));
    CHECK(leftOver.empty());
    ++sum.total;
    sum.handled += ok;
    sum.maxSeconds = std::max(sum.maxSeconds, r.seconds);
    sum.maxRss = std::max(sum.maxRss, r.maxRssBytes);
  }
  MESSAGE(fmt::format("hostile {}: {} of {} handled; slowest {:.3f} s; largest {} MiB RSS", group,
                      sum.handled, sum.total, sum.maxSeconds, sum.maxRss >> 20));
}

TEST_CASE("the fixture rebuilt by this test's helpers still compiles") {
  TempDir dir;
  TensorSpec v1;
  v1.view = 1; // ('storage', FloatStorage, '0', 'cpu', 36, None) as torch ~1.3 wrote it
  for (const std::string &bytes :
       {zipRecords(fixtureRecords()).bytes, withWeight(TensorSpec{}), withWeight(v1)}) {
    std::string outDir = dir.emptyDir("out");
    RunResult r = runCli(dir.write("control.pt", bytes), outDir + "/model.onnx");
    INFO("stderr: ", r.stderrText);
    CHECK(r.exitStatus == 0);
    CHECK(r.stderrText.find("ts2onnx convert: wrote") == 0);
    CHECK(fs::is_regular_file(outDir + "/model.onnx"));
  }
}

TEST_CASE("hostile zip containers fail with one line naming the problem") {
  expectRejected(zipCases(), "zip");
}

TEST_CASE("pickles that name dangerous globals or exhaust memory are refused") {
  expectRejected(pickleCases(), "pickle");
}

TEST_CASE("tensors that do not fit their storage are refused") {
  expectRejected(tensorCases(), "tensor");
}

TEST_CASE("missing, future or malformed records are refused") {
  expectRejected(recordCases(), "records");
}

TEST_CASE("hostile source fails with one line naming the problem") {
  expectRejected(sourceCases(), "source");
}

} // namespace
} // namespace ts2onnx::frontend::testing
