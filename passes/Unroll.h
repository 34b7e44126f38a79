// Loop unrolling shared by lower-dicts (loops over compile-time dicts) and unroll-loops (loops
// over lists of static length). Internal to passes/.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ir/Graph.h"

namespace ts2onnx::passes {

/// The number of nodes in `b` and the blocks nested in it.
size_t blockSize(const ir::Block *b);

/// Replaces prim::Loop `loop` by copies of its body, one per iteration, when its trip count and
/// condition are constants, the trip count is at most `maxTrips`, the body always continues and
/// the copies cost at most `budget` nodes (which is then charged). True if it unrolled.
bool unrollLoop(ir::Graph &g, ir::Node *loop, size_t &budget, int64_t maxTrips);

} // namespace ts2onnx::passes
