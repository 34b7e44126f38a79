#include "ir/Graph.h"

#include <algorithm>
#include <cassert>
#include <cctype>

#include <fmt/format.h>

namespace ts2onnx::ir {

// --- SourceLocation ------------------------------------------------------------------------

std::string SourceLocation::str() const {
  if (!file)
    return {};
  return fmt::format("{}:{}:{}", *file, line, column);
}

// --- Value ---------------------------------------------------------------------------------

Graph *Value::owningGraph() const { return node_->owningGraph(); }

std::string Value::debugName() const { return name_.empty() ? std::to_string(unique_) : name_; }

static bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c); });
}

Value *Value::setDebugName(std::string_view name) {
  Graph *g = owningGraph();
  if (!name_.empty()) {
    g->releaseName(name_, this);
    name_.clear();
  }
  if (name.empty() || allDigits(name))
    return this;
  std::string candidate(name);
  auto it = g->names_.find(candidate);
  if (it != g->names_.end() && it->second != this) {
    // Keep the existing holder; give this value the first free `base.N`.
    std::string base(name);
    size_t dot = base.rfind('.');
    if (dot != std::string::npos && allDigits(std::string_view(base).substr(dot + 1)))
      base.resize(dot);
    size_t &hint = g->suffixHint_.try_emplace(base, 1).first->second;
    for (size_t n = hint;; ++n) {
      candidate = fmt::format("{}.{}", base, n);
      if (!g->names_.contains(candidate)) {
        hint = n + 1; // 1 .. n are now all taken
        break;
      }
    }
  }
  name_ = candidate;
  g->names_[name_] = this;
  return this;
}

void Graph::releaseName(const std::string &name, const Value *v) {
  auto it = names_.find(name);
  if (it == names_.end() || it->second != v)
    return;
  names_.erase(it);
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot + 1 == name.size() ||
      !allDigits(std::string_view(name).substr(dot + 1)) || name.size() - dot > 18)
    return;
  auto hint = suffixHint_.find(name.substr(0, dot));
  size_t n = std::stoull(name.substr(dot + 1));
  if (hint != suffixHint_.end() && n >= 1 && n < hint->second)
    hint->second = n; // base.n is free again: the first free suffix is at most n
}

