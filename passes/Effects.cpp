#include "passes/Effects.h"

#include <string_view>

namespace ts2onnx::passes {

EffectsCache::EffectsCache() : scratch_(std::make_unique<ir::Graph>()) {}
EffectsCache::~EffectsCache() = default;

bool EffectsCache::ownEffects(const ir::Node &n) {
  uint32_t id = n.kind().id();
  if (id < byKind_.size() && byKind_[id] >= 0)
    return byKind_[id] != 0;
  // Depends on the kind alone: a node of that kind without blocks tells the node's own effects
  // apart from its blocks'.
  ir::Node *probe = scratch_->create(n.kind(), {}, 0);
  bool effects = probe->hasSideEffects();
  probe->destroy();
  if (id >= byKind_.size())
    byKind_.resize(id + 1, -1);
  byKind_[id] = effects ? 1 : 0;
  return effects;
}

bool EffectsCache::mayWrite(const ir::Node &n) {
  static const ir::Symbol kWarn = ir::Symbol::fromQualString("aten::warn");
  static const ir::Symbol kAssert = ir::Symbol::fromQualString("aten::_assert_async");
  static const ir::Symbol kRaiseIf = ir::Symbol::fromQualString("ts2onnx::raise_if");
  ir::Symbol k = n.kind();
  if (k == ir::prim::RaiseException || k == ir::prim::Print || k == kWarn || k == kAssert ||
      k == kRaiseIf)
    return false;
  return ownEffects(n);
}

bool isDistinctTensorObject(const ir::Value *v) {
  const ir::Node *n = v->node();
  if (n == n->owningGraph()->block()->paramNode())
    return true; // an input of the graph, not of a loop body
  static const std::string_view kMakesNew[] = {
      "aten::layer_norm",  "aten::group_norm", "aten::batch_norm", "aten::linear",
      "aten::matmul",      "aten::mm",         "aten::bmm",        "aten::conv1d",
      "aten::conv2d",      "aten::conv3d",     "aten::embedding",  "aten::softmax",
      "aten::log_softmax", "aten::relu",       "aten::gelu",       "aten::tanh",
      "aten::sigmoid",     "aten::add",        "aten::sub",        "aten::mul",
      "aten::div",         "aten::cat",        "aten::stack",      "aten::transpose",
      "aten::permute"};
  std::string_view k = n->kind().qualString();
  for (std::string_view m : kMakesNew)
    if (k == m)
      return true;
  return false;
}

} // namespace ts2onnx::passes
