// The aten dtype/shape rule table (AtenRules.h): elementwise ops with broadcasting and torch's
// type promotion (Promotion.h, Broadcast.h); comparisons (bool); unary float ops (int ->
// float32); conv/conv_transpose/pooling/adaptive pooling output sizes; linear,
// matmul/mm/bmm/addmm; view/reshape (with -1), flatten, unflatten, permute/transpose/t,
// (un)squeeze, expand, cat/stack, upsample_* (rank, given sizes), slice/select/narrow,
// index_select, reductions with dims and keepdim, norms and softmax (shape kept), embedding, where,
// masked_fill, factories (zeros/ones/full/*_like/new_*, tensor, NumToTensor), casts (to, type_as),
// scatter ops, scaled_dot_product_attention, padding, stft/fft_fft/fft_rfft (complex results),
// abs/view_as_real of complex tensors, and the outputs of lstm/gru (best effort). A dim that
// equals an input dim keeps its symbol (`batch`); ints made by aten::size of a symbolic dim carry
// it into view shapes.
#include "semantics/AtenRules.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "semantics/ListElements.h"
#include "semantics/Pointwise.h"
#include "semantics/ShapeFunctions.h"

namespace ts2onnx::semantics {

using ir::Dim;
using ir::ScalarType;

namespace {

bool isComplexType(ScalarType t) {
  return t == ScalarType::ComplexHalf || t == ScalarType::ComplexFloat ||
         t == ScalarType::ComplexDouble;
}

/// A bool (or int) constant as a flag.
std::optional<bool> constantFlag(const ir::Value *v) {
  auto i = ir::constantInt(v);
  return i ? std::optional(*i != 0) : std::nullopt;
}

/// The complex dtype of a real one's results (integers and bool give complex float).
ScalarType complexOf(ScalarType t) {
  return t == ScalarType::Float64   ? ScalarType::ComplexDouble
         : t == ScalarType::Float16 ? ScalarType::ComplexHalf
                                    : ScalarType::ComplexFloat;
}

ScalarType realOf(ScalarType t) {
  return t == ScalarType::ComplexDouble ? ScalarType::Float64
         : t == ScalarType::ComplexHalf ? ScalarType::Float16
                                        : ScalarType::Float32;
}

/// Binary elementwise ops with broadcasting and promotion that the generated pointwise table
/// does not give (their rule is written below).
constexpr const char *kElementwiseBinary[] = {
    "add",        "sub",         "rsub",    "pow",    "floor_divide", "bitwise_and",
    "bitwise_or", "bitwise_xor", "__and__", "__or__", "__xor__",      "hypot"};

class RuleTable {
public:
  RuleTable() { registerRules(); }

  bool infer(ir::Node *n) const {
    auto it = rules_.find(n->kind());
    if (it == rules_.end())
      return pointwise(n);
    it->second(n);
    return true;
  }

private:
  /// A pointwise op of the generated table (Pointwise.h): its leading operands promoted and
  /// broadcast.
  static bool pointwise(ir::Node *n) {
    const PointwiseRule *rule = pointwiseRule(n->kind());
    if (!rule || n->inputs().size() < rule->operands)
      return false;
    ResultType p;
    std::vector<std::optional<Dims>> shapes;
    for (size_t i = 0; i < rule->operands; ++i) {
      addOperand(p, n->input(i));
      if (n->input(i)->type()->isTensor())
        shapes.push_back(infoOf(n->input(i)).sizes);
    }
    std::optional<ScalarType> dt = p.result();
    setResult(n->output(0), dt ? std::optional(rule->apply(*dt)) : std::nullopt,
              broadcastShapes(shapes));
    return true;
  }

  using Rule = std::function<void(ir::Node *)>;

  void rule(std::initializer_list<const char *> names, Rule r) {
    for (const char *name : names)
      rules_[ir::Symbol::fromQualString(std::string("aten::") + name)] = r;
  }

