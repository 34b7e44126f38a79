// fold-constants: constant propagation with a small tensor evaluator.
//
// Given: a frozen, functional graph, best after propagate-shapes (static shapes make shape
//        queries constant, and output types give reshape-like ops their sizes).
// Does:  replaces by a prim::Constant
//        - shape queries with a static answer: aten::size(t[, dim]), aten::dim, aten::numel,
//          prim::dtype, len(size(t)) (also of a constant slice of it), size(t)[i] and the static
//          values of an unpacked size(t) or int[] constant;
//        - aten::slice of a constant int list; aten::_infer_size (the broadcast) of two;
//          prim::min / prim::max / aten::sum of one; len(t) of a tensor of static first dim; len of
//          the pieces of chunk/split/unbind when their count is static (staticPieceCount);
//        - aten::len / aten::__getitem__ of a constant int list, a prim::ListConstruct of int
//          constants (when no user modifies the list) as an int[] constant;
//        - aten::eq / aten::ne of two unmodified int[] values decided at compile time, element
//          by element (same constant, same SSA value, same named dim; size(zeros(l)) is l), as
//          the shape checks of scripted nn.LSTM/GRU compare hx.size() with a built list;
//        - tensor ops whose inputs are all constants and whose result is small (at most
//          kMaxElements, or kMaxLayoutElements for ops that only move data): t, transpose,
//          permute, reshape/view/flatten/(un)squeeze (sizes from the output type or the
//          arguments), contiguous/clone/detach, to(dtype), type_as, neg, add/sub/mul/div
//          with broadcasting (tensor or number operands), min/max (all elements, or two
//          tensors), reciprocal, log2/log/exp/sqrt/round/floor/ceil/abs, comparisons, all/any,
//          triu/tril, full/zeros/ones of constant sizes, tensor/as_tensor of
//          constant numbers and lists, prim::NumToTensor of a number; item(), float(), int()
//          and bool() of a one-element constant;
//        (the tensor evaluator is FoldTensors.cpp)
//        then runs fold-scalars and peephole-script on what became constant (an If on a
//        folded `input.dim()` check may leave `x is None` on a Tensor), unrolls as
//        unroll-loops the loops whose trip counts became constants when nothing else changed
//        (then lowers the list writes they leave in straight-line code, as lower-list-appends),
//        and, when anything changed, forwards simple tuples and propagates shapes again, and
//        repeats.
//        Values are computed in double (int64 for integral results); only real dtypes fold.
// Result: fewer nodes; dead inputs are left for dce. Linear per round; rounds are bounded.
#include <algorithm>
#include <optional>
#include <vector>

#include "ir/Status.h"
#include "passes/FoldTensors.h"
#include "passes/Passes.h"
#include "semantics/Dense.h"

