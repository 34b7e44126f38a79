// propagate-shapes: dtype and shape inference over aten ops, the types the symbolics read.
//
// Given: a frozen, functional graph whose inputs carry the types the user gave (`Float(1, 3,
//        224, 224)`, symbolic dims such as `batch`) and whose weights are typed constants.
// Does:  walks the graph in program order and sets each tensor output's dtype and sizes
//        (ir::TensorInfo, dims as ir::Dim) where the op is known: elementwise ops with
//        broadcasting and torch's type promotion (dimensioned tensors over 0-d tensors over
//        Python numbers, categories bool < int < float); comparisons (bool); unary float ops
//        (int -> float32); conv/conv_transpose/pooling/adaptive pooling output sizes; linear,
//        matmul/mm/bmm/addmm; view/reshape (with -1), flatten, permute/transpose/t,
//        (un)squeeze, expand, cat/stack, upsample_* (rank, given sizes), slice/select/narrow,
//        index_select, reductions with dims and keepdim, norms and softmax (shape kept), embedding,
//        where, masked_fill, factories (zeros/ones/full/*_like, tensor, NumToTensor), casts (to,
//        type_as), scatter ops, and the outputs of lstm/gru (best effort). If outputs merge both
//        branches; loop- carried values are iterated to a fixed point. A dim that equals an input
//        dim keeps its symbol (`batch`); ints made by aten::size of a symbolic dim carry it into
//        view shapes. Unknown ops leave their outputs as they are.
// Result: the same graph with more precise tensor types; nothing is added or removed.
//         Linear time (loop bodies are walked at most three times).
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

using ir::Dim;
using ir::ScalarType;
using Dims = std::vector<Dim>;

struct Info {
  std::optional<ScalarType> dtype;
  std::optional<Dims> sizes;
};

// --- reading operands ---------------------------------------------------------------------------

Info infoOf(const ir::Value *v) {
  if (!v->type()->isTensor())
    return {};
  const ir::TensorInfo &t = v->type()->tensorInfo();
  return {t.dtype, t.sizes};
}

const ir::AttributeValue *constantAttr(const ir::Value *v) { return ir::constantValue(v); }

bool isNone(const ir::Value *v) { return v->type()->is(ir::TypeKind::None); }

/// An int value as a dimension: a constant, or aten::size of a tensor dim (through
/// NumToTensor/Int as traces write it).
Dim dimOfInt(const ir::Value *v) {
  if (auto i = ir::constantInt(v))
    return Dim::known(*i);
  const ir::Node *n = v->node();
  std::string_view k = n->kind().qualString();
  if ((k == "aten::Int" || k == "prim::NumToTensor" || k == "aten::ScalarImplicit") &&
      n->inputs().size() == 1)
    return dimOfInt(n->input(0));
  auto sizeDim = [](const ir::Value *t, std::optional<int64_t> d) -> Dim {
    Info in = infoOf(t);
    if (!in.sizes || !d)
      return Dim::unknown();
    int64_t r = int64_t(in.sizes->size());
    int64_t i = *d < 0 ? *d + r : *d;
    return i >= 0 && i < r ? (*in.sizes)[size_t(i)] : Dim::unknown();
  };
  if (k == "aten::size" && n->inputs().size() == 2)
    return sizeDim(n->input(0), ir::constantInt(n->input(1)));
  if (k == "aten::__getitem__" && n->inputs().size() == 2 &&
      n->input(0)->node()->kind().qualString() == "aten::size" &&
      n->input(0)->node()->inputs().size() == 1)
    return sizeDim(n->input(0)->node()->input(0), ir::constantInt(n->input(1)));
  return Dim::unknown();
}

/// An int[] value as dims: a constant list, a ListConstruct of ints, or aten::size(t).
std::optional<Dims> dimsOfList(const ir::Value *v) {
  if (const ir::AttributeValue *a = constantAttr(v))
    if (const auto *is = a->getIf<std::vector<int64_t>>()) {
      Dims out;
      for (int64_t i : *is)
        out.push_back(Dim::known(i));
      return out;
    }
  const ir::Node *n = v->node();
  if (n->kind() == ir::prim::ListConstruct) {
    Dims out;
    for (const ir::Value *e : n->inputs())
      out.push_back(dimOfInt(e));
    return out;
  }
  if (n->kind().qualString() == "aten::size" && n->inputs().size() == 1)
    return infoOf(n->input(0)).sizes;
  if (v->type()->is(ir::TypeKind::Int)) // an int where int[] is expected (`kernel_size=3`)
    return Dims{dimOfInt(v)};
  return std::nullopt;
}

