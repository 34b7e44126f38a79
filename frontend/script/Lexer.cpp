#include "frontend/script/Lexer.h"

#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/charconv.h"
#include "fmt/format.h"
#include "frontend/Utf8.h"
#include "ir/StringEscape.h"

namespace ts2onnx::frontend::script {

std::string SourceRange::toString() const {
  return fmt::format("{}:{}:{}", fileName(), line, column);
}

absl::Status sourceError(std::string_view fileName, uint32_t line, uint32_t column,
                         std::string_view message) {
  return absl::InvalidArgumentError(
      fmt::format("{}:{}:{}: error: {}", fileName, line, column, message));
}

namespace {

struct Spelling {
  std::string_view text;
  TokenKind kind;
};

constexpr Spelling kKeywords[] = {
#define TS2ONNX_SCRIPT_ENTRY_(name, spelling) {spelling, TokenKind::name},
    TS2ONNX_SCRIPT_KEYWORDS(TS2ONNX_SCRIPT_ENTRY_)
#undef TS2ONNX_SCRIPT_ENTRY_
};

constexpr Spelling kOperators[] = {
#define TS2ONNX_SCRIPT_ENTRY_(name, spelling) {spelling, TokenKind::name},
    TS2ONNX_SCRIPT_OPERATORS(TS2ONNX_SCRIPT_ENTRY_)
#undef TS2ONNX_SCRIPT_ENTRY_
};

/// Per first byte, the bit set of the spellings of `table` that start with it: the lexer
/// compares a word or an operator only with those (a handful) instead of the whole table.
template <size_t N> constexpr std::array<uint64_t, 128> firstByteIndex(const Spelling (&table)[N]) {
  static_assert(N <= 64, "one bit per spelling");
  std::array<uint64_t, 128> index{};
  for (size_t i = 0; i < N; ++i)
    index[static_cast<unsigned char>(table[i].text[0]) & 0x7f] |= uint64_t(1) << i;
  return index;
}
constexpr std::array<uint64_t, 128> kKeywordsByFirst = firstByteIndex(kKeywords);
constexpr std::array<uint64_t, 128> kOperatorsByFirst = firstByteIndex(kOperators);

/// The entry of `table` among `candidates` (a bit set) spelled `text`, or nullptr.
template <size_t N>
const Spelling *findSpelling(const Spelling (&table)[N], uint64_t candidates,
                             std::string_view text) {
  for (; candidates != 0; candidates &= candidates - 1) {
    const Spelling &s = table[__builtin_ctzll(candidates)];
    if (s.text == text)
      return &s;
  }
  return nullptr;
}

bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }
std::string describeChar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f)
    return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", u);
}

class Lexer {
public:
  Lexer(std::string_view source, std::string_view fileName) : src_(source), file_(fileName) {
    tokens_.reserve(source.size() / 5 + 16); // about one token per 5 bytes of generated code
  }

  absl::StatusOr<std::vector<Token>> run() {
    while (true) {
      if (atLineStart_ && parenDepth_ == 0) {
        bool sawLine = false;
        auto status = handleIndentation(sawLine);
        if (!status.ok())
          return status;
        if (!sawLine)
          break; // end of input
      }
      skipSpaces();
      if (atEnd())
        break;
      char c = src_[pos_];
      if (c == '#') {
        skipComment();
      } else if (c == '\n' || c == '\r') {
        uint32_t col = column();
        consumeNewline();
        if (parenDepth_ == 0) {
          if (lineHasTokens())
            push(TokenKind::Newline, line_ - 1, col);
          atLineStart_ = true;
        }
      } else if (c == '\\') {
        size_t next = pos_ + 1;
        if (next < src_.size() && (src_[next] == '\n' || src_[next] == '\r')) {
          ++pos_;
          consumeNewline();
        } else {
          return error(line_, column(), "unexpected '\\' (a line continuation must end the line)");
        }
      } else if (isIdentStart(c)) {
        lexIdentifier();
      } else if (isDigit(c) || (c == '.' && pos_ + 1 < src_.size() && isDigit(src_[pos_ + 1]))) {
        auto status = lexNumber();
        if (!status.ok())
          return status;
      } else if (c == '"' || c == '\'') {
        auto status = lexString();
        if (!status.ok())
          return status;
      } else {
        auto status = lexOperator();
        if (!status.ok())
          return status;
      }
    }
    uint32_t col = column();
    // Inside an unclosed bracket the parser should see the end of file, not a newline.
    if (lineHasTokens() && parenDepth_ == 0)
      push(TokenKind::Newline, line_, col);
    while (indents_.size() > 1) {
      indents_.pop_back();
      push(TokenKind::Dedent, line_, col);
    }
    push(TokenKind::EndOfFile, line_, col);
    return std::move(tokens_);
  }

private:
  bool atEnd() const { return pos_ >= src_.size(); }
  uint32_t column() const { return static_cast<uint32_t>(pos_ - lineStart_ + 1); }

