#!/usr/bin/env bash
# Installs what is missing, builds, and runs ts2onnx on the bundled example.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build=${BUILD_DIR:-$root/build}
# Until `convert` lands this runs the pass pipeline on a graph torch printed for a small model.
"$build/tools/ts2onnx/ts2onnx" opt "$root/examples/if_loop.graph.txt" --passes=dce,cse --verify-each
