// Losses (torch.nn.functional's, as aten ops): nll_loss / nll_loss2d / nll_loss_nd,
// cross_entropy_loss (class indices with weight, ignore_index and label_smoothing; class
// probabilities), binary_cross_entropy (log clamped at -100 as torch), its _with_logits form
// (pos_weight), kl_div (log_target), mse / l1 / smooth_l1 (beta) / huber (delta), soft_margin,
// margin_ranking, hinge_embedding, poisson_nll, cosine_embedding, triplet_margin,
// multi_margin and multilabel_margin losses; reduction none / mean / sum.
//
// All forms are written with opset-9 ops (the class-index picks are an Equal against the class
// ids, not a Gather, so that ignored or out-of-range targets pick nothing), except where noted:
// LogSoftmax over a non-last class dim before 13 is written out, and multilabel_margin_loss
// needs CumSum (11). ONNX's NegativeLogLikelihoodLoss / SoftmaxCrossEntropyLoss are not used:
// the written-out form matches torch at every opset, including all-ignored batches.
#include <cmath>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

/// x cast to its floating dtype (int inputs to float32).
ir::Value *asFloat(OnnxBuilder &b, ir::Value *x) {
  ScalarType t = floatLike(x);
  auto xt = dtypeOf(x);
  return xt && *xt == t ? x : b.cast(x, t);
}

/// The `int reduction` input at i: 0 none, 1 mean, 2 sum.
absl::StatusOr<int64_t> reductionArg(Ctx &ctx, size_t i) {
  auto r = ctx.numInputs() > i ? ctx.constInt(i) : std::optional<int64_t>(1);
  if (!r)
    return ctx.unsupported("a non-constant reduction");
  if (*r < 0 || *r > 2)
    return ctx.error(fmt::format("invalid reduction {}", *r));
  return *r;
}

/// torch's apply_loss_reduction: none as is, mean / sum over all elements.
ir::Value *reduced(OnnxBuilder &b, ir::Value *loss, int64_t reduction) {
  if (reduction == 0)
    return loss;
  return b.reduce(reduction == 1 ? "ReduceMean" : "ReduceSum", loss, {}, false);
}

/// A pointwise loss of inputs (0, 1) with reduction at `redIdx`.
template <typename F> Result pointwiseLoss(Ctx &ctx, size_t redIdx, F f) {
  TS2ONNX_ASSIGN_OR_RETURN(int64_t red, reductionArg(ctx, redIdx));
  OnnxBuilder &b = ctx.b;
  ir::Value *x = asFloat(b, ctx.input(0));
  ir::Value *y = ctx.input(1);
  if (auto yt = dtypeOf(y), xt = dtypeOf(x); xt && (!yt || *yt != *xt))
    y = b.cast(y, *xt);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * loss, f(x, y, floatLike(x)));
  return one(reduced(b, loss, red));
}

Result mseLoss(Ctx &ctx) {
  return pointwiseLoss(ctx, 2,
                       [&](ir::Value *x, ir::Value *y, ScalarType) -> absl::StatusOr<ir::Value *> {
                         ir::Value *d = ctx.b.op("Sub", {x, y});
                         return ctx.b.op("Mul", {d, d});
                       });
}

Result l1Loss(Ctx &ctx) {
  return pointwiseLoss(ctx, 2,
                       [&](ir::Value *x, ir::Value *y, ScalarType) -> absl::StatusOr<ir::Value *> {
                         return ctx.b.op("Abs", {ctx.b.op("Sub", {x, y})});
                       });
}

/// smooth_l1 (beta) and huber (delta): |d| < c ? 0.5 d^2 / c : |d| - 0.5 c (smooth_l1), or
/// 0.5 d^2 : c (|d| - 0.5 c) (huber).
Result smoothL1(Ctx &ctx, bool huber) {
  auto c = ctx.numInputs() > 3 ? ctx.constFloat(3) : std::optional<double>(1);
  if (!c)
    return ctx.unsupported(huber ? "a non-constant delta" : "a non-constant beta");
  return pointwiseLoss(
      ctx, 2, [&](ir::Value *x, ir::Value *y, ScalarType t) -> absl::StatusOr<ir::Value *> {
        OnnxBuilder &b = ctx.b;
        ir::Value *d = b.op("Abs", {b.op("Sub", {x, y})});
        if (!huber && *c == 0)
          return d;
        ir::Value *sq = b.op("Mul", {b.op("Mul", {d, d}), b.scalarOf(huber ? 0.5 : 0.5 / *c, t)});
        ir::Value *lin = b.op("Sub", {d, b.scalarOf(0.5 * *c, t)});
        if (huber)
          lin = b.op("Mul", {lin, b.scalarOf(*c, t)});
        return b.op("Where", {b.op("Less", {d, b.scalarOf(*c, t)}), sq, lin});
      });
}

