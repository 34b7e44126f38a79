// Reads torch 1.13's graph printout (Graph::print in torch/csrc/jit/ir/ir.cpp). Indentation is
// not significant: blocks are delimited by `blockN(...):` and `-> (...)`. Values may be used
// before the line that defines them (the verifier, not the parser, reports that), so that broken
// graphs can be written down for tests. Constants that the IR cannot model, or whose printed
// form loses data, are kept as ir::Literal so that printing gives the same text back.
#include "ir/Parser.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "ir/Printer.h"
#include "ir/PrinterInternal.h"
#include "ir/StringEscape.h"

namespace ts2onnx::ir {
namespace {

// Nested blocks, types and subgraphs together may not go deeper than this.
constexpr int kMaxDepth = 1000;

const Symbol kSubgraph = Symbol::attr("Subgraph");

bool isIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool allDigits(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!isDigit(c))
      return false;
  return true;
}

// A value name: anything up to a delimiter (torch names are identifiers, `x.1`, `self.fc`, or
// numbers).
bool isNameChar(char c) {
  switch (c) {
  case ' ':
  case '\t':
  case '\n':
  case '\r':
  case ',':
  case '(':
  case ')':
  case '[':
  case ']':
  case '{':
  case '}':
  case ':':
  case '=':
  case '#':
  case '%':
  case '\0':
    return false;
  default:
    return true;
  }
}

std::optional<int64_t> parseInt(std::string_view s) {
  int64_t v = 0;
  const char *b = s.data(), *e = s.data() + s.size();
  auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e || s.empty())
    return std::nullopt;
  return v;
}

std::optional<double> parseDouble(std::string_view s) {
  if (s.empty() || s.size() > 64)
    return std::nullopt;
  bool neg = s[0] == '-';
  std::string_view body = neg ? s.substr(1) : s;
  if (body == "inf")
    return neg ? -INFINITY : INFINITY;
  if (body == "nan")
    return neg ? -std::nan("") : std::nan("");
  // Only the characters a printed double can contain; strtod would also take hex and "infinity".
  for (char c : body)
    if (!isDigit(c) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-')
      return std::nullopt;
  if (body.empty() || !(isDigit(body[0]) || body[0] == '.'))
    return std::nullopt;
  std::string tmp(s);
  char *end = nullptr;
  double v = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size())
    return std::nullopt;
  return v;
}

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t exp = (x >> 23) & 0xff;
  uint32_t mant = x & 0x7fffffu;
  if (exp == 0xff)
    return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0));
  int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 31)
    return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10)
      return static_cast<uint16_t>(sign);
    mant |= 0x800000u;
    uint32_t shift = static_cast<uint32_t>(14 - e);
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1)))
      ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1)))
    ++half;
  return static_cast<uint16_t>(sign | half);
}

uint16_t floatToBFloat16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if (std::isnan(f))
    return 0x7fc0;
  uint32_t rounding = ((x >> 16) & 1) + 0x7fffu;
  return static_cast<uint16_t>((x + rounding) >> 16);
}

// Element bytes of `v` as dtype `t`; false for dtypes the parser does not rebuild.
bool appendElement(std::vector<uint8_t> &out, ScalarType t, double v) {
  auto put = [&](const auto &x) {
    const auto *p = reinterpret_cast<const uint8_t *>(&x);
    out.insert(out.end(), p, p + sizeof x);
  };
  bool integral = isIntegralType(t, true);
  if (integral && (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.2e18))
    return false;
  switch (t) {
  case ScalarType::Float32:
    put(static_cast<float>(v));
    return true;
  case ScalarType::Float64:
    put(v);
    return true;
  case ScalarType::Float16:
    put(floatToHalf(static_cast<float>(v)));
    return true;
  case ScalarType::BFloat16:
    put(floatToBFloat16(static_cast<float>(v)));
    return true;
  case ScalarType::UInt8:
    put(static_cast<uint8_t>(static_cast<int64_t>(v)));
    return true;
  case ScalarType::Int8:
    put(static_cast<int8_t>(static_cast<int64_t>(v)));
    return true;
  case ScalarType::Int16:
    put(static_cast<int16_t>(static_cast<int64_t>(v)));
    return true;
  case ScalarType::Int32:
    put(static_cast<int32_t>(static_cast<int64_t>(v)));
    return true;
  case ScalarType::Int64:
    put(static_cast<int64_t>(v));
    return true;
  case ScalarType::Bool:
    put(static_cast<uint8_t>(v != 0));
    return true;
  default:
    return false;
  }
}

std::vector<std::string_view> splitWs(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ')
      ++i;
    size_t b = i;
    while (i < s.size() && s[i] != ' ')
      ++i;
    if (i > b)
      out.push_back(s.substr(b, i - b));
  }
  return out;
}

