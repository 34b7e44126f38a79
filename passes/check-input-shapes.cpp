// check-input-shapes: the --input specs against what the graph's layers need.
//
// Given: a graph after propagate-shapes, whose inputs carry the user's dtypes and dims, and
//        (optionally) `input-names` in the pass options: the ONNX names of the tensor inputs in
//        order, comma-separated.
// Does:  checks the ops whose needs follow from their weights: convolutions (rank, channels =
//        weight dim 1 * groups, or weight dim 0 when transposed, floating dtype equal to the
//        weight's), linear (last dim = weight dim 1, dtype), batch_norm (dim 1 = its channel
//        count), layer_norm (trailing dims = normalized_shape), lstm/gru/rnn (rank 2 or 3,
//        floating), embedding (integer indices), and index_put/scatter/masked_scatter (values
//        of the dtype of the tensor written).
//        Only static dims are compared. torch raises on each of these at run time; ONNX's shape
//        inference does not check channel counts, so without this a wrong --input writes a
//        model that onnxruntime refuses, or a cascade of shape-inference errors that never names
//        the input.
//        Then decides the argument checks eliminate-exceptions kept as ts2onnx::raise_if:
//        one whose condition folded to true (the specs make the model's own code raise, as
//        `if x.dim() != 2: raise ValueError(...)`) is an error in the method's own block and a
//        warning inside an If or Loop (it raises only when that path runs); every raise_if is
//        then removed (an undecided check is dropped, as torch.onnx drops it).
// Result: no ts2onnx::raise_if remains; the first mismatch is an InvalidArgument error that
//         names the input it comes from, what the op (or the model's check) needs, its source
//         location and, where the input feeds an op directly, the --input spec that fits.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include "ir/Status.h"
#include "passes/Passes.h"
#include "semantics/AtenOperands.h"
#include "semantics/AtenRules.h"
#include "semantics/ShapeFunctions.h"

namespace ts2onnx::passes {
namespace {

std::string dimsText(const std::vector<ir::Dim> &dims) {
  std::vector<std::string> ds;
  for (const ir::Dim &d : dims)
    ds.push_back(d.isStatic() ? std::to_string(d.value) : d.isSymbolic() ? d.symbol : "?");
  return fmt::format("[{}]", fmt::join(ds, ","));
}

std::string typeText(ir::ScalarType dtype, const std::vector<ir::Dim> &dims) {
  return fmt::format("{}{}", ir::scalarTypeShortName(dtype), dimsText(dims));
}

std::vector<int64_t> staticSizes(const ir::Value *v) {
  std::vector<int64_t> out;
  if (!v->type()->isTensor())
    return out;
  const auto &s = v->type()->tensorInfo().sizes;
  if (!s)
    return out;
  for (const ir::Dim &d : *s) {
    if (!d.isStatic())
      return {};
    out.push_back(d.value);
  }
  return out;
}

/// For a carried value of a prim::Loop body (block input k >= 1), the loop's input that is its
/// value in the first iteration; nullptr for anything else.
const ir::Value *firstIteration(const ir::Value *v) {
  if (v->node()->kind() != ir::prim::Param || v->offset() == 0)
    return nullptr;
  const ir::Block *b = v->node()->owningBlock();
  const ir::Node *loop = b ? b->owningNode() : nullptr;
  if (!loop || loop->kind() != ir::prim::Loop || loop->blocks().empty() || loop->blocks()[0] != b ||
      loop->inputs().size() <= v->offset() + 1)
    return nullptr;
  return loop->input(v->offset() + 1);
}

/// `v`, or for a loop-carried value whose type the iterations leave partly unknown, its value
/// in the first iteration: an op that cannot take that fails as soon as the loop runs.
const ir::Value *checked(const ir::Value *v) {
  const ir::Value *first = firstIteration(v);
  if (!first || !first->type()->isTensor() || !v->type()->isTensor())
    return v;
  const ir::TensorInfo &info = v->type()->tensorInfo();
  bool partial = !info.dtype || !info.sizes;
  if (info.sizes)
    for (const ir::Dim &d : *info.sizes)
      partial |= !d.isStatic() && !d.isSymbolic();
  return partial ? checked(first) : v;
}

/// What one op needs of its data input, found wrong.
struct Mismatch {
  std::string need; // "3 channels at dim 1 (weight [64,3,7,7], groups 1)"
  std::optional<ir::ScalarType> fixDtype;
  std::optional<std::pair<size_t, int64_t>> fixDim; // dim index -> size
};

class InputChecker {
public:
  InputChecker(const ir::Graph &g, const PassOptions &o) : g_(g) {
    std::vector<std::string> names;
    if (auto list = o.get("input-names"); list && !list->empty()) {
      size_t start = 0;
      while (true) {
        size_t comma = list->find(',', start);
        names.push_back(list->substr(start, comma == std::string::npos ? comma : comma - start));
        if (comma == std::string::npos)
          break;
        start = comma + 1;
      }
    }
    size_t k = 0;
    for (const ir::Value *in : g.inputs()) {
      if (!in->type()->isTensor())
        continue;
      std::string name = in->debugName();
      if (k < names.size() && !names[k].empty())
        name = names[k];
      else if (size_t dot = name.rfind('.'); dot != std::string::npos && dot > 0)
        name = name.substr(0, dot);
      inputNames_.emplace_back(in, name);
      ++k;
    }
  }

