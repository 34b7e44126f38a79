// freeze: module attributes become constants (torch.jit.freeze for eval models).
//
// Given: the inlined graph of a method (frontend::Archive::compileMethod), whose input 0 is
//        `self`, the module object, and whose module attributes are prim::GetAttr chains from
//        it; the unpickled module tree.
// Does:  walks the graph in program order, following each GetAttr from `self` through the
//        object tree. A submodule is only remembered; any other value replaces the GetAttr's
//        output by a constant hoisted to the top of the graph: tensors (typed, viewing the
//        archive's memory, named after their attribute path so that initializers keep
//        torch's names), scalars, None, devices, int/float/str lists as list constants,
//        other lists, tuples and dicts as List/Tuple/DictConstruct of constants. One constant
//        per distinct tensor or container, so tied weights stay tied. prim::SetAttr on the
//        module outside loops (caches, warned-once flags) is threaded as a value: later reads
//        see the written value, and a write in one branch of an If makes the attribute an
//        output of the If. The graph then computes the module's first call after loading, as
//        torch.onnx.export does (state a call leaves for the next call is not kept). A write
//        inside a loop, or to a submodule, is an error unless it sits in a branch that folding
//        the now-constant `training` flags removes.
// Result: no GetAttr or SetAttr on the module remains and `self` is no longer an input.
//         Linear in the graph size (plus one fold-scalars when SetAttr nodes were seen).
#include "frontend/Freeze.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "frontend/SetState.h"
#include "frontend/compiler/Cleanup.h"
#include "ir/Status.h"

namespace ts2onnx::frontend {
namespace {

struct ModuleRef {
  const Object *object;
  std::string path; // `layer1.0.conv1`, empty for the root
};

class Freezer {
public:
  Freezer(ir::Graph &g, ir::Node *anchor, SetStateRestorer restore)
      : g_(g), anchor_(anchor), restore_(std::move(restore)) {}

  absl::Status run(ir::Value *self, const IValue &root) {
    if (!root.isObject())
      return absl::InvalidArgumentError(
          fmt::format("freeze: the root value is a {}, not a module", root.kindName()));
    objects_[self] = ModuleRef{&root.toObject(), ""};
    State state;
    TS2ONNX_RETURN_IF_ERROR(walk(g_.block(), state, 0));
    if (sawSetAttr_)
      // `self.x = ...` in a `training` branch disappears once the flag is constant.
      compiler::foldFrozenFlags(g_);
    // The module values that remain (folding may have removed some), in program order.
    std::vector<ir::Node *> moduleNodes;
    absl::flat_hash_map<const ir::Value *, std::string> modules{{self, std::string()}};
    collectModuleNodes(g_.block(), modules, moduleNodes);
    for (ir::Node *n : moduleNodes)
      if (n->kind() == ir::prim::SetAttr)
        return absl::FailedPreconditionError(
            fmt::format("{}freeze: the model assigns module attribute '{}' (prim::SetAttr) "
                        "inside a loop or to a submodule, which cannot be exported",
                        where(*n), n->s(ir::attr::name)));
    // Module GetAttr nodes, last first: each output's only users are later GetAttrs.
    for (auto it = moduleNodes.rbegin(); it != moduleNodes.rend(); ++it) {
      ir::Node *n = *it;
      if (n->output()->hasUses()) {
        const ir::Node *user = n->output()->uses().front().user;
        return absl::FailedPreconditionError(
            fmt::format("{}freeze: module '{}' is used as a value by {}, which cannot be exported",
                        where(*user), modules[n->output()], user->kind().qualString()));
      }
      n->destroy();
    }
    if (self->hasUses()) {
      const ir::Node *user = self->uses().front().user;
      return absl::FailedPreconditionError(
          fmt::format("{}freeze: the module itself is used as a value by {}", where(*user),
                      user->kind().qualString()));
    }
    g_.block()->eraseInput(0);
    return absl::OkStatus();
  }

private:
  static std::string where(const ir::Node &n) {
    return n.sourceLocation().valid() ? n.sourceLocation().str() + ": " : std::string();
  }

