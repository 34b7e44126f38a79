// Given: the characters after a backslash in a string literal.
// Does: decodes one escape by Python's rules (bytes for octal and \x, as torch reads them), or
//       torch's signed-octal printer form when asked.
// Result: the decoded bytes appended, the count of characters used, or an error naming the
//         escape.
#include "ir/StringEscape.h"

#include "absl/status/status.h"
#include "fmt/format.h"

namespace ts2onnx::ir {
namespace {

bool isOctal(char c) { return c >= '0' && c <= '7'; }

// torch's printer writes each byte it does not print as itself as `\` and three characters
// '0' + d, d being the octal digits of the byte as a signed char (so -7..7). Reads them when at
// least one digit is negative (otherwise the ordinary octal rule reads the same value).
bool decodeSignedOctal(std::string_view text, std::string &out) {
  if (text.size() < 3)
    return false;
  int v = 0;
  bool negative = false;
  for (int k = 0; k < 3; ++k) {
    int d = text[k] - '0';
    if (d < -7 || d > 7)
      return false;
    negative |= d < 0;
    v = v * 8 + d;
  }
  if (!negative || v < -128 || v > 255)
    return false;
  out.push_back(static_cast<char>(v));
  return true;
}

} // namespace

int hexDigitValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

absl::StatusOr<size_t> decodeEscape(std::string_view text, std::string &out,
                                    const EscapeOptions &options) {
  if (text.empty())
    return absl::InvalidArgumentError("a backslash ends the string");
  char e = text[0];
  switch (e) {
  case '\\':
  case '\'':
  case '"':
    out.push_back(e);
    return 1;
  case 'a':
    out.push_back('\a');
    return 1;
  case 'b':
    out.push_back('\b');
    return 1;
  case 'f':
    out.push_back('\f');
    return 1;
  case 'n':
    out.push_back('\n');
    return 1;
  case 'r':
    out.push_back('\r');
    return 1;
  case 't':
    out.push_back('\t');
    return 1;
  case 'v':
    out.push_back('\v');
    return 1;
  case 'x':
  case 'u':
  case 'U': {
    size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
    uint32_t cp = 0;
    for (size_t i = 1; i <= n; ++i) {
      int d = i < text.size() ? hexDigitValue(text[i]) : -1;
      if (d < 0)
        return absl::InvalidArgumentError(fmt::format("invalid \\{} escape (needs {} hex digits)",
                                                      e, e == 'x' ? "two" : std::to_string(n)));
      cp = cp * 16 + static_cast<uint32_t>(d);
    }
    if (e == 'x') {
      out.push_back(static_cast<char>(cp));
    } else {
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return absl::InvalidArgumentError(fmt::format("invalid code point U+{:X} in escape", cp));
      appendUtf8(out, cp);
    }
    return n + 1;
  }
  case 'N':
    // Python's named escapes (\N{EURO SIGN}) would need the Unicode name table.
    return absl::InvalidArgumentError("\\N{...} escapes are not supported");
  default:
    break;
  }
  if (options.torchPrinterOctal && decodeSignedOctal(text, out))
    return 3;
  if (isOctal(e)) {
    unsigned v = 0;
    size_t used = 0;
    while (used < 3 && used < text.size() && isOctal(text[used]))
      v = v * 8 + static_cast<unsigned>(text[used++] - '0');
    if (v > 0xFF)
      return absl::InvalidArgumentError("octal escape is larger than \\377");
    out.push_back(static_cast<char>(v));
    return used;
  }
  // Python keeps an unknown escape as written.
  out.push_back('\\');
  return 0;
}

absl::StatusOr<std::string> decodeEscapes(std::string_view body, const EscapeOptions &options) {
  std::string out;
  for (size_t i = 0; i < body.size();) {
    if (body[i] != '\\') {
      out.push_back(body[i++]);
      continue;
    }
    absl::StatusOr<size_t> used = decodeEscape(body.substr(i + 1), out, options);
    if (!used.ok())
      return used.status();
    i += 1 + *used;
  }
  return out;
}

} // namespace ts2onnx::ir