namespace ts2onnx::passes {
namespace {

using semantics::numelOf;

// --- shape queries and int lists ---------------------------------------------------------------

struct IntResult {
  std::optional<int64_t> scalar;
  std::optional<std::vector<int64_t>> list;
};

/// The elements `start:end:step` (positive step, constant or None bounds) of aten::slice.t `n`
/// select from a list of `size`, as Python clamps them.
struct SliceRange {
  int64_t start, end, step;
};
std::optional<SliceRange> sliceRange(const ir::Node *n, int64_t size) {
  auto bound = [&](size_t i, int64_t dflt) -> std::optional<int64_t> {
    if (n->input(i)->type()->is(ir::TypeKind::None))
      return dflt;
    auto c = ir::constantInt(n->input(i));
    if (!c)
      return std::nullopt;
    return std::min(std::max(*c < 0 ? *c + size : *c, int64_t(0)), size);
  };
  auto start = bound(1, 0), end = bound(2, size);
  auto step = ir::constantInt(n->input(3));
  if (!start || !end || !step || *step <= 0)
    return std::nullopt;
  return SliceRange{*start, std::max(*start, *end), *step};
}

/// The length of an int list: the rank of `size(t)`, a constant list, a ListConstruct nothing
/// modifies, or a constant slice of one of those.
std::optional<int64_t> intListLength(const ir::Value *v) {
  const ir::Node *p = v->node();
  std::string_view k = p->kind().qualString();
  if (k == "aten::size" && p->inputs().size() == 1) {
    if (auto r = rankOf(p->input(0)))
      return int64_t(*r);
    return std::nullopt;
  }
  const ir::AttributeValue *a = constantAttr(v);
  if (const auto *is = a ? a->getIf<std::vector<int64_t>>() : nullptr)
    return int64_t(is->size());
  if (p->kind() == ir::prim::ListConstruct) {
    for (const ir::Use &u : v->uses())
      if (u.user->hasSideEffects())
        return std::nullopt;
    return int64_t(p->inputs().size());
  }
  if (k == "aten::slice" && p->inputs().size() == 4 && v->type()->is(ir::TypeKind::List)) {
    auto inner = intListLength(p->input(0));
    auto range = inner ? sliceRange(p, *inner) : std::nullopt;
    if (!range)
      return std::nullopt;
    return (range->end - range->start + range->step - 1) / range->step;
  }
  return std::nullopt;
}

std::optional<IntResult> evaluateShape(const ir::Node *n) {
  if (n->outputs().size() != 1)
    return std::nullopt;
  std::string_view k = n->kind().qualString();
  const auto &in = n->inputs();
  if (k == "aten::size" && !in.empty() && in[0]->type()->isTensor()) {
    if (in.size() == 1) {
      if (auto s = staticSizes(in[0]))
        return IntResult{std::nullopt, *s};
      return std::nullopt;
    }
    auto d = ir::constantInt(in[1]);
    auto r = rankOf(in[0]);
    if (!d || !r)
      return std::nullopt;
    int64_t i = *d < 0 ? *d + int64_t(*r) : *d;
    if (i < 0 || i >= int64_t(*r))
      return std::nullopt;
    const ir::Dim &dim = (*in[0]->type()->tensorInfo().sizes)[size_t(i)];
    if (!dim.isStatic())
      return std::nullopt;
    return IntResult{dim.value, std::nullopt};
  }
  if (k == "aten::len" && in.size() == 1 && in[0]->type()->is(ir::TypeKind::List))
    if (auto pieces = staticPieceCount(in[0]))
      return IntResult{*pieces, std::nullopt};
  if (k == "aten::len" && in.size() == 1 && in[0]->type()->isTensor()) {
    // len(t) is t.size(0) (a 0-d tensor raises: left).
    auto r = rankOf(in[0]);
    if (!r || *r == 0)
      return std::nullopt;
    const ir::Dim &dim = (*in[0]->type()->tensorInfo().sizes)[0];
    if (!dim.isStatic())
      return std::nullopt;
    return IntResult{dim.value, std::nullopt};
  }
  if ((k == "prim::min" || k == "prim::max") && in.size() == 1 &&
      n->output()->type()->is(ir::TypeKind::Int)) {
    // min/max of an int list (`range(min([len(a), len(b)]))`).
    auto xs = constInts(in[0]);
    if (!xs || xs->empty())
      return std::nullopt;
    return IntResult{k == "prim::min" ? *std::min_element(xs->begin(), xs->end())
                                      : *std::max_element(xs->begin(), xs->end()),
                     std::nullopt};
  }
  if (k == "aten::sum" && in.size() == 1 && n->output()->type()->is(ir::TypeKind::Int)) {
    // sum of an int list (Swin: `if sum(shift_size) > 0`); an overflow is left.
    auto xs = constInts(in[0]);
    if (!xs)
      return std::nullopt;
    int64_t total = 0;
    for (int64_t x : *xs)
      if (__builtin_add_overflow(total, x, &total))
        return std::nullopt;
    return IntResult{total, std::nullopt};
  }
  if (k == "aten::_infer_size" && in.size() == 2) {
    // The broadcast of two constant sizes (torch raises when they do not broadcast: left).
    auto a = constInts(in[0]), b = constInts(in[1]);
    if (!a || !b)
      return std::nullopt;
    size_t r = std::max(a->size(), b->size());
    std::vector<int64_t> out(r);
    for (size_t i = 0; i < r; ++i) {
      int64_t x = i < r - a->size() ? 1 : (*a)[i - (r - a->size())];
      int64_t y = i < r - b->size() ? 1 : (*b)[i - (r - b->size())];
      if (x != y && x != 1 && y != 1)
        return std::nullopt;
      out[i] = x == 1 ? y : x;
    }
    return IntResult{std::nullopt, out};
  }
  if (k == "aten::dim" && in.size() == 1) {
    if (auto r = rankOf(in[0]))
      return IntResult{int64_t(*r), std::nullopt};
    return std::nullopt;
  }
  if (k == "aten::numel" && in.size() == 1) {
    if (auto s = staticSizes(in[0]))
      return IntResult{numelOf(*s), std::nullopt};
    return std::nullopt;
  }
  if (k == "prim::dtype" && in.size() == 1 && in[0]->type()->isTensor()) {
    if (auto dt = in[0]->type()->tensorInfo().dtype)
      return IntResult{int64_t(*dt), std::nullopt};
    return std::nullopt;
  }
  if (k == "aten::len" && in.size() == 1) {
    if (auto len = intListLength(in[0]))
      return IntResult{*len, std::nullopt};
    return std::nullopt;
  }
  if (k == "aten::slice" && in.size() == 4 && in[0]->type()->is(ir::TypeKind::List)) {
    // aten::slice.t of a constant int list: the constant sublist.
    const ir::AttributeValue *a = constantAttr(in[0]);
    const auto *is = a ? a->getIf<std::vector<int64_t>>() : nullptr;
    auto range = is ? sliceRange(n, int64_t(is->size())) : std::nullopt;
    if (!range)
      return std::nullopt;
    std::vector<int64_t> out;
    for (int64_t i = range->start; i < range->end; i += range->step)
      out.push_back((*is)[size_t(i)]);
    return IntResult{std::nullopt, out};
  }
  if (k == "aten::__getitem__" && in.size() == 2 && in[0]->type()->is(ir::TypeKind::List)) {
    auto i = ir::constantInt(in[1]);
    if (!i)
      return std::nullopt;
    std::optional<std::vector<int64_t>> list;
    const ir::Node *p = in[0]->node();
    if (const ir::AttributeValue *a = constantAttr(in[0]))
      if (const auto *is = a->getIf<std::vector<int64_t>>())
        list = *is;
    if (!list && p->kind().qualString() == "aten::size" && p->inputs().size() == 1) {
      // One static dim of a partly symbolic shape.
      auto r = rankOf(p->input(0));
      if (!r)
        return std::nullopt;
      int64_t x = *i < 0 ? *i + int64_t(*r) : *i;
      if (x < 0 || x >= int64_t(*r))
        return std::nullopt;
      const ir::Dim &d = (*p->input(0)->type()->tensorInfo().sizes)[size_t(x)];
      return d.isStatic() ? std::optional(IntResult{d.value, std::nullopt}) : std::nullopt;
    }
    if (!list)
      return std::nullopt;
    int64_t x = *i < 0 ? *i + int64_t(list->size()) : *i;
    if (x < 0 || x >= int64_t(list->size()))
      return std::nullopt;
    return IntResult{(*list)[size_t(x)], std::nullopt};
  }
  if (n->kind() == ir::prim::ListConstruct && n->output()->type()->is(ir::TypeKind::List) &&
      n->output()->type()->elementType()->is(ir::TypeKind::Int)) {
    for (const ir::Use &u : n->output()->uses())
      if (u.user->hasSideEffects())
        return std::nullopt; // the list is modified
    if (auto is = constInts(n->output()))
      return IntResult{std::nullopt, *is};
  }
  return std::nullopt;
}

// --- int[] comparisons ------------------------------------------------------------------------

/// One element of an int[] whose value may be known only symbolically: a constant, the SSA
/// value that computes it, and the dim it reads (from aten::size of a typed tensor).
struct IntTerm {
  std::optional<int64_t> constant;
  const ir::Value *value = nullptr;
  ir::Dim dim;
};

/// Dim `i` of `t`'s type, unknown when the rank is.
ir::Dim typedDim(const ir::Value *t, int64_t i) {
  auto r = rankOf(t);
  if (!r)
    return ir::Dim::unknown();
  int64_t x = i < 0 ? i + int64_t(*r) : i;
  if (x < 0 || x >= int64_t(*r))
    return ir::Dim::unknown();
  return (*t->type()->tensorInfo().sizes)[size_t(x)];
}

IntTerm termOf(const ir::Value *v) {
  IntTerm t;
  t.value = v;
  t.constant = ir::constantInt(v);
  const ir::Node *n = v->node();
  if (!t.constant && n->kind().qualString() == "aten::size" && n->inputs().size() == 2)
    if (auto d = ir::constantInt(n->input(1)))
      t.dim = typedDim(n->input(0), *d);
  if (!t.constant && t.dim.isStatic())
    t.constant = t.dim.value;
  return t;
}

bool isSizeFactory(const ir::Node *n) {
  static const char *const kinds[] = {"aten::zeros", "aten::ones", "aten::empty",
                                      "aten::full",  "aten::rand", "aten::randn"};
  for (const char *k : kinds)
    if (n->kind().qualString() == k)
      return !n->inputs().empty() && n->input(0)->type()->is(ir::TypeKind::List);
  return false;
}

/// The elements of an int[] value that no one modifies: a constant list, a prim::ListConstruct,
/// or aten::size(t), whose elements are t's dims, or the size list t was made from when t is a
/// factory's result (zeros(sizes) has exactly the sizes `sizes`).
std::optional<std::vector<IntTerm>> termsOf(const ir::Value *v, int depth = 0) {
  if (depth > 4 || !v->type()->is(ir::TypeKind::List))
    return std::nullopt;
  for (const ir::Use &u : v->uses())
    if (u.user->hasSideEffects())
      return std::nullopt;
  std::vector<IntTerm> out;
  if (auto is = constInts(v)) {
    for (int64_t i : *is) {
      IntTerm t;
      t.constant = i;
      out.push_back(t);
    }
    return out;
  }
  const ir::Node *n = v->node();
  if (n->kind() == ir::prim::ListConstruct) {
    for (const ir::Value *e : n->inputs())
      out.push_back(termOf(e));
    return out;
  }
  if (n->kind().qualString() == "aten::size" && n->inputs().size() == 1 &&
      n->input(0)->type()->isTensor()) {
    const ir::Value *t = n->input(0);
    if (isSizeFactory(t->node()))
      if (auto made = termsOf(t->node()->input(0), depth + 1))
        return made;
    auto r = rankOf(t);
    if (!r)
      return std::nullopt;
    for (int64_t i = 0; i < int64_t(*r); ++i) {
      IntTerm e;
      e.dim = typedDim(t, i);
      if (e.dim.isStatic())
        e.constant = e.dim.value;
      out.push_back(e);
    }
    return out;
  }
  return std::nullopt;
}

/// Whether two terms are equal: true/false when it is known at compile time.
std::optional<bool> termsEqual(const IntTerm &a, const IntTerm &b) {
  if (a.constant && b.constant)
    return *a.constant == *b.constant;
  if (a.value && a.value == b.value)
    return true;
  // The same named dynamic axis is the same size (the user declared it so).
  if (a.dim.isSymbolic() && a.dim == b.dim)
    return true;
  return std::nullopt;
}

/// aten::eq / aten::ne of two int[] values whose elements are known well enough: different
/// lengths or a pair of different constants decide `unequal`; pairwise-equal elements (the same
/// constant, the same SSA value, the same named dim) decide `equal`. Scripted RNN modules check
/// `hx.size() != expected` this way, with expected built from the same `input.size(0)`.
std::optional<bool> compareIntLists(const ir::Node *n) {
  std::string_view k = n->kind().qualString();
  if ((k != "aten::eq" && k != "aten::ne") || n->inputs().size() != 2 ||
      !n->output()->type()->is(ir::TypeKind::Bool))
    return std::nullopt;
  for (const ir::Value *v : n->inputs())
    if (!v->type()->is(ir::TypeKind::List) || !v->type()->elementType()->is(ir::TypeKind::Int))
      return std::nullopt;
  auto a = termsOf(n->input(0));
  auto b = termsOf(n->input(1));
  if (!a || !b)
    return std::nullopt;
  std::optional<bool> equal = true;
  if (a->size() != b->size())
    equal = false;
  for (size_t i = 0; equal && *equal && i < a->size(); ++i) {
    auto e = termsEqual((*a)[i], (*b)[i]);
    if (!e) {
      equal = std::nullopt;
      // A later pair of different constants still decides.
      for (size_t j = i + 1; j < a->size(); ++j)
        if (termsEqual((*a)[j], (*b)[j]) == std::optional<bool>(false))
          equal = false;
      break;
    }
    equal = *e;
  }
  if (!equal)
    return std::nullopt;
  return k == "aten::eq" ? *equal : !*equal;
}

/// `n, c, h, w = x.size()`: the static dims among the unpacked values become constants (all of
/// them when the size already folded to an int[] constant).
bool foldUnpackedSizes(ir::Graph &g, ir::Node *unpack) {
  const ir::Node *p = unpack->input(0)->node();
  if (const ir::AttributeValue *a = constantAttr(unpack->input(0))) {
    const auto *is = a->getIf<std::vector<int64_t>>();
    if (!is || is->size() != unpack->outputs().size())
      return false;
    bool changed = false;
    ir::WithInsertPoint guard(unpack);
    for (size_t i = 0; i < is->size(); ++i) {
      if (!unpack->output(i)->hasUses())
        continue;
      ir::Value *c = g.insertConstantInt((*is)[i]);
      c->node()->setSourceLocation(unpack->sourceLocation());
      unpack->output(i)->replaceAllUsesWith(c);
      changed = true;
    }
    return changed;
  }
  if (p->kind().qualString() != "aten::size" || p->inputs().size() != 1)
    return false;
  const ir::Type &t = *p->input(0)->type();
  if (!t.isTensor() || !t.tensorInfo().sizes ||
      t.tensorInfo().sizes->size() != unpack->outputs().size())
    return false;
  bool changed = false;
  ir::WithInsertPoint guard(unpack);
  for (size_t i = 0; i < unpack->outputs().size(); ++i) {
    const ir::Dim &d = (*t.tensorInfo().sizes)[i];
    if (!d.isStatic() || !unpack->output(i)->hasUses())
      continue;
    ir::Value *c = g.insertConstantInt(d.value);
    c->node()->setSourceLocation(unpack->sourceLocation());
    unpack->output(i)->replaceAllUsesWith(c);
    changed = true;
  }
  return changed;
}

/// Whether `n` reads a model parameter (a named tensor constant: an initializer).
bool readsParameter(const ir::Node *n) {
  for (const ir::Value *v : n->inputs())
    if (v->node()->kind() == ir::prim::Constant && v->type()->isTensor() && v->hasDebugName())
      return true;
  return false;
}

/// `foldParameters` false is torch's do_constant_folding=False: ops on parameters stay ops
/// (shape queries and small constants still fold, they decide control flow).
bool foldBlock(ir::Graph &g, ir::Block *b, bool foldParameters) {
  bool changed = false;
  for (auto it = b->nodes().begin(); it != b->nodes().end();) {
    ir::Node *n = *it;
    ++it;
    for (ir::Block *sub : n->blocks())
      changed |= foldBlock(g, sub, foldParameters);
    if (n->kind() == ir::prim::ListUnpack) {
      changed |= foldUnpackedSizes(g, n);
      continue;
    }
    if (n->kind() == ir::prim::Constant || !n->blocks().empty() || n->outputs().size() != 1 ||
        n->hasSideEffects())
      continue;
    ir::Value *replacement = nullptr;
    ir::WithInsertPoint guard(n);
    if (auto r = evaluateShape(n)) {
      if (r->scalar && n->output()->type()->is(ir::TypeKind::Int))
        replacement = g.insertConstantInt(*r->scalar);
      else if (r->list)
        replacement = g.insertConstantInts(*r->list);
    } else if (auto c = compareIntLists(n)) {
      replacement = g.insertConstantBool(*c);
    } else if (auto t = foldParameters || !readsParameter(n) ? evaluateTensor(n) : std::nullopt) {
      replacement = g.insertConstantTensor(toTensor(*t));
    } else if (auto number = numberOf(n)) {
      replacement = number->kind == NumberKind::Bool  ? g.insertConstantBool(number->i != 0)
                    : number->kind == NumberKind::Int ? g.insertConstantInt(number->i)
                                                      : g.insertConstantFloat(number->value);
    }
    if (!replacement)
      continue;
    replacement->node()->setSourceLocation(n->sourceLocation());
    n->output()->replaceAllUsesWith(replacement);
    n->destroy();
    changed = true;
  }
  return changed;
}

} // namespace

namespace {

bool hasDicts(const ir::Block *b) {
  for (const ir::Node *n : b->nodes()) {
    if (n->kind() == ir::prim::DictConstruct || n->kind().qualString() == "aten::dict")
      return true;
    for (const ir::Block *sub : n->blocks())
      if (hasDicts(sub))
        return true;
  }
  return false;
}

} // namespace

absl::Status runFoldConstants(ir::Graph &graph, const PassOptions &options) {
  // Each round is linear; a round only repeats when the previous one folded something that
  // fold-scalars could take further (an If on a folded shape check). An If folded that way
  // exposes its branch: the tuples it returned are forwarded and shapes propagated again, so
  // the next round sees the shapes of what the branch computed (in a stack of layers each
  // checking its input's rank, one round per layer).
  for (int round = 0; round < 64; ++round) {
    bool changed =
        foldBlock(graph, graph.block(), options.get("constant-folding").value_or("1") != "0");
    changed |= foldScalars(graph);
    // None checks and casts of Optionals that folding made non-optional.
    changed |= peepholeScript(graph);
    // Loops whose trip count folding made constant (`for i in range(x.dim() - 2)` building
    // F.interpolate's sizes) unroll as unroll-loops does, and what they compute folds next.
    if (!changed && unrollStaticLoops(graph)) {
      // The unrolled appends and element writes are straight-line code now, and so are the
      // dicts built from them (`dict([(k, v), ...])` of an unrolled loop over names).
      lowerListWrites(graph);
      lowerDicts(graph);
      changed = true;
    }
    // Dicts that folding exposed later (a list of per-image dicts indexed once the loop that
    // filled it unrolled: torchvision's detection postprocessing) are followed too.
    if (!changed && hasDicts(graph.block()))
      changed = lowerDicts(graph);
    if (!changed)
      break;
    // Writes to lists that an If folded above left in straight-line code (Swin's
    // `shift_size = shift_size.copy(); if window_size[0] >= pad_H: shift_size[0] = 0`).
    lowerListWrites(graph);
    lowerSimpleTuples(graph);
    TS2ONNX_RETURN_IF_ERROR(runPropagateShapes(graph, options));
  }
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
