// Linear algebra: linear, addmm/baddbmm/addmv/addbmm/addr, matmul/mm/bmm/mv/dot, outer,
// tensordot/inner, chain_matmul/multi_dot, einsum (Einsum from opset 12), cross, the vector and
// matrix norms (linalg_norm, matrix_norm), distances (cdist, pairwise_distance, dist,
// cosine_similarity), renorm, det (Det from 11), t, and triu/tril (Trilu from 14).
// Refused: inverse (ONNX has no inverse), the norms needing singular values (ord 2/-2/'nuc').
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/ops/OpHelpers.h"

namespace ts2onnx::symbolics {

namespace {

using ir::ScalarType;

bool isComplex(ScalarType t) {
  return t == ScalarType::ComplexHalf || t == ScalarType::ComplexFloat ||
         t == ScalarType::ComplexDouble;
}

Result linear(Ctx &ctx) {
  ir::Value *x = ctx.input(0), *w = ctx.input(1);
  auto rank = rankOf(x);
  if (rank && *rank == 2) {
    std::vector<ir::Value *> ins = {x, w};
    if (!ctx.isNone(2))
      ins.push_back(ctx.input(2));
    return one(ctx.b.op("Gemm", ins, {OnnxAttr::i("transB", 1)}));
  }
  ir::Value *wt = ctx.b.op("Transpose", {w}, {OnnxAttr::is("perm", {1, 0})});
  ir::Value *out = ctx.b.op("MatMul", {x, wt});
  if (!ctx.isNone(2))
    out = ctx.b.op("Add", {out, ctx.input(2)});
  return one(out);
}

Result addmm(Ctx &ctx) {
  // aten::addmm(self, mat1, mat2, beta=1, alpha=1) = beta * self + alpha * mat1 @ mat2
  auto beta = ctx.numInputs() > 3 ? ctx.constFloat(3) : std::optional<double>(1);
  auto alpha = ctx.numInputs() > 4 ? ctx.constFloat(4) : std::optional<double>(1);
  if (!beta || !alpha)
    return ctx.unsupported("non-constant alpha/beta");
  auto t = dtypeOf(ctx.input(1));
  if (t && !ir::isFloatingType(*t)) {
    // Gemm is for floats (onnxruntime has no integer kernel): MatMul, then the scaled sum.
    ir::Value *product = ctx.b.op("MatMul", {ctx.input(1), ctx.input(2)});
    if (*alpha != 1)
      product = ctx.b.op("Mul", {product, ctx.b.scalarOf(*alpha, *t)});
    ir::Value *self = ctx.input(0);
    if (*beta == 0)
      return one(product);
    if (*beta != 1)
      self = ctx.b.op("Mul", {self, ctx.b.scalarOf(*beta, *t)});
    return one(ctx.b.op("Add", {product, self}));
  }
  return one(ctx.b.op("Gemm", {ctx.input(1), ctx.input(2), ctx.input(0)},
                      {OnnxAttr::f("alpha", *alpha), OnnxAttr::f("beta", *beta)}));
}

Result baddbmm(Ctx &ctx) {
  // aten::baddbmm(self, batch1, batch2, beta=1, alpha=1) = beta * self + alpha * batch1 @ batch2
  // (what scripted F.multi_head_attention_forward uses with a mask).
  auto beta = ctx.numInputs() > 3 ? ctx.constFloat(3) : std::optional<double>(1);
  auto alpha = ctx.numInputs() > 4 ? ctx.constFloat(4) : std::optional<double>(1);
  if (!beta || !alpha)
    return ctx.unsupported("non-constant alpha/beta");
  ScalarType t = dtypeOf(ctx.input(1)).value_or(ScalarType::Float32);
  ir::Value *prod = ctx.b.op("MatMul", {ctx.input(1), ctx.input(2)});
  if (*alpha != 1)
    prod = ctx.b.op("Mul", {prod, ctx.b.scalarOf(*alpha, t)});
  if (*beta == 0)
    return one(prod);
  ir::Value *self = ctx.input(0);
  if (*beta != 1)
    self = ctx.b.op("Mul", {self, ctx.b.scalarOf(*beta, t)});
  return one(ctx.b.op("Add", {self, prod}));
}

Result matmul(Ctx &ctx) { return one(ctx.b.op("MatMul", {ctx.input(0), ctx.input(1)})); }

Result transposeLast2(Ctx &ctx) {
  // aten::t: the identity on 0-d and 1-d tensors.
  auto r = rankOf(ctx.input(0));
  if (r && *r < 2)
    return one(ctx.input(0));
  return one(ctx.b.op("Transpose", {ctx.input(0)}, {OnnxAttr::is("perm", {1, 0})}));
}

Result trilu(SymbolicContext &ctx, bool upper) {
  // aten::triu(self, diagonal=0)
  ir::Value *k = nullptr;
  if (ctx.numInputs() > 1) {
    TS2ONNX_ASSIGN_OR_RETURN(k, intScalar(ctx, 1));
  } else {
    k = ctx.b.int64Scalar(0);
  }
  return one(ctx.b.op("Trilu", {ctx.input(0), k}, {OnnxAttr::i("upper", upper ? 1 : 0)}));
}

/// beta * self + alpha * prod as torch's addmm family computes it: beta == 0 ignores self (its
/// NaNs do not propagate), alpha/beta of 1 add no Mul.
absl::StatusOr<ir::Value *> betaAlpha(Ctx &ctx, ir::Value *self, ir::Value *prod, size_t betaIdx) {
  auto beta = ctx.numInputs() > betaIdx ? ctx.constFloat(betaIdx) : std::optional<double>(1);
  auto alpha =
      ctx.numInputs() > betaIdx + 1 ? ctx.constFloat(betaIdx + 1) : std::optional<double>(1);
  if (!beta || !alpha)
    return ctx.unsupported("non-constant alpha/beta");
  ScalarType t = dtypeOf(prod).value_or(ScalarType::Float32);
  if (*alpha != 1)
    prod = ctx.b.op("Mul", {prod, ctx.b.scalarOf(*alpha, t)});
  if (*beta == 0)
    return prod;
  if (auto st = dtypeOf(self); st && *st != t)
    self = ctx.b.cast(self, t);
  if (*beta != 1)
    self = ctx.b.op("Mul", {self, ctx.b.scalarOf(*beta, t)});
  return ctx.b.op("Add", {self, prod});
}

/// MatMul, or for integer and bool dtypes (no MatMul kernel in onnxruntime below int32) the
/// same through int64.
ir::Value *matmulAny(OnnxBuilder &b, ir::Value *x, ir::Value *y) {
  auto t = dtypeOf(x);
  if (t && (*t == ScalarType::Int8 || *t == ScalarType::UInt8 || *t == ScalarType::Int16)) {
    ir::Value *out = b.op("MatMul", {b.cast(x, ScalarType::Int64), b.cast(y, ScalarType::Int64)});
    return b.cast(out, *t);
  }
  return b.op("MatMul", {x, y});
}

Result addmv(Ctx &ctx) {
  // aten::addmv(self, mat, vec, beta=1, alpha=1) = beta * self + alpha * mat @ vec
  ir::Value *prod = matmulAny(ctx.b, ctx.input(1), ctx.input(2));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, betaAlpha(ctx, ctx.input(0), prod, 3));
  return one(out);
}

Result addbmm(Ctx &ctx) {
  // aten::addbmm(self, batch1, batch2, beta=1, alpha=1) = beta * self + alpha * sum_b b1 @ b2
  ir::Value *prod = matmulAny(ctx.b, ctx.input(1), ctx.input(2));
  prod = ctx.b.reduce("ReduceSum", prod, {0}, false);
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, betaAlpha(ctx, ctx.input(0), prod, 3));
  return one(out);
}

