// Helpers for the pass tests: parse IR text, run one pass, print.
#pragma once

#include <doctest/doctest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/PassRegistry.h"

namespace ts2onnx::passes::testing {

inline std::unique_ptr<ir::Graph> parse(std::string_view text) {
  auto g = ir::parseGraph(text);
  INFO(g.status().ToString());
  REQUIRE(g.ok());
  REQUIRE(ir::verify(**g).ok());
  return std::move(*g);
}

/// Parses `text`, runs `pass` (a function like runDce), checks the result verifies and
/// returns it printed.
template <typename PassFn> std::string runOn(std::string_view text, PassFn pass) {
  auto g = parse(text);
  absl::Status s = pass(*g, PassOptions{});
  INFO(s.ToString());
  REQUIRE(s.ok());
  absl::Status v = ir::verify(*g);
  INFO(v.ToString());
  REQUIRE(v.ok());
  return ir::printGraph(*g);
}

/// `text` with the lines containing any of `drops` removed: the expected result of a pass that
/// deletes those nodes.
inline std::string withoutLines(std::string_view text,
                                std::initializer_list<std::string_view> drops) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    std::string_view line = text.substr(start, end - start);
    bool drop = false;
    for (std::string_view d : drops)
      drop = drop || line.find(d) != std::string_view::npos;
    if (!drop)
      out += line;
    start = end;
  }
  return out;
}

} // namespace ts2onnx::passes::testing