/// log(1 + exp(v)) as torch's log1p(exp(v)) (overflowing to inf as torch does).
ir::Value *log1pExp(OnnxBuilder &b, ir::Value *v, ScalarType t) {
  return b.op("Log", {b.op("Add", {b.op("Exp", {v}), b.scalarOf(1, t)})});
}

Result softMarginLoss(Ctx &ctx) {
  // log(1 + exp(-y x))
  return pointwiseLoss(
      ctx, 2, [&](ir::Value *x, ir::Value *y, ScalarType t) -> absl::StatusOr<ir::Value *> {
        return log1pExp(ctx.b, ctx.b.op("Neg", {ctx.b.op("Mul", {x, y})}), t);
      });
}

Result hingeEmbeddingLoss(Ctx &ctx) {
  // aten::hinge_embedding_loss(self, target, margin=1, reduction): where(y != 1, max(0, margin -
  // x), 0) + where(y != -1, x, 0).
  auto margin = ctx.constFloat(2);
  if (!margin)
    return ctx.unsupported("a non-constant margin");
  return pointwiseLoss(
      ctx, 3, [&](ir::Value *x, ir::Value *y, ScalarType t) -> absl::StatusOr<ir::Value *> {
        OnnxBuilder &b = ctx.b;
        ir::Value *zero = b.scalarOf(0, t);
        ir::Value *mc = b.op("Max", {b.op("Sub", {b.scalarOf(*margin, t), x}), zero});
        ir::Value *om = b.op("Where", {b.op("Not", {floatEq(b, y, 1, t)}), mc, zero});
        ir::Value *os = b.op("Where", {b.op("Not", {floatEq(b, y, -1, t)}), x, zero});
        return b.op("Add", {om, os});
      });
}

Result marginRankingLoss(Ctx &ctx) {
  // aten::margin_ranking_loss(x1, x2, y, margin=0, reduction): max(0, -y (x1 - x2) + margin)
  auto margin = ctx.constFloat(3);
  if (!margin)
    return ctx.unsupported("a non-constant margin");
  TS2ONNX_ASSIGN_OR_RETURN(int64_t red, reductionArg(ctx, 4));
  OnnxBuilder &b = ctx.b;
  ir::Value *x1 = asFloat(b, ctx.input(0));
  ScalarType t = floatLike(x1);
  ir::Value *x2 = b.cast(ctx.input(1), t), *y = b.cast(ctx.input(2), t);
  ir::Value *v =
      b.op("Add", {b.op("Neg", {b.op("Mul", {y, b.op("Sub", {x1, x2})})}), b.scalarOf(*margin, t)});
  return one(reduced(b, b.op("Max", {v, b.scalarOf(0, t)}), red));
}

Result klDiv(Ctx &ctx) {
  // aten::kl_div(self, target, reduction=1, log_target=False): log_target: exp(t) (t - x);
  // else xlogy(t, t) - t x (0 where t == 0).
  auto logTarget = ctx.numInputs() > 3 ? ctx.constBool(3) : std::optional<bool>(false);
  if (!logTarget)
    return ctx.unsupported("a non-constant log_target");
  return pointwiseLoss(
      ctx, 2, [&](ir::Value *x, ir::Value *y, ScalarType t) -> absl::StatusOr<ir::Value *> {
        OnnxBuilder &b = ctx.b;
        if (*logTarget)
          return b.op("Mul", {b.op("Exp", {y}), b.op("Sub", {y, x})});
        ir::Value *zero = b.scalarOf(0, t);
        ir::Value *ylogy =
            b.op("Where", {floatEq(b, y, 0, t), zero, b.op("Mul", {y, b.op("Log", {y})})});
        return b.op("Sub", {ylogy, b.op("Mul", {y, x})});
      });
}

