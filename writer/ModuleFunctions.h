// export_modules_as_functions: groups of top-level ONNX nodes that came from one call of a
// submodule's forward (the module scopes the frontend records with
// CompileOptions::recordModuleScopes) become one call of an ONNX local function.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace ts2onnx::writer {

struct ExtractedFunctions {
  /// Values that now live inside functions only (no value_info for them in the main graph).
  std::set<std::string> internalValues;
  /// Domains of the functions added to the model (to import).
  std::set<std::string> domains;
};

/// `scopes[i]` is the module scope of `model.graph().node(i)`: components
/// `<class>@<attribute>#<call>` joined by `/`, outermost first; empty for the root module's own
/// nodes. Each call's nodes become a FunctionProto (one per class and distinct body: named
/// after the class, `Class_1` for a second body, in a domain named after the class's Python
/// module) and a node calling it, its inputs being every value its nodes read from outside
/// (initializers included) and its outputs every value read outside. Nested submodules become
/// functions calling functions. A call whose nodes hold subgraphs (If/Loop), or whose nodes
/// the passes interleaved with nodes depending on them, stays inline (its submodules may still
/// become functions). The functions' opset_import is left to the caller.
absl::StatusOr<ExtractedFunctions> extractModuleFunctions(onnx::ModelProto &model,
                                                          const std::vector<std::string> &scopes);

} // namespace ts2onnx::writer