ir::Value *outerOf(OnnxBuilder &b, ir::Value *x, ir::Value *y) {
  return b.op("Mul", {b.unsqueeze(x, {1}), y});
}

Result outer(Ctx &ctx) {
  // aten::outer / aten::ger(self, vec2): self[:, None] * vec2, in the promoted dtype.
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  if (p.dtype && *p.dtype == ScalarType::Bool)
    return one(ctx.b.op("And", {ctx.b.unsqueeze(xs[0], {1}), xs[1]}));
  return one(typed(outerOf(ctx.b, xs[0], xs[1]), p));
}

Result addr(Ctx &ctx) {
  // aten::addr(self, vec1, vec2, beta=1, alpha=1) = beta * self + alpha * outer(vec1, vec2)
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1, 2}, &p));
  if (p.dtype && *p.dtype == ScalarType::Bool)
    return ctx.unsupported("addr of bool tensors");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, betaAlpha(ctx, xs[0], outerOf(ctx.b, xs[1], xs[2]), 3));
  return one(out);
}

Result dot(Ctx &ctx) {
  // aten::dot / aten::vdot (real) / aten::mv: 1-D (or matrix-vector) MatMul; integers through
  // Mul + ReduceSum (exact, and onnxruntime's MatMul has no small-int kernels).
  ir::Value *x = ctx.input(0), *y = ctx.input(1);
  auto t = dtypeOf(x);
  if (t && (isComplex(*t)))
    return ctx.unsupported("complex inputs");
  if (t && *t == ScalarType::Bool)
    return ctx.unsupported("bool inputs");
  return one(matmulAny(ctx.b, x, y));
}

Result multiDot(Ctx &ctx) {
  // aten::chain_matmul / aten::linalg_multi_dot(Tensor[]): MatMul left to right (1-D ends are
  // MatMul's vector cases, as in torch).
  auto elems = ctx.listElements(0);
  if (!elems || elems->empty())
    return ctx.unsupported("a runtime-length or empty tensor list");
  ir::Value *out = (*elems)[0];
  if (elems->size() == 1)
    return one(out);
  for (size_t i = 1; i < elems->size(); ++i)
    out = matmulAny(ctx.b, out, (*elems)[i]);
  return one(out);
}

