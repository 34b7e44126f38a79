// Freezing: module attributes become constants, as torch.jit.freeze does for eval models.
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "frontend/Archive.h"
#include "frontend/IValue.h"
#include "ir/Graph.h"

namespace ts2onnx::frontend {

/// Resolves every prim::GetAttr chain rooted at graph input 0 (`self`) against `root`, the
/// module object: tensors become typed tensor constants that view the archive's memory; ints,
/// floats, bools, strings, devices and None become scalar constants; lists of ints, floats or
/// strings become list constants; other lists, tuples and dicts become
/// prim::ListConstruct / TupleConstruct / DictConstruct of constants; submodules are only
/// intermediate.
/// The `training` flags become their stored bools. A prim::SetAttr on the module outside loops
/// is threaded as a value to the reads after it (through If outputs when written in a branch),
/// so the graph computes the first call after loading; a SetAttr inside a loop or to a
/// submodule, or a use of a module object other than prim::GetAttr, is an error naming the
/// attribute (after `training`-dependent branches are folded away). Removes the `self` input at the
/// end. Constants are hoisted to the top of the graph, one per distinct tensor or container.
/// Objects pickled with a `__setstate__` state (quantized modules) are read through `restore`
/// (Archive::restoreSetState); their packed weights become `quantized::*_prepack` nodes over
/// constants, quantized tensors `aten::_make_per_*_quantized_tensor` of their integers.
using SetStateRestorer = std::function<absl::StatusOr<const Object *>(const Object &)>;
absl::Status freezeModule(ir::Graph &graph, const IValue &root, SetStateRestorer restore = {});
absl::Status freezeModule(ir::Graph &graph, Archive &archive);

} // namespace ts2onnx::frontend
