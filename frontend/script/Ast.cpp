#include "frontend/script/Ast.h"
#include "frontend/script/Precedence.h"

#include <cmath>

#include "fmt/format.h"

namespace ts2onnx::frontend::script {

std::vector<const FunctionDef *> ClassDef::methods() const {
  std::vector<const FunctionDef *> out;
  for (const StmtPtr &s : body)
    if (const auto *def = dynCast<FunctionDef>(s.get()))
      out.push_back(def);
  return out;
}

std::vector<const ClassDef *> Module::classes() const {
  std::vector<const ClassDef *> out;
  for (const StmtPtr &s : body)
    if (const auto *cls = dynCast<ClassDef>(s.get()))
      out.push_back(cls);
  return out;
}

std::vector<const FunctionDef *> Module::functions() const {
  std::vector<const FunctionDef *> out;
  for (const StmtPtr &s : body)
    if (const auto *def = dynCast<FunctionDef>(s.get()))
      out.push_back(def);
  return out;
}

std::string_view binaryOpSpelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::FloorDiv:
    return "//";
  case BinaryOp::Mod:
    return "%";
  case BinaryOp::Pow:
    return "**";
  case BinaryOp::MatMul:
    return "@";
  case BinaryOp::BitAnd:
    return "&";
  case BinaryOp::BitOr:
    return "|";
  case BinaryOp::BitXor:
    return "^";
  case BinaryOp::LShift:
    return "<<";
  case BinaryOp::RShift:
    return ">>";
  case BinaryOp::And:
    return "and";
  case BinaryOp::Or:
    return "or";
  }
  return "?";
}

std::string_view compareOpSpelling(CompareOp op) {
  switch (op) {
  case CompareOp::Lt:
    return "<";
  case CompareOp::Gt:
    return ">";
  case CompareOp::Le:
    return "<=";
  case CompareOp::Ge:
    return ">=";
  case CompareOp::Eq:
    return "==";
  case CompareOp::Ne:
    return "!=";
  case CompareOp::Is:
    return "is";
  case CompareOp::IsNot:
    return "is not";
  case CompareOp::In:
    return "in";
  case CompareOp::NotIn:
    return "not in";
  }
  return "?";
}

std::string_view unaryOpSpelling(UnaryOp op) {
  switch (op) {
  case UnaryOp::Neg:
    return "-";
  case UnaryOp::Pos:
    return "+";
  case UnaryOp::Invert:
    return "~";
  case UnaryOp::Not:
    return "not";
  }
  return "?";
}

std::optional<std::string> dottedName(const Expr &e) {
  if (const auto *name = dynCast<NameExpr>(&e))
    return name->name;
  if (const auto *attr = dynCast<AttributeExpr>(&e)) {
    auto base = dottedName(*attr->value);
    if (!base)
      return std::nullopt;
    return *base + "." + attr->name;
  }
  if (const auto *call = dynCast<CallExpr>(&e))
    return dottedName(*call->func);
  return std::nullopt;
}

absl::StatusOr<std::string> typeExprToString(const Expr &type) {
  switch (type.kind) {
  case ExprKind::Name:
  case ExprKind::Attribute: {
    auto name = dottedName(type);
    if (name)
      return *name;
    break;
  }
  case ExprKind::None:
    return std::string("None");
  case ExprKind::Ellipsis:
    return std::string("...");
  case ExprKind::String: // forward reference written as a string
    return static_cast<const StringLiteral &>(type).value;
  case ExprKind::Tuple:
    if (static_cast<const TupleExpr &>(type).elements.empty())
      return std::string("()");
    break;
  case ExprKind::List: { // argument list of Callable[[A, B], R]
    std::string out = "[";
    const auto &elems = static_cast<const ListExpr &>(type).elements;
    for (size_t i = 0; i < elems.size(); ++i) {
      auto s = typeExprToString(*elems[i]);
      if (!s.ok())
        return s.status();
      out += (i ? ", " : "") + *s;
    }
    return out + "]";
  }
  case ExprKind::Subscript: {
    const auto &sub = static_cast<const SubscriptExpr &>(type);
    auto base = typeExprToString(*sub.value);
    if (!base.ok())
      return base.status();
    std::string out = *base + "[";
    for (size_t i = 0; i < sub.indices.size(); ++i) {
      auto s = typeExprToString(*sub.indices[i]);
      if (!s.ok())
        return s.status();
      out += (i ? ", " : "") + *s;
    }
    return out + "]";
  }
  default:
    break;
  }
  return sourceError(type.range, fmt::format("expected a type, found `{}`", printExpr(type)));
}

