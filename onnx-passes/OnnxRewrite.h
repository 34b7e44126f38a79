// What the ONNX-level passes share: small readers of ONNX nodes, the symbolic elements of int64
// shape vectors, and the node-by-node rewrite walk that each pass (and onnx-cleanup, which runs
// them together) drives with its rules. Internal to onnx-passes/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "ir/Graph.h"
#include "passes/PassRegistry.h"
#include "symbolics/OnnxBuilder.h"

namespace ts2onnx::onnx_passes {

using Dims = std::vector<ir::Dim>;

/// Evaluation limits: result elements of a folded node, and of one that only moves data.
constexpr int64_t kMaxElements = 1 << 16;
constexpr int64_t kMaxLayoutElements = int64_t(1) << 24;

bool isOnnx(const ir::Node *n, std::string_view op);
std::optional<int64_t> intAttr(const ir::Node *n, const char *name);
std::optional<std::vector<int64_t>> intsAttr(const ir::Node *n, const char *name);
/// An omitted optional input (a prim::Constant without value).
bool isNone(const ir::Value *v);
bool isConstTensor(const ir::Value *v);
/// A constant integer tensor of rank <= 1 as its elements.
std::optional<std::vector<int64_t>> constInts(const ir::Value *v);
int64_t normAxis(int64_t a, int64_t rank);
/// The better of what two types know about a tensor (dtype, rank, each dim).
ir::TypePtr refine(const ir::TypePtr &old, const ir::TypePtr &now);

/// One element of an int64 shape vector: a literal value (which may be -1 or 0, as Reshape
/// targets hold), or a dim known only by its symbol, or nothing known.
struct Elem {
  std::optional<int64_t> value;
  std::string symbol;

  static Elem of(int64_t v) { return Elem{v, {}}; }
  static Elem fromDim(const ir::Dim &d) {
    return d.isStatic() ? Elem{d.value, {}} : Elem{std::nullopt, d.symbol};
  }
  ir::Dim dim() const {
    if (value && *value >= 0)
      return ir::Dim::known(*value);
    return symbol.empty() ? ir::Dim::unknown() : ir::Dim::named(symbol);
  }
};
using Elems = std::vector<Elem>;

/// The ONNX dims of a Reshape of `in` (dims, or nullopt) to `target` elements (0 copies the
/// input dim unless `allowZero`; a single -1 is inferred where the factors cancel).
std::optional<Dims> reshapeDims(const std::optional<Dims> &in, const Elems &target, bool allowZero);

/// State of one rewrite walk over a graph.
struct RewriteContext {
  RewriteContext(ir::Graph &graph, int opset, bool foldParameters)
      : g(graph), b(graph, opset), foldParameters(foldParameters) {}

  ir::Graph &g;
  symbolics::OnnxBuilder b;
  /// false (torch's do_constant_folding=False): ops reading parameters stay unevaluated.
  bool foldParameters = true;
  /// Symbolic elements of the shape vectors seen in this round (onnx-simplify-shapes).
  absl::flat_hash_map<const ir::Value *, Elems> shapes;
  /// Set by rules that rewrite a node in place.
  bool changed = false;
};

/// A rule looks at one single-output ONNX node and returns the value its output can be replaced
/// by, or nullptr (it may also rewrite the node in place and set `changed`).
using Rule = ir::Value *(*)(RewriteContext &, ir::Node *);

/// The rules of the passes (one per file) and the type refinement.
ir::Value *foldConstants(RewriteContext &ctx, ir::Node *n);  // onnx-fold-constants.cpp
ir::Value *simplifyShapes(RewriteContext &ctx, ir::Node *n); // onnx-simplify-shapes.cpp
ir::Value *peephole(RewriteContext &ctx, ir::Node *n);       // onnx-peephole.cpp
void refineTypes(ir::Node *n);                               // onnx-refine-types.cpp
/// Merges constant tensors with equal contents (dedupe-initializers.cpp); `keepNamed` false
/// leaves named constants (parameters) alone. True when anything changed.
bool dedupeInitializers(ir::Graph &g, bool keepNamed);

/// One walk over every block, inner blocks first: each ONNX node of the default domain without
/// subgraphs has its types refined (when `refine`), then the first rule that gives a
/// replacement wins. True when anything changed.
bool rewriteRound(RewriteContext &ctx, bool refine, absl::Span<const Rule> rules);

/// A standalone pass: rounds of rewriteRound until nothing changes (at most 8), then dce.
absl::Status runRules(ir::Graph &graph, const passes::PassOptions &options, bool refine,
                      absl::Span<const Rule> rules);

} // namespace ts2onnx::onnx_passes