  /// Checks the nodes of `b` and its sub-blocks in program order, deciding and removing the
  /// ts2onnx::raise_if nodes as they come (`nested`: inside an If or Loop).
  absl::Status walk(ir::Block *b, const PassOptions &o, bool nested) {
    static const ir::Symbol kRaiseIf = ir::Symbol::fromQualString("ts2onnx::raise_if");
    static const ir::Symbol kMessage = ir::Symbol::fromQualString("attr::message");
    static const ir::Symbol kKind = ir::Symbol::fromQualString("attr::kind");
    for (auto it = b->nodes().begin(); it != b->nodes().end();) {
      ir::Node *n = *it;
      ++it;
      for (ir::Block *sub : n->blocks())
        TS2ONNX_RETURN_IF_ERROR(walk(sub, o, true));
      if (n->kind() != kRaiseIf) {
        TS2ONNX_RETURN_IF_ERROR(check(*n));
        continue;
      }
      if (ir::constantInt(n->input(0)).value_or(0) != 0) {
        std::string where = n->sourceLocation().valid() ? n->sourceLocation().str() + ": " : "";
        std::string message = n->hasAttribute(kMessage) ? n->s(kMessage) : "";
        // The text built at run time may have folded with the shapes (`{}-D tensor`).
        if (const ir::AttributeValue *a = n->inputs().size() > 1 && n->input(1) != n->input(0)
                                              ? ir::constantValue(n->input(1))
                                              : nullptr;
            a && a->getIf<std::string>())
          message = *a->getIf<std::string>();
        std::string kind = n->hasAttribute(kKind) ? n->s(kKind) : "an exception";
        // `assert` raises "AssertionError: <text>".
        if (size_t colon = message.find(": "); colon != std::string::npos && colon >= 5 &&
                                               message.compare(colon - 5, 5, "Error") == 0 &&
                                               message.find(' ') > colon) {
          kind = message.substr(0, colon);
          message = message.substr(colon + 2);
        }
        if (message == "...") // only the runtime part, not known
          message.clear();
        std::string what =
            fmt::format("{}{}", kind, message.empty() ? "" : fmt::format("('{}')", message));
        std::vector<std::string> sources;
        for (size_t i = 2; i < n->inputs().size(); ++i)
          for (std::string &name : sourcesOf(n->input(i)))
            if (std::find(sources.begin(), sources.end(), name) == sources.end())
              sources.push_back(std::move(name));
        std::string from = sources.empty() ? std::string()
                                           : fmt::format(" (its check reads input{} '{}')",
                                                         sources.size() > 1 ? "s" : "",
                                                         fmt::join(sources, "', '"));
        if (!nested)
          return absl::InvalidArgumentError(fmt::format(
              "{}the model raises {} for these --input specs{}, as torch would: check the "
              "--input spec{}",
              where, what, from, sources.size() > 1 ? "s" : ""));
        o.warn(fmt::format("{}warning: the model raises {} for these --input specs{} whenever "
                           "this branch or loop runs; the ONNX model computes on instead",
                           where, what, from));
      }
      n->destroy();
    }
    return absl::OkStatus();
  }

private:
  absl::Status check(const ir::Node &n) {
    if (!n.kind().isNamespace("aten"))
      return absl::OkStatus();
    std::string_view k = n.kind().name();
    if (size_t count = semantics::broadcastOperands(n))
      TS2ONNX_RETURN_IF_ERROR(broadcastable(n, count));
    if (k == "masked_fill" || k == "masked_fill_") // self and mask broadcast
      TS2ONNX_RETURN_IF_ERROR(broadcastable(n, 2));
    if (k == "matmul" || k == "mm" || k == "bmm")
      TS2ONNX_RETURN_IF_ERROR(innerSizes(n));
    if (k == "view" || k == "reshape")
      TS2ONNX_RETURN_IF_ERROR(sameCount(n));
    if (k == "expand" || k == "expand_as")
      TS2ONNX_RETURN_IF_ERROR(expandsTo(n, k));
    if (k == "lstm" || k == "gru" || k == "rnn_tanh" || k == "rnn_relu")
      TS2ONNX_RETURN_IF_ERROR(stateBatch(n));
    if (k == "_native_multi_head_attention")
      TS2ONNX_RETURN_IF_ERROR(attentionMask(n));
    if (k == "grid_sampler" || k == "grid_sampler_2d" || k == "grid_sampler_3d")
      TS2ONNX_RETURN_IF_ERROR(gridFits(n));
    if (k == "index_put" || k == "index_put_") {
      TS2ONNX_RETURN_IF_ERROR(sameDtype(n, 2));
      return valuesFit(n);
    }
    if (k == "masked_scatter" || k == "masked_scatter_")
      return sameDtype(n, 2);
    if (k == "scatter" || k == "scatter_")
      return sameDtype(n, 3);
    size_t data = k == "embedding" ? 1 : 0;
    if (n.inputs().size() <= data || !n.input(data)->type()->isTensor())
      return absl::OkStatus();
    const ir::Value *x = checked(n.input(data));
    const ir::TensorInfo &info = x->type()->tensorInfo();
    if (!info.dtype || !info.sizes)
      return absl::OkStatus();
    std::optional<Mismatch> m;
    if (k == "conv1d" || k == "conv2d" || k == "conv3d")
      m = conv(n, info, false, 6);
    else if (k == "conv_transpose1d" || k == "conv_transpose2d" || k == "conv_transpose3d")
      m = conv(n, info, true, 6);
    else if (k == "_convolution" || k == "convolution")
      m = conv(n, info, ir::constantInt(n.input(6)).value_or(0) != 0, 8);
    else if (k == "linear")
      m = linear(n, info);
    else if (k == "batch_norm" || k == "instance_norm")
      m = batchNorm(n, info);
    else if (k == "layer_norm")
      m = layerNorm(n, info);
    else if (k == "lstm" || k == "gru" || k == "rnn_tanh" || k == "rnn_relu")
      m = recurrent(info);
    else if (k == "embedding" && !ir::isIntegralType(*info.dtype, /*includeBool=*/false))
      m = Mismatch{"integer indices", ir::ScalarType::Int64, std::nullopt};
    else if (k == "stft" && info.sizes->size() != 1 && info.sizes->size() != 2)
      m = Mismatch{"rank 1 or 2 (a signal, or a batch of signals)", std::nullopt, std::nullopt};
    else if (needsFloating(n, k) && ir::isIntegralType(*info.dtype, /*includeBool=*/true))
      m = Mismatch{"a floating dtype", ir::ScalarType::Float32, std::nullopt};
    if (!m)
      return absl::OkStatus();
    return report(n, *x, info, *m);
  }