std::string quoteString(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
    case '\\':
      out += "\\\\";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (u >= 0x20 && u < 0x7f)
        out.push_back(c);
      else
        out += fmt::format("\\{:03o}", u);
    }
  }
  return out + "\"";
}

namespace {

int binaryPrec(BinaryOp op) {
  switch (op) {
  case BinaryOp::Or:
    return kPrecOr;
  case BinaryOp::And:
    return kPrecAnd;
  case BinaryOp::BitOr:
    return kPrecBitOr;
  case BinaryOp::BitXor:
    return kPrecBitXor;
  case BinaryOp::BitAnd:
    return kPrecBitAnd;
  case BinaryOp::LShift:
  case BinaryOp::RShift:
    return kPrecShift;
  case BinaryOp::Add:
  case BinaryOp::Sub:
    return kPrecArith;
  case BinaryOp::Pow:
    return kPrecPower;
  default:
    return kPrecTerm;
  }
}

int exprPrec(const Expr &e) {
  switch (e.kind) {
  case ExprKind::Ternary:
    return kPrecTernary;
  case ExprKind::Binary:
    return binaryPrec(static_cast<const BinaryExpr &>(e).op);
  case ExprKind::Unary:
    return static_cast<const UnaryExpr &>(e).op == UnaryOp::Not ? kPrecNot : kPrecUnary;
  case ExprKind::Compare:
    return kPrecCompare;
  case ExprKind::Attribute:
  case ExprKind::Subscript:
  case ExprKind::Call:
    return kPrecPostfix;
  default:
    return kPrecAtom;
  }
}

std::string formatFloat(const FloatLiteral &f) {
  if (!f.text.empty())
    return f.text;
  std::string s;
  if (std::isnan(f.value))
    s = "nan";
  else if (std::isinf(f.value))
    s = f.value < 0 ? "-inf" : "inf";
  else {
    s = fmt::format("{}", f.value);
    if (s.find_first_of(".eE") == std::string::npos)
      s += ".";
  }
  return f.imaginary ? s + "j" : s;
}

class Printer {
public:
  std::string out;

  void expr(const Expr &e, int minPrec = kPrecTernary) {
    bool parens = exprPrec(e) < minPrec;
    if (parens)
      out += '(';
    exprInner(e);
    if (parens)
      out += ')';
  }

  void exprList(const std::vector<ExprPtr> &elems) {
    for (size_t i = 0; i < elems.size(); ++i) {
      if (i)
        out += ", ";
      expr(*elems[i]);
    }
  }

  // Assignment / for targets: tuples without parentheses (`a, b`, `a,`).
  void target(const Expr &e) {
    if (const auto *t = dynCast<TupleExpr>(&e); t && !t->elements.empty()) {
      for (size_t i = 0; i < t->elements.size(); ++i) {
        if (i)
          out += ", ";
        expr(*t->elements[i], kPrecBitOr);
      }
      if (t->elements.size() == 1)
        out += ',';
      return;
    }
    expr(e, kPrecBitOr);
  }

