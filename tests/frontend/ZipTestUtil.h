// Builds small zip archives in memory the way torch's writer does (64-byte aligned data through
// an 'FB' padding extra field, ZIP64 end records), so tests can corrupt them at known offsets.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <zlib.h>

namespace ts2onnx::frontend::testing {

struct TestEntry {
  std::string name; // full name including the root folder
  std::string data;
  bool deflate = false;
};

struct BuiltZip {
  std::string bytes;
  std::vector<size_t> localOffsets;   // per entry
  std::vector<size_t> dataOffsets;    // per entry
  std::vector<size_t> centralOffsets; // per entry
  size_t cdOffset = 0, cdSize = 0;
  size_t zip64EocdOffset = 0, zip64LocatorOffset = 0, eocdOffset = 0;
};

inline void put16(std::string &s, uint16_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>(v >> 8);
}
inline void put32(std::string &s, uint32_t v) {
  put16(s, static_cast<uint16_t>(v & 0xffff));
  put16(s, static_cast<uint16_t>(v >> 16));
}
inline void put64(std::string &s, uint64_t v) {
  put32(s, static_cast<uint32_t>(v));
  put32(s, static_cast<uint32_t>(v >> 32));
}
inline void set16(std::string &s, size_t at, uint16_t v) {
  s[at] = static_cast<char>(v & 0xff);
  s[at + 1] = static_cast<char>(v >> 8);
}
inline void set32(std::string &s, size_t at, uint32_t v) {
  set16(s, at, static_cast<uint16_t>(v & 0xffff));
  set16(s, at + 2, static_cast<uint16_t>(v >> 16));
}
inline void set64(std::string &s, size_t at, uint64_t v) {
  set32(s, at, static_cast<uint32_t>(v));
  set32(s, at + 4, static_cast<uint32_t>(v >> 32));
}

inline std::string rawDeflate(const std::string &in, int level = 9) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  deflateInit2(&zs, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 16, '\0');
  zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef *>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

inline uint32_t crcOf(const std::string &s) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef *>(s.data()), static_cast<uInt>(s.size())));
}

inline BuiltZip buildZip(const std::vector<TestEntry> &entries, bool zip64 = true) {
  BuiltZip z;
  std::string &s = z.bytes;
  std::vector<std::string> payloads;
  for (const TestEntry &e : entries) {
    std::string payload = e.deflate ? rawDeflate(e.data) : e.data;
    size_t lho = s.size();
    z.localOffsets.push_back(lho);
    size_t unpadded = lho + 30 + e.name.size() + 4;
    size_t pad = (64 - unpadded % 64) % 64;
    put32(s, 0x04034b50);
    put16(s, 20);
    put16(s, 0x0800);
    put16(s, e.deflate ? 8 : 0);
    put16(s, 0);
    put16(s, 0);
    put32(s, crcOf(e.data));
    put32(s, static_cast<uint32_t>(payload.size()));
    put32(s, static_cast<uint32_t>(e.data.size()));
    put16(s, static_cast<uint16_t>(e.name.size()));
    put16(s, static_cast<uint16_t>(4 + pad));
    s += e.name;
    put16(s, 0x4246);
    put16(s, static_cast<uint16_t>(pad));
    s += std::string(pad, 'Z');
    z.dataOffsets.push_back(s.size());
    s += payload;
    payloads.push_back(std::move(payload));
  }
  z.cdOffset = s.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    const TestEntry &e = entries[i];
    z.centralOffsets.push_back(s.size());
    put32(s, 0x02014b50);
    put16(s, 20);
    put16(s, 20);
    put16(s, 0x0800);
    put16(s, e.deflate ? 8 : 0);
    put16(s, 0);
    put16(s, 0);
    put32(s, crcOf(e.data));
    put32(s, static_cast<uint32_t>(payloads[i].size()));
    put32(s, static_cast<uint32_t>(e.data.size()));
    put16(s, static_cast<uint16_t>(e.name.size()));
    put16(s, 0);
    put16(s, 0);
    put16(s, 0);
    put16(s, 0);
    put32(s, 0);
    put32(s, static_cast<uint32_t>(z.localOffsets[i]));
    s += e.name;
  }
  z.cdSize = s.size() - z.cdOffset;
  if (zip64) {
    z.zip64EocdOffset = s.size();
    put32(s, 0x06064b50);
    put64(s, 44);
    put16(s, 45);
    put16(s, 45);
    put32(s, 0);
    put32(s, 0);
    put64(s, entries.size());
    put64(s, entries.size());
    put64(s, z.cdSize);
    put64(s, z.cdOffset);
    z.zip64LocatorOffset = s.size();
    put32(s, 0x07064b50);
    put32(s, 0);
    put64(s, z.zip64EocdOffset);
    put32(s, 1);
  }
  z.eocdOffset = s.size();
  put32(s, 0x06054b50);
  put16(s, 0);
  put16(s, 0);
  put16(s, static_cast<uint16_t>(entries.size()));
  put16(s, static_cast<uint16_t>(entries.size()));
  put32(s, static_cast<uint32_t>(z.cdSize));
  put32(s, static_cast<uint32_t>(z.cdOffset));
  put16(s, 0);
  return z;
}

} // namespace ts2onnx::frontend::testing
