// Mirrors torch 1.13's Graph::print / Node::print (torch/csrc/jit/ir/ir.cpp) and the value
// formatting it relies on: IValue's double repr, c10::printQuotedString and at::print for small
// tensors. Where torch formats through iostreams, so does this file, to get the same digits.
#include "ir/Printer.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <sstream>

#include <fmt/format.h>

#include "ir/PrinterInternal.h"

namespace ts2onnx::ir {

const char *attributeKindName(AttributeKind k) {
  switch (k) {
  case AttributeKind::Int:
    return "i";
  case AttributeKind::Float:
    return "f";
  case AttributeKind::Complex:
    return "c";
  case AttributeKind::String:
    return "s";
  case AttributeKind::Tensor:
    return "t";
  case AttributeKind::Graph:
    return "g";
  case AttributeKind::Type:
    return "ty";
  case AttributeKind::Ints:
    return "is";
  case AttributeKind::Floats:
    return "fs";
  case AttributeKind::Bools:
    return "bs";
  case AttributeKind::Strings:
    return "ss";
  case AttributeKind::Tensors:
    return "ts";
  case AttributeKind::Types:
    return "tys";
  case AttributeKind::Literal:
    return "literal";
  }
  return "?";
}

namespace detail {

std::string formatDouble(double d) {
  // IValue's repr: integral values below 1e10 print as `1.`, everything else with 17 digits.
  int c = std::fpclassify(d);
  if ((c == FP_NORMAL || c == FP_ZERO) && std::abs(d) < 1e10) {
    auto i = static_cast<int64_t>(d);
    if (static_cast<double>(i) == d) {
      if (i == 0 && std::signbit(d))
        return "-0.";
      return fmt::format("{}.", i);
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

std::string formatComplex(std::complex<double> c) {
  return formatDouble(c.real()) + (c.imag() >= 0 ? "+" : "-") + formatDouble(std::abs(c.imag())) +
         "j";
}

void appendQuoted(std::string &out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    switch (ch) {
    case '\\':
      out += "\\\\";
      break;
    case '\'':
      out += "\\'";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\a':
      out += "\\a";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\v':
      out += "\\v";
      break;
    default:
      if (ch > 0x1f && ch < 0x7f) {
        out += ch;
      } else {
        // c10 writes three "octal" digits computed on a signed char, so bytes >= 0x80 come
        // out as characters below '0'; the parser undoes exactly this.
        int v = static_cast<signed char>(ch);
        char buf[4] = "000";
        buf[2] = static_cast<char>(buf[2] + v % 8);
        v /= 8;
        buf[1] = static_cast<char>(buf[1] + v % 8);
        v /= 8;
        buf[0] = static_cast<char>(buf[0] + v);
        out += '\\';
        out += buf;
      }
    }
  }
  out += '"';
}

std::string cpuTypeString(ScalarType t) { return fmt::format("CPU{}Type", scalarTypeName(t)); }

static double elementAsDouble(const Tensor &t, int64_t i) {
  if (t.dtype() == ScalarType::ComplexFloat || t.dtype() == ScalarType::ComplexDouble ||
      t.dtype() == ScalarType::ComplexHalf)
    return complexAt(t, i).real();
  return isFloatingType(t.dtype()) ? t.doubleAt(i) : static_cast<double>(t.intAt(i));
}

std::complex<double> complexAt(const Tensor &t, int64_t i) {
  std::vector<uint8_t> bytes = t.contiguousBytes();
  size_t es = elementSize(t.dtype());
  const uint8_t *p = bytes.data() + static_cast<size_t>(i) * es;
  if (t.dtype() == ScalarType::ComplexDouble) {
    double v[2];
    std::memcpy(v, p, sizeof v);
    return {v[0], v[1]};
  }
  if (t.dtype() == ScalarType::ComplexFloat) {
    float v[2];
    std::memcpy(v, p, sizeof v);
    return {v[0], v[1]};
  }
  return {};
}

// at::print's __printFormat: picks the scale and column width, and sets the stream's float mode.
static std::pair<double, int> printFormat(std::ostream &os, const std::vector<double> &v) {
  if (v.empty())
    return {1., 0};
  bool intMode = true;
  for (double z : v)
    if (std::isfinite(z) && z != std::ceil(z)) {
      intMode = false;
      break;
    }
  size_t offset = 0;
  while (offset < v.size() && !std::isfinite(v[offset]))
    ++offset;
  double expMin = 1, expMax = 1;
  if (offset != v.size()) {
    expMin = std::fabs(v[offset]);
    expMax = std::fabs(v[offset]);
    for (size_t i = offset; i < v.size(); ++i) {
      double z = std::fabs(v[i]);
      if (std::isfinite(z)) {
        if (z < expMin)
          expMin = z;
        if (v[i] > expMax) // sic: torch compares the signed value
          expMax = z;
      }
    }
    expMin = expMin != 0 ? std::floor(std::log10(expMin)) + 1 : 1;
    expMax = expMax != 0 ? std::floor(std::log10(expMax)) + 1 : 1;
  }
  double scale = 1;
  int sz;
  if (intMode) {
    if (expMax > 9) {
      sz = 11;
      os << std::scientific << std::setprecision(4);
    } else {
      sz = static_cast<int>(expMax) + 1;
      os.unsetf(std::ios_base::floatfield);
    }
  } else if (expMax - expMin > 4) {
    sz = 11;
    if (std::fabs(expMax) > 99 || std::fabs(expMin) > 99)
      sz = sz + 1;
    os << std::scientific << std::setprecision(4);
  } else if (expMax > 5 || expMax < 0) {
    sz = 7;
    scale = std::pow(10, expMax - 1);
    os << std::fixed << std::setprecision(4);
  } else {
    sz = expMax == 0 ? 7 : static_cast<int>(expMax) + 6;
    os << std::fixed << std::setprecision(4);
  }
  return {scale, sz};
}

static void printScale(std::ostream &os, double scale) {
  // The stream still has the precision 4 that printFormat set.
  std::ostringstream s;
  s << std::setprecision(4) << scale << " *\n";
  os << s.str();
}

static void printIndent(std::ostream &os, int64_t indent) {
  for (int64_t i = 0; i < indent; ++i)
    os << ' ';
}

// at::print's __printMatrix for a rows x cols block of `v` starting at `base`.
static void printMatrix(std::ostream &os, const std::vector<double> &all, size_t base, int64_t rows,
                        int64_t cols, int64_t linesize, int64_t indent) {
  std::vector<double> v(all.begin() + static_cast<std::ptrdiff_t>(base),
                        all.begin() + static_cast<std::ptrdiff_t>(base + rows * cols));
  auto [scale, sz] = printFormat(os, v);
  printIndent(os, indent);
  int64_t perLine = (linesize - indent) / (sz + 1);
  int64_t first = 0, last = -1;
  while (first < cols) {
    last = first + perLine <= cols ? first + perLine - 1 : cols - 1;
    if (perLine < cols) {
      if (first != 0)
        os << '\n';
      os << "Columns " << first + 1 << " to " << last + 1;
      printIndent(os, indent);
    }
    if (scale != 1) {
      printScale(os, scale);
      printIndent(os, indent);
    }
    for (int64_t l = 0; l < rows; ++l) {
      for (int64_t c = first; c < last + 1; ++c) {
        os << std::setw(sz) << v[static_cast<size_t>(l * cols + c)] / scale;
        if (c == last) {
          os << '\n';
          if (l != rows - 1) {
            printIndent(os, indent);
            if (scale != 1)
              os << ' ';
          }
        } else {
          os << ' ';
        }
      }
    }
    first = last + 1;
  }
}

std::string formatTensorData(const Tensor &t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i)
    v[static_cast<size_t>(i)] = elementAsDouble(t, i);
  std::ostringstream os;
  const auto &sizes = t.sizes();
  if (sizes.size() == 1) {
    if (!v.empty()) {
      auto [scale, sz] = printFormat(os, v);
      if (scale != 1)
        printScale(os, scale);
      for (double x : v)
        os << std::setw(sz) << x / scale << '\n';
    }
  } else if (sizes.size() == 2) {
    if (!v.empty())
      printMatrix(os, v, 0, sizes[0], sizes[1], 80, 0);
  } else if (!v.empty()) {
    // at::print's __printTensor: one matrix per index of the leading dimensions.
    // torch advances the first leading index fastest.
    size_t lead = sizes.size() - 2;
    std::vector<int64_t> counter(lead, 0);
    int64_t rows = sizes[lead], cols = sizes[lead + 1];
    for (bool start = true;; start = false) {
      if (!start)
        os << '\n';
      os << '(';
      size_t base = 0;
      for (size_t i = 0; i < lead; ++i) {
        os << counter[i] + 1 << ',';
        base = base * static_cast<size_t>(sizes[i]) + static_cast<size_t>(counter[i]);
      }
      os << ".,.) = \n";
      printMatrix(os, v, base * static_cast<size_t>(rows * cols), rows, cols, 80, 1);
      size_t i = 0;
      for (; i < lead; ++i) {
        if (++counter[i] < sizes[i])
          break;
        counter[i] = 0;
      }
      if (i == lead)
        break;
    }
  }
  os << "[ " << cpuTypeString(t.dtype()) << '{';
  for (size_t i = 0; i < sizes.size(); ++i)
    os << (i ? "," : "") << sizes[i];
  os << "} ]";
  std::string s = os.str();
  for (char &c : s)
    if (c == '\n')
      c = ' ';
  return s;
}

std::string formatTensor(const Tensor &t) {
  if (!t.defined() || !t.storage())
    return "<Tensor>";
  int64_t n = t.numel();
  if (n == 1) {
    // torch prints one-element tensors like the scalar they usually box.
    std::ostringstream os;
    os << '{';
    ScalarType d = t.dtype();
    if (d == ScalarType::ComplexFloat || d == ScalarType::ComplexDouble) {
      std::complex<double> c = complexAt(t, 0);
      os << '(' << c.real() << ',' << c.imag() << ')';
    } else if (isFloatingType(d)) {
      os << t.doubleAt(0);
    } else {
      os << t.intAt(0);
    }
    os << '}';
    return os.str();
  }
  if (n <= 10 && t.dtype() != ScalarType::ComplexHalf)
    return formatTensorData(t);
  return "<Tensor>";
}

} // namespace detail

namespace {

template <typename T, typename F> std::string joinList(const std::vector<T> &v, F f) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i)
      out += ", ";
    out += f(v[i]);
  }
  return out + "]";
}

} // namespace