  void exprInner(const Expr &e) {
    switch (e.kind) {
    case ExprKind::Name:
      out += static_cast<const NameExpr &>(e).name;
      return;
    case ExprKind::Int: {
      const auto &i = static_cast<const IntLiteral &>(e);
      out += i.text.empty() ? std::to_string(i.value) : i.text;
      return;
    }
    case ExprKind::Float:
      out += formatFloat(static_cast<const FloatLiteral &>(e));
      return;
    case ExprKind::String:
      out += quoteString(static_cast<const StringLiteral &>(e).value);
      return;
    case ExprKind::True:
      out += "True";
      return;
    case ExprKind::False:
      out += "False";
      return;
    case ExprKind::None:
      out += "None";
      return;
    case ExprKind::Ellipsis:
      out += "...";
      return;
    case ExprKind::Attribute: {
      const auto &a = static_cast<const AttributeExpr &>(e);
      bool number = isa<IntLiteral>(a.value.get()) || isa<FloatLiteral>(a.value.get());
      expr(*a.value, number ? kPrecAtom + 1 : kPrecPostfix);
      out += '.';
      out += a.name;
      return;
    }
    case ExprKind::Subscript: {
      const auto &s = static_cast<const SubscriptExpr &>(e);
      expr(*s.value, kPrecPostfix);
      out += '[';
      exprList(s.indices);
      out += ']';
      return;
    }
    case ExprKind::Slice: {
      const auto &s = static_cast<const SliceExpr &>(e);
      if (s.start)
        expr(*s.start);
      out += ':';
      if (s.stop)
        expr(*s.stop);
      if (s.step) {
        out += ':';
        expr(*s.step);
      }
      return;
    }
    case ExprKind::Call: {
      const auto &c = static_cast<const CallExpr &>(e);
      expr(*c.func, kPrecPostfix);
      out += '(';
      exprList(c.args);
      for (size_t i = 0; i < c.kwargs.size(); ++i) {
        if (i || !c.args.empty())
          out += ", ";
        out += c.kwargs[i].name;
        out += '=';
        expr(*c.kwargs[i].value);
      }
      out += ')';
      return;
    }
    case ExprKind::Unary: {
      const auto &u = static_cast<const UnaryExpr &>(e);
      if (u.op == UnaryOp::Not) {
        out += "not ";
        expr(*u.operand, kPrecNot);
      } else {
        out += unaryOpSpelling(u.op);
        expr(*u.operand, kPrecUnary);
      }
      return;
    }
    case ExprKind::Binary: {
      const auto &b = static_cast<const BinaryExpr &>(e);
      int p = binaryPrec(b.op);
      if (b.op == BinaryOp::Pow) {
        expr(*b.lhs, kPrecPostfix);
        out += " ** ";
        expr(*b.rhs, kPrecUnary);
      } else {
        expr(*b.lhs, p);
        out += ' ';
        out += binaryOpSpelling(b.op);
        out += ' ';
        expr(*b.rhs, p + 1);
      }
      return;
    }
    case ExprKind::Compare: {
      const auto &c = static_cast<const CompareExpr &>(e);
      expr(*c.first, kPrecCompare + 1);
      for (const auto &[op, rhs] : c.rest) {
        out += ' ';
        out += compareOpSpelling(op);
        out += ' ';
        expr(*rhs, kPrecCompare + 1);
      }
      return;
    }
    case ExprKind::Ternary: {
      const auto &t = static_cast<const TernaryExpr &>(e);
      expr(*t.thenExpr, kPrecOr);
      out += " if ";
      expr(*t.cond, kPrecOr);
      out += " else ";
      expr(*t.elseExpr, kPrecTernary);
      return;
    }
    case ExprKind::List:
      out += '[';
      exprList(static_cast<const ListExpr &>(e).elements);
      out += ']';
      return;
    case ExprKind::Tuple: {
      const auto &t = static_cast<const TupleExpr &>(e);
      out += '(';
      exprList(t.elements);
      if (t.elements.size() == 1)
        out += ',';
      out += ')';
      return;
    }
    case ExprKind::Dict: {
      const auto &d = static_cast<const DictExpr &>(e);
      out += '{';
      for (size_t i = 0; i < d.keys.size() && i < d.values.size(); ++i) {
        if (i)
          out += ", ";
        expr(*d.keys[i]);
        out += ": ";
        expr(*d.values[i]);
      }
      out += '}';
      return;
    }
    case ExprKind::ListComp: {
      const auto &c = static_cast<const ListCompExpr &>(e);
      out += '[';
      expr(*c.elt);
      comprehensionTail(*c.target, *c.iter, c.cond.get());
      out += ']';
      return;
    }
    case ExprKind::DictComp: {
      const auto &c = static_cast<const DictCompExpr &>(e);
      out += '{';
      expr(*c.key);
      out += ": ";
      expr(*c.value);
      comprehensionTail(*c.target, *c.iter, c.cond.get());
      out += '}';
      return;
    }
    }
  }

