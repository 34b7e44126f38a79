// to-onnx: replaces aten/prim nodes by ONNX nodes through the symbolic tables.
//
// Given: a frozen, functional graph (no module attributes, no in-place ops) whose tensor values
//        carry the dtypes/shapes propagate-shapes could find; PassOptions.targetOpset in
//        [kMinOpset, kMaxOpset]; extra option `operator-export-type` = ONNX (default),
//        ONNX_ATEN_FALLBACK or ONNX_FALLTHROUGH.
// Does:  converts every node with a symbolic at the target opset (newest entry <= opset),
//        flattens tuple/list/dict graph outputs into separate outputs, removes what became dead.
//        With ONNX_ATEN_FALLBACK an op without symbolic becomes an `ATen` node in domain
//        org.pytorch.aten (attribute `operator`), as torch does; with ONNX_FALLTHROUGH it is left
//        as is in its own domain (its scalar constant arguments as 0-d tensors).
// Result: only onnx:: nodes (and custom-domain nodes) and prim::Constant tensors remain, or an
//         error naming the first op without a symbolic, its source location and the opsets that
//         have one.
#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

#include "ir/Status.h"
#include "passes/Passes.h"
#include "symbolics/Helpers.h"
#include "symbolics/OnnxBuilder.h"
#include "symbolics/SymbolicRegistry.h"
#include "symbolics/Symbolics.h"

namespace ts2onnx::symbolics {

namespace {

enum class ExportType { Onnx, AtenFallback, Fallthrough };

/// Ops that draw from torch's random generator: never converted (ONNX's Random* ops cannot give
/// torch's numbers), refused with a message saying so.
bool isRandomSampling(ir::Symbol k) {
  static const std::string_view kOps[] = {
      "aten::bernoulli",       "aten::bernoulli_",   "aten::normal",
      "aten::normal_",         "aten::rand",         "aten::rand_like",
      "aten::randn",           "aten::randn_like",   "aten::randint",
      "aten::randint_like",    "aten::randperm",     "aten::multinomial",
      "aten::uniform_",        "aten::exponential_", "aten::_sample_dirichlet",
      "aten::_standard_gamma", "aten::poisson",      "aten::random_",
      "aten::geometric_",      "aten::log_normal_",  "aten::cauchy_"};
  for (std::string_view op : kOps)
    if (k.qualString() == op)
      return true;
  return false;
}

/// An If among the producers of `x` (a bounded walk) whose branches return tensors of different
/// or not both known ranks in one output, so that the rank of what follows depends on which
/// branch runs: where it is and the two ranks.
std::optional<std::string> rankSplittingIf(const ir::Value *x) {
  constexpr size_t kMaxVisited = 2000;
  std::vector<const ir::Node *> work{x->node()};
  absl::flat_hash_set<const ir::Node *> seen;
  auto rank = [](std::optional<int64_t> r) {
    return r ? fmt::format("a rank-{} tensor", *r) : std::string("a tensor of unknown rank");
  };
  // Two known, different ranks are the evidence; a known one against an unknown one (which
  // may be a gap in shape propagation) only when there is nothing better.
  std::optional<std::string> partial;
  while (!work.empty() && seen.size() < kMaxVisited) {
    const ir::Node *n = work.back();
    work.pop_back();
    if (!seen.insert(n).second)
      continue;
    if (n->kind() == ir::prim::If && n->blocks().size() == 2)
      for (size_t i = 0; i < n->outputs().size(); ++i) {
        auto a = OnnxBuilder::rankOf(n->blocks()[0]->outputs()[i]);
        auto b = OnnxBuilder::rankOf(n->blocks()[1]->outputs()[i]);
        if (!n->output(i)->type()->isTensor() || a == b)
          continue;
        std::string why = fmt::format(
            "{} returns {} in one branch and {} in the other",
            n->sourceLocation().valid() ? "the If at " + n->sourceLocation().str() : "an If",
            rank(a), rank(b));
        if (a && b)
          return why;
        if (!partial)
          partial = why;
      }
    for (const ir::Value *in : n->inputs())
      if (in->node()->kind() != ir::prim::Constant)
        work.push_back(in->node());
  }
  return partial;
}

bool isStructural(ir::Symbol k) {
  return k == ir::prim::Constant || k == ir::prim::ListConstruct || k == ir::prim::TupleConstruct ||
         k == ir::prim::DictConstruct;
}

class ToOnnx {
public:
  ToOnnx(ir::Graph &g, int opset, ExportType type, const passes::PassOptions &options)
      : g_(g), b_(g, opset), type_(type), options_(options) {}

  absl::Status run() {
    TS2ONNX_RETURN_IF_ERROR(checkListWrites(g_.block()));
    noteDataDependentRanks(g_.block());
    auto scalars = scalarOutputs();
    TS2ONNX_RETURN_IF_ERROR(convertBlock(g_.block()));
    if (b_.hasQuantization())
      options_.warn(
          "warning: the model computes on quantized tensors; the ONNX model gives the integers "
          "torch's QNNPACK kernels give (torch's mobile engine). Outputs torch computed with "
          "FBGEMM/x86 (its default engine on x86) can differ from the converted model's by one "
          "step of a tensor's scale on rare elements, where those kernels round a tie the other "
          "way");
    typeScalarOutputs(scalars);
    flattenOutputs();
    TS2ONNX_RETURN_IF_ERROR(passes::runDce(g_, passes::PassOptions{}));
    return checkConverted(g_.block());
  }

private:
  /// The readers of `x.dim()` where x's rank depends on the data (scripted detectors:
  /// BoxCoder.decode reshapes to rank 3 only `if box_sum > 0`, and clip_boxes_to_image stacks at
  /// `boxes.dim()`): what to add to the error of a symbolic that needs the value constant. Found
  /// before any node is converted (conversion replaces the aten::dim and the If).
  void noteDataDependentRanks(const ir::Block *b) {
    for (const ir::Node *n : b->nodes()) {
      for (const ir::Block *sub : n->blocks())
        noteDataDependentRanks(sub);
      if (n->kind().qualString() != "aten::dim" || n->inputs().empty() ||
          OnnxBuilder::rankOf(n->input(0)) || !n->output()->hasUses())
        continue;
      if (auto why = rankSplittingIf(n->input(0)))
        for (const ir::Use &u : n->output()->uses())
          rankNotes_[u.user] = fmt::format(
              " (it is the rank of a tensor whose rank depends on the data: {}; ONNX needs "
              "every rank at conversion time. Tracing the model fixes the branch taken)",
              *why);
    }
  }

