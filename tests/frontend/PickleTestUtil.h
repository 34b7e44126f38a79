// Writes protocol-2 pickles opcode by opcode, so tests can build exactly the (hostile) input
// they need.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace ts2onnx::frontend::testing {

struct PickleWriter {
  std::string b = std::string("\x80\x02", 2);

  PickleWriter &op(char c) {
    b += c;
    return *this;
  }
  PickleWriter &raw(const std::string &s) {
    b += s;
    return *this;
  }
  PickleWriter &u8(uint8_t v) {
    b += static_cast<char>(v);
    return *this;
  }
  PickleWriter &le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
      b += static_cast<char>((v >> (8 * i)) & 0xff);
    return *this;
  }
  PickleWriter &mark() { return op('('); }
  PickleWriter &none() { return op('N'); }
  PickleWriter &boolean(bool v) { return op(v ? '\x88' : '\x89'); }
  PickleWriter &integer(int64_t v) {
    if (v >= 0 && v < 256)
      return op('K').u8(static_cast<uint8_t>(v));
    if (v >= INT32_MIN && v <= INT32_MAX)
      return op('J').le(static_cast<uint32_t>(v), 4);
    return op('\x8a').u8(8).le(static_cast<uint64_t>(v), 8);
  }
  PickleWriter &real(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    op('G');
    for (int i = 7; i >= 0; --i)
      b += static_cast<char>((bits >> (8 * i)) & 0xff);
    return *this;
  }
  PickleWriter &str(const std::string &s) { return op('X').le(s.size(), 4).raw(s); }
  PickleWriter &global(const std::string &module, const std::string &name) {
    return op('c').raw(module + "\n" + name + "\n");
  }
  PickleWriter &put(uint32_t i) {
    return i < 256 ? op('q').u8(static_cast<uint8_t>(i)) : op('r').le(i, 4);
  }
  PickleWriter &get(uint32_t i) {
    return i < 256 ? op('h').u8(static_cast<uint8_t>(i)) : op('j').le(i, 4);
  }
  PickleWriter &tuple() { return op('t'); }
  PickleWriter &emptyTuple() { return op(')'); }
  PickleWriter &emptyList() { return op(']'); }
  PickleWriter &emptyDict() { return op('}'); }
  PickleWriter &appends() { return op('e'); }
  PickleWriter &setitems() { return op('u'); }
  PickleWriter &reduce() { return op('R'); }
  PickleWriter &build() { return op('b'); }
  PickleWriter &newobj() { return op('\x81'); }
  PickleWriter &ints(std::initializer_list<int64_t> v) {
    mark();
    for (int64_t x : v)
      integer(x);
    return tuple();
  }
  /// `('storage', torch.<dtype>Storage, key, 'cpu', numel)` BINPERSID
  PickleWriter &storage(const std::string &dtype, const std::string &key, int64_t numel) {
    mark().str("storage").global("torch", dtype + "Storage").str(key).str("cpu").integer(numel);
    return tuple().op('Q');
  }
  /// `_rebuild_tensor_v2(storage, offset, sizes, strides, requires_grad, OrderedDict())`
  PickleWriter &tensor(const std::string &dtype, const std::string &key, int64_t numel,
                       int64_t offset, std::initializer_list<int64_t> sizes,
                       std::initializer_list<int64_t> strides, bool requiresGrad = false) {
    global("torch._utils", "_rebuild_tensor_v2").mark();
    storage(dtype, key, numel).integer(offset).ints(sizes).ints(strides).boolean(requiresGrad);
    global("collections", "OrderedDict").emptyTuple().reduce();
    return tuple().reduce();
  }
  std::string done() { return b + "."; }
};

} // namespace ts2onnx::frontend::testing
