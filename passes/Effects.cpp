#include "passes/Effects.h"

namespace ts2onnx::passes {

EffectsCache::EffectsCache() : scratch_(std::make_unique<ir::Graph>()) {}
EffectsCache::~EffectsCache() = default;

bool EffectsCache::ownEffects(const ir::Node &n) {
  if (n.blocks().empty())
    return n.hasSideEffects();
  auto it = byKind_.find(n.kind());
  if (it != byKind_.end())
    return it->second;
  // The same kind without blocks tells the node's own effects apart from its blocks'.
  ir::Node *probe = scratch_->create(n.kind(), {}, 0);
  bool effects = probe->hasSideEffects();
  probe->destroy();
  byKind_.emplace(n.kind(), effects);
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

} // namespace ts2onnx::passes
