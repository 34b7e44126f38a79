// Small dense tensors for constant evaluation: a constant tensor's elements in row-major order
// (doubles for floating dtypes, int64 for integral and bool ones), shared by the aten-level
// fold-constants and the ONNX-level onnx-cleanup so the evaluator is written once.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "ir/Graph.h"

namespace ts2onnx::semantics {

struct Dense {
  ir::ScalarType dtype;
  std::vector<int64_t> sizes;
  std::vector<double> f;
  std::vector<int64_t> i;

  bool integral() const { return !ir::isFloatingType(dtype); }
  int64_t numel() const { return int64_t(integral() ? i.size() : f.size()); }
  double at(int64_t k) const { return integral() ? double(i[size_t(k)]) : f[size_t(k)]; }
  int64_t atInt(int64_t k) const { return integral() ? i[size_t(k)] : int64_t(f[size_t(k)]); }
  /// Appends element `v` (stored as int64 or double by the dtype).
  void push(double v) {
    if (integral())
      i.push_back(int64_t(v));
    else
      f.push_back(v);
  }
};

/// Dtypes the evaluator handles (bool, integral, float32, float64).
bool denseSupported(ir::ScalarType t);
int64_t numelOf(const std::vector<int64_t> &sizes);
/// The elements of constant tensor value `v` when it has at most `limit` elements.
std::optional<Dense> dense(const ir::Value *v, int64_t limit);
ir::Tensor toTensor(const Dense &d);
/// `d` converted to `dtype` (truncating toward zero into integral types, as torch and ONNX
/// Cast do).
Dense convert(const Dense &d, ir::ScalarType dtype);
Dense permute(const Dense &d, const std::vector<size_t> &perm);
/// Python's integer modulo (`a % b`, b != 0): the sign of the divisor, as torch's remainder and
/// ONNX Mod without fmod.
int64_t floorMod(int64_t a, int64_t b);
/// Numpy-style broadcasting of `a` and `b` into a result of `dtype` whose elements are
/// fn(a[k], b[k]) (computed in double, or in int64 when `dtype` is integral); nullopt when the
/// shapes do not broadcast or the result has more than `limit` elements.
std::optional<Dense> broadcast(const Dense &a, const Dense &b, ir::ScalarType dtype, int64_t limit,
                               const std::function<double(double, double)> &fn,
                               const std::function<int64_t(int64_t, int64_t)> &intFn);

} // namespace ts2onnx::semantics