  static void collectModuleNodes(ir::Block *b,
                                 absl::flat_hash_map<const ir::Value *, std::string> &modules,
                                 std::vector<ir::Node *> &out) {
    for (ir::Node *n : b->nodes()) {
      if ((n->kind() == ir::prim::GetAttr || n->kind() == ir::prim::SetAttr) &&
          modules.count(n->input(0))) {
        out.push_back(n);
        if (n->kind() == ir::prim::GetAttr) {
          const std::string &parent = modules[n->input(0)];
          const std::string &name = n->s(ir::attr::name);
          modules[n->output()] = parent.empty() ? name : parent + "." + name;
        }
      }
      for (ir::Block *sub : n->blocks())
        collectModuleNodes(sub, modules, out);
    }
  }

  /// The value each module attribute written so far holds at the current program point, by
  /// (module object, attribute name): a write outside loops is forwarded to later reads.
  using State = std::map<std::pair<const Object *, std::string>, ir::Value *>;

  absl::Status walk(ir::Block *b, State &state, int loopDepth) {
    for (auto it = b->nodes().begin(); it != b->nodes().end();) {
      ir::Node *n = *it;
      ++it;
      auto object = n->inputs().empty() ? objects_.end() : objects_.find(n->input(0));
      if (n->kind() == ir::prim::SetAttr && object != objects_.end()) {
        sawSetAttr_ = true;
        const IValue *old = object->second.object->attr(n->s(ir::attr::name));
        // A write in a loop would carry its value between iterations; a submodule is not a
        // value. Both stay, for the error below.
        if (loopDepth > 0 || (old && old->isObject()))
          continue;
        state[{object->second.object, n->s(ir::attr::name)}] = n->input(1);
        n->destroy();
        continue;
      }
      if (n->kind() == ir::prim::GetAttr) {
        if (object != objects_.end()) {
          auto written = state.find({object->second.object, n->s(ir::attr::name)});
          if (written != state.end()) {
            n->output()->replaceAllUsesWith(written->second);
            n->destroy();
            continue;
          }
        }
        TS2ONNX_RETURN_IF_ERROR(getAttr(n)); // may destroy n
        continue;
      }
      if (n->kind() == ir::prim::If && n->blocks().size() == 2) {
        TS2ONNX_RETURN_IF_ERROR(mergeBranches(n, state, loopDepth));
        continue;
      }
      for (ir::Block *sub : n->blocks()) {
        State inner = state;
        TS2ONNX_RETURN_IF_ERROR(walk(sub, inner, loopDepth + 1));
      }
    }
    return absl::OkStatus();
  }

  /// Walks both branches of an If; an attribute either branch writes becomes an output of the
  /// If (each branch yields its value, or the one from before the If), read after it.
  absl::Status mergeBranches(ir::Node *n, State &state, int loopDepth) {
    State branch[2] = {state, state};
    for (int i = 0; i < 2; ++i)
      TS2ONNX_RETURN_IF_ERROR(walk(n->blocks()[i], branch[i], loopDepth));
    std::set<State::key_type> changed;
    for (const State &s : branch)
      for (const auto &[key, value] : s) {
        auto before = state.find(key);
        if (before == state.end() || before->second != value)
          changed.insert(key);
      }
    for (const State::key_type &key : changed) {
      ir::Value *before = nullptr;
      if (auto found = state.find(key); found != state.end()) {
        before = found->second;
      } else {
        const IValue *initial = key.first->attr(key.second);
        if (!initial)
          return absl::NotFoundError(fmt::format(
              "{}freeze: a branch assigns module attribute '{}', which the module ({}) does not "
              "have before",
              where(*n), key.second, key.first->className));
        ir::WithInsertPoint guard(anchor_);
        TS2ONNX_ASSIGN_OR_RETURN(before, constant(*initial, nullptr, key.second, *n));
      }
      ir::Value *yields[2];
      for (int i = 0; i < 2; ++i) {
        auto found = branch[i].find(key);
        yields[i] = found == branch[i].end() ? before : found->second;
        n->blocks()[i]->registerOutput(yields[i]);
      }
      ir::TypePtr type = yields[0]->type();
      if (type->is(ir::TypeKind::None))
        type = yields[1]->type();
      state[key] = n->addOutput()->setType(type);
    }
    return absl::OkStatus();
  }