Result binaryCrossEntropy(Ctx &ctx) {
  // aten::binary_cross_entropy(self, target, weight=None, reduction=1):
  // -w (t max(log x, -100) + (1 - t) max(log(1 - x), -100))
  TS2ONNX_ASSIGN_OR_RETURN(int64_t red, reductionArg(ctx, 3));
  OnnxBuilder &b = ctx.b;
  ir::Value *x = asFloat(b, ctx.input(0));
  ScalarType t = floatLike(x);
  ir::Value *y = b.cast(ctx.input(1), t);
  ir::Value *lo = b.scalarOf(-100, t), *one1 = b.scalarOf(1, t);
  ir::Value *lx = b.op("Max", {b.op("Log", {x}), lo});
  ir::Value *l1x = b.op("Max", {b.op("Log", {b.op("Sub", {one1, x})}), lo});
  // (t - 1) l1x - t lx, as torch's (target - 1) * log(1 - x) - target * log(x)
  ir::Value *loss = b.op("Sub", {b.op("Mul", {b.op("Sub", {y, one1}), l1x}), b.op("Mul", {y, lx})});
  if (ctx.numInputs() > 2 && !ctx.isNone(2))
    loss = b.op("Mul", {loss, b.cast(ctx.input(2), t)});
  return one(reduced(b, loss, red));
}

Result bceWithLogits(Ctx &ctx) {
  // aten::binary_cross_entropy_with_logits(self, target, weight, pos_weight, reduction):
  // (1 - t) x - lw log_sigmoid(x), lw = 1 + (pos_weight - 1) t; times weight.
  TS2ONNX_ASSIGN_OR_RETURN(int64_t red, reductionArg(ctx, 4));
  OnnxBuilder &b = ctx.b;
  ir::Value *x = asFloat(b, ctx.input(0));
  ScalarType t = floatLike(x);
  ir::Value *y = b.cast(ctx.input(1), t);
  ir::Value *one1 = b.scalarOf(1, t);
  // log_sigmoid(x) = min(x, 0) - log(1 + exp(-|x|)), stable for any x.
  ir::Value *ls = b.op(
      "Sub", {b.op("Min", {x, b.scalarOf(0, t)}), log1pExp(b, b.op("Neg", {b.op("Abs", {x})}), t)});
  if (!ctx.isNone(3)) {
    ir::Value *pw = b.cast(ctx.input(3), t);
    ir::Value *lw = b.op("Add", {b.op("Mul", {b.op("Sub", {pw, one1}), y}), one1});
    ls = b.op("Mul", {lw, ls});
  }
  ir::Value *loss = b.op("Sub", {b.op("Mul", {b.op("Sub", {one1, y}), x}), ls});
  if (!ctx.isNone(2))
    loss = b.op("Mul", {loss, b.cast(ctx.input(2), t)});
  return one(reduced(b, loss, red));
}

Result poissonNllLoss(Ctx &ctx) {
  // aten::poisson_nll_loss(input, target, log_input, full, eps, reduction)
  auto logInput = ctx.constBool(2), full = ctx.constBool(3);
  auto eps = ctx.constFloat(4);
  if (!logInput || !full || !eps)
    return ctx.unsupported("non-constant log_input, full or eps");
  TS2ONNX_ASSIGN_OR_RETURN(int64_t red, reductionArg(ctx, 5));
  OnnxBuilder &b = ctx.b;
  ir::Value *x = asFloat(b, ctx.input(0));
  ScalarType t = floatLike(x);
  ir::Value *y = b.cast(ctx.input(1), t);
  ir::Value *loss =
      *logInput ? b.op("Sub", {b.op("Exp", {x}), b.op("Mul", {y, x})})
                : b.op("Sub",
                       {x, b.op("Mul", {y, b.op("Log", {b.op("Add", {x, b.scalarOf(*eps, t)})})})});
  if (*full) {
    // Stirling's term t log t - t + 0.5 log(2 pi t), where t > 1.
    ir::Value *st =
        b.op("Add", {b.op("Sub", {b.op("Mul", {y, b.op("Log", {y})}), y}),
                     b.op("Mul", {b.scalarOf(0.5, t),
                                  b.op("Log", {b.op("Mul", {b.scalarOf(2 * M_PI, t), y})})})});
    loss =
        b.op("Add",
             {loss, b.op("Where", {b.op("Greater", {y, b.scalarOf(1, t)}), st, b.scalarOf(0, t)})});
  }
  return one(reduced(b, loss, red));
}

