#!/bin/sh
# Link launcher of the ts2onnx executable (CXX_LINKER_LAUNCHER, tools/ts2onnx/CMakeLists.txt):
# runs the link command it is given with the shared libraries of the dependencies named below
# replaced by their static archives, where the archive is installed beside them. The process
# then maps 7 shared objects instead of 39, which halves its start-up (docs/performance.md);
# libts2onnx and the static libraries keep linking the shared ones, as their consumers do.
#
# Replaced: Abseil, protobuf, zlib and libdeflate (Debian ships their archives, built
# position-independent). Kept shared: libstdc++ and libgcc (libfmt.so, which has no archive,
# needs them), libc, libm.
set -eu
if [ $# -eq 0 ]; then
  echo "usage: link-static-deps.sh LINKER ARGS..." >&2
  exit 2
fi
replaceable() {
  case "$(basename "$1")" in
  libabsl_*.so* | libprotobuf.so* | libz.so* | libdeflate.so*) return 0 ;;
  *) return 1 ;;
  esac
}
first=1
for arg in "$@"; do
  if [ "$first" = 1 ]; then
    set --
    first=0
  fi
  new=$arg
  case "$arg" in
  -ldeflate)
    for dir in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
      if [ -f "$dir/libdeflate.a" ]; then
        new=$dir/libdeflate.a
        break
      fi
    done
    ;;
  /*.so | /*.so.*)
    if replaceable "$arg"; then
      archive=$(printf '%s\n' "$arg" | sed -E 's/\.so(\.[0-9]+)*$/.a/')
      [ -f "$archive" ] && new=$archive
    fi
    ;;
  esac
  set -- "$@" "$new"
done
exec "$@"
