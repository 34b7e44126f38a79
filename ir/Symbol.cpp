#include "ir/Symbol.h"

#include <deque>
#include <mutex>

#include "absl/container/flat_hash_map.h"

namespace ts2onnx::ir {
namespace {

struct Entry {
  std::string qual;
  size_t sep; // length of the namespace part
};

class SymbolTable {
public:
  SymbolTable() {
    entries_.push_back({"", 0}); // id 0: the invalid symbol
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
    // A deque never moves its elements, so string_views into them stay valid.
    entries_.push_back({std::string(qual), pos == std::string_view::npos ? 0 : pos});
    uint32_t id = static_cast<uint32_t>(entries_.size() - 1);
    ids_.emplace(std::string_view(entries_.back().qual), id);
    return id;
  }

  const Entry &get(uint32_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.at(id);
  }

private:
  std::mutex mu_;
  std::deque<Entry> entries_;
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