Result cosineEmbeddingLoss(Ctx &ctx) {
  // aten::cosine_embedding_loss(x1, x2, target, margin=0, reduction=1), torch 1.13:
  // cos = sum(x1 x2) / sqrt((sum(x1^2) + 1e-12) (sum(x2^2) + 1e-12)) over dim target.dim();
  // where(y == 1, 1 - cos, 0) + where(y == -1, max(0, cos - margin), 0).
  auto margin = ctx.constFloat(3);
  if (!margin)
    return ctx.unsupported("a non-constant margin");
  TS2ONNX_ASSIGN_OR_RETURN(int64_t red, reductionArg(ctx, 4));
  auto ry = rankOf(ctx.input(2));
  if (!ry)
    return ctx.unsupported("a target of unknown rank");
  OnnxBuilder &b = ctx.b;
  ir::Value *x1 = asFloat(b, ctx.input(0));
  ScalarType t = floatLike(x1);
  ir::Value *x2 = b.cast(ctx.input(1), t), *y = b.cast(ctx.input(2), t);
  std::vector<int64_t> axes = {*ry};
  ir::Value *eps = b.scalarOf(1e-12, t), *zero = b.scalarOf(0, t), *one1 = b.scalarOf(1, t);
  ir::Value *p = b.reduce("ReduceSum", b.op("Mul", {x1, x2}), axes, false);
  ir::Value *m1 = b.op("Add", {b.reduce("ReduceSum", b.op("Mul", {x1, x1}), axes, false), eps});
  ir::Value *m2 = b.op("Add", {b.reduce("ReduceSum", b.op("Mul", {x2, x2}), axes, false), eps});
  ir::Value *cos = b.op("Div", {p, b.op("Sqrt", {b.op("Mul", {m1, m2})})});
  ir::Value *pos = b.op("Where", {floatEq(b, y, 1, t), b.op("Sub", {one1, cos}), zero});
  ir::Value *neg =
      b.op("Where", {floatEq(b, y, -1, t),
                     b.op("Max", {b.op("Sub", {cos, b.scalarOf(*margin, t)}), zero}), zero});
  return one(reduced(b, b.op("Add", {pos, neg}), red));
}

/// ||x1 - x2 + eps||_p over the last dim (pairwise_distance, keepdim False).
ir::Value *pairwiseDist(OnnxBuilder &b, ir::Value *x1, ir::Value *x2, double p, double eps,
                        int64_t lastDim, ScalarType t) {
  ir::Value *d = b.op("Add", {b.op("Sub", {x1, x2}), b.scalarOf(eps, t)});
  std::vector<int64_t> axes = {lastDim};
  if (p == 2)
    return b.reduce("ReduceL2", d, axes, false);
  if (p == 1)
    return b.reduce("ReduceL1", d, axes, false);
  ir::Value *a = b.op("Abs", {d});
  if (std::isinf(p))
    return b.reduce(p > 0 ? "ReduceMax" : "ReduceMin", a, axes, false);
  if (p == 0)
    return b.reduce("ReduceSum", b.cast(b.op("Not", {floatEq(b, d, 0, t)}), t), axes, false);
  ir::Value *s = b.reduce("ReduceSum", b.op("Pow", {a, b.scalarOf(p, t)}), axes, false);
  return b.op("Pow", {s, b.scalarOf(1.0 / p, t)});
}

Result tripletMarginLoss(Ctx &ctx) {
  // aten::triplet_margin_loss(anchor, positive, negative, margin=1, p=2, eps=1e-6, swap=False,
  // reduction=1): max(margin + d(a, p) - d(a, n), 0), d(a, n) = min(d(a, n), d(p, n)) with swap.
  auto margin = ctx.constFloat(3), p = ctx.constFloat(4), eps = ctx.constFloat(5);
  auto swap = ctx.constBool(6);
  if (!margin || !p || !eps || !swap)
    return ctx.unsupported("non-constant margin, p, eps or swap");
  TS2ONNX_ASSIGN_OR_RETURN(int64_t red, reductionArg(ctx, 7));
  auto r = rankOf(ctx.input(0));
  if (!r)
    return ctx.unsupported("inputs of unknown rank");
  for (size_t i = 1; i < 3; ++i)
    if (auto ri = rankOf(ctx.input(i)); !ri || *ri != *r)
      return ctx.unsupported("inputs of different or unknown ranks");
  OnnxBuilder &b = ctx.b;
  ir::Value *a = asFloat(b, ctx.input(0));
  ScalarType t = floatLike(a);
  ir::Value *pos = b.cast(ctx.input(1), t), *neg = b.cast(ctx.input(2), t);
  int64_t last = *r - 1;
  ir::Value *dp = pairwiseDist(b, a, pos, *p, *eps, last, t);
  ir::Value *dn = pairwiseDist(b, a, neg, *p, *eps, last, t);
  if (*swap)
    dn = b.op("Min", {dn, pairwiseDist(b, pos, neg, *p, *eps, last, t)});
  ir::Value *v = b.op("Sub", {b.op("Add", {dp, b.scalarOf(*margin, t)}), dn});
  return one(reduced(b, b.op("Max", {v, b.scalarOf(0, t)}), red));
}

