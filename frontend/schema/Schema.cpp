#include "frontend/schema/Schema.h"

#include "ir/Printer.h"
#include "ir/StringEscape.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "fmt/format.h"

namespace ts2onnx::frontend {

// ---------------------------------------------------------------------------------------------
// Types and values

SchemaType SchemaType::list(SchemaType elem, std::optional<int64_t> size) {
  SchemaType t = of(SchemaTypeKind::List);
  t.contained.push_back(std::move(elem));
  t.fixedSize = size;
  return t;
}

SchemaType SchemaType::optional(SchemaType elem) {
  SchemaType t = of(SchemaTypeKind::Optional);
  t.contained.push_back(std::move(elem));
  return t;
}

SchemaType SchemaType::tuple(std::vector<SchemaType> members) {
  SchemaType t = of(SchemaTypeKind::Tuple);
  t.contained = std::move(members);
  return t;
}

SchemaType SchemaType::dict(SchemaType key, SchemaType value) {
  SchemaType t = of(SchemaTypeKind::Dict);
  t.contained.push_back(std::move(key));
  t.contained.push_back(std::move(value));
  return t;
}

SchemaType SchemaType::future(SchemaType elem) {
  SchemaType t = of(SchemaTypeKind::Future);
  t.contained.push_back(std::move(elem));
  return t;
}

SchemaType SchemaType::var(std::string name) {
  SchemaType t = of(SchemaTypeKind::Var);
  t.name = std::move(name);
  return t;
}

SchemaType SchemaType::classType(std::string qualifiedName) {
  SchemaType t = of(SchemaTypeKind::Class);
  t.name = std::move(qualifiedName);
  return t;
}

bool SchemaType::hasTypeVars() const {
  if (kind == SchemaTypeKind::Var)
    return true;
  for (const auto &c : contained)
    if (c.hasTypeVars())
      return true;
  return false;
}

bool SchemaType::sameAs(const SchemaType &o) const {
  if (kind != o.kind || name != o.name || contained.size() != o.contained.size())
    return false;
  for (size_t i = 0; i < contained.size(); ++i)
    if (!contained[i].sameAs(o.contained[i]))
      return false;
  return true;
}

namespace {

struct LeafName {
  std::string_view text;
  SchemaTypeKind kind;
};

// The first spelling of a kind is the one printed.
constexpr LeafName kLeafNames[] = {
    {"Tensor", SchemaTypeKind::Tensor},
    {"int", SchemaTypeKind::Int},
    {"SymInt", SchemaTypeKind::SymInt},
    {"float", SchemaTypeKind::Float},
    {"SymFloat", SchemaTypeKind::SymFloat},
    {"complex", SchemaTypeKind::Complex},
    {"bool", SchemaTypeKind::Bool},
    {"SymBool", SchemaTypeKind::SymBool},
    {"str", SchemaTypeKind::Str},
    {"Scalar", SchemaTypeKind::Number},
    {"number", SchemaTypeKind::Number},
    {"Device", SchemaTypeKind::Device},
    {"Layout", SchemaTypeKind::Layout},
    {"ScalarType", SchemaTypeKind::ScalarType},
    {"MemoryFormat", SchemaTypeKind::MemoryFormat},
    {"QScheme", SchemaTypeKind::QScheme},
    {"Generator", SchemaTypeKind::Generator},
    {"Stream", SchemaTypeKind::Stream},
    {"Storage", SchemaTypeKind::Storage},
    {"Dimname", SchemaTypeKind::Dimname},
    {"Capsule", SchemaTypeKind::Capsule},
    {"Any", SchemaTypeKind::Any},
    {"AnyEnumType", SchemaTypeKind::AnyEnum},
    {"AnyClassType", SchemaTypeKind::AnyClass},
    {"NoneType", SchemaTypeKind::None},
};

std::optional<SchemaTypeKind> leafKind(std::string_view text) {
  for (const auto &l : kLeafNames)
    if (l.text == text)
      return l.kind;
  return std::nullopt;
}

std::string_view leafName(SchemaTypeKind kind) {
  for (const auto &l : kLeafNames)
    if (l.kind == kind)
      return l.text;
  return "?";
}

std::string joinTypes(const std::vector<SchemaType> &types) {
  std::string out;
  for (size_t i = 0; i < types.size(); ++i) {
    if (i)
      out += ", ";
    out += types[i].str();
  }
  return out;
}

} // namespace

std::string AliasInfo::str() const {
  std::string out = "(" + absl::StrJoin(beforeSets, "|");
  if (isWrite)
    out += "!";
  if (beforeSets != afterSets)
    out += " -> " + absl::StrJoin(afterSets, "|");
  out += ")";
  return out;
}

std::string SchemaType::str() const {
  std::string out;
  switch (kind) {
  case SchemaTypeKind::List:
    out = contained.empty() ? "?" : contained[0].str();
    out += fixedSize ? fmt::format("[{}]", *fixedSize) : "[]";
    break;
  case SchemaTypeKind::Optional:
    out = (contained.empty() ? "?" : contained[0].str()) + "?";
    break;
  case SchemaTypeKind::Tuple:
    out = "(" + joinTypes(contained) + ")";
    break;
  case SchemaTypeKind::Dict:
    out = "Dict(" + joinTypes(contained) + ")";
    break;
  case SchemaTypeKind::Future:
    out = "Future(" + joinTypes(contained) + ")";
    break;
  case SchemaTypeKind::RRef:
    out = "RRef(" + joinTypes(contained) + ")";
    break;
  case SchemaTypeKind::Await:
    out = "Await(" + joinTypes(contained) + ")";
    break;
  case SchemaTypeKind::Union:
    out = "Union(" + joinTypes(contained) + ")";
    break;
  case SchemaTypeKind::Var:
  case SchemaTypeKind::Class:
    out = name;
    break;
  default:
    out = std::string(leafName(kind));
  }
  if (alias && kind != SchemaTypeKind::Optional)
    out += alias->str();
  return out;
}

SchemaValue SchemaValue::ofBool(bool v) {
  SchemaValue r;
  r.kind = Kind::Bool;
  r.b = v;
  return r;
}
SchemaValue SchemaValue::ofInt(int64_t v) {
  SchemaValue r;
  r.kind = Kind::Int;
  r.i = v;
  return r;
}
SchemaValue SchemaValue::ofFloat(double v) {
  SchemaValue r;
  r.kind = Kind::Float;
  r.f = v;
  return r;
}
SchemaValue SchemaValue::ofStr(std::string v) {
  SchemaValue r;
  r.kind = Kind::Str;
  r.s = std::move(v);
  return r;
}
SchemaValue SchemaValue::ofList(std::vector<SchemaValue> v) {
  SchemaValue r;
  r.kind = Kind::List;
  r.list = std::move(v);
  return r;
}

bool SchemaValue::operator==(const SchemaValue &o) const {
  if (kind != o.kind)
    return false;
  switch (kind) {
  case Kind::None:
    return true;
  case Kind::Bool:
    return b == o.b;
  case Kind::Int:
    return i == o.i;
  case Kind::Float:
    return f == o.f || (std::isnan(f) && std::isnan(o.f));
  case Kind::Str:
    return s == o.s;
  case Kind::List:
    return list == o.list;
  }
  return false;
}

std::string SchemaValue::str() const {
  switch (kind) {
  case Kind::None:
    return "None";
  case Kind::Bool:
    return b ? "True" : "False";
  case Kind::Int:
    return fmt::format("{}", i);
  case Kind::Float:
    return ir::formatDouble(f);
  case Kind::Str:
    return ir::quoteString(s);
  case Kind::List: {
    std::string out = "[";
    for (size_t k = 0; k < list.size(); ++k) {
      if (k)
        out += ", ";
      out += list[k].str();
    }
    return out + "]";
  }
  }
  return "None";
}

std::string SchemaArgument::str() const {
  std::string out = type.str();
  if (!name.empty())
    out += " " + name;
  if (defaultValue) {
    out += "=";
    const SchemaValue &v = *defaultValue;
    // As torch: a single-valued int list default prints as that value (`int[2] stride=1`);
    // only for a non-optional `int[N]`/`int[]`.
    // (Not for `SymInt[N]`: torch prints those lists in full.)
    if (type.kind == SchemaTypeKind::List && !type.contained.empty() &&
        type.contained[0].kind == SchemaTypeKind::Int && v.kind == SchemaValue::Kind::List &&
        v.list.size() > 1) {
      bool same = true;
      for (const auto &e : v.list)
        same = same && e == v.list[0];
      out += same ? v.list[0].str() : v.str();
    } else {
      out += v.str();
    }
  }
  return out;
}

std::string FunctionSchema::fullName() const {
  return overloadName.empty() ? name : name + "." + overloadName;
}

std::string_view FunctionSchema::nameSpace() const {
  auto pos = name.find("::");
  return pos == std::string::npos ? std::string_view() : std::string_view(name).substr(0, pos);
}

std::string_view FunctionSchema::unqualifiedName() const {
  auto pos = name.find("::");
  return pos == std::string::npos ? std::string_view(name) : std::string_view(name).substr(pos + 2);
}

std::optional<size_t> FunctionSchema::argumentIndex(std::string_view argName) const {
  for (size_t i = 0; i < arguments.size(); ++i)
    if (arguments[i].name == argName)
      return i;
  return std::nullopt;
}

std::string FunctionSchema::str() const {
  std::string out = fullName() + "(";
  bool seenKwargOnly = false;
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (i)
      out += ", ";
    if (arguments[i].kwargOnly && !seenKwargOnly) {
      out += "*, ";
      seenKwargOnly = true;
    }
    out += arguments[i].str();
  }
  if (isVararg) {
    if (!arguments.empty())
      out += ", ";
    out += "...";
  }
  out += ") -> ";
  bool needParen = !((returns.size() == 1 && !isVarret) || (returns.empty() && isVarret));
  std::string single;
  if (returns.size() == 1 && !needParen) {
    single = returns[0].str();
    // `-> ((str, t)[])`: a single return whose type starts with `(` keeps its parentheses.
    if (!single.empty() && single.front() == '(')
      needParen = true;
  }
  if (needParen)
    out += "(";
  for (size_t i = 0; i < returns.size(); ++i) {
    if (i)
      out += ", ";
    out += returns[i].str();
  }
  if (isVarret) {
    if (!returns.empty())
      out += ", ";
    out += "...";
  }
  if (needParen)
    out += ")";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Enum-like default names

std::optional<int64_t> schemaEnumConstant(std::string_view name) {
  struct Named {
    std::string_view name;
    int64_t value;
  };
  // ScalarType codes (FORMAT-NOTES §4.6) under torch's dtype names and the C++ spellings
  // native_functions.yaml uses.
  static constexpr Named kNames[] = {
      {"uint8", 0},
      {"Byte", 0},
      {"int8", 1},
      {"Char", 1},
      {"int16", 2},
      {"short", 2},
      {"Short", 2},
      {"int32", 3},
      {"Int", 3},
      {"int64", 4},
      {"long", 4},
      {"Long", 4},
      {"float16", 5},
      {"half", 5},
      {"Half", 5},
      {"float32", 6},
      {"float", 6},
      {"Float", 6},
      {"float64", 7},
      {"double", 7},
      {"Double", 7},
      {"complex32", 8},
      {"ComplexHalf", 8},
      {"complex64", 9},
      {"cfloat", 9},
      {"ComplexFloat", 9},
      {"complex128", 10},
      {"cdouble", 10},
      {"ComplexDouble", 10},
      {"bool", 11},
      {"Bool", 11},
      {"qint8", 12},
      {"QInt8", 12},
      {"quint8", 13},
      {"QUInt8", 13},
      {"qint32", 14},
      {"QInt32", 14},
      {"bfloat16", 15},
      {"BFloat16", 15},
      {"quint4x2", 16},
      {"QUInt4x2", 16},
      {"quint2x4", 17},
      {"QUInt2x4", 17},
      // Layout
      {"strided", 0},
      {"Strided", 0},
      {"sparse_coo", 1},
      {"Sparse", 1},
      {"sparse_csr", 2},
      {"SparseCsr", 2},
      {"mkldnn", 3},
      {"_mkldnn", 3},
      {"Mkldnn", 3},
      {"sparse_csc", 4},
      {"SparseCsc", 4},
      {"sparse_bsr", 5},
      {"SparseBsr", 5},
      {"sparse_bsc", 6},
      {"SparseBsc", 6},
      {"jagged", 7},
      {"Jagged", 7},
      // MemoryFormat
      {"contiguous_format", 0},
      {"Contiguous", 0},
      {"preserve_format", 1},
      {"Preserve", 1},
      {"channels_last", 2},
      {"ChannelsLast", 2},
      {"channels_last_3d", 3},
      {"ChannelsLast3d", 3},
      // at::Reduction
      {"Mean", 1},
      {"Sum", 2},
  };
  for (const auto &n : kNames)
    if (n.name == name)
      return n.value;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Parser

namespace {

bool isIdentStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool isIdentChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class SchemaParser {
public:
  explicit SchemaParser(std::string_view text) : text_(text) {}

  absl::StatusOr<FunctionSchema> parseSchema() {
    FunctionSchema schema;
    skipWs();
    std::string name = ident();
    if (name.empty())
      return error("expected an operator name");
    if (consume("::")) {
      std::string rest = ident();
      if (rest.empty())
        return error("expected an operator name after '::'");
      name += "::" + rest;
    }
    schema.name = std::move(name);
    if (consume(".")) {
      schema.overloadName = ident();
      if (schema.overloadName.empty())
        return error("expected an overload name after '.'");
    }
    if (!consume("("))
      return error("expected '('");
    bool kwargOnly = false;
    if (!consume(")")) {
      while (true) {
        if (schema.isVararg)
          return error("'...' must be the last argument");
        if (consume("...")) {
          schema.isVararg = true;
        } else if (consume("*")) {
          if (kwargOnly)
            return error("'*' given twice");
          kwargOnly = true;
        } else {
          auto arg = parseArgument(/*isReturn=*/false);
          if (!arg.ok())
            return arg.status();
          arg->kwargOnly = kwargOnly;
          schema.arguments.push_back(std::move(*arg));
        }
        if (consume(")"))
          break;
        if (!consume(","))
          return error("expected ',' or ')' in the argument list");
      }
    }
    if (!consume("->"))
      return error("expected '->'");
    skipWs();
    if (consume("(")) {
      if (!consume(")")) {
        while (true) {
          if (schema.isVarret)
            return error("'...' must be the last return");
          if (consume("...")) {
            schema.isVarret = true;
          } else {
            auto ret = parseArgument(/*isReturn=*/true);
            if (!ret.ok())
              return ret.status();
            schema.returns.push_back(std::move(*ret));
          }
          if (consume(")"))
            break;
          if (!consume(","))
            return error("expected ',' or ')' in the return list");
        }
      }
    } else if (consume("...")) {
      schema.isVarret = true;
    } else {
      auto ret = parseArgument(/*isReturn=*/true);
      if (!ret.ok())
        return ret.status();
      schema.returns.push_back(std::move(*ret));
    }
    skipWs();
    if (pos_ != text_.size())
      return error("unexpected text after the schema");
    return schema;
  }

  absl::StatusOr<SchemaType> parseWholeType() {
    auto t = parseType();
    if (!t.ok())
      return t.status();
    skipWs();
    if (pos_ != text_.size())
      return error("unexpected text after the type");
    return t;
  }

private:
  static constexpr int kMaxDepth = 64;

  absl::Status error(std::string_view what) const {
    return absl::InvalidArgumentError(
        fmt::format("schema: {} at column {} in '{}'", what, pos_ + 1, text_));
  }

  void skipWs() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t'))
      ++pos_;
  }

  char peek() {
    skipWs();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  bool consume(std::string_view token) {
    skipWs();
    if (text_.substr(pos_, token.size()) == token) {
      pos_ += token.size();
      return true;
    }
    return false;
  }

  std::string ident() {
    skipWs();
    size_t start = pos_;
    if (pos_ < text_.size() && isIdentStart(text_[pos_])) {
      while (pos_ < text_.size() && isIdentChar(text_[pos_]))
        ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  // An identifier that may be dotted (`__torch__.torch.classes.quantized.Conv2dPackedParamsBase`).
  std::string dottedIdent() {
    std::string out = ident();
    while (!out.empty() && pos_ + 1 < text_.size() && text_[pos_] == '.' &&
           isIdentStart(text_[pos_ + 1])) {
      ++pos_;
      out += "." + ident();
    }
    return out;
  }

  absl::StatusOr<SchemaArgument> parseArgument(bool isReturn) {
    SchemaArgument arg;
    auto type = parseType();
    if (!type.ok())
      return type.status();
    arg.type = std::move(*type);
    skipWs();
    if (pos_ < text_.size() && isIdentStart(text_[pos_]))
      arg.name = ident();
    if (!isReturn && consume("=")) {
      auto v = parseDefault(arg.type);
      if (!v.ok())
        return v.status();
      arg.defaultValue = std::move(*v);
    }
    if (!isReturn && arg.name.empty())
      return error("expected an argument name");
    return arg;
  }

  absl::StatusOr<AliasInfo> parseAlias() {
    // '(' already consumed.
    AliasInfo info;
    auto parseSets = [&](std::vector<std::string> &sets) -> absl::Status {
      while (true) {
        if (consume("*")) {
          sets.push_back("*");
        } else {
          std::string s = ident();
          if (s.empty())
            return error("expected an alias set name");
          sets.push_back(std::move(s));
        }
        if (!consume("|"))
          return absl::OkStatus();
      }
    };
    if (auto st = parseSets(info.beforeSets); !st.ok())
      return st;
    if (consume("!"))
      info.isWrite = true;
    if (consume("->")) {
      if (auto st = parseSets(info.afterSets); !st.ok())
        return st;
    } else {
      info.afterSets = info.beforeSets;
    }
    if (!consume(")"))
      return error("expected ')' after an alias annotation");
    return info;
  }

  absl::Status parseTypeList(std::vector<SchemaType> &out, char close) {
    if (peek() == close) {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      auto t = parseType();
      if (!t.ok())
        return t.status();
      out.push_back(std::move(*t));
      if (peek() == close) {
        ++pos_;
        return absl::OkStatus();
      }
      if (!consume(","))
        return error(fmt::format("expected ',' or '{}' in a type list", close));
    }
  }

  absl::StatusOr<SchemaType> parseContainer(SchemaTypeKind kind, size_t arity) {
    if (!consume("("))
      return error("expected '(' after a container type name");
    SchemaType t = SchemaType::of(kind);
    if (auto st = parseTypeList(t.contained, ')'); !st.ok())
      return st;
    if (arity && t.contained.size() != arity)
      return error(fmt::format("expected {} contained types", arity));
    return t;
  }

  absl::StatusOr<SchemaType> parseBaseType() {
    skipWs();
    if (consume("(")) {
      SchemaType t = SchemaType::of(SchemaTypeKind::Tuple);
      if (auto st = parseTypeList(t.contained, ')'); !st.ok())
        return st;
      return t;
    }
    size_t start = pos_;
    std::string name = dottedIdent();
    if (name.empty())
      return error("expected a type");
    if (name == "Future")
      return parseContainer(SchemaTypeKind::Future, 1);
    if (name == "RRef")
      return parseContainer(SchemaTypeKind::RRef, 1);
    if (name == "Await")
      return parseContainer(SchemaTypeKind::Await, 1);
    if (name == "Dict")
      return parseContainer(SchemaTypeKind::Dict, 2);
    if (name == "Union")
      return parseContainer(SchemaTypeKind::Union, 0);
    if (auto k = leafKind(name))
      return SchemaType::of(*k);
    if (name.find('.') != std::string::npos)
      return SchemaType::classType(std::move(name));
    if (absl::ascii_islower(static_cast<unsigned char>(name[0])))
      return SchemaType::var(std::move(name));
    pos_ = start;
    return error(fmt::format("unknown type '{}'", name));
  }

  absl::StatusOr<SchemaType> parseType() {
    if (++depth_ > kMaxDepth)
      return error("types nested too deeply");
    auto base = parseBaseType();
    if (!base.ok()) {
      --depth_;
      return base;
    }
    SchemaType t = std::move(*base);
    while (true) {
      // No whitespace is allowed before a postfix.
      if (pos_ >= text_.size())
        break;
      char c = text_[pos_];
      if (c == '(') {
        ++pos_;
        auto alias = parseAlias();
        if (!alias.ok()) {
          --depth_;
          return alias.status();
        }
        // `Tensor?(a!)` means the same as `Tensor(a!)?`.
        SchemaType *target = &t;
        while (target->kind == SchemaTypeKind::Optional && !target->contained.empty())
          target = &target->contained[0];
        if (target->alias) {
          --depth_;
          return error("two alias annotations on one type");
        }
        target->alias = std::move(*alias);
      } else if (c == '[') {
        ++pos_;
        std::optional<int64_t> size;
        size_t start = pos_;
        while (pos_ < text_.size() && absl::ascii_isdigit(static_cast<unsigned char>(text_[pos_])))
          ++pos_;
        if (pos_ > start) {
          if (pos_ - start > 9) {
            --depth_;
            return error("list size too large");
          }
          size = std::strtoll(std::string(text_.substr(start, pos_ - start)).c_str(), nullptr, 10);
        }
        if (pos_ >= text_.size() || text_[pos_] != ']') {
          --depth_;
          return error("expected ']'");
        }
        ++pos_;
        t = SchemaType::list(std::move(t), size);
      } else if (c == '?') {
        ++pos_;
        t = SchemaType::optional(std::move(t));
      } else {
        break;
      }
    }
    --depth_;
    return t;
  }

  absl::StatusOr<std::string> parseStringLiteral() {
    char quote = text_[pos_++];
    std::string out;
    while (true) {
      if (pos_ >= text_.size())
        return error("unterminated string");
      char c = text_[pos_++];
      if (c == quote)
        return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size())
        return error("unterminated string");
      absl::StatusOr<size_t> used = ir::decodeEscape(text_.substr(pos_), out);
      if (!used.ok())
        return error(std::string(used.status().message()));
      pos_ += *used;
    }
  }

  absl::StatusOr<SchemaValue> parseSingleValue(const SchemaType &type) {
    char c = peek();
    if (c == '"' || c == '\'') {
      auto s = parseStringLiteral();
      if (!s.ok())
        return s.status();
      return SchemaValue::ofStr(std::move(*s));
    }
    if (isIdentStart(c)) {
      size_t start = pos_;
      std::string word = ident();
      if (word == "None")
        return SchemaValue::none();
      if (word == "True")
        return SchemaValue::ofBool(true);
      if (word == "False")
        return SchemaValue::ofBool(false);
      if (word == "inf")
        return SchemaValue::ofFloat(HUGE_VAL);
      if (word == "nan")
        return SchemaValue::ofFloat(std::nan(""));
      if (auto v = schemaEnumConstant(word))
        return SchemaValue::ofInt(*v);
      pos_ = start;
      return error(fmt::format("unknown default value '{}'", word));
    }
    if (c == '-' || absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '.') {
      size_t start = pos_;
      if (text_[pos_] == '-')
        ++pos_;
      if (text_.substr(pos_, 3) == "inf") {
        pos_ += 3;
        return SchemaValue::ofFloat(-HUGE_VAL);
      }
      bool isFloat = false;
      while (pos_ < text_.size()) {
        char d = text_[pos_];
        if (absl::ascii_isdigit(static_cast<unsigned char>(d))) {
          ++pos_;
        } else if (d == '.') {
          isFloat = true;
          ++pos_;
        } else if ((d == 'e' || d == 'E') && pos_ > start) {
          isFloat = true;
          ++pos_;
          if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-'))
            ++pos_;
        } else {
          break;
        }
      }
      std::string num(text_.substr(start, pos_ - start));
      if (num.empty() || num == "-" || num == "." || num == "-.")
        return error("expected a number");
      SchemaTypeKind k = type.kind;
      if (isFloat || k == SchemaTypeKind::Float || k == SchemaTypeKind::SymFloat) {
        errno = 0;
        char *end = nullptr;
        double v = std::strtod(num.c_str(), &end);
        if (end != num.c_str() + num.size())
          return error(fmt::format("bad number '{}'", num));
        return SchemaValue::ofFloat(v);
      }
      errno = 0;
      char *end = nullptr;
      long long v = std::strtoll(num.c_str(), &end, 10);
      if (errno == ERANGE || end != num.c_str() + num.size())
        return error(fmt::format("bad integer '{}'", num));
      return SchemaValue::ofInt(static_cast<int64_t>(v));
    }
    if (c == '[') {
      ++pos_;
      std::vector<SchemaValue> elems;
      const SchemaType &elemType =
          type.kind == SchemaTypeKind::List && !type.contained.empty() ? type.contained[0] : type;
      if (!consume("]")) {
        while (true) {
          if (++depth_ > kMaxDepth)
            return error("default value nested too deeply");
          auto e = parseSingleValue(elemType.unwrapOptional());
          --depth_;
          if (!e.ok())
            return e.status();
          elems.push_back(std::move(*e));
          if (consume("]"))
            break;
          if (!consume(","))
            return error("expected ',' or ']' in a list default");
        }
      }
      return SchemaValue::ofList(std::move(elems));
    }
    return error("expected a default value");
  }

  absl::StatusOr<SchemaValue> parseDefault(const SchemaType &argType) {
    const SchemaType &type = argType.unwrapOptional();
    skipWs();
    if (type.kind == SchemaTypeKind::List && peek() != '[') {
      auto v = parseSingleValue(type.contained.empty() ? type : type.contained[0]);
      if (!v.ok())
        return v;
      if (v->isNone())
        return v;
      // `int[2] stride=1` stands for [1, 1].
      if (!type.fixedSize)
        return error("a scalar default needs a fixed-size list type");
      return SchemaValue::ofList(
          std::vector<SchemaValue>(static_cast<size_t>(*type.fixedSize), *v));
    }
    return parseSingleValue(type);
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
};

} // namespace

absl::StatusOr<FunctionSchema> parseSchema(std::string_view text) {
  return SchemaParser(text).parseSchema();
}

absl::StatusOr<SchemaType> parseSchemaType(std::string_view text) {
  return SchemaParser(text).parseWholeType();
}

} // namespace ts2onnx::frontend
