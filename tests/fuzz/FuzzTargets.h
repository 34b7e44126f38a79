// Entry points that feed one untrusted input to one part of the frontend. The libFuzzer targets
// (FuzzMain.cpp, built with TS2ONNX_FUZZ=ON) and the corpus replay test (replay.cpp, built
// always) call the same functions, so every committed corpus file is checked in CI too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ts2onnx::fuzz {

/// ZipArchive::fromBytes, then every record read (stored views, inflation, CRC).
int fuzzZip(const uint8_t *data, size_t size);
/// frontend::unpickle with a storage loader that serves zeros, and no class resolver.
int fuzzUnpickle(const uint8_t *data, size_t size);
/// script::parseModule, and parseExpression on the same text.
int fuzzScript(const uint8_t *data, size_t size);
/// ir::parseGraph; a graph that parses is printed and verified.
int fuzzIrGraph(const uint8_t *data, size_t size);
/// A whole archive: Archive::open on the bytes (through a memfd), then compileMethod("forward")
/// and printing the graph.
int fuzzArchive(const uint8_t *data, size_t size);

using FuzzFunction = int (*)(const uint8_t *, size_t);
/// The target called `name` (`zip`, `unpickle`, `script`, `ir_graph`, `archive`), or nullptr.
FuzzFunction fuzzTarget(std::string_view name);

} // namespace ts2onnx::fuzz
