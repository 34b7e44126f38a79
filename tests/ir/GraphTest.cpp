// The mutation API keeps use lists right; checked by the verifier and by printing.
#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

using namespace ts2onnx::ir;

namespace {

const Symbol kAdd = Symbol::fromQualString("aten::add");
const Symbol kNeg = Symbol::fromQualString("aten::neg");
const Symbol kRelu = Symbol::fromQualString("aten::relu");

std::unique_ptr<Graph> parse(std::string_view text) {
  auto g = parseGraph(text, "graph.ir");
  REQUIRE_MESSAGE(g.ok(), g.status().message());
  return std::move(*g);
}

// Every use record of `v`, sorted, as "kind@offset".
std::vector<std::string> usesOf(const Value *v) {
  std::vector<std::string> out;
  for (const Use &u : v->uses())
    out.push_back(u.user->kind().qualString() + "@" + std::to_string(u.offset));
  std::sort(out.begin(), out.end());
  return out;
}

const char *kSimple = R"IR(graph(%x : Tensor,
      %y : Tensor):
  %a : Tensor = aten::neg(%x)
  %b : Tensor = aten::relu(%a)
  return (%b)
)IR";

Node *nodeOf(Graph &g, std::string_view name) {
  for (Node *n : g.block()->nodes())
    for (Value *o : n->outputs())
      if (o->debugName() == name)
        return n;
  return nullptr;
}

} // namespace

TEST_CASE("insertBefore and insertAfter place nodes next to their anchor") {
  auto g = parse(kSimple);
  Node *neg = nodeOf(*g, "a"), *relu = nodeOf(*g, "b");
  Node *before = g->create(kNeg, {g->inputs()[1]});
  before->output()->setDebugName("before");
  before->insertBefore(relu);
  Node *after = g->create(kNeg, {relu->output()});
  after->output()->setDebugName("after");
  after->insertAfter(relu);
  CHECK(neg->next() == before);
  CHECK(before->next() == relu);
  CHECK(relu->next() == after);
  CHECK(before->owningBlock() == g->block());
  CHECK(before->isBefore(relu));
  CHECK(!relu->isBefore(before));
  CHECK(verify(*g).ok());
  CHECK(printGraph(*g) == R"IR(graph(%x : Tensor,
      %y : Tensor):
  %a : Tensor = aten::neg(%x)
  %before : Tensor = aten::neg(%y)
  %b : Tensor = aten::relu(%a)
  %after : Tensor = aten::neg(%b)
  return (%b)
)IR");
}

TEST_CASE("replaceAllUsesWith moves every use, including block returns") {
  auto g = parse(kSimple);
  Value *a = nodeOf(*g, "a")->output();
  Value *x = g->inputs()[0];
  a->replaceAllUsesWith(x);
  CHECK(!a->hasUses());
  CHECK(usesOf(x) == std::vector<std::string>{"aten::neg@0", "aten::relu@0"});
  Value *b = nodeOf(*g, "b")->output();
  b->replaceAllUsesWith(g->inputs()[1]);
  CHECK(g->outputs()[0] == g->inputs()[1]);
  CHECK(usesOf(g->inputs()[1]) == std::vector<std::string>{"prim::Return@0"});
  CHECK(verify(*g).ok());
}

TEST_CASE("replaceInput and replaceInputWith update both use lists") {
  auto g = parse(kSimple);
  Node *relu = nodeOf(*g, "b");
  Value *a = relu->input(0), *y = g->inputs()[1];
  CHECK(relu->replaceInput(0, y) == a);
  CHECK(!a->hasUses());
  CHECK(usesOf(y) == std::vector<std::string>{"aten::relu@0"});
  Node *add = g->create(kAdd, {y, y, a});
  add->insertAfter(relu);
  add->replaceInputWith(y, a);
  CHECK(add->inputs() == std::vector<Value *>{a, a, a});
  CHECK(usesOf(a) == std::vector<std::string>{"aten::add@0", "aten::add@1", "aten::add@2"});
  CHECK(verify(*g).ok());
}

TEST_CASE("removeInput and insertInput keep the offsets of later uses right") {
  auto g = parse(kSimple);
  Value *x = g->inputs()[0], *y = g->inputs()[1];
  Value *a = nodeOf(*g, "a")->output();
  Node *n = g->create(Symbol::fromQualString("prim::ListConstruct"), {x, y, a, y}, 1);
  n->insertAfter(nodeOf(*g, "a"));
  n->removeInput(1);
  CHECK(n->inputs() == std::vector<Value *>{x, a, y});
  CHECK(usesOf(a) == std::vector<std::string>{"aten::relu@0", "prim::ListConstruct@1"});
  CHECK(usesOf(y) == std::vector<std::string>{"prim::ListConstruct@2"});
  CHECK(verify(*g).ok());
  n->insertInput(0, y);
  CHECK(n->inputs() == std::vector<Value *>{y, x, a, y});
  CHECK(usesOf(y) == std::vector<std::string>{"prim::ListConstruct@0", "prim::ListConstruct@3"});
  CHECK(usesOf(x) == std::vector<std::string>{"aten::neg@0", "prim::ListConstruct@1"});
  CHECK(verify(*g).ok());
  n->removeAllInputs();
  CHECK(usesOf(y).empty());
  CHECK(verify(*g).ok());
}

