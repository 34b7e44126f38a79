// Given: the module and name of a GLOBAL / STACK_GLOBAL opcode in an archive's pickle.
// Does: accepts only the globals torch.jit.save writes (tensor and storage rebuilding, devices,
//       quantization schemes, OrderedDict, complex, torch.jit._pickle's list builders, and
//       TorchScript classes under __torch__); names the global it refuses, and why.
// Result: a GlobalRef saying what the global stands for; nothing is ever imported or called.
#include "frontend/UnpicklerAllowList.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace ts2onnx::frontend {
namespace {

bool isIdentifierChar(char c) {
  return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// `a.b_c.D`: dot-separated identifiers.
bool isDottedName(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.')
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (s[i - 1] == '.')
        return false;
    } else if (!isIdentifierChar(s[i])) {
      return false;
    }
  }
  return true;
}

} // namespace

absl::StatusOr<std::shared_ptr<GlobalRef>> allowedGlobal(std::string_view module,
                                                         std::string_view name) {
  if (!isDottedName(module) || !isDottedName(name))
    return absl::InvalidArgumentError(fmt::format("malformed global name '{}.{}'",
                                                  std::string(module.substr(0, 80)),
                                                  std::string(name.substr(0, 80))));
  auto g = std::make_shared<GlobalRef>();
  g->qualifiedName = fmt::format("{}.{}", module, name);
  auto make = [&g](GlobalRef::Kind kind) {
    g->kind = kind;
    return g;
  };
  if (module == "torch._utils") {
    if (name == "_rebuild_tensor_v2")
      return make(GlobalRef::Kind::RebuildTensorV2);
    if (name == "_rebuild_qtensor")
      return make(GlobalRef::Kind::RebuildQTensor);
    if (name == "_rebuild_sparse_tensor")
      return absl::InvalidArgumentError(
          "unsupported global 'torch._utils._rebuild_sparse_tensor' (sparse tensors "
          "cannot be converted)");
  } else if (module == "torch") {
    if (name == "device")
      return make(GlobalRef::Kind::Device);
    if (name.size() > 7 && name.substr(name.size() - 7) == "Storage") {
      if (std::optional<ir::ScalarType> t =
              ir::scalarTypeFromName(name.substr(0, name.size() - 7))) {
        g->dtype = *t;
        return make(GlobalRef::Kind::StorageType);
      }
      return absl::InvalidArgumentError(fmt::format("unsupported storage type 'torch.{}'", name));
    }
    static const std::pair<std::string_view, QuantParams::Scheme> kSchemes[] = {
        {"per_tensor_affine", QuantParams::Scheme::PerTensorAffine},
        {"per_channel_affine", QuantParams::Scheme::PerChannelAffine},
        {"per_tensor_symmetric", QuantParams::Scheme::PerTensorSymmetric},
        {"per_channel_symmetric", QuantParams::Scheme::PerChannelSymmetric},
        {"per_channel_affine_float_qparams", QuantParams::Scheme::PerChannelAffineFloatQParams},
    };
    for (const auto &[schemeName, scheme] : kSchemes) {
      if (name == schemeName) {
        g->qscheme = scheme;
        return make(GlobalRef::Kind::QScheme);
      }
    }
  } else if (module == "collections" && name == "OrderedDict") {
    return make(GlobalRef::Kind::OrderedDict);
  } else if (module == "builtins" && name == "complex") {
    return make(GlobalRef::Kind::Complex);
  } else if (module == "torch.jit._pickle") {
    static const std::pair<std::string_view, GlobalRef::Kind> kHelpers[] = {
        {"restore_type_tag", GlobalRef::Kind::RestoreTypeTag},
        {"build_intlist", GlobalRef::Kind::BuildIntList},
        {"build_tensorlist", GlobalRef::Kind::BuildTensorList},
        {"build_doublelist", GlobalRef::Kind::BuildDoubleList},
        {"build_boollist", GlobalRef::Kind::BuildBoolList},
        {"build_tensor_from_id", GlobalRef::Kind::BuildTensorFromId},
    };
    for (const auto &[helper, kind] : kHelpers)
      if (name == helper)
        return make(kind);
  } else if (module == "__torch__" || module.substr(0, 10) == "__torch__.") {
    // The unpickler asks its class resolver which kind of class this is.
    return make(GlobalRef::Kind::Class);
  } else if (module == "torch._tensor" && name == "_rebuild_from_type_v2") {
    return absl::InvalidArgumentError(
        "unsupported global 'torch._tensor._rebuild_from_type_v2' (tensor subclasses "
        "are not written by torch.jit.save)");
  }
  return absl::InvalidArgumentError(fmt::format("forbidden global '{}'", g->qualifiedName));
}

} // namespace ts2onnx::frontend
