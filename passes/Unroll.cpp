#include "passes/Unroll.h"

#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace ts2onnx::passes {

size_t blockSize(const ir::Block *b) {
  size_t n = 0;
  for (const ir::Node *m : b->nodes()) {
    ++n;
    for (const ir::Block *sub : m->blocks())
      n += blockSize(sub);
  }
  return n;
}

bool unrollLoop(ir::Graph &g, ir::Node *loop, size_t &budget, int64_t maxTrips) {
  auto trips = ir::constantInt(loop->input(0));
  auto cond = ir::constantInt(loop->input(1));
  const ir::Block *body = loop->blocks()[0];
  auto bodyCond = ir::constantInt(body->outputs()[0]);
  if (!trips || !cond || *trips < 0 || *trips > maxTrips)
    return false;
  if (*cond && *trips > 0 && (!bodyCond || !*bodyCond))
    return false;
  int64_t n = *cond ? *trips : 0;
  size_t cost = blockSize(body) * size_t(n);
  if (cost > budget)
    return false;
  budget -= cost;
  std::vector<ir::Value *> carried(loop->inputs().begin() + 2, loop->inputs().end());
  ir::WithInsertPoint guard(loop);
  for (int64_t i = 0; i < n; ++i) {
    absl::flat_hash_map<const ir::Value *, ir::Value *> env;
    env[body->inputs()[0]] = g.insertConstantInt(i);
    for (size_t k = 0; k < carried.size(); ++k)
      env[body->inputs()[k + 1]] = carried[k];
    for (const ir::Node *m : body->nodes())
      g.cloneNode(*m, env);
    for (size_t k = 0; k < carried.size(); ++k) {
      const ir::Value *o = body->outputs()[k + 1];
      auto it = env.find(o);
      carried[k] = it == env.end() ? const_cast<ir::Value *>(o) : it->second;
    }
  }
  for (size_t k = 0; k < carried.size(); ++k)
    loop->output(k)->replaceAllUsesWith(carried[k]);
  loop->destroy();
  return true;
}

} // namespace ts2onnx::passes