/// Types an Einsum's output (ONNX-level inference has no rule for it): the first input's
/// dtype, and the dims of the output subscripts where the inputs know them (an ellipsis is
/// the broadcast of the inputs' ellipsis dims).
void einsumType(ir::Value *out, const std::vector<ir::Value *> &ins, const std::string &eq) {
  auto arrow = eq.find("->");
  std::optional<std::vector<ir::Dim>> dims;
  if (arrow != std::string::npos) {
    std::map<char, ir::Dim> size;
    std::vector<ir::Dim> ell; // the broadcast of the ellipsis dims, right-aligned
    bool known = true;
    size_t start = 0;
    for (ir::Value *in : ins) {
      size_t end = eq.find_first_of(",-", start);
      std::string term = eq.substr(start, end - start);
      start = end + 1;
      auto d = OnnxBuilder::dimsOf(in);
      size_t dots = term.find("...");
      std::string letters = term;
      if (dots != std::string::npos)
        letters.erase(dots, 3);
      if (!d || d->size() < letters.size()) {
        known = false;
        continue;
      }
      size_t nEll = d->size() - letters.size();
      size_t pos = 0;
      for (size_t i = 0; i < term.size(); ++i) {
        if (dots != std::string::npos && i == dots) {
          std::vector<ir::Dim> mine(d->begin() + pos, d->begin() + pos + nEll);
          if (mine.size() > ell.size())
            ell.insert(ell.begin(), mine.size() - ell.size(), ir::Dim::known(1));
          for (size_t j = 0; j < mine.size(); ++j) {
            ir::Dim &o = ell[ell.size() - mine.size() + j];
            if (o.isStatic() && o.value == 1)
              o = mine[j];
            else if (!(mine[j].isStatic() && mine[j].value == 1) && o != mine[j])
              o = ir::Dim::unknown();
          }
          pos += nEll;
          i += 2;
          continue;
        }
        if ((*d)[pos].isStatic() && !size.count(term[i]))
          size[term[i]] = (*d)[pos];
        ++pos;
      }
    }
    if (known) {
      dims.emplace();
      for (char ch : eq.substr(arrow + 2)) {
        if (ch == '.') {
          continue;
        }
        dims->push_back(size.count(ch) ? size[ch] : ir::Dim::unknown());
      }
      size_t dots = eq.find("...", arrow);
      if (dots != std::string::npos) {
        size_t before = 0;
        for (size_t i = arrow + 2; i < dots; ++i)
          ++before;
        dims->insert(dims->begin() + long(before), ell.begin(), ell.end());
      }
    }
  }
  OnnxBuilder::setTensorType(out, dtypeOf(ins[0]), dims);
}

/// torch.tensordot: contracts dims `da` of x with dims `db` of y; the result has x's free dims,
/// then y's. Static shapes: Transpose + Reshape + MatMul + Reshape; otherwise Einsum (12).
absl::StatusOr<ir::Value *> tensordotOf(Ctx &ctx, ir::Value *x, ir::Value *y,
                                        std::vector<int64_t> da, std::vector<int64_t> db) {
  OnnxBuilder &b = ctx.b;
  auto rx = rankOf(x), ry = rankOf(y);
  if (!rx || !ry)
    return ctx.unsupported("inputs of unknown rank");
  if (da.size() != db.size())
    return ctx.error("both dim lists should have the same length");
  std::vector<bool> cx(size_t(*rx), false), cy(size_t(*ry), false);
  for (size_t i = 0; i < da.size(); ++i) {
    da[i] = da[i] < 0 ? da[i] + *rx : da[i];
    db[i] = db[i] < 0 ? db[i] + *ry : db[i];
    if (da[i] < 0 || da[i] >= *rx || db[i] < 0 || db[i] >= *ry)
      return ctx.error("dim out of range");
    cx[size_t(da[i])] = true;
    cy[size_t(db[i])] = true;
  }
  std::vector<int64_t> fx, fy;
  for (int64_t i = 0; i < *rx; ++i)
    if (!cx[size_t(i)])
      fx.push_back(i);
  for (int64_t i = 0; i < *ry; ++i)
    if (!cy[size_t(i)])
      fy.push_back(i);
  auto sx = OnnxBuilder::staticShapeOf(x), sy = OnnxBuilder::staticShapeOf(y);
  if (sx && sy) {
    int64_t m = 1, k = 1, n = 1;
    std::vector<int64_t> outShape;
    for (int64_t d : fx) {
      m *= (*sx)[size_t(d)];
      outShape.push_back((*sx)[size_t(d)]);
    }
    for (int64_t d : da)
      k *= (*sx)[size_t(d)];
    for (int64_t d : fy) {
      n *= (*sy)[size_t(d)];
      outShape.push_back((*sy)[size_t(d)]);
    }
    std::vector<int64_t> px = fx, py = db;
    px.insert(px.end(), da.begin(), da.end());
    py.insert(py.end(), fy.begin(), fy.end());
    ir::Value *xt = b.op("Transpose", {x}, {OnnxAttr::is("perm", px)});
    ir::Value *yt = b.op("Transpose", {y}, {OnnxAttr::is("perm", py)});
    xt = b.op("Reshape", {xt, b.int64s({m, k})});
    yt = b.op("Reshape", {yt, b.int64s({k, n})});
    ir::Value *out = matmulAny(b, xt, yt);
    return b.op("Reshape", {out, b.int64s(outShape)});
  }
  if (b.opset() < 12)
    return ctx.unsupported("tensordot of dynamic shapes below opset 12 (Einsum)");
  std::string ex(size_t(*rx), ' '), ey(size_t(*ry), ' '), eo;
  char next = 'a';
  for (size_t i = 0; i < da.size(); ++i) {
    ex[size_t(da[i])] = next;
    ey[size_t(db[i])] = next;
    ++next;
  }
  for (int64_t d : fx) {
    ex[size_t(d)] = next;
    eo += next++;
  }
  for (int64_t d : fy) {
    ey[size_t(d)] = next;
    eo += next++;
  }
  if (next > 'z')
    return ctx.unsupported("tensordot of more than 26 dims");
  ir::Value *out = b.op("Einsum", {x, y}, {OnnxAttr::s("equation", ex + "," + ey + "->" + eo)});
  einsumType(out, {x, y}, ex + "," + ey + "->" + eo);
  return out;
}

