# Fails (never skips) when onnxruntime-node is not installed where `ts2onnx verify` looks.
if(DEFINED ENV{TS2ONNX_ORT_DIR})
  set(ORT_DIR $ENV{TS2ONNX_ORT_DIR})
endif()
set(pkg ${ORT_DIR}/node_modules/onnxruntime-node/package.json)
if(NOT EXISTS ${pkg})
  message(FATAL_ERROR "onnxruntime-node is not installed in ${ORT_DIR} "
                      "(run scripts/install-deps.sh, or set TS2ONNX_ORT_DIR)")
endif()
file(READ ${pkg} text)
string(JSON version GET "${text}" version)
message(STATUS "onnxruntime-node ${version} in ${ORT_DIR}")