  /// A list written in place other than by the appends functionalize-lists made values (an
  /// element write in a loop or if or at a run-time index, insert, pop, ...) has no ONNX form:
  /// one error at the first such write, before any reader of the list is converted.
  static absl::Status checkListWrites(const ir::Block *b) {
    static const std::string_view kWrites[] = {"aten::_set_item", "aten::insert",  "aten::pop",
                                               "aten::clear",     "aten::extend",  "aten::Delete",
                                               "aten::remove",    "aten::reverse", "aten::sort"};
    for (const ir::Node *n : b->nodes()) {
      std::string_view k = n->kind().qualString();
      // An append left in place (its result unused: functionalize-lists could not make it a
      // value, e.g. the list is also an element of another list) to a list that is read
      // elsewhere: the reads would see the list without the appended elements (a loop that
      // counts them would never end).
      auto refuse = [&](std::string_view why) {
        std::string where =
            n->sourceLocation().valid() ? n->sourceLocation().str() + ": " : std::string();
        return absl::UnimplementedError(fmt::format("{}error: {}: {}", where, k, why));
      };
      if (k == "aten::append" && n->inputs().size() == 2 && !n->output()->hasUses() &&
          n->input(0)->uses().size() > 1)
        return refuse("this list is appended to in place and also read elsewhere in a way "
                      "ts2onnx cannot follow (e.g. it is an element of another list, tuple or "
                      "dict); not supported in ONNX");
      if (!n->inputs().empty() && n->input(0)->type()->is(ir::TypeKind::List))
        for (std::string_view w : kWrites)
          if (k == w)
            return refuse("writing a list in place here is not supported in ONNX (ts2onnx "
                          "follows appends anywhere and element writes `l[i] = v` with a "
                          "constant index in straight-line code; this one is inside a loop or "
                          "if, or at a run-time index)");
      for (const ir::Block *sub : n->blocks())
        TS2ONNX_RETURN_IF_ERROR(checkListWrites(sub));
    }
    return absl::OkStatus();
  }

  absl::Status convertBlock(ir::Block *block) {
    for (auto it = block->nodes().begin(); it != block->nodes().end();) {
      ir::Node *n = *it;
      ++it;
      ir::Symbol k = n->kind();
      if (isStructural(k) || k.isNamespace("onnx"))
        continue;
      if (k == ir::prim::If && !SymbolicRegistry::global().lookup(k.qualString(), b_.opset())) {
        TS2ONNX_RETURN_IF_ERROR(convertIf(n));
        continue;
      }
      if (k == ir::prim::Loop && !SymbolicRegistry::global().lookup(k.qualString(), b_.opset())) {
        TS2ONNX_RETURN_IF_ERROR(convertLoop(n));
        continue;
      }
      const SymbolicFn *fn = SymbolicRegistry::global().lookup(k.qualString(), b_.opset());
      if (!fn) {
        if (type_ == ExportType::AtenFallback && k.isNamespace("aten"))
          TS2ONNX_RETURN_IF_ERROR(atenFallback(n));
        else if (type_ == ExportType::Fallthrough && !k.isNamespace("prim"))
          scalarInputsAsTensors(n);
        continue;
      }
      ir::WithInsertPoint guard(n);
      std::optional<Quantization> quantized;
      if (k.isNamespace("aten") && k.qualString() != std::string_view("aten::dequantize")) {
        absl::StatusOr<std::optional<Quantization>> q = onQuantized(n);
        TS2ONNX_RETURN_IF_ERROR(q.status());
        quantized = *q;
      }
      SymbolicContext ctx(b_, *n);
      QuantizedAtenKind qkind = quantized ? quantizedAtenKind(k.qualString(), b_.opset())
                                          : QuantizedAtenKind::Unsupported;
      absl::StatusOr<std::vector<ir::Value *>> converted =
          qkind == QuantizedAtenKind::Custom ? quantizedAten(ctx) : (*fn)(ctx);
      if (converted.ok() &&
          (qkind == QuantizedAtenKind::DataMovement || qkind == QuantizedAtenKind::IntegerUnits))
        requantize(*converted, *quantized, qkind);
      if (!converted.ok() && type_ == ExportType::AtenFallback && k.isNamespace("aten")) {
        // As torch.onnx.export: an op whose symbolic refuses these arguments stays an ATen
        // node, or as it is with ONNX_FALLTHROUGH (what the symbolic built before refusing is
        // dead and goes with the DCE below).
        TS2ONNX_RETURN_IF_ERROR(atenFallback(n));
        continue;
      }
      if (!converted.ok() && type_ == ExportType::Fallthrough && !k.isNamespace("prim")) {
        scalarInputsAsTensors(n); // kept as it is, as an op no symbolic covers
        continue;
      }
      if (!converted.ok())
        if (auto note = rankNotes_.find(n); note != rankNotes_.end())
          return absl::Status(converted.status().code(),
                              std::string(converted.status().message()) + note->second);
      TS2ONNX_ASSIGN_OR_RETURN(std::vector<ir::Value *> outs, std::move(converted));
      if (outs.size() != n->outputs().size())
        return ctx.error(fmt::format("symbolic returned {} values for {} outputs", outs.size(),
                                     n->outputs().size()));
      for (size_t i = 0; i < outs.size(); ++i)
        if (outs[i] && outs[i] != n->output(i)) {
          inheritType(outs[i], n->output(i));
          n->output(i)->replaceAllUsesWith(outs[i]);
        }
      bool used = false;
      for (ir::Value *o : n->outputs())
        used |= o->hasUses();
      if (!used)
        n->destroy();
    }
    return absl::OkStatus();
  }

