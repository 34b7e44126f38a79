// Restores objects whose TorchScript class defines `__setstate__` (torch's quantized modules:
// `ConvReLU2d.__setstate__` takes the tuple `__getstate__` pickled and assigns attributes,
// packing the weight with `quantized::conv2d_prepack`), as torch.jit.load does, without running
// any code: the method's compiled graph is evaluated by a small interpreter that knows only
// attribute reads and writes, tuple and list indexing, constant conditions, comparisons and the
// quantized `*_prepack` operators. Anything else is refused with the operator and source line.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "frontend/Compiler.h"
#include "frontend/IValue.h"

namespace ts2onnx::frontend {

/// Attribute names of the objects restoreSetState makes for a `quantized::*_prepack` call (the
/// packed parameters): the operator (a string) and its arguments (a tuple, in schema order).
inline constexpr const char *kPrepackOp = "__prepack_op__";
inline constexpr const char *kPrepackArgs = "__prepack_args__";

/// True for an object restoreSetState made from a `quantized::*_prepack` call.
bool isPrepacked(const Object &o);

/// The object `o` (a `__setstate__` object of a class in `compiler`'s table) with the
/// attributes its `__setstate__` assigns from `o.state`, in assignment order. Packed
/// parameters become objects with kPrepackOp/kPrepackArgs attributes.
absl::StatusOr<std::shared_ptr<Object>> restoreSetState(Compiler &compiler, const Object &o);
/// The same with `setState`, the class's compiled `__setstate__` (compiled once per class).
absl::StatusOr<std::shared_ptr<Object>> restoreSetState(const ir::Graph &setState, const Object &o);

} // namespace ts2onnx::frontend
