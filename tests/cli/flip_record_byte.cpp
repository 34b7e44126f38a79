// flip_record_byte FILE RECORD_SUFFIX: flips the first data byte of the stored zip record whose
// name ends with RECORD_SUFFIX (`/data/0`), in place, leaving its declared CRC-32 as it was:
// the corruption a bad disk or a truncated copy makes, for the CRC tests of tests/cli.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

uint32_t u32(const std::vector<unsigned char> &b, size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (uint32_t(b[at + 3]) << 24);
}
uint16_t u16(const std::vector<unsigned char> &b, size_t at) { return b[at] | (b[at + 1] << 8); }

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: flip_record_byte FILE RECORD_SUFFIX\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<unsigned char> b((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
  std::string suffix = argv[2];
  // Local file headers: signature, 26 fixed bytes (name length at 26, extra length at 28).
  for (size_t at = 0; at + 30 <= b.size(); ++at) {
    if (u32(b, at) != 0x04034b50)
      continue;
    size_t nameLen = u16(b, at + 26), extraLen = u16(b, at + 28);
    if (at + 30 + nameLen > b.size())
      break;
    std::string name(b.begin() + at + 30, b.begin() + at + 30 + nameLen);
    size_t data = at + 30 + nameLen + extraLen;
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        u16(b, at + 8) == 0 && data < b.size()) {
      b[data] ^= 0x01;
      std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char *>(b.data()), static_cast<std::streamsize>(b.size()));
      return out ? 0 : 1;
    }
  }
  std::fprintf(stderr, "flip_record_byte: no stored record ending in '%s'\n", argv[2]);
  return 1;
}