// Rebuilds a tensor from at::print's text (`value= 1  2  3 [ CPULongType{3} ]`) when the text
// is exact: only integers (below 1e6, which %g prints in full), nan and inf. Fixed, scientific
// and scaled numbers keep 4 to 6 digits, so such tensors stay literals. The caller also checks
// that the tensor prints back to the same text.
std::optional<Tensor> tensorFromPrinted(std::string_view text) {
  if (text.size() < 4 || text.substr(text.size() - 3) != "} ]")
    return std::nullopt;
  size_t open = text.rfind("[ ");
  if (open == std::string_view::npos)
    return std::nullopt;
  std::string_view trailer = text.substr(open + 2, text.size() - 2 - (open + 2));
  size_t brace = trailer.find('{');
  if (brace == std::string_view::npos || trailer.substr(0, 3) != "CPU" || brace < 7 ||
      trailer.substr(brace - 4, 4) != "Type")
    return std::nullopt;
  auto dtype = scalarTypeFromName(trailer.substr(3, brace - 7));
  if (!dtype)
    return std::nullopt;
  std::vector<int64_t> sizes;
  std::string_view dims = trailer.substr(brace + 1, trailer.size() - brace - 2);
  while (!dims.empty()) {
    size_t comma = dims.find(',');
    auto d = parseInt(dims.substr(0, comma));
    if (!d || *d < 0 || *d > 10)
      return std::nullopt;
    sizes.push_back(*d);
    dims = comma == std::string_view::npos ? std::string_view() : dims.substr(comma + 1);
  }
  if (sizes.empty())
    return std::nullopt;
  int64_t numel = 1;
  for (int64_t s : sizes)
    numel *= s;
  if (numel > 10)
    return std::nullopt;
  std::vector<double> values(static_cast<size_t>(numel), 0.0);
  std::vector<bool> seen(values.size(), false);
  int64_t rows = sizes.size() >= 2 ? sizes[sizes.size() - 2] : numel;
  int64_t cols = sizes.size() >= 2 ? sizes.back() : 1;
  int64_t base = 0, first = 0, width = cols, k = 0;
  std::vector<std::string_view> toks = splitWs(text.substr(0, open));
  for (size_t i = 0; i < toks.size(); ++i) {
    std::string_view t = toks[i];
    if (t == "Columns" && i + 3 < toks.size() && toks[i + 2] == "to") {
      auto a = parseInt(toks[i + 1]), b = parseInt(toks[i + 3]);
      if (!a || !b || *a < 1 || *b < *a || *b > cols)
        return std::nullopt;
      first = *a - 1;
      width = *b - *a + 1;
      k = 0;
      i += 3;
    } else if (t.size() >= 6 && t[0] == '(' && t.substr(t.size() - 4) == ".,.)") {
      // `(i,j,.,.)` names the matrix at leading indices i, j (1-based).
      std::string_view idx = t.substr(1, t.size() - 5);
      std::vector<int64_t> counter;
      while (!idx.empty()) {
        size_t comma = idx.find(',');
        auto c = parseInt(idx.substr(0, comma));
        if (!c)
          return std::nullopt;
        counter.push_back(*c - 1);
        idx = comma == std::string_view::npos ? std::string_view() : idx.substr(comma + 1);
      }
      if (counter.size() + 2 != sizes.size())
        return std::nullopt;
      base = 0;
      for (size_t d = 0; d < counter.size(); ++d) {
        if (counter[d] < 0 || counter[d] >= sizes[d])
          return std::nullopt;
        base = base * sizes[d] + counter[d];
      }
      base *= rows * cols;
      first = 0, width = cols, k = 0;
      if (i + 1 < toks.size() && toks[i + 1] == "=")
        ++i;
    } else if (i + 1 < toks.size() && toks[i + 1] == "*") {
      return std::nullopt; // scaled: 4 decimals of the scaled value
    } else {
      bool exact = t == "nan" || t == "inf" || t == "-inf" ||
                   t.find_first_of(".eE") == std::string_view::npos;
      auto v = parseDouble(t);
      if (!exact || !v || width <= 0)
        return std::nullopt;
      int64_t pos = sizes.size() == 1 ? k : base + (k / width) * cols + first + k % width;
      if (pos < 0 || pos >= numel || (sizes.size() >= 2 && k / width >= rows))
        return std::nullopt;
      values[static_cast<size_t>(pos)] = *v;
      seen[static_cast<size_t>(pos)] = true;
      ++k;
    }
  }
  for (bool s : seen)
    if (!s)
      return std::nullopt;
  std::vector<uint8_t> bytes;
  for (double v : values)
    if (!appendElement(bytes, *dtype, v))
      return std::nullopt;
  return Tensor::fromBytes(*dtype, sizes, bytes.data());
}

// A one-element tensor printed as `{0.1}`; dtype and shape come from the value's type when it
// has them.
std::optional<Tensor> tensorFromScalar(std::string_view inner, const Type *hint) {
  std::optional<ScalarType> dtype;
  std::vector<int64_t> sizes;
  if (hint && hint->isTensor()) {
    const TensorInfo &info = hint->tensorInfo();
    dtype = info.dtype;
    if (info.sizes) {
      for (const Dim &d : *info.sizes) {
        if (!d.isStatic() || d.value != 1) {
          sizes.clear();
          break;
        }
        sizes.push_back(1);
      }
    }
  }
  if (!inner.empty() && inner[0] == '(') {
    size_t comma = inner.find(',');
    if (inner.back() != ')' || comma == std::string_view::npos)
      return std::nullopt;
    auto re = parseDouble(inner.substr(1, comma - 1));
    auto im = parseDouble(inner.substr(comma + 1, inner.size() - comma - 2));
    if (!re || !im)
      return std::nullopt;
    ScalarType t = dtype.value_or(ScalarType::ComplexDouble);
    if (t == ScalarType::ComplexFloat) {
      float v[2] = {static_cast<float>(*re), static_cast<float>(*im)};
      return Tensor::fromBytes(t, sizes, v);
    }
    if (t != ScalarType::ComplexDouble)
      return std::nullopt;
    double v[2] = {*re, *im};
    return Tensor::fromBytes(t, sizes, v);
  }
  auto v = parseDouble(inner);
  if (!v)
    return std::nullopt;
  if (!dtype) {
    bool looksFloat = inner.find_first_of(".eEin") != std::string_view::npos;
    dtype = looksFloat ? ScalarType::Float32 : ScalarType::Int64;
  }
  std::vector<uint8_t> bytes;
  if (*dtype == ScalarType::Int64) {
    // Keep full int64 precision rather than going through double.
    auto i = parseInt(inner);
    if (!i)
      return std::nullopt;
    return Tensor::fromBytes(*dtype, sizes, &*i);
  }
  if (!appendElement(bytes, *dtype, *v))
    return std::nullopt;
  return Tensor::fromBytes(*dtype, sizes, bytes.data());
}