Result tensordot(Ctx &ctx) {
  // aten::tensordot(self, other, dims_self, dims_other)
  auto da = ctx.constInts(2), db = ctx.constInts(3);
  if (!da || !db)
    return ctx.unsupported("non-constant dims");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, tensordotOf(ctx, ctx.input(0), ctx.input(1), *da, *db));
  return one(out);
}

Result inner(Ctx &ctx) {
  // aten::inner(self, other): a product over the last dims; 0-d operands multiply.
  auto rx = rankOf(ctx.input(0)), ry = rankOf(ctx.input(1));
  if (!rx || !ry)
    return ctx.unsupported("inputs of unknown rank");
  if (*rx == 0 || *ry == 0) {
    Promotion p;
    TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
    return one(typed(ctx.b.op("Mul", {xs[0], xs[1]}), p));
  }
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out,
                           tensordotOf(ctx, ctx.input(0), ctx.input(1), {-1}, {-1}));
  return one(out);
}

Result einsum(Ctx &ctx) {
  // aten::einsum(equation, tensors, path=None): ONNX Einsum (12) with the equation without
  // spaces.
  auto eq = ctx.constString(0);
  if (!eq)
    return ctx.unsupported("a non-constant equation");
  auto elems = ctx.listElements(1);
  if (!elems)
    return ctx.unsupported("a runtime-length tensor list");
  std::string e;
  for (char ch : *eq)
    if (ch != ' ')
      e += ch;
  auto isLetter = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); };
  if (e.find("->") == std::string::npos) {
    // torch's implicit output: the subscripts that appear once, in label order (upper case
    // before lower case, as ASCII orders them; ellipsis first).
    std::map<char, int> count;
    for (char ch : e)
      if (isLetter(ch))
        ++count[ch];
    std::string out = e.find("...") != std::string::npos ? "..." : "";
    for (auto [ch, n] : count)
      if (n == 1)
        out += ch;
    e += "->" + out;
  }
  // ONNX Einsum takes lower-case subscripts: upper-case ones (maxvit's "bhij,hjk") are renamed
  // to lower-case letters the equation does not use, once the output is explicit.
  std::set<char> used(e.begin(), e.end());
  std::map<char, char> rename;
  char next = 'a';
  for (char &ch : e) {
    if (ch < 'A' || ch > 'Z')
      continue;
    if (!rename.count(ch)) {
      while (next <= 'z' && used.count(next))
        ++next;
      if (next > 'z')
        return ctx.unsupported("more than 26 distinct subscripts (ONNX Einsum takes lower-case "
                               "letters)");
      rename[ch] = next;
      used.insert(next);
    }
    ch = rename[ch];
  }
  auto t = dtypeOf((*elems)[0]);
  if (t && !ir::isFloatingType(*t) && *t != ScalarType::Int32 && *t != ScalarType::Int64)
    return ctx.unsupported("einsum of small integer or bool tensors");
  ir::Value *out = ctx.b.op("Einsum", *elems, {OnnxAttr::s("equation", e)});
  einsumType(out, *elems, e);
  return one(out);
}

/// torch.linalg.cross along `dim` (counted in the broadcast rank): each input is sliced along
/// its own dim, and the products broadcast.
absl::StatusOr<ir::Value *> crossAlong(Ctx &ctx, ir::Value *x, ir::Value *y, int64_t dim) {
  OnnxBuilder &b = ctx.b;
  auto rx = rankOf(x), ry = rankOf(y);
  if (!rx || !ry)
    return ctx.unsupported("inputs of unknown rank");
  int64_t r = std::max(*rx, *ry);
  if (dim < -r || dim >= r)
    return ctx.error("dim out of range");
  if (dim < 0)
    dim += r;
  int64_t dx = dim - (r - *rx), dy = dim - (r - *ry);
  if (dx < 0 || dy < 0)
    return ctx.unsupported("a cross dim that one input broadcasts");
  for (auto [v, d] : {std::pair{x, dx}, std::pair{y, dy}}) {
    auto dims = OnnxBuilder::staticShapeOf(v);
    if (dims && (*dims)[size_t(d)] != 3)
      return ctx.error(fmt::format("inputs dimension {} must have length 3", dim));
  }
  auto part = [&](ir::Value *v, int64_t d, int64_t i) {
    return b.slice(v, {i}, {i + 1}, {d}, {1});
  };
  ir::Value *x0 = part(x, dx, 0), *x1 = part(x, dx, 1), *x2 = part(x, dx, 2);
  ir::Value *y0 = part(y, dy, 0), *y1 = part(y, dy, 1), *y2 = part(y, dy, 2);
  auto sub = [&](ir::Value *a, ir::Value *bb, ir::Value *c, ir::Value *d) {
    return b.op("Sub", {b.op("Mul", {a, bb}), b.op("Mul", {c, d})});
  };
  return b.concat({sub(x1, y2, x2, y1), sub(x2, y0, x0, y2), sub(x0, y1, x1, y0)}, dim);
}

Result cross(Ctx &ctx, bool linalg) {
  // aten::linalg_cross(self, other, *, dim=-1); aten::cross(self, other, dim=None): None is the
  // first dim of self of size 3 (torch 1.13's deprecated default).
  int64_t dim = -1;
  if (!linalg && (ctx.numInputs() < 3 || ctx.isNone(2))) {
    auto s = OnnxBuilder::staticShapeOf(ctx.input(0));
    if (!s)
      return ctx.unsupported("dim=None with a dynamic input shape");
    auto it = std::find(s->begin(), s->end(), 3);
    if (it == s->end())
      return ctx.error("no dimension of size 3 in input");
    dim = it - s->begin();
  } else if (ctx.numInputs() > 2) {
    auto d = ctx.constInt(2);
    if (!d)
      return ctx.unsupported("a non-constant dim");
    dim = *d;
  }
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, crossAlong(ctx, xs[0], xs[1], dim));
  return one(typed(out, p));
}

