#include "semantics/Broadcast.h"

namespace ts2onnx::semantics {

using ir::Dim;

std::optional<Dim> broadcastDim(const Dim &a, const Dim &b) {
  auto one = [](const Dim &d) { return d.isStatic() && d.value == 1; };
  if (one(a))
    return b;
  if (one(b) || a == b)
    return a;
  if (a.isStatic() && b.isStatic())
    return std::nullopt;
  if (a.isStatic())
    return a;
  if (b.isStatic())
    return b;
  return Dim::unknown();
}

std::optional<Dims> broadcastShapes(const std::vector<std::optional<Dims>> &shapes) {
  Dims out;
  for (const auto &s : shapes) {
    if (!s)
      return std::nullopt;
    if (s->size() > out.size())
      out.insert(out.begin(), s->size() - out.size(), Dim::known(1));
    size_t off = out.size() - s->size();
    for (size_t i = 0; i < s->size(); ++i) {
      auto d = broadcastDim(out[off + i], (*s)[i]);
      if (!d)
        return std::nullopt;
      out[off + i] = *d;
    }
  }
  return out;
}

std::optional<std::vector<int64_t>> broadcastSizes(const std::vector<int64_t> &a,
                                                   const std::vector<int64_t> &b) {
  auto toDims = [](const std::vector<int64_t> &s) {
    Dims d;
    for (int64_t x : s)
      d.push_back(Dim::known(x));
    return d;
  };
  auto r = broadcastShapes({toDims(a), toDims(b)});
  if (!r)
    return std::nullopt;
  std::vector<int64_t> out;
  for (const Dim &d : *r)
    out.push_back(d.value);
  return out;
}

} // namespace ts2onnx::semantics