  absl::Status getAttr(ir::Node *n) {
    auto found = objects_.find(n->input(0));
    if (found == objects_.end())
      return absl::OkStatus(); // an object that is not part of the module tree
    const ModuleRef parent = found->second;
    const std::string &name = n->s(ir::attr::name);
    std::string path = parent.path.empty() ? name : parent.path + "." + name;
    const IValue *value = parent.object->attr(name);
    if (!value)
      return absl::NotFoundError(fmt::format("{}freeze: module '{}' ({}) has no attribute '{}'",
                                             where(*n), parent.path.empty() ? "self" : parent.path,
                                             parent.object->className, name));
    if (value->isObject() && isPackedParams(value->toObject())) {
      ir::WithInsertPoint guard(anchor_);
      TS2ONNX_ASSIGN_OR_RETURN(ir::Value * packed, packedParams(*value, path, *n));
      n->output()->replaceAllUsesWith(packed);
      n->destroy();
      return absl::OkStatus();
    }
    if (value->isObject()) {
      TS2ONNX_ASSIGN_OR_RETURN(const Object *object, restored(value->toObject(), *n));
      objects_[n->output()] = ModuleRef{object, path};
      return absl::OkStatus();
    }
    if (!n->output()->hasUses()) {
      n->destroy();
      return absl::OkStatus();
    }
    ir::WithInsertPoint guard(anchor_);
    TS2ONNX_ASSIGN_OR_RETURN(ir::Value * c, constant(*value, n->output()->type(), path, *n));
    for (const ir::Use &u : n->output()->uses())
      if (u.user->hasSideEffects() && !u.user->kind().isNamespace("prim") &&
          (c->type()->is(ir::TypeKind::List) || c->type()->is(ir::TypeKind::Dict)))
        return absl::FailedPreconditionError(
            fmt::format("{}freeze: module attribute '{}' (a container) is modified by {}",
                        where(*n), path, u.user->kind().qualString()));
    n->output()->replaceAllUsesWith(c);
    n->destroy();
    return absl::OkStatus();
  }

  /// `o` with the attributes its TorchScript `__setstate__` assigns, when its class has one
  /// and a restorer was given (quantized modules pickle a state tuple, not attributes).
  absl::StatusOr<const Object *> restored(const Object &o, const ir::Node &at) {
    if (!o.hasSetState || !o.attributes.empty() || !restore_ ||
        o.className.rfind("__torch__.torch.classes.", 0) == 0)
      return &o;
    absl::StatusOr<const Object *> r = restore_(o);
    if (!r.ok())
      return absl::Status(r.status().code(), fmt::format("{}freeze: {}", where(at),
                                                         std::string(r.status().message())));
    return r;
  }

  /// Packed quantized weights: what a `__setstate__` made with `quantized::*_prepack`, or a
  /// `torch.classes.quantized.LinearPackedParamsBase` pickled with its (weight, bias) state.
  static bool isPackedParams(const Object &o) {
    return isPrepacked(o) || o.className.rfind("__torch__.torch.classes.quantized.", 0) == 0;
  }