/// The p-norm of x over `axes` (empty: all) as torch.linalg.vector_norm computes it: 0 counts
/// the non-zeros, +-inf is the max/min of |x|.
ir::Value *vectorNormOf(OnnxBuilder &b, ir::Value *x, double p, const std::vector<int64_t> &axes,
                        bool keep) {
  ScalarType t = floatLike(x);
  if (auto xt = dtypeOf(x); !xt || *xt != t)
    x = b.cast(x, t);
  if (p == 2)
    return b.reduce("ReduceL2", x, axes, keep);
  if (p == 1)
    return b.reduce("ReduceL1", x, axes, keep);
  ir::Value *a = b.op("Abs", {x});
  if (std::isinf(p))
    return b.reduce(p > 0 ? "ReduceMax" : "ReduceMin", a, axes, keep);
  if (p == 0)
    return b.reduce("ReduceSum", b.cast(b.op("Not", {floatEq(b, x, 0, t)}), t), axes, keep);
  ir::Value *s = b.reduce("ReduceSum", b.op("Pow", {a, b.scalarOf(p, t)}), axes, keep);
  return b.op("Pow", {s, b.scalarOf(1.0 / p, t)});
}

/// x cast to its floating dtype (int inputs to float32).
ir::Value *asFloat(OnnxBuilder &b, ir::Value *x) {
  ScalarType t = floatLike(x);
  auto xt = dtypeOf(x);
  return xt && *xt == t ? x : b.cast(x, t);
}

Result pairwiseDistance(Ctx &ctx) {
  // aten::pairwise_distance(x1, x2, p=2, eps=1e-6, keepdim=False) = ||x1 - x2 + eps||_p over the
  // last dim of the broadcast.
  auto p = ctx.constFloat(2), eps = ctx.constFloat(3);
  auto keep = ctx.constBool(4);
  if (!p || !eps || !keep)
    return ctx.unsupported("non-constant p, eps or keepdim");
  auto r1 = rankOf(ctx.input(0)), r2 = rankOf(ctx.input(1));
  if (!r1 || !r2)
    return ctx.unsupported("inputs of unknown rank");
  int64_t r = std::max(*r1, *r2);
  Promotion pr;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &pr));
  OnnxBuilder &b = ctx.b;
  ir::Value *d = b.op("Sub", {asFloat(b, xs[0]), asFloat(b, xs[1])});
  d = b.op("Add", {d, b.scalarOf(*eps, floatLike(d))});
  if (r == 0)
    return one(vectorNormOf(b, d, *p, {}, false));
  return one(vectorNormOf(b, d, *p, {r - 1}, *keep));
}

Result dist(Ctx &ctx) {
  // aten::dist(self, other, p=2) = ||self - other||_p over all elements.
  auto p = ctx.numInputs() > 2 ? ctx.constFloat(2) : std::optional<double>(2);
  if (!p)
    return ctx.unsupported("a non-constant p");
  Promotion pr;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &pr));
  if (pr.dtype && !ir::isFloatingType(*pr.dtype))
    return ctx.error("dist expects floating point inputs");
  ir::Value *d = ctx.b.op("Sub", {xs[0], xs[1]});
  return one(vectorNormOf(ctx.b, d, *p, {}, false));
}

Result cdist(Ctx &ctx) {
  // aten::cdist(x1 [*, P, M], x2 [*, R, M], p=2, compute_mode) -> [*, P, R], always in the exact
  // form ||x1[p] - x2[r]||_p (torch's matmul form for large p=2 inputs only rounds differently).
  auto p = ctx.constFloat(2);
  if (!p)
    return ctx.unsupported("a non-constant p");
  if (*p < 0)
    return ctx.error("cdist only supports non-negative p values");
  OnnxBuilder &b = ctx.b;
  ir::Value *x1 = b.unsqueeze(ctx.input(0), {-2}), *x2 = b.unsqueeze(ctx.input(1), {-3});
  auto r1 = rankOf(ctx.input(0)), r2 = rankOf(ctx.input(1));
  if (!r1 || !r2)
    return ctx.unsupported("inputs of unknown rank");
  x1 = b.unsqueeze(ctx.input(0), {*r1 - 1});
  x2 = b.unsqueeze(ctx.input(1), {*r2 - 2});
  ir::Value *d = b.op("Sub", {x1, x2});
  int64_t r = std::max(*r1, *r2) + 1;
  return one(vectorNormOf(b, d, *p, {r - 1}, false));
}

