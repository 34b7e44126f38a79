// remove-mutation: in-place tensor ops become functional ops on SSA values, as torch.onnx's
// RemoveInplaceOpsForONNX does, including writes through views (`x[0] = y`, `x[:, 1:3] += 1`).
//
// Given: an inlined, frozen graph (no method calls; module attributes are constants).
// Does:  walks the graph once in program order, keeping for every tensor the value that holds
//        its current contents:
//        - `aten::X_(m, ...)` becomes `aten::X(m, ...)` (copy_ and fill_ with a tensor become
//          expand_as + type_as of the source, fill_ with a number full_like, zero_ zeros_like);
//          every later read of m, or of the in-place op's result, reads the new value;
//        - when m is a view of a base (slice, select, narrow, view/reshape/flatten/(un)squeeze,
//          transpose/t/permute, detach/contiguous, and aten::to without copy=True, which
//          returns its input when the dtype does not change), the new contents are scattered
//          back into each level (slice_scatter, select_scatter, reshape_as, the inverse
//          transpose or permutation; through `to`, under an If on the dtypes agreeing) and the
//          base and every view on that chain read the new values;
//        - a mutation inside a prim::If branch becomes an extra If output (the other branch
//          passes the old value on); inside a prim::Loop body an extra loop-carried value.
// Errors: an in-place op on a value that may alias another in ways SSA cannot follow (a loop-
//        carried value, an If output, a list element; not a piece of a split of a tensor
//        nothing else reads, whose pieces are disjoint), through a view it cannot invert
//        (expand, as_strided, ...), or a later read of a view or list that still holds the old
//        contents. Known limit: a view made before a loop and read inside it while the loop
//        writes its base is not detected.
// Result: no in-place aten op remains; the old views are left for dce. Linear time.
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "ir/Status.h"
#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

ir::Symbol sym(std::string_view qual) { return ir::Symbol::fromQualString(qual); }

bool isInplaceKind(ir::Symbol k) {
  if (!k.isNamespace("aten"))
    return false;
  std::string_view n = k.name();
  return n.size() > 1 && n.back() == '_' && n.substr(0, 2) != "__";
}

std::string where(const ir::Node &n) {
  return n.sourceLocation().valid() ? n.sourceLocation().str() + ": " : std::string();
}

/// Ops whose tensor output shares memory with their first input.
const absl::flat_hash_set<std::string_view> &viewOps() {
  static const auto *s = new absl::flat_hash_set<std::string_view>{"slice",
                                                                   "select",
                                                                   "narrow",
                                                                   "view",
                                                                   "reshape",
                                                                   "_reshape_alias",
                                                                   "flatten",
                                                                   "unflatten",
                                                                   "unsqueeze",
                                                                   "squeeze",
                                                                   "view_as",
                                                                   "reshape_as",
                                                                   "transpose",
                                                                   "t",
                                                                   "permute",
                                                                   "swapaxes",
                                                                   "swapdims",
                                                                   "detach",
                                                                   "alias",
                                                                   "contiguous",
                                                                   "expand",
                                                                   "expand_as",
                                                                   "diagonal",
                                                                   "unfold",
                                                                   "as_strided",
                                                                   "numpy_T",
                                                                   "T",
                                                                   "mT",
                                                                   "real",
                                                                   "imag",
                                                                   "view_as_real",
                                                                   "view_as_complex",
                                                                   "movedim",
                                                                   "moveaxis",
                                                                   "squeeze_copy"};
  return *s;
}

