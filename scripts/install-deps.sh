#!/usr/bin/env bash
# Installs what ts2onnx needs to build and test, only what is missing. Debian 12.
# Usage: scripts/install-deps.sh [--tests]   (as root, or with sudo available)
# Also installs the onnxruntime-node npm package (used only by `ts2onnx verify` and the
# end-to-end tests) into ${BUILD_DIR:-build}/node, where the tool looks for it.
set -euo pipefail

packages=(cmake g++ make libprotobuf-dev protobuf-compiler libfmt-dev doctest-dev libabsl-dev libjemalloc-dev
          libdeflate-dev
          zlib1g-dev nlohmann-json3-dev curl ca-certificates pkg-config python3-venv)
# onnx: built from its source release by scripts/build.sh (scripts/build-onnx.sh), or Debian's
# onnx 1.12 with TS2ONNX_ONNX=system (opsets up to 17).
if [[ ${TS2ONNX_ONNX:-source} == system ]]; then
  packages+=(libonnx-dev)
fi

# The HTML report's tests (tests/report): Graphviz draws the graphs, headless Chromium renders
# the page. Only for the test suite: scripts/run-tests.sh passes --tests (about 124 MB to
# download, 50 s with the install); without them those tests are reported as skipped.
if [[ " $* " == *" --tests "* ]]; then
  packages+=(graphviz chromium)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm run onnxruntime-node; a node from elsewhere (nodesource, nvm) is fine.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# onnxruntime-node for `ts2onnx verify`: the package carries libonnxruntime and its N-API
# binding, so --ignore-scripts skips nothing we need (its install script only downloads GPU
# providers).
ORT_VERSION=1.30.0
root=$(cd "$(dirname "$0")/.." && pwd)
ort_dir=${TS2ONNX_ORT_DIR:-${BUILD_DIR:-$root/build}/node}
installed=$(node -p "try { require('$ort_dir/node_modules/onnxruntime-node/package.json').version } catch (e) { '' }" 2>/dev/null || true)
if [ "$installed" != "$ORT_VERSION" ]; then
  echo "install-deps: installing onnxruntime-node@$ORT_VERSION into $ort_dir" >&2
  mkdir -p "$ort_dir"
  (cd "$ort_dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
     "onnxruntime-node@$ORT_VERSION" >&2)
fi

# The Python package's tests (python/tests, CTest python.pytest) run in a venv of their own,
# ${BUILD_DIR:-build}/pyvenv, with pytest and onnx from PyPI (onnx only to check the ModelProto
# that ts2onnx.convert returns when onnx is importable; the package itself needs neither).
# Only for the test suite (--tests).
py_venv=${BUILD_DIR:-$root/build}/pyvenv
if [[ " $* " == *" --tests "* ]] && ! "$py_venv/bin/python" -c "import pytest, onnx" >/dev/null 2>&1; then
  echo "install-deps: creating $py_venv (pytest, onnx)" >&2
  python3 -m venv "$py_venv"
  "$py_venv/bin/pip" install -q --disable-pip-version-check pytest==8.3.5 onnx==1.19.1 >&2
fi