Result cosineSimilarity(Ctx &ctx) {
  // aten::cosine_similarity(x1, x2, dim=1, eps=1e-8), torch 1.13 (measured: each norm is
  // clamped, not their product): sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along dim of
  // the broadcast.
  auto dim = ctx.constInt(2);
  auto eps = ctx.constFloat(3);
  if (!dim || !eps)
    return ctx.unsupported("non-constant dim or eps");
  auto r1 = rankOf(ctx.input(0)), r2 = rankOf(ctx.input(1));
  if (!r1 || !r2)
    return ctx.unsupported("inputs of unknown rank");
  int64_t r = std::max(*r1, *r2);
  int64_t d = *dim < 0 ? *dim + r : *dim;
  if (d < 0 || d >= std::max<int64_t>(r, 1))
    return ctx.error("dim out of range");
  Promotion pr;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &pr));
  OnnxBuilder &b = ctx.b;
  ir::Value *x1 = asFloat(b, xs[0]), *x2 = asFloat(b, xs[1]);
  // Broadcast first (torch expands both), so that the sums run over the same elements.
  auto s1 = OnnxBuilder::staticShapeOf(x1), s2 = OnnxBuilder::staticShapeOf(x2);
  if (!s1 || !s2 || *s1 != *s2) {
    ir::Value *e1 = b.op("Expand", {x1, b.shape(x2)});
    x2 = b.op("Expand", {x2, b.shape(x1)});
    x1 = e1;
  }
  std::vector<int64_t> axes = r == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{d};
  ScalarType t = floatLike(x1);
  ir::Value *e = b.scalarOf(*eps, t);
  ir::Value *n1 = b.op("Max", {b.reduce("ReduceL2", x1, axes, true), e});
  ir::Value *n2 = b.op("Max", {b.reduce("ReduceL2", x2, axes, true), e});
  ir::Value *prod = b.op("Mul", {b.op("Div", {x1, n1}), b.op("Div", {x2, n2})});
  return one(b.reduce("ReduceSum", prod, axes, false));
}

/// A matrix norm over the (normalized, distinct) dims d0 (rows), d1 (columns): 'fro', and ord
/// 1/-1/inf/-inf; 2/-2/'nuc' need singular values, which ONNX has no op for.
absl::StatusOr<ir::Value *> matrixNormOf(Ctx &ctx, ir::Value *x,
                                         std::variant<double, std::string> ord, int64_t d0,
                                         int64_t d1, bool keep) {
  OnnxBuilder &b = ctx.b;
  x = asFloat(b, x);
  ir::Value *out = nullptr;
  if (auto *s = std::get_if<std::string>(&ord)) {
    if (*s == "fro")
      out = b.reduce("ReduceL2", x, {d0, d1}, true);
    else if (*s == "nuc")
      return ctx.unsupported("ord='nuc' (needs singular values; ONNX has no SVD)");
    else
      return ctx.error(fmt::format("invalid ord '{}'", *s));
  } else {
    double p = std::get<double>(ord);
    if (p == 2 || p == -2)
      return ctx.unsupported(fmt::format("ord={} (needs singular values; ONNX has no SVD)", p));
    if (p != 1 && p != -1 && !std::isinf(p))
      return ctx.error(fmt::format("invalid matrix norm ord {}", p));
    // ord 1: the max over columns of the column sums of |x|; inf: over rows of the row sums.
    int64_t sumDim = std::isinf(p) ? d1 : d0, pickDim = std::isinf(p) ? d0 : d1;
    ir::Value *sums = b.reduce("ReduceSum", b.op("Abs", {x}), {sumDim}, true);
    out = b.reduce(p > 0 ? "ReduceMax" : "ReduceMin", sums, {pickDim}, true);
  }
  if (!keep)
    out = b.squeeze(out, {std::min(d0, d1), std::max(d0, d1)});
  return out;
}

/// The `ord` input: a number or a string; nullopt when not constant.
std::optional<std::variant<double, std::string>> ordArg(Ctx &ctx, size_t i) {
  if (auto s = ctx.constString(i))
    return std::variant<double, std::string>(*s);
  if (auto f = ctx.constFloat(i))
    return std::variant<double, std::string>(*f);
  return std::nullopt;
}

Result matrixNorm(Ctx &ctx) {
  // aten::linalg_matrix_norm(self, ord, dim=[-2,-1], keepdim=False, dtype=None) and its str_ord
  // overload.
  auto ord = ordArg(ctx, 1);
  auto dims = ctx.constInts(2);
  auto keep = ctx.constBool(3);
  if (!ord || !dims || !keep || dims->size() != 2)
    return ctx.unsupported("non-constant ord, dim or keepdim");
  auto r = rankOf(ctx.input(0));
  if (!r)
    return ctx.unsupported("an input of unknown rank");
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 4));
  ir::Value *x = dt ? ctx.b.cast(ctx.input(0), *dt) : ctx.input(0);
  int64_t d0 = normalizeDim((*dims)[0], r), d1 = normalizeDim((*dims)[1], r);
  if (d0 == d1)
    return ctx.error("dims must be different");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out, matrixNormOf(ctx, x, *ord, d0, d1, *keep));
  return one(out);
}

Result linalgNorm(Ctx &ctx) {
  // aten::linalg_norm(self, ord=None, dim=None, keepdim=False, dtype=None) and ord_str: a vector
  // norm for ord None with any dims or a 1-element dim; a matrix norm for 2 dims (or a 2-D input
  // without dims).
  auto keep = ctx.constBool(3);
  if (!keep)
    return ctx.unsupported("a non-constant keepdim");
  auto r = rankOf(ctx.input(0));
  if (!r)
    return ctx.unsupported("an input of unknown rank");
  std::optional<std::vector<int64_t>> dims;
  if (!ctx.isNone(2)) {
    dims = ctx.constInts(2);
    if (!dims)
      return ctx.unsupported("non-constant dims");
    for (auto &d : *dims)
      d = normalizeDim(d, r);
  }
  TS2ONNX_ASSIGN_OR_RETURN(auto dt, dtypeArg(ctx, 4));
  ir::Value *x = dt ? ctx.b.cast(ctx.input(0), *dt) : ctx.input(0);
  if (ctx.isNone(1)) {
    // The 2-norm of the flattened input (over dims when given).
    return one(vectorNormOf(ctx.b, x, 2, dims.value_or(std::vector<int64_t>{}), *keep));
  }
  auto ord = ordArg(ctx, 1);
  if (!ord)
    return ctx.unsupported("a non-constant ord");
  if (!dims) {
    if (*r == 1)
      dims = std::vector<int64_t>{0};
    else if (*r == 2)
      dims = std::vector<int64_t>{0, 1};
    else
      return ctx.error("input must be 1-D or 2-D when dim is None and ord is not None");
  }
  if (dims->size() == 1) {
    if (!std::holds_alternative<double>(*ord))
      return ctx.error("a string ord needs a matrix norm (2 dims)");
    return one(vectorNormOf(ctx.b, x, std::get<double>(*ord), *dims, *keep));
  }
  if (dims->size() != 2)
    return ctx.error("dim must be a 1- or 2-tuple");
  TS2ONNX_ASSIGN_OR_RETURN(ir::Value * out,
                           matrixNormOf(ctx, x, *ord, (*dims)[0], (*dims)[1], *keep));
  return one(out);
}