/// aten::to returns its input itself when it changes nothing (same dtype, on the CPU) unless
/// asked to copy; its schema says so (`Tensor(a) self -> Tensor(a)`), and torch's TorchScript
/// runtime follows writes through it. A `to` whose `copy` argument is the constant false is
/// therefore a view of its input, written back only where the dtypes agree (scatter).
bool isMaybeSelfTo(const ir::Node *n) {
  if (n->kind() != sym("aten::to") || n->inputs().size() < 3 || n->outputs().size() != 1)
    return false;
  // `copy` is the last argument of the prim_* overloads, before memory_format otherwise.
  size_t last = n->inputs().size() - 1;
  const ir::Value *copy =
      n->input(last)->type()->is(ir::TypeKind::Bool) ? n->input(last) : n->input(last - 1);
  std::optional<int64_t> c = ir::constantInt(copy);
  if (!copy->type()->is(ir::TypeKind::Bool) || !c || *c != 0)
    return false;
  // A conversion between two known, different dtypes always makes a new tensor.
  const ir::TypePtr &self = n->input(0)->type();
  std::optional<ir::ScalarType> from = self->isTensor() ? self->tensorInfo().dtype : std::nullopt;
  std::optional<ir::ScalarType> to;
  const ir::Value *arg = n->input(1);
  if (arg->type()->isTensor()) { // to.other
    to = arg->type()->tensorInfo().dtype;
  } else {
    // to.device and to.prim_Device take the device first, then the dtype.
    bool deviceFirst = arg->type()->is(ir::TypeKind::Device) ||
                       (n->inputs().size() == 5 && n->input(last)->type()->is(ir::TypeKind::Bool));
    std::optional<int64_t> code = ir::constantInt(n->input(deviceFirst ? 2 : 1));
    if (code && *code >= 0)
      to = static_cast<ir::ScalarType>(*code);
  }
  return !(from && to && *from != *to);
}

/// A view node: its output shares its input's memory.
bool isViewNode(const ir::Node *n) {
  return (n->kind().isNamespace("aten") && viewOps().count(n->kind().name())) || isMaybeSelfTo(n);
}

/// Splitting ops, whose pieces are disjoint views of their input.
bool splitsDisjointly(const ir::Node *n) {
  static const ir::Symbol kinds[] = {sym("aten::split"),
                                     sym("aten::chunk"),
                                     sym("aten::unbind"),
                                     sym("prim::ConstantChunk"),
                                     sym("aten::split_with_sizes"),
                                     sym("aten::tensor_split"),
                                     sym("aten::unsafe_chunk"),
                                     sym("aten::unsafe_split")};
  for (ir::Symbol k : kinds)
    if (n->kind() == k)
      return true;
  return false;
}

/// Producers whose outputs may alias values SSA does not connect them to: the splitting ops'
/// pieces, and what unpacks, indexes or passes through values.
bool producesAliases(const ir::Node *n) {
  static const ir::Symbol kinds[] = {ir::prim::If,
                                     ir::prim::Loop,
                                     ir::prim::ListUnpack,
                                     ir::prim::TupleUnpack,
                                     ir::prim::TupleIndex,
                                     ir::prim::unchecked_cast,
                                     sym("aten::__getitem__")};
  for (ir::Symbol k : kinds)
    if (n->kind() == k)
      return true;
  return splitsDisjointly(n);
}

/// Made by an aten op that is neither a view nor in place: its result does not share memory
/// with the op's inputs (a graph or block input is a prim::Param, not aten).
bool madeByNonViewOp(const ir::Node *n) {
  return n->kind().isNamespace("aten") && !isViewNode(n) && !isInplaceKind(n->kind());
}

/// Reads that depend only on a tensor's metadata, which writes do not change.
bool readsMetadataOnly(const ir::Node *n) {
  static const ir::Symbol kinds[] = {sym("aten::size"),   sym("aten::dim"),      sym("aten::numel"),
                                     ir::prim::dtype,     ir::prim::device,      sym("aten::len"),
                                     sym("aten::__is__"), sym("aten::__isnot__")};
  for (ir::Symbol k : kinds)
    if (n->kind() == k)
      return true;
  return false;
}

class RemoveMutation {
public:
  explicit RemoveMutation(ir::Graph &g) : g_(g) {}

  absl::Status run() {
    TS2ONNX_RETURN_IF_ERROR(walk(g_.block()));
    for (auto it = inplace_.rbegin(); it != inplace_.rend(); ++it)
      (*it)->destroy();
    return absl::OkStatus();
  }

private:
  // --- bookkeeping with an undo log, so that branches see only their own writes -------------
  enum class Map { Env, Created, Version };
  struct LogEntry {
    Map map;
    const ir::Value *key;
    bool had;
    ir::Value *oldValue;
    int64_t oldNumber;
  };

