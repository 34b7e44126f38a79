# Converts FIXTURE (a custom-op archive) with the embedding example EXAMPLE at OPSET, then checks
# the model in onnxruntime (`ts2onnx verify`) against torch's outputs for both input sets.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "${ARGN}\n${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc})")
  endif()
endfunction()
run(${EXAMPLE} ${FIXTURE}/model.pt ${WORK}/model.onnx ${OPSET})
run(${TS2ONNX} inspect ${WORK}/model.onnx)
foreach(set "" 2)
  run(${TS2ONNX} verify ${WORK}/model.onnx --meta ${FIXTURE}/meta.json
      --input x=${FIXTURE}/input${set}_0.bin --expect ${FIXTURE}/output${set}_0.bin)
endforeach()
