#include "frontend/script/Parser.h"
#include "frontend/script/Precedence.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"
#include "frontend/script/Lexer.h"
#include "ir/Status.h"

namespace ts2onnx::frontend::script {
namespace {

using TK = TokenKind;

struct BinaryInfo {
  int prec = 0; // 0: not a binary operator
  bool isCompare = false;
  BinaryOp op = BinaryOp::Add;
  CompareOp cmp = CompareOp::Eq;
  int tokens = 1;
};

bool canStartExpr(TK k) {
  switch (k) {
  case TK::Identifier:
  case TK::Int:
  case TK::Float:
  case TK::String:
  case TK::LParen:
  case TK::LBracket:
  case TK::LBrace:
  case TK::Minus:
  case TK::Plus:
  case TK::Tilde:
  case TK::KwNot:
  case TK::KwTrue:
  case TK::KwFalse:
  case TK::KwNone:
  case TK::Ellipsis:
    return true;
  default:
    return false;
  }
}

std::optional<BinaryOp> augAssignOp(TK k) {
  switch (k) {
  case TK::PlusAssign:
    return BinaryOp::Add;
  case TK::MinusAssign:
    return BinaryOp::Sub;
  case TK::StarAssign:
    return BinaryOp::Mul;
  case TK::SlashAssign:
    return BinaryOp::Div;
  case TK::DoubleSlashAssign:
    return BinaryOp::FloorDiv;
  case TK::PercentAssign:
    return BinaryOp::Mod;
  case TK::DoubleStarAssign:
    return BinaryOp::Pow;
  case TK::AmpAssign:
    return BinaryOp::BitAnd;
  case TK::PipeAssign:
    return BinaryOp::BitOr;
  case TK::CaretAssign:
    return BinaryOp::BitXor;
  case TK::LShiftAssign:
    return BinaryOp::LShift;
  case TK::RShiftAssign:
    return BinaryOp::RShift;
  case TK::AtAssign:
    return BinaryOp::MatMul;
  default:
    return std::nullopt;
  }
}

uint32_t depthOf(const ExprPtr &e) { return e ? e->depth : 0; }

class Parser {
public:
  Parser(std::vector<Token> tokens, std::shared_ptr<const std::string> file)
      : toks_(std::move(tokens)), file_(std::move(file)) {}

  absl::StatusOr<Module> parseFile() {
    Module m;
    m.file = file_;
    while (!at(TK::EndOfFile)) {
      if (accept(TK::Newline))
        continue;
      if (at(TK::Indent) || at(TK::Dedent))
        return errorAt(cur(), "unexpected indent");
      TS2ONNX_RETURN_IF_ERROR(parseStatement(m.body));
    }
    for (const StmtPtr &s : m.body) {
      const auto *assign = dynCast<AssignStmt>(s.get());
      if (!assign || assign->targets.size() != 1)
        continue;
      const auto *name = dynCast<NameExpr>(assign->targets[0].get());
      const auto *value = dynCast<IntLiteral>(assign->value.get());
      if (name && value && name->name == "op_version_set" && value->value <= INT64_MAX)
        m.opVersionSet = static_cast<int64_t>(value->value);
    }
    return m;
  }

  absl::StatusOr<ExprPtr> parseStandaloneExpr() {
    accept(TK::Indent);
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr e, parseExpr());
    accept(TK::Newline);
    while (accept(TK::Dedent)) {
    }
    if (!at(TK::EndOfFile))
      return errorAt(cur(), fmt::format("expected end of expression, found {}", describe(cur())));
    return e;
  }

private:
  // ---- token helpers ---------------------------------------------------------------------------

  const Token &cur() const { return toks_[pos_]; }
  const Token &peek(size_t n = 1) const { return toks_[std::min(pos_ + n, toks_.size() - 1)]; }
  bool at(TK k) const { return cur().kind == k; }
  void advance() {
    if (pos_ + 1 < toks_.size())
      ++pos_;
  }
  bool accept(TK k) {
    if (!at(k))
      return false;
    advance();
    return true;
  }

  SourceRange rangeOf(const Token &t) const { return SourceRange{file_, t.line, t.column}; }

  static std::string describe(const Token &t) {
    switch (t.kind) {
    case TK::Identifier:
      return fmt::format("identifier '{}'", t.text);
    case TK::Int:
    case TK::Float:
      return fmt::format("number '{}'", t.text);
    default:
      return describeTokenKind(t.kind);
    }
  }

  absl::Status errorAt(const Token &t, std::string_view message) const {
    return sourceError(file_ ? std::string_view(*file_) : std::string_view(), t.line, t.column,
                       message);
  }

  absl::Status expect(TK k, std::string_view what = {}) {
    if (accept(k))
      return absl::OkStatus();
    return errorAt(cur(),
                   fmt::format("expected {}{}, found {}", describeTokenKind(k),
                               what.empty() ? "" : fmt::format(" {}", what), describe(cur())));
  }

  absl::StatusOr<std::string> expectIdentifier(std::string_view what) {
    if (!at(TK::Identifier))
      return errorAt(cur(), fmt::format("expected {}, found {}", what, describe(cur())));
    std::string name = cur().text;
    advance();
    return name;
  }

