# Included from frontend/CMakeLists.txt: embeds the operator schema tables into the frontend
# library as raw string literals (generated at configure time, re-generated when a table changes)
# and sets TS2ONNX_SCHEMA_SOURCES to the sources of frontend/schema.
set(_ts2onnx_schema_dir ${CMAKE_CURRENT_LIST_DIR})
set(_ts2onnx_schema_tables ${_ts2onnx_schema_dir}/schemas.txt ${_ts2onnx_schema_dir}/schemas_extra.txt)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${_ts2onnx_schema_tables} ${_ts2onnx_schema_dir}/SchemaData.cpp.in)

file(READ ${_ts2onnx_schema_dir}/schemas.txt TS2ONNX_SCHEMA_TEXT)
set(TS2ONNX_SCHEMA_EXTRA_TEXT "")
if(EXISTS ${_ts2onnx_schema_dir}/schemas_extra.txt)
  file(READ ${_ts2onnx_schema_dir}/schemas_extra.txt TS2ONNX_SCHEMA_EXTRA_TEXT)
endif()
foreach(_text TS2ONNX_SCHEMA_TEXT TS2ONNX_SCHEMA_EXTRA_TEXT)
  string(FIND "${${_text}}" ")ts2onnx_schemas\"" _bad)
  if(NOT _bad EQUAL -1)
    message(FATAL_ERROR "schema table contains the raw-string delimiter")
  endif()
endforeach()
configure_file(${_ts2onnx_schema_dir}/SchemaData.cpp.in
  ${CMAKE_CURRENT_BINARY_DIR}/schema/SchemaData.cpp @ONLY)
unset(TS2ONNX_SCHEMA_TEXT)
unset(TS2ONNX_SCHEMA_EXTRA_TEXT)

set(TS2ONNX_SCHEMA_SOURCES
  ${_ts2onnx_schema_dir}/Schema.cpp
  ${_ts2onnx_schema_dir}/SchemaRegistry.cpp
  ${_ts2onnx_schema_dir}/SchemaMatching.cpp
  ${CMAKE_CURRENT_BINARY_DIR}/schema/SchemaData.cpp)
