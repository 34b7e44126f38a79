// cse: common subexpression elimination.
//
// Given: a well-formed graph.
// Does:  walks the blocks in order with a table of the nodes seen so far, keyed by kind, input
//        values, attributes and output types. A node equal to one in the table has its outputs
//        replaced by that node's and is deleted. The table is scoped by blocks: a node may
//        reuse one from its own block or an enclosing block (which runs before it), never one
//        from a nested or sibling block. prim::Constant nodes take part, so equal constants
//        are pooled (as torch's CSE does). Nodes are skipped when they have blocks (their
//        blocks are still visited), side effects, no outputs, are nondeterministic
//        (aten::rand*, bernoulli, multinomial, normal, uniform, poisson, dropout unless its
//        `train` argument is a constant false, ...), or carry an attribute whose value is not
//        known exactly (tensors printed as `<Tensor>`, literals, `<Graph>`). Tensor attributes
//        are compared by content up to kMaxTensorBytes, by identity of the viewed storage above.
//        Without alias analysis, mutation is handled conservatively: when any node in the graph
//        may write (in-place ops, list/dict mutation, prim::SetAttr, calls), only nodes whose
//        inputs and outputs are all immutable values (int, float, bool, str, None, device,
//        tuples of those, ...) are eliminated.
// Result: no two eligible equivalent nodes where the first runs before the second. Linear
//         expected time.
#include <cstring>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "passes/Effects.h"
#include "passes/Passes.h"

