// Given: a pickle opcode byte. Does: names it for error messages. Result: its name, or hex.
#include "frontend/PickleOpcodes.h"

#include "fmt/format.h"

namespace ts2onnx::frontend::pickle {

std::string opName(uint8_t op) {
  switch (op) {
  case PERSID:
    return "PERSID";
  case INST:
    return "INST";
  case OBJ:
    return "OBJ";
  case FLOAT:
    return "FLOAT";
  case STRING:
    return "STRING";
  case UNICODE:
    return "UNICODE";
  case EXT1:
  case EXT2:
  case EXT4:
    return "EXT";
  case LONG4:
    return "LONG4";
  case EMPTY_SET:
    return "EMPTY_SET";
  case ADDITEMS:
    return "ADDITEMS";
  case FROZENSET:
    return "FROZENSET";
  case NEWOBJ_EX:
    return "NEWOBJ_EX";
  case BYTEARRAY8:
    return "BYTEARRAY8";
  case NEXT_BUFFER:
    return "NEXT_BUFFER";
  case READONLY_BUFFER:
    return "READONLY_BUFFER";
  default:
    return fmt::format("0x{:02x}", op);
  }
}

} // namespace ts2onnx::frontend::pickle
