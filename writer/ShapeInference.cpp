#include "writer/ShapeInference.h"
#include "writer/OnnxSchemas.h"

#include <list>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "onnx/common/constants.h"
#include "onnx/defs/schema.h"
#include "onnx/defs/shape_inference.h"
#include "onnx/defs/tensor_proto_util.h"
#include "onnx/shape_inference/implementation.h"

namespace ts2onnx::writer {

#ifdef TS2ONNX_ONNX_OLD_CHECKER

void inferShapes(onnx::ModelProto &model, const onnx::ShapeInferenceOptions &options) {
  onnx::shape_inference::InferShapes(model, schemaRegistry(), options);
}

#else

namespace {

namespace si = onnx::shape_inference;
using onnx::GraphProto;
using onnx::NodeProto;
using onnx::TypeProto;
using TypeTable = std::unordered_map<std::string, TypeProto *>;
using DataTable = std::unordered_map<std::string, const onnx::TensorProto *>;
using SparseTable = std::unordered_map<std::string, const onnx::SparseTensorProto *>;

/// What one graph adds to the model-wide type table, undone when the graph is done (names it
/// hides from enclosing scopes get their types back).
class Scope {
public:
  explicit Scope(TypeTable &table) : table_(table) {}
  Scope(const Scope &) = delete;
  Scope &operator=(const Scope &) = delete;
  ~Scope() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      if (it->second)
        table_[it->first] = it->second;
      else
        table_.erase(it->first);
    }
  }

  void set(const std::string &name, TypeProto *type) {
    auto [at, inserted] = table_.try_emplace(name, type);
    if (inserted) {
      undo_.emplace_back(name, nullptr);
    } else if (at->second != type) {
      undo_.emplace_back(name, at->second);
      at->second = type;
    }
  }

private:
  TypeTable &table_;
  std::vector<std::pair<std::string, TypeProto *>> undo_;
};

/// The state of the graph being inferred: its scope, the constant inputs its nodes may read
/// (initializers and Constant nodes of this graph only, as onnx gives subgraphs none of their
/// parents'), its outputs declared without a type, and the errors its nodes raised.
struct GraphState {
  explicit GraphState(TypeTable &table) : scope(table) {}
  Scope scope;
  DataTable data;
  SparseTable sparse;
  std::unordered_map<std::string, onnx::TensorProto> heldData; // Constant nodes' int/float forms
  std::list<TypeProto> initializerTypes;
  std::unordered_map<std::string, TypeProto *> untyped;
  std::vector<std::string> errors;
  bool unsupportedOp = false; // after an op without a schema, later node errors are not reported
};

class ModelInference;

/// Subgraph inference for a node's graph attribute: runs in the model-wide table.
class SubgraphInferencer final : public onnx::GraphInferencer {
public:
  SubgraphInferencer(ModelInference &model, GraphProto &graph) : model_(model), graph_(graph) {}
  std::vector<const TypeProto *>
  doInferencing(const std::vector<const TypeProto *> &inputTypes,
                const std::vector<const onnx::TensorProto *> &inputData) override;

private:
  ModelInference &model_;
  GraphProto &graph_;
};

/// onnx's per-node context (input types, constant inputs, attributes, output types), with our
/// subgraph inferencer in place of onnx's copying one.
struct NodeContext final : si::InferenceContextImpl {
  NodeContext(ModelInference &model, NodeProto &node, const TypeTable &types,
              const GraphState &state, const onnx::ShapeInferenceOptions &options,
              si::DataValueMap *shapeData)
      : si::InferenceContextImpl(node, types, state.data, state.sparse, options, shapeData),
        model_(model) {}

  onnx::GraphInferencer *getGraphAttributeInferencer(const std::string &name) override {
    auto found = subgraphs_.find(name);
    if (found != subgraphs_.end())
      return found->second.get();
    auto graph = graphProtoAttributesByName_.find(name);
    if (graph == graphProtoAttributesByName_.end())
      fail_type_inference("Attribute ", name, " does not contain a graph.");
    auto inferencer = std::make_unique<SubgraphInferencer>(model_, *graph->second);
    onnx::GraphInferencer *raw = inferencer.get();
    subgraphs_.emplace(name, std::move(inferencer));
    return raw;
  }

private:
  ModelInference &model_;
  std::unordered_map<std::string, std::unique_ptr<SubgraphInferencer>> subgraphs_;
};

