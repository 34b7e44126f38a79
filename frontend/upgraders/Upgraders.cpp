// Given: an operator overload matched at a call site and the archive's format version.
// Does:  tells whether the call meant something else in that version, and gives the TorchScript
//        function that computes the old meaning with today's operators.
// Result: the table of every upgrader ts2onnx knows; the compiler inlines them
// (frontend/compiler/Calls.cpp).
#include "frontend/upgraders/Upgraders.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "frontend/script/Parser.h"

namespace ts2onnx::frontend::upgraders {

namespace {

// Version 4 (torch 1.6 -> 1.7) made `/` and torch.div true division on integer tensors; before,
// two integer operands divided with truncation. A float operand (a floating tensor, or a Python
// float scalar) always meant true division. The rounding_mode overloads came with version 4; an
// archive whose record is older means by them what they mean today, and torch still routes them
// through an upgrader that forwards the call, which the table mirrors.
constexpr std::string_view kDivTensor = R"(
def div_Tensor_0_3(self: Tensor, other: Tensor) -> Tensor:
  if self.is_floating_point() or other.is_floating_point():
    return torch.div(self, other)
  else:
    return torch.div(self, other, rounding_mode="trunc")
)";
constexpr std::string_view kDivScalar = R"(
def div_Scalar_0_3(self: Tensor, other: number) -> Tensor:
  if self.is_floating_point() or isinstance(other, float):
    return torch.div(self, other)
  else:
    return torch.div(self, other, rounding_mode="trunc")
)";
constexpr std::string_view kDivOut = R"(
def div_out_0_3(self: Tensor, other: Tensor, out: Tensor) -> Tensor:
  if self.is_floating_point() or other.is_floating_point() or out.is_floating_point():
    return torch.div(self, other, out=out)
  else:
    return torch.div(self, other, rounding_mode="trunc", out=out)
)";
constexpr std::string_view kDivInplaceTensor = R"(
def div__Tensor_0_3(self: Tensor, other: Tensor) -> Tensor:
  if self.is_floating_point() or other.is_floating_point():
    return self.div_(other)
  else:
    return self.div_(other, rounding_mode="trunc")
)";
constexpr std::string_view kDivInplaceScalar = R"(
def div__Scalar_0_3(self: Tensor, other: number) -> Tensor:
  if self.is_floating_point() or isinstance(other, float):
    return self.div_(other)
  else:
    return self.div_(other, rounding_mode="trunc")
)";
constexpr std::string_view kDivTensorMode = R"(
def div_Tensor_mode_0_3(self: Tensor, other: Tensor, rounding_mode: Optional[str]) -> Tensor:
  return torch.div(self, other, rounding_mode=rounding_mode)
)";
constexpr std::string_view kDivScalarMode = R"(
def div_Scalar_mode_0_3(self: Tensor, other: number, rounding_mode: Optional[str]) -> Tensor:
  return torch.div(self, other, rounding_mode=rounding_mode)
)";
constexpr std::string_view kDivOutMode = R"(
def div_out_mode_0_3(self: Tensor, other: Tensor, rounding_mode: Optional[str], out: Tensor) -> Tensor:
  return torch.div(self, other, rounding_mode=rounding_mode, out=out)
)";
constexpr std::string_view kDivInplaceTensorMode = R"(
def div__Tensor_mode_0_3(self: Tensor, other: Tensor, rounding_mode: Optional[str]) -> Tensor:
  return self.div_(other, rounding_mode=rounding_mode)
)";
constexpr std::string_view kDivInplaceScalarMode = R"(
def div__Scalar_mode_0_3(self: Tensor, other: number, rounding_mode: Optional[str]) -> Tensor:
  return self.div_(other, rounding_mode=rounding_mode)
)";

// Version 5 (torch 1.7 -> 1.8) made torch.full infer its dtype from the fill value; before, a
// call without dtype always made the default float dtype, so an integer fill means a float one.
constexpr std::string_view kFull = R"(
def full_0_4(size: List[int], fill_value: number, dtype: Optional[int], layout: Optional[int], device: Optional[Device], pin_memory: Optional[bool]) -> Tensor:
  if dtype is None:
    fill_value = float(fill_value)
  return torch.full(size, fill_value, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory)
)";
constexpr std::string_view kFullOut = R"(
def full_out_0_4(size: List[int], fill_value: number, out: Tensor) -> Tensor:
  return torch.full(size, fill_value, out=out)
)";

// In torch's order of versions; each row names torch's upgrader of the same meaning.
constexpr Upgrader kUpgraders[] = {
    {"aten::div.Tensor", 3, "div_Tensor_0_3", kDivTensor},
    {"aten::div.Scalar", 3, "div_Scalar_0_3", kDivScalar},
    {"aten::div.out", 3, "div_out_0_3", kDivOut},
    {"aten::div_.Tensor", 3, "div__Tensor_0_3", kDivInplaceTensor},
    {"aten::div_.Scalar", 3, "div__Scalar_0_3", kDivInplaceScalar},
    {"aten::div.Tensor_mode", 3, "div_Tensor_mode_0_3", kDivTensorMode},
    {"aten::div.Scalar_mode", 3, "div_Scalar_mode_0_3", kDivScalarMode},
    {"aten::div.out_mode", 3, "div_out_mode_0_3", kDivOutMode},
    {"aten::div_.Tensor_mode", 3, "div__Tensor_mode_0_3", kDivInplaceTensorMode},
    {"aten::div_.Scalar_mode", 3, "div__Scalar_mode_0_3", kDivInplaceScalarMode},
    {"aten::full", 4, "full_0_4", kFull},
    {"aten::full.out", 4, "full_out_0_4", kFullOut},
};

} // namespace

absl::Span<const Upgrader> allUpgraders() { return kUpgraders; }

const Upgrader *findUpgrader(std::string_view overload, int64_t fileVersion) {
  for (const Upgrader &u : kUpgraders)
    if (u.overload == overload && fileVersion <= u.maxVersion)
      return &u;
  return nullptr;
}

absl::StatusOr<const script::FunctionDef *> upgraderDefinition(const Upgrader &u) {
  // Parsed modules live as long as the process: compiled graphs point into their source ranges.
  static std::mutex mu;
  static auto *parsed = new std::map<std::string_view, std::unique_ptr<script::Module>>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = parsed->find(u.name);
  if (it == parsed->end()) {
    auto module = script::parseModule(u.source, fmt::format("<upgrader {}>", u.name));
    if (!module.ok())
      return module.status();
    it = parsed->emplace(u.name, std::make_unique<script::Module>(*std::move(module))).first;
  }
  for (const script::FunctionDef *fn : it->second->functions())
    if (fn->name == u.name)
      return fn;
  return absl::InternalError(fmt::format("upgrader {} does not define {}", u.name, u.name));
}

std::optional<int64_t> omittedSteps(std::string_view op, int64_t fileVersion) {
  // linspace_0_7 and logspace_0_8: `steps` became required in versions 8 and 9.
  if ((op == "aten::linspace" && fileVersion <= 7) || (op == "aten::logspace" && fileVersion <= 8))
    return 100;
  return std::nullopt;
}

} // namespace ts2onnx::frontend::upgraders
