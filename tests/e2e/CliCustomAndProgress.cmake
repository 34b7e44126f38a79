# `ts2onnx convert` with custom operators (--custom-schema, --custom-opset) and its progress
# line (only on a terminal, only for archives of at least --progress-min-bytes).
set(out ${WORK}/cli-custom)
file(REMOVE_RECURSE ${out})
file(MAKE_DIRECTORY ${out})
set(custom ${FIXTURES}/custom_scaled_tanh)

# Runs `ts2onnx ARGN`; sets rc, out and err in the caller.
function(tool)
  execute_process(COMMAND ${TOOL} ${ARGN} RESULT_VARIABLE r OUTPUT_VARIABLE o ERROR_VARIABLE e)
  set(rc ${r} PARENT_SCOPE)
  set(out "${o}" PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
endfunction()
function(expect_match what text regex)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: expected /${regex}/ in:\n${text}")
  endif()
endfunction()

# The custom op without its schema: the frontend names it and the call's source location.
tool(convert ${custom}/model.pt -o ${out}/a.onnx --input x:float32[batch,6])
expect_match("no schema" "${rc}" "^1$")
expect_match("no schema" "${err}"
             "code/__torch__.py:10:9: unknown operator mydomain::scaled_tanh.*--custom-schema")
# With its schema: it compiles, and to-onnx names it as the op without a symbolic.
tool(convert ${custom}/model.pt -o ${out}/a.onnx --input x:float32[batch,6]
     --custom-schema ${custom}/custom_schemas.txt)
expect_match("no symbolic" "${rc}" "^1$")
expect_match("no symbolic" "${err}"
             "code/__torch__.py:10:9: mydomain::scaled_tanh has no ONNX symbolic at opset 17")
if(EXISTS ${out}/a.onnx)
  message(FATAL_ERROR "a failed conversion left ${out}/a.onnx")
endif()
file(WRITE ${out}/bad_schemas.txt "# comment\nmydomain::broken(Tensor x -> Tensor\n")
tool(convert ${custom}/model.pt -o ${out}/a.onnx --input x:float32[batch,6]
     --custom-schema ${out}/bad_schemas.txt)
expect_match("bad schema file" "${rc}" "^2$")
expect_match("bad schema file" "${err}" "bad_schemas.txt:2: ")

# --custom-opset puts the domain into opset_import at that version.
tool(convert ${FIXTURES}/mlp/model.pt -o ${out}/mlp.onnx --input x:float32[batch,20]
     --custom-opset mydomain:3)
expect_match("custom opset" "${rc}" "^0$")
tool(inspect ${out}/mlp.onnx)
expect_match("custom opset" "${out}" "opset_import:\n  ai.onnx 17\n  mydomain 3\n")
tool(convert ${FIXTURES}/mlp/model.pt -o ${out}/mlp.onnx --input x:float32[batch,20]
     --custom-opset mydomain)
expect_match("bad custom opset" "${rc}" "^2$")

# Progress: stderr is not a terminal here, so nothing but the summary line, even with the
# threshold at 0.
tool(convert ${FIXTURES}/mlp/model.pt -o ${out}/mlp.onnx --input x:float32[batch,20]
     --progress-min-bytes 0)
expect_match("progress, not a terminal" "${rc}" "^0$")
expect_match("progress, not a terminal" "${err}" "^ts2onnx convert: wrote [^\r\n]*\n$")

# On a terminal (script(1) runs the tool on a pseudo-terminal): the line appears for an
# archive over the threshold, is cleared before the summary, and stays off below it.
find_program(SCRIPT script REQUIRED)
set(cmd "${TOOL} convert ${FIXTURES}/mlp/model.pt -o ${out}/tty.onnx --input x:float32[batch,20]")
execute_process(COMMAND ${SCRIPT} -qec "${cmd} --progress-min-bytes 0" /dev/null
                RESULT_VARIABLE rc OUTPUT_VARIABLE tty)
expect_match("progress on a terminal" "${rc}" "^0$")
expect_match("progress on a terminal" "${tty}" "ts2onnx: loading [^\r]*model.pt\r")
expect_match("progress on a terminal" "${tty}" "ts2onnx: pass [0-9]+/[0-9]+ onnx-cleanup\r")
expect_match("progress on a terminal" "${tty}" "ts2onnx: writing initializers 100%")
string(ASCII 27 esc)
expect_match("progress on a terminal" "${tty}" "\r${esc}\\[Kts2onnx convert: wrote ")
execute_process(COMMAND ${SCRIPT} -qec "${cmd}" /dev/null RESULT_VARIABLE rc OUTPUT_VARIABLE tty)
expect_match("no progress under 100 MiB" "${rc}" "^0$")
if(tty MATCHES "ts2onnx: (loading|pass|writing)")
  message(FATAL_ERROR "progress shown for a small archive:\n${tty}")
endif()
