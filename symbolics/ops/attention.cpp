// Attention: torch's fused transformer kernels decomposed into MatMul / Softmax / LayerNorm,
// following the math of their native implementations (aten/src/ATen/native/transformers/
// attention.cpp, transformer.cpp) and of scaled_dot_product_attention's math backend.
//
// - aten::_native_multi_head_attention(q, k, v, embed_dim, num_head, qkv_weight, qkv_bias,
//   proj_weight, proj_bias, mask?, need_weights, average_attn_weights, mask_type?):
//   q|k|v = x @ W{q,k,v}^T + b{q,k,v}; q /= sqrt(head_dim); per head softmax(q k^T) masked
//   (bool mask, non-bool converted with != 0; true = not attended; a 2-D mask with mask_type 1,
//   or None, is a [B, S] key padding mask, with mask_type 0 an [L, S] attention mask, else it
//   broadcasts as is) @ v; heads concatenated; @ proj_weight^T + proj_bias. The weights output
//   is the per-head probabilities [B, H, L, S], averaged over heads when average_attn_weights.
// - aten::_transformer_encoder_layer_fwd(src, embed_dim, num_heads, qkv_weight, qkv_bias,
//   proj_weight, proj_bias, use_gelu, norm_first, eps, norm1 w/b, norm2 w/b, ffn1 w/b, ffn2 w/b,
//   mask?, mask_type?): x = src + mha(norm_first ? ln1(src) : src); post-norm: x = ln1(x);
//   x = x + ffn(norm_first ? ln2(x) : x), ffn = linear2(relu|gelu(linear1)); post-norm: ln2.
// - aten::scaled_dot_product_attention(q, k, v, attn_mask?, dropout_p, is_causal, scale?):
//   softmax(q k^T * scale + mask) @ v; a bool mask keeps where true (-inf elsewhere), a float
//   mask is added; is_causal keeps the lower triangle of [L, S]; enable_gqa repeats each key and
//   value head Hq / Hkv times. dropout_p must be 0. From opset 23 one Attention node where it
//   takes the inputs (float32, 4-D).
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/Helpers.h"

