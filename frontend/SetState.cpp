#include "frontend/SetState.h"

#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "ir/Graph.h"
#include "ir/Status.h"

namespace ts2onnx::frontend {
namespace {

bool isPrepackOp(std::string_view k) {
  return k.rfind("quantized::", 0) == 0 && k.size() > 8 &&
         (k.substr(k.size() - 8) == "_prepack" || k.find("_prepack_") != std::string_view::npos);
}

/// Python's `==` on the values `__setstate__` compares (strings, numbers, bools, None).
std::optional<bool> equal(const IValue &a, const IValue &b) {
  if (a.isNone() || b.isNone())
    return a.isNone() && b.isNone();
  if (a.isString() && b.isString())
    return a.toStringRef() == b.toStringRef();
  bool aNum = a.isInt() || a.isBool() || a.isDouble();
  bool bNum = b.isInt() || b.isBool() || b.isDouble();
  if (aNum && bNum) {
    if (a.isDouble() || b.isDouble())
      return a.toDouble() == b.toDouble();
    return a.toInt() == b.toInt();
  }
  return std::nullopt;
}

class Interpreter {
public:
  Interpreter(const Object &o, std::string_view where) : object_(o), where_(where) {}

  absl::StatusOr<std::shared_ptr<Object>> run(const ir::Graph &g) {
    if (g.inputs().size() != 2)
      return absl::InvalidArgumentError(
          fmt::format("{}: __setstate__ takes {} arguments, expected self and the state", where_,
                      g.inputs().size()));
    self_ = g.inputs()[0];
    env_[g.inputs()[1]] = object_.state;
    TS2ONNX_RETURN_IF_ERROR(block(*g.block()));
    auto out = std::make_shared<Object>();
    out->className = object_.className;
    out->built = true;
    out->attributes = std::move(attrs_);
    return out;
  }

private:
  absl::Status fail(const ir::Node &n, std::string_view why) const {
    std::string at = n.sourceLocation().valid() ? n.sourceLocation().str() + ": " : std::string();
    return absl::UnimplementedError(
        fmt::format("{}restoring {} with its __setstate__: {}", at, object_.className, why));
  }

  absl::StatusOr<IValue> get(const ir::Node &n, const ir::Value *v) const {
    auto it = env_.find(v);
    if (it == env_.end())
      return fail(
          n, fmt::format("{} reads a value this restorer does not model", n.kind().qualString()));
    return it->second;
  }

  absl::StatusOr<int64_t> index(const ir::Node &n, const IValue &i, size_t size) const {
    if (!i.isInt())
      return fail(n, "an index that is not an int");
    int64_t k = i.toInt() < 0 ? i.toInt() + int64_t(size) : i.toInt();
    if (k < 0 || k >= int64_t(size))
      return fail(n, fmt::format("index {} out of range for {} elements", i.toInt(), size));
    return k;
  }

  static const std::vector<IValue> *elements(const IValue &v) {
    if (v.isTuple())
      return &v.toTuple().elements;
    if (v.isList())
      return &v.toList().elements;
    return nullptr;
  }

  absl::Status block(const ir::Block &b) {
    for (const ir::Node *n : b.nodes())
      TS2ONNX_RETURN_IF_ERROR(node(*n));
    return absl::OkStatus();
  }