  void setEnv(const ir::Value *k, ir::Value *v) {
    auto it = env_.find(k);
    log_.push_back({Map::Env, k, it != env_.end(), it != env_.end() ? it->second : nullptr, 0});
    env_[k] = v;
  }
  void setNumber(Map m, const ir::Value *k, int64_t v) {
    auto &map = m == Map::Created ? created_ : version_;
    auto it = map.find(k);
    log_.push_back({m, k, it != map.end(), nullptr, it != map.end() ? it->second : 0});
    map[k] = v;
  }
  void undoTo(size_t mark) {
    while (log_.size() > mark) {
      LogEntry e = log_.back();
      log_.pop_back();
      if (e.map == Map::Env) {
        if (e.had)
          env_[e.key] = e.oldValue;
        else
          env_.erase(e.key);
      } else {
        auto &map = e.map == Map::Created ? created_ : version_;
        if (e.had)
          map[e.key] = e.oldNumber;
        else
          map.erase(e.key);
      }
    }
  }

  const ir::Value *originOf(const ir::Value *v) const {
    auto it = origin_.find(v);
    return it == origin_.end() ? v : it->second;
  }
  const ir::Value *rootOf(const ir::Value *origin) const {
    auto it = root_.find(origin);
    return it == root_.end() ? origin : it->second;
  }
  ir::Value *current(const ir::Value *origin, ir::Value *fallback) const {
    auto it = env_.find(origin);
    return it == env_.end() ? fallback : it->second;
  }
  int64_t versionOf(const ir::Value *root) const {
    auto it = version_.find(root);
    return it == version_.end() ? 0 : it->second;
  }
  int64_t createdOf(const ir::Value *origin) const {
    auto it = created_.find(origin);
    return it == created_.end() ? 0 : it->second;
  }
  bool stale(const ir::Value *origin) const {
    return createdOf(origin) != versionOf(rootOf(origin));
  }

  static bool definedInside(const ir::Value *v, const ir::Block *b) {
    for (const ir::Block *p = v->node()->owningBlock(); p;
         p = p->owningNode() ? p->owningNode()->owningBlock() : nullptr)
      if (p == b)
        return true;
    return false;
  }
  static bool nodeInside(const ir::Node *n, const ir::Block *b) {
    for (const ir::Block *p = n->owningBlock(); p;
         p = p->owningNode() ? p->owningNode()->owningBlock() : nullptr)
      if (p == b)
        return true;
    return false;
  }

  // --- the walk --------------------------------------------------------------------------------
  absl::Status mapInputs(ir::Node *n) {
    bool metadata = readsMetadataOnly(n);
    for (size_t i = 0; i < n->inputs().size(); ++i) {
      ir::Value *u = n->input(i);
      const ir::Value *o = originOf(u);
      ir::Value *cur = current(o, u);
      if (cur != u)
        n->replaceInput(i, cur);
      if (metadata)
        continue;
      if (u->type()->isTensor() && stale(o))
        return absl::FailedPreconditionError(fmt::format(
            "{}remove-mutation: {} reads %{}, a view whose base was written after the view "
            "was made; this aliasing cannot be exported",
            where(*n), n->kind().qualString(), u->debugName()));
      auto snap = captured_.find(cur);
      if (snap != captured_.end())
        for (const auto &[capturedOrigin, version] : snap->second)
          if (versionOf(rootOf(capturedOrigin)) != version)
            return absl::FailedPreconditionError(fmt::format(
                "{}remove-mutation: {} reads %{}, a container holding a tensor that was "
                "written in place after it was put there; this aliasing cannot be exported",
                where(*n), n->kind().qualString(), cur->debugName()));
    }
    return absl::OkStatus();
  }

  /// The pieces of a split (directly, or unpacked from the list it made and nothing else
  /// reads) of a tensor that nothing else reads, made by an op that is not a view: a write to
  /// one piece changes no value anything reads but that piece (a traced GRUCell adds in place
  /// to the chunks of its gate projections).
  bool privatePieces(const ir::Node *n) const {
    const ir::Node *split = n;
    if (n->kind() == ir::prim::ListUnpack) {
      split = n->input(0)->node();
      if (n->input(0)->uses().size() != 1)
        return false;
    }
    if (!splitsDisjointly(split) || split->inputs().empty())
      return false;
    const ir::Value *base = split->input(0);
    return base->type()->isTensor() && base->uses().size() == 1 && !aliased_.count(base) &&
           madeByNonViewOp(base->node());
  }