  absl::Status error(uint32_t line, uint32_t col, std::string_view message) const {
    return sourceError(file_, line, col, message);
  }

  Token &push(TokenKind kind, uint32_t line, uint32_t col) {
    Token &t = tokens_.emplace_back();
    t.kind = kind;
    t.line = line;
    t.column = col;
    return t;
  }

  bool lineHasTokens() const {
    if (tokens_.empty())
      return false;
    TokenKind k = tokens_.back().kind;
    return k != TokenKind::Newline && k != TokenKind::Indent && k != TokenKind::Dedent;
  }

  // Consumes "\n", "\r\n" or "\r" at pos_.
  void consumeNewline() {
    if (src_[pos_] == '\r' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '\n')
      ++pos_;
    ++pos_;
    ++line_;
    lineStart_ = pos_;
  }

  void skipSpaces() {
    while (!atEnd() && (src_[pos_] == ' ' || src_[pos_] == '\t' || src_[pos_] == '\f'))
      ++pos_;
  }

  void skipComment() {
    while (!atEnd() && src_[pos_] != '\n' && src_[pos_] != '\r')
      ++pos_;
  }

  // At the start of a logical line: skips blank and comment-only lines, then compares the
  // indentation of the first real line with the stack. `sawLine` is false at end of input.
  absl::Status handleIndentation(bool &sawLine) {
    while (true) {
      uint32_t width = 0;
      while (!atEnd() && (src_[pos_] == ' ' || src_[pos_] == '\f')) {
        width = src_[pos_] == ' ' ? width + 1 : 0; // form feed resets, as in Python
        ++pos_;
      }
      if (atEnd()) {
        sawLine = false;
        return absl::OkStatus();
      }
      char c = src_[pos_];
      if (c == '\t')
        return error(line_, column(), "tab in indentation (indent with spaces)");
      if (c == '#') {
        skipComment();
        if (atEnd()) {
          sawLine = false;
          return absl::OkStatus();
        }
      }
      c = src_[pos_];
      if (c == '\n' || c == '\r') {
        consumeNewline();
        continue;
      }
      sawLine = true;
      atLineStart_ = false;
      if (width > indents_.back()) {
        indents_.push_back(width);
        push(TokenKind::Indent, line_, column());
      } else {
        while (width < indents_.back()) {
          indents_.pop_back();
          push(TokenKind::Dedent, line_, column());
        }
        if (width != indents_.back())
          return error(line_, column(), "unindent does not match any outer indentation level");
      }
      return absl::OkStatus();
    }
  }

  void lexIdentifier() {
    uint32_t col = column();
    size_t start = pos_;
    while (!atEnd() && isIdentChar(src_[pos_]))
      ++pos_;
    std::string_view word = src_.substr(start, pos_ - start);
    if (const Spelling *kw = findSpelling(kKeywords, kKeywordsByFirst[word[0] & 0x7f], word)) {
      push(kw->kind, line_, col);
      return;
    }
    push(TokenKind::Identifier, line_, col).text = std::string(word);
  }

