# libts2onnx.so: the whole library as one shared object, for embedders who would rather not link
# ten static archives (and carry 70 MB of them into every binary). It is linked from the same
# objects as the static libraries (the project compiles position-independent code), so building
# it costs one link, not a second compile.
#
# Exported: the ts2onnx namespace (the API of ts2onnx.h and what extend.h reaches: the IR, the
# pass manager, the symbolic registry) and the onnx namespace (ts2onnx::convert returns an
# onnx::ModelProto, whose generated code lives in here). Everything else linked in statically
# (onnx's checker internals, ...) is local (cmake/libts2onnx.map); protobuf, absl, fmt and zlib
# stay shared libraries of their own, as the consumer links them too. Versioned: the SONAME is
# libts2onnx.so.0.1 while the version is 0.x (every minor release may break the ABI), then
# libts2onnx.so.MAJOR.
# Off by default in sanitized builds: a program loading a sanitized shared library must load the
# sanitizer runtime first, which the consumer tests' programs do not.
if(TS2ONNX_SANITIZE)
  set(_ts2onnx_shared_default OFF)
else()
  set(_ts2onnx_shared_default ON)
endif()
option(TS2ONNX_BUILD_SHARED "Also build libts2onnx.so (target ts2onnx::ts2onnx)"
       ${_ts2onnx_shared_default})
if(NOT TS2ONNX_BUILD_SHARED)
  return()
endif()
set(_ts2onnx_parts api writer onnx_passes symbolics passes frontend semantics ir)
list(TRANSFORM _ts2onnx_parts PREPEND ts2onnx_ OUTPUT_VARIABLE _ts2onnx_part_targets)
add_library(ts2onnx_shared SHARED ${PROJECT_SOURCE_DIR}/api/SharedLibrary.cpp)
add_library(ts2onnx::ts2onnx ALIAS ts2onnx_shared)
# Every object of the static libraries (--whole-archive: registrations of passes and symbolics
# run from static initializers nothing references), then the libraries again as targets, which
# brings their dependencies (CMake's WHOLE_ARCHIVE feature refuses a library that also comes
# without it, as these do through each other).
set(_ts2onnx_whole -Wl,--whole-archive)
foreach(t ${_ts2onnx_part_targets})
  list(APPEND _ts2onnx_whole $<TARGET_FILE:${t}>)
endforeach()
list(APPEND _ts2onnx_whole -Wl,--no-whole-archive)
target_link_libraries(ts2onnx_shared PRIVATE ${_ts2onnx_whole} ${_ts2onnx_part_targets})
target_link_options(ts2onnx_shared PRIVATE
  "-Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/libts2onnx.map" -Wl,--no-undefined)
set_property(TARGET ts2onnx_shared APPEND PROPERTY LINK_DEPENDS
             ${PROJECT_SOURCE_DIR}/cmake/libts2onnx.map)
set_target_properties(ts2onnx_shared PROPERTIES
  OUTPUT_NAME ts2onnx EXPORT_NAME ts2onnx
  VERSION ${PROJECT_VERSION})
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set_target_properties(ts2onnx_shared PROPERTIES
                        SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
else()
  set_target_properties(ts2onnx_shared PROPERTIES SOVERSION ${PROJECT_VERSION_MAJOR})
endif()
# What a consumer compiles against: the public and internal headers, onnx's headers and
# definitions, and the shared libraries the headers use.
target_include_directories(ts2onnx_shared INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/ts2onnx/internal>
  $<TARGET_PROPERTY:onnx_proto,INTERFACE_INCLUDE_DIRECTORIES>)
target_compile_definitions(ts2onnx_shared INTERFACE ONNX_ML=1 ONNX_NAMESPACE=onnx)
target_link_libraries(ts2onnx_shared INTERFACE protobuf::libprotobuf absl::status
                                               absl::statusor absl::flat_hash_map fmt::fmt)
install(TARGETS ts2onnx_shared EXPORT ts2onnxTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