  /// The packed parameters as the `quantized::*_prepack` node that makes them from constants
  /// (one node per distinct object), which the quantized symbolics read.
  absl::StatusOr<ir::Value *> packedParams(const IValue &v, const std::string &path,
                                           const ir::Node &at) {
    if (auto cached = shared_.find(v.identity()); cached != shared_.end())
      return cached->second;
    const Object &o = v.toObject();
    std::string op;
    std::vector<IValue> args;
    if (isPrepacked(o)) {
      op = o.attributes[0].second.toStringRef();
      args = o.attributes[1].second.toTuple().elements;
    } else if (o.className == "__torch__.torch.classes.quantized.LinearPackedParamsBase" &&
               o.state.isTuple() && o.state.toTuple().elements.size() == 2 &&
               o.state.toTuple().elements[0].isTensor() &&
               o.state.toTuple().elements[0].toTensor().quant) {
      op = "quantized::linear_prepack";
      args = o.state.toTuple().elements;
    } else {
      return absl::UnimplementedError(fmt::format(
          "{}freeze: module attribute '{}' holds packed quantized parameters ({}) in a form "
          "ts2onnx does not read (supported: the quantized modules' own __setstate__, and "
          "LinearPackedParamsBase with a quantized int8 weight)",
          where(at), path, o.className));
    }
    std::vector<ir::Value *> inputs;
    for (size_t i = 0; i < args.size(); ++i) {
      TS2ONNX_ASSIGN_OR_RETURN(ir::Value * in,
                               constant(args[i], nullptr, fmt::format("{}.{}", path, i), at));
      inputs.push_back(in);
    }
    ir::Node *node = g_.insertNode(g_.create(ir::Symbol::fromQualString(op), inputs));
    node->setSourceLocation(at.sourceLocation());
    ir::Value *out = node->output()->setType(ir::Type::classType(o.className));
    out->setDebugName(path);
    shared_[v.identity()] = out;
    return out;
  }

  /// A quantized tensor attribute: its integers as a constant, given back their quantization
  /// by `aten::_make_per_tensor_quantized_tensor` / `_make_per_channel_quantized_tensor`.
  absl::StatusOr<ir::Value *> quantizedConstant(const TensorValue &t, const std::string &path,
                                                const ir::Node &at) {
    ir::ScalarType repr;
    switch (t.tensor.dtype()) {
    case ir::ScalarType::QInt8:
      repr = ir::ScalarType::Int8;
      break;
    case ir::ScalarType::QUInt8:
      repr = ir::ScalarType::UInt8;
      break;
    case ir::ScalarType::QInt32:
      repr = ir::ScalarType::Int32;
      break;
    default:
      return absl::UnimplementedError(
          fmt::format("{}freeze: module attribute '{}' is a quantized {} tensor, which ts2onnx "
                      "does not convert",
                      where(at), path, ir::scalarTypeName(t.tensor.dtype())));
    }
    const QuantParams &q = *t.quant;
    ir::Value *ints = g_.insertConstantTensor(ir::Tensor(
        repr, t.tensor.sizes(), t.tensor.strides(), t.tensor.storageOffset(), t.tensor.storage()));
    ir::Node *make = nullptr;
    switch (q.scheme) {
    case QuantParams::Scheme::PerTensorAffine:
    case QuantParams::Scheme::PerTensorSymmetric:
      make = g_.create(ir::Symbol::fromQualString("aten::_make_per_tensor_quantized_tensor"),
                       {ints, g_.insertConstantFloat(q.scale), g_.insertConstantInt(q.zeroPoint)});
      break;
    case QuantParams::Scheme::PerChannelAffine:
    case QuantParams::Scheme::PerChannelSymmetric:
      make = g_.create(ir::Symbol::fromQualString("aten::_make_per_channel_quantized_tensor"),
                       {ints, g_.insertConstantTensor(q.scales),
                        g_.insertConstantTensor(q.zeroPoints), g_.insertConstantInt(q.axis)});
      break;
    default:
      return absl::UnimplementedError(
          fmt::format("{}freeze: module attribute '{}' is quantized with float zero points "
                      "(per_channel_affine_float_qparams), which ts2onnx does not convert",
                      where(at), path));
    }
    g_.insertNode(make);
    make->setSourceLocation(at.sourceLocation());
    ir::TensorInfo info;
    info.dtype = t.tensor.dtype();
    info.sizes.emplace();
    for (int64_t d : t.tensor.sizes())
      info.sizes->push_back(ir::Dim::known(d));
    ir::Value *out = make->output()->setType(ir::Type::tensor(std::move(info)));
    out->setDebugName(path);
    return out;
  }