class ModelInference {
public:
  ModelInference(const onnx::ModelProto &model, const onnx::ShapeInferenceOptions &options)
      : options_(options), irVersion_(static_cast<int>(model.ir_version())) {
    for (const auto &o : model.opset_import())
      opsets_[o.domain()] = static_cast<int>(o.version());
  }

  void inferGraph(GraphProto &graph) {
    GraphState state(types_);
    si::TraverseGraphsToAddExistingSymbols(graph, symbols_);
    for (auto *infos : {graph.mutable_value_info(), graph.mutable_input(), graph.mutable_output()})
      for (onnx::ValueInfoProto &vi : *infos) {
        if (vi.has_type())
          state.scope.set(vi.name(), vi.mutable_type());
        else
          state.untyped[vi.name()] = vi.mutable_type();
      }
    for (const onnx::TensorProto &t : graph.initializer()) {
      TypeProto type;
      auto *tensor = type.mutable_tensor_type();
      tensor->set_elem_type(t.data_type());
      auto *shape = tensor->mutable_shape();
      for (int64_t d : t.dims())
        shape->add_dim()->set_dim_value(d);
      state.data[t.name()] = &t;
      declareInitializer(t.name(), std::move(type), state);
    }
    for (const onnx::SparseTensorProto &t : graph.sparse_initializer()) {
      TypeProto type;
      auto *tensor = type.mutable_sparse_tensor_type();
      tensor->set_elem_type(t.values().data_type());
      auto *shape = tensor->mutable_shape();
      for (int64_t d : t.dims())
        shape->add_dim()->set_dim_value(d);
      state.sparse[t.values().name()] = &t;
      declareInitializer(t.values().name(), std::move(type), state);
    }
    for (NodeProto &node : *graph.mutable_node())
      inferNode(graph, node, state);
    if (!state.errors.empty() && options_.error_mode > 0) {
      std::string all = "Inference error(s): ";
      for (const std::string &e : state.errors)
        all += e + "\n";
      fail_shape_inference(all);
    }
  }

  std::vector<const TypeProto *> inferSubgraph(GraphProto &graph,
                                               const std::vector<const TypeProto *> &inputs) {
    int count = static_cast<int>(inputs.size());
    if (graph.input_size() != count)
      fail_shape_inference("Graph has ", graph.input_size(), " inputs but ", count,
                           " were provided");
    if (graph.initializer_size() > 0) {
      std::unordered_set<std::string> initializers;
      for (const auto &t : graph.initializer())
        initializers.insert(t.name());
      for (const auto &in : graph.input())
        if (initializers.count(in.name()))
          fail_shape_inference(
              "Cannot use the same name as both a subgraph initializer and subgraph input: ",
              in.name());
    }
    for (int i = 0; i < count; ++i) {
      if (!inputs[i])
        continue;
      TypeProto *declared = graph.mutable_input(i)->mutable_type();
      si::mergeShapesAndTypes(*inputs[i], declared);
      si::MaterializeSymbolicShape(declared, symbols_);
    }
    inferGraph(graph);
    std::vector<const TypeProto *> outputs;
    outputs.reserve(graph.output_size());
    for (const auto &o : graph.output())
      outputs.push_back(&o.type());
    return outputs;
  }

private:
  void declareInitializer(const std::string &name, TypeProto type, GraphState &state) {
    auto known = types_.find(name);
    if (known != types_.end()) {
      si::checkShapesAndTypes(type, *known->second); // a graph input of that name rules
    } else if (irVersion_ >= 4) {
      state.initializerTypes.push_back(std::move(type));
      state.scope.set(name, &state.initializerTypes.back());
    }
  }

