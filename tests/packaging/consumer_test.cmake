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
