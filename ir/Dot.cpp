#include "ir/Dot.h"

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"

namespace ts2onnx::ir {
namespace {

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

class DotWriter {
public:
  explicit DotWriter(const DotOptions &options) : options_(options) {}

  std::string run(const Graph &g, const std::string &name) {
    out_ = fmt::format("digraph \"{}\" {{\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n",
                       escape(name));
    for (const Value *in : g.inputs()) {
      std::string id = fmt::format("v{}", in->unique());
      out_ += fmt::format("  {} [shape=ellipse, label=\"%{}\\n{}\"];\n", id,
                          escape(in->debugName()), escape(in->type()->str()));
      producer_[in] = id;
    }
    block(*g.block(), "  ");
    if (skipped_)
      out_ += fmt::format("  more [shape=note, label=\"{} more nodes not drawn\"];\n", skipped_);
    out_ += "  out [shape=ellipse, label=\"return\"];\n";
    for (const Value *o : g.outputs())
      edge(o, "out");
    // Edges go last, outside every cluster: an edge inside a cluster would pull its endpoints in.
    out_ += edges_;
    out_ += "}\n";
    return out_;
  }

private:
  void edge(const Value *v, const std::string &to) {
    auto it = producer_.find(v);
    if (it == producer_.end())
      return;
    edges_ += fmt::format("  {} -> {} [label=\"%{}\", fontsize=9];\n", it->second, to,
                          escape(v->debugName()));
  }

  void block(const Block &b, const std::string &indent) {
    for (const Node *n : b.nodes()) {
      if (options_.hideConstants &&
          (n->kind() == prim::Constant || n->kind().qualString() == "onnx::Constant"))
        continue;
      if (options_.maxNodes && count_ >= options_.maxNodes) {
        ++skipped_;
        continue;
      }
      std::string id = fmt::format("n{}", count_++);
      std::string label(n->kind().qualString());
      if (const AttributeValue *v = n->attribute(attr::name))
        if (auto *s = v->getIf<std::string>())
          label += fmt::format("[{}]", *s);
      out_ += fmt::format("{}{} [shape=box, label=\"{}\"];\n", indent, id, escape(label));
      for (const Value *in : n->inputs())
        edge(in, id);
      for (const Value *o : n->outputs())
        producer_[o] = id;
      for (size_t i = 0; i < n->blocks().size(); ++i) {
        const Block *sub = n->blocks()[i];
        std::string cid = fmt::format("cluster_{}_{}", id, i);
        out_ += fmt::format("{}subgraph {} {{\n{}  label=\"{} block{}\";\n", indent, cid, indent,
                            escape(label), i);
        for (const Value *p : sub->inputs()) {
          std::string pid = fmt::format("v{}", p->unique());
          out_ += fmt::format("{}  {} [shape=ellipse, label=\"%{}\"];\n", indent, pid,
                              escape(p->debugName()));
          producer_[p] = pid;
        }
        block(*sub, indent + "  ");
        std::string rid = fmt::format("{}_ret", cid);
        out_ += fmt::format("{}  {} [shape=plaintext, label=\"->\"];\n", indent, rid);
        for (const Value *o : sub->outputs())
          edge(o, rid);
        out_ += indent + "}\n";
        edges_ += fmt::format("  {} -> {} [style=dashed];\n", rid, id);
      }
    }
  }

  const DotOptions &options_;
  std::string out_, edges_;
  size_t count_ = 0, skipped_ = 0;
  absl::flat_hash_map<const Value *, std::string> producer_;
};

} // namespace

std::string printDot(const Graph &g, const std::string &name, const DotOptions &options) {
  return DotWriter(options).run(g, name);
}

} // namespace ts2onnx::ir