  /// An aten op reading a quantized tensor (quantizedAtenKind): for data movement, its
  /// quantization, which every output keeps; for ops computed in integer units, the same after
  /// the quantized inputs are replaced by (integer - zero point) as floats. nullopt when no input
  /// is quantized; an error for other ops.
  absl::StatusOr<std::optional<Quantization>> onQuantized(ir::Node *n) {
    std::optional<Quantization> q;
    for (ir::Value *in : n->inputs())
      if (const Quantization *iq = b_.quantizationOf(in)) {
        q = *iq;
        break;
      }
    if (!q)
      return q;
    QuantizedAtenKind kind = quantizedAtenKind(n->kind().qualString(), b_.opset());
    if (kind == QuantizedAtenKind::Unsupported) {
      std::string where =
          n->sourceLocation().valid() ? n->sourceLocation().str() + ": " : std::string();
      std::string_view name = n->kind().qualString();
      return absl::UnimplementedError(fmt::format(
          "{}error: {} of a quantized tensor is not supported (ts2onnx converts quantized "
          "conv2d, linear, add, mul, cat, hardswish, hardsigmoid, sigmoid, tanh, ReLU, ReLU6, "
          "hardtanh, max pooling, average pooling (global, and windowed from opset 11) and data "
          "movement; dequantize before this op in the model to run it in float)",
          where, name));
    }
    if (kind == QuantizedAtenKind::IntegerUnits)
      for (size_t i = 0; i < n->inputs().size(); ++i)
        if (const Quantization *iq = b_.quantizationOf(n->input(i))) {
          ir::Value *units = b_.op("Sub", {b_.cast(n->input(i), ir::ScalarType::Float32),
                                           b_.floatScalar(double(iq->zeroPoint))});
          n->replaceInput(i, units);
        }
    return q;
  }

  /// The outputs of an aten op on quantized tensors: data movement keeps the integers; integer
  /// units are rounded half to even and saturated back to them (QuantizeLinear, scale 1).
  void requantize(std::vector<ir::Value *> &outs, const Quantization &q, QuantizedAtenKind kind) {
    bool units = kind == QuantizedAtenKind::IntegerUnits;
    for (ir::Value *&o : outs) {
      // A list of the pieces (chunk, split, unbind as a list literal): each piece keeps q.
      if (o && !units && o->node()->kind() == ir::prim::ListConstruct)
        for (ir::Value *piece : o->node()->inputs())
          if (piece->type()->isTensor())
            b_.setQuantization(piece, q);
      if (!o || !o->type()->isTensor())
        continue;
      if (units) {
        ir::ScalarType ints =
            q.dtype == ir::ScalarType::QInt8 ? ir::ScalarType::Int8 : ir::ScalarType::UInt8;
        o = b_.op("QuantizeLinear",
                  {o, b_.floatScalar(1.0), b_.scalarOf(double(q.zeroPoint), ints)});
      }
      b_.setQuantization(o, q);
    }
  }

  /// A symbolic's result is the aten output's value, so what propagate-shapes knew of the aten
  /// output (by the op's rule in semantics/) holds for it: its dtype and sizes fill in what the
  /// ONNX-level inference of the last node left unknown. So OnnxTypeInference needs rules only
  /// for the ONNX ops symbolics read types of in between.
  static void inheritType(ir::Value *onnx, const ir::Value *aten) {
    if (!onnx->type()->isTensor() || !aten->type()->isTensor())
      return;
    const ir::TensorInfo &a = aten->type()->tensorInfo();
    ir::TensorInfo o = onnx->type()->tensorInfo();
    bool changed = false;
    if (!o.dtype && a.dtype) {
      o.dtype = a.dtype;
      changed = true;
    }
    if (!o.sizes && a.sizes) {
      o.sizes = a.sizes;
      changed = true;
    }
    if (changed)
      onnx->setType(ir::Type::tensor(std::move(o)));
  }

  /// prim::If -> onnx::If: both blocks are copied into the new node and converted in place;
  /// they keep reading values of the enclosing blocks, which ONNX subgraphs may do.
  absl::Status convertIf(ir::Node *n) {
    ir::WithInsertPoint guard(n);
    ir::Node *onnxIf = b_.node("If", {n->input(0)}, {}, n->outputs().size());
    for (const ir::Block *blk : n->blocks()) {
      ir::Block *copy = onnxIf->addBlock();
      absl::flat_hash_map<const ir::Value *, ir::Value *> env;
      ir::Graph::cloneBlockInto(*blk, copy, env);
      TS2ONNX_RETURN_IF_ERROR(convertBlock(copy));
      finishSubgraph(copy);
    }
    replaceUnreadNones(n, onnxIf);
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      ir::Value *out = onnxIf->output(i);
      // The branches' converted outputs know their ONNX types best; a tensor's is what both
      // branches agree on (one branch may yield a static empty tensor, the other one of a
      // run-time size).
      ir::TypePtr t = n->output(i)->type();
      bool first = true;
      for (const ir::Block *blk : onnxIf->blocks()) {
        const ir::Value *o = blk->outputs()[i];
        if (o->type()->isTensor() && (first || t->isTensor())) {
          t = first ? o->type() : joinTensorTypes(t, o->type());
          first = false;
        } else if (first && isSequence(o) && o->type()->elementType()->isTensor()) {
          t = o->type();
          break;
        }
      }
      out->setType(t);
      n->output(i)->replaceAllUsesWith(out);
    }
    n->destroy();
    return absl::OkStatus();
  }