namespace ts2onnx::passes {

namespace {

using ir::AttributeKind;
using ir::AttributeValue;

// Tensors up to this size are compared by content; larger ones only when they view the same
// bytes.
constexpr size_t kMaxTensorBytes = 4096;

uint64_t bitsOf(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

bool sameTensor(const ir::Tensor &a, const ir::Tensor &b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes())
    return false;
  if (a.nbytes() <= kMaxTensorBytes)
    return a.contiguousBytes() == b.contiguousBytes();
  return a.storage() == b.storage() && a.storageOffset() == b.storageOffset() &&
         a.strides() == b.strides();
}

size_t hashTensor(const ir::Tensor &t) {
  size_t h = absl::HashOf(static_cast<int>(t.dtype()), t.sizes());
  if (t.nbytes() <= kMaxTensorBytes) {
    std::vector<uint8_t> bytes = t.contiguousBytes();
    return absl::HashOf(
        h, absl::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
  }
  return absl::HashOf(h, t.storage().get(), t.storageOffset());
}

// Consistent with Type::equals (which compares every field), without printing the type.
size_t hashType(const ir::Type &t) {
  size_t h = absl::HashOf(static_cast<int>(t.kind()), t.name(), t.contained().size());
  if (t.isTensor()) {
    const ir::TensorInfo &info = t.tensorInfo();
    h = absl::HashOf(h, info.dtype ? static_cast<int>(*info.dtype) : -1);
    if (info.sizes)
      for (const ir::Dim &d : *info.sizes)
        h = absl::HashOf(h, d.value, d.symbol);
  }
  for (const ir::TypePtr &c : t.contained())
    h = absl::HashOf(h, hashType(*c));
  return h;
}

// False for values the parser could not read back exactly: two of them that print alike may
// differ.
bool isExact(const AttributeValue &v) {
  switch (v.kind()) {
  case AttributeKind::Tensor: {
    const ir::Tensor &t = v.get<ir::Tensor>();
    return t.defined() && t.storage() != nullptr;
  }
  case AttributeKind::Graph:
    return v.get<std::shared_ptr<ir::Graph>>() != nullptr;
  case AttributeKind::Tensors:
  case AttributeKind::Literal:
    return false;
  default:
    return true;
  }
}

size_t hashAttribute(const AttributeValue &v) {
  size_t h = absl::HashOf(static_cast<int>(v.kind()));
  switch (v.kind()) {
  case AttributeKind::Int:
    return absl::HashOf(h, v.get<int64_t>());
  case AttributeKind::Float:
    return absl::HashOf(h, bitsOf(v.get<double>()));
  case AttributeKind::Complex: {
    const auto &c = v.get<std::complex<double>>();
    return absl::HashOf(h, bitsOf(c.real()), bitsOf(c.imag()));
  }
  case AttributeKind::String:
    return absl::HashOf(h, v.get<std::string>());
  case AttributeKind::Tensor:
    return absl::HashOf(h, hashTensor(v.get<ir::Tensor>()));
  case AttributeKind::Graph:
    return absl::HashOf(h, v.get<std::shared_ptr<ir::Graph>>().get());
  case AttributeKind::Type:
    return absl::HashOf(h, hashType(*v.get<ir::TypePtr>()));
  case AttributeKind::Ints:
    return absl::HashOf(h, v.get<std::vector<int64_t>>());
  case AttributeKind::Floats: {
    for (double d : v.get<std::vector<double>>())
      h = absl::HashOf(h, bitsOf(d));
    return h;
  }
  case AttributeKind::Bools:
    return absl::HashOf(h, v.get<std::vector<bool>>());
  case AttributeKind::Strings:
    return absl::HashOf(h, v.get<std::vector<std::string>>());
  case AttributeKind::Types: {
    for (const ir::TypePtr &t : v.get<std::vector<ir::TypePtr>>())
      h = absl::HashOf(h, hashType(*t));
    return h;
  }
  default: // not exact: such nodes never reach the table
    return h;
  }
}

bool sameAttribute(const AttributeValue &a, const AttributeValue &b) {
  if (a.kind() != b.kind())
    return false;
  switch (a.kind()) {
  case AttributeKind::Int:
    return a.get<int64_t>() == b.get<int64_t>();
  case AttributeKind::Float:
    return bitsOf(a.get<double>()) == bitsOf(b.get<double>());
  case AttributeKind::Complex: {
    const auto &x = a.get<std::complex<double>>();
    const auto &y = b.get<std::complex<double>>();
    return bitsOf(x.real()) == bitsOf(y.real()) && bitsOf(x.imag()) == bitsOf(y.imag());
  }
  case AttributeKind::String:
    return a.get<std::string>() == b.get<std::string>();
  case AttributeKind::Tensor:
    return sameTensor(a.get<ir::Tensor>(), b.get<ir::Tensor>());
  case AttributeKind::Graph:
    return a.get<std::shared_ptr<ir::Graph>>() == b.get<std::shared_ptr<ir::Graph>>();
  case AttributeKind::Type:
    return a.get<ir::TypePtr>()->equals(*b.get<ir::TypePtr>());
  case AttributeKind::Ints:
    return a.get<std::vector<int64_t>>() == b.get<std::vector<int64_t>>();
  case AttributeKind::Floats: {
    const auto &x = a.get<std::vector<double>>();
    const auto &y = b.get<std::vector<double>>();
    if (x.size() != y.size())
      return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (bitsOf(x[i]) != bitsOf(y[i]))
        return false;
    return true;
  }
  case AttributeKind::Bools:
    return a.get<std::vector<bool>>() == b.get<std::vector<bool>>();
  case AttributeKind::Strings:
    return a.get<std::vector<std::string>>() == b.get<std::vector<std::string>>();
  case AttributeKind::Types: {
    const auto &x = a.get<std::vector<ir::TypePtr>>();
    const auto &y = b.get<std::vector<ir::TypePtr>>();
    if (x.size() != y.size())
      return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!x[i]->equals(*y[i]))
        return false;
    return true;
  }
  default:
    return false;
  }
}

struct NodeHash {
  size_t operator()(const ir::Node *n) const {
    size_t h = absl::HashOf(n->kind(), n->inputs());
    // Attributes hash order-independently, matching NodeEq's lookup by name.
    size_t attrs = 0;
    for (const auto &[name, value] : n->attributes())
      attrs += absl::HashOf(name, hashAttribute(value));
    h = absl::HashOf(h, attrs);
    for (const ir::Value *out : n->outputs())
      h = absl::HashOf(h, hashType(*out->type()));
    return h;
  }
};

struct NodeEq {
  bool operator()(const ir::Node *a, const ir::Node *b) const {
    if (a == b)
      return true;
    if (a->kind() != b->kind() || a->inputs() != b->inputs() ||
        a->outputs().size() != b->outputs().size() ||
        a->attributes().size() != b->attributes().size())
      return false;
    for (size_t i = 0; i < a->outputs().size(); ++i)
      if (!a->output(i)->type()->equals(*b->output(i)->type()))
        return false;
    for (const auto &[name, value] : a->attributes()) {
      const AttributeValue *other = b->attribute(name);
      if (!other || !sameAttribute(value, *other))
        return false;
    }
    return true;
  }
};

// Values no node can write: scalars, strings, devices and tuples/optionals of them.
bool isImmutable(const ir::Type &t) {
  using ir::TypeKind;
  switch (t.kind()) {
  case TypeKind::Int:
  case TypeKind::Float:
  case TypeKind::Complex:
  case TypeKind::Bool:
  case TypeKind::Str:
  case TypeKind::None:
  case TypeKind::Number:
  case TypeKind::Device:
  case TypeKind::Layout:
  case TypeKind::ScalarType:
  case TypeKind::MemoryFormat:
  case TypeKind::QScheme:
    return true;
  case TypeKind::Tuple:
  case TypeKind::Optional:
  case TypeKind::Union:
    for (const ir::TypePtr &c : t.contained())
      if (!isImmutable(*c))
        return false;
    return true;
  default:
    return false;
  }
}

bool isConstantFalse(const ir::Value *v) {
  const ir::Node *n = v->node();
  if (n->kind() != ir::prim::Constant || !v->type()->is(ir::TypeKind::Bool))
    return false;
  const AttributeValue *a = n->attribute(ir::attr::value);
  return a && a->kind() == AttributeKind::Int && a->get<int64_t>() == 0;
}

bool isNondeterministic(const ir::Node &n) {
  std::string_view name = n.kind().name();
  // ONNX's random ops (after to-onnx): RandomNormal[Like], RandomUniform[Like], Multinomial,
  // Bernoulli, and Dropout (random when its training_mode input is true).
  if (n.kind().isNamespace("onnx"))
    return name.substr(0, 6) == "Random" || name == "Multinomial" || name == "Bernoulli" ||
           name == "Dropout";
  if (!n.kind().isNamespace("aten"))
    return false;
  if (name.substr(0, 4) == "rand") // rand, randn, randint, randperm and their _like forms
    return true;
  static const std::string_view kRandom[] = {
      "bernoulli",       "multinomial",       "normal",        "uniform",
      "poisson",         "binomial",          "rrelu",         "rrelu_with_noise",
      "_standard_gamma", "_sample_dirichlet", "native_dropout"};
  for (std::string_view r : kRandom)
    if (name == r)
      return true;
  // dropout(input, p, train): random only when training.
  static const std::string_view kDropout[] = {"dropout", "feature_dropout", "alpha_dropout",
                                              "feature_alpha_dropout"};
  for (std::string_view d : kDropout)
    if (name == d)
      return n.inputs().size() < 3 || !isConstantFalse(n.input(2));
  return false;
}

class CommonSubexpressionElimination {
public:
  explicit CommonSubexpressionElimination(ir::Graph &graph) : graph_(graph) {}