  absl::StatusOr<ir::Value *> constant(const IValue &v, const ir::TypePtr &declared,
                                       const std::string &path, const ir::Node &at) {
    auto cached = shared_.find(v.identity());
    if (v.identity() && cached != shared_.end())
      return cached->second;
    ir::Value *c = nullptr;
    switch (v.kind()) {
    case IValue::Kind::None:
      return g_.insertConstantNone();
    case IValue::Kind::Bool:
      return g_.insertConstantBool(v.toBool());
    case IValue::Kind::Int:
      return g_.insertConstantInt(v.toInt());
    case IValue::Kind::Double:
      return g_.insertConstantFloat(v.toDouble());
    case IValue::Kind::String:
      return g_.insertConstantString(v.toStringRef());
    case IValue::Kind::Device:
      return g_.insertConstantString(v.toStringRef())->setType(ir::Type::deviceType());
    case IValue::Kind::Tensor: {
      const TensorValue &t = v.toTensor();
      if (t.quant) {
        TS2ONNX_ASSIGN_OR_RETURN(c, quantizedConstant(t, path, at));
        break;
      }
      c = g_.insertConstantTensor(t.tensor);
      c->setDebugName(path);
      break;
    }
    case IValue::Kind::List: {
      TS2ONNX_ASSIGN_OR_RETURN(c, listConstant(v.toList(), declared, path, at));
      break;
    }
    case IValue::Kind::Tuple: {
      const Tuple &t = v.toTuple();
      std::vector<ir::Value *> items;
      std::vector<ir::TypePtr> types;
      for (size_t i = 0; i < t.elements.size(); ++i) {
        ir::TypePtr member =
            declared && declared->is(ir::TypeKind::Tuple) && i < declared->contained().size()
                ? declared->contained()[i]
                : nullptr;
        TS2ONNX_ASSIGN_OR_RETURN(
            ir::Value * item, constant(t.elements[i], member, fmt::format("{}.{}", path, i), at));
        items.push_back(item);
        types.push_back(item->type());
      }
      c = g_.insertNode(g_.create(ir::prim::TupleConstruct, items))
              ->output()
              ->setType(ir::Type::tuple(std::move(types)));
      break;
    }
    case IValue::Kind::Dict: {
      // `Dict[str, str]` and friends (IntermediateLayerGetter's return_layers).
      const Dict &d = v.toDict();
      bool typedDict = declared && declared->is(ir::TypeKind::Dict);
      std::vector<ir::Value *> items;
      for (const auto &[key, value] : d.entries()) {
        TS2ONNX_ASSIGN_OR_RETURN(
            ir::Value * k, constant(key, typedDict ? declared->contained()[0] : nullptr, path, at));
        TS2ONNX_ASSIGN_OR_RETURN(
            ir::Value * e,
            constant(value, typedDict ? declared->contained()[1] : nullptr, path, at));
        items.push_back(k);
        items.push_back(e);
      }
      ir::TypePtr type = typedDict       ? declared
                         : items.empty() ? nullptr
                                         : ir::Type::dict(items[0]->type(), items[1]->type());
      if (!type)
        return absl::UnimplementedError(fmt::format(
            "{}freeze: module attribute '{}' is an empty dict of unknown type", where(at), path));
      c = g_.insertNode(g_.create(ir::prim::DictConstruct, items))->output()->setType(type);
      break;
    }
    default:
      return absl::UnimplementedError(
          fmt::format("{}freeze: module attribute '{}' is a {}, which has no constant form",
                      where(at), path, v.kindName()));
    }
    if (v.identity())
      shared_[v.identity()] = c;
    return c;
  }

