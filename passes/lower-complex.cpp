// lower-complex: complex tensors as pairs of reals, the form ONNX's DFT gives.
//
// Given: a functional graph after propagate-shapes (the complex results of stft, fft_fft and
//        fft_rfft are typed complex).
// Does:  after each such result c inserts R(c) = aten::view_as_real(c), [..., 2], and rewrites
//        every reader of a complex value in terms of R:
//        - view_as_real(c) is R(c); abs(c) is linalg_vector_norm(R, 2, [-1]) (|re + i im|);
//          angle(c) is atan2(im, re); real(c) / imag(c) select re / im;
//        - reshape/view(c, sizes) reshapes R to sizes + [2]; transpose, permute, select, slice,
//          narrow, unsqueeze and squeeze(dim) move R's dims (a negative dim counts one further
//          from the end); size(c, d), size(c) and dim(c) read R's;
//        - neg(c), c * x, x * c and c / x for a real number or real tensor x (broadcast over the
//          pair), c1 + c2 and c1 - c2 of complex c1, c2 act on R;
//        the rewritten readers' complex results are complex values in turn.
// Result: complex values are read only by view_as_real (which the producers' symbolics need).
//         Any other reader of a complex value (a complex product, a complex model output, a
//         complex value leaving an if or loop) is an error naming the op and its source line.
//         Linear time.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "ir/Status.h"
#include "passes/Passes.h"
#include "semantics/AtenRules.h"

namespace ts2onnx::passes {
namespace {

ir::Symbol sym(std::string_view qual) { return ir::Symbol::fromQualString(qual); }

bool isComplexTensor(const ir::Value *v) {
  if (!v->type()->isTensor())
    return false;
  auto dt = v->type()->tensorInfo().dtype;
  return dt && (*dt == ir::ScalarType::ComplexHalf || *dt == ir::ScalarType::ComplexFloat ||
                *dt == ir::ScalarType::ComplexDouble);
}

/// The ops whose complex result the symbolics give as the real pair (through view_as_real).
bool isComplexProducer(const ir::Node &n) {
  static const ir::Symbol kStft = sym("aten::stft"), kFft = sym("aten::fft_fft"),
                          kRfft = sym("aten::fft_rfft");
  ir::Symbol k = n.kind();
  return (k == kStft || k == kFft || k == kRfft) && n.outputs().size() == 1 &&
         isComplexTensor(n.output());
}

void collect(ir::Block *b, std::vector<ir::Node *> &out) {
  for (ir::Node *n : b->nodes()) {
    out.push_back(n);
    for (ir::Block *sub : n->blocks())
      collect(sub, out);
  }
  out.push_back(b->returnNode());
}

class Lowering {
public:
  explicit Lowering(ir::Graph &g) : g_(g) {}

  absl::Status run() {
    std::vector<ir::Node *> nodes;
    collect(g_.block(), nodes);
    for (ir::Node *n : nodes) {
      if (isComplexProducer(*n)) {
        ir::WithInsertPoint guard(n->next());
        pair_[n->output()] = emit(*n, "aten::view_as_real", {n->output()});
        continue;
      }
      bool readsComplex = false;
      for (const ir::Value *in : n->inputs())
        readsComplex |= pair_.contains(in);
      if (readsComplex)
        TS2ONNX_RETURN_IF_ERROR(rewrite(n));
    }
    return absl::OkStatus();
  }

private:
  /// A new node before the insertion point, typed by its aten rule.
  ir::Value *emit(const ir::Node &at, std::string_view op, std::vector<ir::Value *> inputs) {
    ir::Node *m = g_.insert(sym(op), inputs, 1);
    m->output()->setType(ir::Type::tensor());
    m->setSourceLocation(at.sourceLocation());
    semantics::inferAtenTypes(m);
    return m->output();
  }

  ir::Value *intConst(int64_t i) { return g_.insertConstantInt(i); }

  /// Dim `d` of a complex value as a dim of its pair form (one more trailing dim).
  static int64_t pairDim(int64_t d) { return d < 0 ? d - 1 : d; }

  absl::Status unsupported(const ir::Node &n, std::string_view why) const {
    std::string where = n.sourceLocation().valid() ? n.sourceLocation().str() + ": " : "";
    return absl::InvalidArgumentError(fmt::format(
        "{}error: {} of a complex tensor is not supported in ONNX ({}; ts2onnx keeps the "
        "complex results of stft and fft as real pairs and converts abs, angle, real, imag, "
        "view_as_real, reshape/view, transpose/permute, select/slice/narrow/(un)squeeze, size, "
        "neg, products and quotients with real values and sums of complex values of them)",
        where, n.kind().qualString(), why));
  }

  /// The pair form of a complex input, or null for a real one.
  ir::Value *pairOf(const ir::Value *v) const {
    auto it = pair_.find(v);
    return it == pair_.end() ? nullptr : it->second;
  }