  /// `v` as the error names it: "input 'x' float32[2,3]" when it is a graph input, else its
  /// type and the inputs it is computed from.
  std::string operandText(const ir::Value *v) const {
    v = checked(v);
    const ir::TensorInfo &info = v->type()->tensorInfo();
    std::string type = info.dtype ? typeText(*info.dtype, *info.sizes) : dimsText(*info.sizes);
    for (const auto &[in, name] : inputNames_)
      if (in == v)
        return fmt::format("input '{}' {}", name, type);
    std::vector<std::string> s = sourcesOf(v);
    if (s.empty())
      return fmt::format("a constant {}", type);
    return fmt::format("{} (computed from input{} '{}')", type, s.size() > 1 ? "s" : "",
                       fmt::join(s, "', '"));
  }

  absl::Status refuse(const ir::Node &n, const std::string &what) const {
    std::string where = n.sourceLocation().valid() ? n.sourceLocation().str() + ": " : "";
    return absl::InvalidArgumentError(
        fmt::format("{}aten::{} {}, which torch refuses: check the --input specs", where,
                    n.kind().name(), what));
  }

  static const std::vector<ir::Dim> *knownDims(const ir::Value *v) {
    v = checked(v);
    if (!v->type()->isTensor() || !v->type()->tensorInfo().sizes)
      return nullptr;
    return &*v->type()->tensorInfo().sizes;
  }