  void comprehensionTail(const Expr &tgt, const Expr &iter, const Expr *cond) {
    out += " for ";
    target(tgt);
    out += " in ";
    expr(iter, kPrecOr);
    if (cond) {
      out += " if ";
      expr(*cond, kPrecOr);
    }
  }

  void indent(int n) { out.append(static_cast<size_t>(n) * 2, ' '); }

  void block(const Block &body, int level) {
    if (body.empty()) {
      indent(level);
      out += "pass\n";
      return;
    }
    for (const StmtPtr &s : body)
      stmt(*s, level);
  }

  void decorators(const std::vector<ExprPtr> &decos, int level) {
    for (const ExprPtr &d : decos) {
      indent(level);
      out += '@';
      expr(*d);
      out += '\n';
    }
  }

  void stmt(const Stmt &s, int level) {
    switch (s.kind) {
    case StmtKind::If: {
      indent(level);
      ifChain(static_cast<const IfStmt &>(s), level);
      return;
    }
    case StmtKind::While: {
      const auto &w = static_cast<const WhileStmt &>(s);
      indent(level);
      out += "while ";
      expr(*w.cond);
      out += ":\n";
      block(w.body, level + 1);
      return;
    }
    case StmtKind::For: {
      const auto &f = static_cast<const ForStmt &>(s);
      indent(level);
      out += "for ";
      target(*f.target);
      out += " in ";
      expr(*f.iter);
      out += ":\n";
      block(f.body, level + 1);
      return;
    }
    case StmtKind::With: {
      const auto &w = static_cast<const WithStmt &>(s);
      indent(level);
      out += "with ";
      for (size_t i = 0; i < w.items.size(); ++i) {
        if (i)
          out += ", ";
        expr(*w.items[i].expr);
        if (w.items[i].target) {
          out += " as ";
          target(*w.items[i].target);
        }
      }
      out += ":\n";
      block(w.body, level + 1);
      return;
    }
    case StmtKind::Def: {
      const auto &d = static_cast<const FunctionDef &>(s);
      decorators(d.decorators, level);
      indent(level);
      out += "def ";
      out += d.name;
      out += '(';
      for (size_t i = 0; i < d.params.size(); ++i) {
        const Param &p = d.params[i];
        if (i)
          out += ", ";
        out += p.name;
        if (p.type) {
          out += ": ";
          expr(*p.type);
        }
        if (p.defaultValue) {
          out += '=';
          expr(*p.defaultValue);
        }
      }
      out += ')';
      if (d.returnType) {
        out += " -> ";
        expr(*d.returnType);
      }
      out += ":\n";
      block(d.body, level + 1);
      return;
    }
    case StmtKind::Class: {
      const auto &c = static_cast<const ClassDef &>(s);
      decorators(c.decorators, level);
      indent(level);
      out += "class ";
      out += c.name;
      if (!c.bases.empty()) {
        out += '(';
        exprList(c.bases);
        out += ')';
      }
      out += ":\n";
      block(c.body, level + 1);
      return;
    }
    default:
      indent(level);
      simpleStmt(s);
      out += '\n';
      return;
    }
  }

