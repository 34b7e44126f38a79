#!/usr/bin/env bash
# Configures and builds ts2onnx into ${BUILD_DIR:-build} with two jobs (building the onnx library
# first when needed: scripts/build-onnx.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
# onnx: the source release scripts/build-onnx.sh built (opsets up to 24), unless
# TS2ONNX_ONNX=system asks for Debian's libonnx-dev (onnx 1.12, opsets up to 17).
onnx_args=()
if [[ ${TS2ONNX_ONNX:-source} != system ]]; then
  "$root/scripts/build-onnx.sh"
  onnx_args=(-DONNX_DIR="$("$root/scripts/build-onnx.sh" --prefix)/lib/cmake/ONNX")
else
  onnx_args=(-UONNX_DIR)
fi
# Debug information: line tables only (-g1: backtraces, sanitizer reports and perf keep file and
# line) unless DEBUG_INFO=full. Full -g made a fresh clone's build tree after the tests 3.7 GB against
# 1.3 GB (peak 1.7 GB while testing) and compiles a third slower; CI machines have little disk.
debug_flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
if [[ ${DEBUG_INFO:-lines} == full ]]; then
  debug_flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g -DNDEBUG"
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g -DNDEBUG")
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "${onnx_args[@]}" \
  "${debug_flags[@]}" ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"${JOBS:-2}"