  void registerOutputs(ir::Node *n) {
    if (producesAliases(n) && !privatePieces(n)) {
      for (ir::Value *v : n->outputs())
        aliased_.insert(v);
      return;
    }
    if (n->kind() == ir::prim::ListConstruct || n->kind() == ir::prim::TupleConstruct) {
      std::vector<std::pair<const ir::Value *, int64_t>> snap;
      for (ir::Value *in : n->inputs()) {
        if (in->type()->isTensor()) {
          const ir::Value *o = originOf(in);
          snap.emplace_back(o, versionOf(rootOf(o)));
        } else if (auto it = captured_.find(in); it != captured_.end()) {
          snap.insert(snap.end(), it->second.begin(), it->second.end());
        }
      }
      if (!snap.empty())
        captured_[n->output()] = std::move(snap);
      return;
    }
    if (isViewNode(n) && !n->inputs().empty() && n->input(0)->type()->isTensor() &&
        n->outputs().size() == 1) {
      const ir::Value *src = originOf(n->input(0));
      const ir::Value *root = rootOf(src);
      viewOf_[n->output()] = n;
      root_[n->output()] = root;
      setNumber(Map::Created, n->output(), versionOf(root));
    }
  }

  absl::Status walk(ir::Block *b) {
    for (auto it = b->nodes().begin(); it != b->nodes().end();) {
      ir::Node *n = *it;
      ++it;
      TS2ONNX_RETURN_IF_ERROR(mapInputs(n));
      if (n->kind() == ir::prim::If) {
        TS2ONNX_RETURN_IF_ERROR(handleIf(n));
      } else if (n->kind() == ir::prim::Loop) {
        TS2ONNX_RETURN_IF_ERROR(handleLoop(n));
      } else if (!n->blocks().empty()) {
        for (ir::Block *sub : n->blocks()) {
          TS2ONNX_ASSIGN_OR_RETURN(auto escaped, walkScoped(sub));
          if (!escaped.empty())
            return absl::UnimplementedError(fmt::format(
                "{}remove-mutation: a tensor defined outside {} is written in place inside it",
                where(*n), n->kind().qualString()));
        }
      } else if (isInplaceKind(n->kind())) {
        TS2ONNX_RETURN_IF_ERROR(rewrite(n));
        continue;
      }
      registerOutputs(n);
    }
    return mapInputs(b->returnNode());
  }

  using Escaped = std::vector<std::pair<const ir::Value *, ir::Value *>>;

  /// Walks `b`, then forgets its writes; returns the origins defined outside `b` that it wrote,
  /// with their values at the end of `b`, in the order first written.
  absl::StatusOr<Escaped> walkScoped(ir::Block *b) {
    size_t mark = log_.size();
    TS2ONNX_RETURN_IF_ERROR(walk(b));
    Escaped out;
    absl::flat_hash_set<const ir::Value *> seen;
    for (size_t i = mark; i < log_.size(); ++i) {
      const LogEntry &e = log_[i];
      if (e.map != Map::Env || definedInside(e.key, b) || !seen.insert(e.key).second)
        continue;
      out.emplace_back(e.key, env_.at(e.key));
    }
    undoTo(mark);
    return out;
  }

  /// After a block node `n` wrote `keys`: their values are now `outs`, and every other view of
  /// the roots involved holds old contents.
  void commitWrites(const std::vector<const ir::Value *> &keys,
                    const std::vector<ir::Value *> &outs) {
    int64_t v = ++versionCounter_;
    for (size_t i = 0; i < keys.size(); ++i) {
      setEnv(keys[i], outs[i]);
      origin_[outs[i]] = keys[i];
      setNumber(Map::Version, rootOf(keys[i]), v);
    }
    for (const ir::Value *k : keys)
      setNumber(Map::Created, k, v);
  }

