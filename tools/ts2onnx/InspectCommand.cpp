// `ts2onnx inspect MODEL.onnx`: opset imports, inputs and outputs with shapes, op histogram,
// initializers and external data. Also the ONNX file helpers of OnnxFile.h.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "tools/ts2onnx/Commands.h"
#include "tools/ts2onnx/Flags.h"
#include "tools/ts2onnx/OnnxFile.h"

namespace ts2onnx::tool {

absl::StatusOr<onnx::ModelProto> readOnnxModel(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  char magic[4] = {};
  in.read(magic, 4);
  if (in.gcount() == 4 && std::string_view(magic, 4) == std::string_view("PK\3\4", 4))
    return absl::InvalidArgumentError(
        fmt::format("'{}' is a zip (a TorchScript archive?), not an ONNX model; `ts2onnx dump {}` "
                    "shows an archive, `ts2onnx convert {} -o OUT.onnx` converts it",
                    path, path, path));
  in.clear();
  in.seekg(0);
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in))
    return absl::InvalidArgumentError(fmt::format("'{}' is not an ONNX model", path));
  return model;
}

std::optional<std::string> onnxDtypeName(int dataType) {
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return "float32";
  case onnx::TensorProto::UINT8:
    return "uint8";
  case onnx::TensorProto::INT8:
    return "int8";
  case onnx::TensorProto::INT16:
    return "int16";
  case onnx::TensorProto::INT32:
    return "int32";
  case onnx::TensorProto::INT64:
    return "int64";
  case onnx::TensorProto::BOOL:
    return "bool";
  case onnx::TensorProto::FLOAT16:
    return "float16";
  case onnx::TensorProto::DOUBLE:
    return "float64";
  default:
    return std::nullopt;
  }
}

size_t onnxElementSize(int dataType) {
  switch (dataType) {
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::BOOL:
    return 1;
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
    return 2;
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return 4;
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::COMPLEX64:
    return 8;
  case onnx::TensorProto::COMPLEX128:
    return 16;
  default:
    return 0;
  }
}

std::string formatValueType(const onnx::TypeProto &type) {
  if (!type.has_tensor_type())
    return type.value_case() == onnx::TypeProto::VALUE_NOT_SET ? "?" : "(non-tensor)";
  const auto &tt = type.tensor_type();
  std::string dtype = onnxDtypeName(tt.elem_type())
                          .value_or(onnx::TensorProto_DataType_Name(
                              static_cast<onnx::TensorProto_DataType>(tt.elem_type())));
  if (!tt.has_shape())
    return dtype + "[...]";
  std::string dims;
  for (const auto &d : tt.shape().dim()) {
    if (!dims.empty())
      dims += ",";
    if (d.has_dim_value())
      dims += std::to_string(d.dim_value());
    else if (d.has_dim_param())
      dims += d.dim_param();
    else
      dims += "?";
  }
  return fmt::format("{}[{}]", dtype, dims);
}

namespace {

void countOps(const onnx::GraphProto &g, std::map<std::string, size_t> &ops, size_t &total) {
  for (const auto &n : g.node()) {
    ops[n.domain().empty() ? n.op_type() : n.domain() + "::" + n.op_type()]++;
    ++total;
    for (const auto &a : n.attribute()) {
      if (a.has_g())
        countOps(a.g(), ops, total);
      for (const auto &sub : a.graphs())
        countOps(sub, ops, total);
    }
  }
}

size_t tensorBytes(const onnx::TensorProto &t) {
  if (!t.raw_data().empty())
    return t.raw_data().size();
  int64_t numel = 1;
  for (int64_t d : t.dims())
    numel *= d;
  return static_cast<size_t>(numel) * onnxElementSize(t.data_type());
}

std::string humanBytes(size_t n) {
  if (n < 1024)
    return fmt::format("{} B", n);
  if (n < 1024 * 1024)
    return fmt::format("{:.1f} KiB", n / 1024.0);
  return fmt::format("{:.1f} MiB", n / (1024.0 * 1024.0));
}

} // namespace

int runInspect(const std::vector<std::string> &args) {
  std::string file;
  FlagParser parser("ts2onnx inspect MODEL.onnx",
                    "Summarizes an ONNX model: opset imports, inputs and outputs with shapes,\n"
                    "op histogram, local functions, initializers and external data.");
  parser.addPositional("MODEL", &file, "ONNX model file");
  if (absl::Status s = parser.parse(args); !s.ok())
    return reportUsageError("inspect", s);
  if (parser.helpRequested()) {
    std::cout << parser.helpText();
    return kExitOk;
  }
  auto model = readOnnxModel(file);
  if (!model.ok())
    return reportError("inspect", model.status());
  const onnx::GraphProto &g = model->graph();
  std::string out;
  out += fmt::format("model: {}\nir_version: {}\nproducer: {} {}\n", file, model->ir_version(),
                     model->producer_name(), model->producer_version());
  out += "opset_import:\n";
  for (const auto &o : model->opset_import())
    out += fmt::format("  {} {}\n", o.domain().empty() ? "ai.onnx" : o.domain(), o.version());
  std::map<std::string, const onnx::TensorProto *> inits;
  for (const auto &t : g.initializer())
    inits[t.name()] = &t;
  out += fmt::format("graph: {}\ninputs:\n", g.name());
  for (const auto &vi : g.input())
    out += fmt::format("  {}: {}{}\n", vi.name(), formatValueType(vi.type()),
                       inits.count(vi.name()) ? " (initializer)" : "");
  out += "outputs:\n";
  for (const auto &vi : g.output())
    out += fmt::format("  {}: {}\n", vi.name(), formatValueType(vi.type()));

  std::map<std::string, size_t> ops;
  size_t total = 0;
  countOps(g, ops, total);
  std::vector<std::pair<std::string, size_t>> hist(ops.begin(), ops.end());
  std::stable_sort(hist.begin(), hist.end(),
                   [](const auto &a, const auto &b) { return a.second > b.second; });
  out += fmt::format("nodes: {}\n", total);
  for (const auto &[op, n] : hist)
    out += fmt::format("  {:<28} {}\n", op, n);
  if (model->functions_size() > 0) {
    out += fmt::format("functions: {}\n", model->functions_size());
    for (const auto &f : model->functions())
      out += fmt::format("  {}::{}: {} inputs, {} outputs, {} nodes\n", f.domain(), f.name(),
                         f.input_size(), f.output_size(), f.node_size());
  }

  size_t bytes = 0, external = 0;
  std::map<std::string, size_t> externalFiles;
  for (const auto &t : g.initializer()) {
    if (t.data_location() == onnx::TensorProto::EXTERNAL) {
      ++external;
      for (const auto &kv : t.external_data())
        if (kv.key() == "location")
          externalFiles[kv.value()]++;
      continue;
    }
    bytes += tensorBytes(t);
  }
  out += fmt::format("initializers: {} ({})\n", g.initializer_size(), humanBytes(bytes));
  out += fmt::format("value_info: {}\n", g.value_info_size());
  if (external == 0) {
    out += "external data: none\n";
  } else {
    out += fmt::format("external data: {} tensors\n", external);
    for (const auto &[f, n] : externalFiles)
      out += fmt::format("  {}: {} tensors\n", f, n);
  }
  std::cout << out;
  return kExitOk;
}

} // namespace ts2onnx::tool
