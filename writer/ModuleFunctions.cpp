#include "writer/ModuleFunctions.h"

#include <map>
#include <utility>

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace ts2onnx::writer {

namespace {

/// A node at one nesting level, with the module scope components below that level.
struct Item {
  onnx::NodeProto node;
  std::vector<std::string> path;
};

std::vector<std::string> splitScope(const std::string &scope, char sep = '/') {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < scope.size()) {
    size_t slash = scope.find(sep, start);
    if (slash == std::string::npos)
      slash = scope.size();
    out.push_back(scope.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

/// `__torch__.torch.nn.modules.linear.Linear@lin#3` -> {"torch.nn.modules.linear", "Linear"};
/// torch's name mangling (`___torch_mangle_7.`) is dropped.
std::pair<std::string, std::string> functionDomainAndName(const std::string &component) {
  std::string qual = component.substr(0, component.find('@'));
  std::vector<std::string> parts;
  for (const std::string &p : splitScope(qual, '.'))
    if (p != "__torch__" && p.rfind("___torch_mangle_", 0) != 0)
      parts.push_back(p);
  if (parts.empty())
    return {"local", "Module"};
  std::string name = parts.back();
  parts.pop_back();
  std::string domain;
  for (const std::string &p : parts)
    domain += (domain.empty() ? "" : ".") + p;
  return {domain.empty() ? "local" : domain, name};
}

/// Every value name a node reads, its subgraphs' references to outer values included.
void namesRead(const onnx::NodeProto &n, std::vector<std::string> &out) {
  for (const std::string &in : n.input())
    if (!in.empty())
      out.push_back(in);
  for (const onnx::AttributeProto &a : n.attribute()) {
    auto graphRefs = [&](const onnx::GraphProto &g) {
      for (const onnx::NodeProto &inner : g.node())
        namesRead(inner, out);
      for (const onnx::ValueInfoProto &o : g.output())
        out.push_back(o.name());
    };
    if (a.has_g())
      graphRefs(a.g());
    for (const onnx::GraphProto &g : a.graphs())
      graphRefs(g);
  }
}

bool hasSubgraphs(const onnx::NodeProto &n) {
  for (const onnx::AttributeProto &a : n.attribute())
    if (a.has_g() || a.graphs_size() > 0)
      return true;
  return false;
}

class Extractor {
public:
  explicit Extractor(onnx::ModelProto &model) : model_(model) {}

  ExtractedFunctions result;

  /// Rewrites one level: every group of items sharing their first scope component becomes a
  /// call. `liveOut`: names read after this level (graph outputs, or the function's outputs).
  std::vector<Item> extract(std::vector<Item> items, const std::set<std::string> &liveOut) {
    while (true) {
      std::string component;
      for (const Item &it : items)
        if (!it.path.empty()) {
          component = it.path.front();
          break;
        }
      if (component.empty())
        return items;
      std::vector<size_t> members;
      for (size_t i = 0; i < items.size(); ++i)
        if (!items[i].path.empty() && items[i].path.front() == component)
          members.push_back(i);
      std::vector<size_t> movedAfter;
      if (!extractable(items, members, movedAfter)) {
        // Stays inline: its nodes belong to this level, its submodules are looked at here.
        for (size_t i : members)
          items[i].path.erase(items[i].path.begin());
        continue;
      }
      items = replaceByCall(std::move(items), members, movedAfter, component, liveOut);
    }
  }

private:
  /// The members can become one node placed where the last one is: none holds subgraphs, and
  /// no member reads a value computed (between the first and the last member) from a member's
  /// output by a non-member; those non-members move after the call (`movedAfter`).
  static bool extractable(const std::vector<Item> &items, const std::vector<size_t> &members,
                          std::vector<size_t> &movedAfter) {
    absl::flat_hash_set<std::string> fromMembers, fromMoved;
    size_t m = 0;
    for (size_t i = members.front(); i <= members.back(); ++i) {
      const onnx::NodeProto &n = items[i].node;
      std::vector<std::string> reads;
      namesRead(n, reads);
      bool isMember = m < members.size() && members[m] == i;
      if (isMember) {
        ++m;
        if (hasSubgraphs(n))
          return false;
        for (const std::string &r : reads)
          if (fromMoved.contains(r))
            return false;
        for (const std::string &o : n.output())
          fromMembers.insert(o);
        continue;
      }
      bool depends = false;
      for (const std::string &r : reads)
        depends |= fromMembers.contains(r) || fromMoved.contains(r);
      if (depends) {
        movedAfter.push_back(i);
        for (const std::string &o : n.output())
          fromMoved.insert(o);
      }
    }
    return true;
  }

  std::vector<Item> replaceByCall(std::vector<Item> items, const std::vector<size_t> &members,
                                  const std::vector<size_t> &movedAfter,
                                  const std::string &component,
                                  const std::set<std::string> &liveOut) {
    absl::flat_hash_set<size_t> isMember(members.begin(), members.end());
    absl::flat_hash_set<size_t> isMoved(movedAfter.begin(), movedAfter.end());
    // Outside reads: every non-member of this level, and what follows the level.
    absl::flat_hash_set<std::string> readOutside(liveOut.begin(), liveOut.end());
    for (size_t i = 0; i < items.size(); ++i)
      if (!isMember.contains(i)) {
        std::vector<std::string> reads;
        namesRead(items[i].node, reads);
        readOutside.insert(reads.begin(), reads.end());
      }
    absl::flat_hash_set<std::string> produced;
    std::vector<std::string> inputs, outputs;
    absl::flat_hash_set<std::string> inputSet;
    std::vector<Item> body;
    for (size_t i : members) {
      const onnx::NodeProto &n = items[i].node;
      for (const std::string &in : n.input())
        if (!in.empty() && !produced.contains(in) && inputSet.insert(in).second)
          inputs.push_back(in);
      for (const std::string &o : n.output()) {
        if (o.empty())
          continue;
        produced.insert(o);
        if (readOutside.contains(o))
          outputs.push_back(o);
        else
          result.internalValues.insert(o);
      }
      Item inner = std::move(items[i]);
      inner.path.erase(inner.path.begin());
      body.push_back(std::move(inner));
    }
    body = extract(std::move(body), std::set<std::string>(outputs.begin(), outputs.end()));

    auto [domain, className] = functionDomainAndName(component);
    onnx::FunctionProto f;
    f.set_domain(domain);
    // Canonical names, so that instances of one class with one body share their function.
    absl::flat_hash_map<std::string, std::string> rename;
    for (size_t k = 0; k < inputs.size(); ++k) {
      rename[inputs[k]] = fmt::format("in_{}", k);
      f.add_input(rename[inputs[k]]);
    }
    for (size_t k = 0; k < outputs.size(); ++k)
      rename[outputs[k]] = fmt::format("out_{}", k);
    size_t temps = 0;
    auto canonical = [&](const std::string &name) -> std::string {
      if (name.empty())
        return name;
      auto it = rename.find(name);
      if (it != rename.end())
        return it->second;
      return rename[name] = fmt::format("t_{}", temps++);
    };
    for (Item &it : body) {
      onnx::NodeProto *n = f.add_node();
      *n = std::move(it.node);
      n->clear_name();
      for (std::string &in : *n->mutable_input())
        in = canonical(in);
      for (std::string &o : *n->mutable_output())
        o = canonical(o);
    }
    for (const std::string &o : outputs)
      f.add_output(rename[o]);
    std::string key = domain + "\n" + className + "\n" + f.SerializeAsString();
    auto known = functionByBody_.find(key);
    std::string name;
    if (known != functionByBody_.end()) {
      name = known->second;
    } else {
      int &count = namesInDomain_[domain + "\n" + className];
      name = count == 0 ? className : fmt::format("{}_{}", className, count);
      ++count;
      functionByBody_.emplace(key, name);
      f.set_name(name);
      *model_.add_functions() = std::move(f);
      result.domains.insert(domain);
    }

    Item call;
    call.node.set_op_type(name);
    call.node.set_domain(domain);
    call.node.set_name(fmt::format("{}_{}", name, calls_++));
    for (const std::string &in : inputs)
      call.node.add_input(in);
    for (const std::string &o : outputs)
      call.node.add_output(o);
    call.path = {};

    std::vector<Item> out;
    out.reserve(items.size());
    for (size_t i = 0; i < members.front(); ++i)
      out.push_back(std::move(items[i]));
    for (size_t i = members.front(); i <= members.back(); ++i)
      if (!isMember.contains(i) && !isMoved.contains(i))
        out.push_back(std::move(items[i]));
    out.push_back(std::move(call));
    for (size_t i : movedAfter)
      out.push_back(std::move(items[i]));
    for (size_t i = members.back() + 1; i < items.size(); ++i)
      out.push_back(std::move(items[i]));
    return out;
  }

  onnx::ModelProto &model_;
  std::map<std::string, std::string> functionByBody_;
  std::map<std::string, int> namesInDomain_;
  int calls_ = 0;
};

} // namespace

absl::StatusOr<ExtractedFunctions> extractModuleFunctions(onnx::ModelProto &model,
                                                          const std::vector<std::string> &scopes) {
  onnx::GraphProto *g = model.mutable_graph();
  if (scopes.size() != static_cast<size_t>(g->node_size()))
    return absl::InternalError(
        fmt::format("{} module scopes for {} nodes", scopes.size(), g->node_size()));
  std::vector<Item> items(scopes.size());
  for (int i = 0; i < g->node_size(); ++i) {
    items[size_t(i)].node = std::move(*g->mutable_node(i));
    items[size_t(i)].path = splitScope(scopes[size_t(i)]);
  }
  std::set<std::string> liveOut;
  for (const onnx::ValueInfoProto &o : g->output())
    liveOut.insert(o.name());
  Extractor x(model);
  items = x.extract(std::move(items), liveOut);
  g->clear_node();
  for (Item &it : items)
    *g->add_node() = std::move(it.node);
  return std::move(x.result);
}

} // namespace ts2onnx::writer
