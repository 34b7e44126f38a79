// Backslash escapes in string literals, decoded once for the three readers that meet them: the
// TorchScript lexer (archive source), the schema parser (defaults such as `str chars=" \n\t"`)
// and the IR text parser (strings as torch's graph printer writes them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ts2onnx::ir {

struct EscapeOptions {
  /// Also read torch's printer form of a byte (c10::printQuotedString): exactly three characters
  /// '0' + d with d in [-7, 7], the octal digits of a *signed* char, so byte 0xE9 prints as
  /// `\0)'`. Only the IR text parser needs it; three ordinary octal digits read the same either
  /// way.
  bool torchPrinterOctal = false;
};

/// Decodes the escape sequence whose backslash was just before `text` (text[0] is the character
/// after it), appending what it stands for to `out`; returns how many characters of `text` it
/// used. Python's rules for str literals: `\\ \' \" \a \b \f \n \r \t \v`, one to three octal
/// digits, `\xHH`, `\uHHHH` and `\UHHHHHHHH` (appended as UTF-8), and any other character keeps
/// its backslash (`\q` is two characters). One deliberate difference: an octal or `\x` escape is
/// a byte, as torch's own lexer reads it and its printer writes it (a string is UTF-8 bytes
/// there), so `\351` is byte 0xE9, not U+00E9. Backslash-newline is the caller's business (only
/// the lexer allows it). Errors (InvalidArgument) name the escape: too few hex digits, a
/// surrogate or a code point above U+10FFFF, an octal value above \377, a named escape
/// (`\N{...}`, not supported), nothing after the backslash.
absl::StatusOr<size_t> decodeEscape(std::string_view text, std::string &out,
                                    const EscapeOptions &options = {});

/// Decodes every escape in `body` (the characters between the quotes).
absl::StatusOr<std::string> decodeEscapes(std::string_view body, const EscapeOptions &options = {});

/// The value of hex digit `c` (either case), or -1.
int hexDigitValue(char c);

/// Appends code point `cp` (at most U+10FFFF) as UTF-8.
void appendUtf8(std::string &out, uint32_t cp);

} // namespace ts2onnx::ir
