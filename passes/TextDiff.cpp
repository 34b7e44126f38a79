#include "passes/TextDiff.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace ts2onnx::passes {
namespace {

std::vector<std::string_view> splitLines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) {
      out.push_back(s.substr(start));
      break;
    }
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

enum class Op { Keep, Del, Add };

/// Myers' greedy diff; returns the edit script from a to b.
std::vector<Op> editScript(const std::vector<std::string_view> &a,
                           const std::vector<std::string_view> &b) {
  const int n = int(a.size()), m = int(b.size()), max = n + m;
  const int off = max + 1;
  std::vector<int> v(2 * max + 3, 0);
  std::vector<std::vector<int>> trace;
  int dFinal = 0;
  for (int d = 0; d <= max; ++d) {
    trace.push_back(v);
    bool done = false;
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1]
                                                                       : v[off + k - 1] + 1;
      int y = x - k;
      while (x < n && y < m && a[size_t(x)] == b[size_t(y)]) {
        ++x;
        ++y;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
    if (done) {
      dFinal = d;
      break;
    }
  }
  // Walk the trace back from (n, m).
  std::vector<Op> ops;
  int x = n, y = m;
  for (int d = dFinal; d > 0; --d) {
    const std::vector<int> &pv = trace[size_t(d)];
    int k = x - y;
    bool down = (k == -d || (k != d && pv[off + k - 1] < pv[off + k + 1]));
    int prevK = down ? k + 1 : k - 1;
    int prevX = pv[off + prevK], prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push_back(Op::Keep);
      --x;
      --y;
    }
    ops.push_back(down ? Op::Add : Op::Del);
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push_back(Op::Keep);
    --x;
    --y;
  }
  std::reverse(ops.begin(), ops.end());
  return ops;
}

} // namespace

std::string unifiedDiff(std::string_view before, std::string_view after, std::string_view nameA,
                        std::string_view nameB, int context) {
  if (before == after)
    return {};
  auto a = splitLines(before), b = splitLines(after);
  std::vector<Op> ops = editScript(a, b);
  // Positions in a and b of each op.
  struct Line {
    Op op;
    size_t ai, bi;
  };
  std::vector<Line> lines;
  size_t ai = 0, bi = 0;
  for (Op op : ops) {
    lines.push_back({op, ai, bi});
    if (op != Op::Add)
      ++ai;
    if (op != Op::Del)
      ++bi;
  }
  std::string out = fmt::format("--- {}\n+++ {}\n", nameA, nameB);
  size_t i = 0;
  while (i < lines.size()) {
    if (lines[i].op == Op::Keep) {
      ++i;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change
    // that is within 2*context of the previous one.
    size_t start = i >= size_t(context) ? i - size_t(context) : 0;
    size_t end = i;
    for (size_t j = i; j < lines.size(); ++j) {
      if (lines[j].op != Op::Keep)
        end = j;
      else if (j - end > size_t(2 * context))
        break;
    }
    size_t stop = std::min(lines.size(), end + 1 + size_t(context));
    size_t aStart = lines[start].ai, bStart = lines[start].bi, aLen = 0, bLen = 0;
    std::string body;
    for (size_t j = start; j < stop; ++j) {
      const Line &l = lines[j];
      if (l.op == Op::Keep) {
        body += fmt::format(" {}\n", a[l.ai]);
        ++aLen;
        ++bLen;
      } else if (l.op == Op::Del) {
        body += fmt::format("-{}\n", a[l.ai]);
        ++aLen;
      } else {
        body += fmt::format("+{}\n", b[l.bi]);
        ++bLen;
      }
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n", aLen ? aStart + 1 : aStart, aLen,
                       bLen ? bStart + 1 : bStart, bLen);
    out += body;
    i = stop;
  }
  return out;
}

} // namespace ts2onnx::passes
