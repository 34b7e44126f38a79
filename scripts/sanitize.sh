#!/bin/sh
# Builds ts2onnx with AddressSanitizer and UndefinedBehaviorSanitizer and runs the whole test
# suite under them (issue 9). Usage: scripts/sanitize.sh [BUILD_DIR] [extra ctest args...]
# BUILD_DIR defaults to ../build-asan beside the repository; JOBS (default 2) sets parallelism.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/../build-asan}
[ $# -gt 0 ] && shift
jobs=${JOBS:-2}

# The same onnx as scripts/build.sh: the source release, unless TS2ONNX_ONNX=system.
onnx_dir=-UONNX_DIR
if [ "${TS2ONNX_ONNX:-source}" != system ]; then
  "$repo/scripts/build-onnx.sh"
  onnx_dir=-DONNX_DIR="$("$repo/scripts/build-onnx.sh" --prefix)/lib/cmake/ONNX"
fi
# The tests run onnxruntime-node from <build>/node (scripts/install-deps.sh); without it, use the
# one of a normal build (<repo>/build or ../build beside the repository) if there is one, both at
# run time (verify) and at configure time (the conformance and models runners).
if [ -z "${TS2ONNX_ORT_DIR:-}" ] && [ ! -d "$build/node/node_modules/onnxruntime-node" ]; then
  for d in "$repo/build/node" "$repo/../build/node"; do
    if [ -d "$d/node_modules/onnxruntime-node" ]; then
      export TS2ONNX_ORT_DIR="$d"
      break
    fi
  done
fi
ort_dir=-UTS2ONNX_ORT_DIR_UNUSED
[ -n "${TS2ONNX_ORT_DIR:-}" ] && ort_dir=-DTS2ONNX_ORT_DIR="$TS2ONNX_ORT_DIR"
cmake -S "$repo" -B "$build" -DTS2ONNX_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug "$onnx_dir" \
  "$ort_dir"
cmake --build "$build" -j"$jobs"

# Leaks are findings too; a report stops the process with an error instead of continuing.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" -j"$jobs" --output-on-failure "$@"