Result renorm(Ctx &ctx) {
  // aten::renorm(self, p, dim, maxnorm): each slice along dim whose p-norm (over the other dims)
  // exceeds maxnorm is scaled by maxnorm / (norm + 1e-7).
  auto p = ctx.constFloat(1);
  auto dim = ctx.constInt(2);
  auto maxnorm = ctx.constFloat(3);
  if (!p || !dim || !maxnorm)
    return ctx.unsupported("non-constant p, dim or maxnorm");
  auto r = rankOf(ctx.input(0));
  if (!r)
    return ctx.unsupported("an input of unknown rank");
  int64_t d = normalizeDim(*dim, r);
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < *r; ++i)
    if (i != d)
      axes.push_back(i);
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0);
  ScalarType t = floatLike(x);
  if (axes.empty()) {
    // Each element is its own slice: the norm is |x| (0 counts 1 for non-zero).
    axes = {};
  }
  ir::Value *n = axes.empty() && *r > 0 ? vectorNormOf(b, b.unsqueeze(x, {*r}), *p, {*r}, false)
                                        : vectorNormOf(b, x, *p, axes, true);
  ir::Value *mx = b.scalarOf(*maxnorm, t);
  ir::Value *factor =
      b.op("Where", {b.op("Greater", {n, mx}),
                     b.op("Div", {mx, b.op("Add", {n, b.scalarOf(1e-7, t)})}), b.scalarOf(1, t)});
  return one(b.op("Mul", {x, factor}));
}

Result det(Ctx &ctx) {
  // aten::linalg_det / aten::det: ONNX Det (11) on [*, n, n].
  auto t = dtypeOf(ctx.input(0));
  if (t && !ir::isFloatingType(*t))
    return ctx.error("det expects a floating point input");
  ir::Value *out = ctx.b.op("Det", {ctx.input(0)});
  auto dims = OnnxBuilder::dimsOf(ctx.input(0));
  if (dims && dims->size() >= 2)
    dims->resize(dims->size() - 2);
  OnnxBuilder::setTensorType(out, t, dims);
  return one(out);
}

Result vecdot(Ctx &ctx) {
  // aten::linalg_vecdot(x, y, *, dim=-1) (real): sum(x * y) along dim of the broadcast.
  auto dim = ctx.constInt(2);
  if (!dim)
    return ctx.unsupported("a non-constant dim");
  auto r1 = rankOf(ctx.input(0)), r2 = rankOf(ctx.input(1));
  if (!r1 || !r2)
    return ctx.unsupported("inputs of unknown rank");
  int64_t r = std::max(*r1, *r2);
  int64_t d = *dim < 0 ? *dim + r : *dim;
  if (d < 0 || d >= r)
    return ctx.error("dim out of range");
  Promotion p;
  TS2ONNX_ASSIGN_OR_RETURN(auto xs, promotedOperands(ctx, {0, 1}, &p));
  if (p.dtype && (isComplex(*p.dtype) || *p.dtype == ScalarType::Bool))
    return ctx.unsupported("complex or bool inputs");
  return one(typed(ctx.b.reduce("ReduceSum", ctx.b.op("Mul", {xs[0], xs[1]}), {d}, false), p));
}

Result trace(Ctx &ctx) {
  // aten::trace(self) of a matrix: the sum of its diagonal (EyeLike picks it; Where keeps
  // off-diagonal infs and NaNs out). Integers sum in int64, as torch.
  ir::Value *x = ctx.input(0);
  auto r = rankOf(x);
  if (!r || *r != 2)
    return ctx.unsupported("an input that is not a matrix");
  OnnxBuilder &b = ctx.b;
  auto t = dtypeOf(x);
  if (!t)
    return ctx.unsupported("an input of unknown dtype");
  ScalarType st = *t;
  if (!ir::isFloatingType(st)) {
    x = b.cast(x, ScalarType::Int64);
    st = ScalarType::Int64;
  }
  // EyeLike in x's dtype (onnxruntime has no bool EyeLike kernel), then a bool mask.
  ir::Value *eye = b.op("EyeLike", {x});
  OnnxBuilder::setTensorType(eye, st, OnnxBuilder::dimsOf(x));
  eye = b.cast(eye, ScalarType::Bool);
  return one(b.reduce("ReduceSum", b.op("Where", {eye, x, b.scalarOf(0, st)}), {}, false));
}

