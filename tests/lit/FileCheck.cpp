// The matcher behind the lit tests; FileCheck.h says what each directive means.
#include "tests/lit/FileCheck.h"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <regex>

namespace ts2onnx::lit {

std::string_view kindSuffix(CheckKind kind) {
  switch (kind) {
  case CheckKind::Plain:
    return "";
  case CheckKind::Next:
    return "-NEXT";
  case CheckKind::Same:
    return "-SAME";
  case CheckKind::Empty:
    return "-EMPTY";
  case CheckKind::Not:
    return "-NOT";
  case CheckKind::Label:
    return "-LABEL";
  case CheckKind::Full:
    return "-FULL";
  }
  return "";
}

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos)
    return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::string name(const CheckDirective &d) {
  return fmt::format("{}{}", d.prefix, kindSuffix(d.kind));
}

} // namespace

absl::Status parseDirectives(const std::vector<std::string> &lines, int firstLine,
                             const std::vector<std::string> &prefixes,
                             std::vector<CheckDirective> &out) {
  // `# PREFIX[-SUFFIX]: pattern`; only comment lines hold directives, so IR text never does.
  static const std::regex directive(R"(^\s*#\s*([A-Za-z0-9_]+)((?:-[A-Za-z0-9]+)*):(.*)$)");
  static const std::map<std::string, CheckKind> kinds = {
      {"", CheckKind::Plain},       {"-NEXT", CheckKind::Next}, {"-SAME", CheckKind::Same},
      {"-EMPTY", CheckKind::Empty}, {"-NOT", CheckKind::Not},   {"-LABEL", CheckKind::Label},
      {"-FULL", CheckKind::Full}};
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (!std::regex_match(lines[i], m, directive))
      continue;
    std::string prefix = m[1].str();
    bool known = false;
    for (const std::string &p : prefixes)
      known |= p == prefix;
    if (!known)
      continue;
    int line = firstLine + int(i);
    std::string suffix = m[2].str();
    std::string rest = m[3].str();
    int count = 1;
    CheckKind kind;
    if (suffix.rfind("-COUNT-", 0) == 0) {
      std::string n = suffix.substr(7);
      if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || std::stoi(n) < 1)
        return absl::InvalidArgumentError(fmt::format(
            "line {}: {}{}: the count must be a positive number", line, prefix, suffix));
      count = std::stoi(n);
      kind = CheckKind::Plain;
    } else if (auto it = kinds.find(suffix); it != kinds.end()) {
      kind = it->second;
    } else {
      return absl::InvalidArgumentError(
          fmt::format("line {}: unknown directive {}{}:", line, prefix, suffix));
    }
    CheckDirective d;
    d.kind = kind;
    d.prefix = prefix;
    d.line = line;
    if (kind == CheckKind::Full) {
      d.pattern = !rest.empty() && rest[0] == ' ' ? rest.substr(1) : rest;
    } else {
      d.pattern = trim(rest);
      if (d.pattern.empty() && kind != CheckKind::Empty)
        return absl::InvalidArgumentError(
            fmt::format("line {}: {} has an empty pattern", line, name(d)));
    }
    for (int k = 0; k < count; ++k)
      out.push_back(d);
  }
  return absl::OkStatus();
}

namespace {

/// A pattern turned into a regex, with the groups its `[[NAME:regex]]` captures land in.
struct Compiled {
  std::regex re;
  std::vector<std::pair<std::string, size_t>> captures;
};

std::string escapeRegex(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos)
      out += '\\';
    out += c;
  }
  return out;
}

absl::StatusOr<size_t> markCount(const std::string &re) {
  try {
    return std::regex(re).mark_count();
  } catch (const std::regex_error &e) {
    return absl::InvalidArgumentError(fmt::format("bad regex {{{{{}}}}}: {}", re, e.what()));
  }
}

