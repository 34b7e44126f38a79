// The graph IR, modeled on torch's JIT IR (torch/csrc/jit/ir/ir.h): a Graph owns Nodes arranged
// in Blocks; a Node has a kind, inputs, outputs, attributes and sub-blocks (prim::If has two,
// prim::Loop one); a Value is produced by exactly one node and knows its uses. Every mutation
// goes through this API so that use lists stay right.
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ir/Attribute.h"
#include "ir/Symbol.h"
#include "ir/Type.h"

namespace ts2onnx::ir {

class Graph;
class Block;
class Node;
class Value;

/// One use of a value: `user->inputs()[offset] == value`.
struct Use {
  Node *user;
  size_t offset;
  bool operator==(const Use &o) const { return user == o.user && offset == o.offset; }
};

/// The uses of a value, in the order they were added. Reads like a const vector; removing
/// the first or the last use is O(1) (a head index, the dead prefix reclaimed once it is half
/// the buffer), so destroying the users of a widely used value in program order, or in
/// reverse, stays linear. Removing a use in the middle is O(uses).
class UseList {
public:
  using value_type = Use;
  using const_iterator = const Use *;
  using iterator = const Use *;
  const Use *begin() const { return buf_.data() + head_; }
  const Use *end() const { return buf_.data() + buf_.size(); }
  size_t size() const { return buf_.size() - head_; }
  bool empty() const { return buf_.size() == head_; }
  const Use &operator[](size_t i) const { return buf_[head_ + i]; }
  const Use &front() const { return buf_[head_]; }
  const Use &back() const { return buf_.back(); }
  operator std::vector<Use>() const { return std::vector<Use>(begin(), end()); }

private:
  friend class Value;
  friend class Node;
  Use *mbegin() { return buf_.data() + head_; }
  Use *mend() { return buf_.data() + buf_.size(); }
  void push_back(Use u) { buf_.push_back(u); }
  void clear() {
    buf_.clear();
    head_ = 0;
  }
  void assign(std::vector<Use> uses) {
    buf_ = std::move(uses);
    head_ = 0;
  }
  /// Removes `u`; false if it is not there.
  bool remove(const Use &u);

  std::vector<Use> buf_;
  size_t head_ = 0;
};

/// Where a node came from: `file:line:col`, printed by torch as `# file.py:12:8`.
struct SourceLocation {
  std::shared_ptr<const std::string> file;
  int line = 0;
  int column = 0;
  bool valid() const { return file != nullptr; }
  std::string str() const;
};

class Value {
public:
  Node *node() const { return node_; }
  size_t offset() const { return offset_; }
  const TypePtr &type() const { return type_; }
  Value *setType(TypePtr t) {
    type_ = std::move(t);
    return this;
  }
  const UseList &uses() const { return uses_; }
  bool hasUses() const { return !uses_.empty(); }
  Graph *owningGraph() const;

  /// The printed name without `%`: the debug name if set (`x.1`), else the unique number.
  std::string debugName() const;
  bool hasDebugName() const { return !name_.empty(); }
  const std::string &rawDebugName() const { return name_; }
  /// Sets a debug name; if another live value has it, this one gets a fresh `.N` suffix
  /// instead. Names that are plain numbers are kept as the unique number (see Graph).
  Value *setDebugName(std::string_view name);
  size_t unique() const { return unique_; }
  /// A pass's scratch mark (Graph::newMark): cheaper than a set of pointers on large graphs.
  bool marked(uint32_t mark) const { return mark_ == mark; }
  void setMark(uint32_t mark) { mark_ = mark; }

  /// Points every use of this value at `v` instead.
  void replaceAllUsesWith(Value *v);
  /// Replaces only the uses whose user comes after `node` in program order (same block or
  /// nested in a later node).
  void replaceAllUsesDominatedBy(const Node *node, Value *v);

private:
  friend class Node;
  friend class Graph;
  friend class Block;
  Value(Node *node, size_t offset, size_t unique)
      : node_(node), offset_(offset), unique_(unique), type_(Type::tensor()) {}

  Node *node_;
  size_t offset_;
  size_t unique_;
  uint32_t mark_ = 0;
  TypePtr type_;
  std::string name_;
  UseList uses_;
};

class Node {
public:
  Symbol kind() const { return kind_; }
  Graph *owningGraph() const { return graph_; }
  Block *owningBlock() const { return owningBlock_; }
  bool inBlockList() const { return next_ != nullptr; }
  Node *next() const { return next_; }
  Node *prev() const { return prev_; }