std::string printAttributeValue(const AttributeValue &v) {
  using namespace detail;
  switch (v.kind()) {
  case AttributeKind::Int:
    return std::to_string(v.get<int64_t>());
  case AttributeKind::Float:
    return detail::formatDouble(v.get<double>());
  case AttributeKind::Complex:
    return formatComplex(v.get<std::complex<double>>());
  case AttributeKind::String: {
    std::string out;
    appendQuoted(out, v.get<std::string>());
    return out;
  }
  case AttributeKind::Tensor:
    return formatTensor(v.get<Tensor>());
  case AttributeKind::Graph:
    return "<Graph>";
  case AttributeKind::Type:
    return v.get<TypePtr>()->str();
  case AttributeKind::Ints:
    return joinList(v.get<std::vector<int64_t>>(), [](int64_t i) { return std::to_string(i); });
  case AttributeKind::Floats:
    return joinList(v.get<std::vector<double>>(), detail::formatDouble);
  case AttributeKind::Bools:
    return joinList(v.get<std::vector<bool>>(),
                    [](bool b) { return std::string(b ? "True" : "False"); });
  case AttributeKind::Strings:
    return joinList(v.get<std::vector<std::string>>(), [](const std::string &s) {
      std::string out;
      appendQuoted(out, s);
      return out;
    });
  case AttributeKind::Tensors:
    return "[<Tensors>]";
  case AttributeKind::Types:
    return joinList(v.get<std::vector<TypePtr>>(), [](const TypePtr &t) { return t->str(); });
  case AttributeKind::Literal:
    return v.get<Literal>().text;
  }
  return "";
}