  /// The leading `count` operands of a broadcasting op: two static sizes, neither 1, at the
  /// same place from the right clash.
  absl::Status broadcastable(const ir::Node &n, size_t count) const {
    std::vector<const ir::Value *> ops;
    for (size_t i = 0; i < count && i < n.inputs().size(); ++i)
      if (knownDims(n.input(i)))
        ops.push_back(n.input(i));
    for (size_t a = 0; a < ops.size(); ++a)
      for (size_t b = a + 1; b < ops.size(); ++b) {
        const std::vector<ir::Dim> &da = *knownDims(ops[a]), &db = *knownDims(ops[b]);
        for (size_t back = 1; back <= std::min(da.size(), db.size()); ++back) {
          const ir::Dim &x = da[da.size() - back], &y = db[db.size() - back];
          if (x.isStatic() && y.isStatic() && x.value != y.value && x.value != 1 && y.value != 1)
            return refuse(n, fmt::format("cannot broadcast {} with {} (sizes {} and {} at dim "
                                         "-{})",
                                         operandText(ops[a]), operandText(ops[b]), x.value, y.value,
                                         back));
        }
      }
    return absl::OkStatus();
  }

  /// matmul/mm/bmm: the last dim of the first operand against the second's rows.
  absl::Status innerSizes(const ir::Node &n) const {
    if (n.inputs().size() < 2)
      return absl::OkStatus();
    const std::vector<ir::Dim> *a = knownDims(n.input(0)), *b = knownDims(n.input(1));
    if (!a || !b || a->empty() || b->empty())
      return absl::OkStatus();
    const ir::Dim &ka = a->back(), &kb = b->size() == 1 ? (*b)[0] : (*b)[b->size() - 2];
    if (!ka.isStatic() || !kb.isStatic() || ka.value == kb.value)
      return absl::OkStatus();
    return refuse(n, fmt::format("cannot multiply {} by {} (inner sizes {} and {})",
                                 operandText(n.input(0)), operandText(n.input(1)), ka.value,
                                 kb.value));
  }

  /// view/reshape to a constant shape: the element count is kept.
  absl::Status sameCount(const ir::Node &n) const {
    if (n.inputs().size() < 2)
      return absl::OkStatus();
    std::vector<int64_t> from = staticSizes(n.input(0));
    auto to = semantics::intsOfList(n.input(1));
    if (from.empty() && !(knownDims(n.input(0)) && knownDims(n.input(0))->empty()))
      return absl::OkStatus();
    if (!to)
      return absl::OkStatus();
    int64_t have = 1, want = 1, inferred = 0;
    for (int64_t d : from)
      have *= d;
    for (int64_t d : *to) {
      if (d == -1)
        ++inferred;
      else if (d < 0)
        return absl::OkStatus();
      else
        want *= d;
    }
    bool fits = inferred == 0 ? have == want : inferred == 1 && want != 0 && have % want == 0;
    if (fits || inferred > 1)
      return absl::OkStatus();
    return refuse(n, fmt::format("cannot make {} ({} elements) into shape [{}]",
                                 operandText(n.input(0)), have, fmt::join(*to, ",")));
  }

  /// index_put(self, indices, values): values must expand to the shape self[indices] selects
  /// (when the indices are all integer tensors, or all boolean masks, from dim 0).
  absl::Status valuesFit(const ir::Node &n) const {
    if (n.inputs().size() < 3)
      return absl::OkStatus();
    const std::vector<ir::Dim> *self = knownDims(n.input(0)), *values = knownDims(n.input(2));
    if (!self || !values)
      return absl::OkStatus();
    std::optional<std::vector<ir::Dim>> indexed = semantics::indexedSizes(*self, n.input(1));
    if (!indexed)
      return absl::OkStatus();
    const std::vector<ir::Dim> &selected = *indexed;
    if (auto clash = expandClash(*values, selected))
      return refuse(n, fmt::format("cannot write {} into the {} elements it selects of {} ({})",
                                   operandText(n.input(2)), dimsText(selected),
                                   operandText(n.input(0)), *clash));
    return absl::OkStatus();
  }

