# Every external dependency comes from a Debian package; a missing one stops configure
# with the name of the package to install.
macro(ts2onnx_require pkg debian)
  find_package(${pkg} ${ARGN} QUIET)
  if(NOT ${pkg}_FOUND)
    message(FATAL_ERROR "ts2onnx needs ${pkg}: install it with `apt-get install ${debian}`")
  endif()
endmacro()

ts2onnx_require(absl libabsl-dev CONFIG)
ts2onnx_require(fmt libfmt-dev CONFIG)
ts2onnx_require(ZLIB zlib1g-dev)
# libdeflate: the CRC-32 of archive records (about 3x zlib's crc32). Linked by its plain name
# (`-ldeflate`), which the installed targets and ts2onnx-static.pc pass on.
find_library(TS2ONNX_LIBDEFLATE NAMES deflate)
find_path(TS2ONNX_LIBDEFLATE_INCLUDE libdeflate.h)
if(NOT TS2ONNX_LIBDEFLATE OR NOT TS2ONNX_LIBDEFLATE_INCLUDE)
  message(FATAL_ERROR "ts2onnx needs libdeflate: install it with `apt-get install libdeflate-dev`")
endif()
ts2onnx_require(nlohmann_json nlohmann-json3-dev CONFIG)
ts2onnx_require(Protobuf "libprotobuf-dev protobuf-compiler")
# onnx: from scripts/build-onnx.sh when ONNX_DIR points there (scripts/build.sh does that), for
# opsets up to 24; else Debian's libonnx-dev (onnx 1.12, opsets up to 17).
ts2onnx_require(ONNX libonnx-dev CONFIG)
include(${CMAKE_CURRENT_LIST_DIR}/OnnxTargets.cmake)
message(STATUS "ts2onnx: onnx ${ONNX_VERSION} from ${ONNX_DIR}: opsets up to ${TS2ONNX_MAX_OPSET}")
if(TS2ONNX_BUILD_TESTS)
  ts2onnx_require(doctest doctest-dev CONFIG)
endif()
