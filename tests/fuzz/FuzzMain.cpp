// One libFuzzer target; TS2ONNX_FUZZ_TARGET names the harness of FuzzTargets.h (`zip`, ...).
#include <cstdio>
#include <cstdlib>

#include "tests/fuzz/FuzzTargets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const ts2onnx::fuzz::FuzzFunction fn = [] {
    ts2onnx::fuzz::FuzzFunction f = ts2onnx::fuzz::fuzzTarget(TS2ONNX_FUZZ_TARGET);
    if (!f) {
      std::fprintf(stderr, "unknown fuzz target '%s'\n", TS2ONNX_FUZZ_TARGET);
      std::abort();
    }
    return f;
  }();
  return fn(data, size);
}