bool UseList::remove(const Use &u) {
  if (empty())
    return false;
  if (buf_[head_] == u) {
    ++head_;
    if (head_ == buf_.size()) {
      clear();
    } else if (head_ >= 16 && 2 * head_ >= buf_.size()) {
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return true;
  }
  if (buf_.back() == u) {
    buf_.pop_back();
    return true;
  }
  auto it = std::find(buf_.begin() + static_cast<std::ptrdiff_t>(head_), buf_.end(), u);
  if (it == buf_.end())
    return false;
  buf_.erase(it);
  return true;
}

void Value::replaceAllUsesWith(Value *v) {
  if (v == this)
    return;
  for (const Use &u : uses_) {
    u.user->inputs_[u.offset] = v;
    v->uses_.push_back(u);
  }
  uses_.clear();
}

// True when `user` is `anchor` itself or nested anywhere after `anchor` in anchor's block.
static bool isAfter(const Node *anchor, const Node *user) {
  const Block *target = anchor->owningBlock();
  while (user && user->owningBlock() != target) {
    const Block *b = user->owningBlock();
    user = b ? b->owningNode() : nullptr;
  }
  if (!user || user == anchor)
    return false;
  return anchor->isBefore(user);
}

void Value::replaceAllUsesDominatedBy(const Node *node, Value *v) {
  std::vector<Use> keep;
  for (const Use &u : uses_) {
    if (isAfter(node, u.user)) {
      u.user->inputs_[u.offset] = v;
      v->uses_.push_back(u);
    } else {
      keep.push_back(u);
    }
  }
  uses_.assign(std::move(keep));
}

// --- Node ----------------------------------------------------------------------------------

Node::Node(Graph *g, Symbol kind) : kind_(kind), graph_(g) { ++g->liveNodes_; }

Node::~Node() {
  for (Block *b : blocks_)
    delete b;
  for (Value *v : outputs_) {
    if (v->hasDebugName())
      graph_->releaseName(v->name_, v);
    delete v;
  }
  --graph_->liveNodes_;
}

void Node::dropInputUse(size_t i) {
  [[maybe_unused]] bool found = inputs_[i]->uses_.remove(Use{this, i});
  assert(found && "use list out of sync");
}

Value *Node::addInput(Value *v) {
  inputs_.push_back(v);
  v->uses_.push_back({this, inputs_.size() - 1});
  return v;
}

Value *Node::insertInput(size_t i, Value *v) {
  // Shift the use records of later inputs first, then insert.
  for (size_t j = inputs_.size(); j-- > i;) {
    for (Use *u = inputs_[j]->uses_.mbegin(); u != inputs_[j]->uses_.mend(); ++u)
      if (u->user == this && u->offset == j) {
        u->offset = j + 1;
        break;
      }
  }
  inputs_.insert(inputs_.begin() + static_cast<std::ptrdiff_t>(i), v);
  v->uses_.push_back({this, i});
  return v;
}

Value *Node::replaceInput(size_t i, Value *v) {
  Value *old = inputs_.at(i);
  if (old == v)
    return old;
  dropInputUse(i);
  inputs_[i] = v;
  v->uses_.push_back({this, i});
  return old;
}

void Node::replaceInputWith(Value *from, Value *to) {
  for (size_t i = 0; i < inputs_.size(); ++i)
    if (inputs_[i] == from)
      replaceInput(i, to);
}

void Node::removeInput(size_t i) {
  dropInputUse(i);
  for (size_t j = i + 1; j < inputs_.size(); ++j) {
    for (Use *u = inputs_[j]->uses_.mbegin(); u != inputs_[j]->uses_.mend(); ++u)
      if (u->user == this && u->offset == j) {
        u->offset = j - 1;
        break;
      }
  }
  inputs_.erase(inputs_.begin() + static_cast<std::ptrdiff_t>(i));
}

void Node::removeAllInputs() {
  for (size_t i = 0; i < inputs_.size(); ++i)
    dropInputUse(i);
  inputs_.clear();
}

Value *Node::output() const {
  assert(outputs_.size() == 1);
  return outputs_.at(0);
}

Value *Node::addOutput() {
  outputs_.push_back(new Value(this, outputs_.size(), graph_->nextUnique()));
  return outputs_.back();
}

Value *Node::insertOutput(size_t i) {
  outputs_.insert(outputs_.begin() + static_cast<std::ptrdiff_t>(i),
                  new Value(this, i, graph_->nextUnique()));
  for (size_t j = i + 1; j < outputs_.size(); ++j)
    outputs_[j]->offset_ = j;
  return outputs_[i];
}

void Node::eraseOutput(size_t i) {
  Value *v = outputs_.at(i);
  assert(!v->hasUses());
  v->setDebugName({});
  outputs_.erase(outputs_.begin() + static_cast<std::ptrdiff_t>(i));
  delete v;
  for (size_t j = i; j < outputs_.size(); ++j)
    outputs_[j]->offset_ = j;
}

void Node::replaceAllUsesWith(Node *n) {
  assert(n->outputs_.size() == outputs_.size());
  for (size_t i = 0; i < outputs_.size(); ++i)
    outputs_[i]->replaceAllUsesWith(n->outputs_[i]);
}

Block *Node::addBlock() {
  blocks_.push_back(new Block(graph_, this));
  return blocks_.back();
}

// Drops every use made by nodes inside `b` (recursively), so the nodes can be freed in any
// order.
static void dropUsesIn(Block *b) {
  for (Node *n : b->nodes()) {
    for (Block *sub : n->blocks())
      dropUsesIn(sub);
    n->removeAllInputs();
  }
  b->returnNode()->removeAllInputs();
}

void Node::eraseBlock(size_t i) {
  Block *b = blocks_.at(i);
  dropUsesIn(b);
  blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
  delete b;
}

Node *Node::insertBefore(Node *n) {
  assert(!inBlockList() && n->inBlockList());
  owningBlock_ = n->owningBlock_;
  prev_ = n->prev_;
  next_ = n;
  n->prev_->next_ = this;
  n->prev_ = this;
  return this;
}

Node *Node::insertAfter(Node *n) { return insertBefore(n->next_); }

void Node::moveBefore(Node *n) {
  removeFromList();
  insertBefore(n);
}

void Node::moveAfter(Node *n) {
  removeFromList();
  insertAfter(n);
}

bool Node::isBefore(const Node *n) const {
  if (n->owningBlock_ != owningBlock_ || n == this)
    return false;
  for (const Node *p = next_; p && p != owningBlock_->returnNode()->next_; p = p->next_)
    if (p == n)
      return true;
  return false;
}

Node *Node::ancestorIn(const Block *b) const {
  for (const Node *n = this; n; n = n->owningBlock_->owningNode())
    if (n->owningBlock_ == b)
      return const_cast<Node *>(n);
  return nullptr;
}

void Node::removeFromList() {
  if (!inBlockList())
    return;
  prev_->next_ = next_;
  next_->prev_ = prev_;
  next_ = prev_ = nullptr;
  owningBlock_ = nullptr;
}

void Node::destroy() {
  for ([[maybe_unused]] Value *v : outputs_)
    assert(!v->hasUses() && "destroying a node whose outputs are still used");
  if (graph_->insertBefore_ == this)
    graph_->insertBefore_ = next_;
  removeAllInputs();
  for (Block *b : blocks_)
    dropUsesIn(b);
  removeFromList();
  delete this;
}

bool Node::hasAttribute(Symbol name) const { return attribute(name) != nullptr; }

const AttributeValue *Node::attribute(Symbol name) const {
  for (const auto &[k, v] : attrs_)
    if (k == name)
      return &v;
  return nullptr;
}

Node *Node::setAttribute(Symbol name, AttributeValue v) {
  for (auto &[k, old] : attrs_)
    if (k == name) {
      old = std::move(v);
      return this;
    }
  attrs_.emplace_back(name, std::move(v));
  return this;
}

void Node::removeAttribute(Symbol name) {
  attrs_.erase(std::remove_if(attrs_.begin(), attrs_.end(),
                              [&](const auto &kv) { return kv.first == name; }),
               attrs_.end());
}

void Node::copyAttributes(const Node &from) { attrs_ = from.attrs_; }

bool Node::hasSideEffects() const {
  static const Symbol kEffectful[] = {
      prim::RaiseException,
      prim::Print,
      prim::SetAttr,
      prim::Enter,
      prim::Exit,
      prim::CallMethod,
      prim::CallFunction,
      Symbol::fromQualString("prim::fork"),
      Symbol::fromQualString("aten::wait"),
      Symbol::fromQualString("aten::warn"),
      // eliminate-exceptions' record of a dropped argument check (check-raises decides it).
      Symbol::fromQualString("ts2onnx::raise_if"),
      Symbol::fromQualString("aten::append"),
      Symbol::fromQualString("aten::_set_item"),
      Symbol::fromQualString("aten::Delete"),
      Symbol::fromQualString("aten::insert"),
      Symbol::fromQualString("aten::pop"),
      Symbol::fromQualString("aten::clear"),
      Symbol::fromQualString("aten::extend"),
      Symbol::fromQualString("aten::remove"),
      Symbol::fromQualString("aten::setdefault"),
      Symbol::fromQualString("aten::update"),
      Symbol::fromQualString("aten::manual_seed"),
      Symbol::fromQualString("aten::_assert_async"),
  };
  for (Symbol s : kEffectful)
    if (kind_ == s)
      return true;
  if (kind_.isNamespace("aten")) {
    std::string_view n = kind_.name();
    // In-place variants end with one underscore (`add_`); dunders (`__iand__`) are in-place
    // too when they start with `__i`, but `__getitem__` and friends are not.
    bool dunder = n.size() > 4 && n.substr(0, 2) == "__" && n.substr(n.size() - 2) == "__";
    if (dunder) {
      static const std::string_view kInplaceDunders[] = {
          "__iadd__", "__isub__", "__imul__", "__idiv__",    "__imod__",
          "__iand__", "__ior__",  "__ixor__", "__ilshift__", "__irshift__"};
      for (auto d : kInplaceDunders)
        if (n == d)
          return true;
    } else if (!n.empty() && n.back() == '_') {
      return true;
    }
  }
  for (const Block *b : blocks_)
    for (const Node *n : b->nodes())
      if (n->hasSideEffects())
        return true;
  return false;
}

// --- Block ---------------------------------------------------------------------------------

Block::Block(Graph *g, Node *owner) : graph_(g), owningNode_(owner) {
  param_ = new Node(g, prim::Param);
  return_ = new Node(g, prim::Return);
  param_->owningBlock_ = return_->owningBlock_ = this;
  // Circular list: return -> param -> ... -> return.
  param_->next_ = return_;
  param_->prev_ = return_;
  return_->next_ = param_;
  return_->prev_ = param_;
}

Block::~Block() {
  // Free every node; uses between them no longer matter.
  Node *n = param_->next_;
  while (n != return_) {
    Node *next = n->next_;
    n->inputs_.clear();
    delete n;
    n = next;
  }
  return_->inputs_.clear();
  delete return_;
  delete param_;
}

Value *Block::addInput(std::string_view name) {
  return insertInput(param_->outputs().size(), name);
}

Value *Block::insertInput(size_t i, std::string_view name) {
  Value *v = param_->insertOutput(i);
  if (!name.empty())
    v->setDebugName(name);
  return v;
}

void Block::eraseInput(size_t i) { param_->eraseOutput(i); }

size_t Block::registerOutput(Value *v) {
  return_->addInput(v);
  return return_->inputs().size() - 1;
}

void Block::insertOutput(size_t i, Value *v) { return_->insertInput(i, v); }
void Block::eraseOutput(size_t i) { return_->removeInput(i); }
void Block::replaceOutput(size_t i, Value *v) { return_->replaceInput(i, v); }

Node *Block::appendNode(Node *n) { return n->insertBefore(return_); }
Node *Block::prependNode(Node *n) { return n->insertAfter(param_); }

Block::NodeRange Block::nodes() const {
  return NodeRange(NodeIterator(param_->next_, false), NodeIterator(return_, false));
}

Block::NodeRange Block::reverseNodes() const {
  return NodeRange(NodeIterator(return_->prev_, true), NodeIterator(param_, true));
}

// --- Graph ---------------------------------------------------------------------------------

Graph::Graph() {
  block_ = new Block(this, nullptr);
  insertBefore_ = block_->returnNode();
}

Graph::~Graph() { delete block_; }

Node *Graph::create(Symbol kind, const std::vector<Value *> &inputs, size_t numOutputs) {
  Node *n = new Node(this, kind);
  for (Value *v : inputs)
    n->addInput(v);
  for (size_t i = 0; i < numOutputs; ++i)
    n->addOutput();
  return n;
}

Node *Graph::insertNode(Node *n) { return n->insertBefore(insertBefore_); }

static Value *insertConstant(Graph *g, AttributeValue v, TypePtr type) {
  Node *n = g->insert(prim::Constant, {}, 1);
  n->setAttribute(attr::value, std::move(v));
  return n->output()->setType(std::move(type));
}

Value *Graph::insertConstantInt(int64_t v) {
  return insertConstant(this, AttributeValue(v), Type::intType());
}
Value *Graph::insertConstantFloat(double v) {
  return insertConstant(this, AttributeValue(v), Type::floatType());
}
Value *Graph::insertConstantBool(bool v) {
  return insertConstant(this, AttributeValue(int64_t(v ? 1 : 0)), Type::boolType());
}
Value *Graph::insertConstantString(std::string v) {
  return insertConstant(this, AttributeValue(std::move(v)), Type::strType());
}
Value *Graph::insertConstantNone() {
  return insert(prim::Constant, {}, 1)->output()->setType(Type::noneType());
}
Value *Graph::insertConstantDefault(const ArgumentDefault &d) {
  switch (d.kind) {
  case ArgumentDefault::Kind::Bool:
    return insertConstantBool(d.i != 0);
  case ArgumentDefault::Kind::Int:
    return insertConstantInt(d.i);
  case ArgumentDefault::Kind::Float:
    return insertConstantFloat(d.f);
  case ArgumentDefault::Kind::String:
    return insertConstantString(d.s);
  case ArgumentDefault::Kind::None:
    break;
  }
  return insertConstantNone();
}
Value *Graph::insertConstantTensor(Tensor t) {
  TensorInfo info;
  info.dtype = t.dtype();
  std::vector<Dim> dims;
  for (int64_t s : t.sizes())
    dims.push_back(Dim::known(s));
  info.sizes = std::move(dims);
  return insertConstant(this, AttributeValue(std::move(t)), Type::tensor(std::move(info)));
}
Value *Graph::insertConstantInts(std::vector<int64_t> v) {
  return insertConstant(this, AttributeValue(std::move(v)), Type::list(Type::intType()));
}

static Node *cloneNodeUnlinked(Graph *g, const Node &n,
                               absl::flat_hash_map<const Value *, Value *> &env) {
  std::vector<Value *> ins;
  ins.reserve(n.inputs().size());
  for (Value *v : n.inputs()) {
    auto it = env.find(v);
    ins.push_back(it == env.end() ? v : it->second);
  }
  Node *c = g->create(n.kind(), ins, n.outputs().size());
  c->copyAttributes(n);
  c->setSourceLocation(n.sourceLocation());
  c->setScopeName(n.scopeName());
  for (size_t i = 0; i < n.outputs().size(); ++i) {
    Value *o = c->output(i);
    o->setType(n.output(i)->type());
    if (n.output(i)->hasDebugName())
      o->setDebugName(n.output(i)->rawDebugName());
    env[n.output(i)] = o;
  }
  for (const Block *b : n.blocks()) {
    Block *nb = c->addBlock();
    for (Value *in : b->inputs()) {
      Value *ni = nb->addInput(in->hasDebugName() ? in->rawDebugName() : std::string_view());
      ni->setType(in->type());
      env[in] = ni;
    }
    Graph::cloneBlockInto(*b, nb, env);
  }
  return c;
}

void Graph::cloneBlockInto(const Block &src, Block *dst,
                           absl::flat_hash_map<const Value *, Value *> &env) {
  Graph *g = dst->owningGraph();
  for (const Node *n : src.nodes())
    dst->appendNode(cloneNodeUnlinked(g, *n, env));
  for (Value *v : src.outputs()) {
    auto it = env.find(v);
    dst->registerOutput(it == env.end() ? v : it->second);
  }
}

Node *Graph::cloneNode(const Node &n, absl::flat_hash_map<const Value *, Value *> &env) {
  return insertNode(cloneNodeUnlinked(this, n, env));
}

void Graph::adoptValue(Value *v, Graph &from) {
  v->unique_ = nextUnique();
  v->mark_ = 0;
  if (!v->name_.empty()) {
    std::string name = std::move(v->name_);
    v->name_.clear();
    from.releaseName(name, v);
    v->setDebugName(name); // uniqued among this graph's names, as a copy's would be
  }
}

void Graph::adoptNode(Node *n, Graph &from) {
  // The order of cloneNodeUnlinked: the node's outputs, then each block's inputs and nodes.
  --from.liveNodes_;
  ++liveNodes_;
  n->graph_ = this;
  n->mark_ = 0;
  for (Value *o : n->outputs_)
    adoptValue(o, from);
  for (Block *b : n->blocks_) {
    b->graph_ = this;
    for (Node *end : {b->param_, b->return_}) {
      --from.liveNodes_;
      ++liveNodes_;
      end->graph_ = this;
      end->mark_ = 0;
    }
    for (Value *in : b->inputs())
      adoptValue(in, from);
    for (Node *inner : b->nodes())
      adoptNode(inner, from);
  }
}

std::vector<Value *> Graph::moveInlined(Graph &callee, const std::vector<Value *> &args,
                                        std::vector<Node *> *moved) {
  Block *top = callee.block();
  for (size_t i = 0; i < top->inputs().size() && i < args.size(); ++i)
    top->inputs()[i]->replaceAllUsesWith(args[i]);
  std::vector<Value *> outs = top->outputs();
  top->returnNode()->removeAllInputs(); // its uses of moved values would outlive it
  for (auto it = top->nodes().begin(); it != top->nodes().end();) {
    Node *n = *it;
    ++it;
    n->removeFromList();
    adoptNode(n, callee);
    insertNode(n);
    if (moved)
      moved->push_back(n);
  }
  return outs; // an input returned as it is was replaced by its argument above
}

std::unique_ptr<Graph> Graph::clone() const {
  auto g = std::make_unique<Graph>();
  absl::flat_hash_map<const Value *, Value *> env;
  for (Value *in : inputs()) {
    Value *ni = g->addInput(in->hasDebugName() ? in->rawDebugName() : std::string_view());
    ni->setType(in->type());
    env[in] = ni;
    if (const ArgumentDefault *d = inputDefault(in))
      g->setInputDefault(ni, *d);
  }
  cloneBlockInto(*block_, g->block(), env);
  g->nextUnique_ = nextUnique_;
  for (auto &[from, to] : env)
    to->unique_ = from->unique_;
  return g;
}

void Graph::reserveUnique(size_t unique) { nextUnique_ = std::max(nextUnique_, unique + 1); }

void Graph::setUnique(Value *v, size_t unique) {
  v->unique_ = unique;
  reserveUnique(unique);
}

const AttributeValue *constantValue(const Value *v) {
  const Node *n = v->node();
  return n->kind() == prim::Constant ? n->attribute(attr::value) : nullptr;
}

std::optional<int64_t> constantInt(const Value *v) {
  if (!v->type()->is(TypeKind::Int) && !v->type()->is(TypeKind::Bool))
    return std::nullopt;
  const AttributeValue *a = constantValue(v);
  const int64_t *i = a ? a->getIf<int64_t>() : nullptr;
  return i ? std::optional<int64_t>(*i) : std::nullopt;
}

std::optional<std::string> constantString(const Value *v) {
  const AttributeValue *a = constantValue(v);
  const std::string *s = a ? a->getIf<std::string>() : nullptr;
  return s ? std::optional<std::string>(*s) : std::nullopt;
}

} // namespace ts2onnx::ir
