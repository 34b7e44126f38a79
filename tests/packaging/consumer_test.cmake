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
# libts2onnx.so: versioned, and exporting nothing but the ts2onnx and onnx namespaces (no
# protobuf, absl, fmt: those stay the consumer's own shared libraries).
set(so ${WORK}/prefix/lib/libts2onnx.so)
# Without libts2onnx.so (TS2ONNX_BUILD_SHARED off, as in sanitized builds) the static forms only.
set(variants static)
set(pc_files ts2onnx-static)
if(SHARED)
  list(APPEND variants shared)
  list(APPEND pc_files ts2onnx)
endif()
foreach(link libts2onnx.so libts2onnx.so.0.1)
  if(NOT SHARED)
    break()
  endif()
  if(NOT EXISTS ${WORK}/prefix/lib/${link})
    message(FATAL_ERROR "the install has no lib/${link}")
  endif()
endforeach()
if(SHARED)
run(objdump -p ${so})
if(NOT last_output MATCHES "SONAME +libts2onnx\\.so\\.0\\.1\n")
  message(FATAL_ERROR "libts2onnx.so's SONAME is not libts2onnx.so.0.1:\n${last_output}")
endif()
run(nm -D --defined-only -C ${so})
string(REGEX MATCHALL "\n[0-9a-f]+ [A-Za-z] [^\n]+" exported "\n${last_output}")
list(LENGTH exported exported_count)
set(foreign "")
foreach(sym ${exported})
  string(REGEX REPLACE "^\n[0-9a-f]+ [A-Za-z] " "" sym "${sym}")
  if(NOT sym MATCHES "^(ts2onnx::|onnx::|(typeinfo|typeinfo name|vtable|VTT) for (ts2onnx|onnx)::|descriptor_table_onnx_)")
    list(APPEND foreign "${sym}")
  endif()
endforeach()
if(foreign)
  list(LENGTH foreign n)
  list(SUBLIST foreign 0 10 some)
  message(FATAL_ERROR "libts2onnx.so exports ${n} symbols outside ts2onnx:: and onnx::, e.g. ${some}")
endif()
message(STATUS "libts2onnx.so.0.1: ${exported_count} exported symbols, all ts2onnx:: or onnx::")
endif()

# pkg-config: the relocatable ts2onnx.pc (libts2onnx.so) and ts2onnx-static.pc compile and
# link the consumer with one command each.
find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${WORK}/prefix/lib/pkgconfig)
foreach(pc ${pc_files})
  run(${PKG_CONFIG} --cflags --libs ${pc})
  string(STRIP "${last_output}" pc_flags)
  separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
  run(c++ -std=c++17 -O1 ${SOURCE_DIR}/tests/consumer/main.cpp -o ${WORK}/consumer-${pc}
      ${pc_flags})
  run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${WORK}/prefix/lib ${WORK}/consumer-${pc}
      ${SOURCE_DIR}/fixtures/mlp/model.pt "x:float32[batch,20]" ${WORK}/mlp-${pc}.onnx)
  message(STATUS "pkg-config ${pc} consumer: ${last_output}")
  run(${TS2ONNX} verify ${WORK}/mlp-${pc}.onnx --meta ${SOURCE_DIR}/fixtures/mlp/meta.json
      --input x=${SOURCE_DIR}/fixtures/mlp/input_0.bin
      --expect ${SOURCE_DIR}/fixtures/mlp/output_0.bin)
endforeach()
if(SHARED)
  run(ldd ${WORK}/consumer-ts2onnx)
  if(NOT last_output MATCHES "libts2onnx\\.so\\.0\\.1")
    message(FATAL_ERROR "the ts2onnx.pc consumer does not load libts2onnx.so.0.1:\n${last_output}")
  endif()
  set(pc_model ${WORK}/mlp-ts2onnx.onnx)
else()
  set(pc_model ${WORK}/mlp-ts2onnx-static.onnx)
endif()

# The installed tool finds onnxruntime-node at <prefix>/share/ts2onnx/node (no build-tree path
# compiled in) and, when it is not there, says where it looked and how to install it.
set(installed ${WORK}/prefix/bin/ts2onnx)
set(verify_args verify ${pc_model} --meta ${SOURCE_DIR}/fixtures/mlp/meta.json
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

# find_package(ts2onnx), static (ts2onnx::api) and shared (ts2onnx::ts2onnx): the consumer
# converts a fixture, and the README's example (a torch.library custom op with its registered
# schema and symbolic, through extend.h) too; both match torch in onnxruntime.
foreach(variant ${variants})
  set(b ${WORK}/build-${variant})
  set(want_so OFF)
  if(variant MATCHES "^shared$")
    set(want_so ON)
  endif()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${b}
      -DCMAKE_PREFIX_PATH=${WORK}/prefix -DCMAKE_BUILD_TYPE=Release -DCONSUMER_SHARED=${want_so})
  run(${CMAKE_COMMAND} --build ${b} -j2)
  run(ldd ${b}/consumer)
  if(want_so AND NOT last_output MATCHES "libts2onnx\\.so\\.0\\.1 => ${WORK}/prefix/lib/")
    message(FATAL_ERROR "the shared consumer does not load the installed libts2onnx.so.0.1:\n${last_output}")
  elseif(NOT want_so AND last_output MATCHES "libts2onnx")
    message(FATAL_ERROR "the static consumer loads libts2onnx:\n${last_output}")
  endif()
  file(SIZE ${b}/consumer consumer_size)
  set(fixture ${SOURCE_DIR}/fixtures/mlp)
  run(${b}/consumer ${fixture}/model.pt "x:float32[batch,20]" ${WORK}/mlp-${variant}.onnx)
  message(STATUS "${variant} consumer (${consumer_size} bytes): ${last_output}")
  run(${TS2ONNX} verify ${WORK}/mlp-${variant}.onnx --meta ${fixture}/meta.json
      --input x=${fixture}/input_0.bin --expect ${fixture}/output_0.bin)
  set(fixture ${SOURCE_DIR}/fixtures/custom_scaled_tanh)
  run(${b}/embed ${fixture}/model.pt ${WORK}/custom-${variant}.onnx 13)
  foreach(set "" 2)
    run(${TS2ONNX} verify ${WORK}/custom-${variant}.onnx --meta ${fixture}/meta.json
        --input x=${fixture}/input${set}_0.bin --expect ${fixture}/output${set}_0.bin)
    message(STATUS "${variant} embed: ${last_output}")
  endforeach()
endforeach()

# Passed: the install and the consumer builds (hundreds of MB with debug info) go; a failure
# above leaves them for a look.
file(REMOVE_RECURSE ${WORK})