  void ifChain(const IfStmt &s, int level) {
    out += "if ";
    expr(*s.cond);
    out += ":\n";
    block(s.thenBody, level + 1);
    if (s.elseBody.empty())
      return;
    if (s.elseIsElif && s.elseBody.size() == 1 && isa<IfStmt>(s.elseBody[0].get())) {
      indent(level);
      out += "el";
      ifChain(static_cast<const IfStmt &>(*s.elseBody[0]), level);
      return;
    }
    indent(level);
    out += "else:\n";
    block(s.elseBody, level + 1);
  }

  void simpleStmt(const Stmt &s) {
    switch (s.kind) {
    case StmtKind::Expr:
      expr(*static_cast<const ExprStmt &>(s).expr);
      return;
    case StmtKind::Assign: {
      const auto &a = static_cast<const AssignStmt &>(s);
      for (const ExprPtr &t : a.targets) {
        target(*t);
        out += " = ";
      }
      expr(*a.value);
      return;
    }
    case StmtKind::AugAssign: {
      const auto &a = static_cast<const AugAssignStmt &>(s);
      target(*a.target);
      out += ' ';
      out += binaryOpSpelling(a.op);
      out += "= ";
      expr(*a.value);
      return;
    }
    case StmtKind::AnnAssign: {
      const auto &a = static_cast<const AnnAssignStmt &>(s);
      expr(*a.target, kPrecBitOr);
      out += " : ";
      expr(*a.annotation);
      if (a.value) {
        out += " = ";
        expr(*a.value);
      }
      return;
    }
    case StmtKind::Return: {
      const auto &r = static_cast<const ReturnStmt &>(s);
      out += "return";
      if (r.value) {
        out += ' ';
        expr(*r.value);
      }
      return;
    }
    case StmtKind::Pass:
      out += "pass";
      return;
    case StmtKind::Break:
      out += "break";
      return;
    case StmtKind::Continue:
      out += "continue";
      return;
    case StmtKind::Raise: {
      const auto &r = static_cast<const RaiseStmt &>(s);
      out += "raise";
      if (r.exc) {
        out += ' ';
        expr(*r.exc);
      }
      return;
    }
    case StmtKind::Assert: {
      const auto &a = static_cast<const AssertStmt &>(s);
      out += "assert ";
      expr(*a.test);
      if (a.msg) {
        out += ", ";
        expr(*a.msg);
      }
      return;
    }
    case StmtKind::Delete: {
      out += "del ";
      const auto &d = static_cast<const DeleteStmt &>(s);
      for (size_t i = 0; i < d.targets.size(); ++i) {
        if (i)
          out += ", ";
        target(*d.targets[i]);
      }
      return;
    }
    case StmtKind::Import: {
      const auto &im = static_cast<const ImportStmt &>(s);
      if (im.isFrom) {
        out += "from ";
        out += im.module;
        out += ' ';
      }
      out += "import ";
      for (size_t i = 0; i < im.names.size(); ++i) {
        if (i)
          out += ", ";
        out += im.names[i].first;
        if (!im.names[i].second.empty()) {
          out += " as ";
          out += im.names[i].second;
        }
      }
      return;
    }
    default:
      return;
    }
  }
};

} // namespace

std::string printExpr(const Expr &expr) {
  Printer p;
  p.expr(expr);
  return std::move(p.out);
}

std::string printStmt(const Stmt &stmt, int indent) {
  Printer p;
  p.stmt(stmt, indent);
  return std::move(p.out);
}

std::string printModule(const Module &module) {
  Printer p;
  for (const StmtPtr &s : module.body)
    p.stmt(*s, 0);
  return std::move(p.out);
}

} // namespace ts2onnx::frontend::script
