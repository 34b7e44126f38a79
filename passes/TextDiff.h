// Line diffs of printed IR, for the pass manager's --print-diff.
#pragma once

#include <string>
#include <string_view>

namespace ts2onnx::passes {

/// A unified diff (`---`/`+++` headers, `@@` hunks with `context` lines around changes) of two
/// texts split into lines; empty when they are equal. Myers' O((N+M)D) algorithm, so a pass
/// that changes a few lines of a large graph costs little.
std::string unifiedDiff(std::string_view before, std::string_view after, std::string_view nameA,
                        std::string_view nameB, int context = 3);

} // namespace ts2onnx::passes