  /// Where `from` cannot expand to `to` (a static size, not 1, against another static size or
  /// a missing dim), as torch's expand says; nullopt when it can or cannot be told.
  static std::optional<std::string> expandClash(const std::vector<ir::Dim> &from,
                                                const std::vector<ir::Dim> &to) {
    for (size_t back = 1; back <= from.size(); ++back) {
      const ir::Dim &v = from[from.size() - back];
      if (!v.isStatic() || v.value == 1)
        continue;
      if (back > to.size())
        return fmt::format("rank {} into rank {}", from.size(), to.size());
      const ir::Dim &r = to[to.size() - back];
      if (r.isStatic() && r.value != v.value)
        return fmt::format("sizes {} and {} at dim -{}", v.value, r.value, back);
    }
    return std::nullopt;
  }

  /// expand(x, sizes) / expand_as(x, other): x's sizes expand to the target's.
  absl::Status expandsTo(const ir::Node &n, std::string_view k) const {
    if (n.inputs().size() < 2)
      return absl::OkStatus();
    const std::vector<ir::Dim> *from = knownDims(n.input(0));
    std::optional<std::vector<ir::Dim>> to;
    if (k == "expand_as") {
      if (const std::vector<ir::Dim> *d = knownDims(n.input(1)))
        to = *d;
    } else if (auto sizes = semantics::intsOfList(n.input(1))) {
      to.emplace();
      for (size_t i = 0; i < sizes->size(); ++i) {
        // -1 keeps the dim of x that it meets.
        size_t fromAt = from ? i + from->size() : 0;
        bool keeps = (*sizes)[i] == -1 && from && fromAt >= sizes->size();
        to->push_back(keeps              ? (*from)[fromAt - sizes->size()]
                      : (*sizes)[i] >= 0 ? ir::Dim::known((*sizes)[i])
                                         : ir::Dim{});
      }
    }
    if (!from || !to)
      return absl::OkStatus();
    if (auto clash = expandClash(*from, *to)) {
      // The target as the error names it: the other operand, or the sizes and where they
      // come from.
      std::string target;
      if (k == "expand_as") {
        target = operandText(n.input(1));
      } else {
        std::vector<std::string> s = sourcesOf(n.input(1));
        target = s.empty() ? dimsText(*to)
                           : fmt::format("{} (sizes computed from input{} '{}')", dimsText(*to),
                                         s.size() > 1 ? "s" : "", fmt::join(s, "', '"));
      }
      return refuse(
          n, fmt::format("cannot expand {} to {} ({})", operandText(n.input(0)), target, *clash));
    }
    return absl::OkStatus();
  }

  /// lstm/gru/rnn_*(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
  /// batch_first): the initial state's dim 1 is the input's batch ("Expected hidden size").
  absl::Status stateBatch(const ir::Node &n) const {
    if (n.inputs().size() != 9)
      return absl::OkStatus();
    const std::vector<ir::Dim> *in = knownDims(n.input(0));
    auto batchFirst = ir::constantInt(n.input(8));
    if (!in || in->size() != 3 || !batchFirst)
      return absl::OkStatus();
    const ir::Dim &batch = (*in)[*batchFirst ? 0 : 1];
    std::vector<const ir::Value *> states;
    if (n.input(1)->node()->kind() == ir::prim::ListConstruct)
      for (const ir::Value *h : n.input(1)->node()->inputs())
        states.push_back(h);
    else if (n.input(1)->type()->isTensor())
      states.push_back(n.input(1));
    for (const ir::Value *h : states) {
      const std::vector<ir::Dim> *hd = knownDims(h);
      if (!hd || hd->size() != 3 || !batch.isStatic() || !(*hd)[1].isStatic() ||
          (*hd)[1].value == batch.value)
        continue;
      return refuse(n, fmt::format("is given {} with a batch of {} but an initial state {} for a "
                                   "batch of {}",
                                   operandText(n.input(0)), batch.value, operandText(h),
                                   (*hd)[1].value));
    }
    return absl::OkStatus();
  }