namespace {

const Symbol kSubgraph = Symbol::attr("Subgraph");

class Printer {
public:
  explicit Printer(const PrintOptions &opts) : opts_(opts) {}

  void graph(std::string &out, const Graph &g) {
    out += "graph(";
    valuesWithTypes(out, g.inputs(), ",\n      ");
    out += "):\n";
    for (const Node *n : g.block()->nodes())
      node(out, *n, 2, true);
    out += "  return (";
    valueRefs(out, g.outputs());
    out += ")\n";
    // Fusion groups, forks and other nodes with a subgraph print it after the return.
    for (size_t i = 0; i < groups_.size(); ++i) {
      const Node *fg = groups_[i];
      out += fmt::format("with {}_{} = ", fg->kind().qualString(), i);
      Printer sub(opts_);
      sub.graph(out, *fg->attribute(kSubgraph)->get<std::shared_ptr<Graph>>());
    }
  }

  void node(std::string &out, const Node &n, int indent, bool useGroups) {
    out.append(static_cast<size_t>(indent), ' ');
    valuesWithTypes(out, n.outputs(), ", ");
    out += " = ";
    const AttributeValue *sub = n.attribute(kSubgraph);
    if (useGroups && sub && sub->kind() == AttributeKind::Graph &&
        sub->get<std::shared_ptr<Graph>>()) {
      out += fmt::format("{}_{}", n.kind().qualString(), groups_.size());
      static const Symbol kDifferentiableGraph =
          Symbol::fromQualString("prim::DifferentiableGraph");
      if (n.attributes().size() > 1 && n.kind() != kDifferentiableGraph)
        attributes(out, n, true);
      groups_.push_back(&n);
    } else {
      out += n.kind().qualString();
      if (n.hasAttributes())
        attributes(out, n, false);
    }
    out += '(';
    valueRefs(out, n.inputs());
    out += ')';
    if (!n.scopeName().empty())
      out += ", scope: " + n.scopeName();
    if (opts_.sourceLocations && n.sourceLocation().valid())
      out += " # " + n.sourceLocation().str();
    out += '\n';
    for (size_t i = 0; i < n.blocks().size(); ++i) {
      const Block *b = n.blocks()[i];
      out.append(static_cast<size_t>(indent + 2), ' ');
      out += fmt::format("block{}(", i);
      valuesWithTypes(out, b->inputs(), ", ");
      out += "):\n";
      for (const Node *inner : b->nodes())
        node(out, *inner, indent + 4, useGroups);
      out.append(static_cast<size_t>(indent + 4), ' ');
      out += "-> (";
      valueRefs(out, b->outputs());
      out += ")\n";
    }
  }

private:
  static void valuesWithTypes(std::string &out, const std::vector<Value *> &vs,
                              std::string_view delim) {
    for (size_t i = 0; i < vs.size(); ++i) {
      if (i)
        out += delim;
      out += '%';
      out += vs[i]->debugName();
      out += " : ";
      out += vs[i]->type() ? vs[i]->type()->str() : "<null>";
    }
  }

