#!/usr/bin/env bash
# Installs what is missing, builds, and converts the bundled example archive (fixtures/cnn_bn:
# Conv2d, BatchNorm2d, ReLU, pooling, Linear) to ONNX with dynamic batch and image size, then
# runs the ONNX model in onnxruntime on the two input sets torch recorded and compares with
# torch's outputs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build=${BUILD_DIR:-$root/build}
tool="$build/tools/ts2onnx/ts2onnx"
fixture="$root/fixtures/cnn_bn"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
set -x
"$tool" convert "$fixture/model.pt" -o "$out/model.onnx" --opset 17 \
  --input 'x:float32[batch,3,height,width]' --output-name logits
"$tool" inspect "$out/model.onnx"
# Input set 1 is 2x3x32x32, set 2 is 3x3x40x48: meta.json gives the shapes of the .bin files.
"$tool" verify "$out/model.onnx" --meta "$fixture/meta.json" --input "x=$fixture/input_0.bin" \
  --expect "$fixture/output_0.bin" --rtol 1e-3 --atol 1e-5
"$tool" verify "$out/model.onnx" --meta "$fixture/meta.json" --input "x=$fixture/input2_0.bin" \
  --expect "$fixture/output2_0.bin" --rtol 1e-3 --atol 1e-5
