// What the tensors of a list are (ListElements.h).
#include "semantics/ListElements.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace ts2onnx::semantics {

using ir::Dim;
using ir::ScalarType;

namespace {

/// Tensor `i` of meshgrid(tensors, indexing) or broadcast_tensors(tensors) over a literal list:
/// tensor i's dtype; every result has the same shape. meshgrid's is the number of elements of
/// each (0-d or 1-D) tensor in order, the first two swapped for indexing "xy"; broadcast_tensors'
/// is the broadcast of all shapes.
std::optional<Info> gridPieceOf(const ir::Node *p, int64_t i) {
  const ir::Node *list = p->input(0)->node();
  if (list->kind() != ir::prim::ListConstruct || list->inputs().empty())
    return std::nullopt;
  const int64_t count = int64_t(list->inputs().size());
  const int64_t j = i < 0 ? i + count : i;
  if (j < 0 || j >= count)
    return std::nullopt;
  Info piece{infoOf(list->input(size_t(j))).dtype, std::nullopt};
  if (p->kind().name() == "broadcast_tensors") {
    std::vector<std::optional<Dims>> shapes;
    for (const ir::Value *t : list->inputs())
      shapes.push_back(infoOf(t).sizes);
    piece.sizes = broadcastShapes(shapes);
    return piece;
  }
  std::optional<std::string> indexing =
      p->inputs().size() > 1 ? ir::constantString(p->input(1)) : std::string("ij");
  if (!indexing || (*indexing != "ij" && *indexing != "xy"))
    return piece;
  Dims sizes;
  for (const ir::Value *t : list->inputs()) {
    Info in = infoOf(t);
    if (!in.sizes || in.sizes->size() > 1)
      return piece;
    sizes.push_back(in.sizes->empty() ? Dim::known(1) : (*in.sizes)[0]);
  }
  if (*indexing == "xy" && sizes.size() >= 2)
    std::swap(sizes[0], sizes[1]);
  piece.sizes = sizes;
  return piece;
}

/// joinInfo where nullopt is "no element": the other one.
std::optional<Info> joinInfo(const std::optional<Info> &a, const std::optional<Info> &b) {
  if (!a || !b)
    return a ? a : b;
  return joinInfo(*a, *b);
}

/// What every tensor a list value may hold has in common, following how the list is made:
/// literals, appends, copies, and the values Ifs and Loops carry (the initial list and what the
/// body makes of it). nullopt when it holds nothing known to be a tensor (an empty literal; a
/// loop's own carried value seen again). `seen` stops the walk on cycles and shared producers.
std::optional<Info> madeListElementInfo(const ir::Value *l,
                                        absl::flat_hash_set<const ir::Value *> &seen);

/// How many list values listElementInfo follows (a recursion depth bound too): past it, unknown.
constexpr size_t kMaxListWalk = 256;

std::optional<Info> listElementInfo(const ir::Value *l,
                                    absl::flat_hash_set<const ir::Value *> &seen) {
  static const ir::Symbol kAppend = ir::Symbol::fromQualString("aten::append");
  if (seen.size() >= kMaxListWalk)
    return Info{}; // too far to follow: nothing known
  if (!seen.insert(l).second)
    return std::nullopt; // counted where it was first reached
  const Info unknown{};
  // Appends write the list in place: what they add is among its elements.
  std::optional<Info> appended;
  for (const ir::Use &u : l->uses())
    if (u.user->kind() == kAppend && u.offset == 0 && u.user->inputs().size() == 2)
      appended = joinInfo(appended, u.user->input(1)->type()->isTensor()
                                        ? std::optional<Info>(infoOf(u.user->input(1)))
                                        : unknown);
  return joinInfo(appended, madeListElementInfo(l, seen));
}

/// listElementInfo from how `l` itself is made (not counting appends to it).
std::optional<Info> madeListElementInfo(const ir::Value *l,
                                        absl::flat_hash_set<const ir::Value *> &seen) {
  static const ir::Symbol kAppend = ir::Symbol::fromQualString("aten::append");
  static const ir::Symbol kList = ir::Symbol::fromQualString("aten::list");
  const ir::Node *p = l->node();
  const Info unknown{};
  if (p->kind() == ir::prim::ListConstruct) {
    std::optional<Info> out;
    for (const ir::Value *e : p->inputs())
      out = e->type()->isTensor() ? joinInfo(out, infoOf(e)) : unknown;
    return out;
  }
  if (p->kind() == kAppend && p->inputs().size() == 2)
    return joinInfo(listElementInfo(p->input(0), seen),
                    p->input(1)->type()->isTensor() ? infoOf(p->input(1)) : unknown);
  if (p->kind() == kList && p->inputs().size() == 1)
    return listElementInfo(p->input(0), seen);
  if (p->kind() == ir::prim::If && p->blocks().size() == 2)
    return joinInfo(listElementInfo(p->blocks()[0]->outputs()[l->offset()], seen),
                    listElementInfo(p->blocks()[1]->outputs()[l->offset()], seen));
  const ir::Node *loop = p->kind() == ir::prim::Param && p->owningBlock()->owningNode()
                             ? p->owningBlock()->owningNode()
                             : p;
  if (loop->kind() == ir::prim::Loop) {
    // Loop output j or body input j + 1: the initial value and the body's next value.
    size_t j = p == loop ? l->offset() : l->offset() - 1;
    if (p != loop && l->offset() == 0)
      return unknown; // the iteration counter
    const ir::Block *body = loop->blocks()[0];
    if (j + 2 >= loop->inputs().size() || j + 1 >= body->outputs().size())
      return unknown;
    return joinInfo(listElementInfo(loop->input(j + 2), seen),
                    listElementInfo(body->outputs()[j + 1], seen));
  }
  return unknown;
}

} // namespace

