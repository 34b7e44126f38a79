#include <cmath>
#include <string>
#include <vector>

#include "doctest/doctest.h"
#include "frontend/script/Lexer.h"

namespace ts2onnx::frontend::script {
namespace {

std::vector<Token> lex(std::string_view src) {
  auto tokens = tokenize(src, "t.py");
  REQUIRE_MESSAGE(tokens.ok(), tokens.status().ToString());
  return std::move(tokens).value();
}

// Kinds as a compact string: identifiers print their name, others their spelling or a tag.
std::string kinds(std::string_view src) {
  std::string out;
  for (const Token &t : lex(src)) {
    if (!out.empty())
      out += ' ';
    switch (t.kind) {
    case TokenKind::Identifier:
      out += t.text;
      break;
    case TokenKind::Int:
    case TokenKind::Float:
      out += "#" + t.text;
      break;
    case TokenKind::String:
      out += "str";
      break;
    case TokenKind::Newline:
      out += "NL";
      break;
    case TokenKind::Indent:
      out += "IN";
      break;
    case TokenKind::Dedent:
      out += "DE";
      break;
    case TokenKind::EndOfFile:
      out += "EOF";
      break;
    default:
      out += std::string(tokenSpelling(t.kind));
    }
  }
  return out;
}

std::string lexError(std::string_view src) {
  auto tokens = tokenize(src, "f.py");
  REQUIRE_FALSE(tokens.ok());
  return std::string(tokens.status().message());
}

TEST_CASE("lexer emits INDENT and DEDENT from space indentation") {
  CHECK(kinds("def f():\n  if x:\n    pass\n  return\n") ==
        "def f ( ) : NL IN if x : NL IN pass NL DE return NL DE EOF");
  // Several levels closed at once, and at end of input without a final newline.
  CHECK(kinds("a:\n b:\n  c\nd") == "a : NL IN b : NL IN c NL DE DE d NL EOF");
  CHECK(kinds("a:\n  b") == "a : NL IN b NL DE EOF");
}

TEST_CASE("lexer skips blank lines, comments and comment-only lines") {
  CHECK(kinds("# header\n\nx = 1  # trailing\n   \n      # deep comment\ny\n") ==
        "x = #1 NL y NL EOF");
  CHECK(kinds("") == "EOF");
  CHECK(kinds("\n\n# only\n") == "EOF");
}

TEST_CASE("lexer joins lines inside brackets and after a backslash") {
  CHECK(kinds("f(a,\n    b)\n") == "f ( a , b ) NL EOF");
  CHECK(kinds("x = [1,\n\n  2]\ny = {\n}\n") == "x = [ #1 , #2 ] NL y = { } NL EOF");
  CHECK(kinds("x = 1 + \\\n      2\n") == "x = #1 + #2 NL EOF");
  // The signature layout torch prints: parameters on continuation lines.
  CHECK(kinds("def forward(self,\n    x: Tensor) -> Tensor:\n  return x\n") ==
        "def forward ( self , x : Tensor ) -> Tensor : NL IN return x NL DE EOF");
}

TEST_CASE("lexer accepts CRLF line endings") {
  CHECK(kinds("if a:\r\n  b\r\n") == "if a : NL IN b NL DE EOF");
}

TEST_CASE("lexer rejects tabs in indentation and inconsistent dedent") {
  CHECK(lexError("if a:\n\tb\n") == "f.py:2:1: error: tab in indentation (indent with spaces)");
  CHECK(lexError("if a:\n    b\n  c\n") ==
        "f.py:3:3: error: unindent does not match any outer indentation level");
  // A tab between tokens is plain whitespace.
  CHECK(kinds("x =\t1\n") == "x = #1 NL EOF");
}

TEST_CASE("lexer reads numbers in every form torch prints") {
  auto toks = lex("1 1. .5 1e-05 1.0000000000000001e-05 0x1F 9223372036854775807 "
                  "18446744073709551615 1.1754943508222875e-38 1.j 0o17 0b101 1E+301 2.5e3");
  REQUIRE(toks.size() == 16); // 14 numbers, NEWLINE, EOF
  CHECK(toks[0].kind == TokenKind::Int);
  CHECK(toks[0].intValue == 1);
  CHECK(toks[1].kind == TokenKind::Float);
  CHECK(toks[1].floatValue == 1.0);
  CHECK(toks[2].floatValue == 0.5);
  CHECK(toks[3].floatValue == 1e-05);
  CHECK(toks[4].floatValue == 1.0000000000000001e-05);
  CHECK(toks[4].text == "1.0000000000000001e-05");
  CHECK(toks[5].kind == TokenKind::Int);
  CHECK(toks[5].intValue == 31);
  CHECK(toks[6].intValue == 9223372036854775807ULL);
  CHECK(toks[7].intValue == 18446744073709551615ULL);
  CHECK(toks[8].floatValue == 1.1754943508222875e-38);
  CHECK(toks[9].kind == TokenKind::Float);
  CHECK(toks[9].imaginary);
  CHECK(toks[9].floatValue == 1.0);
  CHECK(toks[10].intValue == 15);
  CHECK(toks[11].intValue == 5);
  CHECK(toks[12].floatValue == 1e301);
  CHECK(toks[13].floatValue == 2500.0);
}

TEST_CASE("lexer rounds out-of-range floats like Python") {
  auto toks = lex("1e999 1e-999");
  CHECK(std::isinf(toks[0].floatValue));
  CHECK(toks[1].floatValue == 0.0);
}

TEST_CASE("lexer rejects malformed numbers") {
  CHECK(lexError("x = 18446744073709551616\n") == "f.py:1:5: error: integer literal is too large");
  CHECK(lexError("x = 0x\n") == "f.py:1:5: error: invalid hexadecimal literal");
  CHECK(lexError("x = 12abc\n") == "f.py:1:5: error: invalid number literal");
  CHECK(lexError("x = 1e+\n") ==
        "f.py:1:5: error: invalid number literal (missing exponent digits)");
}

TEST_CASE("lexer distinguishes ellipsis, dots and numbers") {
  CHECK(kinds("x[..., 1]") == "x [ ... , #1 ] NL EOF");
  CHECK(kinds("a.b.c") == "a . b . c NL EOF");
  CHECK(kinds("CONSTANTS.c0") == "CONSTANTS . c0 NL EOF");
}

TEST_CASE("lexer decodes string escapes") {
  auto toks = lex(R"("a\nb\t\\\'\"" 'x"y' "\x41\101\u00e9\U0001F600" "\001\303\251" "\q")");
  REQUIRE(toks.size() == 7);
  CHECK(toks[0].text == "a\nb\t\\'\"");
  CHECK(toks[1].text == "x\"y");
  CHECK(toks[2].text == "AA\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(toks[3].text == "\x01\xc3\xa9"); // torch prints UTF-8 bytes as octal escapes
  CHECK(toks[4].text == "\\q");          // unknown escape kept verbatim
}

TEST_CASE("lexer reads triple-quoted strings across lines") {
  auto toks = lex("x = \"\"\"a\n'b' \"c\"\n\"\"\"\ny = '''z'''\n");
  REQUIRE(toks.size() == 9);
  CHECK(toks[2].kind == TokenKind::String);
  CHECK(toks[2].text == "a\n'b' \"c\"\n");
  CHECK(toks[3].kind == TokenKind::Newline);
  CHECK(toks[4].line == 4); // y
  CHECK(toks[6].text == "z");
}

TEST_CASE("lexer reports bad strings with their position") {
  CHECK(lexError("x = \"abc\n") == "f.py:1:5: error: unterminated string literal");
  CHECK(lexError("\n  y = '''abc") == "f.py:2:7: error: unterminated string literal");
  CHECK(lexError("x = \"\\x4\"") == "f.py:1:6: error: invalid \\x escape (needs two hex digits)");
  CHECK(lexError("x = \"ab\\") == "f.py:1:5: error: unterminated string literal");
  CHECK(lexError("x = '\\777'") == "f.py:1:6: error: octal escape is larger than \\377");
  CHECK(lexError("x = '\\ud800'") == "f.py:1:6: error: invalid code point U+D800 in escape");
}

TEST_CASE("lexer reads every operator") {
  CHECK(kinds("-> ** // == != <= >= << >> += -= *= /= //= %= **= &= |= ^= <<= >>= @= @ ~ ; :") ==
        "-> ** // == != <= >= << >> += -= *= /= //= %= **= &= |= ^= <<= >>= @= @ ~ ; : NL EOF");
  CHECK(kinds("a<b>c") == "a < b > c NL EOF");
}

TEST_CASE("lexer recognises keywords but not soft words") {
  auto toks = lex("def class if elif else None True False is not in and or inf nan");
  CHECK(toks[0].kind == TokenKind::KwDef);
  CHECK(toks[5].kind == TokenKind::KwNone);
  CHECK(toks[13].kind == TokenKind::Identifier); // torch prints infinity as bare `inf`
  CHECK(toks[14].kind == TokenKind::Identifier);
}

TEST_CASE("tokens carry 1-based line and column") {
  auto toks = lex("class A(Module):\n  x : int\n");
  CHECK(toks[0].line == 1);
  CHECK(toks[0].column == 1);
  CHECK(toks[1].column == 7); // A
  // NEWLINE at the end of line 1, INDENT and `x` on line 2 column 3.
  CHECK(toks[6].kind == TokenKind::Newline);
  CHECK(toks[7].kind == TokenKind::Indent);
  CHECK(toks[7].line == 2);
  CHECK(toks[8].line == 2);
  CHECK(toks[8].column == 3);
  CHECK(toks[9].column == 5); // :
}

TEST_CASE("lexer rejects stray characters and invalid UTF-8") {
  CHECK(lexError("x = 1 $ 2\n") == "f.py:1:7: error: unexpected character '$'");
  CHECK(lexError("x = a ? b") == "f.py:1:7: error: unexpected character '?'");
  CHECK(lexError(std::string("x = \0", 5)) == "f.py:1:5: error: unexpected character byte 0x00");
  CHECK(lexError("x = \"\xff\"") == "f.py:1:1: error: source is not valid UTF-8");
  CHECK(lexError("x = 1 \\ y") ==
        "f.py:1:7: error: unexpected '\\' (a line continuation must end the line)");
}

TEST_CASE("lexer tolerates unbalanced brackets and leaves them to the parser") {
  CHECK(kinds("f(a") == "f ( a EOF");
  CHECK(kinds(")\nx") == ") NL x NL EOF");
}

} // namespace
} // namespace ts2onnx::frontend::script