absl::StatusOr<Compiled> compile(const std::string &pattern,
                                 const std::map<std::string, std::string> &vars) {
  std::string re;
  Compiled c;
  size_t marks = 0;
  std::map<std::string, size_t> local;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern.compare(i, 2, "{{") == 0) {
      size_t end = pattern.find("}}", i + 2);
      if (end == std::string::npos)
        return absl::InvalidArgumentError("'{{' without '}}'");
      std::string sub = pattern.substr(i + 2, end - i - 2);
      auto n = markCount(sub);
      if (!n.ok())
        return n.status();
      re += "(?:" + sub + ")";
      marks += *n;
      i = end + 2;
    } else if (pattern.compare(i, 2, "[[") == 0) {
      size_t end = pattern.find("]]", i + 2);
      if (end == std::string::npos)
        return absl::InvalidArgumentError("'[[' without ']]'");
      std::string inner = pattern.substr(i + 2, end - i - 2);
      size_t colon = inner.find(':');
      if (colon != std::string::npos) {
        std::string var = inner.substr(0, colon);
        std::string sub = inner.substr(colon + 1);
        auto n = markCount(sub);
        if (!n.ok())
          return n.status();
        size_t group = ++marks;
        marks += *n;
        re += "(" + sub + ")";
        local[var] = group;
        c.captures.emplace_back(var, group);
      } else if (auto it = local.find(inner); it != local.end()) {
        re += fmt::format("\\{}", it->second);
      } else if (auto v = vars.find(inner); v != vars.end()) {
        re += escapeRegex(v->second);
      } else {
        return absl::InvalidArgumentError(fmt::format("[[{}]] is not defined", inner));
      }
      i = end + 2;
    } else if (pattern[i] == ' ' || pattern[i] == '\t') {
      while (i < pattern.size() && (pattern[i] == ' ' || pattern[i] == '\t'))
        ++i;
      re += "[ \t]+";
    } else {
      re += escapeRegex(pattern.substr(i, 1));
      ++i;
    }
  }
  try {
    c.re = std::regex(re);
  } catch (const std::regex_error &e) {
    return absl::InvalidArgumentError(fmt::format("bad pattern: {}", e.what()));
  }
  return c;
}

struct Match {
  int line = 0;
  size_t begin = 0, end = 0;
};

/// Matches the directives of one text; the cursor is the end of the last positive match.
class Checker {
public:
  Checker(std::vector<std::string> lines, std::string_view file)
      : lines_(std::move(lines)), file_(file) {}

  absl::Status run(const std::vector<CheckDirective> &all) {
    std::vector<CheckDirective> full, rest;
    for (const CheckDirective &d : all)
      (d.kind == CheckKind::Full ? full : rest).push_back(d);
    if (!full.empty())
      if (absl::Status s = checkFull(full); !s.ok())
        return s;
    // Labels first: each splits the text, so the other directives search only their block.
    std::vector<size_t> labelIdx;
    std::vector<Match> labelAt;
    int from = 0;
    for (size_t i = 0; i < rest.size(); ++i) {
      if (rest[i].kind != CheckKind::Label)
        continue;
      auto m = find(rest[i], from, 0, int(lines_.size()));
      if (!m.ok())
        return m.status();
      if (!*m)
        return fail(rest[i], fmt::format("not found after output line {}", from),
                    std::max(from, 0));
      labelIdx.push_back(i);
      labelAt.push_back(**m);
      from = (*m)->line + 1;
    }
    size_t seg = 0;
    int end = labelAt.empty() ? int(lines_.size()) : labelAt[0].line;
    curLine_ = -1;
    curCol_ = 0;
    for (size_t i = 0; i < rest.size(); ++i) {
      if (seg < labelIdx.size() && i == labelIdx[seg]) {
        if (absl::Status s = flushNots(end, 0); !s.ok())
          return s;
        curLine_ = labelAt[seg].line;
        curCol_ = labelAt[seg].end;
        ++seg;
        end = seg < labelAt.size() ? labelAt[seg].line : int(lines_.size());
        continue;
      }
      if (absl::Status s = step(rest[i], end); !s.ok())
        return s;
    }
    return flushNots(end, 0);
  }

private:
  absl::Status fail(const CheckDirective &d, const std::string &what, int outputLine) const {
    std::string context;
    if (outputLine >= 0 && outputLine < int(lines_.size()))
      context = fmt::format("\n  output line {}: {}", outputLine + 1, lines_[outputLine]);
    return absl::NotFoundError(fmt::format("{}:{}: error: {}: \"{}\" {}{}", file_, d.line, name(d),
                                           d.pattern, what, context));
  }

  /// The first match of `d` at or after (line, col), before line `end`; nullopt if none.
  absl::StatusOr<std::optional<Match>> find(const CheckDirective &d, int line, size_t col,
                                            int end) {
    auto c = compile(d.pattern, vars_);
    if (!c.ok())
      return absl::InvalidArgumentError(fmt::format("{}:{}: error: {}: {}", file_, d.line, name(d),
                                                    std::string(c.status().message())));
    for (int l = std::max(line, 0); l < end && l < int(lines_.size()); ++l) {
      size_t from = l == line ? col : 0;
      const std::string &s = lines_[l];
      if (from > s.size())
        continue;
      std::smatch m;
      auto flags =
          from > 0 ? std::regex_constants::match_prev_avail : std::regex_constants::match_default;
      if (std::regex_search(s.begin() + from, s.end(), m, c->re, flags)) {
        for (const auto &[var, group] : c->captures)
          vars_[var] = m[group].str();
        size_t b = from + size_t(m.position(0));
        return std::optional<Match>(Match{l, b, b + size_t(m.length(0))});
      }
    }
    return std::optional<Match>();
  }

