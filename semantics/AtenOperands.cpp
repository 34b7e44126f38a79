#include "semantics/AtenOperands.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace ts2onnx::semantics {

using ir::Dim;
using ir::ScalarType;

Info infoOf(const ir::Value *v) {
  if (!v->type()->isTensor())
    return {};
  const ir::TensorInfo &t = v->type()->tensorInfo();
  return {t.dtype, t.sizes};
}

bool isNone(const ir::Value *v) { return v->type()->is(ir::TypeKind::None); }

Dim dimOfInt(const ir::Value *v) {
  if (auto i = ir::constantInt(v))
    return Dim::known(*i);
  const ir::Node *n = v->node();
  std::string_view k = n->kind().qualString();
  if ((k == "aten::Int" || k == "prim::NumToTensor" || k == "aten::ScalarImplicit") &&
      n->inputs().size() == 1)
    return dimOfInt(n->input(0));
  auto sizeDim = [](const ir::Value *t, std::optional<int64_t> d) -> Dim {
    Info in = infoOf(t);
    if (!in.sizes || !d)
      return Dim::unknown();
    int64_t r = int64_t(in.sizes->size());
    int64_t i = *d < 0 ? *d + r : *d;
    return i >= 0 && i < r ? (*in.sizes)[size_t(i)] : Dim::unknown();
  };
  if (k == "aten::size" && n->inputs().size() == 2)
    return sizeDim(n->input(0), ir::constantInt(n->input(1)));
  // An element of an int list whose elements are known as dims (`x.size()[i]`, `list(...)[i]`).
  if (k == "aten::__getitem__" && n->inputs().size() == 2 &&
      n->input(0)->type()->is(ir::TypeKind::List))
    if (auto dims = dimsOfList(n->input(0)))
      if (auto i = axis(ir::constantInt(n->input(1)), dims->size()))
        return (*dims)[*i];
  return Dim::unknown();
}

std::optional<Dims> dimsOfList(const ir::Value *v) {
  if (const ir::AttributeValue *a = ir::constantValue(v))
    if (const auto *is = a->getIf<std::vector<int64_t>>()) {
      Dims out;
      for (int64_t i : *is)
        out.push_back(Dim::known(i));
      return out;
    }
  const ir::Node *n = v->node();
  if (n->kind() == ir::prim::ListConstruct) {
    Dims out;
    for (const ir::Value *e : n->inputs())
      out.push_back(dimOfInt(e));
    return out;
  }
  std::string_view k = n->kind().qualString();
  if (k == "aten::size" && n->inputs().size() == 1)
    return infoOf(n->input(0)).sizes;
  // List copies, concatenations and slices of int lists (the detection transform's batch shape
  // `[len(images)] + max_size`, with max_size's elements written as `l[:1] + [v] + l[2:]`).
  if (k == "aten::list" && n->inputs().size() == 1 && n->input(0)->type()->is(ir::TypeKind::List))
    return dimsOfList(n->input(0));
  if (k == "aten::add" && n->inputs().size() == 2 && v->type()->is(ir::TypeKind::List)) {
    auto a = dimsOfList(n->input(0)), b = dimsOfList(n->input(1));
    if (!a || !b)
      return std::nullopt;
    a->insert(a->end(), b->begin(), b->end());
    return a;
  }
  if (k == "aten::slice" && n->inputs().size() == 4 && v->type()->is(ir::TypeKind::List)) {
    auto whole = dimsOfList(n->input(0));
    auto start = isNone(n->input(1)) ? std::optional<int64_t>(0) : ir::constantInt(n->input(1));
    auto end =
        isNone(n->input(2)) ? std::optional<int64_t>(INT64_MAX) : ir::constantInt(n->input(2));
    auto step = ir::constantInt(n->input(3));
    if (!whole || !start || !end || !step || *step <= 0)
      return std::nullopt;
    // Python's slice of a list with a positive step.
    const int64_t size = int64_t(whole->size());
    Dims out;
    for (int64_t i = sliceBound(*start, size); i < sliceBound(*end, size); i += *step)
      out.push_back((*whole)[size_t(i)]);
    return out;
  }
  if (v->type()->is(ir::TypeKind::Int)) // an int where int[] is expected (`kernel_size=3`)
    return Dims{dimOfInt(v)};
  return std::nullopt;
}

std::optional<std::vector<int64_t>> intsOfList(const ir::Value *v) {
  if (const ir::AttributeValue *a = ir::constantValue(v))
    if (const auto *is = a->getIf<std::vector<int64_t>>())
      return *is;
  if (auto i = ir::constantInt(v))
    return std::vector<int64_t>{*i};
  const ir::Node *n = v->node();
  if (n->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  std::vector<int64_t> out;
  for (const ir::Value *e : n->inputs()) {
    auto i = ir::constantInt(e);
    if (!i)
      return std::nullopt;
    out.push_back(*i);
  }
  return out;
}

int64_t sliceBound(int64_t i, int64_t size) {
  return std::min(std::max(i < 0 ? i + size : i, int64_t(0)), size);
}

Info joinInfo(const Info &a, const Info &b) {
  Info out;
  if (a.dtype == b.dtype)
    out.dtype = a.dtype;
  if (a.sizes && b.sizes && a.sizes->size() == b.sizes->size()) {
    Dims d;
    for (size_t i = 0; i < a.sizes->size(); ++i)
      d.push_back((*a.sizes)[i] == (*b.sizes)[i] ? (*a.sizes)[i] : ir::Dim::unknown());
    out.sizes = d;
  }
  return out;
}

std::optional<size_t> axis(std::optional<int64_t> d, size_t r) {
  if (!d)
    return std::nullopt;
  int64_t i = *d < 0 ? *d + int64_t(r) : *d;
  if (i < 0 || i >= int64_t(r))
    return std::nullopt;
  return size_t(i);
}
std::optional<ScalarType> dtypeArg(const ir::Value *v) {
  if (auto i = ir::constantInt(v))
    if (*i >= 0 && *i < ir::kNumScalarTypes)
      return static_cast<ScalarType>(*i);
  return std::nullopt;
}

void setResult(ir::Value *v, std::optional<ScalarType> dtype, std::optional<Dims> sizes) {
  if (!v->type()->isTensor())
    return;
  ir::TensorInfo info = v->type()->tensorInfo();
  bool changed = false;
  if (dtype && info.dtype != dtype) {
    info.dtype = dtype;
    changed = true;
  }
  if (sizes && info.sizes != sizes) {
    info.sizes = std::move(sizes);
    info.strides.reset();
    changed = true;
  }
  if (changed)
    v->setType(ir::Type::tensor(std::move(info)));
}

void setResult(ir::Value *v, const Info &i) { setResult(v, i.dtype, i.sizes); }

void addTensorOperand(ResultType &r, const ir::Value *v) {
  Info in = infoOf(v);
  if (!in.dtype)
    return r.addUnknown();
  r.add(in.sizes && in.sizes->empty() ? OperandKind::ZeroDim : OperandKind::Dimensioned, *in.dtype);
}

void addOperand(ResultType &r, const ir::Value *v) {
  if (v->type()->isTensor())
    return addTensorOperand(r, v);
  switch (v->type()->kind()) {
  case ir::TypeKind::Int:
    return r.add(OperandKind::Number, ScalarType::Int64);
  case ir::TypeKind::Float:
    return r.add(OperandKind::Number, ScalarType::Float64);
  case ir::TypeKind::Bool:
    return r.add(OperandKind::Number, ScalarType::Bool);
  default:
    return r.addUnknown();
  }
}

} // namespace ts2onnx::semantics