  absl::Status handleIf(ir::Node *n) {
    std::vector<Escaped> perBlock;
    std::vector<const ir::Value *> keys;
    absl::flat_hash_set<const ir::Value *> seen;
    for (ir::Block *sub : n->blocks()) {
      TS2ONNX_ASSIGN_OR_RETURN(Escaped e, walkScoped(sub));
      for (const auto &[k, v] : e)
        if (seen.insert(k).second)
          keys.push_back(k);
      perBlock.push_back(std::move(e));
    }
    for (ir::Value *v : n->outputs())
      aliased_.insert(v);
    if (keys.empty())
      return absl::OkStatus();
    std::vector<ir::Value *> outs;
    for (const ir::Value *k : keys) {
      ir::Value *before = current(k, const_cast<ir::Value *>(k));
      ir::Value *out = n->addOutput()->setType(before->type());
      for (size_t bi = 0; bi < n->blocks().size(); ++bi) {
        ir::Value *final = before;
        for (const auto &[ek, ev] : perBlock[bi])
          if (ek == k)
            final = ev;
        n->blocks()[bi]->registerOutput(final);
      }
      outs.push_back(out);
    }
    commitWrites(keys, outs);
    return absl::OkStatus();
  }

  /// The value whose object `v` is, seen through in-place ops (which return their first input).
  static const ir::Value *objectOf(const ir::Value *v) {
    while (isInplaceKind(v->node()->kind()) && !v->node()->inputs().empty())
      v = v->node()->input(0);
    return v;
  }

  /// Whether `v`, or what an in-place op on it returns, is put in a list, tuple or dict (whose
  /// element would then change with later writes).
  static bool heldInContainer(const ir::Value *v) {
    for (const ir::Use &u : v->uses()) {
      const ir::Node *m = u.user;
      ir::Symbol k = m->kind();
      std::string_view q = k.qualString();
      if (k == ir::prim::ListConstruct || k == ir::prim::TupleConstruct ||
          k == ir::prim::DictConstruct || q == "aten::append" || q == "aten::insert" ||
          q == "aten::_set_item" || q == "aten::extend")
        return true;
      if (isInplaceKind(k) && u.offset == 0 && m->outputs().size() == 1 &&
          heldInContainer(m->output()))
        return true;
    }
    return false;
  }

  /// Loop-carried slot `i` (body input i + 1) whose tensor the loop owns: its initial value is a
  /// tensor an op of this graph made (not a view, nor an input or another block's parameter)
  /// that nothing but the loop reads (but for plain reads before it), and the body yields for it
  /// either that same object (its parameter, written in place: tacotron2's
  /// `attention_weights_cum.add_(w)` in the decoder loop) or a tensor it made, which no other slot
  /// yields. In-place writes to such a parameter are the loop's own: nothing outside can see them,
  /// so they become functional like any.
  bool ownedCarry(const ir::Node *loop, size_t i) const {
    const ir::Block *body = loop->blocks()[0];
    const ir::Value *param = body->inputs()[i + 1];
    const ir::Value *init = loop->input(i + 2);
    // Reads of the initial tensor before the loop (the first test of a while loop) see it before
    // any write; anything else (a later read, a view, a container holding it) would alias it.
    for (const ir::Use &u : init->uses()) {
      if (u.user == loop)
        continue;
      const ir::Node *at = u.user->ancestorIn(loop->owningBlock());
      if (!at || !at->isBefore(loop) || u.user->hasSideEffects() || !madeByNonViewOp(u.user))
        return false;
    }
    if (!param->type()->isTensor() || aliased_.count(init) || origin_.count(init) ||
        viewOf_.count(init) || !madeByNonViewOp(init->node()))
      return false;
    if (heldInContainer(param))
      return false;
    const ir::Value *yielded = objectOf(body->outputs()[i + 1]);
    for (size_t j = 1; j < body->outputs().size(); ++j)
      if (j != i + 1 && objectOf(body->outputs()[j]) == yielded)
        return false;
    if (yielded == param)
      return true;
    return yielded->node()->owningBlock() == body && madeByNonViewOp(yielded->node());
  }