  absl::Status lexNumber() {
    uint32_t col = column();
    size_t start = pos_;
    auto peek = [&](size_t off) -> char {
      return pos_ + off < src_.size() ? src_[pos_ + off] : '\0';
    };
    if (src_[pos_] == '0' && (peek(1) == 'x' || peek(1) == 'X' || peek(1) == 'o' ||
                              peek(1) == 'O' || peek(1) == 'b' || peek(1) == 'B')) {
      char prefix = static_cast<char>(peek(1) | 0x20);
      unsigned base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : 2;
      pos_ += 2;
      uint64_t value = 0;
      size_t digits = 0;
      while (!atEnd()) {
        int d = ir::hexDigitValue(src_[pos_]);
        if (d < 0 || static_cast<unsigned>(d) >= base)
          break;
        if (value > (UINT64_MAX - static_cast<unsigned>(d)) / base)
          return error(line_, col, "integer literal is too large");
        value = value * base + static_cast<unsigned>(d);
        ++pos_;
        ++digits;
      }
      if (digits == 0 || (!atEnd() && isIdentChar(src_[pos_])))
        return error(line_, col,
                     fmt::format("invalid {} literal", base == 16  ? "hexadecimal"
                                                       : base == 8 ? "octal"
                                                                   : "binary"));
      Token &t = push(TokenKind::Int, line_, col);
      t.text = std::string(src_.substr(start, pos_ - start));
      t.intValue = value;
      return absl::OkStatus();
    }
    bool isFloat = false;
    while (!atEnd() && isDigit(src_[pos_]))
      ++pos_;
    if (!atEnd() && src_[pos_] == '.' && !(peek(1) == '.' && peek(2) == '.')) {
      isFloat = true;
      ++pos_;
      while (!atEnd() && isDigit(src_[pos_]))
        ++pos_;
    }
    if (!atEnd() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t save = pos_;
      ++pos_;
      if (!atEnd() && (src_[pos_] == '+' || src_[pos_] == '-'))
        ++pos_;
      if (!atEnd() && isDigit(src_[pos_])) {
        isFloat = true;
        while (!atEnd() && isDigit(src_[pos_]))
          ++pos_;
      } else {
        pos_ = save;
        return error(line_, col, "invalid number literal (missing exponent digits)");
      }
    }
    size_t end = pos_;
    bool imaginary = false;
    if (!atEnd() && (src_[pos_] == 'j' || src_[pos_] == 'J')) {
      imaginary = true;
      ++pos_;
    }
    if (!atEnd() && isIdentChar(src_[pos_]))
      return error(line_, col, "invalid number literal");
    std::string_view digits = src_.substr(start, end - start);
    Token &t = push(isFloat || imaginary ? TokenKind::Float : TokenKind::Int, line_, col);
    t.text = std::string(src_.substr(start, pos_ - start));
    t.imaginary = imaginary;
    if (t.kind == TokenKind::Int) {
      uint64_t value = 0;
      for (char c : digits) {
        auto d = static_cast<unsigned>(c - '0');
        if (value > (UINT64_MAX - d) / 10)
          return error(line_, col, "integer literal is too large");
        value = value * 10 + d;
      }
      t.intValue = value;
      return absl::OkStatus();
    }
    double value = std::numeric_limits<double>::quiet_NaN();
    auto result = absl::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (result.ptr != digits.data() + digits.size())
      return error(line_, col, "invalid floating-point literal");
    if (result.ec == std::errc::result_out_of_range) {
      // Python rounds overflow to inf and underflow to 0. absl sets `value` that way (DR 3081);
      // should it leave `value` untouched, the sign of the exponent decides.
      if (std::isnan(value))
        value = digits.find("e-") != std::string_view::npos ||
                        digits.find("E-") != std::string_view::npos
                    ? 0.0
                    : HUGE_VAL;
      else
        value = std::fabs(value) >= 1.0 ? HUGE_VAL : 0.0;
    } else if (result.ec != std::errc()) {
      return error(line_, col, "invalid floating-point literal");
    }
    t.floatValue = value;
    return absl::OkStatus();
  }

