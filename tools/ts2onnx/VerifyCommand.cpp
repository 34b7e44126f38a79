// `ts2onnx verify`: runs an ONNX model in onnxruntime (onnxruntime-node, through
// ort_runner.js) on raw input files and compares every output with files recorded from torch:
// |a - b| <= atol + rtol * |b| element-wise, as onnxruntime's and torch's tests do.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tools/ts2onnx/Commands.h"
#include "tools/ts2onnx/Flags.h"
#include "tools/ts2onnx/OnnxFile.h"

extern char **environ;

namespace ts2onnx::tool {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Feed {
  std::string name, file;
  std::string dtype;
  std::vector<int64_t> dims;
};

std::string envOr(const char *name, const char *fallback) {
  const char *v = std::getenv(name);
  return v && *v ? std::string(v) : std::string(fallback);
}

std::string nodeExecutable() {
#ifdef TS2ONNX_NODE_DEFAULT
  return envOr("TS2ONNX_NODE", TS2ONNX_NODE_DEFAULT);
#else
  return envOr("TS2ONNX_NODE", "node");
#endif
}

/// Where onnxruntime-node is looked for, in order: $TS2ONNX_ORT_DIR, <prefix>/share/ts2onnx/node
/// beside an installed binary (<prefix>/bin/ts2onnx), <build>/node beside a binary in a build
/// tree (<build>/tools/ts2onnx/ts2onnx). Each holds node_modules/onnxruntime-node.
std::vector<std::string> ortDirCandidates() {
  if (const char *v = std::getenv("TS2ONNX_ORT_DIR"); v && *v)
    return {v};
  std::vector<std::string> dirs;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path bin = self.parent_path();
    dirs.push_back((bin.parent_path() / "share" / "ts2onnx" / "node").string());
    dirs.push_back((bin.parent_path().parent_path() / "node").string());
  }
  return dirs;
}

/// The first candidate holding onnxruntime-node, else "" (the runner then tries Node's own
/// module path and, failing, names the candidates and how to install the package).
std::string ortDir() {
  for (const std::string &d : ortDirCandidates())
    if (fs::exists(fs::path(d) / "node_modules" / "onnxruntime-node" / "package.json"))
      return d;
  return "";
}

/// The runner script: $TS2ONNX_ORT_RUNNER, else beside the sources (build tree), else
/// <prefix>/share/ts2onnx/ort_runner.js next to an installed binary.
std::string runnerScript() {
  if (const char *v = std::getenv("TS2ONNX_ORT_RUNNER"); v && *v)
    return v;
#ifdef TS2ONNX_ORT_RUNNER_DEFAULT
  if (fs::exists(TS2ONNX_ORT_RUNNER_DEFAULT))
    return TS2ONNX_ORT_RUNNER_DEFAULT;
#endif
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path p = self.parent_path().parent_path() / "share" / "ts2onnx" / "ort_runner.js";
    if (fs::exists(p))
      return p.string();
  }
  return "ort_runner.js";
}

absl::StatusOr<std::string> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