  absl::Status handleLoop(ir::Node *n) {
    ir::Block *body = n->blocks()[0];
    for (size_t i = 1; i < body->inputs().size(); ++i)
      if (!ownedCarry(n, i - 1))
        aliased_.insert(body->inputs()[i]);
    TS2ONNX_ASSIGN_OR_RETURN(Escaped escaped, walkScoped(body));
    for (ir::Value *v : n->outputs())
      aliased_.insert(v);
    if (escaped.empty())
      return absl::OkStatus();
    std::vector<const ir::Value *> keys;
    std::vector<ir::Value *> outs;
    for (const auto &[k, final] : escaped) {
      ir::Value *before = current(k, const_cast<ir::Value *>(k));
      n->addInput(before);
      ir::Value *param = body->addInput()->setType(before->type());
      body->registerOutput(final);
      // Inside the body, the value at loop entry is the loop-carried one.
      std::vector<ir::Use> uses = before->uses();
      for (const ir::Use &u : uses)
        if (nodeInside(u.user, body))
          u.user->replaceInput(u.offset, param);
      keys.push_back(k);
      outs.push_back(n->addOutput()->setType(before->type()));
    }
    commitWrites(keys, outs);
    return absl::OkStatus();
  }

  ir::Node *emit(ir::Symbol kind, const std::vector<ir::Value *> &inputs, const ir::Node &like,
                 ir::TypePtr type) {
    ir::Node *m = g_.insertNode(g_.create(kind, inputs));
    m->setSourceLocation(like.sourceLocation());
    m->setScopeName(like.scopeName());
    m->output()->setType(std::move(type));
    return m;
  }

  std::vector<ir::Value *> nones(size_t k) {
    std::vector<ir::Value *> v;
    for (size_t i = 0; i < k; ++i)
      v.push_back(g_.insertConstantNone());
    return v;
  }

  /// The functional value of in-place node `n` (inserted before it); nullptr = unchanged.
  absl::StatusOr<ir::Value *> functional(ir::Node *n, bool onView) {
    std::string_view name = n->kind().name();
    std::string base(name.substr(0, name.size() - 1));
    ir::Value *self = n->input(0);
    ir::TypePtr type = self->type()->isTensor() ? self->type() : n->output()->type();
    if (base == "detach" || base == "requires_grad")
      return self;
    if (base == "copy" ||
        (base == "fill" && n->inputs().size() == 2 && n->input(1)->type()->isTensor())) {
      ir::Value *src = n->input(1);
      ir::Value *e = emit(sym("aten::expand_as"), {src, self}, *n, ir::Type::tensor())->output();
      return emit(sym("aten::type_as"), {e, self}, *n, type)->output();
    }
    if (base == "fill") {
      std::vector<ir::Value *> in{self, n->input(1)};
      for (ir::Value *v : nones(5))
        in.push_back(v);
      return emit(sym("aten::full_like"), in, *n, type)->output();
    }
    if (base == "zero") {
      std::vector<ir::Value *> in{self};
      for (ir::Value *v : nones(5))
        in.push_back(v);
      return emit(sym("aten::zeros_like"), in, *n, type)->output();
    }
    if (base == "resize" || base == "resize_as" || base == "set" || base == "as_strided" ||
        ((base == "squeeze" || base == "unsqueeze" || base == "t" || base == "transpose" ||
          base == "swapaxes" || base == "swapdims") &&
         onView))
      return absl::UnimplementedError(
          fmt::format("{}remove-mutation: {} changes the shape of {} in place, which has no "
                      "functional form here",
                      where(*n), n->kind().qualString(), onView ? "a view" : "a tensor"));
    ir::Node *m = emit(ir::Symbol::make("aten", base), n->inputs(), *n, n->output()->type());
    m->copyAttributes(*n);
    return m->output();
  }

  absl::StatusOr<std::vector<int64_t>> constantInts(ir::Value *v, const ir::Node &at) {
    const ir::Node *p = v->node();
    if (p->kind() == ir::prim::Constant)
      if (const auto *a = p->attribute(ir::attr::value))
        if (const auto *is = a->getIf<std::vector<int64_t>>())
          return *is;
    if (p->kind() == ir::prim::ListConstruct) {
      std::vector<int64_t> out;
      for (ir::Value *e : p->inputs()) {
        const auto *a = e->node()->kind() == ir::prim::Constant
                            ? e->node()->attribute(ir::attr::value)
                            : nullptr;
        const int64_t *i = a ? a->getIf<int64_t>() : nullptr;
        if (!i)
          break;
        out.push_back(*i);
      }
      if (out.size() == p->inputs().size())
        return out;
    }
    return absl::UnimplementedError(fmt::format(
        "{}remove-mutation: a write through aten::permute needs constant dims", where(at)));
  }