  /// An Optional[Tensor] If output that is None on one path and read only through
  /// unchecked_cast (code that proved it is not None, or raised, before each read): ONNX
  /// branches must both yield a tensor, so the None path yields zeros of the other path's
  /// dtype, rank and static dims (0 for dynamic ones), which nothing reads.
  void replaceUnreadNones(const ir::Node *n, ir::Node *onnxIf) {
    static const ir::Symbol kUnwrap = ir::Symbol::fromQualString("aten::_unwrap_optional");
    static const ir::Symbol kUncheckedUnwrap =
        ir::Symbol::fromQualString("prim::unchecked_unwrap_optional");
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      const ir::Value *out = n->output(i);
      if (!out->type()->is(ir::TypeKind::Optional) || !out->hasUses())
        continue;
      bool onlyCasts = true;
      for (const ir::Use &u : out->uses()) {
        ir::Symbol k = u.user->kind();
        onlyCasts &= k == ir::prim::unchecked_cast || k == kUnwrap || k == kUncheckedUnwrap;
      }
      if (!onlyCasts)
        continue;
      for (size_t side = 0; side < 2; ++side) {
        ir::Block *none = onnxIf->blocks()[side], *other = onnxIf->blocks()[1 - side];
        const ir::Value *o = other->outputs()[i];
        auto dtype = OnnxBuilder::dtypeOf(o);
        if (!none->outputs()[i]->type()->is(ir::TypeKind::None) || !o->type()->isTensor() || !dtype)
          continue;
        // The other path's static dims (0 where dynamic), so that If shape inference, which
        // refuses two different static sizes before opset 11, merges the two.
        std::vector<int64_t> sizes(size_t(OnnxBuilder::rankOf(o).value_or(1)), 0);
        if (auto dims = OnnxBuilder::dimsOf(o))
          for (size_t d = 0; d < dims->size() && d < sizes.size(); ++d)
            sizes[d] = (*dims)[d].isStatic() ? (*dims)[d].value : 0;
        ir::WithInsertPoint inBlock(none);
        ir::Value *filler = b_.constantOfShape(b_.int64s(sizes), 0, *dtype);
        none->replaceOutput(i, filler);
      }
    }
  }

  /// A scalar prim::Constant (int, float, bool) as the 0-d tensor ONNX needs; other values as
  /// they are.
  ir::Value *scalarAsTensor(ir::Value *v) {
    const ir::Node *c = v->node();
    if (c->kind() != ir::prim::Constant || v->type()->isTensor())
      return v;
    const ir::AttributeValue *a = c->attribute(ir::attr::value);
    if (!a)
      return v;
    if (const int64_t *i = a->getIf<int64_t>())
      return v->type()->is(ir::TypeKind::Bool) ? b_.boolScalar(*i != 0) : b_.int64Scalar(*i);
    if (const double *d = a->getIf<double>())
      return b_.floatScalar(*d);
    return v;
  }

  /// A converted If/Loop block as an ONNX subgraph: scalar constants it returns become
  /// tensors, and values it only passes through from outside get an Identity, since subgraph
  /// outputs must be produced inside.
  void finishSubgraph(ir::Block *body) {
    ir::WithInsertPoint inBody(body);
    for (size_t i = 0; i < body->outputs().size(); ++i) {
      ir::Value *o = body->outputs()[i];
      ir::Value *t = scalarAsTensor(o);
      if (t == o && o->node()->owningBlock() != body)
        t = isSequence(o) && b_.opset() < 14 ? sequencePassThrough(o) : b_.op("Identity", {o});
      if (t != o) {
        if (t->node()->kind() == ir::Symbol::fromQualString("onnx::Identity") || isSequence(t))
          t->setType(o->type());
        body->replaceOutput(i, t);
      }
    }
  }

  /// A copy of sequence `s` made inside a subgraph before opset 14, where Identity takes only
  /// tensors: a 0-d element of its dtype inserted at position 0 and erased again.
  ir::Value *sequencePassThrough(ir::Value *s) {
    const ir::Type &e = *s->type()->elementType();
    ir::ScalarType dt = e.isTensor() && e.tensorInfo().dtype ? *e.tensorInfo().dtype
                        : e.is(ir::TypeKind::Int)            ? ir::ScalarType::Int64
                                                             : ir::ScalarType::Float32;
    ir::Value *zero = b_.int64Scalar(0);
    ir::Value *grown = b_.op("SequenceInsert", {s, b_.scalarOf(0, dt), zero});
    ir::Value *out = b_.op("SequenceErase", {grown, zero});
    grown->setType(s->type());
    out->setType(s->type());
    return out;
  }

  static void setScalarType(ir::Value *v, ir::ScalarType t) {
    ir::TensorInfo info;
    info.dtype = t;
    info.sizes = std::vector<ir::Dim>{};
    v->setType(ir::Type::tensor(std::move(info)));
  }