  // --- inputs -----------------------------------------------------------------------------
  const std::vector<Value *> &inputs() const { return inputs_; }
  Value *input(size_t i) const { return inputs_.at(i); }
  Value *input() const { return inputs_.at(0); }
  Value *addInput(Value *v);
  Value *insertInput(size_t i, Value *v);
  /// Replaces input i and returns the old value.
  Value *replaceInput(size_t i, Value *v);
  /// Replaces every occurrence of `from` among the inputs with `to`.
  void replaceInputWith(Value *from, Value *to);
  void removeInput(size_t i);
  void removeAllInputs();

  // --- outputs ----------------------------------------------------------------------------
  const std::vector<Value *> &outputs() const { return outputs_; }
  Value *output(size_t i) const { return outputs_.at(i); }
  /// The single output; the node must have exactly one.
  Value *output() const;
  Value *addOutput();
  Value *insertOutput(size_t i);
  /// Erases output i, which must have no uses.
  void eraseOutput(size_t i);
  /// Replaces the uses of every output by the matching output of `n`.
  void replaceAllUsesWith(Node *n);

  // --- blocks -----------------------------------------------------------------------------
  const std::vector<Block *> &blocks() const { return blocks_; }
  Block *addBlock();
  void eraseBlock(size_t i);

  // --- placement --------------------------------------------------------------------------
  /// Inserts this (unlinked) node before/after `n`, in n's block.
  Node *insertBefore(Node *n);
  Node *insertAfter(Node *n);
  /// Unlinks this node and links it again before/after `n`.
  void moveBefore(Node *n);
  void moveAfter(Node *n);
  /// True when this node comes before `n` in the same block.
  bool isBefore(const Node *n) const;
  /// The node of block `b` that is this node or holds it in a nested block; null when this node
  /// is not inside `b`.
  Node *ancestorIn(const Block *b) const;
  /// Unlinks from its block without deleting (the node must then be re-inserted or destroyed).
  void removeFromList();
  /// Deletes the node: its outputs must be unused. Inputs' use lists are updated.
  void destroy();

  // --- attributes -------------------------------------------------------------------------
  bool hasAttribute(Symbol name) const;
  bool hasAttributes() const { return !attrs_.empty(); }
  const AttributeValue *attribute(Symbol name) const;
  const std::vector<std::pair<Symbol, AttributeValue>> &attributes() const { return attrs_; }
  Node *setAttribute(Symbol name, AttributeValue v);
  void removeAttribute(Symbol name);
  void copyAttributes(const Node &from);
  // Typed accessors; the attribute must exist and have that kind.
  int64_t i(Symbol name) const { return attribute(name)->get<int64_t>(); }
  double f(Symbol name) const { return attribute(name)->get<double>(); }
  const std::string &s(Symbol name) const { return attribute(name)->get<std::string>(); }
  const Tensor &t(Symbol name) const { return attribute(name)->get<Tensor>(); }
  const std::vector<int64_t> &is(Symbol name) const {
    return attribute(name)->get<std::vector<int64_t>>();
  }
  Node *i_(Symbol name, int64_t v) { return setAttribute(name, AttributeValue(v)); }
  Node *f_(Symbol name, double v) { return setAttribute(name, AttributeValue(v)); }
  Node *s_(Symbol name, std::string v) { return setAttribute(name, AttributeValue(std::move(v))); }
  Node *t_(Symbol name, Tensor v) { return setAttribute(name, AttributeValue(std::move(v))); }
  Node *is_(Symbol name, std::vector<int64_t> v) {
    return setAttribute(name, AttributeValue(std::move(v)));
  }

  /// The module scope torch traces record (`__module.conv`), printed as `, scope: ...`.
  const std::string &scopeName() const { return scope_; }
  Node *setScopeName(std::string scope) {
    scope_ = std::move(scope);
    return this;
  }

  const SourceLocation &sourceLocation() const { return loc_; }
  Node *setSourceLocation(SourceLocation loc) {
    loc_ = std::move(loc);
    return this;
  }

  /// Nodes that must stay even when their outputs are unused: exceptions, prints, attribute
  /// stores, in-place aten ops (`add_`), ops writing to an `out=` argument, and anything
  /// containing such a node in its blocks.
  bool hasSideEffects() const;

  bool matches(std::string_view qualKind) const { return kind_.qualString() == qualKind; }

  /// A pass's scratch mark (Graph::newMark), as Value's.
  bool marked(uint32_t mark) const { return mark_ == mark; }
  void setMark(uint32_t mark) { mark_ = mark; }

private:
  friend class Graph;
  friend class Block;
  friend class Value;
  Node(Graph *g, Symbol kind);
  ~Node();
  void dropInputUse(size_t i);

