// The emitter: ONNX-dialect IR -> onnx::ModelProto (see Emitter.h), checker, atomic writer.
#include "writer/Emitter.h"
#include "writer/ModuleFunctions.h"
#include "writer/OnnxSchemas.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "ir/Printer.h"
#include "ir/Status.h"
#include "ir/Verifier.h"
#include "onnx/checker.h"
#include "onnx/defs/printer.h"
#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"
#include "symbolics/OnnxBuilder.h"
#include "writer/PendingFiles.h"
#include "writer/ShapeInference.h"

#ifndef TS2ONNX_VERSION
#define TS2ONNX_VERSION "0.0.0"
#endif

namespace ts2onnx::writer {

int irVersionForOpset(int opset) {
  if (opset <= 9)
    return 4;
  if (opset == 10)
    return 5;
  if (opset == 11)
    return 6;
  if (opset <= 14)
    return 7;
  return 8;
}

namespace {

using ir::Node;
using ir::Value;

bool hostIsLittleEndian() {
  const uint16_t one = 1;
  uint8_t first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

/// `x.1` -> `x`, `x.12` -> `x`; other names unchanged.
std::string stripNumericSuffix(const std::string &name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == name.size())
    return name;
  for (size_t i = dot + 1; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9')
      return name;
  return name.substr(0, dot);
}

/// Dtype and dims of a value as far as the IR knows them. Non-tensor scalars (an `int`
/// argument) are 0-d tensors, as torch exports them.
struct ValueType {
  std::optional<ir::ScalarType> dtype;
  std::optional<std::vector<ir::Dim>> dims;
  bool sequence = false; // an ONNX sequence of such tensors (a runtime-length list)
};

ValueType irTypeOf(const Value *v) {
  const ir::Type &t = *v->type();
  switch (t.kind()) {
  case ir::TypeKind::Tensor:
    return {t.tensorInfo().dtype, t.tensorInfo().sizes};
  case ir::TypeKind::Int:
    return {ir::ScalarType::Int64, std::vector<ir::Dim>{}};
  case ir::TypeKind::Float:
    return {ir::ScalarType::Float64, std::vector<ir::Dim>{}};
  case ir::TypeKind::Bool:
    return {ir::ScalarType::Bool, std::vector<ir::Dim>{}};
  case ir::TypeKind::List: {
    // Lists that reach the emitter are sequences (literals were taken apart by the symbolics);
    // the element is what irTypeOf says of it, without dims.
    const ir::Type &e = *t.elementType();
    std::optional<ir::ScalarType> dt;
    if (e.isTensor())
      dt = e.tensorInfo().dtype;
    else if (e.is(ir::TypeKind::Int))
      dt = ir::ScalarType::Int64;
    else if (e.is(ir::TypeKind::Float))
      dt = ir::ScalarType::Float64;
    else if (e.is(ir::TypeKind::Bool))
      dt = ir::ScalarType::Bool;
    return {dt, std::nullopt, true};
  }
  default:
    return {};
  }
}

void setType(onnx::ValueInfoProto *vi, const ValueType &t) {
  if (!t.dtype)
    return;
  auto *tt =
      t.sequence
          ? vi->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()
          : vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(symbolics::onnxDataType(*t.dtype));
  if (!t.dims)
    return;
  auto *shape = tt->mutable_shape();
  for (const ir::Dim &d : *t.dims) {
    auto *dim = shape->add_dim();
    if (d.isStatic())
      dim->set_dim_value(d.value);
    else if (d.isSymbolic())
      dim->set_dim_param(d.symbol);
  }
}

/// Dtype and dims of `t` into `p`, without the data.
absl::Status tensorHeaderToProto(const ir::Tensor &t, onnx::TensorProto *p) {
  int dt = symbolics::onnxDataType(t.dtype());
  if (dt == 0)
    return absl::UnimplementedError(fmt::format("tensor of dtype {} has no ONNX equivalent",
                                                ir::scalarTypeShortName(t.dtype())));
  if (!hostIsLittleEndian() && ir::elementSize(t.dtype()) > 1)
    return absl::UnimplementedError("writing tensors on a big-endian host is not supported");
  p->set_data_type(dt);
  for (int64_t s : t.sizes())
    p->add_dims(s);
  return absl::OkStatus();
}

absl::Status tensorToProto(const ir::Tensor &t, onnx::TensorProto *p) {
  TS2ONNX_RETURN_IF_ERROR(tensorHeaderToProto(t, p));
  if (t.numel() == 0)
    return absl::OkStatus();
  if (t.isContiguous() && t.data()) {
    p->set_raw_data(t.data(), t.nbytes());
  } else {
    std::vector<uint8_t> bytes = t.contiguousBytes();
    p->set_raw_data(bytes.data(), bytes.size());
  }
  return absl::OkStatus();
}

class Emitter {
public:
  Emitter(const ir::Graph &g, const EmitOptions &o) : g_(g), o_(o) {}

  absl::StatusOr<onnx::ModelProto> run() {
    TS2ONNX_ASSIGN_OR_RETURN(EmittedModel m, runDeferred());
    return std::move(m.model);
  }

  absl::StatusOr<EmittedModel> runDeferred() {
    if (o_.opset < 1)
      return absl::InvalidArgumentError(fmt::format("invalid opset {}", o_.opset));
    model_.set_ir_version(irVersionForOpset(o_.opset));
    model_.set_producer_name(o_.producerName);
    model_.set_producer_version(o_.producerVersion.empty() ? TS2ONNX_VERSION : o_.producerVersion);
    onnx::GraphProto *graph = model_.mutable_graph();
    graph->set_name(o_.graphName);

    TS2ONNX_RETURN_IF_ERROR(nameInputsAndOutputs());
    for (size_t i = 0; i < g_.inputs().size(); ++i) {
      const Value *v = g_.inputs()[i];
      onnx::ValueInfoProto *vi = graph->add_input();
      vi->set_name(names_.at(v));
      ValueType t = irTypeOf(v);
      if (v->type()->is(ir::TypeKind::Class))
        return absl::InvalidArgumentError(fmt::format(
            "graph input '{}' is a module ({}) still used by the graph: freezing left module "
            "attribute accesses",
            names_.at(v), v->type()->str()));
      if (!t.dtype)
        return absl::InvalidArgumentError(fmt::format(
            "graph input '{}' ({}) has no known tensor dtype; give its type with --input",
            names_.at(v), v->type()->str()));
      setType(vi, t);
      TS2ONNX_RETURN_IF_ERROR(applyDynamicAxes(vi));
    }

    TS2ONNX_RETURN_IF_ERROR(emitBlock(*g_.block(), graph, /*topLevel=*/true));
    TS2ONNX_RETURN_IF_ERROR(emitOutputs(*g_.block(), graph, o_.outputNames, /*topLevel=*/true));
    if (o_.exportModulesAsFunctions) {
      std::vector<std::string> scopes(static_cast<size_t>(graph->node_size()));
      for (const auto &[index, scope] : nodeScopes_)
        scopes.at(index) = scope;
      TS2ONNX_ASSIGN_OR_RETURN(functions_, extractModuleFunctions(model_, scopes));
      domains_.insert(functions_.domains.begin(), functions_.domains.end());
    }

    if (o_.keepInitializersAsInputs)
      for (const auto &[name, v] : initializerValues_) {
        onnx::ValueInfoProto *vi = graph->add_input();
        vi->set_name(name);
        setType(vi, constantType(v));
      }

    // Opset imports: the default domain, then every other domain a node used.
    auto *def = model_.add_opset_import();
    def->set_domain("");
    def->set_version(o_.opset);
    for (const auto &[domain, version] : o_.customOpsets)
      domains_.insert(domain);
    for (const std::string &d : domains_) {
      if (d.empty())
        continue;
      auto it = o_.customOpsets.find(d);
      auto *imp = model_.add_opset_import();
      imp->set_domain(d);
      imp->set_version(it == o_.customOpsets.end() ? 1 : it->second);
    }
    // Functions see the model's opsets (their own domains included, for nested calls).
    for (onnx::FunctionProto &f : *model_.mutable_functions())
      *f.mutable_opset_import() = model_.opset_import();

    if (o_.check) {
      TS2ONNX_RETURN_IF_ERROR(checkOutputRanks());
      TS2ONNX_RETURN_IF_ERROR(checkDeferredModel(model_, deferred_));
    } else if (o_.valueInfo)
      inferShapesLenient();
    if (o_.valueInfo)
      addIrValueInfo();
    for (const onnx::ValueInfoProto &out : graph->output())
      if (!out.type().has_tensor_type() || out.type().tensor_type().elem_type() == 0)
        return absl::FailedPreconditionError(
            fmt::format("the dtype of graph output '{}' is unknown (neither the IR nor ONNX shape "
                        "inference knows it)",
                        out.name()));
    return EmittedModel{std::move(model_), std::move(deferred_)};
  }

private:
  /// Reserves the names of the graph's inputs and outputs first, so that internal names can
  /// never take them.
  absl::Status nameInputsAndOutputs() {
    const auto &inputs = g_.inputs();
    if (o_.inputNames.size() > inputs.size())
      return absl::InvalidArgumentError(fmt::format(
          "{} input names given for a graph with {} inputs", o_.inputNames.size(), inputs.size()));
    if (o_.outputNames.size() > g_.outputs().size())
      return absl::InvalidArgumentError(
          fmt::format("{} output names given for a graph with {} outputs", o_.outputNames.size(),
                      g_.outputs().size()));
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::string name = i < o_.inputNames.size() && !o_.inputNames[i].empty()
                             ? o_.inputNames[i]
                             : stripNumericSuffix(inputs[i]->debugName());
      if (!used_.insert(name).second)
        return absl::InvalidArgumentError(fmt::format("two graph inputs are named '{}'", name));
      names_[inputs[i]] = name;
    }
    for (size_t i = 0; i < g_.outputs().size(); ++i) {
      std::string name = outputName(i);
      if (!used_.insert(name).second)
        return absl::InvalidArgumentError(
            fmt::format("output name '{}' is already the name of an input or output", name));
    }
    return absl::OkStatus();
  }

  /// The user's name for output i, else the one to-onnx gave a flattened tuple/list/dict
  /// element (`out.0`, `out.<key>`, in the return node's `output_names`), else `output_<i>`.
  std::string outputName(size_t i) const {
    if (i < o_.outputNames.size() && !o_.outputNames[i].empty())
      return o_.outputNames[i];
    static const ir::Symbol kNames = ir::Symbol::attr("output_names");
    if (const ir::AttributeValue *a = g_.block()->returnNode()->attribute(kNames))
      if (const auto *names = a->getIf<std::vector<std::string>>())
        if (i < names->size() && !(*names)[i].empty())
          return (*names)[i];
    return fmt::format("output_{}", i);
  }

  std::string freshName(std::string base) {
    if (base.empty())
      base = "v";
    std::string name = base;
    if (used_.insert(name).second)
      return name;
    // Names are never released, so every suffix below the hint is taken: start there (the
    // first free `base_k` is the same, found in linear total time).
    int &hint = suffixHint_[base];
    for (int k = std::max(hint, 1);; ++k) {
      name = fmt::format("{}_{}", base, k);
      if (used_.insert(name).second) {
        hint = k + 1;
        return name;
      }
    }
  }

  static ValueType constantType(const Value *v) {
    const ir::Tensor &t = v->node()->t(ir::attr::value);
    std::vector<ir::Dim> dims;
    for (int64_t s : t.sizes())
      dims.push_back(ir::Dim::known(s));
    return {t.dtype(), std::move(dims)};
  }

  static bool isTensorConstant(const Value *v) {
    const Node *n = v->node();
    if (n->kind() != ir::prim::Constant)
      return false;
    const ir::AttributeValue *a = n->attribute(ir::attr::value);
    return a && a->getIf<ir::Tensor>() && a->get<ir::Tensor>().defined();
  }

  static bool isNoneConstant(const Value *v) {
    return v->node()->kind() == ir::prim::Constant && !v->node()->hasAttribute(ir::attr::value);
  }

  /// The ONNX name of a value an ONNX node reads: its defining node's output, a graph/block
  /// input, an initializer (written on first use), or "" for None (an omitted optional input).
  absl::StatusOr<std::string> nameOf(const Value *v, const Node &user) {
    if (auto it = names_.find(v); it != names_.end())
      return it->second;
    if (isNoneConstant(v))
      return std::string();
    if (isTensorConstant(v))
      return emitInitializer(v);
    return absl::InvalidArgumentError(
        fmt::format("{} reads %{} ({}), which is not an ONNX value (a tensor made by an ONNX "
                    "node, a graph input or a tensor constant)",
                    ir::describeNode(user), v->debugName(), v->type()->str()));
  }

  absl::StatusOr<std::string> emitInitializer(const Value *v) {
    const ir::Tensor &t = v->node()->t(ir::attr::value);
    // One initializer per distinct view of a storage (the same parameter reached twice).
    // (A lazy storage may have no bytes yet: it is its own identity.)
    const ir::Storage *st = t.storage().get();
    auto key = std::make_tuple(st && !st->generate ? static_cast<const void *>(st->data)
                                                   : static_cast<const void *>(st),
                               t.storageOffset(), t.sizes(), t.strides(), t.dtype());
    if (t.storage()) {
      if (auto it = dedupe_.find(key); it != dedupe_.end()) {
        names_[v] = it->second;
        return it->second;
      }
    }
    std::string name = freshName(v->hasDebugName() ? v->debugName() : "onnx_const");
    names_[v] = name;
    if (t.storage())
      dedupe_.emplace(key, name);
    if (!o_.exportParams && v->hasDebugName()) {
      onnx::ValueInfoProto *vi = model_.mutable_graph()->add_input();
      vi->set_name(name);
      setType(vi, constantType(v));
      return name;
    }
    onnx::TensorProto *p = model_.mutable_graph()->add_initializer();
    p->set_name(name);
    const bool defer = t.numel() > 0 && t.nbytes() >= o_.deferFrom;
    if (defer)
      deferred_.push_back({model_.graph().initializer_size() - 1, t});
    if (absl::Status s = defer ? tensorHeaderToProto(t, p) : tensorToProto(t, p); !s.ok())
      return absl::Status(
          s.code(), fmt::format("constant %{}: {}", v->debugName(), std::string(s.message())));
    initializerValues_.emplace_back(name, v);
    return name;
  }

  absl::Status emitBlock(const ir::Block &block, onnx::GraphProto *graph, bool topLevel) {
    for (const Node *n : block.nodes()) {
      if (n->kind() == ir::prim::Constant)
        continue; // written on first use
      TS2ONNX_RETURN_IF_ERROR(emitNode(*n, graph, topLevel));
    }
    return absl::OkStatus();
  }

  absl::Status emitNode(const Node &n, onnx::GraphProto *graph, bool topLevel) {
    ir::Symbol k = n.kind();
    if (k.isNamespace("prim"))
      return absl::InvalidArgumentError(fmt::format(
          "{} is not an ONNX node (the graph must be converted by to-onnx before it is emitted)",
          ir::describeNode(n)));
    onnx::NodeProto *p = graph->add_node();
    if (topLevel && !n.scopeName().empty())
      nodeScopes_.emplace_back(static_cast<size_t>(graph->node_size() - 1), n.scopeName());
    std::string opType(k.name());
    std::string domain;
    if (const ir::AttributeValue *d = n.attribute(ir::Symbol::attr("domain"));
        d && d->getIf<std::string>())
      domain = d->get<std::string>();
    else if (!k.isNamespace("onnx"))
      domain = std::string(k.ns());
    p->set_op_type(opType);
    if (!domain.empty())
      p->set_domain(domain);
    domains_.insert(domain);
    p->set_name(fmt::format("{}_{}", opType, nodeCounter_++));
    for (const Value *in : n.inputs()) {
      TS2ONNX_ASSIGN_OR_RETURN(std::string name, nameOf(in, n));
      p->add_input(name);
    }
    // Trailing omitted optional inputs are dropped, as ONNX writers do.
    while (p->input_size() > 0 && p->input(p->input_size() - 1).empty())
      p->mutable_input()->RemoveLast();
    for (const Value *out : n.outputs()) {
      std::string name;
      if (auto it = names_.find(out); it != names_.end())
        name = it->second;
      else if (auto it2 = outputNameFor_.find(out); it2 != outputNameFor_.end() && topLevel)
        name = it2->second;
      else
        name = freshName(out->debugName());
      names_[out] = name;
      p->add_output(name);
      if (topLevel)
        intermediates_.emplace_back(name, out);
    }
    for (const auto &[sym, value] : n.attributes()) {
      std::string an(sym.name());
      if (an == "domain")
        continue;
      onnx::AttributeProto *a = p->add_attribute();
      a->set_name(an);
      if (absl::Status s = emitAttribute(value, a, n); !s.ok())
        return absl::Status(s.code(), fmt::format("{}: attribute '{}': {}", ir::describeNode(n), an,
                                                  std::string(s.message())));
    }
    TS2ONNX_RETURN_IF_ERROR(emitSubgraphs(n, p));
    return absl::OkStatus();
  }

  absl::Status emitAttribute(const ir::AttributeValue &v, onnx::AttributeProto *a, const Node &n) {
    using K = ir::AttributeKind;
    switch (v.kind()) {
    case K::Int:
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(v.get<int64_t>());
      return absl::OkStatus();
    case K::Float:
      a->set_type(onnx::AttributeProto::FLOAT);
      a->set_f(static_cast<float>(v.get<double>()));
      return absl::OkStatus();
    case K::String:
      a->set_type(onnx::AttributeProto::STRING);
      a->set_s(v.get<std::string>());
      return absl::OkStatus();
    case K::Ints:
      a->set_type(onnx::AttributeProto::INTS);
      for (int64_t x : v.get<std::vector<int64_t>>())
        a->add_ints(x);
      return absl::OkStatus();
    case K::Bools:
      a->set_type(onnx::AttributeProto::INTS);
      for (bool x : v.get<std::vector<bool>>())
        a->add_ints(x ? 1 : 0);
      return absl::OkStatus();
    case K::Floats:
      a->set_type(onnx::AttributeProto::FLOATS);
      for (double x : v.get<std::vector<double>>())
        a->add_floats(static_cast<float>(x));
      return absl::OkStatus();
    case K::Strings:
      a->set_type(onnx::AttributeProto::STRINGS);
      for (const std::string &x : v.get<std::vector<std::string>>())
        a->add_strings(x);
      return absl::OkStatus();
    case K::Tensor:
      a->set_type(onnx::AttributeProto::TENSOR);
      return tensorToProto(v.get<ir::Tensor>(), a->mutable_t());
    case K::Tensors:
      a->set_type(onnx::AttributeProto::TENSORS);
      for (const ir::Tensor &t : v.get<std::vector<ir::Tensor>>())
        TS2ONNX_RETURN_IF_ERROR(tensorToProto(t, a->add_tensors()));
      return absl::OkStatus();
    case K::Graph: {
      a->set_type(onnx::AttributeProto::GRAPH);
      const auto &sub = v.get<std::shared_ptr<ir::Graph>>();
      if (!sub)
        return absl::InvalidArgumentError("empty graph");
      return emitSubgraph(*sub->block(), a->mutable_g(),
                          fmt::format("{}_{}", n.kind().name(), a->name()));
    }
    default:
      return absl::UnimplementedError(
          fmt::format("{} attributes have no ONNX form", ir::attributeKindName(v.kind())));
    }
  }

  /// onnx::If's two blocks are then_branch/else_branch; Loop's and Scan's one block is body.
  absl::Status emitSubgraphs(const Node &n, onnx::NodeProto *p) {
    if (n.blocks().empty())
      return absl::OkStatus();
    std::vector<std::string> attrNames;
    if (n.kind().name() == "If" && n.blocks().size() == 2)
      attrNames = {"then_branch", "else_branch"};
    else if ((n.kind().name() == "Loop" || n.kind().name() == "Scan") && n.blocks().size() == 1)
      attrNames = {"body"};
    else
      return absl::UnimplementedError(fmt::format("{}: no ONNX form for a node with {} blocks",
                                                  ir::describeNode(n), n.blocks().size()));
    for (size_t i = 0; i < attrNames.size(); ++i) {
      onnx::AttributeProto *a = p->add_attribute();
      a->set_name(attrNames[i]);
      a->set_type(onnx::AttributeProto::GRAPH);
      TS2ONNX_RETURN_IF_ERROR(emitSubgraph(*n.blocks()[i], a->mutable_g(),
                                           fmt::format("{}_{}", p->name(), attrNames[i])));
    }
    return absl::OkStatus();
  }

  absl::Status emitSubgraph(const ir::Block &block, onnx::GraphProto *graph, std::string name) {
    graph->set_name(std::move(name));
    for (const Value *in : block.inputs()) {
      std::string n = freshName(in->debugName());
      names_[in] = n;
      onnx::ValueInfoProto *vi = graph->add_input();
      vi->set_name(n);
      setType(vi, irTypeOf(in));
    }
    TS2ONNX_RETURN_IF_ERROR(emitBlock(block, graph, /*topLevel=*/false));
    std::vector<std::string> outNames;
    for (const Value *out : block.outputs())
      outNames.push_back(freshName(out->debugName() + "_out"));
    return emitOutputs(block, graph, outNames, /*topLevel=*/false);
  }

  /// Graph (or subgraph) outputs. A value made by a node of this graph is named after the output
  /// directly (top level: done before its node was written); anything else goes through an
  /// Identity.
  absl::Status emitOutputs(const ir::Block &block, onnx::GraphProto *graph,
                           const std::vector<std::string> &givenNames, bool topLevel) {
    absl::flat_hash_set<const Value *> seen;
    for (size_t i = 0; i < block.outputs().size(); ++i) {
      const Value *v = block.outputs()[i];
      std::string name = topLevel ? outputName(i) : givenNames[i];
      auto it = names_.find(v);
      // In a subgraph, a value made by a node of the block is its own output.
      if (!topLevel && it != names_.end() && v->node()->owningBlock() == &block &&
          v->node()->kind() != ir::prim::Constant && !seen.count(v))
        name = it->second;
      bool direct = it != names_.end() && it->second == name;
      if (!direct) {
        if (isNoneConstant(v))
          return absl::InvalidArgumentError(
              fmt::format("output {} ('{}') is None, which ONNX cannot return", i, name));
        TS2ONNX_ASSIGN_OR_RETURN(std::string src, nameOf(v, *block.returnNode()));
        onnx::NodeProto *id = graph->add_node();
        id->set_op_type("Identity");
        id->set_name(fmt::format("Identity_{}", nodeCounter_++));
        id->add_input(src);
        id->add_output(name);
      }
      seen.insert(v);
      onnx::ValueInfoProto *vi = graph->add_output();
      vi->set_name(name);
      setType(vi, isTensorConstant(v) ? constantType(v) : irTypeOf(v));
      if (topLevel)
        TS2ONNX_RETURN_IF_ERROR(applyDynamicAxes(vi));
    }
    return absl::OkStatus();
  }

  absl::Status applyDynamicAxes(onnx::ValueInfoProto *vi) {
    auto it = o_.dynamicAxes.find(vi->name());
    if (it == o_.dynamicAxes.end())
      return absl::OkStatus();
    if (!vi->type().tensor_type().has_shape())
      return absl::OkStatus(); // rank unknown: shape inference decides
    auto *shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
    for (const auto &[axis, symbol] : it->second) {
      int64_t a = axis < 0 ? axis + shape->dim_size() : axis;
      if (a < 0 || a >= shape->dim_size())
        return absl::InvalidArgumentError(
            fmt::format("dynamic axis {} of '{}' is out of range for rank {}", axis, vi->name(),
                        shape->dim_size()));
      shape->mutable_dim(static_cast<int>(a))->set_dim_param(symbol);
    }
    return absl::OkStatus();
  }

  /// ONNX's checker wants a shape (a rank) on every tensor output of the main graph. Where the
  /// IR does not know one, the output depends on a node no shape rule covers, in practice a
  /// fallback node (ATen or a custom domain) kept by --operator-export-type: name it and where it
  /// comes from instead of the checker's "Field 'shape' of 'type' is required".
  absl::Status checkOutputRanks() {
    const onnx::GraphProto &graph = model_.graph();
    for (int i = 0; i < graph.output_size(); ++i) {
      const onnx::TypeProto &t = graph.output(i).type();
      bool untyped = t.value_case() == onnx::TypeProto::VALUE_NOT_SET;
      if (!untyped && (!t.has_tensor_type() || t.tensor_type().has_shape()))
        continue;
      const ir::Node *culprit = nullptr;
      if (static_cast<size_t>(i) < g_.outputs().size())
        culprit = untypedSource(g_.outputs()[static_cast<size_t>(i)]);
      std::string what;
      if (culprit) {
        std::string op = culprit->kind().qualString();
        if (culprit->hasAttribute(ir::Symbol::attr("operator")))
          op = "aten::" + culprit->s(ir::Symbol::attr("operator"));
        bool custom = culprit->hasAttribute(ir::Symbol::attr("domain"));
        what = fmt::format(
            ": it is computed from {}{}{}, whose output {} is unknown{}", op,
            custom ? " (kept as a node of domain " + culprit->s(ir::Symbol::attr("domain")) + ")"
                   : "",
            culprit->sourceLocation().valid() ? " at " + culprit->sourceLocation().str() : "",
            untyped ? "type" : "rank",
            custom ? "; ONNX needs the dtype and rank of every graph output, so only a "
                     "model whose outputs do not depend on fallback nodes of "
                     "unknown dtype or rank can be written"
                   : "");
      }
      return absl::FailedPreconditionError(fmt::format("the {} of graph output '{}' is unknown{}",
                                                       untyped ? "dtype" : "rank",
                                                       graph.output(i).name(), what));
    }
    return absl::OkStatus();
  }

  /// The node nearest to `v`, going up its inputs, whose outputs have no known rank while all
  /// of its tensor inputs have one: where the rank got lost.
  static const ir::Node *untypedSource(const Value *v) {
    std::vector<const Value *> work = {v};
    absl::flat_hash_set<const Value *> seen;
    const ir::Node *best = nullptr;
    while (!work.empty()) {
      const Value *cur = work.back();
      work.pop_back();
      if (!seen.insert(cur).second || seen.size() > 10000)
        continue;
      if (!cur->type()->is(ir::TypeKind::Tensor) ||
          (cur->type()->tensorInfo().sizes && cur->type()->tensorInfo().dtype))
        continue;
      const ir::Node *n = cur->node();
      bool inputsKnown = true;
      for (const Value *in : n->inputs()) {
        if (in->type()->is(ir::TypeKind::Tensor) &&
            (!in->type()->tensorInfo().sizes || !in->type()->tensorInfo().dtype)) {
          inputsKnown = false;
          work.push_back(in);
        }
      }
      if (inputsKnown && (!best || n->hasAttribute(ir::Symbol::attr("domain"))))
        best = n;
    }
    return best;
  }

  void inferShapesLenient() {
    try {
      inferShapes(model_, onnx::ShapeInferenceOptions());
    } catch (const std::exception &) {
      // value_info is a nicety when the checks are off.
    }
  }

  /// Intermediate values ONNX's inference left untyped get the IR's dtype and dims.
  void addIrValueInfo() {
    onnx::GraphProto *graph = model_.mutable_graph();
    absl::flat_hash_set<std::string> typed;
    for (const auto &vi : graph->value_info())
      typed.insert(vi.name());
    for (const auto &vi : graph->output())
      typed.insert(vi.name());
    for (const auto &[name, v] : intermediates_) {
      if (typed.count(name) || functions_.internalValues.count(name))
        continue;
      ValueType t = irTypeOf(v);
      if (!t.dtype || symbolics::onnxDataType(*t.dtype) == 0)
        continue;
      onnx::ValueInfoProto *vi = graph->add_value_info();
      vi->set_name(name);
      setType(vi, t);
    }
  }

  const ir::Graph &g_;
  const EmitOptions &o_;
  onnx::ModelProto model_;
  absl::flat_hash_map<const Value *, std::string> names_;
  absl::flat_hash_map<const Value *, std::string> outputNameFor_;
  absl::flat_hash_set<std::string> used_;
  absl::flat_hash_map<std::string, int> suffixHint_; // freshName: first suffix worth trying
  std::map<
      std::tuple<const void *, int64_t, std::vector<int64_t>, std::vector<int64_t>, ir::ScalarType>,
      std::string>
      dedupe_;
  std::vector<std::pair<std::string, const Value *>> initializerValues_;
  std::vector<DeferredTensor> deferred_;
  std::vector<std::pair<std::string, const Value *>> intermediates_;
  std::set<std::string> domains_;
  std::vector<std::pair<size_t, std::string>> nodeScopes_; // top-level node index -> scope
  ExtractedFunctions functions_;
  size_t nodeCounter_ = 0;

public:
  /// Top-level outputs made by a node of the main graph are named after the output directly
  /// (the first time a value appears among the outputs).
  void planOutputNames() {
    for (size_t i = 0; i < g_.outputs().size(); ++i) {
      const Value *v = g_.outputs()[i];
      if (names_.count(v) || outputNameFor_.count(v) || isTensorConstant(v) || isNoneConstant(v))
        continue;
      if (v->node()->owningBlock() != g_.block())
        continue;
      outputNameFor_[v] = outputName(i);
    }
  }
};

} // namespace

absl::StatusOr<onnx::ModelProto> emitModel(const ir::Graph &graph, const EmitOptions &options) {
  EmitOptions whole = options;
  whole.deferFrom = SIZE_MAX;
  Emitter e(graph, whole);
  e.planOutputNames();
  return e.run();
}

absl::StatusOr<EmittedModel> emitModelDeferred(const ir::Graph &graph, const EmitOptions &options) {
  Emitter e(graph, options);
  e.planOutputNames();
  return e.runDeferred();
}

absl::Status checkDeferredModel(onnx::ModelProto &model,
                                const std::vector<DeferredTensor> &deferred) {
  // The checker wants each initializer to hold its data or to name an existing file holding
  // it; shape inference reads only small initializers (shapes, axes), never deferred ones, and
  // fails loudly ("Cannot parse data from external tensors") if it ever wanted one.
  onnx::GraphProto *g = model.mutable_graph();
  for (const DeferredTensor &d : deferred) {
    onnx::TensorProto *t = g->mutable_initializer(d.index);
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    auto *loc = t->add_external_data();
    loc->set_key("location");
#ifdef TS2ONNX_ONNX_OLD_CHECKER
    loc->set_value("/dev/null"); // onnx 1.12: any existing file
#else
    loc->set_value("#ts2onnx-deferred"); // relative, and '#' skips the checker's file test
#endif
  }
  absl::Status status = checkModel(model);
  for (const DeferredTensor &d : deferred) {
    onnx::TensorProto *t = g->mutable_initializer(d.index);
    t->clear_data_location();
    t->clear_external_data();
  }
  return status;
}

std::future<void> prepareSchemasAsync() {
  if (schemaRegistryIsLazy()) {
    // Nothing to prepare: the schemas a model uses are built as the checker looks them up.
    std::promise<void> ready;
    ready.set_value();
    return ready.get_future();
  }
  return asyncWithoutTerminationSignals([] {
    // Any lookup builds the whole registry (a function-local static: thread-safe).
    (void)onnx::OpSchemaRegistry::Schema("Add", 1, "");
  });
}

absl::Status checkModel(onnx::ModelProto &model) {
  try {
    checkModelProto(model);
  } catch (const std::exception &e) {
    return absl::InvalidArgumentError(fmt::format("ONNX checker: {}", e.what()));
  }
  try {
    onnx::ShapeInferenceOptions opts(/*check_type=*/true, /*strict_mode=*/1,
                                     /*data_prop=*/false);
    inferShapes(model, opts);
  } catch (const std::exception &e) {
    return absl::InvalidArgumentError(fmt::format("ONNX shape inference: {}", e.what()));
  }
  return absl::OkStatus();
}

namespace {

/// True when both paths name the same existing file.
bool sameFile(const std::string &a, const std::string &b) {
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0)
    return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

} // namespace

absl::Status writeModelAtomically(const onnx::ModelProto &model, const std::string &path,
                                  const std::string &protectedPath) {
  if (path.empty())
    return absl::InvalidArgumentError("no output path");
  if (!protectedPath.empty() && (path == protectedPath || sameFile(path, protectedPath)))
    return absl::InvalidArgumentError(
        fmt::format("refusing to overwrite the input '{}' with the ONNX model", protectedPath));
  size_t size = model.ByteSizeLong();
  if (size > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    return absl::ResourceExhaustedError(fmt::format(
        "the model is {:.2f} GB, over protobuf's 2 GB limit; write it with external data "
        "(convertToFile, `ts2onnx convert --external-data`)",
        static_cast<double>(size) / (1024.0 * 1024.0 * 1024.0)));
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return absl::InternalError("cannot serialize the model");

  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  int fd, pending;
  {
    // Removed if a signal ends the process; no signal may come between creating and arming.
    DeferTerminationSignals deferSignals;
    fd = ::mkstemp(buf.data());
    pending = fd >= 0 ? armPendingFile(buf.data()) : -1;
  }
  if (fd < 0)
    return absl::PermissionDeniedError(
        fmt::format("cannot create a temporary file beside '{}': {}", path, std::strerror(errno)));
  std::string tmp(buf.data());
  struct Disarm {
    int slot;
    ~Disarm() { disarmPendingFile(slot); }
  } disarm{pending};
  auto fail = [&](const std::string &what) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return absl::DataLossError(fmt::format("{} '{}': {}", what, tmp, std::strerror(err)));
  };
  // mkstemp makes 0600; give the file the mode a plain create would (0666 & ~umask).
  mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd, 0666 & ~mask) != 0)
    return fail("cannot set the mode of");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return fail("cannot write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0)
    return fail("cannot flush");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return absl::DataLossError(fmt::format("cannot close '{}': {}", tmp, std::strerror(err)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return absl::PermissionDeniedError(
        fmt::format("cannot rename '{}' to '{}': {}", tmp, path, std::strerror(err)));
  }
  return absl::OkStatus();
}

namespace {

std::string typeString(const onnx::TypeProto &t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

} // namespace

std::string formatModel(const onnx::ModelProto &model) {
  std::string out;
  out += fmt::format("ir_version {}, producer {} {}\nopset_import:", model.ir_version(),
                     model.producer_name(), model.producer_version());
  for (const auto &o : model.opset_import())
    out += fmt::format(" {}={}", o.domain().empty() ? "ai.onnx" : o.domain(), o.version());
  const onnx::GraphProto &g = model.graph();
  out += fmt::format("\ngraph {}\ninputs:\n", g.name());
  for (const auto &vi : g.input())
    out += fmt::format("  {}: {}\n", vi.name(), typeString(vi.type()));
  out += "outputs:\n";
  for (const auto &vi : g.output())
    out += fmt::format("  {}: {}\n", vi.name(), typeString(vi.type()));
  size_t bytes = 0;
  // Deferred initializers carry no data yet: their size follows from dtype and dims.
  for (const auto &t : g.initializer()) {
    std::optional<ir::ScalarType> st = symbolics::scalarTypeFromOnnx(t.data_type());
    if (!t.raw_data().empty() || !st) {
      bytes += t.raw_data().size();
      continue;
    }
    size_t numel = 1;
    for (int64_t d : t.dims())
      numel *= static_cast<size_t>(d);
    bytes += numel * ir::elementSize(*st);
  }
  out += fmt::format("initializers: {} ({} bytes)\n", g.initializer_size(), bytes);
  for (const auto &t : g.initializer()) {
    std::string dims;
    for (int64_t d : t.dims())
      dims += (dims.empty() ? "" : ",") + std::to_string(d);
    out += fmt::format(
        "  {}: {}[{}]\n", t.name(),
        onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(t.data_type())),
        dims);
  }
  auto nodeLines = [&out](const auto &nodes, const char *indent) {
    for (const auto &n : nodes) {
      std::ostringstream os;
      os << n;
      std::string line = os.str();
      while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
        line.pop_back();
      out += indent + line + "\n";
    }
  };
  out += fmt::format("nodes: {}\n", g.node_size());
  nodeLines(g.node(), "  ");
  for (const auto &f : model.functions()) {
    std::string ins, outs;
    for (const auto &i : f.input())
      ins += (ins.empty() ? "" : ", ") + i;
    for (const auto &o : f.output())
      outs += (outs.empty() ? "" : ", ") + o;
    out += fmt::format("function {}::{}({}) -> ({}): {} nodes\n", f.domain(), f.name(), ins, outs,
                       f.node_size());
    nodeLines(f.node(), "  ");
  }
  return out;
}

} // namespace ts2onnx::writer