  // Counts nested constructs; every recursive path of the parser goes through one.
  struct Nest {
    explicit Nest(Parser &p) : parser(p) { ++parser.nesting_; }
    ~Nest() { --parser.nesting_; }
    bool tooDeep() const { return parser.nesting_ > kMaxNesting; }
    Parser &parser;
  };
  absl::Status tooDeepError() const {
    return errorAt(cur(), fmt::format("code is nested too deeply (limit {})", kMaxNesting));
  }
#define TS2ONNX_NEST_OR_RETURN(name)                                                               \
  Nest name(*this);                                                                                \
  if (name.tooDeep())                                                                              \
  return tooDeepError()

  absl::Status setDepth(Expr &e, uint32_t childDepth) const {
    e.depth = childDepth + 1;
    if (e.depth > kMaxNesting)
      return sourceError(e.range,
                         fmt::format("expression is nested too deeply (limit {})", kMaxNesting));
    return absl::OkStatus();
  }

  // ---- statements ------------------------------------------------------------------------------

  absl::Status parseStatement(Block &out) {
    TS2ONNX_NEST_OR_RETURN(nest);
    switch (cur().kind) {
    case TK::At:
      return parseDecorated(out);
    case TK::KwDef: {
      TS2ONNX_ASSIGN_OR_RETURN(auto def, parseDef({}));
      out.push_back(std::move(def));
      return absl::OkStatus();
    }
    case TK::KwClass: {
      TS2ONNX_ASSIGN_OR_RETURN(auto cls, parseClass({}));
      out.push_back(std::move(cls));
      return absl::OkStatus();
    }
    case TK::KwIf: {
      TS2ONNX_ASSIGN_OR_RETURN(auto s, parseIf());
      out.push_back(std::move(s));
      return absl::OkStatus();
    }
    case TK::KwWhile:
      return parseWhile(out);
    case TK::KwFor:
      return parseFor(out);
    case TK::KwWith:
      return parseWith(out);
    case TK::Indent:
      return errorAt(cur(), "unexpected indent");
    default:
      return parseSimpleLine(out);
    }
  }

  // One or more small statements separated by ';', then NEWLINE.
  absl::Status parseSimpleLine(Block &out) {
    while (true) {
      TS2ONNX_ASSIGN_OR_RETURN(StmtPtr s, parseSmallStatement());
      out.push_back(std::move(s));
      if (!accept(TK::Semicolon) || at(TK::Newline))
        break;
    }
    if (accept(TK::Newline) || at(TK::EndOfFile))
      return absl::OkStatus();
    return errorAt(cur(),
                   fmt::format("expected newline after statement, found {}", describe(cur())));
  }

  // After the ':' of a compound statement: an indented block or statements on the same line.
  absl::Status parseBlock(Block &out) {
    TS2ONNX_NEST_OR_RETURN(nest);
    if (!accept(TK::Newline))
      return parseSimpleLine(out);
    if (!at(TK::Indent))
      return errorAt(cur(), fmt::format("expected an indented block, found {}", describe(cur())));
    advance();
    while (!at(TK::Dedent) && !at(TK::EndOfFile))
      TS2ONNX_RETURN_IF_ERROR(parseStatement(out));
    accept(TK::Dedent);
    return absl::OkStatus();
  }

  absl::Status parseDecorated(Block &out) {
    std::vector<ExprPtr> decorators;
    while (accept(TK::At)) {
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr d, parseExpr());
      decorators.push_back(std::move(d));
      TS2ONNX_RETURN_IF_ERROR(expect(TK::Newline, "after decorator"));
    }
    if (at(TK::KwDef)) {
      TS2ONNX_ASSIGN_OR_RETURN(auto def, parseDef(std::move(decorators)));
      out.push_back(std::move(def));
      return absl::OkStatus();
    }
    if (at(TK::KwClass)) {
      TS2ONNX_ASSIGN_OR_RETURN(auto cls, parseClass(std::move(decorators)));
      out.push_back(std::move(cls));
      return absl::OkStatus();
    }
    return errorAt(
        cur(), fmt::format("expected 'def' or 'class' after decorator, found {}", describe(cur())));
  }

  absl::StatusOr<StmtPtr> parseDef(std::vector<ExprPtr> decorators) {
    SourceRange range = rangeOf(cur());
    advance(); // def
    TS2ONNX_ASSIGN_OR_RETURN(std::string name, expectIdentifier("function name"));
    auto def = std::make_unique<FunctionDef>(range, std::move(name));
    def->decorators = std::move(decorators);
    TS2ONNX_RETURN_IF_ERROR(expect(TK::LParen, "after function name"));
    while (!at(TK::RParen)) {
      Param p;
      p.range = rangeOf(cur());
      TS2ONNX_ASSIGN_OR_RETURN(p.name, expectIdentifier("parameter name"));
      if (accept(TK::Colon)) {
        TS2ONNX_ASSIGN_OR_RETURN(p.type, parseExpr());
      }
      if (accept(TK::Assign)) {
        TS2ONNX_ASSIGN_OR_RETURN(p.defaultValue, parseExpr());
      }
      def->params.push_back(std::move(p));
      if (!accept(TK::Comma))
        break;
    }
    TS2ONNX_RETURN_IF_ERROR(expect(TK::RParen, "after parameters"));
    if (accept(TK::Arrow)) {
      TS2ONNX_ASSIGN_OR_RETURN(def->returnType, parseExpr());
    }
    TS2ONNX_RETURN_IF_ERROR(expect(TK::Colon, "after function signature"));
    TS2ONNX_RETURN_IF_ERROR(parseBlock(def->body));
    return StmtPtr(std::move(def));
  }