/// An int[] value made of constants (a constant list, a ListConstruct of constants, or one int).
std::optional<std::vector<int64_t>> intsOfList(const ir::Value *v) {
  if (const ir::AttributeValue *a = constantAttr(v))
    if (const auto *is = a->getIf<std::vector<int64_t>>())
      return *is;
  if (auto i = ir::constantInt(v))
    return std::vector<int64_t>{*i};
  const ir::Node *n = v->node();
  if (n->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  std::vector<int64_t> out;
  for (const ir::Value *e : n->inputs()) {
    auto i = ir::constantInt(e);
    if (!i)
      return std::nullopt;
    out.push_back(*i);
  }
  return out;
}

/// A normalized dim index for rank `r`.
std::optional<size_t> axis(std::optional<int64_t> d, size_t r) {
  if (!d)
    return std::nullopt;
  int64_t i = *d < 0 ? *d + int64_t(r) : *d;
  if (i < 0 || i >= int64_t(r))
    return std::nullopt;
  return size_t(i);
}

// --- type promotion -------------------------------------------------------------------------

int category(ScalarType t) {
  if (t == ScalarType::Bool)
    return 0;
  if (ir::isIntegralType(t, false))
    return 1;
  if (ir::isFloatingType(t))
    return 2;
  return 3; // complex and the rest
}

int rank(ScalarType t) {
  switch (t) {
  case ScalarType::Bool:
    return 0;
  case ScalarType::UInt8:
  case ScalarType::Int8:
    return 1;
  case ScalarType::Int16:
    return 2;
  case ScalarType::Int32:
    return 3;
  case ScalarType::Int64:
    return 4;
  case ScalarType::Float16:
  case ScalarType::BFloat16:
    return 5;
  case ScalarType::Float32:
    return 6;
  case ScalarType::Float64:
    return 7;
  default:
    return 8;
  }
}

/// torch.promote_types for the types that occur here.
ScalarType promote(ScalarType a, ScalarType b) {
  if (a == b)
    return a;
  if ((a == ScalarType::UInt8 && b == ScalarType::Int8) ||
      (a == ScalarType::Int8 && b == ScalarType::UInt8))
    return ScalarType::Int16;
  if ((a == ScalarType::Float16 && b == ScalarType::BFloat16) ||
      (a == ScalarType::BFloat16 && b == ScalarType::Float16))
    return ScalarType::Float32;
  return rank(a) >= rank(b) ? a : b;
}

/// at::native::result_type: one operand group at a time.
struct Promotion {
  std::optional<ScalarType> dim, zeroDim, wrapped;
  bool unknown = false;

  static void fold(std::optional<ScalarType> &slot, ScalarType t) {
    slot = slot ? promote(*slot, t) : t;
  }
  void addTensor(const ir::Value *v) {
    Info in = infoOf(v);
    if (!in.dtype) {
      unknown = true;
      return;
    }
    if (in.sizes && in.sizes->empty())
      fold(zeroDim, *in.dtype);
    else
      fold(dim, *in.dtype);
  }
  void addScalar(const ir::Value *v) {
    switch (v->type()->kind()) {
    case ir::TypeKind::Int:
      fold(wrapped, ScalarType::Int64);
      return;
    case ir::TypeKind::Float:
      fold(wrapped, ScalarType::Float32); // the default dtype
      return;
    case ir::TypeKind::Bool:
      fold(wrapped, ScalarType::Bool);
      return;
    default:
      unknown = true;
    }
  }
  void add(const ir::Value *v) { v->type()->isTensor() ? addTensor(v) : addScalar(v); }

  static std::optional<ScalarType> combine(std::optional<ScalarType> higher,
                                           std::optional<ScalarType> lower) {
    if (!higher)
      return lower;
    if (!lower)
      return higher;
    if (category(*higher) >= 2)
      return higher;
    if (*higher == ScalarType::Bool || category(*lower) >= 2)
      return promote(*higher, *lower);
    return higher;
  }
  std::optional<ScalarType> result() const {
    if (unknown)
      return std::nullopt;
    return combine(dim, combine(zeroDim, wrapped));
  }
};

// --- shape helpers ------------------------------------------------------------------------------

std::optional<Dims> broadcast(const std::vector<std::optional<Dims>> &shapes) {
  Dims out;
  for (const auto &s : shapes) {
    if (!s)
      return std::nullopt;
    if (s->size() > out.size())
      out.insert(out.begin(), s->size() - out.size(), Dim::known(1));
    size_t off = out.size() - s->size();
    for (size_t i = 0; i < s->size(); ++i) {
      Dim &o = out[off + i];
      const Dim &d = (*s)[i];
      if (o == d || (d.isStatic() && d.value == 1))
        continue;
      if (o.isStatic() && o.value == 1)
        o = d;
      else if (d.isStatic())
        o = d; // the other side must be 1 or equal to it
      else if (!o.isStatic())
        o = Dim::unknown();
    }
  }
  return out;
}

/// Product of dims as a static factor and the symbols; nothing when a dim is unknown.
struct Product {
  int64_t factor = 1;
  std::vector<std::string> symbols;
};
std::optional<Product> product(const Dims &d, size_t from, size_t to) {
  Product p;
  for (size_t i = from; i < to; ++i) {
    if (d[i].isStatic())
      p.factor *= d[i].value;
    else if (d[i].isSymbolic())
      p.symbols.push_back(d[i].symbol);
    else
      return std::nullopt;
  }
  std::sort(p.symbols.begin(), p.symbols.end());
  return p;
}
Dim productDim(const Product &p) {
  if (p.symbols.empty())
    return Dim::known(p.factor);
  if (p.symbols.size() == 1 && p.factor == 1)
    return Dim::named(p.symbols[0]);
  return Dim::unknown();
}

/// The shape of view/reshape(input, shape), resolving one -1.
std::optional<Dims> reshape(const std::optional<Dims> &input, const ir::Value *shapeList) {
  auto target = dimsOfList(shapeList);
  if (!target)
    return std::nullopt;
  // A constant -1 marks the inferred dim (Dim::known(-1) is not static, so look at constants).
  std::optional<size_t> inferred;
  std::vector<bool> isMinusOne(target->size(), false);
  const ir::Node *ln = shapeList->node();
  for (size_t i = 0; i < target->size(); ++i) {
    std::optional<int64_t> c;
    if (ln->kind() == ir::prim::ListConstruct)
      c = ir::constantInt(ln->input(i));
    else if (const ir::AttributeValue *a = constantAttr(shapeList))
      if (const auto *is = a->getIf<std::vector<int64_t>>())
        c = (*is)[i];
    if (c && *c == -1) {
      isMinusOne[i] = true;
      inferred = i;
    }
  }
  if (!inferred)
    return target;
  Dims out = *target;
  out[*inferred] = Dim::unknown();
  if (!input)
    return out;
  auto total = product(*input, 0, input->size());
  Dims others;
  for (size_t i = 0; i < out.size(); ++i)
    if (i != *inferred)
      others.push_back(out[i]);
  auto known = product(others, 0, others.size());
  if (!total || !known || known->factor == 0 || total->factor % known->factor != 0)
    return out;
  Product rest{total->factor / known->factor, {}};
  std::vector<std::string> remaining = total->symbols;
  for (const std::string &s : known->symbols) {
    auto it = std::find(remaining.begin(), remaining.end(), s);
    if (it == remaining.end())
      return out;
    remaining.erase(it);
  }
  rest.symbols = remaining;
  out[*inferred] = productDim(rest);
  return out;
}

/// floor((in + 2p - d(k-1) - 1) / s) + 1, rounded up when `ceil`.
Dim windowOut(const Dim &in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil) {
  if (!in.isStatic() || s <= 0)
    return Dim::unknown();
  int64_t num = in.value + 2 * p - d * (k - 1) - 1;
  int64_t out = (ceil ? (num + s - 1) / s : num / s) + 1;
  if (ceil && (out - 1) * s >= in.value + p)
    --out;
  return Dim::known(std::max<int64_t>(out, 0));
}

/// The i-th entry of a per-spatial-dim list (a single entry applies to all).
int64_t pick(const std::vector<int64_t> &v, size_t i, int64_t dflt) {
  if (v.empty())
    return dflt;
  return v.size() == 1 ? v[0] : (i < v.size() ? v[i] : dflt);
}

// --- the pass -----------------------------------------------------------------------------------

class ShapePropagation {
public:
  ShapePropagation() { registerRules(); }

  void run(ir::Block *b) {
    for (ir::Node *n : b->nodes()) {
      if (n->kind() == ir::prim::If)
        handleIf(n);
      else if (n->kind() == ir::prim::Loop)
        handleLoop(n);
      else {
        for (ir::Block *sub : n->blocks())
          run(sub);
        infer(n);
      }
    }
  }

private:
  using Rule = std::function<void(ir::Node *)>;

  static void set(ir::Value *v, std::optional<ScalarType> dtype, std::optional<Dims> sizes) {
    if (!v->type()->isTensor())
      return;
    ir::TensorInfo info = v->type()->tensorInfo();
    bool changed = false;
    if (dtype && info.dtype != dtype) {
      info.dtype = dtype;
      changed = true;
    }
    if (sizes && info.sizes != sizes) {
      info.sizes = std::move(sizes);
      info.strides.reset();
      changed = true;
    }
    if (changed)
      v->setType(ir::Type::tensor(std::move(info)));
  }
  static void set(ir::Value *v, const Info &i) { set(v, i.dtype, i.sizes); }

  static std::optional<ScalarType> dtypeArg(const ir::Value *v) {
    if (auto i = ir::constantInt(v))
      if (*i >= 0 && *i < ir::kNumScalarTypes)
        return static_cast<ScalarType>(*i);
    return std::nullopt;
  }

  void infer(ir::Node *n) {
    if (n->outputs().empty())
      return;
    auto it = rules_.find(n->kind());
    if (it != rules_.end())
      it->second(n);
  }

  // --- control flow ---------------------------------------------------------------------------
  static ir::TypePtr merge(const ir::TypePtr &a, const ir::TypePtr &b) {
    if (!a->isTensor() || !b->isTensor())
      return nullptr;
    const ir::TensorInfo &x = a->tensorInfo(), &y = b->tensorInfo();
    ir::TensorInfo out;
    if (x.dtype == y.dtype)
      out.dtype = x.dtype;
    if (x.sizes && y.sizes && x.sizes->size() == y.sizes->size()) {
      Dims d;
      for (size_t i = 0; i < x.sizes->size(); ++i)
        d.push_back((*x.sizes)[i] == (*y.sizes)[i] ? (*x.sizes)[i] : Dim::unknown());
      out.sizes = d;
    }
    return ir::Type::tensor(std::move(out));
  }

  void handleIf(ir::Node *n) {
    for (ir::Block *sub : n->blocks())
      run(sub);
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      ir::Value *out = n->output(i);
      if (!out->type()->isTensor() || n->blocks().size() != 2)
        continue;
      ir::TypePtr m =
          merge(n->blocks()[0]->outputs()[i]->type(), n->blocks()[1]->outputs()[i]->type());
      if (m)
        set(out, m->tensorInfo().dtype, m->tensorInfo().sizes);
    }
  }

  void handleLoop(ir::Node *n) {
    ir::Block *body = n->blocks()[0];
    size_t carried = n->inputs().size() - 2;
    for (size_t i = 0; i < carried; ++i) {
      ir::Value *p = body->inputs()[i + 1];
      if (p->type()->isTensor() && n->input(i + 2)->type()->isTensor())
        p->setType(n->input(i + 2)->type());
    }
    for (int round = 0; round < 3; ++round) {
      run(body);
      bool changed = false;
      for (size_t i = 0; i < carried; ++i) {
        ir::Value *p = body->inputs()[i + 1];
        ir::TypePtr m = merge(p->type(), body->outputs()[i + 1]->type());
        if (m && !m->equals(*p->type())) {
          p->setType(m);
          changed = true;
        }
      }
      if (!changed)
        break;
    }
    for (size_t i = 0; i < carried && i < n->outputs().size(); ++i)
      if (n->output(i)->type()->isTensor() && body->inputs()[i + 1]->type()->isTensor()) {
        const ir::TensorInfo &t = body->inputs()[i + 1]->type()->tensorInfo();
        set(n->output(i), t.dtype, t.sizes);
      }
  }

  // --- rules ----------------------------------------------------------------------------------
  void rule(std::initializer_list<const char *> names, Rule r) {
    for (const char *name : names)
      rules_[ir::Symbol::fromQualString(std::string("aten::") + name)] = r;
  }

  void registerRules() {
    // The pieces of chunk/split/unbind, unpacked: the source's dtype and rank (unbind drops the
    // dim), the split dim's size when it follows from constants.
    rules_[ir::prim::ListUnpack] = [](ir::Node *n) {
      const ir::Node *p = n->input(0)->node();
      std::string_view k = p->kind().isNamespace("aten") ? p->kind().name() : "";
      bool unbind = k == "unbind";
      bool chunk = k == "chunk" || k == "unsafe_chunk";
      if (!unbind && !chunk && k != "split" && k != "split_with_sizes" && k != "unsafe_split")
        return;
      Info src = infoOf(p->input(0));
      size_t dimIndex = unbind ? 1 : 2;
      std::optional<int64_t> d = p->inputs().size() > dimIndex ? ir::constantInt(p->input(dimIndex))
                                                               : std::optional<int64_t>(0);
      const auto axOpt = src.sizes ? axis(d, src.sizes->size()) : std::nullopt;
      const size_t ax = axOpt.value_or(0); // read only when axOpt is set
      for (size_t i = 0; i < n->outputs().size(); ++i) {
        std::optional<Dims> sizes;
        if (src.sizes && axOpt) {
          sizes = src.sizes;
          const Dim whole = (*sizes)[ax];
          if (unbind) {
            sizes->erase(sizes->begin() + std::ptrdiff_t(ax));
          } else {
            Dim piece = Dim::unknown();
            bool listed = p->input(1)->type()->is(ir::TypeKind::List);
            auto pieces = listed ? intsOfList(p->input(1)) : std::nullopt;
            auto each = listed ? std::nullopt : ir::constantInt(p->input(1));
            if (pieces && i < pieces->size()) {
              piece = Dim::known((*pieces)[i]);
            } else if (whole.isStatic() && each && *each > 0) {
              // chunk: ceil(size / chunks) each; split: `each` each; the last may be shorter.
              int64_t c = chunk ? (whole.value + *each - 1) / *each : *each;
              int64_t start = int64_t(i) * c;
              piece = Dim::known(std::max<int64_t>(0, std::min(c, whole.value - start)));
            }
            (*sizes)[ax] = piece;
          }
        }
        set(n->output(i), src.dtype, sizes);
      }
    };
    // Same shape and dtype as the first input.
    rule({"relu", "relu6", "hardtanh", "hardswish", "hardsigmoid", "silu", "gelu", "leaky_relu",
          "elu", "selu", "celu", "softplus", "mish", "neg", "abs", "clamp", "clamp_min",
          "clamp_max", "clip", "dropout", "feature_dropout", "alpha_dropout",
          "feature_alpha_dropout", "contiguous", "clone", "detach", "floor", "ceil", "round",
          "trunc", "sign", "bitwise_not", "batch_norm", "layer_norm", "group_norm", "instance_norm",
          "masked_fill", "fill", "zeros_like", "ones_like", "empty_like", "rand_like", "randn_like",
          "slice_scatter", "select_scatter", "index_put", "scatter", "scatter_add", "prelu",
          "native_dropout", "lift_fresh", "alias", "tril", "triu", "cumsum", "flip", "roll",
          "constant_pad_nd_like_self", "_transformer_encoder_layer_fwd",
          // Output 0 is shaped like the query; the weights output is left unknown.
          "_native_multi_head_attention"},
         [](ir::Node *n) {
           Info in = infoOf(n->input(0));
           set(n->output(0), in);
           if (n->kind().name() == "cumsum" && n->inputs().size() == 3)
             if (auto d = dtypeArg(n->input(2)))
               set(n->output(0), d, std::nullopt);
         });
    for (const char *like : {"zeros_like", "ones_like", "empty_like", "full_like"})
      rule({like}, [](ir::Node *n) {
        Info in = infoOf(n->input(0));
        size_t dtypeIndex = n->kind().name() == "full_like" ? 2 : 1;
        if (n->inputs().size() > dtypeIndex)
          if (auto d = dtypeArg(n->input(dtypeIndex)))
            in.dtype = d;
        set(n->output(0), in);
      });
    // Float results for int inputs.
    rule({"sigmoid", "tanh",  "exp",  "log",  "log2", "log10",      "log1p",
          "sqrt",    "rsqrt", "erf",  "erfc", "sin",  "cos",        "tan",
          "asin",    "acos",  "atan", "sinh", "cosh", "reciprocal", "expm1"},
         [](ir::Node *n) {
           Info in = infoOf(n->input(0));
           if (in.dtype && category(*in.dtype) < 2)
             in.dtype = ScalarType::Float32;
           set(n->output(0), in);
         });
    for (const char *sm : {"softmax", "log_softmax"})
      rule({sm}, [](ir::Node *n) {
        Info in = infoOf(n->input(0));
        if (n->inputs().size() == 3)
          if (auto d = dtypeArg(n->input(2)))
            in.dtype = d;
        set(n->output(0), in);
      });
    // Elementwise with broadcasting and promotion over all tensor/number operands.
    auto elementwise = [](size_t operands, bool toFloat, bool toBool) {
      return [=](ir::Node *n) {
        Promotion p;
        std::vector<std::optional<Dims>> shapes;
        for (size_t i = 0; i < operands && i < n->inputs().size(); ++i) {
          const ir::Value *v = n->input(i);
          p.add(v);
          if (v->type()->isTensor())
            shapes.push_back(infoOf(v).sizes);
        }
        std::optional<ScalarType> dt = p.result();
        if (toFloat && dt && category(*dt) < 2)
          dt = ScalarType::Float32;
        if (toBool)
          dt = ScalarType::Bool;
        set(n->output(0), dt, broadcast(shapes));
      };
    };
    rule({"add", "sub", "mul", "rsub", "pow", "remainder", "fmod", "maximum", "minimum", "atan2",
          "floor_divide", "bitwise_and", "bitwise_or", "bitwise_xor", "__and__", "__or__",
          "__xor__", "hypot"},
         elementwise(2, false, false));
    rule({"div", "true_divide", "divide"}, [elementwise](ir::Node *n) {
      // With a rounding mode the result keeps the promoted (maybe int) type.
      bool rounding = n->inputs().size() == 3 && !isNone(n->input(2));
      elementwise(2, !rounding, false)(n);
    });
    rule({"eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "isnan",
          "isinf", "logical_not"},
         elementwise(2, false, true));
    rule({"where"}, [](ir::Node *n) {
      if (n->inputs().size() != 3)
        return;
      Promotion p;
      p.add(n->input(1));
      p.add(n->input(2));
      std::vector<std::optional<Dims>> shapes;
      for (const ir::Value *v : n->inputs())
        if (v->type()->isTensor())
          shapes.push_back(infoOf(v).sizes);
      set(n->output(0), p.result(), broadcast(shapes));
    });
    rule({"type_as"}, [](ir::Node *n) {
      set(n->output(0), infoOf(n->input(1)).dtype, infoOf(n->input(0)).sizes);
    });
    rule({"expand_as", "view_as", "reshape_as"}, [](ir::Node *n) {
      set(n->output(0), infoOf(n->input(0)).dtype, infoOf(n->input(1)).sizes);
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
      set(n->output(0), in);
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
             return set(n->output(0), in.dtype, std::nullopt);
           Dims out(in.sizes->begin(), in.sizes->end() - long(size->size()));
           for (size_t i = 0; i < size->size(); ++i) {
             // None entries (keep the input size) read as unknown.
             const Dim &d = (*size)[i];
             out.push_back(d.isStatic() ? d : (*in.sizes)[in.sizes->size() - size->size() + i]);
           }
           set(n->output(0), in.dtype, out);
           if (n->outputs().size() == 2)
             set(n->output(1), ScalarType::Int64, out);
         });
    // Interpolation keeps batch and channels; the spatial sizes are the output size when it
    // is given (else unknown), so at least the rank is known.
    rule({"upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d",
          "_upsample_nearest_exact1d", "_upsample_nearest_exact2d", "_upsample_nearest_exact3d",
          "upsample_linear1d", "upsample_bilinear2d", "upsample_trilinear3d", "upsample_bicubic2d"},
         [](ir::Node *n) {
           Info in = infoOf(n->input(0));
           if (!in.sizes || in.sizes->size() < 3)
             return set(n->output(0), in.dtype, std::nullopt);
           size_t spatial = in.sizes->size() - 2;
           Dims out(in.sizes->begin(), in.sizes->begin() + 2);
           auto size = n->inputs().size() > 1 && !isNone(n->input(1)) ? dimsOfList(n->input(1))
                                                                      : std::nullopt;
           for (size_t i = 0; i < spatial; ++i)
             out.push_back(size && size->size() == spatial ? (*size)[i] : Dim::unknown());
           set(n->output(0), in.dtype, out);
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
      set(n->output(0), in.dtype, out);
    });
    rule({"matmul", "mm", "bmm"}, [](ir::Node *n) {
      set(n->output(0), infoOf(n->input(0)).dtype,
          matmul(infoOf(n->input(0)).sizes, infoOf(n->input(1)).sizes));
    });
    rule({"addmm", "baddbmm"}, [](ir::Node *n) {
      set(n->output(0), infoOf(n->input(1)).dtype,
          matmul(infoOf(n->input(1)).sizes, infoOf(n->input(2)).sizes));
    });
    rule({"embedding"}, [](ir::Node *n) {
      Info w = infoOf(n->input(0)), idx = infoOf(n->input(1));
      std::optional<Dims> out;
      if (w.sizes && w.sizes->size() == 2 && idx.sizes) {
        out = *idx.sizes;
        out->push_back((*w.sizes)[1]);
      }
      set(n->output(0), w.dtype, out);
    });
    // Shape manipulation.
    rule({"view", "reshape", "_reshape_alias"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      set(n->output(0), in.dtype, reshape(in.sizes, n->input(1)));
    });
    rule({"flatten"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes || n->inputs().size() != 3)
        return set(n->output(0), in.dtype, std::nullopt);
      size_t r = in.sizes->size();
      if (r == 0)
        return set(n->output(0), in.dtype, Dims{Dim::known(1)});
      auto s = axis(ir::constantInt(n->input(1)), r), e = axis(ir::constantInt(n->input(2)), r);
      if (!s || !e || *s > *e)
        return set(n->output(0), in.dtype, std::nullopt);
      Dims out(in.sizes->begin(), in.sizes->begin() + long(*s));
      auto p = product(*in.sizes, *s, *e + 1);
      out.push_back(p ? productDim(*p) : Dim::unknown());
      out.insert(out.end(), in.sizes->begin() + long(*e) + 1, in.sizes->end());
      set(n->output(0), in.dtype, out);
    });
    rule({"permute"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      auto perm = intsOfList(n->input(1));
      if (!in.sizes || !perm || perm->size() != in.sizes->size())
        return set(n->output(0), in.dtype, std::nullopt);
      Dims out;
      for (int64_t p : *perm) {
        auto a = axis(p, in.sizes->size());
        if (!a)
          return set(n->output(0), in.dtype, std::nullopt);
        out.push_back((*in.sizes)[*a]);
      }
      set(n->output(0), in.dtype, out);
    });
    rule({"transpose", "swapaxes", "swapdims"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes || n->inputs().size() != 3)
        return set(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size());
      auto b = axis(ir::constantInt(n->input(2)), in.sizes->size());
      if (!a || !b)
        return set(n->output(0), in.dtype, std::nullopt);
      Dims out = *in.sizes;
      std::swap(out[*a], out[*b]);
      set(n->output(0), in.dtype, out);
    });
    rule({"t", "numpy_T"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (in.sizes && in.sizes->size() <= 2)
        std::reverse(in.sizes->begin(), in.sizes->end());
      else
        in.sizes.reset();
      set(n->output(0), in);
    });
    rule({"unsqueeze"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes)
        return set(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size() + 1);
      if (!a)
        return set(n->output(0), in.dtype, std::nullopt);
      in.sizes->insert(in.sizes->begin() + long(*a), Dim::known(1));
      set(n->output(0), in);
    });
    rule({"squeeze"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes)
        return set(n->output(0), in.dtype, std::nullopt);
      Dims out;
      if (n->inputs().size() == 1) {
        for (const Dim &d : *in.sizes) {
          if (!d.isStatic())
            return set(n->output(0), in.dtype, std::nullopt);
          if (d.value != 1)
            out.push_back(d);
        }
        return set(n->output(0), in.dtype, out);
      }
      std::vector<int64_t> dims;
      if (auto d = ir::constantInt(n->input(1)))
        dims.push_back(*d);
      else if (auto l = intsOfList(n->input(1)))
        dims = *l;
      else
        return set(n->output(0), in.dtype, std::nullopt);
      std::vector<bool> drop(in.sizes->size(), false);
      for (int64_t d : dims) {
        auto a = axis(d, in.sizes->size());
        if (!a)
          return set(n->output(0), in.dtype, std::nullopt);
        const Dim &x = (*in.sizes)[*a];
        if (!x.isStatic())
          return set(n->output(0), in.dtype, std::nullopt);
        drop[*a] = x.value == 1;
      }
      for (size_t i = 0; i < in.sizes->size(); ++i)
        if (!drop[i])
          out.push_back((*in.sizes)[i]);
      set(n->output(0), in.dtype, out);
    });
    rule({"expand"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      auto size = dimsOfList(n->input(1));
      if (!size)
        return set(n->output(0), in.dtype, std::nullopt);
      Dims out = *size;
      const ir::Node *ln = n->input(1)->node();
      for (size_t i = 0; i < out.size(); ++i) {
        bool minusOne =
            ln->kind() == ir::prim::ListConstruct && ir::constantInt(ln->input(i)) == -1;
        if (const ir::AttributeValue *a = constantAttr(n->input(1)))
          if (const auto *is = a->getIf<std::vector<int64_t>>())
            minusOne = (*is)[i] == -1;
        if (minusOne) {
          size_t lead = out.size() - (in.sizes ? in.sizes->size() : 0);
          out[i] = in.sizes && i >= lead ? (*in.sizes)[i - lead] : Dim::unknown();
        }
      }
      set(n->output(0), in.dtype, out);
    });
    rule({"repeat"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      auto reps = intsOfList(n->input(1));
      if (!in.sizes || !reps || reps->size() < in.sizes->size())
        return set(n->output(0), in.dtype, std::nullopt);
      Dims out;
      size_t lead = reps->size() - in.sizes->size();
      for (size_t i = 0; i < reps->size(); ++i) {
        Dim d = i < lead ? Dim::known(1) : (*in.sizes)[i - lead];
        out.push_back((*reps)[i] == 1 ? d
                      : d.isStatic()  ? Dim::known(d.value * (*reps)[i])
                                      : Dim::unknown());
      }
      set(n->output(0), in.dtype, out);
    });
    rule({"cat", "concat", "concatenate", "stack"}, [](ir::Node *n) {
      const ir::Node *list = n->input(0)->node();
      if (list->kind() != ir::prim::ListConstruct || list->inputs().empty())
        return;
      Promotion p;
      std::vector<Info> parts;
      for (const ir::Value *v : list->inputs()) {
        p.addTensor(v);
        parts.push_back(infoOf(v));
      }
      bool stack = n->kind().name() == "stack";
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
      set(n->output(0), p.result(), out);
    });
    rule({"slice"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes || n->inputs().size() != 5)
        return set(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size());
      if (!a)
        return set(n->output(0), in.dtype, std::nullopt);
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
      set(n->output(0), in.dtype, out);
    });
    rule({"narrow"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes || n->inputs().size() != 4)
        return set(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size());
      if (!a)
        return set(n->output(0), in.dtype, std::nullopt);
      Dims out = *in.sizes;
      out[*a] = dimOfInt(n->input(3));
      set(n->output(0), in.dtype, out);
    });
    rule({"select"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0));
      if (!in.sizes || n->inputs().size() != 3)
        return set(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size());
      if (!a)
        return set(n->output(0), in.dtype, std::nullopt);
      in.sizes->erase(in.sizes->begin() + long(*a));
      set(n->output(0), in);
    });
    rule({"index_select"}, [](ir::Node *n) {
      Info in = infoOf(n->input(0)), idx = infoOf(n->input(2));
      if (!in.sizes || !idx.sizes || idx.sizes->size() != 1)
        return set(n->output(0), in.dtype, std::nullopt);
      auto a = axis(ir::constantInt(n->input(1)), in.sizes->size());
      if (!a)
        return set(n->output(0), in.dtype, std::nullopt);
      (*in.sizes)[*a] = (*idx.sizes)[0];
      set(n->output(0), in);
    });
    rule({"gather"}, [](ir::Node *n) {
      set(n->output(0), infoOf(n->input(0)).dtype, infoOf(n->input(2)).sizes);
    });
    // Reductions.
    rule({"sum", "mean", "amax", "amin", "prod", "logsumexp", "max", "min", "argmax", "argmin",
          "norm", "frobenius_norm", "linalg_vector_norm", "std", "var", "all", "any"},
         [](ir::Node *n) { reduce(n); });
    // Factories.
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
      set(n->output(0), dt, dimsOfList(n->input(0)));
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
      set(n->output(0), dt, sizes);
    });
    rules_[ir::prim::NumToTensor] = [](ir::Node *n) {
      ir::TypeKind k = n->input(0)->type()->kind();
      std::optional<ScalarType> dt = k == ir::TypeKind::Int     ? ScalarType::Int64
                                     : k == ir::TypeKind::Float ? ScalarType::Float64
                                     : k == ir::TypeKind::Bool  ? ScalarType::Bool
                                                                : std::optional<ScalarType>();
      set(n->output(0), dt, Dims{});
    };
    // A refinement (Optional[Tensor] -> Tensor) of a value whose type is known.
    rules_[ir::prim::unchecked_cast] = [](ir::Node *n) {
      if (n->inputs().size() == 1 && n->input(0)->type()->isTensor())
        set(n->output(0), infoOf(n->input(0)).dtype, infoOf(n->input(0)).sizes);
    };
    // Recurrent layers: output (seq-major unless batch_first), h_n, c_n.
    rule({"lstm", "gru", "rnn_tanh", "rnn_relu"}, [](ir::Node *n) { recurrent(n); });
  }

  static void conv(ir::Node *n, const ir::Value *strideV, const ir::Value *paddingV,
                   const ir::Value *dilationV, bool transposed, const ir::Value *outPadV,
                   const ir::Value *groupsV) {
    Info in = infoOf(n->input(0)), w = infoOf(n->input(1));
    if (!in.sizes || !w.sizes || in.sizes->size() != w.sizes->size() || in.sizes->size() < 3)
      return set(n->output(0), in.dtype, std::nullopt);
    size_t spatial = in.sizes->size() - 2;
    auto stride = intsOfList(strideV), dilation = intsOfList(dilationV);
    std::optional<std::vector<int64_t>> padding, outPad;
    bool same = false;
    if (paddingV->type()->is(ir::TypeKind::Str)) {
      const ir::AttributeValue *a = constantAttr(paddingV);
      const std::string *s = a ? a->getIf<std::string>() : nullptr;
      if (!s)
        return set(n->output(0), in.dtype, std::nullopt);
      same = *s == "same";
      padding = std::vector<int64_t>{0};
    } else {
      padding = intsOfList(paddingV);
    }
    if (outPadV)
      outPad = intsOfList(outPadV);
    else
      outPad = std::vector<int64_t>{0};
    auto groups = ir::constantInt(groupsV);
    Dims out{(*in.sizes)[0]};
    const Dim &wOut = (*w.sizes)[transposed ? 1 : 0];
    if (transposed)
      out.push_back(wOut.isStatic() && groups ? Dim::known(wOut.value * *groups) : Dim::unknown());
    else
      out.push_back(wOut);
    for (size_t i = 0; i < spatial; ++i) {
      const Dim &x = (*in.sizes)[i + 2];
      const Dim &k = (*w.sizes)[i + 2];
      if (same) {
        out.push_back(x);
        continue;
      }
      if (!stride || !padding || !dilation || !outPad || !k.isStatic() || !x.isStatic()) {
        out.push_back(Dim::unknown());
        continue;
      }
      int64_t s = pick(*stride, i, 1), p = pick(*padding, i, 0), d = pick(*dilation, i, 1);
      if (transposed)
        out.push_back(
            Dim::known((x.value - 1) * s - 2 * p + d * (k.value - 1) + pick(*outPad, i, 0) + 1));
      else
        out.push_back(windowOut(x, k.value, s, p, d, false));
    }
    set(n->output(0), in.dtype, out);
  }

  static void pool(ir::Node *n, const ir::Value *kernelV, const ir::Value *strideV,
                   const ir::Value *paddingV, const ir::Value *dilationV, const ir::Value *ceilV) {
    Info in = infoOf(n->input(0));
    auto kernel = intsOfList(kernelV), stride = intsOfList(strideV), padding = intsOfList(paddingV);
    std::optional<std::vector<int64_t>> dilation = std::vector<int64_t>{1};
    if (dilationV)
      dilation = intsOfList(dilationV);
    auto ceil = ir::constantInt(ceilV);
    if (!in.sizes || !kernel || kernel->empty() || in.sizes->size() < kernel->size())
      return set(n->output(0), in.dtype, std::nullopt);
    size_t spatial = kernel->size();
    Dims out(in.sizes->begin(), in.sizes->end() - long(spatial));
    for (size_t i = 0; i < spatial; ++i) {
      const Dim &x = (*in.sizes)[in.sizes->size() - spatial + i];
      if (!stride || !padding || !dilation || !ceil) {
        out.push_back(Dim::unknown());
        continue;
      }
      int64_t k = pick(*kernel, i, 1);
      int64_t s = stride->empty() ? k : pick(*stride, i, k);
      out.push_back(windowOut(x, k, s, pick(*padding, i, 0), pick(*dilation, i, 1), *ceil != 0));
    }
    set(n->output(0), in.dtype, out);
    if (n->outputs().size() == 2)
      set(n->output(1), ScalarType::Int64, out);
  }

  static std::optional<Dims> matmul(const std::optional<Dims> &a, const std::optional<Dims> &b) {
    if (!a || !b || a->empty() || b->empty())
      return std::nullopt;
    if (a->size() == 1 && b->size() == 1)
      return Dims{};
    if (b->size() == 1)
      return Dims(a->begin(), a->end() - 1);
    if (a->size() == 1) {
      Dims out(b->begin(), b->end() - 2);
      out.push_back(b->back());
      return out;
    }
    auto batch = broadcast({Dims(a->begin(), a->end() - 2), Dims(b->begin(), b->end() - 2)});
    if (!batch)
      return std::nullopt;
    batch->push_back((*a)[a->size() - 2]);
    batch->push_back(b->back());
    return batch;
  }

  static void reduce(ir::Node *n) {
    Info in = infoOf(n->input(0));
    std::string_view k = n->kind().name();
    bool index = k == "argmax" || k == "argmin";
    bool boolean = k == "all" || k == "any";
    std::optional<ScalarType> dt = in.dtype;
    if (index)
      dt = ScalarType::Int64;
    if (boolean)
      dt = ScalarType::Bool;
    if ((k == "sum" || k == "prod") && dt && category(*dt) < 2)
      dt = ScalarType::Int64;
    if (n->inputs().size() == 1 || (n->inputs().size() == 2 && (k == "sum" || k == "mean"))) {
      // Full reduction (the second operand, if any, is a dtype).
      if (n->inputs().size() == 2)
        if (auto d = dtypeArg(n->input(1)))
          dt = d;
      if (n->outputs().size() == 1)
        set(n->output(0), dt, Dims{});
      return;
    }
    // (self, dim(s), keepdim, ...): dims are an int, an int list or None.
    const ir::Value *dimsV = n->input(1);
    std::optional<std::vector<int64_t>> dims;
    if (auto d = ir::constantInt(dimsV))
      dims = std::vector<int64_t>{*d};
    else if (!isNone(dimsV) && dimsV->type()->is(ir::TypeKind::List))
      dims = intsOfList(dimsV);
    else if (isNone(dimsV))
      dims = std::vector<int64_t>{};
    if (k == "norm" || k == "linalg_vector_norm" || k == "std" || k == "var") {
      // norm(self, p, dim, keepdim) and linalg_vector_norm(self, ord, dim, keepdim, dtype).
      if (n->inputs().size() < 4)
        return set(n->output(0), dt, std::nullopt);
      dimsV = n->input(2);
      dims = isNone(dimsV) ? std::optional(std::vector<int64_t>{}) : intsOfList(dimsV);
      if (auto d = ir::constantInt(dimsV))
        dims = std::vector<int64_t>{*d};
    }
    size_t keepIndex = (k == "norm" || k == "linalg_vector_norm") ? 3 : 2;
    auto keep =
        n->inputs().size() > keepIndex ? ir::constantInt(n->input(keepIndex)) : std::nullopt;
    if ((k == "sum" || k == "mean") && n->inputs().size() == 4)
      if (auto d = dtypeArg(n->input(3)))
        dt = d;
    if (!in.sizes || !dims || !keep) {
      for (ir::Value *o : n->outputs())
        set(o, o == n->output(0) ? dt : ScalarType::Int64, std::nullopt);
      return;
    }
    std::vector<bool> reduced(in.sizes->size(), dims->empty());
    for (int64_t d : *dims) {
      auto a = axis(d, in.sizes->size());
      if (!a)
        return;
      reduced[*a] = true;
    }
    Dims out;
    for (size_t i = 0; i < in.sizes->size(); ++i) {
      if (!reduced[i])
        out.push_back((*in.sizes)[i]);
      else if (*keep)
        out.push_back(Dim::known(1));
    }
    set(n->output(0), dt, out);
    if (n->outputs().size() == 2)
      set(n->output(1), ScalarType::Int64, out);
  }

  static void recurrent(ir::Node *n) {
    // lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
    // batch_first); gru/rnn take hx as a tensor rather than a list.
    if (n->inputs().size() != 9)
      return;
    Info in = infoOf(n->input(0));
    auto bidirectional = ir::constantInt(n->input(7));
    auto batchFirst = ir::constantInt(n->input(8));
    auto layers = ir::constantInt(n->input(4));
    const ir::Node *params = n->input(2)->node();
    std::optional<Dim> hidden;
    if (params->kind() == ir::prim::ListConstruct && !params->inputs().empty()) {
      Info w = infoOf(params->input(1)); // w_hh: [gates * hidden, hidden]
      if (w.sizes && w.sizes->size() == 2)
        hidden = (*w.sizes)[1];
    }
    if (!in.sizes || in.sizes->size() != 3 || !bidirectional || !batchFirst || !hidden || !layers) {
      for (ir::Value *o : n->outputs())
        set(o, in.dtype, std::nullopt);
      return;
    }
    int64_t dirs = *bidirectional ? 2 : 1;
    Dim out = hidden->isStatic() ? Dim::known(hidden->value * dirs) : Dim::unknown();
    Dims y = *in.sizes;
    y[2] = out;
    Dim batch = (*in.sizes)[*batchFirst ? 0 : 1];
    set(n->output(0), in.dtype, y);
    for (size_t i = 1; i < n->outputs().size(); ++i)
      set(n->output(i), in.dtype, Dims{Dim::known(*layers * dirs), batch, *hidden});
  }

  absl::flat_hash_map<ir::Symbol, Rule> rules_;
};

} // namespace

absl::Status runPropagateShapes(ir::Graph &graph, const PassOptions &) {
  ShapePropagation().run(graph.block());
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