  /// _native_multi_head_attention(query, key, value, embed_dim, num_head, qkv_weight, qkv_bias,
  /// proj_weight, proj_bias, mask, need_weights, average_attn_weights, mask_type) (batch first):
  /// a key padding mask (mask_type 1) is [batch, source length], an attention mask (0) is
  /// [target length, source length].
  absl::Status attentionMask(const ir::Node &n) const {
    if (n.inputs().size() != 13)
      return absl::OkStatus();
    const std::vector<ir::Dim> *q = knownDims(n.input(0)), *key = knownDims(n.input(1)),
                               *mask = knownDims(n.input(9));
    auto type = ir::constantInt(n.input(12));
    if (!q || !key || !mask || !type || q->size() != 3 || key->size() != 3 || mask->size() != 2)
      return absl::OkStatus();
    std::vector<ir::Dim> want;
    if (*type == 1)
      want = {(*key)[0], (*key)[1]};
    else if (*type == 0)
      want = {(*q)[1], (*key)[1]};
    else
      return absl::OkStatus();
    for (size_t i = 0; i < 2; ++i)
      if (want[i].isStatic() && (*mask)[i].isStatic() && want[i].value != (*mask)[i].value)
        return refuse(n, fmt::format("needs {} of {} ({}, from {}), not {}",
                                     *type == 1 ? "a key padding mask" : "an attention mask",
                                     dimsText(want),
                                     *type == 1 ? "batch, source length" : "target, source length",
                                     operandText(*type == 1 ? n.input(1) : n.input(0)),
                                     operandText(n.input(9))));
    return absl::OkStatus();
  }

  /// grid_sampler(input, grid, ...): a grid of the input's rank whose last dim is the number of
  /// spatial dims, of the input's (floating) dtype.
  absl::Status gridFits(const ir::Node &n) const {
    if (n.inputs().size() < 2)
      return absl::OkStatus();
    const std::vector<ir::Dim> *x = knownDims(n.input(0)), *g = knownDims(n.input(1));
    if (x && g &&
        (x->size() != g->size() ||
         (g->back().isStatic() && g->back().value != int64_t(x->size()) - 2)))
      return refuse(n, fmt::format("cannot sample {} at {} (a grid of rank {} whose last dim is "
                                   "{} is needed)",
                                   operandText(n.input(0)), operandText(n.input(1)), x->size(),
                                   x->size() - 2));
    const auto &xt = checked(n.input(0))->type()->tensorInfo().dtype;
    const auto &gt = checked(n.input(1))->type()->tensorInfo().dtype;
    if (xt && gt && (*xt != *gt || !ir::isFloatingType(*xt)))
      return refuse(n, fmt::format("cannot sample {} at {} (both of one floating dtype are "
                                   "needed)",
                                   operandText(n.input(0)), operandText(n.input(1))));
    return absl::OkStatus();
  }

  /// Ops torch computes only in a floating (or complex) dtype, raising on integers and bools
  /// ("mean(): could not infer output dtype"), unless a dtype argument (the last) is given.
  static bool needsFloating(const ir::Node &n, std::string_view k) {
    static const absl::flat_hash_set<std::string_view> kAlways = {
        "var", "std", "var_mean", "std_mean", "norm", "frobenius_norm", "stft"};
    static const absl::flat_hash_set<std::string_view> kUnlessDtype = {
        "mean", "nanmean", "softmax", "log_softmax", "linalg_vector_norm", "linalg_norm"};
    if (kAlways.count(k))
      return true;
    if (!kUnlessDtype.count(k))
      return false;
    const ir::Value *last = n.inputs().back();
    return last->type()->is(ir::TypeKind::None) ||
           (last->node()->kind() == ir::prim::Constant && !ir::constantValue(last));
  }

  /// Ops writing the values of input `src` into input 0: torch raises unless the dtypes are
  /// equal ("Index put requires the source and destination dtypes match").
  absl::Status sameDtype(const ir::Node &n, size_t src) const {
    if (n.inputs().size() <= src || !n.input(0)->type()->isTensor() ||
        !n.input(src)->type()->isTensor())
      return absl::OkStatus();
    const auto &to = n.input(0)->type()->tensorInfo().dtype;
    const auto &from = n.input(src)->type()->tensorInfo().dtype;
    if (!to || !from || *to == *from)
      return absl::OkStatus();
    auto named = [this](const ir::Value *v) {
      std::vector<std::string> s = sourcesOf(v);
      return s.empty() ? std::string("constants")
                       : fmt::format("input{} '{}'", s.size() > 1 ? "s" : "", fmt::join(s, "', '"));
    };
    std::string where = n.sourceLocation().valid() ? n.sourceLocation().str() + ": " : "";
    return absl::InvalidArgumentError(fmt::format(
        "{}aten::{} writes {} values (from {}) into {} {} tensor (from {}), which torch refuses: "
        "check the dtypes of the --input specs",
        where, n.kind().name(), ir::scalarTypeShortName(*from), named(n.input(src)),
        ir::scalarTypeShortName(*to).front() == 'i' ? "an" : "a", ir::scalarTypeShortName(*to),
        named(n.input(0))));
  }

