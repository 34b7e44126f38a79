file(REMOVE_RECURSE ${WORK})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK}/prefix)
# Nothing but include/ts2onnx/ at the top of the installed headers (internal headers go under
# include/ts2onnx/internal/), so the package cannot collide with others under one prefix.
file(GLOB top RELATIVE ${WORK}/prefix/include ${WORK}/prefix/include/*)
if(NOT top STREQUAL "ts2onnx")
  message(FATAL_ERROR "installed include/ holds '${top}', expected only 'ts2onnx'")
endif()
file(GLOB public RELATIVE ${WORK}/prefix/include/ts2onnx ${WORK}/prefix/include/ts2onnx/*)
list(SORT public)
if(NOT public STREQUAL "extend.h;internal;ts2onnx.h")
  message(FATAL_ERROR "installed include/ts2onnx/ holds '${public}'")
endif()
# pkg-config: the relocatable ts2onnx.pc compiles and links the consumer with one command.
find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${WORK}/prefix/lib/pkgconfig)
run(${PKG_CONFIG} --cflags --libs ts2onnx)
string(STRIP "${last_output}" pc_flags)
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
run(c++ -std=c++17 -O1 ${SOURCE_DIR}/tests/consumer/main.cpp -o ${WORK}/consumer-pc ${pc_flags})
run(${WORK}/consumer-pc ${SOURCE_DIR}/fixtures/mlp/model.pt "x:float32[batch,20]"
    ${WORK}/mlp-pc.onnx)
message(STATUS "pkg-config consumer: ${last_output}")
run(${TS2ONNX} verify ${WORK}/mlp-pc.onnx --meta ${SOURCE_DIR}/fixtures/mlp/meta.json
    --input x=${SOURCE_DIR}/fixtures/mlp/input_0.bin
    --expect ${SOURCE_DIR}/fixtures/mlp/output_0.bin)

# The installed tool finds onnxruntime-node at <prefix>/share/ts2onnx/node (no build-tree path
# compiled in) and, when it is not there, says where it looked and how to install it.
set(installed ${WORK}/prefix/bin/ts2onnx)
set(verify_args verify ${WORK}/mlp-pc.onnx --meta ${SOURCE_DIR}/fixtures/mlp/meta.json
    --input x=${SOURCE_DIR}/fixtures/mlp/input_0.bin
    --expect ${SOURCE_DIR}/fixtures/mlp/output_0.bin)
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=TS2ONNX_ORT_DIR ${installed} ${verify_args}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "onnxruntime-node not found \\(looked in [^\n]*/prefix/share/ts2onnx/node"
   OR NOT err MATCHES "npm install --prefix [^ ]*/prefix/share/ts2onnx/node onnxruntime-node")
  message(FATAL_ERROR "installed verify without onnxruntime-node: rc ${rc}, expected the "
                      "message naming <prefix>/share/ts2onnx/node:\n${out}${err}")
endif()
message(STATUS "without onnxruntime-node: ${err}")
if(DEFINED ENV{TS2ONNX_ORT_DIR})
  set(ORT_DIR $ENV{TS2ONNX_ORT_DIR})
endif()
file(CREATE_LINK ${ORT_DIR} ${WORK}/prefix/share/ts2onnx/node SYMBOLIC)
run(${CMAKE_COMMAND} -E env --unset=TS2ONNX_ORT_DIR ${installed} ${verify_args})
message(STATUS "installed verify, onnxruntime-node in <prefix>/share/ts2onnx/node: ${last_output}")

run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK}/build
    -DCMAKE_PREFIX_PATH=${WORK}/prefix -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK}/build -j2)
set(fixture ${SOURCE_DIR}/fixtures/mlp)
run(${WORK}/build/consumer ${fixture}/model.pt "x:float32[batch,20]" ${WORK}/mlp.onnx)
message(STATUS "${last_output}")
run(${TS2ONNX} verify ${WORK}/mlp.onnx --meta ${fixture}/meta.json
    --input x=${fixture}/input_0.bin --expect ${fixture}/output_0.bin)
message(STATUS "${last_output}")

# The README's example, built against the installed package: a torch.library custom op converts
# with its registered schema and symbolic, and matches torch in onnxruntime.
set(fixture ${SOURCE_DIR}/fixtures/custom_scaled_tanh)
run(${WORK}/build/embed ${fixture}/model.pt ${WORK}/custom.onnx 13)
foreach(set "" 2)
  run(${TS2ONNX} verify ${WORK}/custom.onnx --meta ${fixture}/meta.json
      --input x=${fixture}/input${set}_0.bin --expect ${fixture}/output${set}_0.bin)
  message(STATUS "${last_output}")
endforeach()
