// The restricted unpickler's allow-list: the only globals an archive's pickles may name, in one
// place so that what an archive can make the reader do is reviewable at a glance.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "frontend/IValue.h"

namespace ts2onnx::frontend {

/// What `module.name` stands for when the unpickler meets it in GLOBAL or STACK_GLOBAL:
/// `torch._utils._rebuild_tensor_v2` / `_rebuild_qtensor`, `torch.<Dtype>Storage`,
/// `torch.device`, `torch.per_tensor_affine` and the other qschemes, `collections.OrderedDict`,
/// `builtins.complex`, `torch.jit._pickle`'s restore_type_tag and build_* helpers, and every
/// `__torch__.*` class (returned as GlobalRef::Kind::Class; the unpickler's class resolver then
/// says whether it is restored by __setstate__ or is an enum). Anything else is an
/// InvalidArgument error naming the global (sparse tensors and tensor subclasses with a reason).
absl::StatusOr<std::shared_ptr<GlobalRef>> allowedGlobal(std::string_view module,
                                                         std::string_view name);

} // namespace ts2onnx::frontend