  /// The value a loop body appends to carried list `j` when that list can be a scan output:
  /// it enters the loop empty, and the body's only use of it is one append at its top level
  /// whose result is carried on. Each iteration then adds exactly one element.
  static ir::Value *scanAppend(const ir::Node *n, size_t j) {
    const ir::Block *body = n->blocks()[0];
    const ir::Value *init = n->input(2 + j);
    const ir::Value *param = body->inputs()[1 + j];
    if (init->node()->kind() != ir::prim::ListConstruct || !init->node()->inputs().empty() ||
        param->uses().size() != 1)
      return nullptr;
    ir::Node *app = param->uses()[0].user;
    if (app->kind().qualString() != "aten::append" || param->uses()[0].offset != 0 ||
        app->owningBlock() != body || app->outputs().size() != 1 ||
        body->outputs()[1 + j] != app->output() || app->output()->uses().size() != 1)
      return nullptr;
    return app->input(1);
  }

  /// prim::Loop(trip, cond, carried...) -> onnx::Loop with the same inputs as tensors; the body
  /// gains ONNX's condition input and its scalar outputs become tensors. Carried lists of
  /// runtime length are ONNX sequences, which Loop carries from opset 13; below that a list
  /// only appended to once per iteration becomes a scan output (the elements stacked on a new
  /// axis 0, Loop's scan outputs exist since opset 1) split back into a sequence after the loop.
  absl::Status convertLoop(ir::Node *n) {
    ir::WithInsertPoint guard(n);
    ir::Block *old = n->blocks()[0];
    size_t numCarried = n->outputs().size();
    // Which carried values stay carried (their index) and which become scan outputs.
    std::vector<size_t> keep;
    std::vector<std::pair<size_t, ir::Value *>> scans;
    for (size_t j = 0; j < numCarried; ++j) {
      ir::Value *appended = b_.opset() < 13 ? scanAppend(n, j) : nullptr;
      if (appended)
        scans.emplace_back(j, appended);
      else
        keep.push_back(j);
    }
    // The scan lists leave the body: their append goes, with the carried parameter and output.
    for (auto it = scans.rbegin(); it != scans.rend(); ++it) {
      size_t j = it->first;
      ir::Node *app = old->outputs()[1 + j]->node();
      old->eraseOutput(1 + j);
      app->destroy();
      old->eraseInput(1 + j);
    }
    std::vector<ir::Value *> ins = {scalarAsTensor(n->input(0)), scalarAsTensor(n->input(1))};
    for (size_t j : keep) {
      ir::Value *v = n->input(2 + j);
      if (v->node()->kind() == ir::prim::ListConstruct)
        ins.push_back(listAsSequence(v, carriedElementDtype(old->inputs()[1 + ins.size() - 2])));
      else
        ins.push_back(scalarAsTensor(v));
    }
    for (size_t i = 2; i < ins.size(); ++i)
      if (isSequence(ins[i]) && b_.opset() < 13) {
        std::string where =
            n->sourceLocation().valid() ? n->sourceLocation().str() + ": " : std::string();
        return absl::UnimplementedError(fmt::format(
            "{}error: prim::Loop carries a list whose length is only known at run time and "
            "that is not just appended to once per iteration; ONNX Loop carries sequences from "
            "opset 13 (target is {})",
            where, b_.opset()));
      }
    ir::Node *loop = b_.node("Loop", ins, {}, keep.size() + scans.size());
    ir::Block *body = loop->addBlock();
    absl::flat_hash_map<const ir::Value *, ir::Value *> env;
    ir::Value *iter = body->addInput();
    setScalarType(iter, ir::ScalarType::Int64);
    env[old->inputs()[0]] = iter;
    setScalarType(body->addInput(), ir::ScalarType::Bool);
    for (size_t i = 1; i < old->inputs().size(); ++i) {
      ir::Value *in = body->addInput();
      const ir::Value *outer = ins[i + 1];
      // The body parameter's own type holds across iterations (a carried tensor may change
      // shape: a decoding loop's growing sequence); the initial value's only says the first.
      const ir::TypePtr &inner = old->inputs()[i]->type();
      bool typed = outer->type()->isTensor() || isSequence(outer);
      in->setType(!typed ? inner : acrossIterations(inner, outer->type()));
      env[old->inputs()[i]] = in;
    }
    ir::Graph::cloneBlockInto(*old, body, env);
    for (const auto &[j, appended] : scans) {
      auto it = env.find(appended);
      body->registerOutput(it == env.end() ? appended : it->second);
    }
    TS2ONNX_RETURN_IF_ERROR(convertBlock(body));
    finishSubgraph(body);
    for (size_t k = 0; k < keep.size(); ++k) {
      ir::Value *out = loop->output(k);
      ir::Value *oldOut = n->output(keep[k]);
      const ir::TypePtr &t = body->outputs()[k + 1]->type();
      out->setType(t->isTensor() || isSequence(body->outputs()[k + 1])
                       ? acrossIterations(oldOut->type(), t)
                       : oldOut->type());
      oldOut->replaceAllUsesWith(out);
    }
    for (size_t s = 0; s < scans.size(); ++s) {
      ir::Value *out = loop->output(keep.size() + s);
      ir::Value *elem = body->outputs()[1 + keep.size() + s];
      ir::TensorInfo info;
      info.dtype = OnnxBuilder::dtypeOf(elem);
      std::optional<ir::TensorInfo> elemInfo;
      if (elem->type()->isTensor())
        elemInfo = elem->type()->tensorInfo();
      if (elemInfo && elemInfo->sizes) {
        std::vector<ir::Dim> dims = {ir::Dim::unknown()};
        dims.insert(dims.end(), elemInfo->sizes->begin(), elemInfo->sizes->end());
        info.sizes = std::move(dims);
      }
      out->setType(ir::Type::tensor(info));
      ir::Value *seq =
          b_.op("SplitToSequence", {out}, {OnnxAttr::i("axis", 0), OnnxAttr::i("keepdims", 0)});
      ir::TensorInfo e;
      e.dtype = info.dtype;
      if (elemInfo && elemInfo->sizes)
        e.sizes = std::vector<ir::Dim>(elemInfo->sizes->size(), ir::Dim::unknown());
      seq->setType(ir::Type::list(ir::Type::tensor(std::move(e))));
      n->output(scans[s].first)->replaceAllUsesWith(seq);
    }
    n->destroy();
    return absl::OkStatus();
  }