  /// A bound of aten::slice as the index Python's slicing makes of it: a negative one is
  /// `max(bound + size(base, dim), 0)`. aten::slice reads negative bounds so, but
  /// aten::slice_scatter does not (torch 1.13 writes other elements), so the write through a
  /// slice must not pass them on. A run-time bound (often a constant once folded:
  /// `-window_size[0]`) gets the same under an If on its sign. Folds once the dim's size is
  /// known; a None or non-negative constant bound is returned as it is.
  ir::Value *pythonBound(ir::Value *bound, ir::Value *base, ir::Value *dim, const ir::Node &at) {
    if (!bound->type()->is(ir::TypeKind::Int))
      return bound;
    std::optional<int64_t> b = ir::constantInt(bound);
    if (b && *b >= 0)
      return bound;
    auto fromEnd = [&] {
      ir::Value *size = emit(sym("aten::size"), {base, dim}, at, ir::Type::intType())->output();
      ir::Value *from = emit(sym("aten::add"), {bound, size}, at, ir::Type::intType())->output();
      return emit(sym("prim::max"), {from, g_.insertConstantInt(0)}, at, ir::Type::intType())
          ->output();
    };
    if (b)
      return fromEnd();
    ir::Value *negative =
        emit(sym("aten::lt"), {bound, g_.insertConstantInt(0)}, at, ir::Type::boolType())->output();
    ir::Node *choice = emit(ir::prim::If, {negative}, at, ir::Type::intType());
    ir::Block *then = choice->addBlock();
    ir::Block *otherwise = choice->addBlock();
    {
      ir::WithInsertPoint guard(then->returnNode());
      then->registerOutput(fromEnd());
    }
    otherwise->registerOutput(bound);
    return choice->output();
  }

  /// `base` with `src` written where view node `view` (of `base`) looks.
  absl::StatusOr<ir::Value *> scatter(const ir::Node &view, ir::Value *base, ir::Value *src,
                                      const ir::Node &at) {
    std::string_view k = view.kind().name();
    const auto &in = view.inputs();
    ir::TypePtr type = base->type();
    if (k == "slice" && in.size() == 5) {
      ir::Value *start = pythonBound(in[2], base, in[1], at);
      ir::Value *end = pythonBound(in[3], base, in[1], at);
      return emit(sym("aten::slice_scatter"), {base, src, in[1], start, end, in[4]}, at, type)
          ->output();
    }
    if (k == "select" && in.size() == 3)
      return emit(sym("aten::select_scatter"), {base, src, in[1], in[2]}, at, type)->output();
    if (k == "narrow" && in.size() == 4 && in[2]->type()->is(ir::TypeKind::Int)) {
      ir::Value *end = emit(sym("aten::add"), {in[2], in[3]}, at, ir::Type::intType())->output();
      ir::Value *one = g_.insertConstantInt(1);
      return emit(sym("aten::slice_scatter"), {base, src, in[1], in[2], end, one}, at, type)
          ->output();
    }
    if (k == "view" || k == "reshape" || k == "_reshape_alias" || k == "flatten" ||
        k == "unflatten" || k == "unsqueeze" || k == "squeeze" || k == "view_as" ||
        k == "reshape_as")
      return emit(sym("aten::reshape_as"), {src, base}, at, type)->output();
    if ((k == "transpose" || k == "swapaxes" || k == "swapdims") && in.size() == 3)
      return emit(sym("aten::transpose"), {src, in[1], in[2]}, at, type)->output();
    if (k == "t" && in.size() == 1)
      return emit(sym("aten::t"), {src}, at, type)->output();
    if (k == "permute" && in.size() == 2) {
      TS2ONNX_ASSIGN_OR_RETURN(std::vector<int64_t> dims, constantInts(in[1], at));
      std::vector<int64_t> inverse(dims.size(), 0);
      for (size_t i = 0; i < dims.size(); ++i) {
        int64_t d = dims[i] < 0 ? dims[i] + int64_t(dims.size()) : dims[i];
        if (d < 0 || d >= int64_t(dims.size()))
          return absl::InvalidArgumentError(
              fmt::format("{}remove-mutation: permute dims out of range", where(at)));
        inverse[size_t(d)] = int64_t(i);
      }
      ir::Value *perm = g_.insertConstantInts(std::move(inverse));
      return emit(sym("aten::permute"), {src, perm}, at, type)->output();
    }
    if (k == "detach" || k == "alias" || k == "contiguous")
      return src;
    if (isMaybeSelfTo(&view)) {
      // The base changes only if `to` returned it, i.e. the dtypes agree (a device move is
      // nothing on the CPU); folds once the dtypes are known.
      auto dtypeOf = [&](ir::Value *v) {
        return emit(ir::prim::dtype, {v}, at, ir::Type::intType())->output();
      };
      ir::Value *same =
          emit(sym("aten::eq"), {dtypeOf(base), dtypeOf(view.output())}, at, ir::Type::boolType())
              ->output();
      ir::Node *choice = emit(ir::prim::If, {same}, at, type);
      choice->addBlock()->registerOutput(src);
      choice->addBlock()->registerOutput(base);
      return choice->output();
    }
    return absl::UnimplementedError(
        fmt::format("{}remove-mutation: {} writes in place through aten::{}, whose write-back "
                    "is not supported",
                    where(at), at.kind().qualString(), k));
  }

