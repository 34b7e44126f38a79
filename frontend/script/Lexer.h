// Lexer for the Python subset that torch.jit.save prints under `code/`.
//
// Produces the whole token stream up front, Python style: NEWLINE ends a logical line, INDENT
// and DEDENT bracket blocks, newlines inside (), [] and {} and after a backslash are joined.
// Indentation must use spaces: a tab in leading whitespace is an error (torch's printer never
// writes one, and Python's 8-column tab rule is easy to get wrong silently). Tabs between
// tokens are plain whitespace.
//
// String escapes follow torch's own lexer (parse_string_literal.h), which the printer is the
// inverse of: `\ooo` (octal) and `\xNN` produce one raw byte each (torch prints non-ASCII and
// control bytes of UTF-8 text as octal escapes); `\uNNNN` and `\UNNNNNNNN` produce the UTF-8
// encoding of the code point; an unknown escape keeps its backslash, as in Python.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "frontend/script/SourceRange.h"

namespace ts2onnx::frontend::script {

#define TS2ONNX_SCRIPT_KEYWORDS(_)                                                                 \
  _(KwAnd, "and")                                                                                  \
  _(KwAs, "as")                                                                                    \
  _(KwAssert, "assert")                                                                            \
  _(KwBreak, "break")                                                                              \
  _(KwClass, "class")                                                                              \
  _(KwContinue, "continue")                                                                        \
  _(KwDef, "def")                                                                                  \
  _(KwDel, "del")                                                                                  \
  _(KwElif, "elif")                                                                                \
  _(KwElse, "else")                                                                                \
  _(KwFalse, "False")                                                                              \
  _(KwFor, "for")                                                                                  \
  _(KwFrom, "from")                                                                                \
  _(KwIf, "if")                                                                                    \
  _(KwImport, "import")                                                                            \
  _(KwIn, "in")                                                                                    \
  _(KwIs, "is")                                                                                    \
  _(KwNone, "None")                                                                                \
  _(KwNot, "not")                                                                                  \
  _(KwOr, "or")                                                                                    \
  _(KwPass, "pass")                                                                                \
  _(KwRaise, "raise")                                                                              \
  _(KwReturn, "return")                                                                            \
  _(KwTrue, "True")                                                                                \
  _(KwWhile, "while")                                                                              \
  _(KwWith, "with")

// Longest spellings first within a shared prefix is not needed: the lexer tries 3-, 2-, then
// 1-character operators.
#define TS2ONNX_SCRIPT_OPERATORS(_)                                                                \
  _(LParen, "(")                                                                                   \
  _(RParen, ")")                                                                                   \
  _(LBracket, "[")                                                                                 \
  _(RBracket, "]")                                                                                 \
  _(LBrace, "{")                                                                                   \
  _(RBrace, "}")                                                                                   \
  _(Comma, ",")                                                                                    \
  _(Colon, ":")                                                                                    \
  _(Semicolon, ";")                                                                                \
  _(Dot, ".")                                                                                      \
  _(Ellipsis, "...")                                                                               \
  _(At, "@")                                                                                       \
  _(Assign, "=")                                                                                   \
  _(Arrow, "->")                                                                                   \
  _(Plus, "+")                                                                                     \
  _(Minus, "-")                                                                                    \
  _(Star, "*")                                                                                     \
  _(Slash, "/")                                                                                    \
  _(DoubleSlash, "//")                                                                             \
  _(Percent, "%")                                                                                  \
  _(DoubleStar, "**")                                                                              \
  _(Tilde, "~")                                                                                    \
  _(Amp, "&")                                                                                      \
  _(Pipe, "|")                                                                                     \
  _(Caret, "^")                                                                                    \
  _(LShift, "<<")                                                                                  \
  _(RShift, ">>")                                                                                  \
  _(Less, "<")                                                                                     \
  _(Greater, ">")                                                                                  \
  _(LessEqual, "<=")                                                                               \
  _(GreaterEqual, ">=")                                                                            \
  _(EqualEqual, "==")                                                                              \
  _(NotEqual, "!=")                                                                                \
  _(PlusAssign, "+=")                                                                              \
  _(MinusAssign, "-=")                                                                             \
  _(StarAssign, "*=")                                                                              \
  _(SlashAssign, "/=")                                                                             \
  _(DoubleSlashAssign, "//=")                                                                      \
  _(PercentAssign, "%=")                                                                           \
  _(DoubleStarAssign, "**=")                                                                       \
  _(AmpAssign, "&=")                                                                               \
  _(PipeAssign, "|=")                                                                              \
  _(CaretAssign, "^=")                                                                             \
  _(LShiftAssign, "<<=")                                                                           \
  _(RShiftAssign, ">>=")                                                                           \
  _(AtAssign, "@=")

enum class TokenKind : uint8_t {
  EndOfFile,
  Newline,
  Indent,
  Dedent,
  Identifier,
  Int,    // intValue holds the value (unsigned: `-9223372036854775808` is `-` then 2^63)
  Float,  // floatValue; `imaginary` for a `j` suffix
  String, // text holds the decoded bytes
#define TS2ONNX_SCRIPT_ENUM_(name, spelling) name,
  TS2ONNX_SCRIPT_KEYWORDS(TS2ONNX_SCRIPT_ENUM_) TS2ONNX_SCRIPT_OPERATORS(TS2ONNX_SCRIPT_ENUM_)
#undef TS2ONNX_SCRIPT_ENUM_
};

/// "identifier", "'('", "'def'", "newline", ... for error messages.
std::string describeTokenKind(TokenKind kind);
/// The source spelling of a keyword or operator token ("def", "->"); empty for other kinds.
std::string_view tokenSpelling(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::EndOfFile;
  uint32_t line = 0;   // 1-based
  uint32_t column = 0; // 1-based, in bytes
  /// Identifier name, decoded string value, or the source text of a number.
  std::string text;
  uint64_t intValue = 0;
  double floatValue = 0.0;
  bool imaginary = false;
};

/// Splits `source` into tokens. `fileName` is used in error messages
/// (`<fileName>:<line>:<col>: error: ...`). The stream ends with a NEWLINE closing the last
/// logical line (omitted inside an unclosed bracket), the DEDENTs closing open blocks, then
/// END_OF_FILE. The source must be UTF-8; non-ASCII bytes may only occur in strings and comments.
absl::StatusOr<std::vector<Token>> tokenize(std::string_view source, std::string_view fileName);

} // namespace ts2onnx::frontend::script