/// Class ids 0..C-1 shaped [C, 1, ..., 1] (rank `rank - classDim`) for comparing with a target
/// unsqueezed at the class dim.
absl::StatusOr<ir::Value *> classIds(Ctx &ctx, ir::Value *x, int64_t classDim, int64_t rank) {
  auto dims = OnnxBuilder::dimsOf(x);
  std::optional<int64_t> c;
  if (dims && (*dims)[size_t(classDim)].isStatic())
    c = (*dims)[size_t(classDim)].value;
  std::vector<int64_t> shape(size_t(rank - classDim), 1);
  OnnxBuilder &b = ctx.b;
  if (c) {
    std::vector<int64_t> ids(static_cast<size_t>(*c));
    for (int64_t i = 0; i < *c; ++i)
      ids[size_t(i)] = i;
    shape[0] = *c;
    return b.op("Reshape", {b.int64s(ids), b.int64s(shape)});
  }
  if (b.opset() < 11)
    return ctx.unsupported("a dynamic number of classes below opset 11 (Range)");
  ir::Value *ids = b.op("Range", {b.int64Scalar(0), b.dimSize(x, classDim), b.int64Scalar(1)});
  shape[0] = -1;
  return b.op("Reshape", {ids, b.int64s(shape)});
}

/// What nll_loss needs of its class-index target: the one-hot mask [N, C, d...] (false for
/// ignored targets), the picked input -x[n, t[n]] and the picked weight w[t[n]] (0 when
/// ignored).
struct Picked {
  ir::Value *loss = nullptr;    // -w[t] x[t], 0 where ignored; the target's shape
  ir::Value *weight = nullptr;  // w[t] (1 without weights), 0 where ignored
  ir::Value *ignored = nullptr; // target == ignore_index
};

absl::StatusOr<Picked> pickClass(Ctx &ctx, ir::Value *x, ir::Value *target, ir::Value *weight,
                                 int64_t ignoreIndex, int64_t classDim, int64_t rank) {
  OnnxBuilder &b = ctx.b;
  ScalarType t = floatLike(x);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * ids, classIds(ctx, x, classDim, rank));
  ir::Value *tgt = target;
  if (auto tt = dtypeOf(tgt); !tt || *tt != ScalarType::Int64)
    tgt = b.cast(tgt, ScalarType::Int64);
  ir::Value *ignored = b.op("Equal", {tgt, b.int64Scalar(ignoreIndex)});
  // An ignored target picks no class (ignore_index may be a valid class id).
  tgt = b.op("Where", {ignored, b.int64Scalar(-1), tgt});
  ir::Value *hot = b.op("Equal", {b.unsqueeze(tgt, {classDim}), ids});
  ir::Value *zero = b.scalarOf(0, t);
  ir::Value *xp = b.reduce("ReduceSum", b.op("Where", {hot, x, zero}), {classDim}, false);
  Picked p;
  p.ignored = ignored;
  if (weight) {
    std::vector<int64_t> wshape(size_t(rank - classDim), 1);
    wshape[0] = -1;
    ir::Value *w = b.op("Reshape", {b.cast(weight, t), b.int64s(wshape)});
    p.weight = b.reduce("ReduceSum", b.op("Where", {hot, w, zero}), {classDim}, false);
    xp = b.op("Mul", {xp, p.weight});
  } else {
    p.weight = b.op("Where", {ignored, zero, b.scalarOf(1, t)});
  }
  p.loss = b.op("Neg", {xp});
  return p;
}

/// nll_loss on log-probabilities x ([C] or [N, C, d...]).
absl::StatusOr<ir::Value *> nllOf(Ctx &ctx, ir::Value *x, ir::Value *target, ir::Value *weight,
                                  int64_t red, int64_t ignoreIndex, Picked *out = nullptr) {
  auto r = rankOf(x);
  if (!r || *r < 1)
    return ctx.unsupported("an input of unknown rank");
  int64_t classDim = *r == 1 ? 0 : 1;
  TS2ONNX_ASSIGN_OR_RETURN(Picked p, pickClass(ctx, x, target, weight, ignoreIndex, classDim, *r));
  if (out)
    *out = p;
  OnnxBuilder &b = ctx.b;
  if (red == 0)
    return p.loss;
  ir::Value *s = b.reduce("ReduceSum", p.loss, {}, false);
  if (red == 2)
    return s;
  // mean: divided by the summed weights of the targets not ignored (0/0 = NaN when all are).
  return b.op("Div", {s, b.reduce("ReduceSum", p.weight, {}, false)});
}