  absl::Status rewrite(ir::Node *n) {
    if (n->inputs().empty() || !n->input(0)->type()->isTensor() || n->outputs().size() > 1)
      return absl::UnimplementedError(fmt::format("{}remove-mutation: unsupported in-place op {}",
                                                  where(*n), n->kind().qualString()));
    const ir::Value *o = originOf(n->input(0));
    const ir::Value *root = rootOf(o);
    if (aliased_.count(root))
      return absl::UnimplementedError(fmt::format(
          "{}remove-mutation: {} writes in place to %{}, which may alias other values (it comes "
          "from {}); this cannot be exported",
          where(*n), n->kind().qualString(), root->debugName(), root->node()->kind().qualString()));
    ir::WithInsertPoint guard(n);
    bool onView = viewOf_.count(o) > 0;
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * value, functional(n, onView));
    std::vector<const ir::Value *> keys{o};
    std::vector<ir::Value *> values{value};
    const ir::Value *x = o;
    for (auto it = viewOf_.find(x); it != viewOf_.end(); it = viewOf_.find(x)) {
      const ir::Node *view = it->second;
      const ir::Value *srcOrigin = originOf(view->input(0));
      ir::Value *srcValue = current(srcOrigin, view->input(0));
      TS2ONNX_ASSIGN_OR_RETURN(value, scatter(*view, srcValue, value, *n));
      keys.push_back(srcOrigin);
      values.push_back(value);
      x = srcOrigin;
    }
    int64_t v = ++versionCounter_;
    for (size_t i = 0; i < keys.size(); ++i) {
      setEnv(keys[i], values[i]);
      if (values[i] != keys[i])
        origin_[values[i]] = keys[i];
      setNumber(Map::Created, keys[i], v);
    }
    setNumber(Map::Version, root, v);
    // The in-place op's result is its first input.
    if (n->outputs().size() == 1)
      origin_[n->output()] = o;
    inplace_.push_back(n);
    return absl::OkStatus();
  }

  ir::Graph &g_;
  absl::flat_hash_map<const ir::Value *, const ir::Value *> origin_;
  absl::flat_hash_map<const ir::Value *, const ir::Node *> viewOf_;
  absl::flat_hash_map<const ir::Value *, const ir::Value *> root_;
  absl::flat_hash_set<const ir::Value *> aliased_;
  absl::flat_hash_map<const ir::Value *, std::vector<std::pair<const ir::Value *, int64_t>>>
      captured_;
  absl::flat_hash_map<const ir::Value *, ir::Value *> env_;
  absl::flat_hash_map<const ir::Value *, int64_t> created_;
  absl::flat_hash_map<const ir::Value *, int64_t> version_;
  std::vector<LogEntry> log_;
  int64_t versionCounter_ = 0;
  std::vector<ir::Node *> inplace_;
};

} // namespace

absl::Status runRemoveMutation(ir::Graph &graph, const PassOptions &) {
  return RemoveMutation(graph).run();
}

} // namespace ts2onnx::passes
