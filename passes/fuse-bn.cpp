// fuse-bn: an inference BatchNorm folds into the convolution before it.
//
// Given: a frozen graph (weights are tensor constants).
// Does:  for aten::conv1d/conv2d/conv3d, aten::convolution and aten::_convolution (not
//        transposed) with a constant float32/float64 weight and a constant or None bias, whose
//        only use is an aten::batch_norm with training = false and constant running_mean,
//        running_var, eps and (each possibly None) weight and bias:
//          scale = gamma / sqrt(running_var + eps)
//          W' = W * scale (per output channel),  b' = (b - running_mean) * scale + beta
//        computed in double on the CPU and stored in the weight's dtype as new constants
//        (archive memory is never written); the BatchNorm's uses then read the convolution.
//        The fused weight is a lazy tensor derived from the old one (ir::Storage::derived): the
//        writer reads the archive record, checks its CRC-32 and scales it chunk by chunk, on
//        every core, so the fused weights are never held in memory and the record is read once.
//        The new constants take the old weight's name (and `<conv>.bias` for a conv that had
//        none), so initializers keep torch's names.
// Result: no such Conv -> BatchNorm pair remains; old constants are left for dce. Linear time.
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

const ir::Tensor *constantTensor(const ir::Value *v) {
  const ir::Node *n = v->node();
  if (n->kind() != ir::prim::Constant || !v->type()->isTensor())
    return nullptr;
  const ir::AttributeValue *a = n->attribute(ir::attr::value);
  const ir::Tensor *t = a ? a->getIf<ir::Tensor>() : nullptr;
  return t && t->defined() && t->storage() ? t : nullptr;
}

bool isNone(const ir::Value *v) {
  return v->type()->is(ir::TypeKind::None) && v->node()->kind() == ir::prim::Constant;
}

std::optional<double> constantNumber(const ir::Value *v) {
  const ir::Node *n = v->node();
  if (n->kind() != ir::prim::Constant)
    return std::nullopt;
  const ir::AttributeValue *a = n->attribute(ir::attr::value);
  if (!a)
    return std::nullopt;
  if (const double *d = a->getIf<double>())
    return *d;
  if (const int64_t *i = a->getIf<int64_t>())
    return double(*i);
  return std::nullopt;
}

struct ConvSpec {
  size_t biasIndex = 2;
};

/// The bias operand index of a fusable convolution, or nothing.
std::optional<ConvSpec> convSpec(const ir::Node *n) {
  std::string_view k = n->kind().qualString();
  if ((k == "aten::conv1d" || k == "aten::conv2d" || k == "aten::conv3d") &&
      n->inputs().size() == 7)
    return ConvSpec{};
  if ((k == "aten::_convolution" && n->inputs().size() >= 12) ||
      (k == "aten::convolution" && n->inputs().size() == 9)) {
    auto transposed = constantNumber(n->input(6));
    if (transposed && *transposed == 0)
      return ConvSpec{};
  }
  return std::nullopt;
}

/// Per-channel values of an optional constant: `fill` when None, nothing when not constant or
/// of the wrong size.
std::optional<std::vector<double>> channelValues(const ir::Value *v, int64_t channels,
                                                 double fill) {
  if (isNone(v))
    return std::vector<double>(size_t(channels), fill);
  const ir::Tensor *t = constantTensor(v);
  if (!t || t->numel() != channels || !isFloatingType(t->dtype()))
    return std::nullopt;
  std::vector<double> out(static_cast<size_t>(channels));
  for (int64_t i = 0; i < channels; ++i)
    out[size_t(i)] = t->doubleAt(i);
  return out;
}

ir::Tensor makeTensor(ir::ScalarType dtype, std::vector<int64_t> sizes,
                      const std::vector<double> &values) {
  if (dtype == ir::ScalarType::Float64)
    return ir::Tensor::fromVector(dtype, std::move(sizes), values);
  std::vector<float> f(values.begin(), values.end());
  return ir::Tensor::fromVector(dtype, std::move(sizes), f);
}

/// Gives `v` the name `name` if `old`, the constant it replaces, dies now.
void takeName(ir::Value *v, ir::Value *old, const std::string &name) {
  if (old && !old->hasUses() && old->node()->kind() == ir::prim::Constant)
    old->node()->destroy();
  if (!name.empty())
    v->setDebugName(name);
}

/// buf[0..n) *= s, in double like the rest of the fusion. Vectorized (the default -O2 does not
/// vectorize a loop of unknown length): it is the one loop over every fused weight.
template <typename T>
__attribute__((optimize("tree-vectorize"))) void scaleRun(T *buf, int64_t n, double s) {
  for (int64_t k = 0; k < n; ++k)
    buf[k] = static_cast<T>(buf[k] * s);
}

/// Elements [first, first + count) of `w * scale[c]` (c the output channel), computed in place
/// in `buf`, which holds the source elements.
template <typename T>
void scaleInPlace(T *buf, int64_t first, int64_t count, int64_t perChannel,
                  const std::vector<double> &scale) {
  int64_t i = 0;
  while (i < count) {
    int64_t e = first + i;
    int64_t c = e / perChannel;
    int64_t end = std::min(count, (c + 1) * perChannel - first);
    scaleRun(buf + i, end - i, scale[size_t(c)]);
    i = end;
  }
}

