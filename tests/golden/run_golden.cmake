# Runs one golden test: cmake -DTS2ONNX=<tool> -DGOLDEN=<file.txt> -DWORK_DIR=<dir>
#                                -P run_golden.cmake
#
# A golden file starts with `# RUN: opt <args>` and may go on with more `#` comment lines;
# the rest is the input IR. The driver runs `ts2onnx opt <input> <args> --verify-each` and
# compares stdout byte for byte with `<name>.expected` beside the file, and stderr with
# `<name>.stderr.expected` when that file exists. On a mismatch it prints a unified diff. With
# the environment variable UPDATE_GOLDENS=1 it rewrites the expected files instead.
cmake_minimum_required(VERSION 3.18)

foreach(var TS2ONNX GOLDEN WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_golden.cmake: -D${var}=... is required")
  endif()
endforeach()

get_filename_component(dir "${GOLDEN}" DIRECTORY)
get_filename_component(name "${GOLDEN}" NAME_WE)
set(expected_out "${dir}/${name}.expected")
set(expected_err "${dir}/${name}.stderr.expected")

file(READ "${GOLDEN}" content)
string(REGEX MATCH "^(#[^\n]*\n)+" header "${content}")
if(NOT header MATCHES "^# RUN: opt([^\n]*)\n")
  message(FATAL_ERROR "${GOLDEN}: the first line must be `# RUN: opt <args>`")
endif()
separate_arguments(args UNIX_COMMAND "${CMAKE_MATCH_1}")
string(LENGTH "${header}" header_length)
string(SUBSTRING "${content}" ${header_length} -1 body)
# Blank lines in place of the header keep the parser's line numbers those of the file.
string(REGEX REPLACE "[^\n]" "" blank_header "${header}")

file(MAKE_DIRECTORY "${WORK_DIR}")
set(input "${WORK_DIR}/${name}.input.txt")
file(WRITE "${input}" "${blank_header}${body}")

execute_process(
  COMMAND "${TS2ONNX}" opt "${input}" ${args} --verify-each
  OUTPUT_VARIABLE actual_out
  ERROR_VARIABLE actual_err
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ts2onnx opt ${args} --verify-each failed (exit ${rc}):\n${actual_err}")
endif()

find_program(DIFF_PROGRAM diff)
set(failed FALSE)
# compare(<expected file> <actual text> <what>)
function(compare expected actual what)
  if("$ENV{UPDATE_GOLDENS}" STREQUAL "1")
    file(WRITE "${expected}" "${actual}")
    message(STATUS "updated ${expected}")
    return()
  endif()
  if(NOT EXISTS "${expected}")
    message(SEND_ERROR "${expected} is missing; run with UPDATE_GOLDENS=1 and review it")
    return()
  endif()
  file(READ "${expected}" expected_text)
  if(expected_text STREQUAL actual)
    return()
  endif()
  get_filename_component(expected_name "${expected}" NAME)
  set(actual_file "${WORK_DIR}/${expected_name}.actual")
  file(WRITE "${actual_file}" "${actual}")
  message(NOTICE "${what} differs from ${expected} (actual output in ${actual_file}):")
  if(DIFF_PROGRAM)
    # diff writes to our stdout unformatted.
    execute_process(COMMAND "${DIFF_PROGRAM}" -u "${expected}" "${actual_file}")
  else()
    message(NOTICE "--- expected\n${expected_text}+++ actual\n${actual}")
  endif()
  message(SEND_ERROR "${what} differs from ${expected}")
endfunction()

compare("${expected_out}" "${actual_out}" "stdout")
if(EXISTS "${expected_err}")
  compare("${expected_err}" "${actual_err}" "stderr")
endif()