  /// Weight dims and dtype of input `i`, when known.
  static std::optional<std::pair<std::vector<int64_t>, ir::ScalarType>> weight(const ir::Node &n,
                                                                               size_t i) {
    if (n.inputs().size() <= i || !n.input(i)->type()->isTensor())
      return std::nullopt;
    const ir::TensorInfo &w = n.input(i)->type()->tensorInfo();
    std::vector<int64_t> dims = staticSizes(n.input(i));
    if (!w.dtype || dims.empty())
      return std::nullopt;
    return std::make_pair(dims, *w.dtype);
  }

  static std::optional<Mismatch> dtypeMismatch(const ir::TensorInfo &x, ir::ScalarType w) {
    if (*x.dtype == w)
      return std::nullopt;
    return Mismatch{fmt::format("dtype {} (that of its weight)", ir::scalarTypeShortName(w)), w,
                    std::nullopt};
  }

  std::optional<Mismatch> conv(const ir::Node &n, const ir::TensorInfo &x, bool transposed,
                               size_t groupsAt) {
    auto w = weight(n, 1);
    if (!w)
      return std::nullopt;
    const std::vector<int64_t> &wd = w->first;
    size_t rank = x.sizes->size();
    if (rank != wd.size() && rank + 1 != wd.size())
      return Mismatch{fmt::format("rank {} (or {} unbatched) for a weight of shape [{}]", wd.size(),
                                  wd.size() - 1, fmt::join(wd, ",")),
                      std::nullopt, std::nullopt};
    if (auto d = dtypeMismatch(x, w->second))
      return d;
    int64_t groups =
        n.inputs().size() > groupsAt ? ir::constantInt(n.input(groupsAt)).value_or(1) : 1;
    int64_t channels = transposed ? wd[0] : wd[1] * groups;
    size_t c = rank == wd.size() ? 1 : 0;
    const ir::Dim &have = (*x.sizes)[c];
    if (!have.isStatic() || have.value == channels)
      return std::nullopt;
    return Mismatch{fmt::format("{} channels at dim {} (weight [{}], groups {})", channels, c,
                                fmt::join(wd, ","), groups),
                    std::nullopt, std::make_pair(c, channels)};
  }

  std::optional<Mismatch> linear(const ir::Node &n, const ir::TensorInfo &x) {
    auto w = weight(n, 1);
    if (!w || w->first.size() != 2)
      return std::nullopt;
    if (x.sizes->empty())
      return Mismatch{"rank 1 or more", std::nullopt, std::nullopt};
    if (auto d = dtypeMismatch(x, w->second))
      return d;
    size_t last = x.sizes->size() - 1;
    const ir::Dim &have = (*x.sizes)[last];
    if (!have.isStatic() || have.value == w->first[1])
      return std::nullopt;
    return Mismatch{fmt::format("{} features at dim {} (weight [{}])", w->first[1], last,
                                fmt::join(w->first, ",")),
                    std::nullopt, std::make_pair(last, w->first[1])};
  }

  std::optional<Mismatch> batchNorm(const ir::Node &n, const ir::TensorInfo &x) {
    // weight, or running_mean when there is no affine weight.
    std::optional<std::pair<std::vector<int64_t>, ir::ScalarType>> w = weight(n, 1);
    if (!w)
      w = weight(n, 3);
    if (!w || w->first.size() != 1)
      return std::nullopt;
    if (x.sizes->size() < 2)
      return Mismatch{"rank 2 or more", std::nullopt, std::nullopt};
    const ir::Dim &have = (*x.sizes)[1];
    if (!have.isStatic() || have.value == w->first[0])
      return std::nullopt;
    return Mismatch{fmt::format("{} channels at dim 1", w->first[0]), std::nullopt,
                    std::make_pair(size_t{1}, w->first[0])};
  }