namespace ts2onnx::symbolics {
namespace {

using Result = absl::StatusOr<std::vector<ir::Value *>>;
using ir::ScalarType;

ScalarType floatOf(const ir::Value *v) {
  auto t = OnnxBuilder::dtypeOf(v);
  return t && ir::isFloatingType(*t) ? *t : ScalarType::Float32;
}

/// x @ w^T (+ b), w constant or not.
ir::Value *linearNT(OnnxBuilder &b, ir::Value *x, ir::Value *w, ir::Value *bias) {
  ir::Value *y = b.op("MatMul", {x, b.op("Transpose", {w}, {OnnxAttr::is("perm", {1, 0})})});
  return bias ? b.op("Add", {y, bias}) : y;
}

/// layer_norm over the last dim, LayerNormalization from opset 17.
ir::Value *layerNorm(OnnxBuilder &b, ir::Value *x, ir::Value *w, ir::Value *bias, double eps) {
  if (b.opset() >= 17)
    return b.op("LayerNormalization", {x, w, bias},
                {OnnxAttr::i("axis", -1), OnnxAttr::f("epsilon", eps)});
  ScalarType t = floatOf(x);
  ir::Value *mean = b.reduce("ReduceMean", x, {-1}, true);
  ir::Value *d = b.op("Sub", {x, mean});
  ir::Value *var = b.reduce("ReduceMean", b.op("Mul", {d, d}), {-1}, true);
  ir::Value *y = b.op("Div", {d, b.op("Sqrt", {b.op("Add", {var, b.scalarOf(eps, t)})})});
  return b.op("Add", {b.op("Mul", {y, w}), bias});
}

/// [B, T, H * dh] -> [B, H, T, dh].
ir::Value *splitHeads(OnnxBuilder &b, ir::Value *x, int64_t heads, int64_t headDim) {
  ir::Value *r = b.op("Reshape", {x, b.int64s({0, 0, heads, headDim})});
  return b.op("Transpose", {r}, {OnnxAttr::is("perm", {0, 2, 1, 3})});
}

/// Softmax over the last axis with -inf where `masked` (bool, broadcasting) is true. A fully
/// masked row is NaN, as in torch 1.13's _masked_softmax and the unfused path.
ir::Value *maskedSoftmax(OnnxBuilder &b, ir::Value *scores, ir::Value *masked) {
  ScalarType t = floatOf(scores);
  if (!masked)
    return b.op("Softmax", {scores}, {OnnxAttr::i("axis", -1)});
  ir::Value *filled =
      b.op("Where", {masked, b.scalarOf(-std::numeric_limits<double>::infinity(), t), scores});
  return b.op("Softmax", {filled}, {OnnxAttr::i("axis", -1)});
}

struct MhaArgs {
  ir::Value *query, *key, *value;
  int64_t embedDim, heads;
  ir::Value *qkvWeight, *qkvBias, *projWeight, *projBias;
  ir::Value *mask = nullptr; // bool, already shaped to broadcast over [B, H, L, S]
  bool needWeights = false, averageWeights = true;
};

/// The mask argument of the fused kernels as a bool tensor broadcasting over [B, H, L, S].
absl::StatusOr<ir::Value *> fusedMask(SymbolicContext &ctx, size_t maskIndex,
                                      std::optional<size_t> maskTypeIndex) {
  if (ctx.isNone(maskIndex))
    return nullptr;
  OnnxBuilder &b = ctx.b;
  ir::Value *m = ctx.input(maskIndex);
  auto dt = OnnxBuilder::dtypeOf(m);
  if (!dt || *dt != ScalarType::Bool)
    m = b.cast(m, ScalarType::Bool); // mask.to(torch.bool): non-zero is masked
  std::optional<int64_t> maskType;
  if (maskTypeIndex && *maskTypeIndex < ctx.numInputs() && !ctx.isNone(*maskTypeIndex)) {
    maskType = ctx.constInt(*maskTypeIndex);
    if (!maskType)
      return ctx.unsupported("a non-constant mask_type");
  }
  // mask_type 1 is a [B, S] key padding mask (torch checks the shape), 0 an [L, S] mask.
  if (maskType == 1)
    return b.unsqueeze(m, {1, 2}); // -> [B, 1, 1, S]
  if (maskType == 0)
    return m;
  auto rank = OnnxBuilder::rankOf(m);
  if (!rank)
    return ctx.unsupported("a mask of unknown rank without a mask_type");
  if (*rank == 2)
    return b.unsqueeze(m, {1, 2});
  if (*rank == 3)
    return b.unsqueeze(m, {1}); // [B, L, S]
  return m;                     // [B, H, L, S]
}

std::vector<ir::Value *> multiHeadAttention(OnnxBuilder &b, const MhaArgs &a) {
  int64_t dh = a.embedDim / a.heads;
  ScalarType t = floatOf(a.query);
  std::vector<ir::Value *> w = b.split(a.qkvWeight, 0, {a.embedDim, a.embedDim, a.embedDim});
  std::vector<ir::Value *> bias = b.split(a.qkvBias, 0, {a.embedDim, a.embedDim, a.embedDim});
  ir::Value *q = linearNT(b, a.query, w[0], bias[0]);
  ir::Value *k = linearNT(b, a.key, w[1], bias[1]);
  ir::Value *v = linearNT(b, a.value, w[2], bias[2]);
  q = b.op("Div", {q, b.scalarOf(std::sqrt(double(dh)), t)});
  ir::Value *qh = splitHeads(b, q, a.heads, dh);
  ir::Value *kh = b.op("Transpose", {b.op("Reshape", {k, b.int64s({0, 0, a.heads, dh})})},
                       {OnnxAttr::is("perm", {0, 2, 3, 1})});
  ir::Value *vh = splitHeads(b, v, a.heads, dh);
  ir::Value *probs = maskedSoftmax(b, b.op("MatMul", {qh, kh}), a.mask);
  ir::Value *ctxv = b.op("MatMul", {probs, vh});
  ir::Value *merged =
      b.op("Reshape", {b.op("Transpose", {ctxv}, {OnnxAttr::is("perm", {0, 2, 1, 3})}),
                       b.int64s({0, 0, a.embedDim})});
  ir::Value *out = linearNT(b, merged, a.projWeight, a.projBias);
  ir::Value *weights = nullptr;
  if (a.needWeights)
    weights = a.averageWeights ? b.reduce("ReduceMean", probs, {1}, false) : probs;
  return {out, weights};
}

Result nativeMultiHeadAttention(SymbolicContext &ctx) {
  auto embed = ctx.constInt(3), heads = ctx.constInt(4);
  if (!embed || !heads || *heads <= 0 || *embed % *heads != 0)
    return ctx.unsupported("non-constant embed_dim/num_head, or embed_dim % num_head != 0");
  auto need = ctx.numInputs() > 10 ? ctx.constBool(10) : std::optional<bool>(true);
  auto average = ctx.numInputs() > 11 ? ctx.constBool(11) : std::optional<bool>(true);
  if (!need || !average)
    return ctx.unsupported("non-constant need_weights/average_attn_weights");
  if (OnnxBuilder::rankOf(ctx.input(0)).value_or(3) != 3)
    return ctx.error("expected a 3-D query [B, T, D]");
  MhaArgs a{ctx.input(0), ctx.input(1), ctx.input(2), *embed,      *heads,
            ctx.input(5), ctx.input(6), ctx.input(7), ctx.input(8)};
  TS2ONNX_ASSIGN_OR_RETURN(a.mask, fusedMask(ctx, 9, 12));
  a.needWeights = *need && ctx.node().outputs().size() > 1 && ctx.node().output(1)->hasUses();
  a.averageWeights = *average;
  return multiHeadAttention(ctx.b, a);
}

Result transformerEncoderLayer(SymbolicContext &ctx) {
  auto embed = ctx.constInt(1), heads = ctx.constInt(2);
  auto gelu = ctx.constBool(7), normFirst = ctx.constBool(8);
  auto eps = ctx.constFloat(9);
  if (!embed || !heads || !gelu || !normFirst || !eps || *heads <= 0 || *embed % *heads != 0)
    return ctx.unsupported(
        "non-constant embed_dim/num_heads/use_gelu/norm_first/eps, or embed_dim % num_heads != 0");
  OnnxBuilder &b = ctx.b;
  ir::Value *src = ctx.input(0);
  ScalarType t = floatOf(src);
  ir::Value *x = *normFirst ? layerNorm(b, src, ctx.input(10), ctx.input(11), *eps) : src;
  MhaArgs a{x, x, x, *embed, *heads, ctx.input(3), ctx.input(4), ctx.input(5), ctx.input(6)};
  TS2ONNX_ASSIGN_OR_RETURN(a.mask, fusedMask(ctx, 18, 19));
  x = b.op("Add", {multiHeadAttention(b, a)[0], src});
  if (!*normFirst)
    x = layerNorm(b, x, ctx.input(10), ctx.input(11), *eps);
  ir::Value *preFfn = x;
  if (*normFirst)
    x = layerNorm(b, x, ctx.input(12), ctx.input(13), *eps);
  ir::Value *h = linearNT(b, x, ctx.input(14), ctx.input(15));
  if (*gelu) {
    ir::Value *e = b.op("Erf", {b.op("Mul", {h, b.scalarOf(M_SQRT1_2, t)})});
    h = b.op("Mul", {b.op("Mul", {h, b.op("Add", {e, b.scalarOf(1, t)})}), b.scalarOf(0.5, t)});
  } else {
    h = b.op("Relu", {h});
  }
  x = b.op("Add", {linearNT(b, h, ctx.input(16), ctx.input(17)), preFfn});
  if (!*normFirst)
    x = layerNorm(b, x, ctx.input(12), ctx.input(13), *eps);
  return one(x);
}

/// x [..., Hk, S, E] with each head repeated Hq / Hk times in place (repeat_interleave on dim
/// -3): Unsqueeze to [..., Hk, 1, S, E], Expand to [..., Hk, Hq / Hk, S, E], Reshape to
/// [..., Hq, S, E]. `rank` is x's rank (>= 3), `hq` the 0-d number of query heads.
ir::Value *repeatHeads(OnnxBuilder &b, ir::Value *x, int64_t rank, ir::Value *hq) {
  ir::Value *shape = b.shape(x);
  ir::Value *lead = b.slice(shape, {0}, {rank - 3}, {0}, {1});
  ir::Value *hk = b.slice(shape, {rank - 3}, {rank - 2}, {0}, {1});
  ir::Value *tail = b.slice(shape, {rank - 2}, {rank}, {0}, {1});
  ir::Value *group = b.op("Div", {b.unsqueeze(hq, {0}), hk});
  ir::Value *expanded =
      b.op("Expand", {b.unsqueeze(x, {rank - 2}), b.concat({lead, hk, group, tail}, 0)});
  return b.op("Reshape", {expanded, b.concat({lead, b.unsqueeze(hq, {0}), tail}, 0)});
}

Result scaledDotProductAttention(SymbolicContext &ctx) {
  auto dropout = ctx.numInputs() > 4 ? ctx.constFloat(4) : std::optional<double>(0);
  if (!dropout || *dropout != 0)
    return ctx.unsupported("dropout_p other than a constant 0 (an export is an inference run)");
  auto causal = ctx.numInputs() > 5 ? ctx.constBool(5) : std::optional<bool>(false);
  if (!causal)
    return ctx.unsupported("a non-constant is_causal");
  OnnxBuilder &b = ctx.b;
  ir::Value *q = ctx.input(0), *k = ctx.input(1), *v = ctx.input(2);
  ScalarType t = floatOf(q);
  auto rank = OnnxBuilder::rankOf(k);
  if (!rank || *rank < 2)
    return ctx.unsupported("a key of unknown rank");
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < *rank; ++i)
    perm.push_back(i);
  std::swap(perm[*rank - 1], perm[*rank - 2]);
  auto gqa = ctx.numInputs() > 7 ? ctx.constBool(7) : std::optional<bool>(false);
  if (!gqa)
    return ctx.unsupported("a non-constant enable_gqa");
  if (*gqa) {
    auto vRank = OnnxBuilder::rankOf(v);
    if (*rank < 3 || !vRank || *vRank != *rank)
      return ctx.unsupported("enable_gqa with key/value of rank below 3 or unknown");
    ir::Value *hq = b.dimSize(q, -3);
    k = repeatHeads(b, k, *rank, hq);
    v = repeatHeads(b, v, *rank, hq);
  }
  ir::Value *scale;
  if (ctx.numInputs() > 6 && !ctx.isNone(6)) {
    auto s = ctx.constFloat(6);
    if (!s)
      return ctx.unsupported("a non-constant scale");
    scale = b.scalarOf(*s, t);
  } else {
    // 1 / sqrt(E), E = q.size(-1), also when the size is only known at run time.
    ir::Value *e = b.cast(b.dimSize(q, -1), t);
    scale = b.op("Div", {b.scalarOf(1, t), b.op("Sqrt", {e})});
  }
  ir::Value *scores = b.op(
      "Mul", {b.op("MatMul", {q, b.op("Transpose", {k}, {OnnxAttr::is("perm", perm)})}), scale});
  ir::Value *masked = nullptr; // true = not attended
  if (*causal) {
    if (!ctx.isNone(3))
      return ctx.error("is_causal with an attn_mask (torch rejects this combination)");
    if (b.opset() < 11)
      return ctx.unsupported("is_causal below opset 11 (needs Range)");
    ir::Value *zero = b.int64Scalar(0), *one1 = b.int64Scalar(1);
    ir::Value *rows = b.op("Range", {zero, b.dimSize(q, -2), one1});
    ir::Value *cols = b.op("Range", {zero, b.dimSize(k, -2), one1});
    masked = b.op("Greater", {cols, b.unsqueeze(rows, {1})});
  } else if (!ctx.isNone(3)) {
    ir::Value *m = ctx.input(3);
    auto mt = OnnxBuilder::dtypeOf(m);
    if (mt && *mt == ScalarType::Bool)
      masked = b.op("Not", {m});
    else
      scores = b.op("Add", {scores, mt && *mt == t ? m : b.cast(m, t)});
  }
  ir::Value *probs = maskedSoftmax(b, scores, masked);
  return one(b.op("MatMul", {probs, v}));
}

/// scaled_dot_product_attention from opset 23 as one Attention node, for float32 4-D q, k, v
/// (B, H, L, E) of the same head count, or with enable_gqa a query head count that is a multiple
/// of the key's (ONNX groups query heads on key heads as torch's repeat_interleave does); a bool
/// mask (true = attended, as ONNX's) or a float one added to the scores; is_causal (upper-left
/// aligned in both); scale. Other inputs take the decomposed form.
Result scaledDotProductAttention23(SymbolicContext &ctx) {
  auto dropout = ctx.numInputs() > 4 ? ctx.constFloat(4) : std::optional<double>(0);
  auto causal = ctx.numInputs() > 5 ? ctx.constBool(5) : std::optional<bool>(false);
  std::optional<double> scale;
  bool constScale = true;
  if (ctx.numInputs() > 6 && !ctx.isNone(6)) {
    scale = ctx.constFloat(6);
    constScale = scale.has_value();
  }
  auto gqa = ctx.numInputs() > 7 ? ctx.constBool(7) : std::optional<bool>(false);
  ir::Value *q = ctx.input(0), *k = ctx.input(1), *v = ctx.input(2);
  auto dq = OnnxBuilder::dimsOf(q), dk = OnnxBuilder::dimsOf(k), dv = OnnxBuilder::dimsOf(v);
  bool f32 = OnnxBuilder::dtypeOf(q) == ScalarType::Float32 &&
             OnnxBuilder::dtypeOf(k) == ScalarType::Float32 &&
             OnnxBuilder::dtypeOf(v) == ScalarType::Float32;
  if (!dropout || *dropout != 0 || !causal || !constScale || !gqa || !f32 || !dq || !dk || !dv ||
      dq->size() != 4 || dk->size() != 4 || dv->size() != 4 || (*causal && !ctx.isNone(3)))
    return scaledDotProductAttention(ctx);
  const ir::Dim &hq = (*dq)[1], &hk = (*dk)[1], &hv = (*dv)[1];
  bool sameHeads = hq.isStatic() && hk.isStatic() && hv.isStatic() && hq.value == hk.value &&
                   hk.value == hv.value;
  bool grouped = *gqa && hq.isStatic() && hk.isStatic() && hv.isStatic() && hk.value > 0 &&
                 hk.value == hv.value && hq.value % hk.value == 0;
  if (!sameHeads && !grouped)
    return scaledDotProductAttention(ctx);
  OnnxBuilder &b = ctx.b;
  std::vector<ir::Value *> ins = {q, k, v};
  if (!ctx.isNone(3)) {
    ir::Value *m = ctx.input(3);
    auto mt = OnnxBuilder::dtypeOf(m);
    if (!mt)
      return scaledDotProductAttention(ctx);
    // ONNX lets the mask broadcast over the query length, onnxruntime (1.30, 1.32) does not (it
    // requires the mask's dim -2 to be q's length): a mask that broadcasts there (a key padding
    // mask [B, 1, 1, S]) takes the decomposed form.
    auto dm = OnnxBuilder::dimsOf(m);
    if (!dm || dm->size() < 2 || !(*dm)[dm->size() - 2].isStatic() || !(*dq)[2].isStatic() ||
        (*dm)[dm->size() - 2].value != (*dq)[2].value)
      return scaledDotProductAttention(ctx);
    ins.push_back(
        *mt == ScalarType::Bool || *mt == ScalarType::Float32 ? m : b.cast(m, ScalarType::Float32));
  }
  std::vector<OnnxAttr> attrs = {OnnxAttr::i("is_causal", *causal ? 1 : 0)};
  if (scale)
    attrs.push_back(OnnxAttr::f("scale", *scale));
  return one(b.op("Attention", ins, attrs));
}

} // namespace

void registerAttention(SymbolicRegistry &r) {
  r.add("aten::_native_multi_head_attention", 9, nativeMultiHeadAttention);
  r.add("aten::_transformer_encoder_layer_fwd", 9, transformerEncoderLayer);
  r.add("aten::scaled_dot_product_attention", 9, scaledDotProductAttention);
  r.add("aten::scaled_dot_product_attention", 23, scaledDotProductAttention23);
}

} // namespace ts2onnx::symbolics
