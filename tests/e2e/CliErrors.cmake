# `ts2onnx convert` on errors: exit code 1, exactly one line on stderr, no output file, and an
# existing output file left as it was.
set(out ${WORK}/cli-errors)
file(REMOVE_RECURSE ${out})
file(MAKE_DIRECTORY ${out})

function(expect_failure name)
  execute_process(COMMAND ${TOOL} convert ${ARGN} RESULT_VARIABLE rc ERROR_VARIABLE err
                  OUTPUT_VARIABLE stdout)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "${name}: exit code ${rc}, expected 1 (stderr: ${err})")
  endif()
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines lines)
  if(NOT lines EQUAL 1)
    message(FATAL_ERROR "${name}: ${lines} lines on stderr, expected one:\n${err}")
  endif()
  message(STATUS "${name}: ${err}")
  set(err "${err}" PARENT_SCOPE)
endfunction()

# Wrong number of inputs: fails after loading, before anything is written.
expect_failure("wrong input count" ${FIXTURES}/mlp/model.pt -o ${out}/a.onnx
               --input x:float32[4,20] --input y:float32[4,20])
if(EXISTS ${out}/a.onnx)
  message(FATAL_ERROR "a failed conversion left ${out}/a.onnx")
endif()

# An unsupported opset, over an existing file: the file stays.
file(WRITE ${out}/b.onnx "previous")
expect_failure("unsupported opset" ${FIXTURES}/mlp/model.pt -o ${out}/b.onnx
               --input x:float32[4,20] --opset 8)
file(READ ${out}/b.onnx content)
if(NOT content STREQUAL "previous")
  message(FATAL_ERROR "a failed conversion changed ${out}/b.onnx")
endif()

# The output path is the input archive.
file(COPY ${FIXTURES}/mlp/model.pt DESTINATION ${out})
file(SHA256 ${out}/model.pt before)
expect_failure("overwrite input" ${out}/model.pt -o ${out}/model.pt --input x:float32[4,20])
file(SHA256 ${out}/model.pt after)
if(NOT before STREQUAL after)
  message(FATAL_ERROR "convert overwrote its input archive")
endif()

# A loop-carried list that is not appended to once per iteration needs opset 13 (Loop carries
# sequences from 13; below it only once-per-iteration appends become scan outputs).
expect_failure("sequence carried below opset 13" ${FIXTURES}/seq_cond_append/model.pt
               -o ${out}/c.onnx --input x:float32[2,3] --input n:int64[] --opset 11)
if(NOT err MATCHES "prim::Loop carries a list .* from opset 13 \\(target is 11\\)")
  message(FATAL_ERROR "sequence carried below opset 13: unexpected message: ${err}")
endif()

file(GLOB leftovers ${out}/*.tmp.*)
if(leftovers)
  message(FATAL_ERROR "temporary files left behind: ${leftovers}")
endif()
