// dedupe-initializers: merges constant tensors with equal contents into one.
//
// Given: a graph of onnx:: nodes and prim::Constant tensors (weights, folded values).
// Does:  groups constant tensors by dtype and sizes (one alone in its group is left as is), then
//        by a hash of a sample of their bytes (at most kSampleWindows windows spread over the
//        data); within a group, compares full hashes and then the bytes, so distinct weights
//        are never read whole (nor their lazy bytes generated). Equal tensors are replaced by
//        the first of them, which moves to the top block when it sat in a nested one. Named
//        constants (parameters) are left alone when export-params=0, since they become graph
//        inputs then.
// Result: no two constants with equal dtype, sizes and bytes; unused nodes are removed.
#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "onnx-passes/OnnxPasses.h"
#include "onnx-passes/OnnxRewrite.h"
#include "passes/Passes.h"

namespace ts2onnx::onnx_passes {
namespace {

using ir::ScalarType;

/// A constant tensor's coarse identity: dtype, sizes and a hash of a sample of its bytes (at
/// most kSampleWindows windows spread over the data). Equal tensors have equal keys; a full
/// hash and comparison are only needed when keys collide, so distinct weights are never read
/// whole (nor their lazy bytes generated).
struct SampleKey {
  ScalarType dtype;
  std::vector<int64_t> sizes;
  size_t sample;
  bool operator==(const SampleKey &o) const {
    return dtype == o.dtype && sizes == o.sizes && sample == o.sample;
  }
  template <typename H> friend H AbslHashValue(H h, const SampleKey &k) {
    return H::combine(std::move(h), k.dtype, k.sizes, k.sample);
  }
};

constexpr size_t kSampleWindows = 8;
constexpr size_t kSampleWindowBytes = 256; // a multiple of every element size; 2 KiB in all

/// Contiguous bytes of a constant tensor, read on demand.
class ConstBytes {
public:
  explicit ConstBytes(const ir::Tensor &t) : t_(t) {}
  size_t size() const { return t_.nbytes(); }
  /// Bytes [offset, offset + n). A contiguous tensor backed by a region of an open file (a
  /// stored archive record) is read with pread: sampling a window then costs a copy from the
  /// page cache, not a fault that maps (and readahead maps around) pages of weights that are
  /// otherwise never touched (reference mode writes none of them).
  void read(size_t offset, uint8_t *out, size_t n) const {
    const ir::Storage *st = t_.storage().get();
    if (st && t_.isContiguous())
      st->readBytesUnmapped(
          static_cast<uint64_t>(t_.storageOffset()) * ir::elementSize(t_.dtype()) + offset, out, n);
    else
      t_.readBytes(offset, out, n);
  }
  /// All bytes (materializing a lazy tensor, gathering a strided one).
  std::string_view all() {
    const uint8_t *p = nullptr;
    if (t_.isContiguous()) {
      p = t_.data();
    } else {
      if (gathered_.empty())
        gathered_ = t_.contiguousBytes();
      p = gathered_.data();
    }
    return std::string_view(reinterpret_cast<const char *>(p), size());
  }
  size_t sampleHash() {
    size_t n = size();
    if (n <= kSampleWindows * kSampleWindowBytes)
      return absl::HashOf(all());
    // Window starts spread evenly, aligned to the window size; the last ends at the end.
    size_t windows = n / kSampleWindowBytes;
    uint8_t buf[kSampleWindowBytes];
    size_t h = absl::HashOf(n);
    for (size_t i = 0; i < kSampleWindows; ++i) {
      size_t w = i * (windows - 1) / (kSampleWindows - 1);
      size_t off = std::min(w * kSampleWindowBytes, n - kSampleWindowBytes);
      read(off, buf, kSampleWindowBytes);
      h = absl::HashOf(h, std::string_view(reinterpret_cast<const char *>(buf), sizeof buf));
    }
    return h;
  }
  size_t fullHash() {
    if (!full_)
      full_ = absl::HashOf(all());
    return *full_;
  }

private:
  const ir::Tensor &t_;
  std::vector<uint8_t> gathered_;
  std::optional<size_t> full_;
};

void collectConstants(ir::Block *b, std::vector<ir::Node *> &out) {
  for (ir::Node *n : b->nodes()) {
    if (n->kind() == ir::prim::Constant && isConstTensor(n->output()))
      out.push_back(n);
    for (ir::Block *sub : n->blocks())
      collectConstants(sub, out);
  }
}

} // namespace

bool dedupeInitializers(ir::Graph &g, bool keepNamed) {
  std::vector<ir::Node *> constants;
  collectConstants(g.block(), constants);
  struct Kept {
    ir::Value *value;
    std::unique_ptr<ConstBytes> bytes;
  };
  std::vector<Kept> kept; // kept constants are never destroyed here
  absl::flat_hash_map<SampleKey, std::vector<size_t>> seen;
  // A tensor alone with its dtype and sizes has nothing to merge with: not even sampled.
  auto candidate = [keepNamed](ir::Node *c) {
    return c->t(ir::attr::value).storage() && (keepNamed || !c->output()->hasDebugName());
  };
  absl::flat_hash_map<SampleKey, int> sameShape;
  for (ir::Node *c : constants) {
    const ir::Tensor &t = c->t(ir::attr::value);
    if (candidate(c))
      ++sameShape[SampleKey{t.dtype(), t.sizes(), 0}];
  }
  bool changed = false;
  for (ir::Node *c : constants) {
    const ir::Tensor &t = c->t(ir::attr::value);
    if (!candidate(c) || sameShape[SampleKey{t.dtype(), t.sizes(), 0}] < 2)
      continue;
    auto bytes = std::make_unique<ConstBytes>(t);
    std::vector<size_t> &group = seen[SampleKey{t.dtype(), t.sizes(), bytes->sampleHash()}];
    ir::Value *same = nullptr;
    for (size_t i : group) {
      ConstBytes &other = *kept[i].bytes;
      if (other.fullHash() == bytes->fullHash() && other.all() == bytes->all()) {
        same = kept[i].value;
        break;
      }
    }
    if (!same) {
      group.push_back(kept.size());
      kept.push_back({c->output(), std::move(bytes)});
      continue;
    }
    // Collected in program order, so the first of a kind dominates the others unless it sits
    // in a nested block; then it moves to the top.
    if (same->node()->owningBlock() != g.block())
      same->node()->moveBefore(*g.block()->nodes().begin());
    c->output()->replaceAllUsesWith(same);
    c->destroy();
    changed = true;
  }
  return changed;
}

absl::Status runDedupeInitializers(ir::Graph &graph, const passes::PassOptions &options) {
  dedupeInitializers(graph, options.get("export-params").value_or("1") != "0");
  return passes::runDce(graph, passes::PassOptions());
}

} // namespace ts2onnx::onnx_passes