  absl::Status lexString() {
    uint32_t line = line_;
    uint32_t col = column();
    char quote = src_[pos_];
    bool triple = pos_ + 2 < src_.size() && src_[pos_ + 1] == quote && src_[pos_ + 2] == quote;
    pos_ += triple ? 3 : 1;
    std::string value;
    while (true) {
      if (atEnd())
        return error(line, col, "unterminated string literal");
      char c = src_[pos_];
      if (c == quote) {
        if (!triple) {
          ++pos_;
          break;
        }
        if (pos_ + 2 < src_.size() && src_[pos_ + 1] == quote && src_[pos_ + 2] == quote) {
          pos_ += 3;
          break;
        }
        value.push_back(c);
        ++pos_;
        continue;
      }
      if (c == '\n' || c == '\r') {
        if (!triple)
          return error(line, col, "unterminated string literal");
        consumeNewline();
        value.push_back('\n');
        continue;
      }
      if (c != '\\') {
        value.push_back(c);
        ++pos_;
        continue;
      }
      // Escape sequence.
      uint32_t escCol = column();
      ++pos_;
      if (atEnd())
        return error(line, col, "unterminated string literal");
      char e = src_[pos_];
      if (e == '\n' || e == '\r') {
        consumeNewline(); // backslash-newline continues the literal
        continue;
      }
      absl::StatusOr<size_t> used = ir::decodeEscape(src_.substr(pos_), value);
      if (!used.ok())
        return error(line_, escCol, std::string(used.status().message()));
      pos_ += *used;
    }
    Token &t = push(TokenKind::String, line, col);
    t.text = std::move(value);
    return absl::OkStatus();
  }

  absl::Status lexOperator() {
    uint32_t col = column();
    auto first = static_cast<unsigned char>(src_[pos_]);
    uint64_t candidates = first < 128 ? kOperatorsByFirst[first] : 0;
    for (size_t len = 3; len >= 1 && candidates != 0; --len) {
      if (pos_ + len > src_.size())
        continue;
      if (const Spelling *op = findSpelling(kOperators, candidates, src_.substr(pos_, len))) {
        pos_ += len;
        push(op->kind, line_, col);
        if (op->kind == TokenKind::LParen || op->kind == TokenKind::LBracket ||
            op->kind == TokenKind::LBrace) {
          ++parenDepth_;
        } else if ((op->kind == TokenKind::RParen || op->kind == TokenKind::RBracket ||
                    op->kind == TokenKind::RBrace) &&
                   parenDepth_ > 0) {
          --parenDepth_;
        }
        return absl::OkStatus();
      }
    }
    return error(line_, col, fmt::format("unexpected character {}", describeChar(src_[pos_])));
  }

  std::string_view src_;
  std::string_view file_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  size_t lineStart_ = 0;
  uint64_t parenDepth_ = 0;
  bool atLineStart_ = true;
  std::vector<uint32_t> indents_{0};
  std::vector<Token> tokens_;
};

} // namespace

std::string_view tokenSpelling(TokenKind kind) {
  for (const Spelling &s : kKeywords)
    if (s.kind == kind)
      return s.text;
  for (const Spelling &s : kOperators)
    if (s.kind == kind)
      return s.text;
  return {};
}

std::string describeTokenKind(TokenKind kind) {
  switch (kind) {
  case TokenKind::EndOfFile:
    return "end of file";
  case TokenKind::Newline:
    return "newline";
  case TokenKind::Indent:
    return "indent";
  case TokenKind::Dedent:
    return "dedent";
  case TokenKind::Identifier:
    return "identifier";
  case TokenKind::Int:
    return "integer literal";
  case TokenKind::Float:
    return "float literal";
  case TokenKind::String:
    return "string literal";
  default:
    return fmt::format("'{}'", tokenSpelling(kind));
  }
}

absl::StatusOr<std::vector<Token>> tokenize(std::string_view source, std::string_view fileName) {
  if (source.size() >= UINT32_MAX)
    return sourceError(fileName, 1, 1, "source file is too large");
  if (!isValidUtf8(source))
    return sourceError(fileName, 1, 1, "source is not valid UTF-8");
  return Lexer(source, fileName).run();
}

} // namespace ts2onnx::frontend::script