TEST_CASE("destroy unlinks a node and drops its uses, also from inside its blocks") {
  auto g = parse(R"IR(graph(%c : bool,
      %x : Tensor):
  %a : Tensor = aten::neg(%x)
   = prim::If(%c)
    block0():
      %u : Tensor = aten::relu(%a)
      -> ()
    block1():
      -> ()
  return (%x)
)IR");
  size_t count = g->nodeCount();
  Node *ifNode = g->block()->nodes().begin().operator*()->next();
  REQUIRE(ifNode->kind() == prim::If);
  Value *a = nodeOf(*g, "a")->output();
  CHECK(a->uses().size() == 1);
  ifNode->destroy();
  CHECK(!a->hasUses());
  CHECK(usesOf(g->inputs()[1]) == std::vector<std::string>{"aten::neg@0", "prim::Return@0"});
  CHECK(g->nodeCount() == count - 6); // the If, its relu, and two blocks' Param + Return
  nodeOf(*g, "a")->destroy();
  CHECK(verify(*g).ok());
  CHECK(printGraph(*g) == "graph(%c : bool,\n      %x : Tensor):\n  return (%x)\n");
}

TEST_CASE("use lists keep program order when users are destroyed from the front, back or middle") {
  auto g = parse(kSimple);
  Value *x = g->inputs()[0];
  Node *first = nodeOf(*g, "a");
  std::vector<Node *> users;
  {
    WithInsertPoint guard(first->next());
    for (int i = 0; i < 100; ++i)
      users.push_back(g->insert(kAdd, {x, x}));
  }
  auto order = [&] {
    std::vector<std::pair<Node *, size_t>> out;
    for (const Use &u : x->uses())
      out.push_back({u.user, u.offset});
    return out;
  };
  std::vector<std::pair<Node *, size_t>> expected{{first, 0}};
  for (Node *n : users) {
    expected.push_back({n, 0});
    expected.push_back({n, 1});
  }
  REQUIRE(order() == expected);
  auto drop = [&](Node *n) {
    expected.erase(std::remove_if(expected.begin(), expected.end(),
                                  [&](const auto &u) { return u.first == n; }),
                   expected.end());
    n->destroy();
  };
  // Front to back through most of them (the dead prefix is reclaimed on the way), then from
  // the back, then one in the middle; the order of the rest never changes.
  first->replaceInput(0, g->inputs()[1]); // %a keeps its user: move its use instead
  expected.erase(expected.begin());
  for (int i = 0; i < 60; ++i)
    drop(users[size_t(i)]);
  CHECK(order() == expected);
  drop(users[99]);
  drop(users[98]);
  drop(users[80]);
  CHECK(order() == expected);
  CHECK(x->uses().size() == expected.size());
  CHECK(x->uses().front().user == users[60]);
  CHECK(x->uses().back().user == users[97]);
  std::vector<Use> copy = x->uses();
  CHECK(copy.size() == x->uses().size());
  // A middle input removal keeps the later offsets right.
  users[70]->removeInput(0);
  CHECK(users[70]->input(0) == x);
  CHECK(verify(*g).ok());
}

TEST_CASE("eraseOutput renumbers the outputs after it") {
  auto g = parse(R"IR(graph(%l : int[]):
  %a : int, %b : int, %c : int = prim::ListUnpack(%l)
  return (%c)
)IR");
  Node *n = *g->block()->nodes().begin();
  n->eraseOutput(1);
  REQUIRE(n->outputs().size() == 2);
  CHECK(n->output(1)->debugName() == "c");
  CHECK(n->output(1)->offset() == 1);
  n->eraseOutput(0);
  CHECK(n->output(0)->offset() == 0);
  CHECK(verify(*g).ok());
  // The erased names are free again.
  Value *v = n->addOutput()->setDebugName("a");
  CHECK(v->debugName() == "a");
  CHECK(printNode(*n) == "  %c : int, %a : Tensor = prim::ListUnpack(%l)\n");
}