/// The fused weight `w * scale[c]` per output channel c, in w's dtype, as a lazy tensor: its
/// bytes are computed chunk by chunk from the archive while the model is written, so the fused
/// weights are never all in memory (archive memory is never written).
ir::Tensor scaledWeight(const ir::Tensor &w, std::vector<double> scale) {
  int64_t channels = w.sizes()[0];
  int64_t perChannel = channels ? w.numel() / channels : 1;
  if (perChannel == 0)
    perChannel = 1;
  ir::Tensor src = w;
  if (!src.isContiguous()) { // rare: gather once
    std::vector<uint8_t> bytes = w.contiguousBytes();
    src = ir::Tensor(w.dtype(), w.sizes(), ir::Tensor::contiguousStrides(w.sizes()), 0,
                     ir::Storage::fromVector(std::move(bytes)));
  }
  const bool f64 = w.dtype() == ir::ScalarType::Float64;
  const size_t es = ir::elementSize(w.dtype());
  auto scaleBytes = [scale = std::move(scale), perChannel, f64, es](uint64_t offset, uint8_t *buf,
                                                                    size_t n) {
    int64_t first = static_cast<int64_t>(offset / es), count = static_cast<int64_t>(n / es);
    if (f64)
      scaleInPlace(reinterpret_cast<double *>(buf), first, count, perChannel, scale);
    else
      scaleInPlace(reinterpret_cast<float *>(buf), first, count, perChannel, scale);
  };
  return ir::Tensor(w.dtype(), w.sizes(), ir::Tensor::contiguousStrides(w.sizes()), 0,
                    ir::Storage::derived(src.storage(),
                                         static_cast<uint64_t>(src.storageOffset()) * es,
                                         w.nbytes(), std::move(scaleBytes)));
}

/// True when `v`'s uses other than `user` only read its shape (aten::dim/size, the tensors an
/// argument check reads): fusing keeps the convolution's shape, so those stay right.
bool onlyShapeUsesBesides(const ir::Value *v, const ir::Node *user) {
  static const ir::Symbol kDim = ir::Symbol::fromQualString("aten::dim");
  static const ir::Symbol kSize = ir::Symbol::fromQualString("aten::size");
  static const ir::Symbol kRaiseIf = ir::Symbol::fromQualString("ts2onnx::raise_if");
  bool seenUser = false;
  for (const ir::Use &u : v->uses()) {
    if (u.user == user && !seenUser) {
      seenUser = true;
      continue;
    }
    ir::Symbol k = u.user->kind();
    if (k != kDim && k != kSize && !(k == kRaiseIf && u.offset > 1))
      return false;
  }
  return seenUser;
}

bool tryFuse(ir::Graph &g, ir::Node *bn) {
  if (bn->kind().qualString() != "aten::batch_norm" || bn->inputs().size() != 9)
    return false;
  ir::Node *conv = bn->input(0)->node();
  auto spec = convSpec(conv);
  if (!spec || conv->outputs().size() != 1 || !onlyShapeUsesBesides(conv->output(), bn))
    return false;
  auto training = constantNumber(bn->input(5));
  auto eps = constantNumber(bn->input(7));
  if (!training || *training != 0 || !eps)
    return false;
  const ir::Tensor *w = constantTensor(conv->input(1));
  if (!w || w->dim() < 1 ||
      (w->dtype() != ir::ScalarType::Float32 && w->dtype() != ir::ScalarType::Float64))
    return false;
  int64_t channels = w->sizes()[0];
  auto bias = channelValues(conv->input(spec->biasIndex), channels, 0.0);
  auto gamma = channelValues(bn->input(1), channels, 1.0);
  auto beta = channelValues(bn->input(2), channels, 0.0);
  auto mean = channelValues(bn->input(3), channels, 0.0);
  auto var = channelValues(bn->input(4), channels, 0.0);
  if (!bias || !gamma || !beta || !mean || !var || isNone(bn->input(3)) || isNone(bn->input(4)))
    return false;

  std::vector<double> scale(static_cast<size_t>(channels)), newBias(static_cast<size_t>(channels));
  for (size_t c = 0; c < size_t(channels); ++c) {
    scale[c] = (*gamma)[c] / std::sqrt((*var)[c] + *eps);
    newBias[c] = ((*bias)[c] - (*mean)[c]) * scale[c] + (*beta)[c];
  }
  ir::Tensor fusedWeight = scaledWeight(*w, scale);

  ir::Value *oldW = conv->input(1), *oldB = conv->input(spec->biasIndex);
  // Decide everything about the old values before any of them is destroyed.
  const bool biasWasNone = isNone(oldB);
  std::string wName = oldW->hasDebugName() ? oldW->debugName() : std::string();
  std::string bName;
  if (oldB->hasDebugName() && !biasWasNone)
    bName = oldB->debugName();
  else if (wName.size() > 7 && wName.substr(wName.size() - 7) == ".weight")
    bName = wName.substr(0, wName.size() - 7) + ".bias";

  ir::WithInsertPoint guard(conv);
  ir::Value *nw = g.insertConstantTensor(std::move(fusedWeight));
  ir::Value *nb = g.insertConstantTensor(makeTensor(w->dtype(), {channels}, newBias));
  conv->replaceInput(1, nw);
  conv->replaceInput(spec->biasIndex, nb);
  takeName(nw, oldW, wName);
  if (biasWasNone) {
    if (!oldB->hasUses())
      oldB->node()->destroy();
    takeName(nb, nullptr, bName);
  } else {
    takeName(nb, oldB == oldW ? nullptr : oldB, bName); // a shared value is already gone
  }
  if (bn->output()->type()->isTensor() && bn->output()->type()->tensorInfo().sizes)
    conv->output()->setType(bn->output()->type());
  bn->output()->replaceAllUsesWith(conv->output());
  bn->destroy();
  return true;
}

void fuseBlock(ir::Graph &g, ir::Block *b) {
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      fuseBlock(g, sub);
    tryFuse(g, n);
  }
}

} // namespace

absl::Status runFuseBn(ir::Graph &graph, const PassOptions &) {
  fuseBlock(graph, graph.block());
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
