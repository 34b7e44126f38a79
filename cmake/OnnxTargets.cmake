# The onnx library under the target names the project links (onnx, onnx_proto), whichever onnx
# find_package(ONNX) found: Debian's libonnx-dev (onnx 1.12) exports `onnx` and `onnx_proto`;
# onnx built from its source release (scripts/build-onnx.sh) exports `ONNX::onnx` and
# `ONNX::onnx_proto`, without include directories. Included by Dependencies.cmake and by the
# installed ts2onnxConfig.cmake.
if(TARGET ONNX::onnx AND NOT TARGET onnx)
  # <prefix>/lib/cmake/ONNX -> <prefix>/include. Without it the compiler would find Debian's
  # onnx 1.12 headers in /usr/include, if installed, and mix them with the newer library.
  get_filename_component(_ts2onnx_onnx_include "${ONNX_DIR}/../../../include" ABSOLUTE)
  if(NOT EXISTS "${_ts2onnx_onnx_include}/onnx/onnx_pb.h")
    message(FATAL_ERROR "onnx ${ONNX_VERSION} at ${ONNX_DIR} has no headers in "
                        "${_ts2onnx_onnx_include}")
  endif()
  foreach(t onnx onnx_proto)
    add_library(${t} INTERFACE IMPORTED)
    set_target_properties(${t} PROPERTIES INTERFACE_LINK_LIBRARIES ONNX::${t}
                                          INTERFACE_INCLUDE_DIRECTORIES "${_ts2onnx_onnx_include}")
  endforeach()
endif()

# The newest ai.onnx opset that onnx release defines (its checker and shape inference know
# nothing newer), capped at the newest one ts2onnx is tested at (the conformance suite and the
# e2e opset cross-section run there).
set(TS2ONNX_NEWEST_TESTED_OPSET 24)
set(_ts2onnx_onnx_opsets 1.12 17 1.13 18 1.14 19 1.15 20 1.16 21 1.17 22 1.18 23 1.19 24 1.20 25)
set(TS2ONNX_MAX_OPSET 17)
while(_ts2onnx_onnx_opsets)
  list(POP_FRONT _ts2onnx_onnx_opsets _version _opset)
  if(ONNX_VERSION VERSION_GREATER_EQUAL _version)
    set(TS2ONNX_MAX_OPSET ${_opset})
  endif()
endwhile()
if(TS2ONNX_MAX_OPSET GREATER TS2ONNX_NEWEST_TESTED_OPSET)
  set(TS2ONNX_MAX_OPSET ${TS2ONNX_NEWEST_TESTED_OPSET})
endif()
