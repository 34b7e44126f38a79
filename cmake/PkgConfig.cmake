# pkg-config: `pkg-config --cflags --libs ts2onnx` compiles and links a program against the
# installed libts2onnx.so; ts2onnx-static against the static libraries (the same ts2onnx::api
# links, in link order, plus the onnx libraries ts2onnx was built with, by absolute path, and the
# Debian packages' .pc files).
set(_ts2onnx_pc_libs api onnx_passes writer symbolics @onnx@ frontend passes semantics ir
                     @onnx_proto@)
if(TARGET ONNX::onnx)
  set(_ts2onnx_onnx_target ONNX::onnx)
  set(_ts2onnx_onnx_proto_target ONNX::onnx_proto)
  get_filename_component(_ts2onnx_pc_onnx_include "${ONNX_DIR}/../../../include" ABSOLUTE)
  set(_ts2onnx_pc_onnx_cflags "-I${_ts2onnx_pc_onnx_include}")
else()
  set(_ts2onnx_onnx_target onnx)
  set(_ts2onnx_onnx_proto_target onnx_proto)
  set(_ts2onnx_pc_onnx_cflags "")
endif()
set(_ts2onnx_pc_link "")
foreach(lib ${_ts2onnx_pc_libs})
  if(lib STREQUAL "@onnx@")
    string(APPEND _ts2onnx_pc_link " $<TARGET_LINKER_FILE:${_ts2onnx_onnx_target}>")
  elseif(lib STREQUAL "@onnx_proto@")
    string(APPEND _ts2onnx_pc_link " $<TARGET_LINKER_FILE:${_ts2onnx_onnx_proto_target}>")
  else()
    string(APPEND _ts2onnx_pc_link " -lts2onnx_${lib}")
  endif()
endforeach()
# Relocatable: the prefix is found from the .pc file's own place (`cmake --install --prefix`).
file(RELATIVE_PATH _ts2onnx_pc_up /x/${CMAKE_INSTALL_LIBDIR}/pkgconfig /x)
# ts2onnx.pc links libts2onnx.so when it is built (TS2ONNX_BUILD_SHARED), ts2onnx-static.pc the
# static libraries; both compile with the same flags.
set(_ts2onnx_pc_common "prefix=\${pcfiledir}/${_ts2onnx_pc_up}
libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}
includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}

Name: ts2onnx
Description: Convert TorchScript archives to ONNX without Python or libtorch
Version: ${PROJECT_VERSION}
Cflags: -I\${includedir} -I\${includedir}/ts2onnx/internal ${_ts2onnx_pc_onnx_cflags} -DONNX_ML=1 -DONNX_NAMESPACE=onnx
")
file(GENERATE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/ts2onnx-static.pc CONTENT
"${_ts2onnx_pc_common}Requires: protobuf zlib libdeflate fmt absl_status absl_statusor absl_strings absl_str_format absl_hash absl_raw_hash_set
Libs: -L\${libdir}${_ts2onnx_pc_link}
")
set(_ts2onnx_pc_files ${CMAKE_CURRENT_BINARY_DIR}/ts2onnx-static.pc)
if(TS2ONNX_BUILD_SHARED)
  file(GENERATE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/ts2onnx.pc CONTENT
"${_ts2onnx_pc_common}Requires: protobuf fmt absl_status absl_statusor absl_hash absl_raw_hash_set
Libs: -L\${libdir} -lts2onnx
")
  list(APPEND _ts2onnx_pc_files ${CMAKE_CURRENT_BINARY_DIR}/ts2onnx.pc)
endif()
install(FILES ${_ts2onnx_pc_files} DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