  /// The tensor type of a value that is `a` on one path and `b` on another: the dtype (the
  /// first known), the rank when they agree with the dims that are equal (others unknown), the
  /// known rank with unknown dims when only one is known.
  static ir::TypePtr joinTensorTypes(const ir::TypePtr &a, const ir::TypePtr &b) {
    const ir::TensorInfo &x = a->tensorInfo(), &y = b->tensorInfo();
    ir::TensorInfo info;
    info.dtype = x.dtype ? x.dtype : y.dtype;
    if (x.sizes && y.sizes && x.sizes->size() == y.sizes->size()) {
      std::vector<ir::Dim> dims;
      for (size_t i = 0; i < x.sizes->size(); ++i)
        dims.push_back((*x.sizes)[i] == (*y.sizes)[i] ? (*x.sizes)[i] : ir::Dim::unknown());
      info.sizes = std::move(dims);
    } else if (bool(x.sizes) != bool(y.sizes)) {
      info.sizes = std::vector<ir::Dim>((x.sizes ? x.sizes : y.sizes)->size(), ir::Dim::unknown());
    }
    return ir::Type::tensor(std::move(info));
  }

  /// The ONNX type of a carried value: the IR's type of it (`ir`, which holds for every
  /// iteration) when that is a tensor, with the dtype and rank `onnx` (one iteration's ONNX
  /// type) gives when the IR's lacks them; `onnx` otherwise.
  static ir::TypePtr acrossIterations(const ir::TypePtr &ir, const ir::TypePtr &onnx) {
    if (!ir->isTensor() || !onnx->isTensor())
      return onnx;
    ir::TensorInfo info = ir->tensorInfo();
    const ir::TensorInfo &first = onnx->tensorInfo();
    if (!info.dtype)
      info.dtype = first.dtype;
    // Rank unknown to the IR: the first iteration's rank, every dim free.
    if (!info.sizes && first.sizes)
      info.sizes = std::vector<ir::Dim>(first.sizes->size(), ir::Dim::unknown());
    return ir::Type::tensor(std::move(info));
  }

  /// The dtype of what a loop body appends to its carried list `in` (int elements are int64),
  /// nullopt when nothing tells.
  static std::optional<ir::ScalarType> carriedElementDtype(const ir::Value *in) {
    const ir::Type &e = *in->type()->elementType();
    if (e.is(ir::TypeKind::Int))
      return ir::ScalarType::Int64;
    if (e.is(ir::TypeKind::Bool))
      return ir::ScalarType::Bool;
    if (e.is(ir::TypeKind::Float))
      return ir::ScalarType::Float64;
    for (const ir::Use &u : in->uses())
      if (u.user->kind().qualString() == "aten::append" && u.offset == 0)
        if (auto t = OnnxBuilder::dtypeOf(u.user->input(1)))
          return t;
    return e.isTensor() ? e.tensorInfo().dtype : std::nullopt;
  }

  /// A ListConstruct entering a Loop as a carried value: an ONNX sequence of its elements
  /// (SequenceEmpty of `elem`, float32 when unknown, for an empty list).
  ir::Value *listAsSequence(ir::Value *l, std::optional<ir::ScalarType> elem) {
    std::vector<ir::Value *> elems;
    for (ir::Value *e : l->node()->inputs())
      elems.push_back(scalarAsTensor(e));
    ir::Value *seq =
        elems.empty()
            ? b_.op("SequenceEmpty", {},
                    {OnnxAttr::i("dtype", onnxDataType(elem.value_or(ir::ScalarType::Float32)))})
            : b_.op("SequenceConstruct", elems);
    ir::TensorInfo info;
    info.dtype = elems.empty() ? elem : OnnxBuilder::dtypeOf(elems[0]);
    if (!elems.empty())
      if (auto r = OnnxBuilder::rankOf(elems[0]))
        info.sizes = std::vector<ir::Dim>(size_t(*r), ir::Dim::unknown());
    seq->setType(ir::Type::list(ir::Type::tensor(std::move(info))));
    return seq;
  }

  /// A node kept as is (ONNX_FALLTHROUGH): its int/float/bool constant arguments become 0-d
  /// tensor constants, since an ONNX node reads only tensors.
  void scalarInputsAsTensors(ir::Node *n) {
    ir::WithInsertPoint guard(n);
    for (size_t i = 0; i < n->inputs().size(); ++i)
      if (ir::Value *t = scalarAsTensor(n->input(i)); t != n->input(i))
        n->replaceInput(i, t);
  }

