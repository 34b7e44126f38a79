# --external-data-reference (zero copy): the fixture is copied below the directory the model is
# written to, converted with its weights left in the archive, and checked by the e2e runner
# against torch's outputs in onnxruntime (which reads the weights from the .pt through the
# external-data entries). Then: no weight was copied (the model is small, no data file), BatchNorm
# stays unfused unless --fuse-batch-norm, and an output directory the archive is not below is
# refused with one line.
set(dir ${WORK}/${FIXTURE}-opset17-static)
file(REMOVE_RECURSE ${dir})
file(MAKE_DIRECTORY ${dir})
file(COPY ${FIXTURES}/${FIXTURE} DESTINATION ${dir})
set(pt ${dir}/${FIXTURE}/model.pt)
execute_process(COMMAND ${E2E} --tool ${TOOL} --work ${WORK} --fixture ${dir}/${FIXTURE}
                        --opset 17 --static --convert-arg --external-data-reference
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the reference-mode model does not match torch")
endif()
file(SIZE ${dir}/model.onnx model_bytes)
file(SIZE ${pt} pt_bytes)
math(EXPR limit "${pt_bytes} / 4")
if(model_bytes GREATER limit OR EXISTS ${dir}/model.onnx.data)
  message(FATAL_ERROR "weights were copied: model ${model_bytes} bytes, archive ${pt_bytes}")
endif()
file(READ ${dir}/model.onnx bytes HEX)
string(HEX "${FIXTURE}/model.pt" location)
if(NOT bytes MATCHES "${location}")
  message(FATAL_ERROR "no external-data entry names ${FIXTURE}/model.pt")
endif()

function(batch_norms out_var)
  execute_process(COMMAND ${TOOL} inspect ${dir}/model.onnx OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "inspect failed: ${text}")
  endif()
  set(n 0)
  if(text MATCHES "BatchNormalization +([0-9]+)")
    set(n ${CMAKE_MATCH_1})
  endif()
  set(${out_var} ${n} PARENT_SCOPE)
endfunction()
batch_norms(unfused)
execute_process(COMMAND ${TOOL} convert ${pt} -o ${dir}/model.onnx ${INPUT}
                        --external-data-reference --fuse-batch-norm RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "--fuse-batch-norm failed: ${err}")
endif()
batch_norms(fused)
message(STATUS "BatchNormalization nodes: ${unfused} in reference mode, ${fused} with --fuse-batch-norm")
if(unfused EQUAL 0 OR NOT fused EQUAL 0)
  message(FATAL_ERROR "BatchNorm fusion is not off in reference mode by default")
endif()

file(MAKE_DIRECTORY ${WORK}/elsewhere)
execute_process(COMMAND ${TOOL} convert ${pt} -o ${WORK}/elsewhere/model.onnx ${INPUT}
                        --external-data-reference RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "^ts2onnx convert: error: reference mode: the archive '[^\n]*' must be in the output model's directory[^\n]*\n$"
   OR EXISTS ${WORK}/elsewhere/model.onnx)
  message(FATAL_ERROR "an archive outside the model's directory was not refused: ${err}")
endif()
