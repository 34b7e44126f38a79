// Small dense tensors for constant evaluation (Dense.h).
#include "semantics/Dense.h"

#include <cmath>
#include <cstring>

#include "semantics/Broadcast.h"

namespace ts2onnx::semantics {

using ir::ScalarType;

bool denseSupported(ScalarType t) {
  switch (t) {
  case ScalarType::Bool:
  case ScalarType::UInt8:
  case ScalarType::Int8:
  case ScalarType::Int16:
  case ScalarType::Int32:
  case ScalarType::Int64:
  case ScalarType::Float32:
  case ScalarType::Float64:
    return true;
  default:
    return false;
  }
}

int64_t numelOf(const std::vector<int64_t> &sizes) {
  int64_t n = 1;
  for (int64_t s : sizes)
    n *= s;
  return n;
}

std::optional<Dense> dense(const ir::Value *v, int64_t limit) {
  const ir::AttributeValue *a = ir::constantValue(v);
  const ir::Tensor *t = a ? a->getIf<ir::Tensor>() : nullptr;
  if (!t || !t->defined() || !t->storage() || !denseSupported(t->dtype()) || t->numel() > limit)
    return std::nullopt;
  Dense d{t->dtype(), t->sizes(), {}, {}};
  if (d.integral()) {
    d.i.resize(size_t(t->numel()));
    for (int64_t k = 0; k < t->numel(); ++k)
      d.i[size_t(k)] = t->intAt(k);
  } else {
    d.f.resize(size_t(t->numel()));
    for (int64_t k = 0; k < t->numel(); ++k)
      d.f[size_t(k)] = t->doubleAt(k);
  }
  return d;
}

namespace {

template <typename T> void append(std::vector<uint8_t> &out, T v) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.insert(out.end(), b, b + sizeof(T));
}

} // namespace

ir::Tensor toTensor(const Dense &d) {
  std::vector<uint8_t> bytes;
  bytes.reserve(size_t(d.numel()) * ir::elementSize(d.dtype));
  for (int64_t k = 0; k < d.numel(); ++k) {
    switch (d.dtype) {
    case ScalarType::Bool:
      append<uint8_t>(bytes, d.atInt(k) != 0);
      break;
    case ScalarType::UInt8:
      append<uint8_t>(bytes, uint8_t(d.atInt(k)));
      break;
    case ScalarType::Int8:
      append<int8_t>(bytes, int8_t(d.atInt(k)));
      break;
    case ScalarType::Int16:
      append<int16_t>(bytes, int16_t(d.atInt(k)));
      break;
    case ScalarType::Int32:
      append<int32_t>(bytes, int32_t(d.atInt(k)));
      break;
    case ScalarType::Int64:
      append<int64_t>(bytes, d.atInt(k));
      break;
    case ScalarType::Float32:
      append<float>(bytes, float(d.at(k)));
      break;
    default:
      append<double>(bytes, d.at(k));
      break;
    }
  }
  return ir::Tensor::fromBytes(d.dtype, d.sizes, bytes.data());
}

Dense convert(const Dense &d, ScalarType dtype) {
  Dense out{dtype, d.sizes, {}, {}};
  for (int64_t k = 0; k < d.numel(); ++k) {
    if (out.integral())
      out.i.push_back(dtype == ScalarType::Bool ? (d.at(k) != 0) : int64_t(std::trunc(d.at(k))));
    else
      out.f.push_back(dtype == ScalarType::Float32 ? double(float(d.at(k))) : d.at(k));
  }
  return out;
}

Dense permute(const Dense &d, const std::vector<size_t> &perm) {
  size_t r = d.sizes.size();
  std::vector<int64_t> inStrides(r, 1), outSizes(r);
  for (size_t i = r; i-- > 1;)
    inStrides[i - 1] = inStrides[i] * d.sizes[i];
  for (size_t i = 0; i < r; ++i)
    outSizes[i] = d.sizes[perm[i]];
  Dense out{d.dtype, outSizes, {}, {}};
  int64_t n = d.numel();
  std::vector<int64_t> idx(r, 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t src = 0;
    for (size_t i = 0; i < r; ++i)
      src += idx[i] * inStrides[perm[i]];
    if (d.integral())
      out.i.push_back(d.i[size_t(src)]);
    else
      out.f.push_back(d.f[size_t(src)]);
    for (size_t i = r; i-- > 0;) {
      if (++idx[i] < outSizes[i])
        break;
      idx[i] = 0;
    }
  }
  return out;
}

std::optional<Dense> broadcast(const Dense &a, const Dense &b, ScalarType dtype, int64_t limit,
                               const std::function<double(double, double)> &fn,
                               const std::function<int64_t(int64_t, int64_t)> &intFn) {
  auto shape = broadcastSizes(a.sizes, b.sizes);
  if (!shape)
    return std::nullopt;
  const std::vector<int64_t> &out = *shape;
  size_t r = out.size();
  std::vector<int64_t> sa(r, 1), sb(r, 1);
  std::copy(a.sizes.begin(), a.sizes.end(), sa.begin() + long(r - a.sizes.size()));
  std::copy(b.sizes.begin(), b.sizes.end(), sb.begin() + long(r - b.sizes.size()));
  if (numelOf(out) > limit)
    return std::nullopt;
  std::vector<int64_t> stA(r, 0), stB(r, 0);
  for (int64_t i = int64_t(r) - 1, ma = 1, mb = 1; i >= 0; --i) {
    stA[size_t(i)] = sa[size_t(i)] == 1 ? 0 : ma;
    stB[size_t(i)] = sb[size_t(i)] == 1 ? 0 : mb;
    ma *= sa[size_t(i)];
    mb *= sb[size_t(i)];
  }
  Dense result{dtype, out, {}, {}};
  bool integral = result.integral();
  std::vector<int64_t> idx(r, 0);
  for (int64_t k = 0, total = numelOf(out); k < total; ++k) {
    int64_t ia = 0, ib = 0;
    for (size_t i = 0; i < r; ++i) {
      ia += idx[i] * stA[i];
      ib += idx[i] * stB[i];
    }
    if (integral) {
      int64_t v = intFn(a.atInt(ia), b.atInt(ib));
      result.i.push_back(dtype == ScalarType::Bool ? v != 0 : v);
    } else {
      double v = fn(a.at(ia), b.at(ib));
      result.f.push_back(dtype == ScalarType::Float32 ? double(float(v)) : v);
    }
    for (size_t i = r; i-- > 0;) {
      if (++idx[i] < out[i])
        break;
      idx[i] = 0;
    }
  }
  return result;
}

int64_t floorMod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}

} // namespace ts2onnx::semantics
