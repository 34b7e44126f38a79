// Side-effect queries shared by passes. Node::hasSideEffects() also looks into a node's blocks,
// so asking it for every node of a nested graph costs time quadratic in the nesting depth;
// passes that walk every block ask EffectsCache for the node's own effects instead.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ir/Graph.h"

namespace ts2onnx::passes {

class EffectsCache {
public:
  EffectsCache();
  ~EffectsCache();

  /// True when the node itself, not counting the nodes in its blocks, has side effects
  /// (Node::hasSideEffects of a node of that kind without blocks).
  bool ownEffects(const ir::Node &n);
  /// ownEffects() minus the effects that write no value (exceptions, prints, warnings): true
  /// when the node may change a tensor, list, dict or object that other nodes read.
  bool mayWrite(const ir::Node &n);

private:
  std::unique_ptr<ir::Graph> scratch_;
  /// By symbol id: -1 not known yet, else whether a node of that kind has effects of its own.
  std::vector<int8_t> byKind_;
};

/// A tensor object of its own: a graph input (each bound to its own buffer) or the result of an
/// op that always makes a new tensor object (layer_norm, linear, add, transpose, ...), never its
/// input back as eval dropout, contiguous, to, flatten or an in-place op may. Two different such
/// values are never the same tensor (`a is b` is False).
bool isDistinctTensorObject(const ir::Value *v);

} // namespace ts2onnx::passes