Result nllLoss(Ctx &ctx) {
  // aten::nll_loss / nll_loss2d / nll_loss_nd(self, target, weight=None, reduction=1,
  // ignore_index=-100)
  TS2ONNX_ASSIGN_OR_RETURN(int64_t red, reductionArg(ctx, 3));
  auto ignore = ctx.numInputs() > 4 ? ctx.constInt(4) : std::optional<int64_t>(-100);
  if (!ignore)
    return ctx.unsupported("a non-constant ignore_index");
  ir::Value *x = asFloat(ctx.b, ctx.input(0));
  ir::Value *w = ctx.numInputs() > 2 && !ctx.isNone(2) ? ctx.input(2) : nullptr;
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, nllOf(ctx, x, ctx.input(1), w, red, *ignore));
  return one(out);
}

/// log_softmax along `axis`: LogSoftmax from 13, or before 13 when axis is the last dim;
/// otherwise x - max - log(sum(exp(x - max))).
ir::Value *logSoftmax(OnnxBuilder &b, ir::Value *x, int64_t axis, int64_t rank) {
  if (b.opset() >= 13 || axis == rank - 1)
    return b.op("LogSoftmax", {x}, {OnnxAttr::i("axis", axis)});
  ir::Value *m = b.reduce("ReduceMax", x, {axis}, true);
  ir::Value *d = b.op("Sub", {x, m});
  return b.op("Sub", {d, b.op("Log", {b.reduce("ReduceSum", b.op("Exp", {d}), {axis}, true)})});
}

Result crossEntropyLoss(Ctx &ctx) {
  // aten::cross_entropy_loss(self, target, weight=None, reduction=1, ignore_index=-100,
  // label_smoothing=0), torch 1.13's three forms: class indices, class indices with label
  // smoothing, class probabilities (a floating target).
  TS2ONNX_ASSIGN_OR_RETURN(int64_t red, reductionArg(ctx, 3));
  auto ignore = ctx.constInt(4);
  auto ls = ctx.constFloat(5);
  if (!ignore || !ls)
    return ctx.unsupported("non-constant ignore_index or label_smoothing");
  OnnxBuilder &b = ctx.b;
  ir::Value *x = asFloat(b, ctx.input(0));
  ScalarType t = floatLike(x);
  auto r = rankOf(x);
  if (!r || *r < 1)
    return ctx.unsupported("an input of unknown rank");
  int64_t classDim = *r == 1 ? 0 : 1;
  ir::Value *w = ctx.isNone(2) ? nullptr : b.cast(ctx.input(2), t);
  std::vector<int64_t> wshape(size_t(*r - classDim), 1);
  wshape[0] = -1;
  ir::Value *logp = logSoftmax(b, x, classDim, *r);
  // The number of classes, as a 0-d float.
  ir::Value *nClasses = b.cast(b.dimSize(x, classDim), t);
  auto tt = dtypeOf(ctx.input(1));
  if (!tt)
    return ctx.unsupported("a target of unknown dtype");
  if (ir::isFloatingType(*tt)) {
    // Class probabilities.
    ir::Value *tgt = b.cast(ctx.input(1), t);
    if (*ls > 0)
      tgt = b.op("Add", {b.op("Mul", {tgt, b.scalarOf(1 - *ls, t)}),
                         b.op("Div", {b.scalarOf(*ls, t), nClasses})});
    ir::Value *v = b.op("Mul", {logp, tgt});
    if (w)
      v = b.op("Mul", {v, b.op("Reshape", {w, b.int64s(wshape)})});
    if (red == 0)
      return one(b.op("Neg", {b.reduce("ReduceSum", v, {classDim}, false)}));
    ir::Value *s = b.op("Neg", {b.reduce("ReduceSum", v, {}, false)});
    if (red == 2)
      return one(s);
    // mean: over the number of samples (numel / C).
    ir::Value *numel = b.reduce("ReduceProd", b.cast(b.shape(x), t), {}, false);
    return one(b.op("Div", {s, b.op("Div", {numel, nClasses})}));
  }
  Picked p;
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * nll, nllOf(ctx, logp, ctx.input(1), w, red, *ignore, &p));
  if (*ls == 0)
    return one(nll);
  ir::Value *v = w ? b.op("Mul", {logp, b.op("Reshape", {w, b.int64s(wshape)})}) : logp;
  ir::Value *smooth = b.op("Neg", {b.reduce("ReduceSum", v, {classDim}, false)});
  ir::Value *zero = b.scalarOf(0, t);
  smooth = b.op("Where", {p.ignored, zero, smooth});
  ir::Value *ret = smooth;
  if (red == 2) {
    ret = b.reduce("ReduceSum", smooth, {}, false);
  } else if (red == 1) {
    // Over the (weights of the) targets not ignored, as nll's mean (measured on torch 1.13).
    ret = b.op("Div", {b.reduce("ReduceSum", smooth, {}, false),
                       b.reduce("ReduceSum", p.weight, {}, false)});
  }
  return one(b.op("Add", {b.op("Mul", {nll, b.scalarOf(1 - *ls, t)}),
                          b.op("Mul", {ret, b.op("Div", {b.scalarOf(*ls, t), nClasses})})}));
}