  absl::Status node(const ir::Node &n) {
    std::string_view k = n.kind().qualString();
    auto out = [&](IValue v) { env_[n.output()] = std::move(v); };
    if (n.kind() == ir::prim::Constant) {
      const ir::AttributeValue *a = ir::constantValue(n.output());
      if (!a) {
        out(IValue());
      } else if (auto *i = a->getIf<int64_t>()) {
        out(n.output()->type()->is(ir::TypeKind::Bool) ? IValue::fromBool(*i != 0)
                                                       : IValue::fromInt(*i));
      } else if (auto *d = a->getIf<double>()) {
        out(IValue::fromDouble(*d));
      } else if (auto *s = a->getIf<std::string>()) {
        out(IValue::fromString(*s));
      } else if (auto *is = a->getIf<std::vector<int64_t>>()) {
        auto l = std::make_shared<List>();
        for (int64_t x : *is)
          l->elements.push_back(IValue::fromInt(x));
        out(IValue::fromList(std::move(l)));
      } else {
        return fail(n, "a constant of a kind this restorer does not model");
      }
      return absl::OkStatus();
    }
    if (n.kind() == ir::prim::SetAttr && n.input(0) == self_) {
      TS2ONNX_ASSIGN_OR_RETURN(IValue v, get(n, n.input(1)));
      const std::string &name = n.s(ir::attr::name);
      for (auto &[key, value] : attrs_)
        if (key == name) {
          value = std::move(v);
          return absl::OkStatus();
        }
      attrs_.emplace_back(name, std::move(v));
      return absl::OkStatus();
    }
    if (n.kind() == ir::prim::GetAttr && n.input(0) == self_) {
      const std::string &name = n.s(ir::attr::name);
      for (const auto &[key, value] : attrs_)
        if (key == name) {
          out(value);
          return absl::OkStatus();
        }
      return fail(n, fmt::format("reads attribute '{}' before assigning it", name));
    }
    if (n.kind() == ir::prim::TupleIndex || k == "aten::__getitem__") {
      TS2ONNX_ASSIGN_OR_RETURN(IValue seq, get(n, n.input(0)));
      TS2ONNX_ASSIGN_OR_RETURN(IValue i, get(n, n.input(1)));
      const std::vector<IValue> *e = elements(seq);
      if (!e)
        return fail(n, fmt::format("indexes a {}", seq.kindName()));
      TS2ONNX_ASSIGN_OR_RETURN(int64_t at, index(n, i, e->size()));
      out((*e)[size_t(at)]);
      return absl::OkStatus();
    }
    if (n.kind() == ir::prim::TupleUnpack || n.kind() == ir::prim::ListUnpack) {
      TS2ONNX_ASSIGN_OR_RETURN(IValue seq, get(n, n.input(0)));
      const std::vector<IValue> *e = elements(seq);
      if (!e || e->size() != n.outputs().size())
        return fail(n,
                    fmt::format("unpacks a {} into {} values", seq.kindName(), n.outputs().size()));
      for (size_t i = 0; i < e->size(); ++i)
        env_[n.output(i)] = (*e)[i];
      return absl::OkStatus();
    }
    if (n.kind() == ir::prim::TupleConstruct || n.kind() == ir::prim::ListConstruct) {
      std::vector<IValue> items;
      for (const ir::Value *in : n.inputs()) {
        TS2ONNX_ASSIGN_OR_RETURN(IValue v, get(n, in));
        items.push_back(std::move(v));
      }
      if (n.kind() == ir::prim::TupleConstruct) {
        auto t = std::make_shared<Tuple>();
        t->elements = std::move(items);
        out(IValue::fromTuple(std::move(t)));
      } else {
        auto l = std::make_shared<List>();
        l->elements = std::move(items);
        out(IValue::fromList(std::move(l)));
      }
      return absl::OkStatus();
    }
    if (n.kind() == ir::prim::If) {
      TS2ONNX_ASSIGN_OR_RETURN(IValue cond, get(n, n.input(0)));
      if (!cond.isBool())
        return fail(n, "an if whose condition is not a bool");
      const ir::Block &taken = *n.blocks()[cond.toBool() ? 0 : 1];
      TS2ONNX_RETURN_IF_ERROR(block(taken));
      for (size_t i = 0; i < n.outputs().size(); ++i) {
        TS2ONNX_ASSIGN_OR_RETURN(IValue v, get(n, taken.outputs()[i]));
        env_[n.output(i)] = std::move(v);
      }
      return absl::OkStatus();
    }
    if (k == "aten::eq" || k == "aten::ne" || k == "aten::__is__" || k == "aten::__isnot__") {
      TS2ONNX_ASSIGN_OR_RETURN(IValue a, get(n, n.input(0)));
      TS2ONNX_ASSIGN_OR_RETURN(IValue b, get(n, n.input(1)));
      std::optional<bool> same = equal(a, b);
      if (!same)
        return fail(n, fmt::format("{} of a {} and a {}", k, a.kindName(), b.kindName()));
      bool negate = k == "aten::ne" || k == "aten::__isnot__";
      out(IValue::fromBool(*same != negate));
      return absl::OkStatus();
    }
    if (k == "aten::__not__") {
      TS2ONNX_ASSIGN_OR_RETURN(IValue a, get(n, n.input(0)));
      if (!a.isBool())
        return fail(n, "`not` of a value that is not a bool");
      out(IValue::fromBool(!a.toBool()));
      return absl::OkStatus();
    }
    if (n.kind() == ir::prim::unchecked_cast || k == "prim::unchecked_unwrap_optional") {
      TS2ONNX_ASSIGN_OR_RETURN(IValue a, get(n, n.input(0)));
      out(std::move(a));
      return absl::OkStatus();
    }
    if (n.kind() == ir::prim::Uninitialized) {
      out(IValue());
      return absl::OkStatus();
    }
    if (n.kind() == ir::prim::RaiseException)
      return fail(n, "it raises an exception for this state");
    if (isPrepackOp(k)) {
      if (!n.output()->type()->is(ir::TypeKind::Class))
        return fail(n, fmt::format("{} does not return a class", k));
      auto args = std::make_shared<Tuple>();
      for (const ir::Value *in : n.inputs()) {
        TS2ONNX_ASSIGN_OR_RETURN(IValue v, get(n, in));
        args->elements.push_back(std::move(v));
      }
      auto packed = std::make_shared<Object>();
      packed->className = n.output()->type()->str();
      packed->built = true;
      packed->attributes.emplace_back(kPrepackOp, IValue::fromString(std::string(k)));
      packed->attributes.emplace_back(kPrepackArgs, IValue::fromTuple(std::move(args)));
      out(IValue::fromObject(std::move(packed)));
      return absl::OkStatus();
    }
    return fail(n, fmt::format("it calls {}, which this restorer does not model", k));
  }

  const Object &object_;
  std::string_view where_;
  const ir::Value *self_ = nullptr;
  absl::flat_hash_map<const ir::Value *, IValue> env_;
  std::vector<std::pair<std::string, IValue>> attrs_;
};

} // namespace

bool isPrepacked(const Object &o) {
  return !o.attributes.empty() && o.attributes.front().first == kPrepackOp;
}

absl::StatusOr<std::shared_ptr<Object>> restoreSetState(Compiler &compiler, const Object &o) {
  TS2ONNX_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> g,
                           compiler.compileMethod(o.className, "__setstate__"));
  return restoreSetState(*g, o);
}

absl::StatusOr<std::shared_ptr<Object>> restoreSetState(const ir::Graph &setState,
                                                        const Object &o) {
  return Interpreter(o, o.className).run(setState);
}

} // namespace ts2onnx::frontend
