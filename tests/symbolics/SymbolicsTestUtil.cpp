#include "tests/symbolics/SymbolicsTestUtil.h"

#include <fmt/format.h>

#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "onnx/checker.h"
#include "onnx/shape_inference/implementation.h"
#include "passes/PassRegistry.h"
#include "symbolics/OnnxBuilder.h"
#include "symbolics/Symbolics.h"

namespace ts2onnx::symbolics::testing {

namespace {

absl::StatusOr<std::unique_ptr<ir::Graph>> tryConvert(std::string_view text, int opset) {
  auto g = ir::parseGraph(text);
  if (!g.ok())
    return g.status();
  passes::PassOptions opts;
  opts.targetOpset = opset;
  absl::Status s = runToOnnx(**g, opts);
  if (!s.ok())
    return s;
  s = ir::verify(**g);
  if (!s.ok())
    return s;
  return std::move(*g);
}

std::string nameOf(const ir::Value *v) {
  if (v->node()->kind() == ir::prim::Param)
    return v->debugName();
  return fmt::format("v{}", v->unique());
}

void setType(onnx::TypeProto *tp, const ir::Value *v) {
  auto *tt = tp->mutable_tensor_type();
  auto dt = OnnxBuilder::dtypeOf(v);
  tt->set_elem_type(onnxDataType(dt.value_or(ir::ScalarType::Float32)));
  if (auto dims = OnnxBuilder::dimsOf(v)) {
    auto *shape = tt->mutable_shape();
    for (const ir::Dim &d : *dims) {
      auto *pd = shape->add_dim();
      if (d.isStatic())
        pd->set_dim_value(d.value);
      else if (d.isSymbolic())
        pd->set_dim_param(d.symbol);
    }
  }
}

void setAttr(onnx::NodeProto *n, const std::string &name, const ir::AttributeValue &a) {
  auto *p = n->add_attribute();
  p->set_name(name);
  if (auto *i = a.getIf<int64_t>()) {
    p->set_type(onnx::AttributeProto::INT);
    p->set_i(*i);
  } else if (auto *f = a.getIf<double>()) {
    p->set_type(onnx::AttributeProto::FLOAT);
    p->set_f(float(*f));
  } else if (auto *s = a.getIf<std::string>()) {
    p->set_type(onnx::AttributeProto::STRING);
    p->set_s(*s);
  } else if (auto *is = a.getIf<std::vector<int64_t>>()) {
    p->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : *is)
      p->add_ints(x);
  } else if (auto *fs = a.getIf<std::vector<double>>()) {
    p->set_type(onnx::AttributeProto::FLOATS);
    for (double x : *fs)
      p->add_floats(float(x));
  } else if (auto *ss = a.getIf<std::vector<std::string>>()) {
    p->set_type(onnx::AttributeProto::STRINGS);
    for (const std::string &x : *ss)
      p->add_strings(x);
  } else if (auto *t = a.getIf<ir::Tensor>()) {
    p->set_type(onnx::AttributeProto::TENSOR);
    auto *tp = p->mutable_t();
    tp->set_data_type(onnxDataType(t->dtype()));
    for (int64_t d : t->sizes())
      tp->add_dims(d);
    auto bytes = t->contiguousBytes();
    tp->set_raw_data(std::string(bytes.begin(), bytes.end()));
  } else {
    FAIL("attribute " << name << " has a kind the test writer does not know");
  }
}

} // namespace

std::unique_ptr<ir::Graph> convert(std::string_view text, int opset) {
  auto g = tryConvert(text, opset);
  INFO("opset " << opset << ": " << g.status().ToString());
  REQUIRE(g.ok());
  return std::move(*g);
}

std::string convertError(std::string_view text, int opset) {
  auto g = tryConvert(text, opset);
  return g.ok() ? std::string() : std::string(g.status().message());
}

std::vector<std::string> kinds(const ir::Graph &g) {
  std::vector<std::string> out;
  for (const ir::Node *n : g.block()->nodes())
    if (n->kind() != ir::prim::Constant)
      out.push_back(n->kind().isNamespace("onnx") ? std::string(n->kind().name())
                                                  : n->kind().qualString());
  return out;
}

int count(const ir::Graph &g, std::string_view kind) {
  int c = 0;
  for (const std::string &k : kinds(g))
    c += k == kind;
  return c;
}

const ir::Node *first(const ir::Graph &g, std::string_view kind) {
  for (const ir::Node *n : g.block()->nodes())
    if (n->kind().isNamespace("onnx") && n->kind().name() == kind)
      return n;
  INFO("no " << kind << " in\n" << ir::printGraph(g));
  REQUIRE(false);
  return nullptr;
}

onnx::ModelProto toModel(const ir::Graph &g, int opset) {
  onnx::ModelProto m;
  m.set_ir_version(opset <= 12 ? 7 : 8);
  m.set_producer_name("ts2onnx-symbolics-test");
  auto *imp = m.add_opset_import();
  imp->set_domain("");
  imp->set_version(opset);
  auto *gp = m.mutable_graph();
  gp->set_name("test");
  for (const ir::Value *in : g.inputs()) {
    auto *vi = gp->add_input();
    vi->set_name(nameOf(in));
    setType(vi->mutable_type(), in);
  }
  for (const ir::Node *n : g.block()->nodes()) {
    if (n->kind() == ir::prim::Constant) {
      const ir::AttributeValue *a = n->attribute(ir::attr::value);
      const ir::Tensor *t = a ? a->getIf<ir::Tensor>() : nullptr;
      if (!t && n->output()->type()->is(ir::TypeKind::None))
        continue; // an omitted optional input (written as ""), as the emitter does
      if (!t) {
        INFO("a non-tensor constant is left: " << ir::printGraph(g));
        CHECK(!n->output()->hasUses());
        continue;
      }
      auto *tp = gp->add_initializer();
      tp->set_name(nameOf(n->output()));
      tp->set_data_type(onnxDataType(t->dtype()));
      for (int64_t d : t->sizes())
        tp->add_dims(d);
      auto bytes = t->contiguousBytes();
      tp->set_raw_data(std::string(bytes.begin(), bytes.end()));
      continue;
    }
    auto *np = gp->add_node();
    np->set_op_type(std::string(n->kind().name()));
    for (const ir::Value *in : n->inputs())
      np->add_input(in->type()->is(ir::TypeKind::None) ? std::string() : nameOf(in));
    for (const ir::Value *out : n->outputs())
      np->add_output(nameOf(out));
    for (const auto &[name, value] : n->attributes()) {
      if (name.name() == "domain")
        np->set_domain(value.get<std::string>());
      else
        setAttr(np, std::string(name.name()), value);
    }
  }
  for (const ir::Value *out : g.outputs()) {
    auto *vi = gp->add_output();
    vi->set_name(nameOf(out));
    setType(vi->mutable_type(), out);
  }
  return m;
}

std::string checkOnnx(const ir::Graph &g, int opset) {
  onnx::ModelProto m = toModel(g, opset);
  try {
    onnx::checker::check_model(m);
    onnx::ShapeInferenceOptions opts(/*check_type=*/true, /*strict=*/1, /*data_prop=*/false);
    onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), opts);
  } catch (const std::exception &e) {
    return e.what();
  }
  return "";
}

} // namespace ts2onnx::symbolics::testing
