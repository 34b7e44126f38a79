// fold-runtime-queries: answers the questions a TorchScript program asks about the process it
// runs in, as they are answered when the exported model runs: an inference run on dense CPU
// tensors, with autograd and autocast off (torch.no_grad(), as the fixtures are recorded and as
// nn.Transformer*'s fast paths expect).
//
// Given: a well-formed graph; tensor dtypes may or may not be known.
// Does:  replaces by a prim::Constant
//        - aten::is_grad_enabled, aten::is_autocast_enabled, aten::is_autocast_cpu_enabled,
//          aten::has_torch_function (plain tensors have no __torch_function__): false;
//        - prim::requires_grad of any tensor: false (nothing in an inference graph records
//          gradients; torch's own checks all read `is_grad_enabled() and x.requires_grad`);
//        - prim::is_cuda, is_xpu, is_mkldnn, is_sparse, is_sparse_csr, is_meta, is_vulkan,
//          is_ipu, is_mps, is_ort: false; prim::device: the Device "cpu";
//        - prim::is_quantized: true for a tensor a quantizing op made (quantize_per_tensor,
//          quantized::*, the quantized weights freeze makes) or an op computed from one
//          (outside If/Loop outputs), other than dequantize and the ops that read a quantized
//          tensor's integers or parameters; false for a tensor no such op can reach;
//        - prim::type (device.type) of a constant Device: its type string ("cpu");
//        - prim::is_nested: false for a tensor that no nested-tensor constructor
//          (aten::_nested_tensor_from_mask, aten::nested_tensor, ...) can reach through the
//          dataflow; true for the constructor's own output;
//        - aten::is_floating_point when the tensor's dtype is known;
//        - aten::__is__ / aten::__isnot__ on tensors: the same value is itself; two different
//          values that are each a graph input (each export input is bound to its own buffer)
//          or the result of an op that always makes a new tensor (layer_norm, linear, add, ...:
//          not eval dropout, contiguous, to, flatten or in-place ops, which may return their
//          input) are different tensors (nn.MultiheadAttention's `query is key` checks).
//        Under --training (training=1) grad stays off too: the export is of the forward graph.
//        When anything folded, runs fold-scalars, which collapses the prim::Ifs the answers
//        guarded (the fast-path eligibility checks of nn.MultiheadAttention /
//        nn.TransformerEncoderLayer), and repeats: a folded If can cut a nested-tensor path.
// Result: no foldable query remains. Linear time per round; rounds are bounded.
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "passes/Effects.h"
#include "passes/Passes.h"

namespace ts2onnx::passes {
namespace {

bool isFalseQuery(std::string_view k) {
  static constexpr std::string_view kFalse[] = {"aten::is_grad_enabled",
                                                "aten::is_autocast_enabled",
                                                "aten::is_autocast_cpu_enabled",
                                                "aten::has_torch_function",
                                                "prim::requires_grad",
                                                "prim::is_cuda",
                                                "prim::is_xpu",
                                                "prim::is_mkldnn",
                                                "prim::is_sparse",
                                                "prim::is_sparse_csr",
                                                "prim::is_meta",
                                                "prim::is_vulkan",
                                                "prim::is_ipu",
                                                "prim::is_mps",
                                                "prim::is_ort"};
  for (std::string_view f : kFalse)
    if (k == f)
      return true;
  return false;
}

bool makesNested(std::string_view k) {
  return k == "aten::_nested_tensor_from_mask" || k == "aten::nested_tensor" ||
         k == "aten::_nested_from_padded" || k == "aten::_nested_from_padded_and_nested_example" ||
         k == "aten::_nested_tensor_from_tensor_list" || k == "aten::_nested_view_from_buffer";
}

bool makesDense(std::string_view k) {
  return k == "aten::to_padded_tensor" || k == "aten::nested_to_padded_tensor";
}

bool makesQuantized(std::string_view k) {
  return k == "aten::quantize_per_tensor" || k == "aten::quantize_per_channel" ||
         k == "aten::_make_per_tensor_quantized_tensor" ||
         k == "aten::_make_per_channel_quantized_tensor" || k.rfind("quantized::", 0) == 0;
}

/// Ops that take a quantized tensor and give something that is not one.
bool leavesQuantized(std::string_view k) {
  return k == "aten::dequantize" || k == "aten::int_repr" || k == "aten::q_scale" ||
         k == "aten::q_zero_point" || k == "aten::q_per_channel_scales" ||
         k == "aten::q_per_channel_zero_points" || k == "aten::q_per_channel_axis";
}

struct Folder {
  ir::Graph &graph;
  absl::flat_hash_set<const ir::Value *> maybeNested;
  absl::flat_hash_set<const ir::Value *> maybeQuantized;
  absl::flat_hash_set<const ir::Value *> quantized; // surely
  bool changed = false;