  /// A constant int argument, as a dim of the pair form.
  std::optional<ir::Value *> pairDimArg(const ir::Value *v) {
    auto d = v->type()->is(ir::TypeKind::Int) ? ir::constantInt(v) : std::nullopt;
    if (!d)
      return std::nullopt;
    return intConst(pairDim(*d));
  }

  absl::Status rewrite(ir::Node *n) {
    std::string_view q = n->kind().qualString();
    ir::WithInsertPoint guard(n);
    auto finish = [&](ir::Value *out, bool complexResult) {
      if (complexResult)
        pair_[n->output()] = out;
      else
        n->output()->replaceAllUsesWith(out);
      return absl::OkStatus();
    };
    // Readers outside a block's straight-line code.
    if (n->kind() == ir::prim::Return)
      return unsupported(*n, n->owningBlock() == g_.block()
                                 ? "a complex model output: return torch.view_as_real(x) instead"
                                 : "a complex value leaving an if or loop");
    if (!n->blocks().empty() || n->outputs().size() != 1)
      return unsupported(*n, "an op with blocks or several results");
    ir::Value *x = n->input(0);
    ir::Value *r = pairOf(x);
    size_t count = n->inputs().size();
    // Ops whose first operand is the complex one.
    if (r) {
      if (q == "aten::view_as_real") {
        n->output()->replaceAllUsesWith(r);
        n->destroy();
        return absl::OkStatus();
      }
      if (q == "aten::abs") {
        ir::Value *two = g_.insertConstantFloat(2.0);
        ir::Node *dims = g_.insert(ir::prim::ListConstruct, {intConst(-1)}, 1);
        dims->output()->setType(ir::Type::list(ir::Type::intType()));
        return done(n, finish(emit(*n, "aten::linalg_vector_norm",
                                   {r, two, dims->output(), g_.insertConstantBool(false),
                                    g_.insertConstantNone()}),
                              false));
      }
      if (q == "aten::real" || q == "aten::imag") {
        return done(n, finish(emit(*n, "aten::select",
                                   {r, intConst(-1), intConst(q == "aten::real" ? 0 : 1)}),
                              false));
      }
      if (q == "aten::angle") {
        ir::Value *re = emit(*n, "aten::select", {r, intConst(-1), intConst(0)});
        ir::Value *im = emit(*n, "aten::select", {r, intConst(-1), intConst(1)});
        return done(n, finish(emit(*n, "aten::atan2", {im, re}), false));
      }
      if ((q == "aten::reshape" || q == "aten::view") && count == 2) {
        std::vector<ir::Value *> sizes;
        ir::Value *l = n->input(1);
        if (l->node()->kind() == ir::prim::ListConstruct) {
          sizes.assign(l->node()->inputs().begin(), l->node()->inputs().end());
        } else if (const ir::AttributeValue *a = ir::constantValue(l);
                   a && a->getIf<std::vector<int64_t>>()) {
          for (int64_t i : *a->getIf<std::vector<int64_t>>())
            sizes.push_back(intConst(i));
        } else {
          return unsupported(*n, "sizes that are not a list literal");
        }
        sizes.push_back(intConst(2));
        ir::Node *lc = g_.insert(ir::prim::ListConstruct, sizes, 1);
        lc->output()->setType(ir::Type::list(ir::Type::intType()));
        return done(n, finish(emit(*n, "aten::reshape", {r, lc->output()}), true));
      }
      if (q == "aten::size" && count == 2) {
        auto d = pairDimArg(n->input(1));
        if (!d)
          return unsupported(*n, "a non-constant dim");
        ir::Node *s = g_.insert(sym("aten::size"), {r, *d}, 1);
        s->output()->setType(ir::Type::intType());
        s->setSourceLocation(n->sourceLocation());
        return done(n, finish(s->output(), false));
      }
      if (q == "aten::size" && count == 1) {
        ir::Node *s = g_.insert(sym("aten::size"), {r}, 1);
        s->output()->setType(ir::Type::list(ir::Type::intType()));
        s->setSourceLocation(n->sourceLocation());
        ir::Node *sl =
            g_.insert(sym("aten::slice"), {s->output(), intConst(0), intConst(-1), intConst(1)}, 1);
        sl->output()->setType(ir::Type::list(ir::Type::intType()));
        sl->setSourceLocation(n->sourceLocation());
        return done(n, finish(sl->output(), false));
      }
      if (q == "aten::dim" && count == 1) {
        ir::Node *s = g_.insert(sym("aten::dim"), {r}, 1);
        s->output()->setType(ir::Type::intType());
        ir::Node *m = g_.insert(sym("aten::sub"), {s->output(), intConst(1)}, 1);
        m->output()->setType(ir::Type::intType());
        return done(n, finish(m->output(), false));
      }
      if ((q == "aten::transpose" && count == 3) || (q == "aten::select" && count == 3) ||
          (q == "aten::slice" && count == 5) || (q == "aten::narrow" && count == 4) ||
          (q == "aten::unsqueeze" && count == 2) || (q == "aten::squeeze" && count == 2)) {
        std::vector<ir::Value *> args = {r};
        for (size_t i = 1; i < count; ++i)
          args.push_back(n->input(i));
        // The dim arguments: transpose's two, the others' first.
        for (size_t i = 1; i <= (q == "aten::transpose" ? 2u : 1u); ++i) {
          auto d = pairDimArg(n->input(i));
          if (!d)
            return unsupported(*n, "a non-constant dim");
          args[i] = *d;
        }
        if (q == "aten::unsqueeze") {
          // unsqueeze's negative dim counts in the result, which has one more dim.
          auto d = ir::constantInt(n->input(1));
          args[1] = intConst(*d < 0 ? *d - 1 : *d);
        }
        return done(n, finish(emit(*n, q, args), true));
      }
      if (q == "aten::permute" && count == 2) {
        std::optional<std::vector<int64_t>> dims;
        if (const ir::AttributeValue *a = ir::constantValue(n->input(1));
            a && a->getIf<std::vector<int64_t>>())
          dims = *a->getIf<std::vector<int64_t>>();
        if (!dims)
          return unsupported(*n, "non-constant dims");
        int64_t rank = int64_t(dims->size());
        std::vector<int64_t> pd;
        for (int64_t d : *dims)
          pd.push_back(d < 0 ? d + rank : d);
        pd.push_back(rank);
        return done(n, finish(emit(*n, q, {r, g_.insertConstantInts(pd)}), true));
      }
      if ((q == "aten::neg" && count == 1) || q == "aten::contiguous" || q == "aten::clone" ||
          q == "aten::detach") {
        std::vector<ir::Value *> args = {r};
        for (size_t i = 1; i < count; ++i)
          args.push_back(n->input(i));
        return done(n, finish(emit(*n, q, args), true));
      }
    }
    // Products, quotients, sums.
    if ((q == "aten::mul" || q == "aten::div") && count == 2) {
      ir::Value *ra = pairOf(n->input(0)), *rb = pairOf(n->input(1));
      if (ra && rb)
        return unsupported(*n, "both operands complex");
      if (!ra && q == "aten::div")
        return unsupported(*n, "a complex divisor");
      ir::Value *pair = ra ? ra : rb;
      ir::Value *other = n->input(ra ? 1 : 0);
      if (other->type()->isTensor()) {
        if (isComplexTensor(other))
          return unsupported(*n, "a complex operand not made by stft or fft");
        const auto &sizes = other->type()->tensorInfo().sizes;
        if (!sizes)
          return unsupported(*n, "a real operand of unknown rank");
        // A 0-d operand broadcasts as it is (and must stay 0-d: torch's promotion treats it
        // apart); any other gets a trailing 1 to broadcast over the pair.
        if (!sizes->empty())
          other = emit(*n, "aten::unsqueeze", {other, intConst(-1)});
      } else if (!other->type()->is(ir::TypeKind::Int) && !other->type()->is(ir::TypeKind::Float) &&
                 !other->type()->is(ir::TypeKind::Bool)) {
        return unsupported(*n, "an operand that is not a real number or tensor");
      }
      return done(n, finish(emit(*n, q, {pair, other}), true));
    }
    if ((q == "aten::add" || q == "aten::sub") && (count == 2 || count == 3)) {
      ir::Value *ra = pairOf(n->input(0)), *rb = pairOf(n->input(1));
      if (!ra || !rb)
        return unsupported(*n, "a real operand (it would add to the real part only)");
      std::vector<ir::Value *> args = {ra, rb};
      if (count == 3)
        args.push_back(n->input(2));
      return done(n, finish(emit(*n, q, args), true));
    }
    return unsupported(*n, "no real-pair form for this op");
  }

