// Shape rules of reshape, windowed ops, matmul, reductions and recurrent layers (ShapeFunctions.h).
#include "semantics/ShapeFunctions.h"

#include "semantics/Broadcast.h"

#include <algorithm>

namespace ts2onnx::semantics {

using ir::Dim;
using ir::ScalarType;

namespace {

/// The i-th entry of a per-spatial-dim list (a single entry applies to all).
int64_t pick(const std::vector<int64_t> &v, size_t i, int64_t dflt) {
  if (v.empty())
    return dflt;
  return v.size() == 1 ? v[0] : (i < v.size() ? v[i] : dflt);
}

} // namespace

std::optional<Product> product(const Dims &d, size_t from, size_t to) {
  Product p;
  for (size_t i = from; i < to; ++i) {
    if (d[i].isStatic())
      p.factor *= d[i].value;
    else if (d[i].isSymbolic())
      p.symbols.push_back(d[i].symbol);
    else
      return std::nullopt;
  }
  std::sort(p.symbols.begin(), p.symbols.end());
  return p;
}
Dim productDim(const Product &p) {
  if (p.symbols.empty())
    return Dim::known(p.factor);
  if (p.symbols.size() == 1 && p.factor == 1)
    return Dim::named(p.symbols[0]);
  return Dim::unknown();
}

std::optional<Dims> reshape(const std::optional<Dims> &input, const ir::Value *shapeList) {
  auto target = dimsOfList(shapeList);
  if (!target)
    return std::nullopt;
  // A constant -1 marks the inferred dim (Dim::known(-1) is not static, so look at constants).
  std::optional<size_t> inferred;
  std::vector<bool> isMinusOne(target->size(), false);
  const ir::Node *ln = shapeList->node();
  for (size_t i = 0; i < target->size(); ++i) {
    std::optional<int64_t> c;
    if (ln->kind() == ir::prim::ListConstruct)
      c = ir::constantInt(ln->input(i));
    else if (const ir::AttributeValue *a = ir::constantValue(shapeList))
      if (const auto *is = a->getIf<std::vector<int64_t>>())
        c = (*is)[i];
    if (c && *c == -1) {
      isMinusOne[i] = true;
      inferred = i;
    }
  }
  if (!inferred)
    return target;
  Dims out = *target;
  out[*inferred] = Dim::unknown();
  if (!input)
    return out;
  auto total = product(*input, 0, input->size());
  Dims others;
  for (size_t i = 0; i < out.size(); ++i)
    if (i != *inferred)
      others.push_back(out[i]);
  auto known = product(others, 0, others.size());
  if (!total || !known || known->factor == 0 || total->factor % known->factor != 0)
    return out;
  Product rest{total->factor / known->factor, {}};
  std::vector<std::string> remaining = total->symbols;
  for (const std::string &s : known->symbols) {
    auto it = std::find(remaining.begin(), remaining.end(), s);
    if (it == remaining.end())
      return out;
    remaining.erase(it);
  }
  rest.symbols = remaining;
  out[*inferred] = productDim(rest);
  return out;
}

Dim windowOut(const Dim &in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil) {
  if (!in.isStatic() || s <= 0)
    return Dim::unknown();
  int64_t num = in.value + 2 * p - d * (k - 1) - 1;
  int64_t out = (ceil ? (num + s - 1) / s : num / s) + 1;
  if (ceil && (out - 1) * s >= in.value + p)
    --out;
  return Dim::known(std::max<int64_t>(out, 0));
}

void conv(ir::Node *n, const ir::Value *strideV, const ir::Value *paddingV,
          const ir::Value *dilationV, bool transposed, const ir::Value *outPadV,
          const ir::Value *groupsV) {
  Info in = infoOf(n->input(0)), w = infoOf(n->input(1));
  if (!in.sizes || !w.sizes || in.sizes->size() != w.sizes->size() || in.sizes->size() < 3)
    return setResult(n->output(0), in.dtype, std::nullopt);
  size_t spatial = in.sizes->size() - 2;
  auto stride = intsOfList(strideV), dilation = intsOfList(dilationV);
  std::optional<std::vector<int64_t>> padding, outPad;
  bool same = false;
  if (paddingV->type()->is(ir::TypeKind::Str)) {
    const ir::AttributeValue *a = ir::constantValue(paddingV);
    const std::string *s = a ? a->getIf<std::string>() : nullptr;
    if (!s)
      return setResult(n->output(0), in.dtype, std::nullopt);
    same = *s == "same";
    padding = std::vector<int64_t>{0};
  } else {
    padding = intsOfList(paddingV);
  }
  if (outPadV)
    outPad = intsOfList(outPadV);
  else
    outPad = std::vector<int64_t>{0};
  auto groups = ir::constantInt(groupsV);
  Dims out{(*in.sizes)[0]};
  const Dim &wOut = (*w.sizes)[transposed ? 1 : 0];
  if (transposed)
    out.push_back(wOut.isStatic() && groups ? Dim::known(wOut.value * *groups) : Dim::unknown());
  else
    out.push_back(wOut);
  for (size_t i = 0; i < spatial; ++i) {
    const Dim &x = (*in.sizes)[i + 2];
    const Dim &k = (*w.sizes)[i + 2];
    if (same) {
      out.push_back(x);
      continue;
    }
    if (!stride || !padding || !dilation || !outPad || !k.isStatic() || !x.isStatic()) {
      out.push_back(Dim::unknown());
      continue;
    }
    int64_t s = pick(*stride, i, 1), p = pick(*padding, i, 0), d = pick(*dilation, i, 1);
    if (transposed)
      out.push_back(
          Dim::known((x.value - 1) * s - 2 * p + d * (k.value - 1) + pick(*outPad, i, 0) + 1));
    else
      out.push_back(windowOut(x, k.value, s, p, d, false));
  }
  setResult(n->output(0), in.dtype, out);
}

void pool(ir::Node *n, const ir::Value *kernelV, const ir::Value *strideV,
          const ir::Value *paddingV, const ir::Value *dilationV, const ir::Value *ceilV) {
  Info in = infoOf(n->input(0));
  auto kernel = intsOfList(kernelV), stride = intsOfList(strideV), padding = intsOfList(paddingV);
  std::optional<std::vector<int64_t>> dilation = std::vector<int64_t>{1};
  if (dilationV)
    dilation = intsOfList(dilationV);
  auto ceil = ir::constantInt(ceilV);
  if (!in.sizes || !kernel || kernel->empty() || in.sizes->size() < kernel->size())
    return setResult(n->output(0), in.dtype, std::nullopt);
  size_t spatial = kernel->size();
  Dims out(in.sizes->begin(), in.sizes->end() - long(spatial));
  for (size_t i = 0; i < spatial; ++i) {
    const Dim &x = (*in.sizes)[in.sizes->size() - spatial + i];
    if (!stride || !padding || !dilation || !ceil) {
      out.push_back(Dim::unknown());
      continue;
    }
    int64_t k = pick(*kernel, i, 1);
    int64_t s = stride->empty() ? k : pick(*stride, i, k);
    out.push_back(windowOut(x, k, s, pick(*padding, i, 0), pick(*dilation, i, 1), *ceil != 0));
  }
  setResult(n->output(0), in.dtype, out);
  if (n->outputs().size() == 2)
    setResult(n->output(1), ScalarType::Int64, out);
}

std::optional<Dims> indexedSizes(const Dims &self, const ir::Value *indexList) {
  if (indexList->node()->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  std::vector<std::optional<Dims>> shapes;
  size_t consumed = 0, masks = 0;
  for (const ir::Value *idx : indexList->node()->inputs()) {
    Info i = infoOf(idx);
    if (!idx->type()->isTensor() || !i.sizes || !i.dtype)
      return std::nullopt; // None (a skipped dim) or unknown
    bool mask = *i.dtype == ir::ScalarType::Bool || *i.dtype == ir::ScalarType::UInt8;
    masks += mask;
    consumed += mask ? i.sizes->size() : 1;
    shapes.push_back(i.sizes);
  }
  if (shapes.empty() || consumed > self.size() || (masks && masks != shapes.size()))
    return std::nullopt;
  Dims out;
  if (masks) {
    out.emplace_back(); // as many elements as the masks set: unknown
  } else {
    auto b = broadcastShapes(shapes);
    if (!b)
      return std::nullopt;
    out = *b;
  }
  out.insert(out.end(), self.begin() + static_cast<std::ptrdiff_t>(consumed), self.end());
  return out;
}

std::optional<Dims> matmul(const std::optional<Dims> &a, const std::optional<Dims> &b) {
  if (!a || !b || a->empty() || b->empty())
    return std::nullopt;
  if (a->size() == 1 && b->size() == 1)
    return Dims{};
  if (b->size() == 1)
    return Dims(a->begin(), a->end() - 1);
  if (a->size() == 1) {
    Dims out(b->begin(), b->end() - 2);
    out.push_back(b->back());
    return out;
  }
  auto batch = broadcastShapes({Dims(a->begin(), a->end() - 2), Dims(b->begin(), b->end() - 2)});
  if (!batch)
    return std::nullopt;
  batch->push_back((*a)[a->size() - 2]);
  batch->push_back(b->back());
  return batch;
}

void reduce(ir::Node *n) {
  Info in = infoOf(n->input(0));
  std::string_view k = n->kind().name();
  bool index = k == "argmax" || k == "argmin";
  bool boolean = k == "all" || k == "any";
  std::optional<ScalarType> dt = in.dtype;
  if (index)
    dt = ScalarType::Int64;
  if (boolean)
    dt = ScalarType::Bool;
  if ((k == "sum" || k == "prod") && dt && category(*dt) < Category::Floating)
    dt = ScalarType::Int64;
  if (n->inputs().size() == 1 || (n->inputs().size() == 2 && (k == "sum" || k == "mean"))) {
    // Full reduction (the second operand, if any, is a dtype).
    if (n->inputs().size() == 2)
      if (auto d = dtypeArg(n->input(1)))
        dt = d;
    if (n->outputs().size() == 1)
      setResult(n->output(0), dt, Dims{});
    return;
  }
  // (self, dim(s), keepdim, ...): dims are an int, an int list or None.
  const ir::Value *dimsV = n->input(1);
  std::optional<std::vector<int64_t>> dims;
  if (auto d = ir::constantInt(dimsV))
    dims = std::vector<int64_t>{*d};
  else if (!isNone(dimsV) && dimsV->type()->is(ir::TypeKind::List))
    dims = intsOfList(dimsV);
  else if (isNone(dimsV))
    dims = std::vector<int64_t>{};
  if (k == "norm" || k == "linalg_vector_norm" || k == "std" || k == "var") {
    // norm(self, p, dim, keepdim) and linalg_vector_norm(self, ord, dim, keepdim, dtype).
    if (n->inputs().size() < 4)
      return setResult(n->output(0), dt, std::nullopt);
    dimsV = n->input(2);
    dims = isNone(dimsV) ? std::optional(std::vector<int64_t>{}) : intsOfList(dimsV);
    if (auto d = ir::constantInt(dimsV))
      dims = std::vector<int64_t>{*d};
  }
  size_t keepIndex = (k == "norm" || k == "linalg_vector_norm") ? 3 : 2;
  auto keep = n->inputs().size() > keepIndex ? ir::constantInt(n->input(keepIndex)) : std::nullopt;
  if ((k == "sum" || k == "mean") && n->inputs().size() == 4)
    if (auto d = dtypeArg(n->input(3)))
      dt = d;
  if (!in.sizes || !dims || !keep) {
    for (ir::Value *o : n->outputs())
      setResult(o, o == n->output(0) ? dt : ScalarType::Int64, std::nullopt);
    return;
  }
  std::vector<bool> reduced(in.sizes->size(), dims->empty());
  for (int64_t d : *dims) {
    auto a = axis(d, in.sizes->size());
    if (!a)
      return;
    reduced[*a] = true;
  }
  Dims out;
  for (size_t i = 0; i < in.sizes->size(); ++i) {
    if (!reduced[i])
      out.push_back((*in.sizes)[i]);
    else if (*keep)
      out.push_back(Dim::known(1));
  }
  setResult(n->output(0), dt, out);
  if (n->outputs().size() == 2)
    setResult(n->output(1), ScalarType::Int64, out);
}

void recurrent(ir::Node *n) {
  // lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
  // batch_first) on a padded input, or lstm(data, batch_sizes, hx, params, has_biases,
  // num_layers, dropout, train, bidirectional) on packed data [N, features]; gru/rnn take hx as
  // a tensor rather than a list. The output's last dim is directions * H, with H w_hh's second
  // dim (the hidden size, or LSTM's proj_size); the final states are [layers * directions,
  // batch, H] (c_n: the hidden size, w_hh's first dim / 4), without batch for an unbatched input.
  if (n->inputs().size() != 9)
    return;
  const bool lstm = n->kind().name() == "lstm";
  const bool packed = !n->input(lstm ? 1 : 2)->type()->is(ir::TypeKind::List);
  const size_t hxAt = packed ? 2 : 1, paramsAt = hxAt + 1, layersAt = hxAt + 3, biAt = hxAt + 6;
  Info in = infoOf(n->input(0));
  auto bidirectional = ir::constantInt(n->input(biAt));
  auto batchFirst = packed ? std::optional<int64_t>(0) : ir::constantInt(n->input(8));
  auto layers = ir::constantInt(n->input(layersAt));
  const ir::Node *params = n->input(paramsAt)->node();
  std::optional<Dim> hidden, cellHidden;
  if (params->kind() == ir::prim::ListConstruct && params->inputs().size() >= 2) {
    Info w = infoOf(params->input(1)); // w_hh: [gates * hidden, hidden or proj_size]
    if (w.sizes && w.sizes->size() == 2) {
      hidden = (*w.sizes)[1];
      const Dim rows = (*w.sizes)[0];
      cellHidden = lstm && rows.isStatic() ? Dim::known(rows.value / 4) : Dim::unknown();
    }
  }
  const size_t rank = packed ? 2 : 3;
  const bool unbatched = !packed && in.sizes && in.sizes->size() == 2;
  if (!in.sizes || (in.sizes->size() != rank && !unbatched) || !bidirectional || !batchFirst ||
      !hidden || !layers) {
    for (ir::Value *o : n->outputs())
      setResult(o, in.dtype, std::nullopt);
    return;
  }
  int64_t dirs = *bidirectional ? 2 : 1;
  Dims y = *in.sizes;
  y.back() = hidden->isStatic() ? Dim::known(hidden->value * dirs) : Dim::unknown();
  setResult(n->output(0), in.dtype, y);
  // Packed data does not show the batch (the first batch size): the initial state does.
  Dim batch = packed ? Dim::unknown() : (*in.sizes)[*batchFirst ? 0 : 1];
  const ir::Node *hx = n->input(hxAt)->node();
  for (size_t i = 1; i < n->outputs().size(); ++i) {
    const ir::Value *initial =
        lstm && hx->kind() == ir::prim::ListConstruct && hx->inputs().size() == 2
            ? hx->input(i - 1)
            : (!lstm ? n->input(hxAt) : nullptr);
    Info h0 = initial ? infoOf(initial) : Info{};
    if (packed && h0.sizes && h0.sizes->size() == 3)
      batch = (*h0.sizes)[1];
    Dim width = i == 2 ? *cellHidden : *hidden;
    Dims state = unbatched ? Dims{Dim::known(*layers * dirs), width}
                           : Dims{Dim::known(*layers * dirs), batch, width};
    setResult(n->output(i), in.dtype, state);
  }
}
} // namespace ts2onnx::semantics
