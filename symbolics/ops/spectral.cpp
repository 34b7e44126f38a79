// Spectral ops: fft_fft / fft_rfft of real inputs and stft (return_complex=False, or complex
// results read through view_as_real), as ONNX DFT (opset 17, whose axis is an input from 20; no
// form before 17). ts2onnx has no complex tensors: a complex result is kept in DFT's real form
// [..., 2], and converted only when every use is aten::view_as_real (which then is the
// identity); the lower-complex pass rewrites the other readers it can (abs, angle, reshape, ...)
// on that form first. Refused: complex inputs (fft_irfft, fft of complex, istft), complex results
// used otherwise.
#include <cmath>

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

/// An error unless every use of output 0 is view_as_real (the complex result as [..., 2]).
absl::Status requireViewAsReal(Ctx &ctx) {
  for (const auto &use : ctx.node().output(0)->uses())
    if (use.user->kind().qualString() != "aten::view_as_real")
      return ctx.unsupported("a complex result not read through view_as_real (ts2onnx has no "
                             "complex tensors)");
  return absl::OkStatus();
}

/// The scale of torch's norm modes for a transform of length n: backward (None) 1, forward
/// 1/n, ortho 1/sqrt(n).
absl::StatusOr<double> normScale(Ctx &ctx, size_t i, int64_t n, bool inverse) {
  std::string norm = ctx.isNone(i) ? "backward" : ctx.constString(i).value_or("?");
  if (norm == "backward")
    return inverse ? 1.0 / double(n) : 1.0;
  if (norm == "forward")
    return inverse ? 1.0 : 1.0 / double(n);
  if (norm == "ortho")
    return 1.0 / std::sqrt(double(n));
  return ctx.error(fmt::format("invalid norm '{}'", norm));
}

/// DFT of the real signal `x` ([..., n, ..., 1]) along `axis`: the axis an attribute at 17, from
/// 20 an input (a 0-d int64) after dft_length (given: `n`, the signal's length there).
ir::Value *dft(OnnxBuilder &b, ir::Value *x, int64_t axis, int64_t n, bool onesided) {
  if (b.opset() < 20)
    return b.op("DFT", {x}, {OnnxAttr::i("axis", axis), OnnxAttr::i("onesided", onesided ? 1 : 0)});
  return b.op("DFT", {x, b.int64Scalar(n), b.int64Scalar(axis)},
              {OnnxAttr::i("onesided", onesided ? 1 : 0)});
}

Result fft(Ctx &ctx, bool onesided) {
  // aten::fft_fft / fft_rfft(self, n=None, dim=-1, norm=None)
  TS2ONNX_RETURN_IF_ERROR(requireViewAsReal(ctx));
  ir::Value *x = ctx.input(0);
  auto t = dtypeOf(x);
  if (!t)
    return ctx.unsupported("an input of unknown dtype");
  if (isComplex(*t))
    return ctx.unsupported("a complex input");
  auto dims = OnnxBuilder::staticShapeOf(x);
  if (!dims)
    return ctx.unsupported("an input of dynamic shape");
  auto dim = ctx.constInt(2);
  if (!dim)
    return ctx.unsupported("a non-constant dim");
  int64_t r = int64_t(dims->size());
  int64_t d = *dim < 0 ? *dim + r : *dim;
  if (d < 0 || d >= r)
    return ctx.error("dim out of range");
  int64_t n = (*dims)[size_t(d)];
  if (!ctx.isNone(1)) {
    auto nn = ctx.constInt(1);
    if (!nn)
      return ctx.unsupported("a non-constant n");
    if (*nn < 1)
      return ctx.error(fmt::format("invalid number of data points ({}) specified", *nn));
    n = *nn;
  }
  TS2ONNX_ASSIGN_OR_RETURN(double scale, normScale(ctx, 3, n, false));
  OnnxBuilder &b = ctx.b;
  if (!ir::isFloatingType(*t))
    x = b.cast(x, ScalarType::Float32);
  ScalarType ft = floatLike(x);
  // Trim or zero-pad to n along d, as torch does.
  int64_t have = (*dims)[size_t(d)];
  if (n < have)
    x = b.slice(x, {0}, {n}, {d}, {1});
  else if (n > have) {
    std::vector<int64_t> pads(size_t(2 * r), 0);
    pads[size_t(r + d)] = n - have;
    x = b.pad(x, pads, "constant", 0);
  }
  ir::Value *xr = b.unsqueeze(x, {r});
  ir::Value *out = dft(b, xr, d, n, onesided);
  if (scale != 1)
    out = b.op("Mul", {out, b.scalarOf(scale, ft)});
  // The real form [..., 2] (the aten output is typed complex).
  std::vector<ir::Dim> od;
  for (int64_t i = 0; i < r; ++i)
    od.push_back(ir::Dim::known(i == d ? (onesided ? n / 2 + 1 : n) : (*dims)[size_t(i)]));
  od.push_back(ir::Dim::known(2));
  OnnxBuilder::setTensorType(out, ft, od);
  return one(out);
}

