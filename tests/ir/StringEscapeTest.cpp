// String-literal escapes (ir/StringEscape.h), as Python decodes them: the expected bytes are what
// `ast.literal_eval` gives for the same literal (a bytes literal b'...' for octal and \x escapes,
// which decode to bytes here as in torch's lexer; str(...).encode() for \u and \U).
#include <string>

#include <doctest/doctest.h>

#include "ir/StringEscape.h"

using namespace ts2onnx::ir;

namespace {

std::string decoded(std::string_view body, EscapeOptions options = {}) {
  absl::StatusOr<std::string> s = decodeEscapes(body, options);
  REQUIRE_MESSAGE(s.ok(), s.status());
  return *s;
}

std::string errorOf(std::string_view body) {
  absl::StatusOr<std::string> s = decodeEscapes(body);
  REQUIRE(!s.ok());
  return std::string(s.status().message());
}

} // namespace

TEST_CASE("string escapes: the single-character escapes decode as in Python") {
  CHECK(decoded(R"(a\nb)") == "a\nb");
  CHECK(decoded(R"(\t)") == "\t");
  CHECK(decoded(R"(\\)") == "\\");
  CHECK(decoded(R"(\')") == "'");
  CHECK(decoded(R"(\")") == "\"");
  CHECK(decoded(R"(\a\b\f\r\v)") == "\a\b\f\r\v");
}

TEST_CASE("string escapes: \\x takes two hex digits, octal one to three digits, as bytes") {
  CHECK(decoded(R"(\x41)") == "A");
  CHECK(decoded(R"(\x4a\x4A)") == "JJ");
  CHECK(decoded(R"(\x411)") == "A1");
  CHECK(decoded(R"(\xe9)") == "\xe9");
  CHECK(decoded(R"(\101)") == "A");
  CHECK(decoded(R"(\0)") == std::string(1, '\0'));
  CHECK(decoded(R"(\12x)") == "\nx");
  CHECK(decoded(R"(\1011)") == "A1"); // at most three digits
  CHECK(decoded(R"(\08)") == std::string("\0"
                                         "8",
                                         2));
  CHECK(decoded(R"(\377)") == "\xff");
}

TEST_CASE("string escapes: \\u and \\U are code points written as UTF-8") {
  CHECK(decoded(R"(\u00e9)") == "\xc3\xa9");
  CHECK(decoded(R"(\u20AC)") == "\xe2\x82\xac");
  CHECK(decoded(R"(\U0001F600)") == "\xf0\x9f\x98\x80");
  CHECK(decoded(R"(\u0041b)") == "Ab");
}

TEST_CASE("string escapes: an unknown escape keeps its backslash, as Python does") {
  CHECK(decoded(R"(\q)") == "\\q");
  CHECK(decoded(R"(\d+)") == "\\d+");
}

TEST_CASE("string escapes: invalid escapes are errors that name them") {
  CHECK(errorOf(R"(\x4)") == "invalid \\x escape (needs two hex digits)");
  CHECK(errorOf(R"(\xg1)") == "invalid \\x escape (needs two hex digits)");
  CHECK(errorOf(R"(\u00e)") == "invalid \\u escape (needs 4 hex digits)");
  CHECK(errorOf(R"(\U0001F60)") == "invalid \\U escape (needs 8 hex digits)");
  CHECK(errorOf(R"(\U00110000)") == "invalid code point U+110000 in escape");
  CHECK(errorOf(R"(\ud800)") == "invalid code point U+D800 in escape");
  CHECK(errorOf(R"(\400)") == "octal escape is larger than \\377");
  CHECK(errorOf("ab\\") == "a backslash ends the string");
  CHECK(errorOf(R"(\N{EURO SIGN})") == "\\N{...} escapes are not supported");
}

TEST_CASE("string escapes: torch's printer writes a byte as signed octal digits") {
  // c10::printQuotedString of "\xc3\xa9" (é): the bytes as signed chars -61 and -87, each digit
  // '0' + d: -61 = 0*64 + -7*8 + -5 and -87 = -1*64 + -2*8 + -7.
  CHECK(decoded("\\0)+\\/.)", {/*torchPrinterOctal=*/true}) == "\xc3\xa9");
  CHECK(decoded(R"(\101\n)", {/*torchPrinterOctal=*/true}) == "A\n");
  // Without the option these are an octal escape followed by ordinary characters, as in Python.
  CHECK(decoded("\\0)+") == std::string("\0)+", 3));
}