  static void valueRefs(std::string &out, const std::vector<Value *> &vs) {
    for (size_t i = 0; i < vs.size(); ++i) {
      if (i)
        out += ", ";
      out += '%';
      out += vs[i]->debugName();
    }
  }

  static void attributes(std::string &out, const Node &n, bool skipSubgraph) {
    out += '[';
    size_t printed = 0;
    for (const auto &[name, value] : n.attributes()) {
      if (skipSubgraph && name == kSubgraph)
        continue;
      if (printed++)
        out += ", ";
      out += name.name();
      out += '=';
      out += printAttributeValue(value);
    }
    out += ']';
  }

  const PrintOptions &opts_;
  std::vector<const Node *> groups_;
};

} // namespace

std::string printGraph(const Graph &g, const PrintOptions &opts) {
  std::string out;
  Printer(opts).graph(out, g);
  return out;
}

void printGraph(std::ostream &os, const Graph &g, const PrintOptions &opts) {
  os << printGraph(g, opts);
}

std::string printNode(const Node &n, int indent, const PrintOptions &opts) {
  std::string out;
  Printer(opts).node(out, n, indent, false);
  return out;
}

std::string formatDouble(double d) { return detail::formatDouble(d); }

std::string quoteString(std::string_view s) {
  std::string out;
  detail::appendQuoted(out, s);
  return out;
}

} // namespace ts2onnx::ir