  /// Pending NOTs must not match between the cursor and (line, col).
  absl::Status flushNots(int line, size_t col) {
    for (const CheckDirective &n : nots_) {
      for (int l = std::max(curLine_, 0); l <= line && l < int(lines_.size()); ++l) {
        size_t from = l == curLine_ ? curCol_ : 0;
        size_t to = l == line ? col : lines_[l].size();
        if (from > to)
          continue;
        // Search only the slice [from, to) of line l.
        std::string slice = lines_[l].substr(from, to - from);
        auto c = compile(n.pattern, vars_);
        if (!c.ok())
          return absl::InvalidArgumentError(fmt::format(
              "{}:{}: error: {}: {}", file_, n.line, name(n), std::string(c.status().message())));
        if (std::regex_search(slice, c->re))
          return fail(n, "was found", l);
      }
    }
    nots_.clear();
    return absl::OkStatus();
  }

  absl::Status step(const CheckDirective &d, int end) {
    switch (d.kind) {
    case CheckKind::Not:
      nots_.push_back(d);
      return absl::OkStatus();
    case CheckKind::Empty: {
      int l = curLine_ + 1;
      if (l >= end || !lines_[l].empty())
        return fail(d, "expected an empty line next", l);
      return advance(Match{l, 0, 0});
    }
    case CheckKind::Same: {
      auto m = find(d, curLine_, curCol_, curLine_ + 1);
      if (!m.ok())
        return m.status();
      if (!*m)
        return fail(d, "not found on the same line", curLine_);
      return advance(**m);
    }
    case CheckKind::Next: {
      int l = curLine_ + 1;
      auto m = find(d, l, 0, l + 1);
      if (!m.ok())
        return m.status();
      if (!*m) {
        auto later = find(d, l + 1, 0, end);
        if (later.ok() && *later)
          return fail(
              d,
              fmt::format("is not on the next line (it is on output line {})", (*later)->line + 1),
              l);
        return fail(d, "not found on the next line", l);
      }
      return advance(**m);
    }
    default: {
      auto m = find(d, curLine_, curCol_, end);
      if (!m.ok())
        return m.status();
      if (!*m)
        return fail(d, fmt::format("not found after output line {}", std::max(curLine_ + 1, 0)),
                    std::max(curLine_, 0));
      return advance(**m);
    }
    }
  }

  absl::Status advance(const Match &m) {
    if (absl::Status s = flushNots(m.line, m.begin); !s.ok())
      return s;
    curLine_ = m.line;
    curCol_ = m.end;
    return absl::OkStatus();
  }

  absl::Status checkFull(const std::vector<CheckDirective> &full) const {
    size_t n = std::max(full.size(), lines_.size());
    for (size_t i = 0; i < n; ++i) {
      if (i >= full.size())
        return absl::NotFoundError(
            fmt::format("{}:{}: error: {}: the output goes on after the expectation's last line:\n"
                        "  output line {}: {}",
                        file_, full.back().line, name(full.back()), i + 1, lines_[i]));
      if (i >= lines_.size())
        return absl::NotFoundError(
            fmt::format("{}:{}: error: {}: \"{}\": the output ended at line {}", file_,
                        full[i].line, name(full[i]), full[i].pattern, lines_.size()));
      if (full[i].pattern != lines_[i])
        return absl::NotFoundError(
            fmt::format("{}:{}: error: {}: line {} differs\n  expected: {}\n  output:   {}", file_,
                        full[i].line, name(full[i]), i + 1, full[i].pattern, lines_[i]));
    }
    return absl::OkStatus();
  }

  std::vector<std::string> lines_;
  std::string file_;
  std::map<std::string, std::string> vars_;
  std::vector<CheckDirective> nots_;
  int curLine_ = -1;
  size_t curCol_ = 0;
};

} // namespace

std::vector<std::string> splitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

absl::Status fileCheck(const std::vector<CheckDirective> &directives, std::string_view text,
                       std::string_view file) {
  return Checker(splitLines(text), file).run(directives);
}

} // namespace ts2onnx::lit