  void inferNode(GraphProto &graph, NodeProto &node, GraphState &state) {
    auto opset = opsets_.find(node.domain());
    if (opset == opsets_.end() && node.domain().empty())
      opset = opsets_.find(onnx::AI_ONNX_DOMAIN);
    if (opset == opsets_.end())
      fail_type_inference("Cannot infer type and shape for node name ", node.name(),
                          ". No opset import for domain ", node.domain(), " optype ",
                          node.op_type());
    const onnx::OpSchema *schema =
        schemaRegistry()->GetSchema(node.op_type(), opset->second, node.domain());
    NodeContext ctx(*this, node, types_, state, options_, &shapeData_);
    try {
      if (!schema) {
        state.unsupportedOp = true;
        return;
      }
      if (schema->has_type_and_shape_inference_function()) {
        schema->GetTypeAndShapeInferenceFunction()(ctx);
      } else if (schema->HasFunction()) {
        si::DataValueMap calleeData;
        si::InferShapeForFunctionNode(*schema->GetFunction(), schemaRegistry(), ctx, options_,
                                      noFunctions_, &symbols_, &calleeData);
      }
      if (options_.check_type)
        schema->CheckInputOutputType(ctx);
      for (int i = 0; i < node.output_size(); ++i)
        if (!node.output(i).empty())
          updateType(graph, node.output(i), ctx.getOutputType(i), state);
      recordConstant(node, state);
    } catch (const onnx::InferenceError &e) {
      if (!state.unsupportedOp)
        state.errors.push_back(si::GetErrorWithNodeInfo(node, e));
    } catch (const std::runtime_error &e) {
      fail_shape_inference(si::GetErrorWithNodeInfo(node, e));
    }
  }

  void updateType(GraphProto &graph, const std::string &name, TypeProto *inferred,
                  GraphState &state) {
    if (inferred->value_case() == TypeProto::VALUE_NOT_SET)
      return;
    si::MaterializeSymbolicShape(inferred, symbols_);
    auto known = types_.find(name);
    if (known != types_.end()) {
      si::mergeShapesAndTypes(*inferred, known->second);
      return;
    }
    onnx::ValueInfoProto *vi = graph.add_value_info();
    vi->set_name(name);
    *vi->mutable_type() = *inferred;
    state.scope.set(name, vi->mutable_type());
    auto untyped = state.untyped.find(name);
    if (untyped != state.untyped.end())
      *untyped->second = *inferred;
  }

  /// A Constant node's value is a constant input for the nodes after it (shapes, axes).
  static void recordConstant(const NodeProto &node, GraphState &state) {
    if (!onnx::IsOnnxDomain(node.domain()) || node.op_type() != "Constant" ||
        node.output_size() != 1)
      return;
    const std::string &out = node.output(0);
    for (const onnx::AttributeProto &a : node.attribute()) {
      if (a.name() == "value") {
        if (a.type() == onnx::AttributeProto::TENSOR && a.has_t())
          state.data[out] = &a.t();
        else if (a.type() == onnx::AttributeProto::SPARSE_TENSOR && a.has_sparse_tensor())
          state.sparse[out] = &a.sparse_tensor();
        continue;
      }
      auto hold = [&](onnx::TensorProto t) {
        onnx::TensorProto &held = state.heldData[out] = std::move(t);
        state.data[out] = &held;
      };
      switch (a.type()) {
      case onnx::AttributeProto::INTS:
        hold(onnx::ToTensor(std::vector<int64_t>(a.ints().begin(), a.ints().end())));
        break;
      case onnx::AttributeProto::INT:
        hold(onnx::ToTensor(std::vector<int64_t>{a.i()}));
        break;
      case onnx::AttributeProto::FLOATS:
        hold(onnx::ToTensor(std::vector<float>(a.floats().begin(), a.floats().end())));
        break;
      case onnx::AttributeProto::FLOAT:
        hold(onnx::ToTensor(std::vector<float>{a.f()}));
        break;
      default:
        break;
      }
    }
  }

  const onnx::ShapeInferenceOptions &options_;
  int irVersion_;
  std::unordered_map<std::string, int> opsets_;
  si::SymbolTableImpl symbols_;
  si::DataValueMap shapeData_; // no data propagation: stays empty
  const std::unordered_map<std::string, const onnx::FunctionProto *> noFunctions_;
  TypeTable types_;
};

std::vector<const TypeProto *>
SubgraphInferencer::doInferencing(const std::vector<const TypeProto *> &inputTypes,
                                  const std::vector<const onnx::TensorProto *> &) {
  // Like onnx, the subgraph does not see the values of constant inputs.
  return model_.inferSubgraph(graph_, inputTypes);
}

} // namespace

void inferShapes(onnx::ModelProto &model, const onnx::ShapeInferenceOptions &options) {
  if (model.functions_size() > 0 || model.ir_version() < 4 || options.enable_data_propagation) {
    onnx::shape_inference::InferShapes(model, schemaRegistry(), options);
    return;
  }
  ModelInference(model, options).inferGraph(*model.mutable_graph());
}

#endif

} // namespace ts2onnx::writer
