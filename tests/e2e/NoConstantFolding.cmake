# Converts vit_small_traced with and without --no-constant-folding and checks that the
# unfolded model keeps more nodes (the ops torch's do_constant_folding would evaluate on
# parameters: transposes and arithmetic of weights) while both pass the checker at conversion.
file(MAKE_DIRECTORY ${WORK})
set(model ${FIXTURES}/vit_small_traced/model.pt)
set(input --input x:float32[1,3,32,32])
function(node_count out_var)
  execute_process(COMMAND ${TOOL} convert ${model} -o ${WORK}/m.onnx ${input} ${ARGN}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "convert ${ARGN} failed: ${err}")
  endif()
  execute_process(COMMAND ${TOOL} inspect ${WORK}/m.onnx OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT text MATCHES "nodes: ([0-9]+)")
    message(FATAL_ERROR "inspect failed: ${text}")
  endif()
  set(${out_var} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()
node_count(folded)
node_count(unfolded --no-constant-folding)
message(STATUS "vit_small_traced: ${folded} nodes folded, ${unfolded} with --no-constant-folding")
if(NOT unfolded GREATER folded)
  message(FATAL_ERROR "--no-constant-folding changed nothing (${folded} vs ${unfolded} nodes)")
endif()