TEST_CASE("addBlock and eraseBlock, erasing drops the block's uses of outer values") {
  auto g = parse(kSimple);
  Value *x = g->inputs()[0];
  WithInsertPoint at(nodeOf(*g, "b"));
  Node *ifNode = g->insertNode(g->create(prim::If, {g->insertConstantBool(true)}, 1));
  Block *then = ifNode->addBlock();
  Block *otherwise = ifNode->addBlock();
  {
    WithInsertPoint guard(then);
    then->registerOutput(g->insert(kNeg, {x})->output());
  }
  otherwise->registerOutput(x);
  absl::Status ok = verify(*g);
  CHECK_MESSAGE(ok.ok(), ok.message());
  CHECK(usesOf(x) == std::vector<std::string>{"aten::neg@0", "aten::neg@0", "prim::Return@0"});
  ifNode->eraseBlock(0);
  CHECK(usesOf(x) == std::vector<std::string>{"aten::neg@0", "prim::Return@0"});
  CHECK(ifNode->blocks().size() == 1);
  CHECK(!verify(*g).ok()); // an If with one block
  ifNode->addBlock()->registerOutput(x);
  ok = verify(*g);
  CHECK_MESSAGE(ok.ok(), ok.message());
}

TEST_CASE("WithInsertPoint sets and restores the insertion point") {
  auto g = parse(kSimple);
  Node *relu = nodeOf(*g, "b");
  CHECK(g->insertPoint() == g->block()->returnNode());
  {
    WithInsertPoint outer(relu);
    Value *c = g->insertConstantInt(7);
    CHECK(c->node()->next() == relu);
    {
      WithInsertPoint inner(g->block()->paramNode()->next());
      CHECK(g->insertPoint() == nodeOf(*g, "a"));
      g->insertConstantFloat(0.5);
    }
    CHECK(g->insertPoint() == relu);
  }
  CHECK(g->insertPoint() == g->block()->returnNode());
  g->insertConstantString("end");
  CHECK(verify(*g).ok());
  auto text = printGraph(*g);
  CHECK(text.find("prim::Constant[value=0.5]()\n  %a") != std::string::npos);
  CHECK(text.find("prim::Constant[value=7]()\n  %b") != std::string::npos);
  CHECK(text.find("prim::Constant[value=\"end\"]()\n  return") != std::string::npos);
}

TEST_CASE("destroying the insertion point moves it to the next node") {
  auto g = parse(kSimple);
  Node *relu = nodeOf(*g, "b");
  g->setInsertPoint(relu);
  relu->output()->replaceAllUsesWith(g->inputs()[0]);
  relu->destroy();
  CHECK(g->insertPoint() == g->block()->returnNode());
  g->insertConstantInt(1);
  CHECK(verify(*g).ok());
}

TEST_CASE("clone prints identically and shares nothing mutable") {
  auto g = parse(R"IR(graph(%x.1 : Float(2, 3, strides=[3, 1], requires_grad=0, device=cpu),
      %n : int):
  %c : bool = prim::Constant[value=1]() # m.py:1:2
  %5 : Tensor = prim::Loop(%n, %c, %x.1), scope: __module.m
    block0(%i : int, %7 : Tensor):
      %8 : Tensor = aten::neg(%7)
      -> (%c, %8)
  %t : Long(requires_grad=0, device=cpu) = prim::Constant[value={3}]()
  return (%5, %t)
)IR");
  auto c = g->clone();
  CHECK(printGraph(*c) == printGraph(*g));
  CHECK(verify(*c).ok());
  // Mutating the clone leaves the original alone.
  c->inputs()[0]->setDebugName("renamed");
  CHECK(printGraph(*c) != printGraph(*g));
  Value *fresh = c->insertConstantInt(1);
  CHECK(fresh->unique() > 8);
}

TEST_CASE("setDebugName keeps names unique") {
  Graph g;
  Value *a = g.addInput("x");
  Value *b = g.addInput("x");
  Value *c = g.addInput("x.1");
  CHECK(a->debugName() == "x");
  CHECK(b->debugName() == "x.1");
  CHECK(c->debugName() == "x.2");
  // Renaming frees the old name.
  a->setDebugName("y");
  Value *d = g.addInput("x");
  CHECK(d->debugName() == "x");
  // A value keeps its own name when set again.
  d->setDebugName("x");
  CHECK(d->debugName() == "x");
  // Numeric names stay numbers.
  Value *e = g.addInput("5");
  CHECK(!e->hasDebugName());
  // Unnamed values print their unique number.
  Value *f = g.addInput();
  CHECK(f->debugName() == std::to_string(f->unique()));
  // Names of destroyed values are free again.
  Node *n = g.insert(kNeg, {a});
  n->output()->setDebugName("z");
  n->destroy();
  CHECK(g.insert(kNeg, {a})->output()->setDebugName("z")->debugName() == "z");
}