Result pdist(Ctx &ctx) {
  // aten::pdist / _pdist_forward(self [N, M], p=2): ||x[i] - x[j]||_p for i < j, row-major; N
  // static (the pairs are a constant Gather of the [N, N] distances).
  auto p = ctx.constFloat(1);
  if (!p)
    return ctx.unsupported("a non-constant p");
  if (*p < 0)
    return ctx.error("pdist only supports non-negative p values");
  ir::Value *x = ctx.input(0);
  auto dims = OnnxBuilder::dimsOf(x);
  if (!dims || dims->size() != 2 || !(*dims)[0].isStatic())
    return ctx.unsupported("an input that is not a matrix with a static number of rows");
  int64_t n = (*dims)[0].value;
  OnnxBuilder &b = ctx.b;
  ir::Value *d = b.op("Sub", {b.unsqueeze(x, {1}), b.unsqueeze(x, {0})}); // [N, N, M]
  ir::Value *all = vectorNormOf(b, d, *p, {2}, false);
  std::vector<int64_t> pairs;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      pairs.push_back(i * n + j);
  ir::Value *flat = b.op("Reshape", {all, b.int64s({n * n})});
  return one(b.gather(flat, b.int64s(pairs), 0));
}

Result bilinear(Ctx &ctx) {
  // aten::bilinear(x1 [..., I1], x2 [..., I2], weight [O, I1, I2], bias [O]?):
  // y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]; MatMul with W as [I1, O * I2],
  // then Mul with x2 and a sum over j.
  auto w = OnnxBuilder::staticShapeOf(ctx.input(2));
  auto r = rankOf(ctx.input(0));
  if (!w || w->size() != 3 || !r || *r < 1)
    return ctx.unsupported("a weight of dynamic shape or an input of unknown rank");
  int64_t o = (*w)[0], i1 = (*w)[1], i2 = (*w)[2];
  OnnxBuilder &b = ctx.b;
  ir::Value *wt = b.op("Transpose", {ctx.input(2)}, {OnnxAttr::is("perm", {1, 0, 2})});
  wt = b.op("Reshape", {wt, b.int64s({i1, o * i2})});
  ir::Value *t = b.op("MatMul", {ctx.input(0), wt}); // [..., O * I2]
  std::vector<int64_t> shape(size_t(*r - 1), 0);
  shape.push_back(o);
  shape.push_back(i2);
  t = b.op("Reshape", {t, b.int64s(shape)});
  ir::Value *y =
      b.reduce("ReduceSum", b.op("Mul", {t, b.unsqueeze(ctx.input(1), {*r - 1})}), {*r}, false);
  if (ctx.numInputs() > 3 && !ctx.isNone(3))
    y = b.op("Add", {y, ctx.input(3)});
  return one(y);
}

} // namespace

void registerLinalg(SymbolicRegistry &r) {
  r.add("aten::linear", 9, linear);
  r.add("aten::addmm", 9, addmm);
  r.add("aten::baddbmm", 9, baddbmm);
  addAll(r, {"aten::matmul", "aten::mm", "aten::bmm"}, 9, matmul);
  r.add("aten::t", 9, transposeLast2);
  r.add("aten::triu", 14, [](Ctx &c) { return trilu(c, true); });
  r.add("aten::tril", 14, [](Ctx &c) { return trilu(c, false); });
  r.add("aten::addmv", 9, addmv);
  r.add("aten::addbmm", 9, addbmm);
  r.add("aten::addr", 9, addr);
  addAll(r, {"aten::outer", "aten::ger"}, 9, outer);
  addAll(r, {"aten::dot", "aten::vdot", "aten::mv"}, 9, dot);
  addAll(r, {"aten::chain_matmul", "aten::linalg_multi_dot"}, 9, multiDot);
  r.add("aten::tensordot", 9, tensordot);
  r.add("aten::inner", 9, inner);
  r.add("aten::einsum", 9,
        [](Ctx &c) -> Result { return c.unsupported("einsum below opset 12 (ONNX Einsum)"); });
  r.add("aten::einsum", 12, einsum);
  r.add("aten::cross", 9, [](Ctx &c) { return cross(c, false); });
  r.add("aten::linalg_cross", 9, [](Ctx &c) { return cross(c, true); });
  r.add("aten::pairwise_distance", 9, pairwiseDistance);
  r.add("aten::dist", 9, dist);
  addAll(r, {"aten::cdist", "aten::_cdist_forward"}, 9, cdist);
  r.add("aten::cosine_similarity", 9, cosineSimilarity);
  r.add("aten::linalg_matrix_norm", 9, matrixNorm);
  r.add("aten::linalg_norm", 9, linalgNorm);
  r.add("aten::renorm", 9, renorm);
  r.add("aten::linalg_vecdot", 9, vecdot);
  r.add("aten::trace", 9, trace);
  addAll(r, {"aten::pdist", "aten::_pdist_forward"}, 9, pdist);
  r.add("aten::bilinear", 9, bilinear);
  addAll(r, {"aten::det", "aten::linalg_det"}, 11, det);
  // logdet = log(det): NaN for a negative determinant and -inf for a singular matrix, as torch.
  r.add("aten::logdet", 11, [](Ctx &c) -> Result {
    TS2ONNX_ASSIGN_OR_RETURN(auto d, det(c));
    return one(c.b.op("Log", {d[0]}));
  });
  addAll(r, {"aten::inverse", "aten::linalg_inv"}, 9, [](Ctx &c) -> Result {
    return c.unsupported("a matrix inverse (ONNX has no inverse op at any opset)");
  });
}

} // namespace ts2onnx::symbolics
