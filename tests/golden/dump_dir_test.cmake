# Checks --dump-dir: cmake -DTS2ONNX=<tool> -DINPUT=<golden file> -DWORK_DIR=<dir>
#                          -P dump_dir_test.cmake
# Runs `opt --passes=dce,cse,dce --dump-dir=DIR` and expects exactly 00-input.txt, 01-dce.txt,
# 02-cse.txt and 03-dce.txt in DIR, the last one equal to what opt printed.
cmake_minimum_required(VERSION 3.18)

file(READ "${INPUT}" content)
string(REGEX REPLACE "^(#[^\n]*\n)+" "" body "${content}")
set(dump_dir "${WORK_DIR}/dump-dir")
file(REMOVE_RECURSE "${dump_dir}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(input "${WORK_DIR}/dump-dir-input.txt")
file(WRITE "${input}" "${body}")

execute_process(
  COMMAND "${TS2ONNX}" opt "${input}" --passes=dce,cse,dce "--dump-dir=${dump_dir}"
          --verify-each
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ts2onnx opt --dump-dir failed (exit ${rc}):\n${err}")
endif()

file(GLOB files RELATIVE "${dump_dir}" "${dump_dir}/*")
list(SORT files)
set(want "00-input.txt;01-dce.txt;02-cse.txt;03-dce.txt")
if(NOT files STREQUAL want)
  message(FATAL_ERROR "--dump-dir wrote [${files}], expected [${want}]")
endif()
file(READ "${dump_dir}/00-input.txt" first)
file(READ "${input}" original)
string(FIND "${first}" "graph(" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "00-input.txt does not hold the input graph:\n${first}")
endif()
file(READ "${dump_dir}/03-dce.txt" last)
if(NOT last STREQUAL out)
  message(FATAL_ERROR "03-dce.txt differs from the printed result:\n${last}\n---\n${out}")
endif()