  Symbol kind_;
  uint32_t mark_ = 0;
  Graph *graph_;
  Block *owningBlock_ = nullptr;
  Node *next_ = nullptr;
  Node *prev_ = nullptr;
  std::vector<Value *> inputs_;
  std::vector<Value *> outputs_;
  std::vector<Block *> blocks_;
  std::vector<std::pair<Symbol, AttributeValue>> attrs_;
  SourceLocation loc_;
  std::string scope_;
};

/// A list of nodes between a prim::Param node (whose outputs are the block's inputs) and a
/// prim::Return node (whose inputs are the block's outputs).
class Block {
public:
  class NodeRange;

  Graph *owningGraph() const { return graph_; }
  /// The node this block belongs to (nullptr for the graph's top block).
  Node *owningNode() const { return owningNode_; }
  Node *paramNode() const { return param_; }
  Node *returnNode() const { return return_; }

  const std::vector<Value *> &inputs() const { return param_->outputs(); }
  const std::vector<Value *> &outputs() const { return return_->inputs(); }
  Value *addInput(std::string_view name = {});
  Value *insertInput(size_t i, std::string_view name = {});
  void eraseInput(size_t i);
  size_t registerOutput(Value *v);
  void insertOutput(size_t i, Value *v);
  void eraseOutput(size_t i);
  void replaceOutput(size_t i, Value *v);

  Node *appendNode(Node *n);
  Node *prependNode(Node *n);
  /// The nodes in order, excluding Param and Return. Safe to destroy the current node while
  /// iterating if the iterator was advanced first.
  NodeRange nodes() const;
  /// The nodes in reverse order.
  NodeRange reverseNodes() const;
  bool empty() const { return param_->next_ == return_; }

private:
  friend class Node;
  friend class Graph;
  Block(Graph *g, Node *owner);
  ~Block();

  Graph *graph_;
  Node *owningNode_;
  Node *param_;
  Node *return_;
};

class NodeIterator {
public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = Node *;
  using difference_type = std::ptrdiff_t;
  using pointer = Node **;
  using reference = Node *;

  NodeIterator(Node *n, bool reverse) : node_(n), reverse_(reverse) {}
  Node *operator*() const { return node_; }
  NodeIterator &operator++() {
    node_ = reverse_ ? node_->prev() : node_->next();
    return *this;
  }
  bool operator==(const NodeIterator &o) const { return node_ == o.node_; }
  bool operator!=(const NodeIterator &o) const { return node_ != o.node_; }

private:
  Node *node_;
  bool reverse_;
};

class Block::NodeRange {
public:
  NodeRange(NodeIterator b, NodeIterator e) : begin_(b), end_(e) {}
  NodeIterator begin() const { return begin_; }
  NodeIterator end() const { return end_; }

private:
  NodeIterator begin_, end_;
};

/// The default of a method argument in its signature (`is_causal: bool = False`): a literal
/// None, bool, int, float or string. What a conversion uses for an argument given no input.
struct ArgumentDefault {
  enum class Kind { None, Bool, Int, Float, String } kind = Kind::None;
  int64_t i = 0; // Bool (0/1) and Int
  double f = 0;
  std::string s;
};

/// Owns every node, value and block. Not copyable; use `clone()`.
class Graph {
public:
  Graph();
  ~Graph();
  Graph(const Graph &) = delete;
  Graph &operator=(const Graph &) = delete;

  Block *block() const { return block_; }
  const std::vector<Value *> &inputs() const { return block_->inputs(); }
  const std::vector<Value *> &outputs() const { return block_->outputs(); }
  Value *addInput(std::string_view name = {}) { return block_->addInput(name); }
  size_t registerOutput(Value *v) { return block_->registerOutput(v); }

  /// A new node not yet in any block, with `numOutputs` outputs of type Tensor.
  Node *create(Symbol kind, const std::vector<Value *> &inputs = {}, size_t numOutputs = 1);
  /// create() + insert at the insertion point.
  Node *insertNode(Node *n);
  Node *insert(Symbol kind, const std::vector<Value *> &inputs = {}, size_t numOutputs = 1) {
    return insertNode(create(kind, inputs, numOutputs));
  }

  /// New nodes go before `n` (or at the end of block `b`).
  void setInsertPoint(Node *n) { insertBefore_ = n; }
  void setInsertPoint(Block *b) { insertBefore_ = b->returnNode(); }
  Node *insertPoint() const { return insertBefore_; }

  // Constant helpers: a prim::Constant at the insertion point.
  Value *insertConstantInt(int64_t v);
  Value *insertConstantFloat(double v);
  Value *insertConstantBool(bool v);
  Value *insertConstantString(std::string v);
  Value *insertConstantNone();
  Value *insertConstantTensor(Tensor t);
  Value *insertConstantInts(std::vector<int64_t> v);