std::optional<Info> listElementInfo(const ir::Value *l) {
  absl::flat_hash_set<const ir::Value *> seen;
  return listElementInfo(l, seen);
}

namespace {

/// Piece `i` of tensor_split(self, sections or indices, dim): the source's dtype and rank; along
/// dim, with `sections` n the first size % n pieces have size / n + 1 elements and the others
/// size / n; with constant indices the pieces run between them, clamped to the size as slices.
std::optional<Info> tensorSplitPieceOf(const ir::Node *p, int64_t i) {
  Info src = infoOf(p->input(0));
  std::optional<int64_t> d =
      p->inputs().size() > 2 ? ir::constantInt(p->input(2)) : std::optional<int64_t>(0);
  const auto ax = src.sizes ? axis(d, src.sizes->size()) : std::nullopt;
  if (!src.sizes || !ax)
    return Info{src.dtype, std::nullopt};
  Dims sizes = *src.sizes;
  const Dim whole = sizes[*ax];
  sizes[*ax] = Dim::unknown();
  if (!whole.isStatic() || i < 0)
    return Info{src.dtype, sizes};
  const int64_t size = whole.value;
  if (p->input(1)->type()->is(ir::TypeKind::List)) {
    auto cuts = intsOfList(p->input(1));
    if (!cuts || i > int64_t(cuts->size()))
      return Info{src.dtype, sizes};
    int64_t from = i == 0 ? 0 : sliceBound((*cuts)[size_t(i - 1)], size);
    int64_t to = i == int64_t(cuts->size()) ? size : sliceBound((*cuts)[size_t(i)], size);
    sizes[*ax] = Dim::known(std::max<int64_t>(0, to - from));
  } else if (auto n = ir::constantInt(p->input(1)); n && *n > 0 && i < *n) {
    sizes[*ax] = Dim::known(size / *n + (i < size % *n ? 1 : 0));
  }
  return Info{src.dtype, sizes};
}

} // namespace

/// Piece `i` of the list chunk/split/unbind `p` makes (a negative `i` counts from the end when
/// the number of pieces is known): the source's dtype and rank (unbind drops the dim), the split
/// dim's size when it follows from constants; nullopt when `p` is no such op.
std::optional<Info> pieceOf(const ir::Node *p, int64_t i) {
  std::string_view k = p->kind().isNamespace("aten") ? p->kind().name() : "";
  // where(condition) and nonzero_numpy: one 1-D int64 tensor of indices per dim of the
  // condition, all of the same data-dependent length.
  if ((k == "where" && p->inputs().size() == 1) || k == "nonzero_numpy")
    return Info{ScalarType::Int64, Dims{Dim::unknown()}};
  if (k == "meshgrid" || k == "broadcast_tensors")
    return gridPieceOf(p, i);
  if (k == "tensor_split")
    return tensorSplitPieceOf(p, i);
  bool unbind = k == "unbind";
  bool chunk = k == "chunk" || k == "unsafe_chunk";
  if (!unbind && !chunk && k != "split" && k != "split_with_sizes" && k != "unsafe_split")
    return std::nullopt;
  Info src = infoOf(p->input(0));
  size_t dimIndex = unbind ? 1 : 2;
  std::optional<int64_t> d = p->inputs().size() > dimIndex ? ir::constantInt(p->input(dimIndex))
                                                           : std::optional<int64_t>(0);
  const auto ax = src.sizes ? axis(d, src.sizes->size()) : std::nullopt;
  if (!src.sizes || !ax)
    return Info{src.dtype, std::nullopt};
  Dims sizes = *src.sizes;
  const Dim whole = sizes[*ax];
  if (unbind) {
    sizes.erase(sizes.begin() + std::ptrdiff_t(*ax));
    return Info{src.dtype, sizes};
  }
  Dim piece = Dim::unknown();
  bool listed = p->input(1)->type()->is(ir::TypeKind::List);
  auto pieces = listed ? intsOfList(p->input(1)) : std::nullopt;
  // (a plain int: gcc 12 warns of a maybe-uninitialized optional here)
  int64_t each = listed ? 0 : ir::constantInt(p->input(1)).value_or(0);
  if (pieces) {
    int64_t j = i < 0 ? i + int64_t(pieces->size()) : i;
    if (j >= 0 && j < int64_t(pieces->size()))
      piece = Dim::known((*pieces)[size_t(j)]);
  } else if (whole.isStatic() && each > 0 && i >= 0) {
    // chunk: ceil(size / chunks) each; split: `each` each; the last may be shorter.
    int64_t c = chunk ? (whole.value + each - 1) / each : each;
    int64_t start = i * c;
    piece = Dim::known(std::max<int64_t>(0, std::min(c, whole.value - start)));
  }
  sizes[*ax] = piece;
  return Info{src.dtype, sizes};
}

} // namespace ts2onnx::semantics
