#pragma once
// The operator schemas onnx's checker and shape inference read, built as they are looked up.
//
// onnx's own registry (onnx::OpSchemaRegistry) builds all of its ~630 schemas, every version of
// every operator in every domain, on its first lookup: 7 to 8 ms of CPU, the largest fixed cost
// of converting a small model. A converted model uses a few dozen of them. schemaRegistry()
// answers the same lookups for the default domain from a table of onnx's schema builders
// (generated from onnx's operator_sets.h when ts2onnx is configured), building each schema the
// first time it is asked for, exactly as onnx's registry builds it (the same builder, then
// OpSchema::Finalize). Other onnx domains (ai.onnx.ml, the preview and training domains) and
// default-domain names the table does not know go to onnx's registry; any other domain (a
// model-local function's) has no schema. The test OnnxSchemas.MatchesOnnxRegistry compares the
// two registries on every operator name and opset version.
//
// Built against onnx 1.12 (TS2ONNX_ONNX=system: its shared library does not export every schema
// builder) schemaRegistry() is onnx's registry.

#include <string>

#include "onnx/checker.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"

namespace ts2onnx::writer {

/// The registry to hand to onnx's checker and shape inference. Thread-safe; lives until exit.
const onnx::ISchemaRegistry *schemaRegistry();

/// True when schemaRegistry() builds schemas on demand (not onnx's registry).
bool schemaRegistryIsLazy();

/// What onnx::checker::check_model(model) checks (IR version, metadata keys, opset imports, the
/// graph, model-local functions), with schemaRegistry(). Relative external-data locations are
/// resolved against the directory `modelDir` when it is not empty, as check_model(path) does
/// with the model's directory.
/// Throws onnx::checker::ValidationError as check_model does.
void checkModelProto(const onnx::ModelProto &model, const std::string &modelDir = "");

} // namespace ts2onnx::writer