struct Shared {
  std::string_view src;
  std::string filename;
  size_t pos = 0;
  int depth = 0;
  std::string error;
  absl::flat_hash_map<std::string, std::shared_ptr<const std::string>> files;
};

class GraphParser {
public:
  GraphParser(Shared &s, Graph &g) : s_(s), g_(g) {}

  bool parseGraph() {
    if (!enter())
      return false;
    bool ok = parseGraphImpl();
    --s_.depth;
    return ok;
  }

  // Types ---------------------------------------------------------------------------------

  TypePtr parseType() {
    if (!enter())
      return nullptr;
    TypePtr t = parseTypeImpl();
    --s_.depth;
    return t;
  }

  bool fail(std::string_view what) { return failAt(s_.pos, what); }

  bool failAt(size_t pos, std::string_view what) {
    if (!s_.error.empty())
      return false;
    pos = std::min(pos, s_.src.size());
    int line = 1;
    size_t lineStart = 0;
    for (size_t i = 0; i < pos; ++i)
      if (s_.src[i] == '\n') {
        ++line;
        lineStart = i + 1;
      }
    s_.error = fmt::format("{}:{}:{}: error: {}", s_.filename, line, pos - lineStart + 1, what);
    return false;
  }

private:
  // Cursor helpers --------------------------------------------------------------------------