Result viewAsReal(Ctx &ctx) {
  // The complex producers above already give the real form; anything else is refused.
  auto t = dtypeOf(ctx.input(0));
  if (t && !isComplex(*t))
    return one(ctx.input(0));
  return ctx.unsupported("view_as_real of a complex tensor not made by fft_fft / fft_rfft / stft");
}

Result stft(Ctx &ctx) {
  // aten::stft(self, n_fft, hop_length, win_length, window, normalized, onesided,
  // return_complex) and stft.center(self, n_fft, hop_length, win_length, window, center,
  // pad_mode, normalized, onesided, return_complex), each with a trailing align_to_window in
  // torch 2.x's schemas: frames by a constant Gather, windowed, DFT along the frame;
  // [B?, freq, frames, 2].
  bool centerForm = ctx.numInputs() >= 10;
  size_t iNorm = centerForm ? 7 : 5, iOnesided = iNorm + 1, iComplex = iNorm + 2;
  size_t iAlign = iNorm + 3;
  if (ctx.numInputs() > iAlign && !ctx.isNone(iAlign)) {
    auto align = ctx.constBool(iAlign);
    if (!align || *align)
      return ctx.unsupported("align_to_window other than None or False");
  }
  auto nfft = ctx.constInt(1);
  if (!nfft || *nfft <= 0)
    return ctx.unsupported("a non-constant n_fft");
  int64_t hop = *nfft / 4, win = *nfft;
  if (!ctx.isNone(2)) {
    auto h = ctx.constInt(2);
    if (!h)
      return ctx.unsupported("a non-constant hop_length");
    hop = *h;
  }
  if (!ctx.isNone(3)) {
    auto w = ctx.constInt(3);
    if (!w)
      return ctx.unsupported("a non-constant win_length");
    win = *w;
  }
  if (hop <= 0 || win <= 0 || win > *nfft)
    return ctx.error("invalid hop_length or win_length");
  bool center = false;
  std::string padMode = "reflect";
  if (centerForm) {
    auto c = ctx.constBool(5);
    auto pm = ctx.constString(6);
    if (!c || !pm)
      return ctx.unsupported("non-constant center or pad_mode");
    center = *c;
    padMode = *pm;
  }
  auto normalized = ctx.constBool(iNorm);
  if (!normalized)
    return ctx.unsupported("a non-constant normalized");
  std::optional<bool> retComplex = ctx.isNone(iComplex) ? std::nullopt : ctx.constBool(iComplex);
  if (!ctx.isNone(iComplex) && !retComplex)
    return ctx.unsupported("a non-constant return_complex");
  if (retComplex.value_or(false))
    TS2ONNX_RETURN_IF_ERROR(requireViewAsReal(ctx));
  ir::Value *x = ctx.input(0);
  auto t = dtypeOf(x);
  if (!t || !ir::isFloatingType(*t))
    return ctx.unsupported("an input that is not real floating point");
  bool onesided = ctx.isNone(iOnesided) ? true : ctx.constBool(iOnesided).value_or(true);
  auto rank = rankOf(x);
  if (!rank || *rank < 1 || *rank > 2)
    return ctx.unsupported("an input of unknown rank or rank other than 1 or 2");
  auto dims = OnnxBuilder::staticShapeOf(x);
  OnnxBuilder &b = ctx.b;
  bool batched = *rank == 2;
  if (!batched)
    x = b.unsqueeze(x, {0});
  std::optional<int64_t> len;
  if (dims)
    len = dims->back();
  if (center) {
    int64_t p = *nfft / 2;
    std::string mode = padMode == "reflect"     ? "reflect"
                       : padMode == "replicate" ? "edge"
                       : padMode == "constant"  ? "constant"
                                                : "";
    if (mode.empty())
      return ctx.unsupported(fmt::format("pad_mode '{}'", padMode));
    x = b.pad(x, {0, p, 0, p}, mode, 0);
    if (len)
      *len += 2 * p;
  }
  // Frame f holds samples f * hop + k, k < n_fft: a constant index for a static length, else
  // Range(frames) * hop + Range(n_fft) with frames = 1 + (len - n_fft) / hop at run time.
  std::optional<int64_t> frames;
  ir::Value *index = nullptr;
  if (len) {
    if (*len < *nfft)
      return ctx.error("n_fft is larger than the (padded) input");
    frames = 1 + (*len - *nfft) / hop;
    std::vector<int64_t> idx;
    for (int64_t f = 0; f < *frames; ++f)
      for (int64_t k = 0; k < *nfft; ++k)
        idx.push_back(f * hop + k);
    index = b.op("Reshape", {b.int64s(idx), b.int64s({*frames, *nfft})});
  } else {
    ir::Value *n = b.dimSize(x, 1);
    ir::Value *count =
        b.op("Add", {b.op("Div", {b.op("Sub", {n, b.int64Scalar(*nfft)}), b.int64Scalar(hop)}),
                     b.int64Scalar(1)});
    ir::Value *starts = b.op(
        "Mul", {b.op("Range", {b.int64Scalar(0), count, b.int64Scalar(1)}), b.int64Scalar(hop)});
    std::vector<int64_t> ks;
    for (int64_t k = 0; k < *nfft; ++k)
      ks.push_back(k);
    index = b.op("Add",
                 {b.unsqueeze(starts, {1}), b.op("Reshape", {b.int64s(ks), b.int64s({1, *nfft})})});
  }
  ir::Value *fr = b.gather(x, index, 1); // [B, frames, n_fft]
  if (!ctx.isNone(4)) {
    ir::Value *w = ctx.input(4);
    if (win < *nfft) {
      int64_t left = (*nfft - win) / 2;
      w = b.pad(w, {left, *nfft - win - left}, "constant", 0);
    }
    fr = b.op("Mul", {fr, w});
  } else if (win < *nfft) {
    // torch's default window of ones of win_length, centered in n_fft.
    int64_t left = (*nfft - win) / 2;
    std::vector<int64_t> m(size_t(*nfft), 0);
    for (int64_t i = left; i < left + win; ++i)
      m[size_t(i)] = 1;
    fr = b.op("Mul", {fr, b.cast(b.int64s(m), *t)});
  }
  ir::Value *out = dft(b, b.unsqueeze(fr, {3}), 2, *nfft, onesided);
  if (*normalized)
    out = b.op("Mul", {out, b.scalarOf(1.0 / std::sqrt(double(*nfft)), *t)});
  out = b.op("Transpose", {out}, {OnnxAttr::is("perm", {0, 2, 1, 3})});
  if (!batched)
    out = b.squeeze(out, {0});
  std::vector<ir::Dim> od;
  if (batched)
    od.push_back(dims ? ir::Dim::known((*dims)[0]) : ir::Dim::unknown());
  od.push_back(ir::Dim::known(onesided ? *nfft / 2 + 1 : *nfft));
  od.push_back(frames ? ir::Dim::known(*frames) : ir::Dim::unknown());
  od.push_back(ir::Dim::known(2));
  OnnxBuilder::setTensorType(out, *t, od);
  return one(out);
}

} // namespace

void registerSpectral(SymbolicRegistry &r) {
  r.add("aten::fft_fft", 17, [](Ctx &c) { return fft(c, false); });
  r.add("aten::fft_rfft", 17, [](Ctx &c) { return fft(c, true); });
  r.add("aten::stft", 17, stft);
  r.add("aten::view_as_real", 17, viewAsReal);
}

} // namespace ts2onnx::symbolics