  /// Forward dataflow as markNested's, for quantized tensors; `quantized` holds the values that
  /// surely are (made by a quantizing op, or by a plain op from a surely quantized input).
  void markQuantized(ir::Block *b) {
    for (ir::Node *n : b->nodes()) {
      std::string_view k = n->kind().qualString();
      bool maybeIn = false, surelyIn = false;
      for (ir::Value *v : n->inputs()) {
        maybeIn |= maybeQuantized.contains(v);
        surelyIn |= quantized.contains(v);
      }
      if (n->kind() == ir::prim::Loop && maybeIn)
        for (ir::Block *sub : n->blocks())
          for (ir::Value *v : sub->inputs())
            maybeQuantized.insert(v);
      for (ir::Block *sub : n->blocks())
        markQuantized(sub);
      bool fromBlocks = false;
      for (ir::Block *sub : n->blocks())
        for (ir::Value *v : sub->outputs())
          fromBlocks |= maybeQuantized.contains(v);
      if (leavesQuantized(k))
        continue;
      bool made = makesQuantized(k);
      for (ir::Value *v : n->outputs()) {
        if (!v->type()->isTensor() && !v->type()->is(ir::TypeKind::Optional))
          continue;
        if (made || maybeIn || fromBlocks)
          maybeQuantized.insert(v);
        if (v->type()->isTensor() && n->blocks().empty() && (made || surelyIn))
          quantized.insert(v);
      }
    }
  }

  /// Forward dataflow: a value may be nested if a constructor made it or any input of the node
  /// that made it may be nested (block outputs flow to If/Loop outputs, loop-carried values
  /// into the body).
  void markNested(ir::Block *b) {
    for (ir::Node *n : b->nodes()) {
      std::string_view k = n->kind().qualString();
      bool in = false;
      for (ir::Value *v : n->inputs())
        in |= maybeNested.contains(v);
      if (n->kind() == ir::prim::Loop && in) {
        for (ir::Block *sub : n->blocks())
          for (ir::Value *v : sub->inputs())
            maybeNested.insert(v);
      }
      for (ir::Block *sub : n->blocks())
        markNested(sub);
      bool fromBlocks = false;
      for (ir::Block *sub : n->blocks())
        for (ir::Value *v : sub->outputs())
          fromBlocks |= maybeNested.contains(v);
      if (makesDense(k))
        continue;
      if (makesNested(k) || in || fromBlocks)
        for (ir::Value *v : n->outputs())
          if (v->type()->isTensor() || v->type()->is(ir::TypeKind::Optional))
            maybeNested.insert(v);
    }
  }

  void replaceBy(ir::Node *n, ir::Value *c) {
    c->node()->setSourceLocation(n->sourceLocation());
    n->output()->replaceAllUsesWith(c);
    n->destroy();
    changed = true;
  }

  void foldBlock(ir::Block *b) {
    for (auto it = b->nodes().begin(); it != b->nodes().end();) {
      ir::Node *n = *it;
      ++it;
      for (ir::Block *sub : n->blocks())
        foldBlock(sub);
      if (n->outputs().size() != 1)
        continue;
      std::string_view k = n->kind().qualString();
      ir::WithInsertPoint guard(n);
      if (isFalseQuery(k)) {
        replaceBy(n, graph.insertConstantBool(false));
      } else if (k == "prim::device" && n->inputs().size() == 1) {
        replaceBy(n, graph.insertConstantString("cpu")->setType(ir::Type::deviceType()));
      } else if (k == "prim::type" && n->inputs().size() == 1 &&
                 n->input()->type()->is(ir::TypeKind::Device)) {
        // device.type of a constant Device ("cpu", "cuda:0" -> "cuda").
        const ir::AttributeValue *a = ir::constantValue(n->input());
        if (const auto *dev = a ? a->getIf<std::string>() : nullptr)
          replaceBy(n, graph.insertConstantString(dev->substr(0, dev->find(':'))));
      } else if (k == "prim::is_nested" && n->inputs().size() == 1) {
        ir::Value *x = n->input();
        if (makesNested(x->node()->kind().qualString()))
          replaceBy(n, graph.insertConstantBool(true));
        else if (!maybeNested.contains(x))
          replaceBy(n, graph.insertConstantBool(false));
      } else if (k == "prim::is_quantized" && n->inputs().size() == 1) {
        ir::Value *x = n->input();
        if (quantized.contains(x))
          replaceBy(n, graph.insertConstantBool(true));
        else if (!maybeQuantized.contains(x))
          replaceBy(n, graph.insertConstantBool(false));
      } else if (k == "aten::is_floating_point" && n->inputs().size() == 1 &&
                 n->input()->type()->isTensor()) {
        if (auto dt = n->input()->type()->tensorInfo().dtype)
          replaceBy(n, graph.insertConstantBool(ir::isFloatingType(*dt)));
      } else if ((k == "aten::__is__" || k == "aten::__isnot__") && n->inputs().size() == 2 &&
                 n->input(0)->type()->isTensor() && n->input(1)->type()->isTensor()) {
        ir::Value *a = n->input(0), *c = n->input(1);
        bool positive = k == "aten::__is__";
        if (a == c)
          replaceBy(n, graph.insertConstantBool(positive));
        else if (isDistinctTensorObject(a) && isDistinctTensorObject(c))
          replaceBy(n, graph.insertConstantBool(!positive));
      }
    }
  }
};

} // namespace

absl::Status runFoldRuntimeQueries(ir::Graph &graph, const PassOptions &) {
  // Folding an If can cut a nested-tensor path, which answers more is_nested queries.
  for (int round = 0; round < 8; ++round) {
    Folder f{graph, {}, {}, {}};
    f.markNested(graph.block());
    f.markQuantized(graph.block());
    f.foldBlock(graph.block());
    if (!f.changed || !foldScalars(graph))
      break;
  }
  return absl::OkStatus();
}

} // namespace ts2onnx::passes