  char peek(size_t ahead = 0) const {
    return s_.pos + ahead < s_.src.size() ? s_.src[s_.pos + ahead] : '\0';
  }
  bool atEnd() const { return s_.pos >= s_.src.size(); }
  bool lookingAt(std::string_view w) const {
    return s_.pos <= s_.src.size() && s_.src.substr(s_.pos, w.size()) == w;
  }
  bool accept(std::string_view w) {
    if (!lookingAt(w))
      return false;
    s_.pos += w.size();
    return true;
  }
  bool expect(std::string_view w) {
    if (accept(w))
      return true;
    return fail(fmt::format("expected '{}' but found {}", w, describeHere()));
  }
  std::string describeHere() const {
    if (atEnd())
      return "end of input";
    char c = peek();
    if (c == '\n')
      return "end of line";
    if (c > 0x20 && c < 0x7f)
      return fmt::format("'{}'", c);
    return fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
  }
  void skipSpaces() {
    while (peek() == ' ' || peek() == '\t')
      ++s_.pos;
  }
  void skipWs() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')
      ++s_.pos;
  }
  bool expectEol() {
    skipSpaces();
    if (atEnd())
      return true;
    accept("\r");
    if (accept("\n"))
      return true;
    return fail(fmt::format("expected end of line but found {}", describeHere()));
  }
  bool enter() {
    if (++s_.depth > kMaxDepth) {
      --s_.depth;
      return fail(fmt::format("nesting deeper than {} levels", kMaxDepth));
    }
    return true;
  }

  std::string_view ident() {
    size_t b = s_.pos;
    while (isIdentChar(peek()) || peek() == '.')
      ++s_.pos;
    return s_.src.substr(b, s_.pos - b);
  }

  // Graph structure -------------------------------------------------------------------------

  bool parseGraphImpl() {
    skipWs();
    if (!expect("graph("))
      return false;
    skipWs();
    if (peek() != ')') {
      for (;;) {
        if (!parseParam(g_.block()))
          return false;
        skipWs();
        if (!accept(","))
          break;
        skipWs();
      }
    }
    if (!expect(")") || !expect(":") || !expectEol())
      return false;
    if (!parseNodes(g_.block()))
      return false;
    skipWs();
    if (!expect("return"))
      return false;
    skipSpaces();
    if (!parseOutputs(g_.block()) || !expectEol())
      return false;
    // Subgraphs of this graph's fusion groups / forks, in the order torch numbered them.
    for (;;) {
      size_t save = s_.pos;
      skipWs();
      if (!lookingAt("with "))
        break;
      s_.pos += 5;
      size_t namePos = s_.pos;
      std::string name(kindToken());
      auto it = groups_.find(name);
      if (it == groups_.end() || it->second.empty()) {
        if (!top_) {
          s_.pos = save; // belongs to an enclosing graph
          break;
        }
        return failAt(namePos, fmt::format("no node named {} for this subgraph", name));
      }
      skipSpaces();
      if (!expect("="))
        return false;
      skipSpaces();
      auto sub = std::make_shared<Graph>();
      GraphParser subParser(s_, *sub);
      subParser.top_ = false;
      if (!subParser.parseGraph())
        return false;
      Symbol base = Symbol::fromQualString(name.substr(0, name.rfind('_')));
      for (Node *n : it->second) {
        if (!n->blocks().empty())
          return failAt(namePos, fmt::format("{} has blocks and cannot take a subgraph", name));
        rekind(n, base)->setAttribute(kSubgraph, AttributeValue(sub));
      }
      it->second.clear();
    }
    return resolvePending();
  }

  // Gives a node a new kind by replacing it with a copy (Node has no setKind). Only for nodes
  // without blocks: forks and fusion groups never have any.
  Node *rekind(Node *n, Symbol kind) {
    WithInsertPoint guard(n);
    Node *r = g_.insertNode(g_.create(kind, n->inputs(), n->outputs().size()));
    r->copyAttributes(*n);
    r->setSourceLocation(n->sourceLocation());
    r->setScopeName(n->scopeName());
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      Value *old = n->output(i), *fresh = r->output(i);
      fresh->setType(old->type());
      old->replaceAllUsesWith(fresh);
      std::string key = old->debugName();
      if (old->hasDebugName()) {
        old->setDebugName({});
        fresh->setDebugName(key);
      } else {
        g_.setUnique(fresh, old->unique());
      }
      defs_[key] = fresh;
    }
    n->destroy();
    return r;
  }

  /// A declaration `%name : Type`, as block parameters and node outputs write it.
  struct Declared {
    std::string name;
    TypePtr type;
    size_t pos;
  };
  bool parseDeclared(Declared &out) {
    out.pos = s_.pos;
    if (!expect("%"))
      return false;
    out.name = valueName();
    if (out.name.empty())
      return fail("expected a value name");
    skipSpaces();
    if (!expect(":"))
      return false;
    skipSpaces();
    out.type = parseType();
    return out.type != nullptr;
  }

  bool parseParam(Block *b) {
    Declared d;
    if (!parseDeclared(d))
      return false;
    Value *v = b->addInput();
    v->setType(d.type);
    return define(d.name, v, d.pos);
  }

  std::string valueName() {
    size_t b = s_.pos;
    while (s_.pos < s_.src.size() && isNameChar(s_.src[s_.pos]))
      ++s_.pos;
    return std::string(s_.src.substr(b, s_.pos - b));
  }

  bool define(const std::string &name, Value *v, size_t pos) {
    if (defs_.contains(name))
      return failAt(pos, fmt::format("redefinition of %{}", name));
    if (allDigits(name)) {
      auto n = parseInt(name);
      if (!n || *n > (int64_t(1) << 40))
        return failAt(pos, fmt::format("value number %{} is too large", name));
      g_.setUnique(v, static_cast<size_t>(*n));
    } else {
      v->setDebugName(name);
    }
    defs_[name] = v;
    if (auto it = pending_.find(name); it != pending_.end()) {
      Node *placeholder = it->second.node;
      placeholder->output()->replaceAllUsesWith(v);
      placeholder->destroy();
      pending_.erase(it);
    }
    return true;
  }

  // A use: the defined value, or a placeholder node at the top of the graph standing in until
  // the definition is seen (then replaced and destroyed; never left in a parsed graph).
  Value *use(const std::string &name, size_t pos) {
    if (auto it = defs_.find(name); it != defs_.end())
      return it->second;
    if (auto it = pending_.find(name); it != pending_.end())
      return it->second.node->output();
    static const Symbol kForward = Symbol::fromQualString("prim::ForwardReference");
    Node *n = g_.create(kForward, {}, 1);
    g_.block()->prependNode(n);
    pending_[name] = Pending{n, pos};
    return n->output();
  }

  bool resolvePending() {
    if (pending_.empty())
      return true;
    const Pending *first = nullptr;
    std::string firstName;
    for (const auto &[name, p] : pending_)
      if (!first || p.pos < first->pos) {
        first = &p;
        firstName = name;
      }
    return failAt(first->pos, fmt::format("use of undefined value %{}", firstName));
  }

  bool parseValueRefs(std::vector<Value *> &out) {
    skipWs();
    if (peek() == ')')
      return true;
    for (;;) {
      size_t pos = s_.pos;
      if (!expect("%"))
        return false;
      std::string name = valueName();
      if (name.empty())
        return fail("expected a value name");
      out.push_back(use(name, pos));
      skipWs();
      if (!accept(","))
        return true;
      skipWs();
    }
  }

  bool parseOutputs(Block *b) {
    if (!expect("("))
      return false;
    std::vector<Value *> vs;
    if (!parseValueRefs(vs) || !expect(")"))
      return false;
    for (Value *v : vs)
      b->registerOutput(v);
    return true;
  }

  bool parseNodes(Block *b) {
    for (;;) {
      skipWs();
      char c = peek();
      if (c != '%' && c != '=')
        return true;
      if (!parseNode(b))
        return false;
    }
  }

  std::string_view kindToken() {
    size_t b = s_.pos;
    while (isIdentChar(peek()) || peek() == '.' || (peek() == ':' && peek(1) == ':')) {
      if (peek() == ':')
        ++s_.pos;
      ++s_.pos;
    }
    return s_.src.substr(b, s_.pos - b);
  }

  bool parseNode(Block *b) {
    if (!enter())
      return false;
    bool ok = parseNodeImpl(b);
    --s_.depth;
    return ok;
  }

  bool parseNodeImpl(Block *b) {
    std::vector<Declared> outs;
    if (peek() == '%') {
      for (;;) {
        Declared d;
        if (!parseDeclared(d))
          return false;
        outs.push_back(std::move(d));
        skipSpaces();
        if (!accept(","))
          break;
        skipSpaces();
      }
    }
    skipSpaces();
    if (!expect("="))
      return false;
    skipSpaces();
    size_t kindPos = s_.pos;
    std::string_view kind = kindToken();
    if (kind.find("::") == std::string_view::npos || kind.size() < 4 || kind.front() == ':' ||
        kind.back() == ':')
      return failAt(kindPos, fmt::format("expected an operator name like aten::add but found {}",
                                         kind.empty() ? describeHere() : std::string(kind)));
    // Attributes are parsed before the node exists; their interpretation may use the outputs'
    // types (a tensor constant takes its dtype from the type).
    std::vector<std::pair<Symbol, AttributeValue>> attrs;
    if (peek() == '[') {
      ++s_.pos;
      if (!parseAttributes(attrs, outs.size() == 1 ? outs[0].type.get() : nullptr))
        return false;
    }
    if (!expect("("))
      return false;
    std::vector<Value *> inputs;
    if (!parseValueRefs(inputs) || !expect(")"))
      return false;

    Node *n = g_.create(Symbol::fromQualString(kind), inputs, outs.size());
    b->appendNode(n);
    for (auto &[name, value] : attrs)
      n->setAttribute(name, std::move(value));
    for (size_t i = 0; i < outs.size(); ++i) {
      n->output(i)->setType(outs[i].type);
      if (!define(outs[i].name, n->output(i), outs[i].pos))
        return false;
    }
    if (kind.size() > 2 && isDigit(kind.back()) && kind.find('_') != std::string_view::npos) {
      size_t us = kind.rfind('_');
      if (allDigits(kind.substr(us + 1)))
        groups_[std::string(kind)].push_back(n);
    }

    skipSpaces();
    if (accept(", scope: ")) {
      size_t start = s_.pos;
      while (!atEnd() && peek() != '\n' && peek() != '\r' && !lookingAt(" # "))
        ++s_.pos;
      n->setScopeName(std::string(s_.src.substr(start, s_.pos - start)));
    }
    skipSpaces();
    if (peek() == '#') {
      ++s_.pos;
      skipSpaces();
      size_t start = s_.pos;
      while (!atEnd() && peek() != '\n' && peek() != '\r')
        ++s_.pos;
      if (!parseLocation(n, s_.src.substr(start, s_.pos - start), start))
        return false;
    }
    if (!expectEol())
      return false;

    for (;;) {
      size_t save = s_.pos;
      skipWs();
      if (!lookingAt("block") || !isDigit(peek(5))) {
        s_.pos = save;
        return true;
      }
      if (!parseBlock(n))
        return false;
    }
  }

  bool parseLocation(Node *n, std::string_view text, size_t pos) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
      text.remove_suffix(1);
    size_t c2 = text.rfind(':');
    size_t c1 =
        c2 == std::string_view::npos || c2 == 0 ? std::string_view::npos : text.rfind(':', c2 - 1);
    std::optional<int64_t> line, col;
    if (c1 != std::string_view::npos) {
      line = parseInt(text.substr(c1 + 1, c2 - c1 - 1));
      col = parseInt(text.substr(c2 + 1));
    }
    if (!line || !col || *line < 0 || *col < 0 || *line > INT32_MAX || *col > INT32_MAX)
      return failAt(pos, "expected a source location 'file:line:col' after '#'");
    std::string file(text.substr(0, c1));
    auto &shared = s_.files[file];
    if (!shared)
      shared = std::make_shared<const std::string>(file);
    n->setSourceLocation(SourceLocation{shared, static_cast<int>(*line), static_cast<int>(*col)});
    return true;
  }

  bool parseBlock(Node *n) {
    size_t pos = s_.pos;
    s_.pos += 5;
    std::string_view digits;
    {
      size_t b = s_.pos;
      while (isDigit(peek()))
        ++s_.pos;
      digits = s_.src.substr(b, s_.pos - b);
    }
    if (digits != std::to_string(n->blocks().size()))
      return failAt(pos,
                    fmt::format("expected block{} but found block{}", n->blocks().size(), digits));
    if (!enter())
      return false;
    Block *b = n->addBlock();
    bool ok = parseBlockRest(b);
    --s_.depth;
    return ok;
  }

  bool parseBlockRest(Block *b) {
    if (!expect("("))
      return false;
    skipWs();
    if (peek() != ')') {
      for (;;) {
        if (!parseParam(b))
          return false;
        skipWs();
        if (!accept(","))
          break;
        skipWs();
      }
    }
    if (!expect(")") || !expect(":") || !expectEol())
      return false;
    if (!parseNodes(b))
      return false;
    skipWs();
    if (!expect("->"))
      return false;
    skipSpaces();
    return parseOutputs(b) && expectEol();
  }

  // Attributes ------------------------------------------------------------------------------

  bool parseAttributes(std::vector<std::pair<Symbol, AttributeValue>> &attrs, const Type *hint) {
    for (;;) {
      size_t namePos = s_.pos;
      std::string_view name = ident();
      if (name.empty())
        return fail(fmt::format("expected an attribute name but found {}", describeHere()));
      if (!expect("="))
        return false;
      size_t valuePos = s_.pos;
      std::string_view raw;
      if (!scanValue(raw))
        return false;
      if (raw.empty())
        return failAt(valuePos, "expected an attribute value");
      Symbol sym = Symbol::attr(name);
      for (const auto &kv : attrs)
        if (kv.first == sym)
          return failAt(namePos, fmt::format("duplicate attribute '{}'", name));
      attrs.emplace_back(sym, interpret(raw, name == "value" ? hint : nullptr));
      if (accept("]"))
        return true;
      if (!expect(", "))
        return false;
    }
  }

  // The raw text of one attribute value: up to the ',' or ']' that ends it, skipping over
  // brackets and strings.
  bool scanValue(std::string_view &raw) {
    size_t b = s_.pos;
    std::vector<char> stack;
    for (;;) {
      if (atEnd())
        return fail("unterminated attribute list");
      char c = peek();
      if (c == '\n')
        return fail("unterminated attribute list");
      if (stack.empty() && (c == ',' || c == ']'))
        break;
      if (c == '"') {
        size_t start = s_.pos++;
        while (!atEnd() && peek() != '"' && peek() != '\n')
          s_.pos += peek() == '\\' && peek(1) != '\n' && peek(1) != '\0' ? 2 : 1;
        if (!accept("\""))
          return failAt(start, "unterminated string");
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        if (stack.size() >= static_cast<size_t>(kMaxDepth))
          return fail(fmt::format("nesting deeper than {} levels", kMaxDepth));
        stack.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (c == ')' || c == ']' || c == '}') {
        if (stack.empty() || stack.back() != c)
          return fail(fmt::format("unbalanced '{}' in attribute value", c));
        stack.pop_back();
      }
      ++s_.pos;
    }
    raw = s_.src.substr(b, s_.pos - b);
    return true;
  }

  // A string as torch's printer quotes it: no bare quote inside, escapes as
  // c10::printQuotedString writes them (signed octal digits included).
  static std::optional<std::string> unquote(std::string_view s) {
    if (s.size() < 2 || s.front() != '"' || s.back() != '"')
      return std::nullopt;
    std::string_view body = s.substr(1, s.size() - 2);
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '"')
        return std::nullopt;
      if (body[i] == '\\')
        ++i;
    }
    absl::StatusOr<std::string> out = ir::decodeEscapes(body, {/*torchPrinterOctal=*/true});
    if (!out.ok())
      return std::nullopt;
    return *std::move(out);
  }

  // Splits `[a, b, c]` / `(a, b)` contents at top-level ", ".
  static std::optional<std::vector<std::string_view>> splitItems(std::string_view inner) {
    std::vector<std::string_view> items;
    if (inner.empty())
      return items;
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i < inner.size(); ++i) {
      char c = inner[i];
      if (c == '"') {
        for (++i; i < inner.size() && inner[i] != '"'; ++i)
          if (inner[i] == '\\')
            ++i;
      } else if (c == '(' || c == '[' || c == '{' || c == '<') {
        ++depth;
      } else if (c == ')' || c == ']' || c == '}' || c == '>') {
        --depth;
      } else if (c == ',' && depth == 0) {
        items.push_back(inner.substr(start, i - start));
        if (i + 1 >= inner.size() || inner[i + 1] != ' ')
          return std::nullopt;
        start = i + 2;
        ++i;
      }
    }
    items.push_back(inner.substr(start));
    return items;
  }

  AttributeValue interpret(std::string_view raw, const Type *hint) {
    auto literal = [&] { return AttributeValue(Literal{std::string(raw)}); };
    if (raw == "<Tensor>")
      return AttributeValue(Tensor());
    if (raw == "<Graph>")
      return AttributeValue(std::shared_ptr<Graph>());
    if (raw == "[<Tensors>]")
      return AttributeValue(std::vector<Tensor>());
    char c = raw.front();
    if (c == '"') {
      if (auto s = unquote(raw))
        return AttributeValue(std::move(*s));
      return literal();
    }
    if (c == '[') {
      auto items = splitItems(raw.substr(1, raw.size() - 2));
      if (raw.back() != ']' || !items)
        return literal();
      if (auto v = scalarList(*items, hint))
        return std::move(*v);
      return literal();
    }
    if (c == '{') {
      std::string_view inner = raw.substr(1, raw.size() - 2);
      if (raw.back() == '}' && !inner.empty()) {
        if (auto t = tensorFromScalar(inner, hint))
          if (detail::formatTensor(*t) == raw)
            return AttributeValue(std::move(*t));
      }
      return literal();
    }
    if (raw.size() > 3 && raw.substr(raw.size() - 3) == "} ]") {
      if (auto t = tensorFromPrinted(raw))
        if (detail::formatTensor(*t) == raw)
          return AttributeValue(std::move(*t));
      return literal();
    }
    if (auto v = scalar(raw, hint))
      return std::move(*v);
    if (c != '(') {
      Shared sub;
      sub.src = raw;
      sub.filename = "<type>";
      sub.depth = s_.depth;
      Graph scratch;
      GraphParser tp(sub, scratch);
      if (TypePtr t = tp.parseType(); t && sub.pos == raw.size() && sub.error.empty())
        return AttributeValue(t);
    }
    return literal();
  }

  static std::optional<AttributeValue> scalar(std::string_view s, const Type *hint) {
    bool wantFloat = hint && hint->is(TypeKind::Float);
    if (!wantFloat)
      if (auto i = parseInt(s))
        return AttributeValue(*i);
    if (auto d = parseDouble(s))
      return AttributeValue(*d);
    // Complex: `<real>+<imag>j` / `<real>-<imag>j`.
    if (s.size() > 3 && s.back() == 'j') {
      size_t sign = s.find_first_of("+-", 1);
      while (sign != std::string_view::npos && (s[sign - 1] == 'e' || s[sign - 1] == 'E'))
        sign = s.find_first_of("+-", sign + 1);
      if (sign != std::string_view::npos) {
        auto re = parseDouble(s.substr(0, sign));
        auto im = parseDouble(s.substr(sign + 1, s.size() - sign - 2));
        if (re && im)
          return AttributeValue(std::complex<double>(*re, s[sign] == '-' ? -*im : *im));
      }
    }
    return std::nullopt;
  }

  std::optional<AttributeValue> scalarList(const std::vector<std::string_view> &items,
                                           const Type *hint) {
    if (items.empty()) {
      TypeKind elem = TypeKind::Int;
      if (hint && hint->is(TypeKind::List))
        elem = hint->elementType()->kind();
      switch (elem) {
      case TypeKind::Float:
        return AttributeValue(std::vector<double>());
      case TypeKind::Bool:
        return AttributeValue(std::vector<bool>());
      case TypeKind::Str:
        return AttributeValue(std::vector<std::string>());
      case TypeKind::Int:
        return AttributeValue(std::vector<int64_t>());
      default:
        return std::nullopt;
      }
    }
    bool floatHint = hint && hint->is(TypeKind::List) && hint->elementType()->is(TypeKind::Float);
    std::vector<int64_t> ints;
    std::vector<double> floats;
    std::vector<bool> bools;
    std::vector<std::string> strings;
    for (std::string_view it : items) {
      if (auto i = parseInt(it); i && !floatHint && ints.size() == floats.size()) {
        ints.push_back(*i);
        floats.push_back(static_cast<double>(*i));
      } else if (auto d = parseDouble(it)) {
        floats.push_back(*d);
      }
      if (it == "True" || it == "False")
        bools.push_back(it == "True");
      if (auto s = unquote(it))
        strings.push_back(std::move(*s));
    }
    size_t n = items.size();
    if (ints.size() == n)
      return AttributeValue(std::move(ints));
    if (floats.size() == n)
      return AttributeValue(std::move(floats));
    if (bools.size() == n)
      return AttributeValue(std::move(bools));
    if (strings.size() == n)
      return AttributeValue(std::move(strings));
    // `types=[int, Tensor]` (prim::isinstance)
    std::vector<TypePtr> types;
    for (std::string_view it : items) {
      Shared sub;
      sub.src = it;
      sub.filename = "<type>";
      sub.depth = s_.depth;
      Graph scratch;
      GraphParser tp(sub, scratch);
      TypePtr t = tp.parseType();
      if (!t || sub.pos != it.size())
        return std::nullopt;
      types.push_back(std::move(t));
    }
    return AttributeValue(std::move(types));
  }

  // Types -----------------------------------------------------------------------------------

  TypePtr typeFail(std::string_view what) {
    fail(what);
    return nullptr;
  }

  bool typeList(std::vector<TypePtr> &out, char close) {
    skipSpaces();
    if (peek() == close) {
      ++s_.pos;
      return true;
    }
    for (;;) {
      TypePtr t = parseType();
      if (!t)
        return false;
      out.push_back(std::move(t));
      skipSpaces();
      if (accept(std::string_view(&close, 1)))
        return true;
      if (!expect(","))
        return false;
      skipSpaces();
    }
  }

  TypePtr parseTypeImpl() {
    TypePtr t = parseBaseType();
    if (!t)
      return nullptr;
    for (;;) {
      if (lookingAt("[]")) {
        s_.pos += 2;
        t = Type::list(std::move(t));
      } else if (peek() == '?') {
        ++s_.pos;
        t = Type::optional(std::move(t));
      } else {
        return t;
      }
    }
  }

  TypePtr parseBaseType() {
    if (peek() == '(') {
      ++s_.pos;
      std::vector<TypePtr> members;
      if (!typeList(members, ')'))
        return nullptr;
      return Type::tuple(std::move(members));
    }
    size_t start = s_.pos;
    std::string_view name = ident();
    if (name.empty())
      return typeFail(fmt::format("expected a type but found {}", describeHere()));
    if (name == "NamedTuple" && peek() == '(') {
      ++s_.pos;
      std::vector<std::string> fields;
      std::vector<TypePtr> members;
      skipSpaces();
      if (accept(")"))
        return Type::namedTuple({}, {}, {});
      for (;;) {
        std::string_view field = ident();
        if (field.empty())
          return typeFail("expected a NamedTuple field name");
        skipSpaces();
        if (!expect(":"))
          return nullptr;
        skipSpaces();
        TypePtr t = parseType();
        if (!t)
          return nullptr;
        fields.emplace_back(field);
        members.push_back(std::move(t));
        skipSpaces();
        if (accept(")"))
          return Type::namedTuple({}, std::move(fields), std::move(members));
        if (!expect(","))
          return nullptr;
        skipSpaces();
      }
    }
    if ((name == "Dict" || name == "Union") && peek() == '(') {
      ++s_.pos;
      std::vector<TypePtr> members;
      if (!typeList(members, ')'))
        return nullptr;
      if (name == "Union")
        return Type::unionOf(std::move(members));
      if (members.size() != 2) {
        s_.pos = start;
        return typeFail("Dict takes a key and a value type");
      }
      return Type::dict(members[0], members[1]);
    }
    if ((name == "Future" || name == "RRef" || name == "Await") &&
        (peek() == '(' || peek() == '[')) {
      char close = peek() == '(' ? ')' : ']';
      ++s_.pos;
      std::vector<TypePtr> members;
      if (!typeList(members, close))
        return nullptr;
      if (members.size() != 1) {
        s_.pos = start;
        return typeFail(fmt::format("{} takes one type", name));
      }
      return name == "Future" ? Type::future(members[0])
             : name == "RRef" ? Type::rref(members[0])
                              : Type::await(members[0]);
    }
    if (name == "Enum" && peek() == '<') {
      ++s_.pos;
      std::string_view q = ident();
      if (q.empty() || !expect(">"))
        return q.empty() ? typeFail("expected an enum name") : nullptr;
      return Type::enumType(std::string(q));
    }
    if (name == "Tensor")
      return tensorType(std::nullopt, false);
    if (auto dt = scalarTypeFromName(name)) {
      if (peek() == '(')
        return tensorType(dt, true);
      // Not a tensor: a class that happens to share the name.
      return Type::classType(std::string(name));
    }
    if (name.size() > 6 && name.substr(name.size() - 6) == "Tensor")
      if (auto dt = scalarTypeFromName(name.substr(0, name.size() - 6)))
        return tensorType(dt, false);
    static const std::pair<std::string_view, TypeKind> kLeaves[] = {
        {"Any", TypeKind::Any},
        {"int", TypeKind::Int},
        {"float", TypeKind::Float},
        {"complex", TypeKind::Complex},
        {"bool", TypeKind::Bool},
        {"str", TypeKind::Str},
        {"NoneType", TypeKind::None},
        {"Scalar", TypeKind::Number},
        {"Device", TypeKind::Device},
        {"Layout", TypeKind::Layout},
        {"ScalarType", TypeKind::ScalarType},
        {"MemoryFormat", TypeKind::MemoryFormat},
        {"QScheme", TypeKind::QScheme},
        {"Generator", TypeKind::Generator},
        {"Stream", TypeKind::Stream},
        {"Storage", TypeKind::Storage},
        {"Capsule", TypeKind::Capsule},
        {"list", TypeKind::AnyList},
        {"tuple", TypeKind::AnyTuple},
        {"AnyClassType", TypeKind::AnyClass},
        {"AnyEnumType", TypeKind::AnyEnum},
        {"Function", TypeKind::Function},
    };
    for (const auto &[leaf, kind] : kLeaves)
      if (name == leaf)
        return Type::get(kind);
    if (!isIdentChar(name.front()) || isDigit(name.front())) {
      s_.pos = start;
      return typeFail(fmt::format("expected a type but found '{}'", name));
    }
    return Type::classType(std::string(name));
  }

  // After `Tensor`, `Float` or `FloatTensor`: the optional `(sizes, strides=[..],
  // requires_grad=0, device=cpu)` and `[Undefined]`.
  TypePtr tensorType(std::optional<ScalarType> dtype, bool sizesKnown) {
    TensorInfo info;
    info.dtype = dtype;
    std::vector<Dim> dims;
    if (peek() == '(') {
      ++s_.pos;
      bool any = false;
      bool dimsAllowed = sizesKnown || !dtype;
      while (!accept(")")) {
        if (any && !expect(", "))
          return nullptr;
        if (atEnd())
          return typeFail("unterminated tensor type");
        if (accept("strides=[")) {
          std::vector<std::optional<int64_t>> strides;
          while (!accept("]")) {
            if (!strides.empty() && !expect(", "))
              return nullptr;
            size_t b = s_.pos;
            while (isDigit(peek()) || peek() == '-')
              ++s_.pos;
            auto v = parseInt(s_.src.substr(b, s_.pos - b));
            if (!v)
              return typeFail("expected a stride");
            strides.push_back(*v);
          }
          info.strides = std::move(strides);
        } else if (accept("requires_grad=")) {
          if (accept("0"))
            info.requiresGrad = false;
          else if (accept("1"))
            info.requiresGrad = true;
          else
            return typeFail("expected requires_grad=0 or 1");
        } else if (accept("device=")) {
          size_t b = s_.pos;
          while (!atEnd() && peek() != ',' && peek() != ')' && peek() != '\n')
            ++s_.pos;
          if (b == s_.pos)
            return typeFail("expected a device");
          info.device = std::string(s_.src.substr(b, s_.pos - b));
        } else if (dimsAllowed && !info.strides && !info.requiresGrad && !info.device) {
          if (accept("*")) {
            dims.push_back(Dim::unknown());
          } else if (isDigit(peek())) {
            size_t b = s_.pos;
            while (isDigit(peek()))
              ++s_.pos;
            auto v = parseInt(s_.src.substr(b, s_.pos - b));
            if (!v)
              return typeFail("dimension too large");
            dims.push_back(Dim::known(*v));
          } else {
            std::string_view sym = ident();
            if (sym.empty())
              return typeFail(fmt::format("expected a dimension or tensor property but found {}",
                                          describeHere()));
            dims.push_back(Dim::named(std::string(sym)));
          }
          sizesKnown = true;
        } else {
          return typeFail(fmt::format("expected a tensor property but found {}", describeHere()));
        }
        any = true;
      }
      // `Tensor()` is a tensor of known rank 0.
      if (!any && !dtype)
        sizesKnown = true;
    }
    if (sizesKnown)
      info.sizes = std::move(dims);
    if (info.strides && (!info.sizes || info.strides->size() != info.sizes->size()))
      return typeFail("strides do not match the number of dimensions");
    if (accept("[Undefined]"))
      info.undefined = true;
    return Type::tensor(std::move(info));
  }

  struct Pending {
    Node *node;
    size_t pos;
  };

  Shared &s_;
  Graph &g_;
  bool top_ = true;
  absl::flat_hash_map<std::string, Value *> defs_;
  absl::flat_hash_map<std::string, Pending> pending_;
  // Nodes printed as `kind_N`: fusion groups / forks whose subgraph follows as `with kind_N =`.
  absl::flat_hash_map<std::string, std::vector<Node *>> groups_;
};

} // namespace

absl::StatusOr<std::unique_ptr<Graph>> parseGraph(std::string_view text,
                                                  std::string_view filename) {
  Shared s;
  s.src = text;
  s.filename = std::string(filename);
  auto g = std::make_unique<Graph>();
  GraphParser p(s, *g);
  bool ok = p.parseGraph();
  if (ok) {
    while (s.pos < text.size() && (text[s.pos] == ' ' || text[s.pos] == '\t' ||
                                   text[s.pos] == '\n' || text[s.pos] == '\r'))
      ++s.pos;
    if (s.pos < text.size())
      ok = p.failAt(s.pos, "unexpected text after the graph");
  }
  if (!ok)
    return absl::InvalidArgumentError(s.error);
  return g;
}

absl::StatusOr<TypePtr> parseType(std::string_view text) {
  Shared s;
  s.src = text;
  s.filename = "<type>";
  Graph scratch;
  GraphParser p(s, scratch);
  TypePtr t = p.parseType();
  if (t && s.pos != text.size())
    p.failAt(s.pos, "unexpected text after the type");
  if (!s.error.empty())
    return absl::InvalidArgumentError(s.error);
  return t;
}

} // namespace ts2onnx::ir
