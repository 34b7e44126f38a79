#!/usr/bin/env bash
# The whole model suite, outside CI (its archives are hundreds of MB): generates the cases of
# both torch versions into $BUILD_DIR/models-full/ (once; delete the directory to regenerate),
# converts them with the current build at each opset given (default 17), and prints the table.
#   tests/models/full.sh [OPSET...]
# Needs /usr/bin/python3 with Debian's torch 1.13, torchvision 0.14 and torchaudio 0.13
# (apt-get install python3-torchvision python3-torchaudio) and /opt/venv-torch2 (torch 2.9.1,
# torchvision 0.24.1, torchaudio 2.9.1, onnxruntime; see tests/conformance/README.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
out=$build/models-full
runner=$build/tests/conformance/ts2onnx_conformance
ort_python=${ORT_PYTHON:-/opt/venv-torch2/bin/python}
opsets=${*:-17}
ort_dir=$(sed -n 's/^TS2ONNX_ORT_DIR:PATH=//p' "$build/CMakeCache.txt")
declare -A python=([torch-1.13]=/usr/bin/python3 [torch-2.9]=/opt/venv-torch2/bin/python)
for suite in torch-1.13 torch-2.9; do
  if [[ ! -f $out/$suite/cases.jsonl ]]; then
    mkdir -p "$out/$suite"
    "${python[$suite]}" "$root/tests/models/generate.py" --out "$out/$suite" \
      --ort-python "$ort_python" 2>"$out/$suite/generate.log"
  fi
  for opset in $opsets; do
    rm -f "$out/$suite/expected-opset$opset.txt"
    "$runner" --cases "$out/$suite" --opset "$opset" --update \
      --expect "$out/$suite/expected-opset$opset.txt" --work "$out/work/$suite" \
      --ort-dir "$ort_dir" --runner "$root/tests/conformance/conformance_runner.js" \
      >/dev/null || true
    python3 "$root/tests/models/report.py" --dir "$out/$suite" --opset "$opset"
  done
done