Result multiMarginLoss(Ctx &ctx) {
  // aten::multi_margin_loss(self [N, C] or [C], target, p=1, margin=1, weight=None, reduction):
  // sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C.
  auto p = ctx.constFloat(2), margin = ctx.constFloat(3);
  if (!p || !margin)
    return ctx.unsupported("non-constant p or margin");
  if (*p != 1 && *p != 2)
    return ctx.error("only p == 1 and p == 2 supported");
  TS2ONNX_ASSIGN_OR_RETURN(int64_t red, reductionArg(ctx, 5));
  OnnxBuilder &b = ctx.b;
  ir::Value *x = asFloat(b, ctx.input(0));
  ScalarType t = floatLike(x);
  auto r = rankOf(x);
  if (r && *r == 0) {
    // One class: no other class to compare with, the loss is 0 (in the target's shape).
    ir::Value *zero = b.op("Mul", {b.cast(ctx.input(1), t), b.scalarOf(0, t)});
    return one(reduced(b, zero, red));
  }
  if (!r || *r < 1 || *r > 2)
    return ctx.unsupported("an input of unknown rank or rank above 2");
  int64_t cd = *r - 1;
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * ids, classIds(ctx, x, cd, *r));
  ir::Value *tgt = b.cast(ctx.input(1), ScalarType::Int64);
  if (*r == 1) // a 1-D input takes a 0-d or one-element target
    tgt = b.op("Reshape", {tgt, b.int64s({})});
  ir::Value *hot = b.op("Equal", {b.unsqueeze(tgt, {cd}), ids});
  ir::Value *zero = b.scalarOf(0, t);
  ir::Value *xy = b.reduce("ReduceSum", b.op("Where", {hot, x, zero}), {cd}, true);
  ir::Value *z = b.op("Max", {b.op("Add", {b.op("Sub", {b.scalarOf(*margin, t), xy}), x}), zero});
  if (*p == 2)
    z = b.op("Mul", {z, z});
  if (ctx.numInputs() > 4 && !ctx.isNone(4)) {
    ir::Value *wy =
        b.reduce("ReduceSum", b.op("Where", {hot, b.cast(ctx.input(4), t), zero}), {cd}, true);
    z = b.op("Mul", {z, wy});
  }
  z = b.op("Where", {hot, zero, z});
  ir::Value *loss =
      b.op("Div", {b.reduce("ReduceSum", z, {cd}, false), b.cast(b.dimSize(x, cd), t)});
  // Unreduced, a 1-D input's loss takes the target's shape ([] or [1]), as torch.
  if (*r == 1 && red == 0 && rankOf(ctx.input(1)).value_or(0) == 1)
    loss = b.unsqueeze(loss, {0});
  return one(reduced(b, loss, red));
}