  absl::StatusOr<StmtPtr> parseClass(std::vector<ExprPtr> decorators) {
    SourceRange range = rangeOf(cur());
    advance(); // class
    TS2ONNX_ASSIGN_OR_RETURN(std::string name, expectIdentifier("class name"));
    auto cls = std::make_unique<ClassDef>(range, std::move(name));
    cls->decorators = std::move(decorators);
    if (accept(TK::LParen)) {
      while (!at(TK::RParen)) {
        TS2ONNX_ASSIGN_OR_RETURN(ExprPtr base, parseExpr());
        cls->bases.push_back(std::move(base));
        if (!accept(TK::Comma))
          break;
      }
      TS2ONNX_RETURN_IF_ERROR(expect(TK::RParen, "after base classes"));
    }
    TS2ONNX_RETURN_IF_ERROR(expect(TK::Colon, "after class header"));
    TS2ONNX_RETURN_IF_ERROR(parseBlock(cls->body));
    return StmtPtr(std::move(cls));
  }

  // `if` or `elif` (an elif chain nests, so it is counted like any nesting).
  absl::StatusOr<StmtPtr> parseIf() {
    TS2ONNX_NEST_OR_RETURN(nest);
    SourceRange range = rangeOf(cur());
    advance(); // if / elif
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr cond, parseExpr());
    auto s = std::make_unique<IfStmt>(range, std::move(cond));
    TS2ONNX_RETURN_IF_ERROR(expect(TK::Colon, "after if condition"));
    TS2ONNX_RETURN_IF_ERROR(parseBlock(s->thenBody));
    if (at(TK::KwElif)) {
      TS2ONNX_ASSIGN_OR_RETURN(StmtPtr elif, parseIf());
      s->elseBody.push_back(std::move(elif));
      s->elseIsElif = true;
    } else if (accept(TK::KwElse)) {
      TS2ONNX_RETURN_IF_ERROR(expect(TK::Colon, "after 'else'"));
      TS2ONNX_RETURN_IF_ERROR(parseBlock(s->elseBody));
    }
    return StmtPtr(std::move(s));
  }

  absl::Status parseWhile(Block &out) {
    SourceRange range = rangeOf(cur());
    advance();
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr cond, parseExpr());
    auto s = std::make_unique<WhileStmt>(range, std::move(cond));
    TS2ONNX_RETURN_IF_ERROR(expect(TK::Colon, "after while condition"));
    TS2ONNX_RETURN_IF_ERROR(parseBlock(s->body));
    out.push_back(std::move(s));
    return absl::OkStatus();
  }

  absl::Status parseFor(Block &out) {
    SourceRange range = rangeOf(cur());
    advance();
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr target, parseTargetList());
    TS2ONNX_RETURN_IF_ERROR(validateTarget(*target));
    TS2ONNX_RETURN_IF_ERROR(expect(TK::KwIn, "in for statement"));
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr iter, parseExprList());
    auto s = std::make_unique<ForStmt>(range, std::move(target), std::move(iter));
    TS2ONNX_RETURN_IF_ERROR(expect(TK::Colon, "after for header"));
    TS2ONNX_RETURN_IF_ERROR(parseBlock(s->body));
    out.push_back(std::move(s));
    return absl::OkStatus();
  }

  absl::Status parseWith(Block &out) {
    auto s = std::make_unique<WithStmt>(rangeOf(cur()));
    advance();
    while (true) {
      WithItem item;
      TS2ONNX_ASSIGN_OR_RETURN(item.expr, parseExpr());
      if (accept(TK::KwAs)) {
        TS2ONNX_ASSIGN_OR_RETURN(item.target, parseBinary(kPrecBitOr));
        TS2ONNX_RETURN_IF_ERROR(validateTarget(*item.target));
      }
      s->items.push_back(std::move(item));
      if (!accept(TK::Comma))
        break;
    }
    TS2ONNX_RETURN_IF_ERROR(expect(TK::Colon, "after with items"));
    TS2ONNX_RETURN_IF_ERROR(parseBlock(s->body));
    out.push_back(std::move(s));
    return absl::OkStatus();
  }

  absl::StatusOr<StmtPtr> parseSmallStatement() {
    const Token &start = cur();
    SourceRange range = rangeOf(start);
    switch (start.kind) {
    case TK::KwPass:
      advance();
      return StmtPtr(std::make_unique<SimpleStmt>(StmtKind::Pass, range));
    case TK::KwBreak:
      advance();
      return StmtPtr(std::make_unique<SimpleStmt>(StmtKind::Break, range));
    case TK::KwContinue:
      advance();
      return StmtPtr(std::make_unique<SimpleStmt>(StmtKind::Continue, range));
    case TK::KwReturn: {
      advance();
      ExprPtr value;
      if (canStartExpr(cur().kind)) {
        TS2ONNX_ASSIGN_OR_RETURN(value, parseExprList());
      }
      return StmtPtr(std::make_unique<ReturnStmt>(range, std::move(value)));
    }
    case TK::KwRaise: {
      advance();
      ExprPtr exc;
      if (canStartExpr(cur().kind)) {
        TS2ONNX_ASSIGN_OR_RETURN(exc, parseExpr());
      }
      return StmtPtr(std::make_unique<RaiseStmt>(range, std::move(exc)));
    }
    case TK::KwAssert: {
      advance();
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr test, parseExpr());
      ExprPtr msg;
      if (accept(TK::Comma)) {
        TS2ONNX_ASSIGN_OR_RETURN(msg, parseExpr());
      }
      return StmtPtr(std::make_unique<AssertStmt>(range, std::move(test), std::move(msg)));
    }
    case TK::KwDel: {
      advance();
      auto s = std::make_unique<DeleteStmt>(range);
      while (true) {
        TS2ONNX_ASSIGN_OR_RETURN(ExprPtr t, parseBinary(kPrecBitOr));
        TS2ONNX_RETURN_IF_ERROR(validateTarget(*t));
        s->targets.push_back(std::move(t));
        if (!accept(TK::Comma) || !canStartExpr(cur().kind))
          break;
      }
      return StmtPtr(std::move(s));
    }
    case TK::KwImport:
    case TK::KwFrom:
      return parseImport();
    default:
      break;
    }

    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr first, parseExprList());
    if (accept(TK::Colon)) {
      if (!isa<NameExpr>(first.get()) && !isa<AttributeExpr>(first.get()) &&
          !isa<SubscriptExpr>(first.get()))
        return sourceError(first->range, "only a single name, attribute or subscript can be "
                                         "annotated");
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr annotation, parseExpr());
      ExprPtr value;
      if (accept(TK::Assign)) {
        TS2ONNX_ASSIGN_OR_RETURN(value, parseExprList());
      }
      return StmtPtr(std::make_unique<AnnAssignStmt>(range, std::move(first), std::move(annotation),
                                                     std::move(value)));
    }
    if (auto op = augAssignOp(cur().kind)) {
      if (!isa<NameExpr>(first.get()) && !isa<AttributeExpr>(first.get()) &&
          !isa<SubscriptExpr>(first.get()))
        return sourceError(first->range, fmt::format("cannot use augmented assignment on `{}`",
                                                     printExpr(*first)));
      advance();
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr value, parseExprList());
      return StmtPtr(
          std::make_unique<AugAssignStmt>(range, std::move(first), *op, std::move(value)));
    }
    if (!at(TK::Assign))
      return StmtPtr(std::make_unique<ExprStmt>(range, std::move(first)));

    auto s = std::make_unique<AssignStmt>(range);
    s->targets.push_back(std::move(first));
    while (accept(TK::Assign)) {
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr next, parseExprList());
      s->targets.push_back(std::move(next));
    }
    s->value = std::move(s->targets.back());
    s->targets.pop_back();
    for (const ExprPtr &t : s->targets)
      TS2ONNX_RETURN_IF_ERROR(validateTarget(*t));
    return StmtPtr(std::move(s));
  }

  absl::StatusOr<std::string> parseDottedName() {
    TS2ONNX_ASSIGN_OR_RETURN(std::string name, expectIdentifier("module name"));
    while (accept(TK::Dot)) {
      TS2ONNX_ASSIGN_OR_RETURN(std::string part, expectIdentifier("module name"));
      name += "." + part;
    }
    return name;
  }

  absl::StatusOr<StmtPtr> parseImport() {
    auto s = std::make_unique<ImportStmt>(rangeOf(cur()));
    auto parseAlias = [&]() -> absl::StatusOr<std::string> {
      if (!accept(TK::KwAs))
        return std::string();
      return expectIdentifier("alias name");
    };
    if (accept(TK::KwImport)) {
      while (true) {
        TS2ONNX_ASSIGN_OR_RETURN(std::string name, parseDottedName());
        TS2ONNX_ASSIGN_OR_RETURN(std::string alias, parseAlias());
        s->names.emplace_back(std::move(name), std::move(alias));
        if (!accept(TK::Comma))
          break;
      }
      return StmtPtr(std::move(s));
    }
    advance(); // from
    s->isFrom = true;
    while (at(TK::Dot) || at(TK::Ellipsis)) {
      s->module += at(TK::Dot) ? "." : "...";
      advance();
    }
    if (at(TK::Identifier) || s->module.empty()) {
      TS2ONNX_ASSIGN_OR_RETURN(std::string name, parseDottedName());
      s->module += name;
    }
    TS2ONNX_RETURN_IF_ERROR(expect(TK::KwImport, "in from-import"));
    if (accept(TK::Star)) {
      s->names.emplace_back("*", "");
      return StmtPtr(std::move(s));
    }
    bool paren = accept(TK::LParen);
    while (true) {
      TS2ONNX_ASSIGN_OR_RETURN(std::string name, expectIdentifier("imported name"));
      TS2ONNX_ASSIGN_OR_RETURN(std::string alias, parseAlias());
      s->names.emplace_back(std::move(name), std::move(alias));
      if (!accept(TK::Comma) || (paren && at(TK::RParen)))
        break;
    }
    if (paren)
      TS2ONNX_RETURN_IF_ERROR(expect(TK::RParen, "after imported names"));
    return StmtPtr(std::move(s));
  }

  absl::Status validateTarget(const Expr &e) const {
    switch (e.kind) {
    case ExprKind::Name:
    case ExprKind::Attribute:
    case ExprKind::Subscript:
      return absl::OkStatus();
    case ExprKind::Tuple:
    case ExprKind::List: {
      const auto &elems = e.kind == ExprKind::Tuple ? static_cast<const TupleExpr &>(e).elements
                                                    : static_cast<const ListExpr &>(e).elements;
      if (elems.empty())
        break;
      for (const ExprPtr &el : elems)
        TS2ONNX_RETURN_IF_ERROR(validateTarget(*el));
      return absl::OkStatus();
    }
    default:
      break;
    }
    return sourceError(e.range, fmt::format("cannot assign to `{}`", printExpr(e)));
  }

  // ---- expressions -----------------------------------------------------------------------------

  // `a, b, c` (a tuple, trailing comma allowed) or a single expression.
  absl::StatusOr<ExprPtr> parseExprList() { return parseCommaList(/*targets=*/false); }
  // Like parseExprList but stops before `in` (for-loop and comprehension targets).
  absl::StatusOr<ExprPtr> parseTargetList() { return parseCommaList(/*targets=*/true); }

  absl::StatusOr<ExprPtr> parseCommaList(bool targets) {
    SourceRange range = rangeOf(cur());
    auto one = [&]() { return targets ? parseBinary(kPrecBitOr) : parseExpr(); };
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr first, one());
    if (!at(TK::Comma))
      return first;
    auto tuple = std::make_unique<TupleExpr>(range);
    uint32_t depth = first->depth;
    tuple->elements.push_back(std::move(first));
    while (accept(TK::Comma)) {
      if (!canStartExpr(cur().kind))
        break;
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr e, one());
      depth = std::max(depth, e->depth);
      tuple->elements.push_back(std::move(e));
    }
    TS2ONNX_RETURN_IF_ERROR(setDepth(*tuple, depth));
    return ExprPtr(std::move(tuple));
  }

  // expr := or_expr ['if' or_expr 'else' expr]
  absl::StatusOr<ExprPtr> parseExpr() {
    TS2ONNX_NEST_OR_RETURN(nest);
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr e, parseBinary(kPrecOr));
    if (!at(TK::KwIf))
      return e;
    advance();
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr cond, parseBinary(kPrecOr));
    TS2ONNX_RETURN_IF_ERROR(expect(TK::KwElse, "in conditional expression"));
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr otherwise, parseExpr());
    SourceRange range = e->range;
    uint32_t depth = std::max({e->depth, cond->depth, otherwise->depth});
    auto t =
        std::make_unique<TernaryExpr>(range, std::move(e), std::move(cond), std::move(otherwise));
    TS2ONNX_RETURN_IF_ERROR(setDepth(*t, depth));
    return ExprPtr(std::move(t));
  }

  BinaryInfo binaryInfo() const {
    BinaryInfo info;
    auto bin = [&](int prec, BinaryOp op) {
      info.prec = prec;
      info.op = op;
    };
    auto cmp = [&](CompareOp op, int tokens = 1) {
      info.prec = kPrecCompare;
      info.isCompare = true;
      info.cmp = op;
      info.tokens = tokens;
    };
    switch (cur().kind) {
    case TK::KwOr:
      bin(kPrecOr, BinaryOp::Or);
      break;
    case TK::KwAnd:
      bin(kPrecAnd, BinaryOp::And);
      break;
    case TK::Less:
      cmp(CompareOp::Lt);
      break;
    case TK::Greater:
      cmp(CompareOp::Gt);
      break;
    case TK::LessEqual:
      cmp(CompareOp::Le);
      break;
    case TK::GreaterEqual:
      cmp(CompareOp::Ge);
      break;
    case TK::EqualEqual:
      cmp(CompareOp::Eq);
      break;
    case TK::NotEqual:
      cmp(CompareOp::Ne);
      break;
    case TK::KwIn:
      cmp(CompareOp::In);
      break;
    case TK::KwNot:
      if (peek().kind == TK::KwIn)
        cmp(CompareOp::NotIn, 2);
      break;
    case TK::KwIs:
      if (peek().kind == TK::KwNot)
        cmp(CompareOp::IsNot, 2);
      else
        cmp(CompareOp::Is);
      break;
    case TK::Pipe:
      bin(kPrecBitOr, BinaryOp::BitOr);
      break;
    case TK::Caret:
      bin(kPrecBitXor, BinaryOp::BitXor);
      break;
    case TK::Amp:
      bin(kPrecBitAnd, BinaryOp::BitAnd);
      break;
    case TK::LShift:
      bin(kPrecShift, BinaryOp::LShift);
      break;
    case TK::RShift:
      bin(kPrecShift, BinaryOp::RShift);
      break;
    case TK::Plus:
      bin(kPrecArith, BinaryOp::Add);
      break;
    case TK::Minus:
      bin(kPrecArith, BinaryOp::Sub);
      break;
    case TK::Star:
      bin(kPrecTerm, BinaryOp::Mul);
      break;
    case TK::Slash:
      bin(kPrecTerm, BinaryOp::Div);
      break;
    case TK::DoubleSlash:
      bin(kPrecTerm, BinaryOp::FloorDiv);
      break;
    case TK::Percent:
      bin(kPrecTerm, BinaryOp::Mod);
      break;
    case TK::At:
      bin(kPrecTerm, BinaryOp::MatMul);
      break;
    default:
      break;
    }
    return info;
  }

  // Precedence climbing over `or` ... `*`; `not` is a prefix at its own level.
  absl::StatusOr<ExprPtr> parseBinary(int minPrec) {
    ExprPtr lhs;
    if (at(TK::KwNot)) {
      if (minPrec > kPrecNot)
        return errorAt(cur(), "expected expression, found 'not' (parenthesize it)");
      SourceRange range = rangeOf(cur());
      advance();
      TS2ONNX_NEST_OR_RETURN(nest);
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr operand, parseBinary(kPrecNot));
      uint32_t depth = operand->depth;
      lhs = std::make_unique<UnaryExpr>(range, UnaryOp::Not, std::move(operand));
      TS2ONNX_RETURN_IF_ERROR(setDepth(*lhs, depth));
    } else {
      TS2ONNX_ASSIGN_OR_RETURN(lhs, parseUnary());
    }
    while (true) {
      BinaryInfo info = binaryInfo();
      if (info.prec == 0 || info.prec < minPrec)
        break;
      TS2ONNX_NEST_OR_RETURN(nest);
      if (info.isCompare) {
        auto cmp = std::make_unique<CompareExpr>(lhs->range, std::move(lhs));
        uint32_t depth = cmp->first->depth;
        while (info.isCompare) {
          for (int i = 0; i < info.tokens; ++i)
            advance();
          TS2ONNX_ASSIGN_OR_RETURN(ExprPtr rhs, parseBinary(kPrecCompare + 1));
          depth = std::max(depth, rhs->depth);
          cmp->rest.emplace_back(info.cmp, std::move(rhs));
          info = binaryInfo();
        }
        TS2ONNX_RETURN_IF_ERROR(setDepth(*cmp, depth));
        lhs = std::move(cmp);
        continue;
      }
      advance();
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr rhs, parseBinary(info.prec + 1));
      uint32_t depth = std::max(lhs->depth, rhs->depth);
      SourceRange range = lhs->range;
      lhs = std::make_unique<BinaryExpr>(range, info.op, std::move(lhs), std::move(rhs));
      TS2ONNX_RETURN_IF_ERROR(setDepth(*lhs, depth));
    }
    return lhs;
  }

  absl::StatusOr<ExprPtr> parseUnary() {
    UnaryOp op;
    switch (cur().kind) {
    case TK::Minus:
      op = UnaryOp::Neg;
      break;
    case TK::Plus:
      op = UnaryOp::Pos;
      break;
    case TK::Tilde:
      op = UnaryOp::Invert;
      break;
    default:
      return parsePower();
    }
    SourceRange range = rangeOf(cur());
    advance();
    TS2ONNX_NEST_OR_RETURN(nest);
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr operand, parseUnary());
    uint32_t depth = operand->depth;
    auto u = std::make_unique<UnaryExpr>(range, op, std::move(operand));
    TS2ONNX_RETURN_IF_ERROR(setDepth(*u, depth));
    return ExprPtr(std::move(u));
  }

  // power := postfix ['**' unary]   (right-associative, `2 ** -1` allowed)
  absl::StatusOr<ExprPtr> parsePower() {
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr base, parsePostfix());
    if (!accept(TK::DoubleStar))
      return base;
    TS2ONNX_NEST_OR_RETURN(nest);
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr exponent, parseUnary());
    uint32_t depth = std::max(base->depth, exponent->depth);
    SourceRange range = base->range;
    auto b =
        std::make_unique<BinaryExpr>(range, BinaryOp::Pow, std::move(base), std::move(exponent));
    TS2ONNX_RETURN_IF_ERROR(setDepth(*b, depth));
    return ExprPtr(std::move(b));
  }

  absl::StatusOr<ExprPtr> parsePostfix() {
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr e, parseAtom());
    while (true) {
      if (accept(TK::Dot)) {
        TS2ONNX_ASSIGN_OR_RETURN(std::string name, expectIdentifier("attribute name"));
        SourceRange range = e->range;
        uint32_t depth = e->depth;
        e = std::make_unique<AttributeExpr>(range, std::move(e), std::move(name));
        TS2ONNX_RETURN_IF_ERROR(setDepth(*e, depth));
      } else if (at(TK::LParen)) {
        TS2ONNX_ASSIGN_OR_RETURN(e, parseCall(std::move(e)));
      } else if (at(TK::LBracket)) {
        TS2ONNX_ASSIGN_OR_RETURN(e, parseSubscript(std::move(e)));
      } else {
        return e;
      }
    }
  }

  absl::StatusOr<ExprPtr> parseCall(ExprPtr func) {
    advance(); // (
    SourceRange range = func->range;
    uint32_t depth = func->depth;
    auto call = std::make_unique<CallExpr>(range, std::move(func));
    while (!at(TK::RParen)) {
      if (at(TK::Star) || at(TK::DoubleStar))
        return errorAt(cur(), "starred arguments are not supported");
      if (at(TK::Identifier) && peek().kind == TK::Assign) {
        KeywordArg kw;
        kw.range = rangeOf(cur());
        kw.name = cur().text;
        advance();
        advance();
        TS2ONNX_ASSIGN_OR_RETURN(kw.value, parseExpr());
        depth = std::max(depth, kw.value->depth);
        call->kwargs.push_back(std::move(kw));
      } else {
        if (!call->kwargs.empty())
          return errorAt(cur(), "positional argument follows keyword argument");
        TS2ONNX_ASSIGN_OR_RETURN(ExprPtr arg, parseExpr());
        depth = std::max(depth, arg->depth);
        call->args.push_back(std::move(arg));
      }
      if (!accept(TK::Comma))
        break;
    }
    TS2ONNX_RETURN_IF_ERROR(expect(TK::RParen, "to close the argument list"));
    TS2ONNX_RETURN_IF_ERROR(setDepth(*call, depth));
    return ExprPtr(std::move(call));
  }

  absl::StatusOr<ExprPtr> parseSubscript(ExprPtr value) {
    advance(); // [
    SourceRange range = value->range;
    uint32_t depth = value->depth;
    std::vector<ExprPtr> indices;
    while (true) {
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr index, parseSliceOrExpr());
      depth = std::max(depth, index->depth);
      indices.push_back(std::move(index));
      if (!accept(TK::Comma) || at(TK::RBracket))
        break;
    }
    TS2ONNX_RETURN_IF_ERROR(expect(TK::RBracket, "to close the subscript"));
    auto sub = std::make_unique<SubscriptExpr>(range, std::move(value), std::move(indices));
    TS2ONNX_RETURN_IF_ERROR(setDepth(*sub, depth));
    return ExprPtr(std::move(sub));
  }

  absl::StatusOr<ExprPtr> parseSliceOrExpr() {
    SourceRange range = rangeOf(cur());
    ExprPtr start, stop, step;
    if (!at(TK::Colon)) {
      TS2ONNX_ASSIGN_OR_RETURN(start, parseExpr());
      if (!at(TK::Colon))
        return start;
    }
    advance(); // :
    auto endOfPart = [&] { return at(TK::Colon) || at(TK::Comma) || at(TK::RBracket); };
    if (!endOfPart()) {
      TS2ONNX_ASSIGN_OR_RETURN(stop, parseExpr());
    }
    if (accept(TK::Colon) && !endOfPart()) {
      TS2ONNX_ASSIGN_OR_RETURN(step, parseExpr());
    }
    uint32_t depth = std::max({depthOf(start), depthOf(stop), depthOf(step)});
    auto slice =
        std::make_unique<SliceExpr>(range, std::move(start), std::move(stop), std::move(step));
    TS2ONNX_RETURN_IF_ERROR(setDepth(*slice, depth));
    return ExprPtr(std::move(slice));
  }

  // `for target in iter [if cond]` after the element of a comprehension.
  absl::Status parseComprehensionTail(ExprPtr &target, ExprPtr &iter, ExprPtr &cond,
                                      uint32_t &depth) {
    advance(); // for
    TS2ONNX_ASSIGN_OR_RETURN(target, parseTargetList());
    TS2ONNX_RETURN_IF_ERROR(validateTarget(*target));
    TS2ONNX_RETURN_IF_ERROR(expect(TK::KwIn, "in comprehension"));
    TS2ONNX_ASSIGN_OR_RETURN(iter, parseBinary(kPrecOr));
    if (accept(TK::KwIf)) {
      TS2ONNX_ASSIGN_OR_RETURN(cond, parseBinary(kPrecOr));
    }
    if (at(TK::KwFor) || at(TK::KwIf))
      return errorAt(cur(), "comprehensions with several 'for'/'if' clauses are not supported");
    depth = std::max({depth, target->depth, iter->depth, depthOf(cond)});
    return absl::OkStatus();
  }

  absl::StatusOr<ExprPtr> parseAtom() {
    const Token &t = cur();
    SourceRange range = rangeOf(t);
    switch (t.kind) {
    case TK::Identifier: {
      auto e = std::make_unique<NameExpr>(range, t.text);
      advance();
      return ExprPtr(std::move(e));
    }
    case TK::Int: {
      auto e = std::make_unique<IntLiteral>(range, t.intValue, t.text);
      advance();
      return ExprPtr(std::move(e));
    }
    case TK::Float: {
      auto e = std::make_unique<FloatLiteral>(range, t.floatValue, t.imaginary, t.text);
      advance();
      return ExprPtr(std::move(e));
    }
    case TK::String: {
      std::string value;
      while (at(TK::String)) { // adjacent literals concatenate
        value += cur().text;
        advance();
      }
      return ExprPtr(std::make_unique<StringLiteral>(range, std::move(value)));
    }
    case TK::KwTrue:
      advance();
      return ExprPtr(std::make_unique<ConstantExpr>(ExprKind::True, range));
    case TK::KwFalse:
      advance();
      return ExprPtr(std::make_unique<ConstantExpr>(ExprKind::False, range));
    case TK::KwNone:
      advance();
      return ExprPtr(std::make_unique<ConstantExpr>(ExprKind::None, range));
    case TK::Ellipsis:
      advance();
      return ExprPtr(std::make_unique<ConstantExpr>(ExprKind::Ellipsis, range));
    case TK::LParen:
      return parseParen();
    case TK::LBracket:
      return parseListDisplay();
    case TK::LBrace:
      return parseDictDisplay();
    default:
      return errorAt(t, fmt::format("expected expression, found {}", describe(t)));
    }
  }

  absl::StatusOr<ExprPtr> parseParen() {
    SourceRange range = rangeOf(cur());
    advance(); // (
    if (accept(TK::RParen))
      return ExprPtr(std::make_unique<TupleExpr>(range));
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr first, parseExpr());
    if (at(TK::KwFor))
      return errorAt(cur(), "generator expressions are not supported");
    if (accept(TK::RParen))
      return first; // parenthesized expression
    if (!at(TK::Comma))
      return errorAt(cur(), fmt::format("expected ')' or ',', found {}", describe(cur())));
    auto tuple = std::make_unique<TupleExpr>(range);
    uint32_t depth = first->depth;
    tuple->elements.push_back(std::move(first));
    while (accept(TK::Comma)) {
      if (at(TK::RParen))
        break;
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr e, parseExpr());
      depth = std::max(depth, e->depth);
      tuple->elements.push_back(std::move(e));
    }
    TS2ONNX_RETURN_IF_ERROR(expect(TK::RParen, "to close the tuple"));
    TS2ONNX_RETURN_IF_ERROR(setDepth(*tuple, depth));
    return ExprPtr(std::move(tuple));
  }

  absl::StatusOr<ExprPtr> parseListDisplay() {
    SourceRange range = rangeOf(cur());
    advance(); // [
    if (accept(TK::RBracket))
      return ExprPtr(std::make_unique<ListExpr>(range));
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr first, parseExpr());
    if (at(TK::KwFor)) {
      auto comp = std::make_unique<ListCompExpr>(range);
      uint32_t depth = first->depth;
      comp->elt = std::move(first);
      TS2ONNX_RETURN_IF_ERROR(parseComprehensionTail(comp->target, comp->iter, comp->cond, depth));
      TS2ONNX_RETURN_IF_ERROR(expect(TK::RBracket, "to close the list comprehension"));
      TS2ONNX_RETURN_IF_ERROR(setDepth(*comp, depth));
      return ExprPtr(std::move(comp));
    }
    auto list = std::make_unique<ListExpr>(range);
    uint32_t depth = first->depth;
    list->elements.push_back(std::move(first));
    while (accept(TK::Comma)) {
      if (at(TK::RBracket))
        break;
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr e, parseExpr());
      depth = std::max(depth, e->depth);
      list->elements.push_back(std::move(e));
    }
    TS2ONNX_RETURN_IF_ERROR(expect(TK::RBracket, "to close the list"));
    TS2ONNX_RETURN_IF_ERROR(setDepth(*list, depth));
    return ExprPtr(std::move(list));
  }

  absl::StatusOr<ExprPtr> parseDictDisplay() {
    SourceRange range = rangeOf(cur());
    advance(); // {
    if (accept(TK::RBrace))
      return ExprPtr(std::make_unique<DictExpr>(range));
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr key, parseExpr());
    if (!at(TK::Colon))
      return errorAt(cur(), fmt::format("expected ':' in dict display (set literals are not "
                                        "supported), found {}",
                                        describe(cur())));
    advance();
    TS2ONNX_ASSIGN_OR_RETURN(ExprPtr value, parseExpr());
    if (at(TK::KwFor)) {
      auto comp = std::make_unique<DictCompExpr>(range);
      uint32_t depth = std::max(key->depth, value->depth);
      comp->key = std::move(key);
      comp->value = std::move(value);
      TS2ONNX_RETURN_IF_ERROR(parseComprehensionTail(comp->target, comp->iter, comp->cond, depth));
      TS2ONNX_RETURN_IF_ERROR(expect(TK::RBrace, "to close the dict comprehension"));
      TS2ONNX_RETURN_IF_ERROR(setDepth(*comp, depth));
      return ExprPtr(std::move(comp));
    }
    auto dict = std::make_unique<DictExpr>(range);
    uint32_t depth = std::max(key->depth, value->depth);
    dict->keys.push_back(std::move(key));
    dict->values.push_back(std::move(value));
    while (accept(TK::Comma)) {
      if (at(TK::RBrace))
        break;
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr k, parseExpr());
      TS2ONNX_RETURN_IF_ERROR(expect(TK::Colon, "between dict key and value"));
      TS2ONNX_ASSIGN_OR_RETURN(ExprPtr v, parseExpr());
      depth = std::max({depth, k->depth, v->depth});
      dict->keys.push_back(std::move(k));
      dict->values.push_back(std::move(v));
    }
    TS2ONNX_RETURN_IF_ERROR(expect(TK::RBrace, "to close the dict"));
    TS2ONNX_RETURN_IF_ERROR(setDepth(*dict, depth));
    return ExprPtr(std::move(dict));
  }

#undef TS2ONNX_NEST_OR_RETURN

  std::vector<Token> toks_;
  size_t pos_ = 0;
  uint32_t nesting_ = 0;
  std::shared_ptr<const std::string> file_;
};

} // namespace

absl::StatusOr<Module> parseModule(std::string_view source, std::string fileName) {
  auto file = std::make_shared<const std::string>(std::move(fileName));
  TS2ONNX_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(source, *file));
  return Parser(std::move(tokens), file).parseFile();
}

absl::StatusOr<ExprPtr> parseExpression(std::string_view source, std::string fileName) {
  auto file = std::make_shared<const std::string>(std::move(fileName));
  TS2ONNX_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(source, *file));
  return Parser(std::move(tokens), file).parseStandaloneExpr();
}

} // namespace ts2onnx::frontend::script
