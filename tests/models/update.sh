#!/usr/bin/env bash
# Rewrites the model suite's CI expectations from the current build:
# `tests/models/update.sh [SUITE] [OPSET...]` (suites ci-torch-1.13, ci-torch-2.9). Review the diff.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
runner=$build/tests/conformance/ts2onnx_conformance
[[ -x $runner ]] || { echo "update.sh: build first ($runner is missing)" >&2; exit 1; }
suites=${1:-ci-torch-1.13 ci-torch-2.9}
shift || true
default_opsets=$(ctest --test-dir "$build" -N -L models | grep -o 'opset[0-9]*' | sort -u |
                 sed 's/opset//' | sort -n | tr '\n' ' ')
opsets=${*:-$default_opsets}
ort_dir=$(sed -n 's/^TS2ONNX_ORT_DIR:PATH=//p' "$build/CMakeCache.txt")
status=0
for suite in $suites; do
  for opset in $opsets; do
    "$runner" --cases "$root/tests/models/$suite" --opset "$opset" --update \
      --expect "$root/tests/models/$suite/expected-opset$opset.txt" \
      --work "$build/tests/models/work/$suite" --ort-dir "$ort_dir" \
      --runner "$root/tests/conformance/conformance_runner.js" | grep -v '^WRONG' || status=1
  done
done
exit $status
