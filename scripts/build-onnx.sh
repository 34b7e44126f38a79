#!/usr/bin/env bash
# Builds the onnx library (checker, shape inference, op schemas) from its source release, so
# ts2onnx can target opsets past 17: Debian 12's libonnx-dev is onnx 1.12, which stops there.
# Installs into ${TS2ONNX_ONNX_PREFIX:-${BUILD_DIR:-build}/deps/onnx-VERSION-pv}; does nothing when
# that prefix already holds this version. `build-onnx.sh --prefix` prints the prefix. scripts/build.sh points CMake at it (ONNX_ROOT);
# `TS2ONNX_ONNX=system` skips all this and builds against Debian's onnx (opsets up to 17).
#
# The source is onnx's sdist from PyPI, pinned by version and SHA-256. It builds against
# Debian's protobuf (shared), with the same settings as Debian's package: ONNX_ML on, namespace
# `onnx`, static libraries (the protobuf classes with default visibility, see below). About 4
# minutes with two jobs.
set -euo pipefail
VERSION=1.19.1
SHA256=737524d6eb3907d3499ea459c6f01c5a96278bb3a0f2ff8ae04786fb5d7f1ed5
URL=https://files.pythonhosted.org/packages/27/2f/c619eb65769357e9b6de9212c9a821ab39cd484448e5d6b3fb5fb0a64c6d/onnx-$VERSION.tar.gz
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
# The suffix names the build settings below: a change of them makes a new prefix.
prefix=${TS2ONNX_ONNX_PREFIX:-$build/deps/onnx-$VERSION-pv}
if [[ ${1:-} == --prefix ]]; then
  echo "$prefix"
  exit 0
fi
if [[ -f $prefix/.ts2onnx-built ]]; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "build-onnx: building onnx $VERSION into $prefix (once per build directory)" >&2
curl -fsSL --retry 3 -o "$work/onnx.tar.gz" "$URL"
echo "$SHA256  $work/onnx.tar.gz" | sha256sum -c --quiet
tar -xzf "$work/onnx.tar.gz" -C "$work"
# onnx hides its generated protobuf classes (onnx_proto's CXX_VISIBILITY_PRESET hidden); ts2onnx's
# API returns an onnx::ModelProto, so libts2onnx.so must export them: build them visible.
sed -i 's/^set_target_properties(onnx_proto PROPERTIES CXX_VISIBILITY_PRESET hidden)$//' \
  "$work/onnx-$VERSION/CMakeLists.txt"
grep -q 'onnx_proto PROPERTIES CXX_VISIBILITY_PRESET' "$work/onnx-$VERSION/CMakeLists.txt" \
  && { echo "build-onnx: cannot make onnx_proto visible" >&2; exit 1; }
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$work/onnx-$VERSION" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DONNX_ML=1 -DONNX_NAMESPACE=onnx -DONNX_USE_PROTOBUF_SHARED_LIBS=ON \
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DONNX_BUILD_TESTS=OFF \
  -DONNX_BUILD_PYTHON=OFF -DCMAKE_INSTALL_PREFIX="$prefix" "${launcher[@]}" >"$work/configure.log" \
  || { cat "$work/configure.log" >&2; exit 1; }
cmake --build "$work/build" -j"${JOBS:-2}" >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log" >&2; exit 1; }
cmake --install "$work/build" >/dev/null
touch "$prefix/.ts2onnx-built"