  void registerRules() {
    // The pieces of chunk/split/unbind, unpacked or taken by a constant index.
    rules_[ir::prim::ListUnpack] = [](ir::Node *n) {
      for (size_t i = 0; i < n->outputs().size(); ++i)
        if (auto piece = pieceOf(n->input(0)->node(), int64_t(i)))
          setResult(n->output(i), *piece);
    };
    rules_[ir::Symbol::fromQualString("aten::__getitem__")] = [](ir::Node *n) {
      if (n->inputs().size() != 2 || !n->output()->type()->isTensor())
        return;
      auto i = ir::constantInt(n->input(1));
      if (auto piece = i ? pieceOf(n->input(0)->node(), *i) : std::nullopt)
        setResult(n->output(), *piece);
    };
    // Same shape and dtype as the first input. (Pointwise ops of the generated table, relu, neg,
    // floor, ..., need no entry here.)
    rule({"hardtanh", "hardswish", "hardsigmoid", "silu", "gelu", "leaky_relu", "elu", "selu",
          "celu", "softplus", "mish", "clamp", "clamp_min", "clamp_max", "clip", "dropout",
          "feature_dropout", "alpha_dropout", "feature_alpha_dropout", "contiguous", "clone", "cpu",
          "detach", "bitwise_not", "batch_norm", "layer_norm", "group_norm", "instance_norm",
          "masked_fill", "fill", "zeros_like", "ones_like", "empty_like", "rand_like", "randn_like",
          "slice_scatter", "select_scatter", "index_put", "scatter", "scatter_add", "prelu",
          "native_dropout", "lift_fresh", "alias", "tril", "triu", "cumsum", "flip", "roll",
          "constant_pad_nd_like_self", "_transformer_encoder_layer_fwd", "rms_norm",
          // Output 0 is shaped like the query; the weights output is left unknown.
          "_native_multi_head_attention"},
         [](ir::Node *n) {
           Info in = infoOf(n->input(0));
           setResult(n->output(0), in);
           if (n->kind().name() == "cumsum" && n->inputs().size() == 3)
             if (auto d = dtypeArg(n->input(2)))
               setResult(n->output(0), d, std::nullopt);
         });
    // Activations and pointwise ops the generated table leaves out (float-only in torch).
    rule({"hardshrink", "softshrink", "log_sigmoid", "rrelu", "threshold", "nan_to_num", "frac",
          "fix"},
         [](ir::Node *n) { setResult(n->output(0), infoOf(n->input(0))); });
    for (const char *like : {"zeros_like", "ones_like", "empty_like", "full_like"})
      rule({like}, [](ir::Node *n) {
        Info in = infoOf(n->input(0));
        size_t dtypeIndex = n->kind().name() == "full_like" ? 2 : 1;
        if (n->inputs().size() > dtypeIndex)
          if (auto d = dtypeArg(n->input(dtypeIndex)))
            in.dtype = d;
        setResult(n->output(0), in);
      });
    for (const char *sm : {"softmax", "log_softmax"})
      rule({sm}, [](ir::Node *n) {
        Info in = infoOf(n->input(0));
        if (n->inputs().size() == 3)
          if (auto d = dtypeArg(n->input(2)))
            in.dtype = d;
        setResult(n->output(0), in);
      });
    // Elementwise with broadcasting and promotion over all tensor/number operands.
    auto elementwise = [](size_t operands, bool toFloat) {
      return [=](ir::Node *n) {
        ResultType p;
        std::vector<std::optional<Dims>> shapes;
        for (size_t i = 0; i < operands && i < n->inputs().size(); ++i) {
          const ir::Value *v = n->input(i);
          addOperand(p, v);
          if (v->type()->isTensor())
            shapes.push_back(infoOf(v).sizes);
        }
        std::optional<ScalarType> dt = p.result();
        if (toFloat && dt && category(*dt) < Category::Floating)
          dt = ScalarType::Float32;
        setResult(n->output(0), dt, broadcastShapes(shapes));
      };
    };
    for (const char *name : kElementwiseBinary)
      rule({name}, elementwise(2, false));
    rule({"div", "true_divide", "divide"}, [elementwise](ir::Node *n) {
      // With a rounding mode the result keeps the promoted (maybe int) type.
      bool rounding = n->inputs().size() == 3 && !isNone(n->input(2));
      elementwise(2, !rounding)(n);
    });
    rule({"where"}, [](ir::Node *n) {
      if (n->inputs().size() != 3)
        return;
      ResultType p;
      addOperand(p, n->input(1));
      addOperand(p, n->input(2));
      std::vector<std::optional<Dims>> shapes;
      for (const ir::Value *v : n->inputs())
        if (v->type()->isTensor())
          shapes.push_back(infoOf(v).sizes);
      setResult(n->output(0), p.result(), broadcastShapes(shapes));
    });
    rule({"type_as"}, [](ir::Node *n) {
      setResult(n->output(0), infoOf(n->input(1)).dtype, infoOf(n->input(0)).sizes);
    });
    rule({"expand_as", "view_as", "reshape_as"}, [](ir::Node *n) {
      setResult(n->output(0), infoOf(n->input(0)).dtype, infoOf(n->input(1)).sizes);
    });
    rule({"to"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      const ir::Value *target = nullptr;
      if (n->inputs().size() == 6)
        target = n->input(2);
      else if (n->inputs().size() == 5)
        target = n->input(1);
      if (target && target->type()->isTensor())
        in.dtype = infoOf(target).dtype;
      else if (target && !isNone(target) && !target->type()->is(ir::TypeKind::Device))
        in.dtype = dtypeArg(target);
      setResult(n->output(0), in);
    });
    // Convolution and pooling.
    rule({"conv1d", "conv2d", "conv3d"}, [](ir::Node *n) {
      if (n->inputs().size() != 7)
        return;
      conv(n, n->input(3), n->input(4), n->input(5), false, nullptr, n->input(6));
    });
    rule({"_convolution", "convolution"}, [](ir::Node *n) {
      if (n->inputs().size() < 9)
        return;
      auto transposed = ir::constantInt(n->input(6));
      if (!transposed)
        return;
      conv(n, n->input(3), n->input(4), n->input(5), *transposed != 0, n->input(7), n->input(8));
    });
    rule({"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"}, [](ir::Node *n) {
      if (n->inputs().size() != 8)
        return;
      conv(n, n->input(3), n->input(4), n->input(7), true, n->input(5), n->input(6));
    });
    rule({"max_pool1d", "max_pool2d", "max_pool3d", "max_pool2d_with_indices"}, [](ir::Node *n) {
      if (n->inputs().size() != 6)
        return;
      pool(n, n->input(1), n->input(2), n->input(3), n->input(4), n->input(5));
    });
    rule({"avg_pool1d", "avg_pool2d", "avg_pool3d"}, [](ir::Node *n) {
      if (n->inputs().size() < 5)
        return;
      pool(n, n->input(1), n->input(2), n->input(3), nullptr, n->input(4));
    });
    rule({"adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
          "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"},
         [](ir::Node *n) {
           Info in = infoOf(n->input(0));
           auto size = dimsOfList(n->input(1));
           if (!in.sizes || !size || in.sizes->size() < size->size())
             return setResult(n->output(0), in.dtype, std::nullopt);
           Dims out(in.sizes->begin(), in.sizes->end() - long(size->size()));
           for (size_t i = 0; i < size->size(); ++i) {
             // None entries (keep the input size) read as unknown.
             const Dim &d = (*size)[i];
             out.push_back(d.isStatic() ? d : (*in.sizes)[in.sizes->size() - size->size() + i]);
           }
           setResult(n->output(0), in.dtype, out);
           if (n->outputs().size() == 2)
             setResult(n->output(1), ScalarType::Int64, out);
         });
    // Interpolation keeps batch and channels; the spatial sizes are the output size when it
    // is given (else unknown), so at least the rank is known.
    rule({"upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d",
          "_upsample_nearest_exact1d", "_upsample_nearest_exact2d", "_upsample_nearest_exact3d",
          "upsample_linear1d", "upsample_bilinear2d", "upsample_trilinear3d", "upsample_bicubic2d",
          "_upsample_bilinear2d_aa", "_upsample_bicubic2d_aa"},
         [](ir::Node *n) {
           Info in = infoOf(n->input(0));
           if (!in.sizes || in.sizes->size() < 3)
             return setResult(n->output(0), in.dtype, std::nullopt);
           size_t spatial = in.sizes->size() - 2;
           Dims out(in.sizes->begin(), in.sizes->begin() + 2);
           auto size = n->inputs().size() > 1 && !isNone(n->input(1)) ? dimsOfList(n->input(1))
                                                                      : std::nullopt;
           for (size_t i = 0; i < spatial; ++i)
             out.push_back(size && size->size() == spatial ? (*size)[i] : Dim::unknown());
           setResult(n->output(0), in.dtype, out);
         });
    // Linear algebra.
    rule({"linear"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0)), w = infoOf(n->input(1));
      std::optional<Dims> out;
      if (in.sizes && !in.sizes->empty() && w.sizes) {
        out = Dims(in.sizes->begin(), in.sizes->end() - 1);
        if (w.sizes->size() == 2)
          out->push_back((*w.sizes)[0]);
      }
      setResult(n->output(0), in.dtype, out);
    });
    // RNN cells: each new state is [batch, hidden] (hidden = w_hh's second dim), or [hidden]
    // for a 1-d input; the input's dtype. (Decoders carry the states through loops.)
    rule({"lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"}, [](ir::Node *n) {
      if (n->inputs().size() < 4)
        return;
      Info in = infoOf(n->input(0)), whh = infoOf(n->input(3));
      std::optional<Dims> out;
      if (in.sizes && (in.sizes->size() == 1 || in.sizes->size() == 2) && whh.sizes &&
          whh.sizes->size() == 2) {
        out = Dims(in.sizes->begin(), in.sizes->end() - 1);
        out->push_back((*whh.sizes)[1]);
      }
      for (ir::Value *o : n->outputs())
        setResult(o, in.dtype, out);
    });
    rule({"matmul", "mm", "bmm"}, [](ir::Node *n) {
      setResult(n->output(0), infoOf(n->input(0)).dtype,
                matmul(infoOf(n->input(0)).sizes, infoOf(n->input(1)).sizes));
    });
    rule({"addmm", "baddbmm"}, [](ir::Node *n) {
      setResult(n->output(0), infoOf(n->input(1)).dtype,
                matmul(infoOf(n->input(1)).sizes, infoOf(n->input(2)).sizes));
    });
    rule({"embedding"}, [](ir::Node *n) {
      Info w = infoOf(n->input(0)), idx = infoOf(n->input(1));
      std::optional<Dims> out;
      if (w.sizes && w.sizes->size() == 2 && idx.sizes) {
        out = *idx.sizes;
        out->push_back((*w.sizes)[1]);
      }
      setResult(n->output(0), w.dtype, out);
    });
    // Shape manipulation.
    rule({"view", "reshape", "_reshape_alias"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      setResult(n->output(0), in.dtype, reshape(in.sizes, n->input(1)));
    });
    rule({"flatten"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes || n->inputs().size() != 3)
        return setResult(n->output(0), in.dtype, std::nullopt);
      size_t r = in.sizes->size();
      if (r == 0)
        return setResult(n->output(0), in.dtype, Dims{Dim::known(1)});
      auto s = axis(ir::constantInt(n->input(1)), r), e = axis(ir::constantInt(n->input(2)), r);
      if (!s || !e || *s > *e)
        return setResult(n->output(0), in.dtype, std::nullopt);
      Dims out(in.sizes->begin(), in.sizes->begin() + long(*s));
      auto p = product(*in.sizes, *s, *e + 1);
      out.push_back(p ? productDim(*p) : Dim::unknown());
      out.insert(out.end(), in.sizes->begin() + long(*e) + 1, in.sizes->end());
      setResult(n->output(0), in.dtype, out);
    });
    rule({"scaled_dot_product_attention"}, [](ir::Node *n) {
      // [..., L, E] x [..., S, E] x [..., S, Ev] -> [..., L, Ev] of q's dtype; a leading dim
      // q and v disagree on (broadcast) is left unknown.
      Info q = infoOf(n->input(0)), v = infoOf(n->input(2));
      if (!q.sizes || !v.sizes || q.sizes->size() != v.sizes->size() || q.sizes->size() < 2)
        return setResult(n->output(0), q.dtype, std::nullopt);
      Dims out = *q.sizes;
      for (size_t i = 0; i + 2 < out.size(); ++i)
        if (out[i] != (*v.sizes)[i])
          out[i] = Dim::unknown();
      out.back() = v.sizes->back();
      setResult(n->output(0), q.dtype, out);
    });
    // unflatten(self, dim, sizes): dim `dim` becomes `sizes`, one of which may be -1 (inferred
    // from the dim it splits, as reshape infers it from the whole).
    rule({"unflatten"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes || n->inputs().size() != 3)
        return setResult(n->output(0), in.dtype, std::nullopt);
      auto d = axis(ir::constantInt(n->input(1)), in.sizes->size());
      auto split = d ? reshape(Dims{(*in.sizes)[*d]}, n->input(2)) : std::nullopt;
      if (!split)
        return setResult(n->output(0), in.dtype, std::nullopt);
      Dims out(in.sizes->begin(), in.sizes->begin() + long(*d));
      out.insert(out.end(), split->begin(), split->end());
      out.insert(out.end(), in.sizes->begin() + long(*d) + 1, in.sizes->end());
      setResult(n->output(0), in.dtype, out);
    });
    rule({"permute"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      auto perm = intsOfList(n->input(1));
      if (!in.sizes || !perm || perm->size() != in.sizes->size())
        return setResult(n->output(0), in.dtype, std::nullopt);
      Dims out;
      for (int64_t p : *perm) {
        auto a = axis(p, in.sizes->size());
        if (!a)
          return setResult(n->output(0), in.dtype, std::nullopt);
        out.push_back((*in.sizes)[*a]);
      }
      setResult(n->output(0), in.dtype, out);
    });
    rule({"transpose", "swapaxes", "swapdims"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes || n->inputs().size() != 3)
        return setResult(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size());
      auto b = axis(ir::constantInt(n->input(2)), in.sizes->size());
      if (!a || !b)
        return setResult(n->output(0), in.dtype, std::nullopt);
      Dims out = *in.sizes;
      std::swap(out[*a], out[*b]);
      setResult(n->output(0), in.dtype, out);
    });
    rule({"t", "numpy_T"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (in.sizes && in.sizes->size() <= 2)
        std::reverse(in.sizes->begin(), in.sizes->end());
      else
        in.sizes.reset();
      setResult(n->output(0), in);
    });
    rule({"unsqueeze"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes)
        return setResult(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size() + 1);
      if (!a)
        return setResult(n->output(0), in.dtype, std::nullopt);
      in.sizes->insert(in.sizes->begin() + long(*a), Dim::known(1));
      setResult(n->output(0), in);
    });
    rule({"squeeze"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes)
        return setResult(n->output(0), in.dtype, std::nullopt);
      Dims out;
      if (n->inputs().size() == 1) {
        for (const Dim &d : *in.sizes) {
          if (!d.isStatic())
            return setResult(n->output(0), in.dtype, std::nullopt);
          if (d.value != 1)
            out.push_back(d);
        }
        return setResult(n->output(0), in.dtype, out);
      }
      std::vector<int64_t> dims;
      if (auto d = ir::constantInt(n->input(1)))
        dims.push_back(*d);
      else if (auto l = intsOfList(n->input(1)))
        dims = *l;
      else
        return setResult(n->output(0), in.dtype, std::nullopt);
      std::vector<bool> drop(in.sizes->size(), false);
      for (int64_t d : dims) {
        auto a = axis(d, in.sizes->size());
        if (!a)
          return setResult(n->output(0), in.dtype, std::nullopt);
        const Dim &x = (*in.sizes)[*a];
        if (!x.isStatic())
          return setResult(n->output(0), in.dtype, std::nullopt);
        drop[*a] = x.value == 1;
      }
      for (size_t i = 0; i < in.sizes->size(); ++i)
        if (!drop[i])
          out.push_back((*in.sizes)[i]);
      setResult(n->output(0), in.dtype, out);
    });
    rule({"expand"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      auto size = dimsOfList(n->input(1));
      if (!size)
        return setResult(n->output(0), in.dtype, std::nullopt);
      Dims out = *size;
      const ir::Node *ln = n->input(1)->node();
      for (size_t i = 0; i < out.size(); ++i) {
        bool minusOne =
            ln->kind() == ir::prim::ListConstruct && ir::constantInt(ln->input(i)) == -1;
        if (const ir::AttributeValue *a = ir::constantValue(n->input(1)))
          if (const auto *is = a->getIf<std::vector<int64_t>>())
            minusOne = (*is)[i] == -1;
        if (minusOne) {
          size_t lead = out.size() - (in.sizes ? in.sizes->size() : 0);
          out[i] = in.sizes && i >= lead ? (*in.sizes)[i - lead] : Dim::unknown();
        }
      }
      setResult(n->output(0), in.dtype, out);
    });
    rule({"repeat"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      auto reps = intsOfList(n->input(1));
      if (!in.sizes || !reps || reps->size() < in.sizes->size())
        return setResult(n->output(0), in.dtype, std::nullopt);
      Dims out;
      size_t lead = reps->size() - in.sizes->size();
      for (size_t i = 0; i < reps->size(); ++i) {
        Dim d = i < lead ? Dim::known(1) : (*in.sizes)[i - lead];
        out.push_back((*reps)[i] == 1 ? d
                      : d.isStatic()  ? Dim::known(d.value * (*reps)[i])
                                      : Dim::unknown());
      }
      setResult(n->output(0), in.dtype, out);
    });
    rule({"cat", "concat", "concatenate", "stack"}, [](ir::Node *n) {
      const ir::Node *list = n->input(0)->node();
      bool appended = false;
      for (const ir::Use &u : n->input(0)->uses())
        appended |= u.user->kind().qualString() == std::string_view("aten::append");
      if (list->kind() != ir::prim::ListConstruct || appended) {
        // A list of run-time length (appended to in a loop): every element's dtype and shape,
        // where all agree; the joined dim's length is unknown.
        std::optional<Info> e = listElementInfo(n->input(0));
        if (!e || !e->sizes)
          return;
        const bool stacked = n->kind().name() == "stack";
        auto a = axis(ir::constantInt(n->input(1)), e->sizes->size() + (stacked ? 1 : 0));
        if (!a)
          return;
        Dims out = *e->sizes;
        if (stacked)
          out.insert(out.begin() + long(*a), Dim::unknown());
        else
          out[*a] = Dim::unknown();
        setResult(n->output(0), e->dtype, out);
        return;
      }
      if (list->inputs().empty())
        return;
      ResultType p;
      std::vector<Info> parts;
      for (const ir::Value *v : list->inputs()) {
        addTensorOperand(p, v);
        parts.push_back(infoOf(v));
      }
      bool stack = n->kind().name() == "stack";
      // cat skips 1-d tensors of size 0 (torch's legacy rule), unless all are.
      if (!stack) {
        std::vector<Info> kept;
        for (const Info &i : parts)
          if (!(i.sizes && i.sizes->size() == 1 && (*i.sizes)[0].isStatic() &&
                (*i.sizes)[0].value == 0))
            kept.push_back(i);
        if (!kept.empty())
          parts = std::move(kept);
      }
      std::optional<Dims> out;
      if (parts[0].sizes) {
        size_t r = parts[0].sizes->size() + (stack ? 1 : 0);
        auto a = axis(ir::constantInt(n->input(1)), r);
        if (a) {
          out = *parts[0].sizes;
          if (stack) {
            out->insert(out->begin() + long(*a), Dim::known(int64_t(parts.size())));
          } else {
            Dims all;
            for (const Info &i : parts) {
              if (!i.sizes || i.sizes->size() != out->size()) {
                all.clear();
                break;
              }
              all.push_back((*i.sizes)[*a]);
            }
            auto sum = [&]() -> Dim {
              if (all.size() != parts.size())
                return Dim::unknown();
              int64_t s = 0;
              for (const Dim &d : all) {
                if (!d.isStatic())
                  return all.size() == 1 ? d : Dim::unknown();
                s += d.value;
              }
              return Dim::known(s);
            };
            (*out)[*a] = sum();
          }
        }
      }
      setResult(n->output(0), p.result(), out);
    });
    rule({"slice"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes || n->inputs().size() != 5)
        return setResult(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size());
      if (!a)
        return setResult(n->output(0), in.dtype, std::nullopt);
      Dims out = *in.sizes;
      const Dim &d = out[*a];
      auto start = isNone(n->input(2)) ? std::optional<int64_t>(0) : ir::constantInt(n->input(2));
      auto end =
          isNone(n->input(3)) ? std::optional<int64_t>(INT64_MAX) : ir::constantInt(n->input(3));
      auto step = ir::constantInt(n->input(4));
      if (start && end && step && *step > 0 && *start == 0 && *end >= INT32_MAX && *step == 1) {
        // The whole dim, static or not.
      } else if (d.isStatic() && start && end && step && *step > 0) {
        auto clampIndex = [&](int64_t i) {
          if (i < 0)
            i += d.value;
          return std::min(std::max<int64_t>(i, 0), d.value);
        };
        int64_t s = clampIndex(*start), e = clampIndex(*end);
        out[*a] = Dim::known(e > s ? (e - s + *step - 1) / *step : 0);
      } else {
        out[*a] = Dim::unknown();
      }
      setResult(n->output(0), in.dtype, out);
    });
    rule({"narrow"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes || n->inputs().size() != 4)
        return setResult(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size());
      if (!a)
        return setResult(n->output(0), in.dtype, std::nullopt);
      Dims out = *in.sizes;
      out[*a] = dimOfInt(n->input(3));
      setResult(n->output(0), in.dtype, out);
    });
    rule({"select"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes || n->inputs().size() != 3)
        return setResult(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size());
      if (!a)
        return setResult(n->output(0), in.dtype, std::nullopt);
      in.sizes->erase(in.sizes->begin() + long(*a));
      setResult(n->output(0), in);
    });
    rule({"index_select"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0)), idx = infoOf(n->input(2));
      if (!in.sizes || !idx.sizes || idx.sizes->size() > 1)
        return setResult(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size());
      if (!a && !in.sizes->empty())
        return setResult(n->output(0), in.dtype, std::nullopt);
      // A 0-d index selects one element and keeps the dim; a 0-d self stays 0-d.
      if (!in.sizes->empty())
        (*in.sizes)[*a] = idx.sizes->empty() ? ir::Dim::known(1) : (*idx.sizes)[0];
      setResult(n->output(0), in);
    });
    // affine_grid_generator(theta, size [N, C, (D,) H, W], align_corners): [N, (D,) H, W, k].
    rule({"affine_grid_generator"}, [](ir::Node *n) {
      std::optional<Dims> size = n->inputs().size() == 3 ? dimsOfList(n->input(1)) : std::nullopt;
      std::optional<Dims> out;
      if (size && (size->size() == 4 || size->size() == 5)) {
        out = Dims{(*size)[0]};
        out->insert(out->end(), size->begin() + 2, size->end());
        out->push_back(ir::Dim::known(int64_t(size->size()) - 2));
      }
      setResult(n->output(0), infoOf(n->input(0)).dtype, out);
    });
    // Padding: the last len(pad) / 2 dims grow by their pair of pads (the last dim first).
    rule({"pad", "constant_pad_nd", "reflection_pad1d", "reflection_pad2d", "reflection_pad3d",
          "replication_pad1d", "replication_pad2d", "replication_pad3d"},
         [](ir::Node *n) {
           Info in = infoOf(n->input(0));
           auto pads = n->inputs().size() >= 2 ? intsOfList(n->input(1)) : std::nullopt;
           if (!in.sizes || !pads || pads->size() % 2 != 0 || pads->size() / 2 > in.sizes->size())
             return setResult(n->output(0), in.dtype, std::nullopt);
           size_t r = in.sizes->size();
           for (size_t i = 0; i < pads->size() / 2; ++i) {
             Dim &d = (*in.sizes)[r - 1 - i];
             d = d.isStatic() ? Dim::known(d.value + (*pads)[2 * i] + (*pads)[2 * i + 1])
                              : Dim::unknown();
           }
           setResult(n->output(0), in);
         });
    // Spectral ops: complex results of real inputs (view_as_real gives the [..., 2] form).
    rule({"fft_fft", "fft_rfft"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      std::optional<ScalarType> dt;
      if (in.dtype)
        dt = isComplexType(*in.dtype) ? *in.dtype : complexOf(*in.dtype);
      if (!in.sizes || n->inputs().size() < 3)
        return setResult(n->output(0), dt, std::nullopt);
      auto a = axis(ir::constantInt(n->input(2)), in.sizes->size());
      if (!a)
        return setResult(n->output(0), dt, std::nullopt);
      Dim len = isNone(n->input(1)) ? (*in.sizes)[*a] : dimOfInt(n->input(1));
      if (n->kind().name() == "fft_rfft")
        len = len.isStatic() ? Dim::known(len.value / 2 + 1) : Dim::unknown();
      (*in.sizes)[*a] = len;
      setResult(n->output(0), dt, in.sizes);
    });
    // stft(self, n_fft, hop, win, window, normalized, onesided, return_complex[, align]) and
    // its center form (center and pad_mode after window): [B?, freq, frames] complex, or
    // [B?, freq, frames, 2] real.
    rule({"stft"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      size_t count = n->inputs().size();
      bool centerForm = count >= 10;
      size_t iOnesided = centerForm ? 8 : 6, iComplex = iOnesided + 1;
      std::optional<bool> asComplex = false;
      if (count > iComplex && !isNone(n->input(iComplex)))
        asComplex = constantFlag(n->input(iComplex));
      std::optional<ScalarType> dt = in.dtype;
      if (dt && asComplex && *asComplex)
        dt = isComplexType(*dt) ? *dt : complexOf(*dt);
      auto nfft = ir::constantInt(n->input(1));
      // hop_length defaults to n_fft / 4; 0 stands for unknown (a plain int: gcc 12 warns of a
      // maybe-uninitialized optional here).
      int64_t hopValue = nfft ? *nfft / 4 : 0;
      if (!isNone(n->input(2)))
        hopValue = ir::constantInt(n->input(2)).value_or(0);
      std::optional<bool> center = false;
      if (centerForm)
        center = constantFlag(n->input(5));
      std::optional<bool> onesided = true;
      if (count > iOnesided && !isNone(n->input(iOnesided)))
        onesided = constantFlag(n->input(iOnesided));
      if (!in.sizes || in.sizes->empty() || in.sizes->size() > 2 || !nfft || *nfft <= 0 ||
          hopValue <= 0 || !center || !onesided || !asComplex)
        return setResult(n->output(0), dt, std::nullopt);
      Dims out;
      if (in.sizes->size() == 2)
        out.push_back((*in.sizes)[0]);
      out.push_back(Dim::known(*onesided ? *nfft / 2 + 1 : *nfft));
      Dim len = in.sizes->back();
      int64_t padded = len.isStatic() ? len.value + (*center ? 2 * (*nfft / 2) : 0) : -1;
      out.push_back(padded >= *nfft ? Dim::known(1 + (padded - *nfft) / hopValue) : Dim::unknown());
      if (!*asComplex)
        out.push_back(Dim::known(2));
      setResult(n->output(0), dt, out);
    });
    // abs of a complex tensor is real; view_as_real appends the pair dim.
    rule({"abs"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (in.dtype && isComplexType(*in.dtype))
        in.dtype = realOf(*in.dtype);
      setResult(n->output(0), in);
    });
    rule({"view_as_real"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (in.dtype && isComplexType(*in.dtype))
        in.dtype = realOf(*in.dtype);
      if (in.sizes)
        in.sizes->push_back(Dim::known(2));
      setResult(n->output(0), in);
    });
    rule({"index"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      std::optional<Dims> sizes;
      if (in.sizes && n->inputs().size() == 2)
        sizes = indexedSizes(*in.sizes, n->input(1));
      setResult(n->output(0), in.dtype, sizes);
    });
    // torchvision's detection ops: roi_align / roi_pool(input [N, C, H, W], rois [K, 5],
    // spatial_scale, pooled_height, pooled_width, ...) give [K, C, ph, pw] of the input's dtype
    // (roi_pool also int64 argmaxes); nms gives the kept indices, int64 [*].
    rules_[ir::Symbol::fromQualString("torchvision::roi_align")] = [](ir::Node *n) {
      Info in = infoOf(n->input(0)), rois = infoOf(n->input(1));
      std::optional<Dims> sizes;
      if (in.sizes && in.sizes->size() == 4 && n->inputs().size() >= 5)
        sizes = Dims{rois.sizes && !rois.sizes->empty() ? (*rois.sizes)[0] : Dim::unknown(),
                     (*in.sizes)[1], dimOfInt(n->input(3)), dimOfInt(n->input(4))};
      setResult(n->output(0), in.dtype, sizes);
    };
    rules_[ir::Symbol::fromQualString("torchvision::nms")] = [](ir::Node *n) {
      setResult(n->output(0), ScalarType::Int64, Dims{Dim::unknown()});
    };
    // glu(self, dim=-1): the halves along dim multiplied, so that dim halves.
    rule({"glu"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (in.sizes) {
        auto a =
            axis(n->inputs().size() > 1 ? ir::constantInt(n->input(1)) : std::optional<int64_t>(-1),
                 in.sizes->size());
        if (!a) {
          in.sizes.reset();
        } else {
          Dim &d = (*in.sizes)[*a];
          d = d.isStatic() ? Dim::known(d.value / 2) : Dim::unknown();
        }
      }
      setResult(n->output(0), in);
    });
    // topk(self, k, dim=-1, largest, sorted): values and int64 indices, dim `dim` of size k.
    rule({"topk"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      std::optional<Dims> sizes;
      if (in.sizes && n->inputs().size() >= 3) {
        auto a = axis(ir::constantInt(n->input(2)), in.sizes->size());
        if (a) {
          sizes = in.sizes;
          (*sizes)[*a] = dimOfInt(n->input(1));
        }
      }
      setResult(n->output(0), in.dtype, sizes);
      if (n->outputs().size() > 1)
        setResult(n->output(1), ScalarType::Int64, sizes);
    });
    // _pack_padded_sequence(input, lengths, batch_first): the packed data [sum(lengths), *]
    // (the input's dtype and trailing dims) and the int64 batch sizes per time step.
    rule({"_pack_padded_sequence"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      std::optional<Dims> data;
      if (in.sizes && in.sizes->size() >= 2) {
        data = Dims{Dim::unknown()};
        data->insert(data->end(), in.sizes->begin() + 2, in.sizes->end());
      }
      setResult(n->output(0), in.dtype, data);
      if (n->outputs().size() > 1)
        setResult(n->output(1), ScalarType::Int64, Dims{Dim::unknown()});
    });
    // _pad_packed_sequence(data, batch_sizes, batch_first, padding_value, total_length): the
    // padded [T, batch, *] (or batch-first) tensor of the data's dtype and trailing dims, and
    // the int64 lengths.
    rule({"_pad_packed_sequence"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      std::optional<Dims> padded;
      if (in.sizes && !in.sizes->empty()) {
        padded = Dims{Dim::unknown(), Dim::unknown()};
        padded->insert(padded->end(), in.sizes->begin() + 1, in.sizes->end());
      }
      setResult(n->output(0), in.dtype, padded);
      if (n->outputs().size() > 1)
        setResult(n->output(1), ScalarType::Int64, Dims{Dim::unknown()});
    });
    // sort: values like the input, int64 indices of the same shape; argsort: the indices.
    rule({"sort", "msort"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      setResult(n->output(0), in);
      if (n->outputs().size() > 1)
        setResult(n->output(1), ScalarType::Int64, in.sizes);
    });
    rule({"argsort"}, [](ir::Node *n) {
      setResult(n->output(0), ScalarType::Int64, infoOf(n->input(0)).sizes);
    });
    // arange(end | start, end[, step], dtype, ...): 1-D, ceil((end - start) / step) elements
    // for constant bounds; int64 for int bounds, float32 for float ones, or the dtype given.
    rule({"arange"}, [](ir::Node *n) {
      size_t count = n->inputs().size();
      // The overloads: (end, dtype, layout, device, pin) 5; (start, end, dtype, ...) 6;
      // (start, end, step, dtype, ...) 7.
      size_t bounds = count == 5 ? 1 : count == 6 ? 2 : count == 7 ? 3 : 0;
      if (bounds == 0)
        return;
      bool floats = false;
      std::vector<double> b;
      for (size_t i = 0; i < bounds; ++i) {
        const ir::Value *v = n->input(i);
        floats |= v->type()->is(ir::TypeKind::Float);
        const ir::AttributeValue *a = ir::constantValue(v);
        if (const int64_t *x = a ? a->getIf<int64_t>() : nullptr)
          b.push_back(double(*x));
        else if (const double *x = a ? a->getIf<double>() : nullptr)
          b.push_back(*x);
      }
      std::optional<ScalarType> dt = floats ? ScalarType::Float32 : ScalarType::Int64;
      if (!isNone(n->input(bounds)))
        dt = dtypeArg(n->input(bounds));
      Dim len = Dim::unknown();
      if (b.size() == bounds) {
        double start = bounds == 1 ? 0 : b[0], end = bounds == 1 ? b[0] : b[1];
        double step = bounds == 3 ? b[2] : 1;
        if (step != 0)
          len = Dim::known(std::max<int64_t>(0, int64_t(std::ceil((end - start) / step))));
      }
      setResult(n->output(0), dt, Dims{len});
    });
    rule({"gather"}, [](ir::Node *n) {
      setResult(n->output(0), infoOf(n->input(0)).dtype, infoOf(n->input(2)).sizes);
    });
    // Reductions.
    rule({"sum", "mean", "amax", "amin", "prod", "logsumexp", "max", "min", "argmax", "argmin",
          "norm", "frobenius_norm", "linalg_vector_norm", "std", "var", "all", "any"},
         [](ir::Node *n) { reduce(n); });
    // Factories.
    // new_zeros/new_ones/new_empty(self, size, dtype, ...), new_full(self, size, fill, dtype,
    // ...): the sizes given, self's dtype unless one is given.
    rule({"new_zeros", "new_ones", "new_empty", "new_full"}, [](ir::Node *n) {
      size_t dtypeIndex = n->kind().name() == "new_full" ? 3 : 2;
      std::optional<ScalarType> dt = infoOf(n->input(0)).dtype;
      if (n->inputs().size() > dtypeIndex && !isNone(n->input(dtypeIndex)))
        dt = dtypeArg(n->input(dtypeIndex));
      setResult(n->output(0), dt, n->inputs().size() > 1 ? dimsOfList(n->input(1)) : std::nullopt);
    });
    rule({"zeros", "ones", "empty", "rand", "randn", "full"}, [](ir::Node *n) {
      bool full = n->kind().name() == "full";
      size_t dtypeIndex = full ? 2 : 1;
      std::optional<ScalarType> dt = ScalarType::Float32;
      if (n->inputs().size() > dtypeIndex && !isNone(n->input(dtypeIndex)))
        dt = dtypeArg(n->input(dtypeIndex));
      else if (full && n->inputs().size() > 1) {
        // torch >= 1.12 infers full's dtype from the fill value.
        ir::TypeKind k = n->input(1)->type()->kind();
        dt = k == ir::TypeKind::Int    ? ScalarType::Int64
             : k == ir::TypeKind::Bool ? ScalarType::Bool
                                       : ScalarType::Float32;
      }
      setResult(n->output(0), dt, dimsOfList(n->input(0)));
    });
    rule({"tensor", "scalar_tensor"}, [](ir::Node *n) {
      const ir::Value *data = n->input(0);
      std::optional<ScalarType> dt;
      if (n->inputs().size() > 1 && !isNone(n->input(1)))
        dt = dtypeArg(n->input(1));
      else if (data->type()->is(ir::TypeKind::Int))
        dt = ScalarType::Int64;
      else if (data->type()->is(ir::TypeKind::Float))
        dt = ScalarType::Float32;
      else if (data->type()->is(ir::TypeKind::Bool))
        dt = ScalarType::Bool;
      std::optional<Dims> sizes;
      if (!data->type()->is(ir::TypeKind::List))
        sizes = Dims{};
      else if (data->node()->kind() == ir::prim::ListConstruct &&
               !data->type()->elementType()->is(ir::TypeKind::List)) {
        sizes = Dims{Dim::known(int64_t(data->node()->inputs().size()))};
        if (!dt) {
          ir::TypeKind k = data->type()->elementType()->kind();
          dt = k == ir::TypeKind::Int     ? std::optional(ScalarType::Int64)
               : k == ir::TypeKind::Float ? std::optional(ScalarType::Float32)
                                          : std::nullopt;
        }
      }
      setResult(n->output(0), dt, sizes);
    });
    rules_[ir::prim::NumToTensor] = [](ir::Node *n) {
      ir::TypeKind k = n->input(0)->type()->kind();
      std::optional<ScalarType> dt = k == ir::TypeKind::Int     ? ScalarType::Int64
                                     : k == ir::TypeKind::Float ? ScalarType::Float64
                                     : k == ir::TypeKind::Bool  ? ScalarType::Bool
                                                                : std::optional<ScalarType>();
      setResult(n->output(0), dt, Dims{});
    };
    // A refinement (Optional[Tensor] -> Tensor) of a value whose type is known.
    rules_[ir::prim::unchecked_cast] = [](ir::Node *n) {
      if (n->inputs().size() == 1 && n->input(0)->type()->isTensor())
        setResult(n->output(0), infoOf(n->input(0)).dtype, infoOf(n->input(0)).sizes);
    };
    // Recurrent layers: output (seq-major unless batch_first), h_n, c_n.
    rule({"lstm", "gru", "rnn_tanh", "rnn_relu"}, [](ir::Node *n) { recurrent(n); });
  }

  absl::flat_hash_map<ir::Symbol, Rule> rules_;
};

} // namespace

bool inferAtenTypes(ir::Node *n) {
  static const RuleTable table;
  if (n->outputs().empty())
    return false;
  return table.infer(n);
}

size_t broadcastOperands(const ir::Node &n) {
  static const absl::flat_hash_map<ir::Symbol, size_t> explicitOps = [] {
    absl::flat_hash_map<ir::Symbol, size_t> m;
    for (const char *name : kElementwiseBinary)
      m[ir::Symbol::fromQualString(std::string("aten::") + name)] = 2;
    for (const char *name : {"div", "true_divide", "divide"})
      m[ir::Symbol::fromQualString(std::string("aten::") + name)] = 2;
    m[ir::Symbol::fromQualString("aten::where")] = 3;
    return m;
  }();
  if (auto it = explicitOps.find(n.kind()); it != explicitOps.end())
    return it->second;
  const PointwiseRule *rule = pointwiseRule(n.kind());
  return rule ? rule->operands : 0;
}

} // namespace ts2onnx::semantics
