// A small FileCheck of our own for the lit tests (see docs/testing.md for why not LLVM's).
//
// Given: the lines of a test case (directives in `#` comments) and the text a command printed.
// Does: matches the directives of the chosen prefixes against the text, in order, as LLVM's
//   FileCheck does: PREFIX: (anywhere after the last match), PREFIX-NEXT: (on the next line),
//   PREFIX-SAME: (on the line of the last match), PREFIX-EMPTY: (the next line is empty),
//   PREFIX-NOT: (not between the neighbouring matches), PREFIX-LABEL: (splits the text into
//   blocks first, so a failure stays in its block), PREFIX-COUNT-n: (n matches in a row), and
//   PREFIX-FULL: (the whole text, line by line, exactly; what UPDATE_GOLDENS rewrites).
//   Patterns are literal text with `{{regex}}`, `[[NAME:regex]]` captures and `[[NAME]]` uses;
//   runs of spaces match any horizontal whitespace.
// Result: OK, or an error naming the directive's file:line and where the search started.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ts2onnx::lit {

enum class CheckKind { Plain, Next, Same, Empty, Not, Label, Full };

/// One directive read from a test file.
struct CheckDirective {
  CheckKind kind = CheckKind::Plain;
  std::string prefix;
  std::string pattern; // trimmed; for Full the exact line (leading space after ':' removed)
  int line = 0;        // 1-based line in the test file
};

/// The directives of `prefixes` among `lines` (line i is line `firstLine + i` of the file).
/// `PREFIX-COUNT-n:` expands to n Plain directives. Errors on an unknown suffix
/// (`CHECK-NXET:`) or a malformed count.
absl::Status parseDirectives(const std::vector<std::string> &lines, int firstLine,
                             const std::vector<std::string> &prefixes,
                             std::vector<CheckDirective> &out);

/// Matches `directives` against `text`. `file` names the test file in messages.
absl::Status fileCheck(const std::vector<CheckDirective> &directives, std::string_view text,
                       std::string_view file);

/// The lines of `text` (a final newline ends the last line, it does not start another).
std::vector<std::string> splitLines(std::string_view text);

/// The name of a directive kind as written after the prefix ("", "-NEXT", ...).
std::string_view kindSuffix(CheckKind kind);

} // namespace ts2onnx::lit