TEST_CASE("replaceAllUsesDominatedBy only rewrites later uses") {
  auto g = parse(R"IR(graph(%x : Tensor):
  %a : Tensor = aten::neg(%x)
  %b : Tensor = aten::relu(%x)
  %c : Tensor = aten::add(%x, %b)
  return (%x)
)IR");
  Value *x = g->inputs()[0];
  Node *b = nodeOf(*g, "b");
  x->replaceAllUsesDominatedBy(b, b->output());
  CHECK(nodeOf(*g, "a")->input(0) == x);
  CHECK(b->input(0) == x);
  CHECK(nodeOf(*g, "c")->input(0) == b->output());
  CHECK(g->outputs()[0] == b->output()); // the block's return comes after %b too
  CHECK(verify(*g).ok());
}

TEST_CASE("moveInlined numbers, names and links the callee's nodes as cloneNode copies them") {
  // A caller whose names clash with the callee's (%a, %x) and a callee with a nested block.
  const char *kCaller = R"IR(graph(%x : Tensor,
      %c : bool):
  %a : Tensor = aten::neg(%x)
  %r : Tensor = aten::relu(%a)
  return (%r)
)IR";
  const char *kCallee = R"IR(graph(%x : Tensor,
      %c : bool):
  %a : Tensor = aten::neg(%x)
  %y : Tensor = prim::If(%c)
    block0():
      %z : Tensor = aten::relu(%a)
      -> (%z)
    block1():
      -> (%x)
  %s : Tensor = aten::add(%y, %a, %x)
  return (%s, %x)
)IR";
  // Inlines the callee before %r's node in a fresh caller, copying or moving; returns the
  // caller printed and the values the callee's outputs became (by name).
  auto inlined = [&](bool move) {
    auto caller = parse(kCaller);
    auto callee = parse(kCallee);
    Node *at = nodeOf(*caller, "r");
    std::vector<Value *> args = {at->input(0), caller->inputs()[1]};
    std::vector<Value *> outs;
    {
      WithInsertPoint guard(at);
      if (move) {
        std::vector<Node *> moved;
        outs = caller->moveInlined(*callee, args, &moved);
        CHECK(moved.size() == 3);
        CHECK(callee->block()->empty());
        for (Value *in : callee->inputs())
          CHECK(!in->hasUses());
      } else {
        absl::flat_hash_map<const Value *, Value *> env;
        for (size_t i = 0; i < args.size(); ++i)
          env[callee->inputs()[i]] = args[i];
        for (const Node *n : callee->block()->nodes())
          caller->cloneNode(*n, env);
        for (Value *o : callee->outputs())
          outs.push_back(env.contains(o) ? env[o] : o);
      }
    }
    at->replaceInput(0, outs[0]);
    REQUIRE(verify(*caller).ok());
    std::vector<std::string> names;
    for (Value *o : outs)
      names.push_back(o->debugName());
    size_t nodes = caller->nodeCount();
    callee.reset(); // destroying what is left of the callee touches nothing moved
    CHECK(caller->nodeCount() == nodes);
    CHECK(verify(*caller).ok());
    return std::make_pair(printGraph(*caller), names);
  };
  auto copied = inlined(false);
  auto moved = inlined(true);
  CHECK(moved.first == copied.first);
  CHECK(moved.second == copied.second);
  CHECK(moved.second == std::vector<std::string>{"s", "a"}); // %x became the argument %a
  CHECK(moved.first.find("%a.1 : Tensor = aten::neg(%a)") != std::string::npos);
}

TEST_CASE("symbols: interning across the table's growing chunks, from several threads") {
  // The table holds its entries in chunks of 4,096 that never move: 20,000 names span five.
  constexpr int kNames = 20000;
  std::vector<Symbol> symbols(kNames);
  auto internRange = [&](int begin, int step) {
    for (int i = begin; i < kNames; i += step)
      symbols[size_t(i)] = Symbol::fromQualString("chunktest" + std::to_string(i % 7) + "::name" +
                                                  std::to_string(i));
  };
  std::thread other(internRange, 1, 2);
  internRange(0, 2);
  other.join();
  std::set<uint32_t> ids;
  for (int i = 0; i < kNames; ++i) {
    const Symbol &s = symbols[size_t(i)];
    INFO(i);
    REQUIRE(s.qualString() == "chunktest" + std::to_string(i % 7) + "::name" + std::to_string(i));
    CHECK(s.ns() == "chunktest" + std::to_string(i % 7));
    CHECK(s.name() == "name" + std::to_string(i));
    CHECK(Symbol::fromQualString(s.qualString()) == s); // interned once
    ids.insert(s.id());
  }
  CHECK(ids.size() == size_t(kNames));
}
