#!/usr/bin/env bash
# Installs what is missing, builds, and runs ts2onnx on the bundled example archive: reads the
# TorchScript file, compiles forward into the IR, and runs a pass pipeline on it.
# (`convert` to ONNX is not there yet; this becomes a conversion when it lands.)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build=${BUILD_DIR:-$root/build}
tool="$build/tools/ts2onnx/ts2onnx"
model="$root/fixtures/if_loop/model.pt"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$tool" dump "$model" --info
"$tool" dump "$model" --graph >"$out/forward.txt"
"$tool" opt "$out/forward.txt" --passes=dce,cse --verify-each --time-passes