absl::StatusOr<std::vector<int64_t>> parseDims(const std::string &text) {
  std::vector<int64_t> dims;
  if (text.empty())
    return dims;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string d = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (d.empty() || !std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return absl::InvalidArgumentError(fmt::format("invalid dims '{}'", text));
    dims.push_back(std::stoll(d));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return dims;
}

int64_t numelOf(const std::vector<int64_t> &dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

std::string dimsStr(const std::vector<int64_t> &dims) {
  return fmt::format("[{}]", fmt::join(dims, ","));
}

/// The shape meta.json records for a file (matched by file name), searching inputs, outputs and
/// the second sets.
std::optional<std::vector<int64_t>> metaShape(const json &meta, const std::string &file) {
  std::string base = fs::path(file).filename().string();
  for (const char *key : {"inputs", "outputs", "inputs2", "outputs2"}) {
    if (!meta.contains(key) || !meta[key].is_array())
      continue;
    for (const json &e : meta[key])
      if (e.is_object() && e.value("file", "") == base && e.contains("shape") &&
          e["shape"].is_array()) {
        std::vector<int64_t> dims;
        for (const json &d : e["shape"])
          dims.push_back(d.get<int64_t>());
        return dims;
      }
  }
  return std::nullopt;
}

/// Element i of raw little-endian data of `dtype` as a double.
double elementAt(const std::string &bytes, const std::string &dtype, size_t i) {
  const char *p = bytes.data();
  auto load = [&](auto zero) {
    decltype(zero) v;
    std::memcpy(&v, p + i * sizeof(v), sizeof(v));
    return static_cast<double>(v);
  };
  if (dtype == "float32")
    return load(float{});
  if (dtype == "float64")
    return load(double{});
  if (dtype == "int64")
    return load(int64_t{});
  if (dtype == "int32")
    return load(int32_t{});
  if (dtype == "int16")
    return load(int16_t{});
  if (dtype == "int8")
    return load(int8_t{});
  if (dtype == "uint8" || dtype == "bool")
    return load(uint8_t{});
  if (dtype == "float16") {
    uint16_t h;
    std::memcpy(&h, p + i * 2, 2);
    int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v;
    if (exp == 0)
      v = std::ldexp(mant, -24);
    else if (exp == 31)
      v = mant ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
    else
      v = std::ldexp(mant + 1024, exp - 25);
    return sign ? -v : v;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

size_t dtypeSize(const std::string &dtype) {
  if (dtype == "float64" || dtype == "int64")
    return 8;
  if (dtype == "float32" || dtype == "int32")
    return 4;
  if (dtype == "float16" || dtype == "int16")
    return 2;
  return 1;
}

absl::Status runNode(const std::vector<std::string> &argv) {
  std::vector<char *> cargv;
  for (const std::string &a : argv)
    cargv.push_back(const_cast<char *>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0].c_str(), nullptr, nullptr, cargv.data(), environ);
  if (rc != 0)
    return absl::FailedPreconditionError(
        fmt::format("cannot run '{}' (Node.js, needed to run onnxruntime-node; set "
                    "TS2ONNX_NODE): {}",
                    argv[0], std::strerror(rc)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return absl::InternalError(fmt::format("waitpid: {}", std::strerror(errno)));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return absl::InternalError("onnxruntime run failed (see the message above)");
  return absl::OkStatus();
}

/// A NumPy .npy file (format 1.0 to 3.0): its dtype in our names, its shape and its data.
struct Npy {
  std::string dtype;
  std::vector<int64_t> dims;
  std::string data;
};

/// `bytes` read as a .npy file; nullopt when it does not start with the .npy magic (a raw file).
/// Only little-endian, C-order arrays of the dtypes verify knows are accepted.
absl::StatusOr<std::optional<Npy>> parseNpy(const std::string &path, const std::string &bytes) {
  static constexpr char kMagic[] = "\x93NUMPY";
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0)
    return std::nullopt;
  auto bad = [&](const std::string &why) {
    return absl::InvalidArgumentError(
        fmt::format("'{}': not a .npy file verify can read: {}", path, why));
  };
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t lenBytes = major == 1 ? 2 : 4;
  if (major < 1 || major > 3 || bytes.size() < 8 + lenBytes)
    return bad(fmt::format("format version {}", major));
  size_t headerLen = 0;
  for (size_t i = 0; i < lenBytes; ++i)
    headerLen |= size_t(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
  size_t start = 8 + lenBytes;
  if (headerLen > bytes.size() - start)
    return bad("the header runs past the end of the file");
  std::string header = bytes.substr(start, headerLen);
  // The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3),
  // }
  auto field = [&](const char *key) -> std::optional<std::string> {
    size_t k = header.find(fmt::format("'{}':", key));
    if (k == std::string::npos)
      return std::nullopt;
    size_t v = header.find_first_not_of(' ', k + std::strlen(key) + 3);
    if (v == std::string::npos)
      return std::nullopt;
    char open = header[v];
    bool quoted = open == '(' || open == '\'';
    size_t e = header.find(open == '(' ? ')' : open == '\'' ? '\'' : ',', v + 1);
    if (e == std::string::npos)
      return std::nullopt;
    return quoted ? header.substr(v + 1, e - v - 1) : header.substr(v, e - v);
  };
  auto descr = field("descr"), order = field("fortran_order"), shape = field("shape");
  if (!descr || !order || !shape)
    return bad("the header lacks descr, fortran_order or shape");
  if (*order != "False")
    return bad("Fortran order (save a C-contiguous array)");
  static const std::map<std::string, std::string> kDtypes = {
      {"<f4", "float32"}, {"<f8", "float64"}, {"<f2", "float16"},
      {"<i8", "int64"},   {"<i4", "int32"},   {"<i2", "int16"},
      {"|i1", "int8"},    {"|u1", "uint8"},   {"|b1", "bool"}};
  auto dt = kDtypes.find(*descr);
  if (dt == kDtypes.end())
    return bad(fmt::format("dtype '{}' (little-endian float16/32/64, int8/16/32/64, uint8 or bool)",
                           *descr));
  Npy npy;
  npy.dtype = dt->second;
  for (size_t p = 0; p < shape->size();) {
    size_t e = shape->find(',', p);
    std::string item = shape->substr(p, e == std::string::npos ? std::string::npos : e - p);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) {
      if (item.find_first_not_of("0123456789") != std::string::npos || item.size() > 15)
        return bad(fmt::format("shape ({})", *shape));
      npy.dims.push_back(std::stoll(item));
    }
    if (e == std::string::npos)
      break;
    p = e + 1;
  }
  npy.data = bytes.substr(start + headerLen);
  uint64_t want = static_cast<uint64_t>(numelOf(npy.dims)) * dtypeSize(npy.dtype);
  if (npy.data.size() != want)
    return bad(fmt::format("{} data bytes for {}{}, which needs {}", npy.data.size(), npy.dtype,
                           dimsStr(npy.dims), want));
  return npy;
}

/// IEEE half-precision bits of `v` (round to nearest; values too small for a normal half
/// become zero, which random data in [-1, 1) hardly meets).
uint16_t halfBits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  uint16_t sign = static_cast<uint16_t>((b >> 16) & 0x8000);
  int exp = static_cast<int>((b >> 23) & 0xff) - 127 + 15;
  uint32_t mant = b & 0x7fffff;
  if (exp <= 0)
    return sign;
  if (exp >= 31)
    return static_cast<uint16_t>(sign | 0x7c00);
  uint32_t h = (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  if (mant & 0x1000) // round half up on the dropped bits
    ++h;
  return static_cast<uint16_t>(sign | h);
}

/// Seeded random data for model input `vi` (its static dims, 2 for dynamic ones), written to
/// `path`: floats uniform in [-1, 1), integers in [0, 10), bools 0/1. The same input index
/// always gets the same data, so a smoke run is repeatable.
absl::StatusOr<Feed> randomFeed(const onnx::ValueInfoProto &vi, const std::string &path,
                                size_t index) {
  const auto &tt = vi.type().tensor_type();
  auto dtype = onnxDtypeName(tt.elem_type());
  if (!dtype)
    return absl::UnimplementedError(
        fmt::format("input '{}' has a type --random cannot make", vi.name()));
  Feed f;
  f.name = vi.name();
  f.dtype = *dtype;
  f.file = path;
  for (int k = 0; k < tt.shape().dim_size(); ++k)
    f.dims.push_back(tt.shape().dim(k).has_dim_value() ? tt.shape().dim(k).dim_value() : 2);
  int64_t n = numelOf(f.dims);
  if (n < 0 || n > (int64_t(1) << 28))
    return absl::InvalidArgumentError(fmt::format("input '{}': {}{} is too large for --random",
                                                  f.name, f.dtype, dimsStr(f.dims)));
  uint64_t state = 0x9e3779b97f4a7c15ULL * (index + 1);
  auto next = [&] { // xorshift64*
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (state * 0x2545f4914f6cdd1dULL) >> 11; // 53 random bits
  };
  std::string bytes;
  bytes.reserve(static_cast<size_t>(n) * dtypeSize(f.dtype));
  auto put = [&](const auto &v) { bytes.append(reinterpret_cast<const char *>(&v), sizeof v); };
  for (int64_t i = 0; i < n; ++i) {
    double u = static_cast<double>(next()) / static_cast<double>(uint64_t(1) << 53);
    double x = 2 * u - 1;
    int64_t k = static_cast<int64_t>(u * 10);
    if (f.dtype == "float32")
      put(static_cast<float>(x));
    else if (f.dtype == "float64")
      put(x);
    else if (f.dtype == "float16")
      put(halfBits(static_cast<float>(x)));
    else if (f.dtype == "int64")
      put(k);
    else if (f.dtype == "int32")
      put(static_cast<int32_t>(k));
    else if (f.dtype == "int16")
      put(static_cast<int16_t>(k));
    else if (f.dtype == "int8")
      put(static_cast<int8_t>(k));
    else if (f.dtype == "uint8")
      put(static_cast<uint8_t>(k));
    else if (f.dtype == "bool")
      put(static_cast<uint8_t>(u < 0.5));
    else
      return absl::UnimplementedError(
          fmt::format("input '{}' has a type --random cannot make", vi.name()));
  }
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out)
    return absl::InternalError("cannot write " + path);
  return f;
}

struct TempDir {
  fs::path path;
  ~TempDir() {
    if (!path.empty()) {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  }
};

} // namespace

int runVerify(const std::vector<std::string> &args) {
  std::string model, rtolText = "1e-3", atolText = "1e-5", metaFile;
  std::vector<std::string> inputs, expects;
  bool scaleAtol = false, random = false;
  FlagParser parser(
      "ts2onnx verify MODEL.onnx --input NAME=FILE.bin ... --expect FILE.bin ... [options]",
      "Runs MODEL in onnxruntime (onnxruntime-node) on raw little-endian input files and\n"
      "compares every output with the expected raw files: |a - b| <= atol + rtol * |b|.\n"
      "Dtypes come from the model; dynamic dims from NAME=FILE:d0,d1,..., from --meta, or\n"
      "from the file size when one dim is unknown. A NumPy .npy file (np.save) may stand for\n"
      "any raw file: its header gives the dtype (checked against the model) and the shape.\n"
      "Prints the max errors per output and\n"
      "PASS/FAIL; exit code 0 on PASS.\n"
      "Environment: TS2ONNX_NODE (node), TS2ONNX_ORT_DIR (dir with "
      "node_modules/onnxruntime-node; default <prefix>/share/ts2onnx/node),\n"
      "TS2ONNX_ORT_RUNNER (ort_runner.js).");
  parser.addPositional("MODEL", &model, "ONNX model file");
  parser.addList("input", &inputs, "NAME=FILE[:d0,d1,...]", "Raw data (or .npy) of input NAME",
                 /*splitCommas=*/false);
  parser.addList("expect", &expects, "[NAME=]FILE[:d0,d1,...]",
                 "Expected raw data of the next output (or of output NAME), of shape d0,d1,... "
                 "(else from --meta, a meta.json beside FILE, or the model's static shape)",
                 false);
  parser.addString("rtol", &rtolText, "X", "Relative tolerance (default 1e-3)");
  parser.addString("atol", &atolText, "X", "Absolute tolerance (default 1e-5)");
  parser.addBool("scale-atol", &scaleAtol,
                 "Scale atol by each output's largest expected magnitude when above 1, for "
                 "outputs with large activations");
  parser.addBool("random", &random,
                 "Feed inputs given no --input with seeded random data of the model's shape "
                 "(dynamic dims 2; floats in [-1, 1), ints in [0, 10), bools): a smoke run, "
                 "--expect optional");
  parser.addString("meta", &metaFile, "FILE",
                   "A fixture's meta.json: shapes of the .bin files it lists");
  if (absl::Status s = parser.parse(args); !s.ok())
    return reportUsageError("verify", s);
  if (parser.helpRequested()) {
    std::cout << parser.helpText();
    return kExitOk;
  }
  auto usage = [](std::string m) {
    return reportUsageError("verify", absl::InvalidArgumentError(std::move(m)));
  };
  char *end = nullptr;
  double rtol = std::strtod(rtolText.c_str(), &end);
  if (*end || rtol < 0)
    return usage(fmt::format("invalid --rtol '{}'", rtolText));
  double atol = std::strtod(atolText.c_str(), &end);
  if (*end || atol < 0)
    return usage(fmt::format("invalid --atol '{}'", atolText));

  auto proto = readOnnxModel(model);
  if (!proto.ok())
    return reportError("verify", proto.status());
  const onnx::GraphProto &g = proto->graph();
  json meta = json::object();
  if (!metaFile.empty()) {
    auto text = readFile(metaFile);
    if (!text.ok())
      return reportError("verify", text.status());
    meta = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (meta.is_discarded())
      return reportError(
          "verify", absl::InvalidArgumentError(fmt::format("'{}' is not valid JSON", metaFile)));
  }

  // Model inputs that need data (initializers listed as inputs have a default).
  std::vector<const onnx::ValueInfoProto *> modelInputs;
  for (const auto &vi : g.input()) {
    bool isInit = std::any_of(g.initializer().begin(), g.initializer().end(),
                              [&](const auto &t) { return t.name() == vi.name(); });
    if (!isInit)
      modelInputs.push_back(&vi);
  }
  // Scratch space: the data of .npy inputs, the runner's job and its results.
  TempDir tmp;
  {
    std::string tmpl = (fs::temp_directory_path() / "ts2onnx-verify.XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data()))
      return reportError("verify",
                         absl::InternalError(fmt::format("cannot create a temporary directory: {}",
                                                         std::strerror(errno))));
    tmp.path = buf.data();
  }
  std::vector<Feed> feeds;
  for (const std::string &spec : inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return usage(fmt::format("--input '{}' is not NAME=FILE[:d0,d1,...]", spec));
    Feed f;
    f.name = spec.substr(0, eq);
    f.file = spec.substr(eq + 1);
    std::optional<std::vector<int64_t>> dims;
    if (size_t colon = f.file.rfind(':'); colon != std::string::npos) {
      std::string tail = f.file.substr(colon + 1);
      if (tail.find_first_not_of("0123456789,") == std::string::npos && !fs::exists(f.file)) {
        auto d = parseDims(tail);
        if (!d.ok())
          return reportUsageError("verify", d.status());
        dims = *d;
        f.file = f.file.substr(0, colon);
      }
    }
    auto it = std::find_if(modelInputs.begin(), modelInputs.end(),
                           [&](const auto *vi) { return vi->name() == f.name; });
    if (it == modelInputs.end()) {
      std::string names;
      for (const auto *vi : modelInputs)
        names += (names.empty() ? "" : ", ") + vi->name();
      return usage(fmt::format("--input '{}': the model has no input '{}' (inputs: {})", spec,
                               f.name, names));
    }
    const auto &tt = (*it)->type().tensor_type();
    auto dtype = onnxDtypeName(tt.elem_type());
    if (!dtype)
      return reportError("verify", absl::UnimplementedError(fmt::format(
                                       "input '{}' has a type verify cannot feed", f.name)));
    f.dtype = *dtype;
    if (auto bytes = readFile(f.file); bytes.ok()) {
      auto npy = parseNpy(f.file, *bytes);
      if (!npy.ok())
        return reportError("verify", npy.status());
      if (*npy) {
        if ((*npy)->dtype != f.dtype)
          return reportError("verify", absl::InvalidArgumentError(
                                           fmt::format("input '{}': '{}' holds {}, the model "
                                                       "needs {}",
                                                       f.name, f.file, (*npy)->dtype, f.dtype)));
        if (!dims)
          dims = (*npy)->dims;
        f.file = (tmp.path / fmt::format("input_{}.bin", feeds.size())).string();
        std::ofstream out(f.file, std::ios::binary);
        out.write((*npy)->data.data(), static_cast<std::streamsize>((*npy)->data.size()));
        if (!out)
          return reportError("verify", absl::InternalError("cannot write " + f.file));
      }
    }
    std::error_code ec;
    auto size = fs::file_size(f.file, ec);
    if (ec)
      return reportError(
          "verify", absl::NotFoundError(fmt::format("cannot read '{}': {}", f.file, ec.message())));
    if (!dims)
      dims = metaShape(meta, f.file);
    if (!dims) {
      // The model's dims; one unknown dim follows from the file size.
      std::vector<int64_t> d;
      int unknown = -1, known = 1;
      for (int k = 0; k < tt.shape().dim_size(); ++k) {
        const auto &dim = tt.shape().dim(k);
        if (dim.has_dim_value()) {
          d.push_back(dim.dim_value());
          known *= static_cast<int>(dim.dim_value());
        } else if (unknown < 0) {
          unknown = k;
          d.push_back(-1);
        } else {
          return usage(fmt::format("--input {}: the model's shape {} has several dynamic dims; "
                                   "give them as {}=FILE:d0,d1,... or with --meta",
                                   f.name, formatValueType((*it)->type()), f.name));
        }
      }
      if (unknown >= 0)
        d[static_cast<size_t>(unknown)] =
            known == 0 ? 0 : static_cast<int64_t>(size / dtypeSize(f.dtype)) / known;
      dims = d;
    }
    f.dims = *dims;
    uint64_t want = static_cast<uint64_t>(numelOf(f.dims)) * dtypeSize(f.dtype);
    if (size != want)
      return reportError("verify", absl::InvalidArgumentError(fmt::format(
                                       "input '{}': '{}' has {} bytes, {}{} needs {}", f.name,
                                       f.file, size, f.dtype, dimsStr(f.dims), want)));
    feeds.push_back(std::move(f));
  }
  for (const auto *vi : modelInputs) {
    if (std::any_of(feeds.begin(), feeds.end(),
                    [&](const Feed &f) { return f.name == vi->name(); }))
      continue;
    if (random) {
      auto f = randomFeed(*vi, (tmp.path / fmt::format("random_{}.bin", feeds.size())).string(),
                          feeds.size());
      if (!f.ok())
        return reportError("verify", f.status());
      std::cout << fmt::format("{}: random {}{}\n", f->name, f->dtype, dimsStr(f->dims));
      feeds.push_back(*std::move(f));
      continue;
    }
    return usage(fmt::format("missing --input {}=FILE for model input '{}' ({})", vi->name(),
                             vi->name(), formatValueType(vi->type())));
  }

  // Expected files per output.
  std::vector<std::string> expectFor(static_cast<size_t>(g.output_size()));
  std::map<std::string, std::vector<int64_t>> expectDims; // FILE:d0,d1,... given on the line
  size_t nextPositional = 0;
  for (const std::string &spec : expects) {
    size_t eq = spec.find('=');
    int index = -1;
    if (eq != std::string::npos)
      for (int k = 0; k < g.output_size(); ++k)
        if (g.output(k).name() == spec.substr(0, eq))
          index = k;
    std::string file = index >= 0 ? spec.substr(eq + 1) : spec;
    if (size_t colon = file.rfind(':'); colon != std::string::npos) {
      std::string tail = file.substr(colon + 1);
      if (tail.find_first_not_of("0123456789,") == std::string::npos && !fs::exists(file)) {
        auto d = parseDims(tail);
        if (!d.ok())
          return reportUsageError("verify", d.status());
        file = file.substr(0, colon);
        expectDims[file] = *d;
      }
    }
    if (index < 0) {
      while (nextPositional < expectFor.size() && !expectFor[nextPositional].empty())
        ++nextPositional;
      if (nextPositional >= expectFor.size())
        return usage(
            fmt::format("--expect '{}': the model has only {} outputs", spec, g.output_size()));
      index = static_cast<int>(nextPositional);
    }
    expectFor[static_cast<size_t>(index)] = file;
  }
  if (expects.empty() && !random)
    return usage("no --expect files given (--random runs the model without them)");

  // Run onnxruntime.
  json job;
  job["ortDir"] = ortDir();
  job["ortSearched"] = ortDirCandidates();
  job["model"] = fs::absolute(model).string();
  job["outputDir"] = tmp.path.string();
  job["inputs"] = json::array();
  for (const Feed &f : feeds)
    job["inputs"].push_back({{"name", f.name},
                             {"file", fs::absolute(f.file).string()},
                             {"dtype", f.dtype},
                             {"dims", f.dims}});
  std::string jobFile = (tmp.path / "job.json").string();
  {
    std::ofstream out(jobFile);
    out << job.dump();
    if (!out)
      return reportError("verify", absl::InternalError("cannot write the job file"));
  }
  if (absl::Status s = runNode({nodeExecutable(), runnerScript(), jobFile}); !s.ok())
    return reportError("verify", s);
  auto resultText = readFile((tmp.path / "result.json").string());
  if (!resultText.ok())
    return reportError("verify", resultText.status());
  json result = json::parse(*resultText, nullptr, false);
  if (result.is_discarded() || !result.contains("outputs"))
    return reportError("verify", absl::InternalError("ort_runner wrote no valid result"));

  // The expected shape of a file: given on the command line, else in --meta, else in the
  // meta.json beside it (a fixture's), else the output's static shape in the model. Comparing
  // element counts alone would pass a [2,18] output against an expected [3,12].
  auto expectedShape = [&](const std::string &file) -> std::optional<std::vector<int64_t>> {
    if (auto it = expectDims.find(file); it != expectDims.end())
      return it->second;
    if (auto shape = metaShape(meta, file))
      return shape;
    fs::path beside = fs::path(file).parent_path() / "meta.json";
    if (metaFile.empty() && fs::exists(beside))
      if (auto text = readFile(beside.string()); text.ok()) {
        json m = json::parse(*text, nullptr, /*allow_exceptions=*/false);
        if (!m.is_discarded())
          if (auto shape = metaShape(m, file))
            return shape;
      }
    return std::nullopt;
  };

  // Compare.
  bool allPass = true;
  const json &outs = result["outputs"];
  for (size_t k = 0; k < outs.size() && k < expectFor.size(); ++k) {
    const json &o = outs[k];
    std::string name = o["name"].get<std::string>();
    std::string dtype = o["dtype"].get<std::string>();
    std::vector<int64_t> dims = o["dims"].get<std::vector<int64_t>>();
    if (expectFor[k].empty()) {
      std::cout << fmt::format("{}: {}{}  (no expected file; not compared)\n", name, dtype,
                               dimsStr(dims));
      continue;
    }
    auto expectedDtype =
        onnxDtypeName(g.output(static_cast<int>(k)).type().tensor_type().elem_type());
    auto actual = readFile(o["file"].get<std::string>());
    auto expected = readFile(expectFor[k]);
    if (!actual.ok() || !expected.ok())
      return reportError("verify", !actual.ok() ? actual.status() : expected.status());
    std::string edtype = expectedDtype.value_or(dtype);
    auto npy = parseNpy(expectFor[k], *expected);
    if (!npy.ok())
      return reportError("verify", npy.status());
    if (*npy) {
      if ((*npy)->dtype != edtype) {
        std::cout << fmt::format("{}: {}{}  FAIL: '{}' holds {}, the model declares {}\n", name,
                                 dtype, dimsStr(dims), expectFor[k], (*npy)->dtype, edtype);
        allPass = false;
        continue;
      }
      *expected = std::move((*npy)->data);
      expectDims.emplace(expectFor[k], (*npy)->dims);
    }
    if (!expectedShape(expectFor[k])) {
      // No recorded shape: the model's static output shape stands in, when it has one.
      const auto &declared = g.output(static_cast<int>(k)).type().tensor_type();
      bool isStatic = declared.has_shape();
      std::vector<int64_t> d;
      for (int a = 0; isStatic && a < declared.shape().dim_size(); ++a) {
        isStatic = declared.shape().dim(a).has_dim_value();
        d.push_back(declared.shape().dim(a).dim_value());
      }
      if (isStatic)
        expectDims[expectFor[k]] = d;
    }
    size_t n = static_cast<size_t>(numelOf(dims));
    std::string problem;
    if (edtype != dtype)
      problem = fmt::format("onnxruntime returned {} but the model declares {}", dtype, edtype);
    else if (expected->size() != n * dtypeSize(edtype))
      problem = fmt::format("expected file '{}' has {} bytes, the output {}{} has {}", expectFor[k],
                            expected->size(), dtype, dimsStr(dims), n * dtypeSize(dtype));
    else if (auto shape = expectedShape(expectFor[k]); !shape)
      problem = fmt::format("the shape of '{}' is unknown, so a {} output of the same size "
                            "could pass: give it as {}:d0,d1,... or with --meta",
                            expectFor[k], dimsStr(dims), expectFor[k]);
    else if (*shape != dims)
      problem =
          fmt::format("shape {} differs from the expected {}", dimsStr(dims), dimsStr(*shape));
    if (!problem.empty()) {
      std::cout << fmt::format("{}: {}{}  FAIL: {}\n", name, dtype, dimsStr(dims), problem);
      allPass = false;
      continue;
    }
    double maxAbs = 0, maxRel = 0;
    size_t bad = 0, firstBad = 0;
    double outputAtol = atol;
    if (scaleAtol) {
      double scale = 1;
      for (size_t i = 0; i < n; ++i)
        if (double b = std::fabs(elementAt(*expected, edtype, i)); std::isfinite(b))
          scale = std::max(scale, b);
      outputAtol = atol * scale;
    }
    for (size_t i = 0; i < n; ++i) {
      double a = elementAt(*actual, dtype, i), b = elementAt(*expected, edtype, i);
      bool ok;
      double diff;
      if (std::isnan(a) || std::isnan(b)) {
        ok = std::isnan(a) && std::isnan(b);
        diff = ok ? 0 : std::numeric_limits<double>::infinity();
      } else if (std::isinf(a) || std::isinf(b)) {
        ok = a == b;
        diff = ok ? 0 : std::numeric_limits<double>::infinity();
      } else {
        diff = std::fabs(a - b);
        ok = diff <= outputAtol + rtol * std::fabs(b);
      }
      maxAbs = std::max(maxAbs, diff);
      if (diff > 0)
        maxRel = std::max(maxRel,
                          b != 0 ? diff / std::fabs(b) : std::numeric_limits<double>::infinity());
      if (!ok && bad++ == 0)
        firstBad = i;
    }
    std::string verdict = bad == 0
                              ? "PASS"
                              : fmt::format("FAIL ({} of {} elements out of tolerance; "
                                            "first at {}: got {}, expected {})",
                                            bad, n, firstBad, elementAt(*actual, dtype, firstBad),
                                            elementAt(*expected, edtype, firstBad));
    std::string scaled = outputAtol != atol ? fmt::format("  atol {:.3g}", outputAtol) : "";
    std::cout << fmt::format("{}: {}{}  max abs err {:.3g}  max rel err {:.3g}{}  {}\n", name,
                             dtype, dimsStr(dims), maxAbs, maxRel, scaled, verdict);
    allPass &= bad == 0;
  }
  if (expects.empty()) {
    std::cout << "RAN (random inputs, no --expect: nothing compared)\n";
    return kExitOk;
  }
  std::cout << fmt::format("{} (rtol {:g}, atol {:g})\n", allPass ? "PASS" : "FAIL", rtol, atol);
  return allPass ? kExitOk : kExitError;
}

} // namespace ts2onnx::tool
