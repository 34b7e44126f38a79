// ONNX shape inference over a whole model in time linear in its size.
//
// onnx::shape_inference::InferShapes gives every subgraph it infers (each If branch, Loop body)
// a copy of the value table of all enclosing scopes, so a graph with n If/Loop nodes costs
// O(n * values) there: a scripted model with 1,600 top-level if/for blocks spent 70% of its
// conversion in those copies (docs/performance.md). inferShapes() runs the same per-node
// inference (each op schema's own inference function, the same type checks, merges and
// symbolic dims, value_info written into the same graphs, the same errors) but keeps one table
// for the whole model, entering and leaving each subgraph's scope instead of copying.
#pragma once

namespace onnx {
class ModelProto;
struct ShapeInferenceOptions;
} // namespace onnx

namespace ts2onnx::writer {

/// Infers the value types of `model` in place (value_info of every graph), as
/// onnx::shape_inference::InferShapes(model, OpSchemaRegistry::Instance(), options) does, and
/// throws what it throws (onnx::InferenceError, onnx::checker::ValidationError). Models it does
/// not handle itself (model-local functions, IR version below 4, onnx 1.12) go to InferShapes.
void inferShapes(onnx::ModelProto &model, const onnx::ShapeInferenceOptions &options);

} // namespace ts2onnx::writer
