# `ts2onnx convert` warnings: a traced archive that froze a size warns, with the source location,
# when that dim is declared dynamic; the same archive at its static size, and a traced model that
# kept its sizes dynamic, convert without warnings.
set(out ${WORK}/warnings)
file(REMOVE_RECURSE ${out})
file(MAKE_DIRECTORY ${out})

function(convert_ok name)
  execute_process(COMMAND ${TOOL} convert ${ARGN} RESULT_VARIABLE rc ERROR_VARIABLE err
                  OUTPUT_VARIABLE stdout)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}: exit code ${rc}, expected 0 (stderr: ${err})")
  endif()
  set(err "${err}" PARENT_SCOPE)
endfunction()

convert_ok("baked view, dynamic batch" ${FIXTURES}/baked_view_traced/model.pt -o ${out}/a.onnx
           --input x:float32[batch,3,4])
if(NOT err MATCHES "model\\.pt:code/__torch__\\.py:[0-9]+:[0-9]+: warning: aten::view to the constant shape \\[6, 4\\] of a tensor whose dim 0 is dynamic \\(batch\\)")
  message(FATAL_ERROR "baked view, dynamic batch: no warning with the source location:\n${err}")
endif()

convert_ok("baked view, static" ${FIXTURES}/baked_view_traced/model.pt -o ${out}/b.onnx
           --input x:float32[2,3,4])
if(err MATCHES ": warning: ")
  message(FATAL_ERROR "baked view, static: unexpected warning:\n${err}")
endif()

convert_ok("traced encoder, dynamic" ${FIXTURES}/transformer_encoder_traced/model.pt
           -o ${out}/c.onnx --input src:float32[batch,seq,32])
if(err MATCHES ": warning: ")
  message(FATAL_ERROR "traced encoder, dynamic: unexpected warning:\n${err}")
endif()