  /// Signature defaults of the top block's inputs (the frontend records them; the API's input
  /// binding uses them for arguments given no --input); clone() copies them.
  void setInputDefault(const Value *input, ArgumentDefault d) { inputDefaults_[input] = d; }
  const ArgumentDefault *inputDefault(const Value *input) const {
    auto it = inputDefaults_.find(input);
    return it == inputDefaults_.end() ? nullptr : &it->second;
  }
  /// A prim::Constant of `d` at the insertion point.
  Value *insertConstantDefault(const ArgumentDefault &d);

  /// A deep copy (shares constant tensor storages).
  std::unique_ptr<Graph> clone() const;
  /// Copies `src`'s nodes into `dst` at the end, mapping src's inputs through `env`
  /// (src value -> dst value); `env` is extended with every value copied. Used by inlining.
  static void cloneBlockInto(const Block &src, Block *dst,
                             absl::flat_hash_map<const Value *, Value *> &env);
  /// Copies node `n` (with its blocks) to the insertion point, mapping inputs through `env`.
  Node *cloneNode(const Node &n, absl::flat_hash_map<const Value *, Value *> &env);
  /// Inlining without a copy: moves the nodes of `callee`'s top block to the insertion point,
  /// numbered and named as cloneNode would number and name their copies, with `callee`'s inputs
  /// replaced by `args`. Returns what `callee`'s outputs became, and appends the moved nodes to
  /// `moved` when given. `callee` keeps an empty block and is only fit to be destroyed.
  std::vector<Value *> moveInlined(Graph &callee, const std::vector<Value *> &args,
                                   std::vector<Node *> *moved = nullptr);

  /// Live nodes, counting each block's Param and Return nodes.
  size_t nodeCount() const { return liveNodes_; }

  // Name bookkeeping used by Value::setDebugName and the parser.
  /// A mark no node or value of this graph carries yet (Node::setMark, Value::setMark): one
  /// pass's "visited" set without hashing. Marks of an earlier newMark() are stale.
  uint32_t newMark() { return ++lastMark_; }
  void reserveUnique(size_t unique);
  /// Assigns `unique` to `v` as its printed number (parser: `%23` keeps 23).
  void setUnique(Value *v, size_t unique);

private:
  friend class Node;
  friend class Block;
  friend class Value;
  size_t nextUnique() { return nextUnique_++; }
  /// moveInlined's step: `n` (and its blocks) now belongs to this graph instead of `from`.
  void adoptNode(Node *n, Graph &from);
  void adoptValue(Value *v, Graph &from);

  Block *block_;
  Node *insertBefore_;
  size_t nextUnique_ = 0;
  uint32_t lastMark_ = 0;
  size_t liveNodes_ = 0;
  absl::flat_hash_map<std::string, Value *> names_;
  absl::flat_hash_map<const Value *, ArgumentDefault> inputDefaults_;
  /// Per base name: every `base.N` with 1 <= N < the hint is taken, so that giving the n-th
  /// value the name `input` costs O(1) amortized instead of probing input.1 ... input.n.
  absl::flat_hash_map<std::string, size_t> suffixHint_;
  /// Removes `name` (held by `v`) from names_ and lowers its base's hint.
  void releaseName(const std::string &name, const Value *v);
};

/// The `value` attribute of `v`'s producer when that is a prim::Constant (nullptr for a None
/// constant, which has no attribute, and for anything else).
const AttributeValue *constantValue(const Value *v);
/// The value of an int or bool prim::Constant (bools as 0/1); nullopt for anything else.
std::optional<int64_t> constantInt(const Value *v);
/// The value of a str prim::Constant; nullopt for anything else.
std::optional<std::string> constantString(const Value *v);

/// RAII: sets the graph's insertion point and restores the previous one.
class WithInsertPoint {
public:
  explicit WithInsertPoint(Node *n) : graph_(n->owningGraph()), prev_(graph_->insertPoint()) {
    graph_->setInsertPoint(n);
  }
  explicit WithInsertPoint(Block *b) : graph_(b->owningGraph()), prev_(graph_->insertPoint()) {
    graph_->setInsertPoint(b);
  }
  ~WithInsertPoint() { graph_->setInsertPoint(prev_); }
  WithInsertPoint(const WithInsertPoint &) = delete;
  WithInsertPoint &operator=(const WithInsertPoint &) = delete;

private:
  Graph *graph_;
  Node *prev_;
};

} // namespace ts2onnx::ir
