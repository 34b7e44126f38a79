#!/bin/sh
# Link launcher of the ts2onnx executable (CXX_LINKER_LAUNCHER, tools/ts2onnx/CMakeLists.txt):
# runs the link command it is given with the shared libraries of the dependencies named below
# replaced by their static archives, where the archive is installed beside them. The process
# then maps 3 shared objects instead of 39 (docs/performance.md); libts2onnx and the static
# libraries keep linking the shared ones, as their consumers do.
#
# Replaced: Abseil, protobuf, zlib and libdeflate (Debian ships their archives, built
# position-independent); libfmt.so by the archive libts2onnx_static_fmt.a on the same line
# (tools/ts2onnx/StaticFmt.cpp; moved to where libfmt.so was, after the libraries that use it).
# Then, if no shared library is left on the line, libstdc++ and libgcc are linked statically
# too (-static-libstdc++ -static-libgcc): only libc, libm and the loader stay shared. A shared
# C++ library left on the line (Debian's libonnx.so with TS2ONNX_ONNX=system) keeps them shared.
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
is_libfmt() {
  case "$(basename "$1")" in
  libfmt.so*) return 0 ;;
  *) return 1 ;;
  esac
}
# The archive that stands for libfmt.so, if the line has one.
fmt_archive=
for arg in "$@"; do
  case "$arg" in
  libts2onnx_static_fmt.a | */libts2onnx_static_fmt.a) fmt_archive=$arg ;;
  esac
done
first=1
shared_left=0
for arg in "$@"; do
  if [ "$first" = 1 ]; then
    set --
    first=0
  fi
  new=$arg
  if [ -n "$fmt_archive" ] && [ "$arg" = "$fmt_archive" ]; then
    continue # placed where libfmt.so is
  fi
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
    if [ -n "$fmt_archive" ] && is_libfmt "$arg"; then
      new=$fmt_archive
    elif replaceable "$arg"; then
      archive=$(printf '%s\n' "$arg" | sed -E 's/\.so(\.[0-9]+)*$/.a/')
      [ -f "$archive" ] && new=$archive
    fi
    case "$new" in
    *.so | *.so.*) shared_left=1 ;;
    esac
    ;;
  esac
  set -- "$@" "$new"
done
if [ -n "$fmt_archive" ] && [ "$shared_left" = 0 ]; then
  set -- "$@" -static-libstdc++ -static-libgcc
fi
exec "$@"
