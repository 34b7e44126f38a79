#include <string>

#include "doctest/doctest.h"
#include "frontend/script/Parser.h"

namespace ts2onnx::frontend::script {
namespace {

Module parse(std::string_view src) {
  auto m = parseModule(src, "t.py");
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  return std::move(m).value();
}

ExprPtr expr(std::string_view src) {
  auto e = parseExpression(src, "e.py");
  REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  return std::move(e).value();
}

std::string parseError(std::string_view src) {
  auto m = parseModule(src, "model.pt:code/__torch__/net.py");
  REQUIRE_FALSE(m.ok());
  return std::string(m.status().message());
}

std::string typeString(std::string_view src) {
  auto s = typeExprToString(*expr(src));
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return *s;
}

// print(parse(src)) must be a fixed point of parse-then-print.
std::string roundTrip(std::string_view src) {
  std::string once = printModule(parse(src));
  std::string twice = printModule(parse(once));
  CHECK(once == twice);
  return once;
}

constexpr std::string_view kLinear = R"(class Linear(Module):
  __parameters__ = ["weight", "bias", ]
  __buffers__ = []
  weight : Tensor
  bias : Tensor
  training : bool
  _is_full_backward_hook : Optional[bool]
  out_features : Final[int] = 3
  __annotations__["0"] = __torch__.torch.nn.modules.linear.Linear
  def forward(self: __torch__.torch.nn.modules.linear.Linear,
    input: Tensor) -> Tensor:
    weight = self.weight
    bias = self.bias
    return torch.linear(input, weight, bias)
)";

TEST_CASE("parser reads a torch module class") {
  Module m = parse(kLinear);
  REQUIRE(m.classes().size() == 1);
  const ClassDef &cls = *m.classes()[0];
  CHECK(cls.name == "Linear");
  REQUIRE(cls.bases.size() == 1);
  CHECK(*dottedName(*cls.bases[0]) == "Module");
  REQUIRE(cls.body.size() == 9);
  CHECK(cls.range.line == 1);
  CHECK(cls.range.column == 1);
  CHECK(cls.range.fileName() == "t.py");

  const auto *params = dynCast<AssignStmt>(cls.body[0].get());
  REQUIRE(params);
  CHECK(dynCast<NameExpr>(params->targets[0].get())->name == "__parameters__");
  const auto *list = dynCast<ListExpr>(params->value.get());
  REQUIRE(list);
  REQUIRE(list->elements.size() == 2);
  CHECK(dynCast<StringLiteral>(list->elements[1].get())->value == "bias");

  const auto *decl = dynCast<AnnAssignStmt>(cls.body[6].get());
  REQUIRE(decl);
  CHECK(*typeExprToString(*decl->annotation) == "Final[int]");
  REQUIRE(decl->value);
  CHECK(dynCast<IntLiteral>(decl->value.get())->value == 3);
  CHECK(dynCast<AnnAssignStmt>(cls.body[2].get())->value == nullptr);

  const auto *ann = dynCast<AssignStmt>(cls.body[7].get());
  REQUIRE(ann);
  const auto *sub = dynCast<SubscriptExpr>(ann->targets[0].get());
  REQUIRE(sub);
  CHECK(dynCast<StringLiteral>(sub->indices[0].get())->value == "0");
  CHECK(*typeExprToString(*ann->value) == "__torch__.torch.nn.modules.linear.Linear");

  REQUIRE(cls.methods().size() == 1);
  const FunctionDef &fwd = *cls.methods()[0];
  CHECK(fwd.name == "forward");
  CHECK(fwd.range.line == 10);
  CHECK(fwd.range.column == 3);
  REQUIRE(fwd.params.size() == 2);
  CHECK(fwd.params[1].name == "input");
  CHECK(fwd.params[1].range.line == 11);
  CHECK(fwd.params[1].range.column == 5);
  CHECK(*typeExprToString(*fwd.params[0].type) == "__torch__.torch.nn.modules.linear.Linear");
  CHECK(*typeExprToString(*fwd.returnType) == "Tensor");
  REQUIRE(fwd.body.size() == 3);
  const auto *ret = dynCast<ReturnStmt>(fwd.body[2].get());
  REQUIRE(ret);
  const auto *call = dynCast<CallExpr>(ret->value.get());
  REQUIRE(call);
  CHECK(*dottedName(*call->func) == "torch.linear");
  CHECK(call->args.size() == 3);
  CHECK(ret->value->range.line == 14);
  CHECK(ret->value->range.column == 12);
}

TEST_CASE("parser reads legacy top-level functions and op_version_set") {
  Module m = parse("op_version_set = 1\n"
                   "def forward(self,\n    x: Tensor) -> Tensor:\n"
                   "  for i in range(torch.size(x, 0)):\n"
                   "    if torch.ne(i, 0):\n      pass\n    else:\n      pass\n"
                   "  return torch.add(x, x, alpha=1)\n");
  REQUIRE(m.opVersionSet.has_value());
  CHECK(*m.opVersionSet == 1);
  CHECK(m.classes().empty());
  REQUIRE(m.functions().size() == 1);
  const FunctionDef &f = *m.functions()[0];
  CHECK(f.params[0].type == nullptr);
  const auto *loop = dynCast<ForStmt>(f.body[0].get());
  REQUIRE(loop);
  CHECK(dynCast<NameExpr>(loop->target.get())->name == "i");
  const auto *branch = dynCast<IfStmt>(loop->body[0].get());
  REQUIRE(branch);
  CHECK(branch->elseBody.size() == 1);
  const auto *call = dynCast<CallExpr>(dynCast<ReturnStmt>(f.body[1].get())->value.get());
  REQUIRE(call->kwargs.size() == 1);
  CHECK(call->kwargs[0].name == "alpha");
  CHECK(call->kwargs[0].range.column == 26);
}

TEST_CASE("parser reads every assignment form torch prints") {
  Module m = parse("x0, x1, = torch.chunk(x, 2)\n"
                   "_2, y5, i = a, b, c\n"
                   "self.x = y\n"
                   "x[0] = y\n"
                   "k : Optional[int] = 5\n"
                   "a = b = 1\n"
                   "i += 1\n"
                   "(p, q) = t\n"
                   "x, = f()\n");
  REQUIRE(m.body.size() == 9);
  const auto *a0 = dynCast<AssignStmt>(m.body[0].get());
  REQUIRE(a0);
  const auto *t0 = dynCast<TupleExpr>(a0->targets[0].get());
  REQUIRE(t0);
  CHECK(t0->elements.size() == 2);
  const auto *a1 = dynCast<AssignStmt>(m.body[1].get());
  CHECK(dynCast<TupleExpr>(a1->value.get())->elements.size() == 3);
  CHECK(isa<AttributeExpr>(dynCast<AssignStmt>(m.body[2].get())->targets[0].get()));
  CHECK(isa<SubscriptExpr>(dynCast<AssignStmt>(m.body[3].get())->targets[0].get()));
  const auto *ann = dynCast<AnnAssignStmt>(m.body[4].get());
  REQUIRE(ann);
  CHECK(*typeExprToString(*ann->annotation) == "Optional[int]");
  CHECK(dynCast<AssignStmt>(m.body[5].get())->targets.size() == 2);
  const auto *aug = dynCast<AugAssignStmt>(m.body[6].get());
  REQUIRE(aug);
  CHECK(aug->op == BinaryOp::Add);
  CHECK(isa<TupleExpr>(dynCast<AssignStmt>(m.body[7].get())->targets[0].get()));
  CHECK(
      dynCast<TupleExpr>(dynCast<AssignStmt>(m.body[8].get())->targets[0].get())->elements.size() ==
      1);
}

TEST_CASE("parser reads control flow and other statements") {
  Module m = parse(R"(def f(self, n: int=3, o: Optional[Tensor]=None) -> Tuple[int, int]:
  _0 = "long message"
  _2 = torch.lt(0, n)
  while _2:
    _2, i = torch.lt(i0, n), i0
    if x:
      break
    elif y:
      continue
    elif z:
      pass
    else:
      raise E("m")
  for k, v in d.items():
    del d[k]
  with _0:
    y = 1
  with a as b, c:
    pass
  assert x > 0, "bad"
  assert y
  raise
  def __forked_function():
    return x
  fut = fork(__forked_function)
  import __torch__.foo as bar, os
  from typing import (List, Dict as D, )
  x = 1; y = 2;
  if a: b = 1
  return 1, 2
)");
  REQUIRE(m.functions().size() == 1);
  const FunctionDef &f = *m.functions()[0];
  REQUIRE(f.params.size() == 3);
  CHECK(dynCast<IntLiteral>(f.params[1].defaultValue.get())->value == 3);
  CHECK(f.params[2].defaultValue->kind == ExprKind::None);
  CHECK(*typeExprToString(*f.returnType) == "Tuple[int, int]");
  REQUIRE(f.body.size() == 17);
  const auto *loop = dynCast<WhileStmt>(f.body[2].get());
  REQUIRE(loop);
  const auto *chain = dynCast<IfStmt>(loop->body[1].get());
  REQUIRE(chain);
  CHECK(chain->elseIsElif);
  CHECK(chain->thenBody[0]->kind == StmtKind::Break);
  const auto *elif = dynCast<IfStmt>(chain->elseBody[0].get());
  REQUIRE(elif);
  CHECK(elif->thenBody[0]->kind == StmtKind::Continue);
  const auto *elif2 = dynCast<IfStmt>(elif->elseBody[0].get());
  REQUIRE(elif2);
  CHECK(!elif2->elseIsElif);
  CHECK(elif2->elseBody[0]->kind == StmtKind::Raise);
  const auto *forLoop = dynCast<ForStmt>(f.body[3].get());
  REQUIRE(forLoop);
  CHECK(dynCast<TupleExpr>(forLoop->target.get())->elements.size() == 2);
  CHECK(forLoop->body[0]->kind == StmtKind::Delete);
  const auto *with1 = dynCast<WithStmt>(f.body[4].get());
  REQUIRE(with1);
  CHECK(with1->items.size() == 1);
  CHECK(with1->items[0].target == nullptr);
  const auto *with2 = dynCast<WithStmt>(f.body[5].get());
  REQUIRE(with2->items.size() == 2);
  CHECK(dynCast<NameExpr>(with2->items[0].target.get())->name == "b");
  CHECK(dynCast<AssertStmt>(f.body[6].get())->msg != nullptr);
  CHECK(dynCast<AssertStmt>(f.body[7].get())->msg == nullptr);
  CHECK(dynCast<RaiseStmt>(f.body[8].get())->exc == nullptr);
  const auto *nested = dynCast<FunctionDef>(f.body[9].get());
  REQUIRE(nested);
  CHECK(nested->name == "__forked_function");
  CHECK(nested->params.empty());
  const auto *imp = dynCast<ImportStmt>(f.body[11].get());
  REQUIRE(imp);
  CHECK(!imp->isFrom);
  REQUIRE(imp->names.size() == 2);
  CHECK(imp->names[0].first == "__torch__.foo");
  CHECK(imp->names[0].second == "bar");
  const auto *from = dynCast<ImportStmt>(f.body[12].get());
  REQUIRE(from);
  CHECK(from->isFrom);
  CHECK(from->module == "typing");
  REQUIRE(from->names.size() == 2);
  CHECK(from->names[1].second == "D");
  CHECK(f.body[13]->kind == StmtKind::Assign);
  CHECK(f.body[14]->kind == StmtKind::Assign);
  CHECK(dynCast<IfStmt>(f.body[15].get())->thenBody.size() == 1);
  CHECK(isa<TupleExpr>(dynCast<ReturnStmt>(f.body[16].get())->value.get()));
}

TEST_CASE("parser reads decorators, enums, NamedTuples and interfaces") {
  Module m = parse(R"(class Color(Enum):
  RED = 1
  GREEN = "g"
class Pt(NamedTuple):
  x : Tensor
  y : Optional[Tensor]
class OneArg(ModuleInterface):
  def forward(self,
    x: Tensor) -> Tensor:
    pass
@torch.jit.export
@some.decorator(1)
def g() -> None:
  return None
class Box:
  @torch.jit.unused
  def f(self: __torch__.Box) -> int:
    return 0
)");
  auto classes = m.classes();
  REQUIRE(classes.size() == 4);
  CHECK(classes[0]->body.size() == 2);
  CHECK(classes[2]->methods()[0]->params[0].type == nullptr);
  CHECK(classes[3]->bases.empty());
  REQUIRE(classes[3]->methods().size() == 1);
  CHECK(*dottedName(*classes[3]->methods()[0]->decorators[0]) == "torch.jit.unused");
  REQUIRE(m.functions().size() == 1);
  const FunctionDef &g = *m.functions()[0];
  REQUIRE(g.decorators.size() == 2);
  CHECK(*dottedName(*g.decorators[0]) == "torch.jit.export");
  CHECK(*dottedName(*g.decorators[1]) == "some.decorator");
  CHECK(g.range.line == 13);
  CHECK(*typeExprToString(*g.returnType) == "None");
}

TEST_CASE("expressions follow Python precedence") {
  CHECK(printExpr(*expr("a + b * c - d")) == "a + b * c - d");
  CHECK(printExpr(*expr("(a + b) * c")) == "(a + b) * c");
  CHECK(printExpr(*expr("a - (b - c)")) == "a - (b - c)");
  CHECK(printExpr(*expr("(a - b) - c")) == "a - b - c");
  CHECK(printExpr(*expr("2 ** 3 ** 4")) == "2 ** 3 ** 4");
  CHECK(printExpr(*expr("(2 ** 3) ** 4")) == "(2 ** 3) ** 4");
  CHECK(printExpr(*expr("(-2) ** 2")) == "(-2) ** 2");
  CHECK(printExpr(*expr("a | b ^ c & d << e + f // g % h @ i")) ==
        "a | b ^ c & d << e + f // g % h @ i");
  CHECK(printExpr(*expr("not a == b and c or d")) == "not a == b and c or d");
  CHECK(printExpr(*expr("(a or b) and c")) == "(a or b) and c");
  CHECK(printExpr(*expr("a if c else b if d else e")) == "a if c else b if d else e");
  CHECK(printExpr(*expr("(a if c else b) if d else e")) == "(a if c else b) if d else e");

  ExprPtr neg = expr("-2 ** 2");
  const auto *u = dynCast<UnaryExpr>(neg.get());
  REQUIRE(u);
  CHECK(u->op == UnaryOp::Neg);
  CHECK(dynCast<BinaryExpr>(u->operand.get())->op == BinaryOp::Pow);

  ExprPtr notExpr = expr("not a == b");
  const auto *n = dynCast<UnaryExpr>(notExpr.get());
  REQUIRE(n);
  CHECK(n->op == UnaryOp::Not);
  CHECK(isa<CompareExpr>(n->operand.get()));

  ExprPtr orExpr = expr("a or b and c");
  const auto *o = dynCast<BinaryExpr>(orExpr.get());
  REQUIRE(o);
  CHECK(o->op == BinaryOp::Or);
  CHECK(dynCast<BinaryExpr>(o->rhs.get())->op == BinaryOp::And);

  ExprPtr minInt = expr("-9223372036854775808");
  const auto *m = dynCast<UnaryExpr>(minInt.get());
  REQUIRE(m);
  CHECK(dynCast<IntLiteral>(m->operand.get())->value == 9223372036854775808ULL);
}

TEST_CASE("comparisons chain and include is/is not/in/not in") {
  ExprPtr e = expr("1 < a <= 3");
  const auto *c = dynCast<CompareExpr>(e.get());
  REQUIRE(c);
  REQUIRE(c->rest.size() == 2);
  CHECK(c->rest[0].first == CompareOp::Lt);
  CHECK(c->rest[1].first == CompareOp::Le);
  CHECK(dynCast<CompareExpr>(expr("x is not None").get())->rest[0].first == CompareOp::IsNot);
  CHECK(dynCast<CompareExpr>(expr("x is None").get())->rest[0].first == CompareOp::Is);
  CHECK(dynCast<CompareExpr>(expr("k not in d").get())->rest[0].first == CompareOp::NotIn);
  CHECK(dynCast<CompareExpr>(expr("k in d").get())->rest[0].first == CompareOp::In);
  CHECK(printExpr(*expr("a == b != c > d >= e")) == "a == b != c > d >= e");
  CHECK(printExpr(*expr("(a < b) < c")) == "(a < b) < c");
}

TEST_CASE("postfix expressions: calls, attributes, subscripts, slices") {
  CHECK(printExpr(*expr("(fc).forward(x, )")) == "fc.forward(x)");
  CHECK(printExpr(*expr("torch.zeros([2, 2], dtype=3, layout=None, device=ops.prim.device(x))")) ==
        "torch.zeros([2, 2], dtype=3, layout=None, device=ops.prim.device(x))");
  CHECK(printExpr(*expr("f(a=1, )")) == "f(a=1)");
  CHECK(printExpr(*expr("(torch.size(x))[0]")) == "torch.size(x)[0]");
  CHECK(printExpr(*expr("_3[-2]")) == "_3[-2]");
  CHECK(printExpr(*expr("(1).real")) == "(1).real");

  ExprPtr e = expr("x[1:2, :, ..., ::2, None, a:]");
  const auto *sub = dynCast<SubscriptExpr>(e.get());
  REQUIRE(sub);
  REQUIRE(sub->indices.size() == 6);
  const auto *s0 = dynCast<SliceExpr>(sub->indices[0].get());
  REQUIRE(s0);
  CHECK(s0->start);
  CHECK(s0->stop);
  CHECK(!s0->step);
  const auto *s1 = dynCast<SliceExpr>(sub->indices[1].get());
  REQUIRE(s1);
  CHECK((!s1->start && !s1->stop && !s1->step));
  CHECK(sub->indices[2]->kind == ExprKind::Ellipsis);
  const auto *s3 = dynCast<SliceExpr>(sub->indices[3].get());
  REQUIRE(s3);
  CHECK((!s3->start && !s3->stop && s3->step));
  CHECK(sub->indices[4]->kind == ExprKind::None);
  CHECK(printExpr(*e) == "x[1:2, :, ..., ::2, None, a:]");
}

TEST_CASE("literals, displays and comprehensions") {
  CHECK(printExpr(*expr("(a,)")) == "(a,)");
  CHECK(printExpr(*expr("()")) == "()");
  CHECK(printExpr(*expr("[1, 2, ]")) == "[1, 2]");
  CHECK(printExpr(*expr("{\"a\": 1, \"b\": [2.5]}")) == "{\"a\": 1, \"b\": [2.5]}");
  CHECK(printExpr(*expr("{}")) == "{}");
  CHECK(printExpr(*expr("[i * 2 for i in range(3) if i > 0]")) ==
        "[i * 2 for i in range(3) if i > 0]");
  CHECK(printExpr(*expr("{k: v for k, v in d.items()}")) == "{k: v for k, v in d.items()}");
  CHECK(printExpr(*expr("\"ab\" 'cd'\n")) == "\"abcd\"");
  CHECK(printExpr(*expr("'it\\'s \\001'")) == "\"it's \\001\"");
  CHECK(printExpr(*expr("0.+1.j")) == "0. + 1.j");
  CHECK(printExpr(*expr("(True, False, None, ...)")) == "(True, False, None, ...)");
  CHECK(printExpr(*expr("annotate(List[int], [])")) == "annotate(List[int], [])");
  CHECK(printExpr(*expr("x[(a, b)]")) == "x[(a, b)]");

  ExprPtr lc = expr("[x for x in y]");
  const auto *comp = dynCast<ListCompExpr>(lc.get());
  REQUIRE(comp);
  CHECK(comp->cond == nullptr);
  CHECK(dynCast<NameExpr>(comp->target.get())->name == "x");
}

TEST_CASE("type expressions spell as TorchScript type strings") {
  CHECK(typeString("List[int]") == "List[int]");
  CHECK(typeString("Optional[Tensor]") == "Optional[Tensor]");
  CHECK(typeString("Dict[str, Tuple[int, str]]") == "Dict[str, Tuple[int, str]]");
  CHECK(typeString("__torch__.foo.Bar") == "__torch__.foo.Bar");
  CHECK(typeString("Tuple[()]") == "Tuple[()]");
  CHECK(typeString("Tuple[List[Tensor], List[Dict[str, Tensor]]]") ==
        "Tuple[List[Tensor], List[Dict[str, Tensor]]]");
  CHECK(typeString("Union[int, NoneType]") == "Union[int, NoneType]");
  CHECK(typeString("Callable[[int, str], None]") == "Callable[[int, str], None]");
  CHECK(typeString("  List[str]\n") == "List[str]");

  auto bad = typeExprToString(*expr("List[f(x)]"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "e.py:1:6: error: expected a type, found `f(x)`");
}

TEST_CASE("parse errors name the file, line and column") {
  CHECK(parseError("def f(x)\n  return x\n") ==
        "model.pt:code/__torch__/net.py:1:9: error: expected ':' after function signature, "
        "found newline");
  CHECK(parseError("x = 1\n  y = 2\n") ==
        "model.pt:code/__torch__/net.py:2:3: error: unexpected indent");
  CHECK(parseError("def f():\nreturn 1\n") ==
        "model.pt:code/__torch__/net.py:2:1: error: expected an indented block, found 'return'");
  CHECK(parseError("y = f(a=1, 2)\n") ==
        "model.pt:code/__torch__/net.py:1:12: error: positional argument follows keyword "
        "argument");
  CHECK(parseError("class A:\n  def f(self):\n    1 = x\n") ==
        "model.pt:code/__torch__/net.py:3:5: error: cannot assign to `1`");
  CHECK(parseError("x = (1 + \n") ==
        "model.pt:code/__torch__/net.py:2:1: error: expected expression, found end of file");
  CHECK(parseError("x = f(a\ny = 2\n") ==
        "model.pt:code/__torch__/net.py:2:1: error: expected ')' to close the argument list, "
        "found identifier 'y'");
  CHECK(parseError("@torch.jit.export\nx = 1\n") ==
        "model.pt:code/__torch__/net.py:2:1: error: expected 'def' or 'class' after decorator, "
        "found identifier 'x'");
  CHECK(parseError("x = 1 2\n") ==
        "model.pt:code/__torch__/net.py:1:7: error: expected newline after statement, found "
        "number '2'");
  CHECK(parseError("if x:\n  pass\nelse\n  pass\n") ==
        "model.pt:code/__torch__/net.py:3:5: error: expected ':' after 'else', found newline");
  CHECK(parseError("x = a if b\n") ==
        "model.pt:code/__torch__/net.py:1:11: error: expected 'else' in conditional "
        "expression, found newline");
  CHECK(parseError("x = {1, 2}\n") ==
        "model.pt:code/__torch__/net.py:1:7: error: expected ':' in dict display (set literals "
        "are not supported), found ','");
  CHECK(parseError("f(*args)\n") ==
        "model.pt:code/__torch__/net.py:1:3: error: starred arguments are not supported");
  CHECK(parseError("x = a == not b\n") ==
        "model.pt:code/__torch__/net.py:1:10: error: expected expression, found 'not' "
        "(parenthesize it)");
  CHECK(parseError("for 1 in x:\n  pass\n") ==
        "model.pt:code/__torch__/net.py:1:5: error: cannot assign to `1`");
  CHECK(parseError("x = \"abc\n") ==
        "model.pt:code/__torch__/net.py:1:5: error: unterminated string literal");
}

TEST_CASE("deep nesting is an error, not a crash") {
  const size_t kDeep = 10000;
  auto expectTooDeep = [](const std::string &src) {
    auto m = parseModule(src, "deep.py");
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().message().find("nested too deeply") != std::string_view::npos);
  };
  expectTooDeep("x = " + std::string(kDeep, '(') + "1" + std::string(kDeep, ')') + "\n");
  expectTooDeep("x = " + std::string(kDeep, '[') + std::string(kDeep, ']') + "\n");
  expectTooDeep("x = " + std::string(kDeep, '-') + "1\n");
  expectTooDeep("x = " + std::string(kDeep, '(')); // unterminated as well
  std::string notChain;
  for (size_t i = 0; i < kDeep; ++i)
    notChain += "not ";
  expectTooDeep("x = " + notChain + "a\n");
  std::string attrs = "x = a";
  for (size_t i = 0; i < kDeep; ++i)
    attrs += ".b";
  expectTooDeep(attrs + "\n");
  std::string calls = "x = f";
  for (size_t i = 0; i < kDeep; ++i)
    calls += "()";
  expectTooDeep(calls + "\n");
  std::string sum = "x = a";
  for (size_t i = 0; i < kDeep; ++i)
    sum += " + a";
  expectTooDeep(sum + "\n");
  std::string pow = "x = a";
  for (size_t i = 0; i < kDeep; ++i)
    pow += " ** a";
  expectTooDeep(pow + "\n");
  std::string blocks; // indentation grows quadratically: 1000 levels is already 0.5 MB
  for (size_t i = 0; i < 1000; ++i)
    blocks += std::string(i, ' ') + "if a:\n";
  blocks += std::string(1000, ' ') + "pass\n";
  expectTooDeep(blocks);
  std::string elifs = "if a:\n  pass\n";
  for (size_t i = 0; i < kDeep; ++i)
    elifs += "elif a:\n  pass\n";
  expectTooDeep(elifs);

  // Moderate nesting is fine.
  Module ok = parse("x = " + std::string(100, '(') + "1" + std::string(100, ')') + "\n");
  CHECK(ok.body.size() == 1);
}

TEST_CASE("printing a parsed module is a fixed point") {
  std::string printed = roundTrip(R"(op_version_set = 1
import a.b as c
from . import x
class A(Module):
  __parameters__ = ["w", ]
  w : Tensor
  c : Final[Tuple[str, str]] = ("a", "b")
  __annotations__["0"] = __torch__.M
  @torch.jit.export
  def f(self: __torch__.A, x: Tensor, n: int=3, o: Optional[Tensor]=None) -> Tuple[Tensor, int]:
    _0 = "\u00e9\n\t\"q\"\001"
    a, b, = torch.chunk(x, 2)
    _2, y5 = a, b
    y = a if n > 2 else -b ** 2
    z = not (a is None or b is not None) and k not in d
    s = x[..., 1:2:1, None]
    l = [i * 2 for i in range(3) if i > 0]
    dd = {k: v for k, v in d.items()}
    while _2:
      _2 = False
    for i in range(n):
      if torch.ne(i, 0):
        continue
      elif i:
        break
      else:
        pass
    with _0 as q:
      del d["a"], e
    assert x, "m"
    i += 1
    return (y, n)
)");
  CHECK(printed.find("def f(self: __torch__.A, x: Tensor, n: int=3, o: Optional[Tensor]=None) "
                     "-> Tuple[Tensor, int]:\n") != std::string::npos);
  CHECK(printed.find("    a, b = torch.chunk(x, 2)\n") != std::string::npos);
  CHECK(printed.find("      elif i:\n") != std::string::npos);
  CHECK(printed.find("  c : Final[Tuple[str, str]] = (\"a\", \"b\")\n") != std::string::npos);
  CHECK(printed.find("_0 = \"\\303\\251\\n\\t\\\"q\\\"\\001\"") != std::string::npos);
}

} // namespace
} // namespace ts2onnx::frontend::script