  /// `n` as an ATen node of domain org.pytorch.aten, as torch.onnx.export writes one: tensors
  /// pass as they are, constant scalars as 0-d tensors and constant int lists as 1-D int64
  /// tensors, None as an omitted input; any other argument (a string, a list computed at run
  /// time) has no ONNX form and is refused naming it.
  absl::Status atenFallback(ir::Node *n) {
    ir::WithInsertPoint guard(n);
    SymbolicContext ctx(b_, *n);
    std::vector<ir::Value *> ins;
    for (size_t i = 0; i < n->inputs().size(); ++i) {
      ir::Value *v = n->input(i);
      if (v->type()->isTensor() || isSequence(v) ||
          (v->type()->is(ir::TypeKind::None) && v->node()->kind() == ir::prim::Constant)) {
        ins.push_back(v); // None: an omitted optional input
        continue;
      }
      if (ir::Value *t = scalarAsTensor(v); t != v) {
        ins.push_back(t);
        continue;
      }
      if (v->type()->is(ir::TypeKind::List))
        if (std::optional<std::vector<int64_t>> xs = ctx.constInts(i)) {
          ins.push_back(b_.int64s(*xs));
          continue;
        }
      return ctx.error(fmt::format(
          "argument {} ({}) cannot be an input of an ATen fallback node (ONNX inputs are "
          "tensors; constant numbers and int lists are converted, this is not)",
          i, v->type()->str()));
    }
    ir::Node *a = b_.node("ATen", ins, {OnnxAttr::s("operator", std::string(n->kind().name()))},
                          n->outputs().size());
    a->s_(ir::Symbol::attr("domain"), "org.pytorch.aten");
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      a->output(i)->setType(n->output(i)->type());
      n->output(i)->replaceAllUsesWith(a->output(i));
    }
    n->destroy();
    return absl::OkStatus();
  }

  /// Graph outputs that are tuples, lists or dicts become one output per element, in order;
  /// None outputs are dropped. The flattened outputs are named after their place, `out.0`,
  /// `out.1` for tuple and list elements, `out.<key>` for dict entries with constant str or int
  /// keys (`out.0.1` when nested; a graph with several outputs starts from `out.<i>`), in the
  /// return node's `output_names` attribute, which the emitter uses when the user gave none.
  /// Where the graph returns an int, float or bool (`return x.size(0)`, `.item()`, a flag),
  /// directly or in a returned tuple/list: the node reading it, the input index and the dtype
  /// torch's scalar type for it has (int64, float64, bool; a Scalar's by its value's kind).
  struct ScalarOutput {
    ir::Node *user;
    size_t index;
    ir::ScalarType dtype;
  };
  std::vector<ScalarOutput> scalarOutputs() {
    std::vector<ScalarOutput> found;
    std::vector<ir::Node *> users = {g_.block()->returnNode()};
    while (!users.empty()) {
      ir::Node *u = users.back();
      users.pop_back();
      for (size_t i = 0; i < u->inputs().size(); ++i) {
        const ir::Value *v = u->input(i);
        const ir::Type &t = *v->type();
        ir::Symbol k = v->node()->kind();
        if (k == ir::prim::TupleConstruct || k == ir::prim::ListConstruct)
          users.push_back(v->node());
        else if (t.is(ir::TypeKind::Int))
          found.push_back({u, i, ir::ScalarType::Int64});
        else if (t.is(ir::TypeKind::Float))
          found.push_back({u, i, ir::ScalarType::Float64});
        else if (t.is(ir::TypeKind::Bool))
          found.push_back({u, i, ir::ScalarType::Bool});
        else if (t.is(ir::TypeKind::Number)) // a Scalar (item()): by the dtype it is made in
          found.push_back({u, i, ir::ScalarType::Undefined});
      }
    }
    return found;
  }

  /// Makes each scalar output a 0-d tensor of its dtype: a constant one for a constant, a Cast
  /// where the converted value (a runtime number is a 0-d tensor) has another dtype.
  void typeScalarOutputs(const std::vector<ScalarOutput> &scalars) {
    for (const ScalarOutput &s : scalars) {
      ir::Value *v = s.user->input(s.index);
      ir::WithInsertPoint at(s.user);
      if (!v->type()->isTensor()) {
        const ir::AttributeValue *a =
            v->node()->kind() == ir::prim::Constant ? ir::constantValue(v) : nullptr;
        if (!a)
          continue;
        if (const int64_t *x = a->getIf<int64_t>())
          s.user->replaceInput(s.index, s.dtype == ir::ScalarType::Int64
                                            ? b_.int64Scalar(*x)
                                            : b_.scalarOf(double(*x), s.dtype));
        else if (const double *x = a->getIf<double>())
          s.user->replaceInput(s.index, b_.scalarOf(*x, s.dtype));
        continue;
      }
      auto dt = OnnxBuilder::dtypeOf(v);
      if (!dt)
        continue;
      ir::ScalarType want = s.dtype;
      if (want == ir::ScalarType::Undefined)
        want = ir::isFloatingType(*dt)       ? ir::ScalarType::Float64
               : *dt == ir::ScalarType::Bool ? ir::ScalarType::Bool
                                             : ir::ScalarType::Int64;
      if (*dt != want)
        s.user->replaceInput(s.index, b_.cast(v, want));
    }
  }

  void flattenOutputs() {
    ir::Block *top = g_.block();
    std::vector<std::string> names(top->outputs().size());
    bool flattened = false;
    bool changed = true;
    while (changed) {
      changed = false;
      for (size_t i = 0; i < top->outputs().size(); ++i) {
        ir::Node *p = top->outputs()[i]->node();
        if (p->kind() != ir::prim::TupleConstruct && p->kind() != ir::prim::ListConstruct &&
            p->kind() != ir::prim::DictConstruct)
          continue;
        std::string base = !names[i].empty()            ? names[i]
                           : top->outputs().size() == 1 ? std::string("out")
                                                        : fmt::format("out.{}", i);
        std::vector<ir::Value *> elems;
        std::vector<std::string> elemNames;
        for (size_t k = 0; k < p->inputs().size(); ++k) {
          if (p->kind() != ir::prim::DictConstruct) {
            elems.push_back(p->input(k));
            elemNames.push_back(fmt::format("{}.{}", base, k));
          } else if (k % 2 == 1) {
            elems.push_back(p->input(k));
            elemNames.push_back(fmt::format("{}.{}", base, dictKeyName(p->input(k - 1), k / 2)));
          }
        }
        top->eraseOutput(i);
        names.erase(names.begin() + static_cast<std::ptrdiff_t>(i));
        for (size_t k = 0; k < elems.size(); ++k) {
          top->insertOutput(i + k, elems[k]);
          names.insert(names.begin() + static_cast<std::ptrdiff_t>(i + k), elemNames[k]);
        }
        changed = flattened = true;
        break;
      }
    }
    // None outputs (e.g. GoogLeNet's absent aux logits) have no ONNX value; torch's exporter
    // leaves them out too.
    for (size_t i = top->outputs().size(); i-- > 0;) {
      const ir::Value *o = top->outputs()[i];
      if (o->type()->is(ir::TypeKind::None) && o->node()->kind() == ir::prim::Constant) {
        top->eraseOutput(i);
        names.erase(names.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
    if (flattened)
      top->returnNode()->setAttribute(ir::Symbol::attr("output_names"),
                                      ir::AttributeValue(std::move(names)));
  }

  /// A dict key as part of an output name: the str or int constant, else the entry's index.
  static std::string dictKeyName(const ir::Value *key, size_t index) {
    if (const ir::AttributeValue *a = ir::constantValue(key)) {
      if (const auto *s = a->getIf<std::string>())
        return *s;
      if (const auto *i = a->getIf<int64_t>())
        return std::to_string(*i);
    }
    return std::to_string(index);
  }

  absl::Status checkConverted(const ir::Block *block) {
    for (const ir::Node *n : block->nodes()) {
      ir::Symbol k = n->kind();
      if (k == ir::prim::Constant)
        continue;
      if (k.isNamespace("onnx")) {
        // Blocks of converted control flow must be converted too; an unconverted node is
        // reported itself, not the nodes inside its blocks.
        for (const ir::Block *sub : n->blocks())
          TS2ONNX_RETURN_IF_ERROR(checkConverted(sub));
        continue;
      }
      if (type_ == ExportType::Fallthrough && !k.isNamespace("prim"))
        continue;
      // Quantized weights and packed parameters are read by the op that uses them (freeze
      // makes them): that op is the one to name.
      std::string_view name = k.qualString();
      if ((name == "aten::_make_per_tensor_quantized_tensor" ||
           name == "aten::_make_per_channel_quantized_tensor" ||
           (k.isNamespace("quantized") && name.find("_prepack") != std::string_view::npos)) &&
          n->outputs().size() == 1 && n->output()->hasUses())
        continue;
      if (!k.isNamespace("aten") && !k.isNamespace("prim") && !k.isNamespace("quantized") &&
          n->hasAttribute(ir::Symbol::attr("domain")))
        continue; // custom-domain node built by a user symbolic
      std::vector<int> have = SymbolicRegistry::global().opsetsOf(k.qualString());
      std::string where =
          n->sourceLocation().valid() ? n->sourceLocation().str() + ": " : std::string();
      std::string opsets;
      for (int v : have)
        opsets += (opsets.empty() ? "" : ", ") + std::to_string(v);
      std::string ranges;
      for (auto [from, to] : SymbolicRegistry::global().customRangesOf(k.qualString()))
        ranges += fmt::format("{}{} to {}", ranges.empty() ? "" : ", ", from, to);
      std::string hint =
          isRandomSampling(k) ? " (random sampling: no ONNX model can reproduce torch's random "
                                "generator, so the op is refused at every opset)"
          : k.isNamespace("aten")
              ? " (nor at any opset; --operator-export-type ONNX_ATEN_FALLBACK emits it as an ATen "
                "node)"
              : fmt::format(" (nor at any opset; register one with ts2onnx::registerSymbolic, or "
                            "--operator-export-type ONNX_FALLTHROUGH keeps it as a node of "
                            "domain {})",
                            k.ns());
      return absl::UnimplementedError(fmt::format(
          "{}error: {} has no ONNX symbolic at opset {}{}", where, k.qualString(), b_.opset(),
          !ranges.empty()  ? fmt::format(" (registered for opsets {}{})", ranges,
                                        opsets.empty() ? "" : "; builtin from " + opsets)
          : opsets.empty() ? hint
                           : fmt::format(" (it has one from opset {})", opsets)));
    }
    return absl::OkStatus();
  }

  ir::Graph &g_;
  absl::flat_hash_map<const ir::Node *, std::string> rankNotes_; // noteDataDependentRanks
  OnnxBuilder b_;
  ExportType type_;
  const passes::PassOptions &options_;
};

} // namespace

absl::Status runToOnnx(ir::Graph &graph, const passes::PassOptions &options) {
  int opset = options.targetOpset;
  if (opset < kMinOpset || opset > kMaxOpset)
    return absl::InvalidArgumentError(fmt::format(
        "opset {} is not supported (this build targets {} to {})", opset, kMinOpset, kMaxOpset));
  ExportType type = ExportType::Onnx;
  if (auto t = options.get("operator-export-type")) {
    if (*t == "ONNX_ATEN_FALLBACK")
      type = ExportType::AtenFallback;
    else if (*t == "ONNX_FALLTHROUGH")
      type = ExportType::Fallthrough;
    else if (*t != "ONNX")
      return absl::InvalidArgumentError(
          fmt::format("unknown operator export type '{}' (ONNX, ONNX_ATEN_FALLBACK, "
                      "ONNX_FALLTHROUGH)",
                      *t));
  }
  return ToOnnx(graph, opset, type, options).run();
}

absl::Status registerPasses(passes::PassRegistry &registry) {
  return registry.registerPass(
      "to-onnx",
      "Replace aten/prim nodes by ONNX nodes through the symbolic tables for the target opset",
      runToOnnx);
}

} // namespace ts2onnx::symbolics
