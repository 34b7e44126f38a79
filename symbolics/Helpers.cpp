#include "symbolics/Helpers.h"

#include <fmt/format.h>

#include "ir/Status.h"
#include "semantics/Promotion.h"

namespace ts2onnx::symbolics {

absl::StatusOr<ir::Value *> asTensor(SymbolicContext &ctx, size_t i,
                                     std::optional<ir::ScalarType> like) {
  ir::Value *v = ctx.input(i);
  const ir::Type &t = *v->type();
  if (v->node()->kind() == ir::prim::Constant && !t.isTensor()) {
    if (t.is(ir::TypeKind::Int) || t.is(ir::TypeKind::Bool)) {
      int64_t x = *ctx.constInt(i);
      ir::ScalarType dt =
          like.value_or(t.is(ir::TypeKind::Bool) ? ir::ScalarType::Bool : ir::ScalarType::Int64);
      if (ir::isFloatingType(dt))
        return ctx.b.floatScalar(double(x), dt);
      if (dt == ir::ScalarType::Bool)
        return ctx.b.boolScalar(x != 0);
      ir::Value *c = ctx.b.int64Scalar(x);
      return dt == ir::ScalarType::Int64 ? c : ctx.b.cast(c, dt);
    }
    if (t.is(ir::TypeKind::Float)) {
      double x = *ctx.constFloat(i);
      ir::ScalarType dt = like && ir::isFloatingType(*like) ? *like : ir::ScalarType::Float32;
      return ctx.b.floatScalar(x, dt);
    }
    return ctx.unsupported("a constant of type " + t.str() + " as a tensor");
  }
  if (like) {
    auto have = OnnxBuilder::dtypeOf(v);
    if (have && *have != *like) {
      // A 0-d constant is remade in the wanted dtype rather than cast at run time.
      const ir::AttributeValue *a =
          v->node()->kind() == ir::prim::Constant ? v->node()->attribute(ir::attr::value) : nullptr;
      const ir::Tensor *ct = a ? a->getIf<ir::Tensor>() : nullptr;
      if (ct && ct->dim() == 0 && ct->storage() && *like != ir::ScalarType::Float16 &&
          *like != ir::ScalarType::BFloat16)
        return ctx.b.scalarOf(ct->doubleAt(0), *like);
      return ctx.b.cast(v, *like);
    }
  }
  return v;
}

absl::StatusOr<ir::Value *> intScalar(SymbolicContext &ctx, size_t i) {
  if (auto c = ctx.constInt(i))
    return ctx.b.int64Scalar(*c);
  ir::Value *v = ctx.input(i);
  if (!v->type()->isTensor() && !v->type()->is(ir::TypeKind::Int))
    return ctx.unsupported("an int argument of type " + v->type()->str());
  auto dt = OnnxBuilder::dtypeOf(v);
  if (dt && *dt != ir::ScalarType::Int64)
    return ctx.b.cast(v, ir::ScalarType::Int64);
  return v;
}

absl::StatusOr<ir::Value *> intList(SymbolicContext &ctx, size_t i, bool minusOneKeeps) {
  auto fix = [&](std::vector<int64_t> xs) {
    if (minusOneKeeps)
      for (int64_t &x : xs)
        x = x == -1 ? 1 : x;
    return xs;
  };
  if (auto c = ctx.constInts(i))
    return ctx.b.int64s(fix(*c));
  ir::Value *v = ctx.input(i);
  if (v->node()->kind() == ir::prim::ListConstruct) {
    std::vector<ir::Value *> parts;
    std::vector<int64_t> run;
    auto flush = [&] {
      if (!run.empty())
        parts.push_back(ctx.b.int64s(fix(run)));
      run.clear();
    };
    for (ir::Value *e : v->node()->inputs()) {
      const ir::Node *n = e->node();
      const ir::AttributeValue *a =
          n->kind() == ir::prim::Constant ? n->attribute(ir::attr::value) : nullptr;
      if (const int64_t *x = a ? a->getIf<int64_t>() : nullptr) {
        run.push_back(*x);
        continue;
      }
      if (auto xs = OnnxBuilder::constInt64s(e); xs && xs->size() == 1) {
        run.push_back((*xs)[0]);
        continue;
      }
      flush();
      if (!e->type()->isTensor())
        return ctx.unsupported("a list element of type " + e->type()->str());
      ir::Value *t = e;
      if (auto dt = OnnxBuilder::dtypeOf(t); dt && *dt != ir::ScalarType::Int64)
        t = ctx.b.cast(t, ir::ScalarType::Int64);
      auto r = OnnxBuilder::rankOf(t);
      parts.push_back(r && *r == 1 ? t : ctx.b.unsqueeze(t, {0}));
    }
    flush();
    if (parts.empty())
      return ctx.b.int64s({});
    return ctx.b.concat(parts, 0);
  }
  if (v->type()->isTensor()) {
    if (auto xs = OnnxBuilder::constInt64s(v))
      return ctx.b.int64s(fix(*xs));
    return v;
  }
  if (isSequence(v) && ctx.b.opset() >= 11) {
    // A list built at run time (appends in a loop): its 0-d elements stacked, as int64.
    ir::Value *t =
        ctx.b.op("ConcatFromSequence", {v}, {OnnxAttr::i("axis", 0), OnnxAttr::i("new_axis", 1)});
    const ir::Type &e = *v->type()->elementType();
    std::optional<ir::ScalarType> dt;
    if (e.isTensor())
      dt = e.tensorInfo().dtype;
    OnnxBuilder::setTensorType(t, dt, std::vector<ir::Dim>{ir::Dim::unknown()});
    if (!dt || *dt != ir::ScalarType::Int64)
      t = ctx.b.cast(t, ir::ScalarType::Int64);
    return t;
  }
  return ctx.unsupported("an int[] argument of type " + v->type()->str());
}

int64_t normalizeDim(int64_t dim, std::optional<int64_t> rank) {
  return dim < 0 && rank ? dim + *rank : dim;
}

absl::StatusOr<int64_t> requireDim(SymbolicContext &ctx, int64_t dim, std::optional<int64_t> rank) {
  if (dim >= 0)
    return dim;
  if (!rank)
    return ctx.unsupported(fmt::format("dim {} of a tensor of unknown rank", dim));
  return dim + *rank;
}

absl::StatusOr<std::optional<ir::ScalarType>> dtypeArg(SymbolicContext &ctx, size_t i) {
  if (i >= ctx.numInputs() || ctx.isNone(i))
    return std::optional<ir::ScalarType>();
  auto c = ctx.constInt(i);
  if (!c || *c < 0 || *c >= ir::kNumScalarTypes)
    return ctx.unsupported("a non-constant dtype");
  return std::optional<ir::ScalarType>(static_cast<ir::ScalarType>(*c));
}

Promotion promoteInputs(SymbolicContext &ctx, const std::vector<size_t> &inputs) {
  // torch's result_type (semantics/Promotion.h); a tensor of unknown dtype counts as float32.
  semantics::ResultType r;
  for (size_t i : inputs) {
    const ir::Value *v = ctx.input(i);
    const ir::Type &t = *v->type();
    if (t.isTensor()) {
      auto dt = t.tensorInfo().dtype;
      auto rank = OnnxBuilder::rankOf(v);
      r.add(rank && *rank == 0 ? semantics::OperandKind::ZeroDim
                               : semantics::OperandKind::Dimensioned,
            dt.value_or(ir::ScalarType::Float32), !dt);
    } else if (t.is(ir::TypeKind::Float)) {
      r.add(semantics::OperandKind::Number, ir::ScalarType::Float64);
    } else if (t.is(ir::TypeKind::Int)) {
      r.add(semantics::OperandKind::Number, ir::ScalarType::Int64);
    } else if (t.is(ir::TypeKind::Bool)) {
      r.add(semantics::OperandKind::Number, ir::ScalarType::Bool);
    } else if (t.is(ir::TypeKind::Number)) {
      r.add(semantics::OperandKind::Number, ctx.constInt(i) && !ctx.constFloat(i)
                                                ? ir::ScalarType::Int64
                                                : ir::ScalarType::Float64);
    }
  }
  return Promotion{r.result(), r.assumed()};
}

absl::StatusOr<std::vector<ir::Value *>>
promotedOperands(SymbolicContext &ctx, const std::vector<size_t> &inputs, Promotion *promotion) {
  Promotion p = promoteInputs(ctx, inputs);
  if (promotion)
    *promotion = p;
  std::vector<ir::Value *> out;
  for (size_t i : inputs) {
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * v, asTensor(ctx, i, p.dtype));
    out.push_back(v);
  }
  return out;
}

ir::Value *tensorList(OnnxBuilder &b, const std::vector<ir::Value *> &elems) {
  ir::Node *n = b.graph().insert(ir::prim::ListConstruct, elems, 1);
  n->output()->setType(ir::Type::list(ir::Type::tensor()));
  return n->output();
}

bool isSequence(const ir::Value *v) {
  return v->type()->is(ir::TypeKind::List) && v->node()->kind() != ir::prim::ListConstruct &&
         v->node()->kind() != ir::prim::Constant;
}

void addAll(SymbolicRegistry &r, std::initializer_list<const char *> ops, int opset,
            const SymbolicFn &fn) {
  for (const char *op : ops)
    r.add(op, opset, fn);
}

} // namespace ts2onnx::symbolics
