#!/usr/bin/env bash
# Rewrites the conformance suite's expectations files from the current build, for every suite and
# opset (or the ones given): `tests/conformance/update.sh [SUITE] [OPSET...]`. Review the diff:
# every line that changed is a case that now passes, fails differently, or regressed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
runner=$build/tests/conformance/ts2onnx_conformance
[[ -x $runner ]] || { echo "update.sh: build first ($runner is missing)" >&2; exit 1; }
suites=${1:-$(cd "$root/tests/conformance" && ls -d torch-*/ | tr -d /)}
shift || true
# The opsets CTest runs the suite at in this build (11, 13, 17 and the newest the onnx library
# knows).
# (Read from the test names only: a build directory path may contain "opset<N>" too.)
default_opsets=$(ctest --test-dir "$build" -N -L conformance | grep 'Test *#' |
                 sed -n 's/.*\.opset\([0-9]*\)\..*/\1/p' | sort -un | tr '\n' ' ')
opsets=${*:-$default_opsets}
ort_dir=$(sed -n 's/^TS2ONNX_ORT_DIR:PATH=//p' "$build/CMakeCache.txt")
status=0
for suite in $suites; do
  for opset in $opsets; do
    "$runner" --cases "$root/tests/conformance/$suite" --opset "$opset" --update \
      --expect "$root/tests/conformance/$suite/expected-opset$opset.txt" \
      --work "$build/tests/conformance/work/$suite" --ort-dir "$ort_dir" \
      --runner "$root/tests/conformance/conformance_runner.js" | grep -v '^WRONG' || status=1
  done
done
exit $status
