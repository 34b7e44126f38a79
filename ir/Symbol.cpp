#include "ir/Symbol.h"

#include <atomic>
#include <cstdlib>
#include <mutex>

#include "absl/container/flat_hash_map.h"

namespace ts2onnx::ir {
namespace {

struct Entry {
  std::string qual;
  size_t sep; // length of the namespace part
};

/// Interning takes a lock; reading an interned symbol's strings does not (every pass reads
/// them, from several threads in the payload writer's generators and the schema thread):
/// entries live in fixed chunks that never move, published through atomic chunk pointers.
class SymbolTable {
public:
  SymbolTable() {
    append({"", 0}); // id 0: the invalid symbol
#define TS2ONNX_INTERN_SYMBOL(ns, name) intern(#ns "::" #name);
    TS2ONNX_BUILTIN_SYMBOLS(TS2ONNX_INTERN_SYMBOL)
#undef TS2ONNX_INTERN_SYMBOL
  }

  uint32_t intern(std::string_view qual) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ids_.find(qual);
    if (it != ids_.end())
      return it->second;
    size_t pos = qual.find("::");
    uint32_t id = append({std::string(qual), pos == std::string_view::npos ? 0 : pos});
    ids_.emplace(std::string_view(get(id).qual), id);
    return id;
  }

  /// An id from intern(): its entry was complete before the id was handed out.
  const Entry &get(uint32_t id) const {
    return chunks_[id >> kChunkBits].load(std::memory_order_acquire)[id & (kChunkSize - 1)];
  }

private:
  static constexpr uint32_t kChunkBits = 12, kChunkSize = uint32_t{1} << kChunkBits;
  static constexpr uint32_t kMaxChunks = 65536; // 268 million symbols: memory runs out first

  // Under mu_ (or in the constructor).
  uint32_t append(Entry e) {
    uint32_t id = size_;
    uint32_t chunk = id >> kChunkBits;
    if (chunk >= kMaxChunks)
      std::abort(); // unreachable: 268 million names take over 10 GB
    Entry *entries = chunks_[chunk].load(std::memory_order_relaxed);
    if (!entries) {
      entries = new Entry[kChunkSize];
      chunks_[chunk].store(entries, std::memory_order_release);
    }
    entries[id & (kChunkSize - 1)] = std::move(e);
    ++size_;
    return id;
  }

  std::mutex mu_;
  std::atomic<Entry *> chunks_[kMaxChunks] = {};
  uint32_t size_ = 0;
  absl::flat_hash_map<std::string_view, uint32_t> ids_;
};

SymbolTable &table() {
  static SymbolTable *t = new SymbolTable();
  return *t;
}

} // namespace

Symbol Symbol::fromQualString(std::string_view qual) { return Symbol(table().intern(qual)); }

Symbol Symbol::make(std::string_view ns, std::string_view name) {
  std::string q;
  q.reserve(ns.size() + 2 + name.size());
  q.append(ns).append("::").append(name);
  return fromQualString(q);
}

const std::string &Symbol::qualString() const { return table().get(id_).qual; }

std::string_view Symbol::ns() const {
  const Entry &e = table().get(id_);
  return std::string_view(e.qual).substr(0, e.sep);
}

std::string_view Symbol::name() const {
  const Entry &e = table().get(id_);
  std::string_view q(e.qual);
  return e.sep == 0 && q.find("::") != 0 ? q : q.substr(e.sep + 2);
}

} // namespace ts2onnx::ir
