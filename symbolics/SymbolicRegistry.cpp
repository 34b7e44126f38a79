#include "symbolics/SymbolicRegistry.h"

#include <fmt/format.h>

#include "ir/Verifier.h"

namespace ts2onnx::symbolics {

namespace {

const ir::Node *constantNode(const ir::Value *v) {
  const ir::Node *n = v->node();
  return n->kind() == ir::prim::Constant ? n : nullptr;
}

} // namespace

bool SymbolicContext::isNone(size_t i) const {
  const ir::Value *v = input(i);
  return v->type()->is(ir::TypeKind::None) && constantNode(v);
}

std::optional<int64_t> SymbolicContext::constInt(size_t i) const {
  const ir::AttributeValue *a = ir::constantValue(input(i));
  if (!a)
    return std::nullopt;
  if (auto *v = a->getIf<int64_t>())
    return *v;
  if (auto *t = a->getIf<ir::Tensor>();
      t && t->numel() == 1 && t->storage() && ir::isIntegralType(t->dtype(), true))
    return t->intAt(0);
  return std::nullopt;
}

std::optional<double> SymbolicContext::constFloat(size_t i) const {
  const ir::AttributeValue *a = ir::constantValue(input(i));
  if (!a)
    return std::nullopt;
  if (auto *d = a->getIf<double>())
    return *d;
  if (auto *v = a->getIf<int64_t>())
    return double(*v);
  if (auto *t = a->getIf<ir::Tensor>(); t && t->numel() == 1 && t->storage())
    return t->doubleAt(0);
  return std::nullopt;
}

std::optional<bool> SymbolicContext::constBool(size_t i) const {
  auto v = constInt(i);
  if (!v)
    return std::nullopt;
  return *v != 0;
}

std::optional<std::string> SymbolicContext::constString(size_t i) const {
  return ir::constantString(input(i));
}

std::optional<std::vector<int64_t>> SymbolicContext::constInts(size_t i) const {
  const ir::Value *v = input(i);
  if (const ir::Node *n = constantNode(v)) {
    const ir::AttributeValue *a = n->attribute(ir::attr::value);
    if (auto *xs = a ? a->getIf<std::vector<int64_t>>() : nullptr)
      return *xs;
    if (auto *x = a ? a->getIf<int64_t>() : nullptr)
      return std::vector<int64_t>{*x};
    return std::nullopt;
  }
  if (v->node()->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  std::vector<int64_t> out;
  for (const ir::Value *e : v->node()->inputs()) {
    const ir::Node *n = constantNode(e);
    const ir::AttributeValue *a = n ? n->attribute(ir::attr::value) : nullptr;
    const int64_t *x = a ? a->getIf<int64_t>() : nullptr;
    if (!x)
      return std::nullopt;
    out.push_back(*x);
  }
  return out;
}

std::optional<std::vector<double>> SymbolicContext::constFloats(size_t i) const {
  const ir::Value *v = input(i);
  if (const ir::Node *n = constantNode(v)) {
    const ir::AttributeValue *a = n->attribute(ir::attr::value);
    if (auto *xs = a ? a->getIf<std::vector<double>>() : nullptr)
      return *xs;
    if (auto *xs = a ? a->getIf<std::vector<int64_t>>() : nullptr)
      return std::vector<double>(xs->begin(), xs->end());
    return std::nullopt;
  }
  if (v->node()->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  std::vector<double> out;
  for (size_t k = 0; k < v->node()->inputs().size(); ++k) {
    const ir::Node *n = constantNode(v->node()->input(k));
    const ir::AttributeValue *a = n ? n->attribute(ir::attr::value) : nullptr;
    if (!a)
      return std::nullopt;
    if (auto *d = a->getIf<double>())
      out.push_back(*d);
    else if (auto *x = a->getIf<int64_t>())
      out.push_back(double(*x));
    else
      return std::nullopt;
  }
  return out;
}

std::optional<std::vector<ir::Value *>> SymbolicContext::listElements(size_t i) const {
  const ir::Value *v = input(i);
  if (v->node()->kind() != ir::prim::ListConstruct)
    return std::nullopt;
  return v->node()->inputs();
}

absl::Status SymbolicContext::error(std::string_view message) const {
  std::string where = node_.sourceLocation().valid() ? node_.sourceLocation().str() + ": " : "";
  return absl::InvalidArgumentError(
      fmt::format("{}error: {}: {}", where, node_.kind().qualString(), message));
}

absl::Status SymbolicContext::unsupported(std::string_view what) const {
  return error(fmt::format("{} is not supported in ONNX", what));
}

SymbolicRegistry &SymbolicRegistry::global() {
  static SymbolicRegistry *r = [] {
    auto *reg = new SymbolicRegistry();
    // Each (op, opset) pair is registered by exactly one family, so the order does not matter.
    registerElementwise(*reg);
    registerActivation(*reg);
    registerLinalg(*reg);
    registerConv(*reg);
    registerNorm(*reg);
    registerPool(*reg);
    registerQuantized(*reg);
    registerShape(*reg);
    registerRearrange(*reg);
    registerReduction(*reg);
    registerCreation(*reg);
    registerConversion(*reg);
    registerResample(*reg);
    registerPadding(*reg);
    registerIndexing(*reg);
    registerSequence(*reg);
    registerControl(*reg);
    registerDropout(*reg);
    registerRnn(*reg);
    registerAttention(*reg);
    registerSorting(*reg);
    registerLoss(*reg);
    registerSpectral(*reg);
    registerDetection(*reg);
    return reg;
  }();
  return *r;
}

void SymbolicRegistry::add(std::string_view op, int sinceOpset, SymbolicFn fn) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = table_.find(op);
  if (it == table_.end())
    it = table_.emplace(std::string(op), std::map<int, SymbolicFn>{}).first;
  it->second[sinceOpset] = std::move(fn);
}

void SymbolicRegistry::addCustom(std::string_view op, int fromOpset, int toOpset, SymbolicFn fn) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = custom_.find(op);
  if (it == custom_.end())
    it = custom_.emplace(std::string(op), std::list<CustomEntry>{}).first;
  it->second.push_back(CustomEntry{fromOpset, toOpset, std::move(fn)});
}

size_t SymbolicRegistry::removeCustom(std::string_view op) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = custom_.find(op);
  if (it == custom_.end())
    return 0;
  size_t n = it->second.size();
  custom_.erase(it);
  return n;
}

std::vector<std::pair<int, int>> SymbolicRegistry::customRangesOf(std::string_view op) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<int, int>> out;
  if (auto it = custom_.find(op); it != custom_.end())
    for (const CustomEntry &e : it->second)
      out.emplace_back(e.from, e.to);
  return out;
}

const SymbolicFn *SymbolicRegistry::lookup(std::string_view op, int opset) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto c = custom_.find(op); c != custom_.end())
    for (auto e = c->second.rbegin(); e != c->second.rend(); ++e)
      if (e->from <= opset && opset <= e->to)
        return &e->fn;
  auto it = table_.find(op);
  if (it == table_.end())
    return nullptr;
  auto e = it->second.upper_bound(opset);
  if (e == it->second.begin())
    return nullptr;
  return &std::prev(e)->second;
}

std::vector<int> SymbolicRegistry::opsetsOf(std::string_view op) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int> out;
  auto it = table_.find(op);
  if (it != table_.end())
    for (auto &[v, fn] : it->second)
      out.push_back(v);
  return out;
}

std::vector<std::string> SymbolicRegistry::ops() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (auto &[k, v] : table_)
    out.push_back(k);
  return out;
}

} // namespace ts2onnx::symbolics