  /// torch's recurrent layers take (seq, batch, features), or (seq, features) unbatched, of a
  /// floating dtype.
  static std::optional<Mismatch> recurrent(const ir::TensorInfo &x) {
    if (x.sizes->size() != 3 && x.sizes->size() != 2)
      return Mismatch{"rank 3 (sequence, batch, features; batch first when batch_first=True) or "
                      "2 unbatched",
                      std::nullopt, std::nullopt};
    if (!ir::isFloatingType(*x.dtype))
      return Mismatch{"a floating dtype", ir::ScalarType::Float32, std::nullopt};
    return std::nullopt;
  }

  std::optional<Mismatch> layerNorm(const ir::Node &n, const ir::TensorInfo &x) {
    const ir::AttributeValue *a = n.inputs().size() > 1 ? ir::constantValue(n.input(1)) : nullptr;
    const auto *shape = a ? a->getIf<std::vector<int64_t>>() : nullptr;
    if (!shape)
      return std::nullopt;
    size_t rank = x.sizes->size();
    if (rank < shape->size())
      return Mismatch{fmt::format("rank {} or more (normalized shape [{}])", shape->size(),
                                  fmt::join(*shape, ",")),
                      std::nullopt, std::nullopt};
    for (size_t i = 0; i < shape->size(); ++i) {
      size_t at = rank - shape->size() + i;
      const ir::Dim &have = (*x.sizes)[at];
      if (have.isStatic() && have.value != (*shape)[i])
        return Mismatch{
            fmt::format("trailing dims [{}] (normalized shape)", fmt::join(*shape, ",")),
            std::nullopt, std::make_pair(at, (*shape)[i])};
    }
    return std::nullopt;
  }

  /// The graph inputs `v` is computed from.
  std::vector<std::string> sourcesOf(const ir::Value *v) const {
    absl::flat_hash_set<const ir::Value *> seen;
    std::vector<const ir::Value *> stack = {v};
    absl::flat_hash_set<const ir::Value *> reached;
    while (!stack.empty() && seen.size() < 200000) {
      const ir::Value *u = stack.back();
      stack.pop_back();
      if (!seen.insert(u).second)
        continue;
      if (u->node()->kind() == ir::prim::Param) {
        if (const ir::Value *first = firstIteration(u))
          stack.push_back(first);
        reached.insert(u);
        continue;
      }
      for (const ir::Value *in : u->node()->inputs())
        stack.push_back(in);
      for (const ir::Block *b : u->node()->blocks())
        for (const ir::Value *out : b->outputs())
          stack.push_back(out);
    }
    std::vector<std::string> names;
    for (const auto &[in, name] : inputNames_)
      if (reached.count(in))
        names.push_back(name);
    return names;
  }

  absl::Status report(const ir::Node &n, const ir::Value &x, const ir::TensorInfo &info,
                      const Mismatch &m) const {
    std::string where = n.sourceLocation().valid() ? n.sourceLocation().str() + ": " : "";
    std::string have = typeText(*info.dtype, *info.sizes);
    const std::string *direct = nullptr;
    for (const auto &[in, name] : inputNames_)
      if (in == &x)
        direct = &name;
    if (direct) {
      std::string fix;
      if (m.fixDtype || m.fixDim) {
        std::vector<ir::Dim> dims = *info.sizes;
        if (m.fixDim)
          dims[m.fixDim->first] = ir::Dim::known(m.fixDim->second);
        fix = fmt::format("; give --input '{}:{}'", *direct,
                          typeText(m.fixDtype.value_or(*info.dtype), dims));
      }
      return absl::InvalidArgumentError(fmt::format("{}input '{}' is {}, but aten::{} needs {}{}",
                                                    where, *direct, have, n.kind().name(), m.need,
                                                    fix));
    }
    std::vector<std::string> sources = sourcesOf(&x);
    std::string from = sources.empty()
                           ? std::string("a value")
                           : fmt::format("the value computed from input{} '{}'",
                                         sources.size() > 1 ? "s" : "", fmt::join(sources, "', '"));
    return absl::InvalidArgumentError(
        fmt::format("{}{} is {} here, but aten::{} needs {}; check the --input spec{}", where, from,
                    have, n.kind().name(), m.need, sources.size() > 1 ? "s" : ""));
  }

  const ir::Graph &g_;
  std::vector<std::pair<const ir::Value *, std::string>> inputNames_;
};

} // namespace

absl::Status runCheckInputShapes(ir::Graph &graph, const PassOptions &options) {
  return InputChecker(graph, options).walk(graph.block(), options, /*nested=*/false);
}

} // namespace ts2onnx::passes