  void run() {
    graphMayWrite_ = anyWriter(graph_.block());
    visit(graph_.block());
  }

private:
  bool anyWriter(const ir::Block *b) {
    for (const ir::Node *n : b->nodes()) {
      if (effects_.mayWrite(*n))
        return true;
      for (const ir::Block *sub : n->blocks())
        if (anyWriter(sub))
          return true;
    }
    return false;
  }

  bool eligible(const ir::Node &n) {
    if (!n.blocks().empty() || n.outputs().empty() || effects_.ownEffects(n) ||
        isNondeterministic(n))
      return false;
    for (const auto &attr : n.attributes())
      if (!isExact(attr.second))
        return false;
    if (graphMayWrite_) {
      for (const ir::Value *v : n.inputs())
        if (!isImmutable(*v->type()))
          return false;
      for (const ir::Value *v : n.outputs())
        if (!isImmutable(*v->type()))
          return false;
    }
    return true;
  }

  void visit(ir::Block *b) {
    std::vector<ir::Node *> added;
    auto range = b->nodes();
    for (auto it = range.begin(); it != range.end();) {
      ir::Node *n = *it;
      ++it;
      for (ir::Block *sub : n->blocks())
        visit(sub);
      if (!eligible(*n))
        continue;
      auto [pos, inserted] = table_.insert(n);
      if (inserted) {
        added.push_back(n);
        continue;
      }
      n->replaceAllUsesWith(*pos);
      n->destroy();
    }
    // Leaving the block: its nodes do not dominate what comes after it.
    for (ir::Node *n : added)
      table_.erase(n);
  }

  ir::Graph &graph_;
  EffectsCache effects_;
  bool graphMayWrite_ = false;
  absl::flat_hash_set<ir::Node *, NodeHash, NodeEq> table_;
};

} // namespace

absl::Status runCse(ir::Graph &graph, const PassOptions &) {
  CommonSubexpressionElimination(graph).run();
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