Result multilabelMarginLoss(Ctx &ctx) {
  // aten::multilabel_margin_loss(self [N, C] or [C], target (class ids, ended by -1), reduction):
  // sum over the targets j before the first -1, and the classes i not among them, of
  // max(0, 1 - (x[j] - x[i])) / C. The targets before the first -1 need CumSum (11).
  if (ctx.b.opset() < 11)
    return ctx.unsupported("multilabel_margin_loss below opset 11 (CumSum)");
  TS2ONNX_ASSIGN_OR_RETURN(int64_t red, reductionArg(ctx, 2));
  OnnxBuilder &b = ctx.b;
  ir::Value *x = asFloat(b, ctx.input(0));
  ScalarType t = floatLike(x);
  auto r = rankOf(x);
  if (r && *r == 0) {
    // One class: no other class to compare with, the loss is 0 (in the target's shape).
    ir::Value *zero = b.op("Mul", {b.cast(ctx.input(1), t), b.scalarOf(0, t)});
    return one(reduced(b, zero, red));
  }
  if (!r || *r < 1 || *r > 2)
    return ctx.unsupported("an input of unknown rank or rank above 2");
  int64_t cd = *r - 1;
  ir::Value *tgt = b.cast(ctx.input(1), ScalarType::Int64);
  // valid[k]: no -1 at or before position k.
  ir::Value *isEnd = b.cast(b.op("Equal", {tgt, b.int64Scalar(-1)}), ScalarType::Int64);
  ir::Value *valid = b.op("Equal", {b.op("CumSum", {isEnd, b.int64Scalar(cd)}), b.int64Scalar(0)});
  tgt = b.op("Where", {valid, tgt, b.int64Scalar(-1)});
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * ids, classIds(ctx, x, cd, *r)); // [C]
  // hot[.., k, c] = tgt[.., k] == c: target positions along cd, classes along cd + 1.
  ir::Value *idsRow = b.op("Reshape", {ids, b.int64s({-1})});
  ir::Value *hot = b.op("Equal", {b.unsqueeze(tgt, {cd + 1}), idsRow});
  ir::Value *zero = b.scalarOf(0, t);
  // isTarget[.., c]: c appears among the valid targets.
  ir::Value *isTarget = b.op("Greater", {b.reduce("ReduceSum", b.cast(hot, t), {cd}, false), zero});
  // x at each target position [.., k] (0 for invalid positions, which are masked below).
  ir::Value *xs = b.unsqueeze(x, {cd}); // [.., 1, C]
  ir::Value *xj = b.reduce("ReduceSum", b.op("Where", {hot, xs, zero}), {cd + 1}, false); // [.., K]
  // z[.., k, i] = max(0, 1 - x[j_k] + x[i]) for valid k and non-target i.
  ir::Value *z = b.op(
      "Max", {b.op("Add", {b.op("Sub", {b.scalarOf(1, t), b.unsqueeze(xj, {cd + 1})}), xs}), zero});
  ir::Value *keep =
      b.op("And", {b.unsqueeze(valid, {cd + 1}), b.op("Not", {b.unsqueeze(isTarget, {cd})})});
  z = b.op("Where", {keep, z, zero});
  ir::Value *loss =
      b.op("Div", {b.reduce("ReduceSum", z, {cd, cd + 1}, false), b.cast(b.dimSize(x, cd), t)});
  return one(reduced(b, loss, red));
}

} // namespace

void registerLoss(SymbolicRegistry &r) {
  addAll(r, {"aten::nll_loss", "aten::nll_loss2d", "aten::nll_loss_nd"}, 9, nllLoss);
  r.add("aten::cross_entropy_loss", 9, crossEntropyLoss);
  r.add("aten::binary_cross_entropy", 9, binaryCrossEntropy);
  r.add("aten::binary_cross_entropy_with_logits", 9, bceWithLogits);
  r.add("aten::kl_div", 9, klDiv);
  r.add("aten::mse_loss", 9, mseLoss);
  r.add("aten::l1_loss", 9, l1Loss);
  r.add("aten::smooth_l1_loss", 9, [](Ctx &c) { return smoothL1(c, false); });
  r.add("aten::huber_loss", 9, [](Ctx &c) { return smoothL1(c, true); });
  r.add("aten::soft_margin_loss", 9, softMarginLoss);
  r.add("aten::margin_ranking_loss", 9, marginRankingLoss);
  r.add("aten::hinge_embedding_loss", 9, hingeEmbeddingLoss);
  r.add("aten::poisson_nll_loss", 9, poissonNllLoss);
  r.add("aten::cosine_embedding_loss", 9, cosineEmbeddingLoss);
  r.add("aten::triplet_margin_loss", 9, tripletMarginLoss);
  r.add("aten::multi_margin_loss", 9, multiMarginLoss);
  r.add("aten::multilabel_margin_loss", 11, multilabelMarginLoss);
}

} // namespace ts2onnx::symbolics