  absl::StatusOr<ir::Value *> listConstant(const List &l, const ir::TypePtr &declared,
                                           const std::string &path, const ir::Node &at) {
    ir::TypePtr elem =
        declared && declared->is(ir::TypeKind::List) ? declared->elementType() : nullptr;
    bool ints = true, floats = true, strs = true;
    for (const IValue &e : l.elements) {
      ints = ints && e.isInt();
      floats = floats && e.isDouble();
      strs = strs && e.isString();
    }
    auto typed = [&](ir::AttributeValue a, ir::TypePtr t) {
      ir::Node *n = g_.insertNode(g_.create(ir::prim::Constant));
      n->setAttribute(ir::attr::value, std::move(a));
      return n->output()->setType(std::move(t));
    };
    if (l.elements.empty()) {
      if (elem && elem->is(ir::TypeKind::Int))
        return g_.insertConstantInts({});
      if (elem && elem->is(ir::TypeKind::Float))
        return typed(ir::AttributeValue(std::vector<double>{}), declared);
      if (elem && elem->is(ir::TypeKind::Str))
        return typed(ir::AttributeValue(std::vector<std::string>{}), declared);
    } else if (ints) {
      std::vector<int64_t> v;
      for (const IValue &e : l.elements)
        v.push_back(e.toInt());
      return g_.insertConstantInts(std::move(v));
    } else if (floats) {
      std::vector<double> v;
      for (const IValue &e : l.elements)
        v.push_back(e.toDouble());
      return typed(ir::AttributeValue(std::move(v)), ir::Type::list(ir::Type::floatType()));
    } else if (strs) {
      std::vector<std::string> v;
      for (const IValue &e : l.elements)
        v.push_back(e.toStringRef());
      return typed(ir::AttributeValue(std::move(v)), ir::Type::list(ir::Type::strType()));
    }
    std::vector<ir::Value *> items;
    for (size_t i = 0; i < l.elements.size(); ++i) {
      TS2ONNX_ASSIGN_OR_RETURN(ir::Value * item,
                               constant(l.elements[i], elem, fmt::format("{}.{}", path, i), at));
      items.push_back(item);
    }
    ir::TypePtr listType =
        declared && declared->is(ir::TypeKind::List)
            ? declared
            : ir::Type::list(items.empty() ? ir::Type::tensor() : items.front()->type());
    return g_.insertNode(g_.create(ir::prim::ListConstruct, items))->output()->setType(listType);
  }

  ir::Graph &g_;
  ir::Node *anchor_;
  SetStateRestorer restore_;
  absl::flat_hash_map<const ir::Value *, ModuleRef> objects_;
  absl::flat_hash_map<const void *, ir::Value *> shared_;
  bool sawSetAttr_ = false;
};

} // namespace

absl::Status freezeModule(ir::Graph &graph, const IValue &root, SetStateRestorer restore) {
  if (graph.inputs().empty() || !graph.inputs()[0]->type()->is(ir::TypeKind::Class))
    return absl::InvalidArgumentError(
        "freeze: the graph's first input is not a module (`self`); is it frozen already?");
  // Constants go before a placeholder at the top, which stays put while GetAttrs disappear.
  ir::Node *anchor = graph.create(ir::prim::Constant);
  anchor->output()->setType(ir::Type::noneType());
  graph.block()->prependNode(anchor);
  Freezer f(graph, anchor, std::move(restore));
  absl::Status s = f.run(graph.inputs()[0], root);
  anchor->destroy();
  return s;
}

absl::Status freezeModule(ir::Graph &graph, Archive &archive) {
  return freezeModule(graph, archive.root(),
                      [&archive](const Object &o) { return archive.restoreSetState(o); });
}

} // namespace ts2onnx::frontend