  /// Drops `n` once its results are rewritten (a complex result lives on in pair_ only; its
  /// readers are rewritten when reached, or fail).
  absl::Status done(ir::Node *n, absl::Status s) {
    if (!s.ok())
      return s;
    if (!pair_.contains(n->output()))
      n->destroy();
    else
      dead_.push_back(n);
    return absl::OkStatus();
  }

public:
  /// Destroys the rewritten nodes with complex results, readers first.
  void dropDead() {
    for (auto it = dead_.rbegin(); it != dead_.rend(); ++it)
      if ((*it)->output()->uses().empty())
        (*it)->destroy();
  }

private:
  ir::Graph &g_;
  absl::flat_hash_map<const ir::Value *, ir::Value *> pair_;
  std::vector<ir::Node *> dead_;
};

} // namespace

/// Whether `b` (or a block in it) makes a complex value the lowering follows.
bool hasComplexProducer(const ir::Block *b) {
  for (const ir::Node *n : b->nodes()) {
    if (isComplexProducer(*n))
      return true;
    for (const ir::Block *sub : n->blocks())
      if (hasComplexProducer(sub))
        return true;
  }
  return false;
}

absl::Status runLowerComplex(ir::Graph &graph, const PassOptions &) {
  if (!hasComplexProducer(graph.block()))
    return absl::OkStatus(); // most graphs: one walk, nothing collected
  Lowering l(graph);
  TS2ONNX_RETURN_IF_ERROR(l.run());
  l.dropDead();
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
