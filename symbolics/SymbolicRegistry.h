// The aten -> ONNX symbolic tables. Each entry maps an operator (`aten::conv2d`) and the opset
// that introduced its current ONNX form to a function that builds ONNX nodes. For a target
// opset, lookup picks the newest entry at or below it, as torch.onnx and onnxruntime do.
// The builtin entries live by op family in symbolics/ops/<family>.cpp, every opset form of an
// op registered side by side (`add("aten::softmax", 9, ...)` next to `add(..., 13, ...)`);
// docs/adding-an-op.md says how to add one.
#pragma once

#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/Graph.h"

namespace ts2onnx::symbolics {

class OnnxBuilder;

/// What a symbolic sees: the node being converted, helpers to read its constant inputs, and the
/// builder that inserts ONNX nodes before it.
class SymbolicContext {
public:
  SymbolicContext(OnnxBuilder &builder, ir::Node &node) : b(builder), node_(node) {}

  OnnxBuilder &b;
  ir::Node &node() const { return node_; }
  size_t numInputs() const { return node_.inputs().size(); }
  ir::Value *input(size_t i) const { return node_.input(i); }

  // Compile-time values of inputs: a prim::Constant, or a prim::ListConstruct of constants.
  bool isNone(size_t i) const;
  std::optional<int64_t> constInt(size_t i) const;
  std::optional<double> constFloat(size_t i) const; // ints convert
  std::optional<bool> constBool(size_t i) const;
  std::optional<std::string> constString(size_t i) const;
  std::optional<std::vector<int64_t>> constInts(size_t i) const;
  std::optional<std::vector<double>> constFloats(size_t i) const;
  /// The elements of a prim::ListConstruct input (tensor lists for cat/stack).
  std::optional<std::vector<ir::Value *>> listElements(size_t i) const;

  /// An error naming the node's operator and source location.
  absl::Status error(std::string_view message) const;
  /// Like error(), for an argument value the ONNX form cannot express.
  absl::Status unsupported(std::string_view what) const;

private:
  ir::Node &node_;
};

/// Returns one value per output of the node (nullptr for outputs nobody uses).
using SymbolicFn = std::function<absl::StatusOr<std::vector<ir::Value *>>(SymbolicContext &)>;

class SymbolicRegistry {
public:
  SymbolicRegistry() = default;
  SymbolicRegistry(const SymbolicRegistry &) = delete;
  SymbolicRegistry &operator=(const SymbolicRegistry &) = delete;

  /// The builtin tables (symbolics/ops/*.cpp), plus what users registered.
  static SymbolicRegistry &global();

  /// Adds `fn` for `op` (`aten::relu`, `mydomain::op`) from opset `sinceOpset` on; replaces an
  /// entry with the same op and opset (users override builtins this way).
  void add(std::string_view op, int sinceOpset, SymbolicFn fn);
  /// A user entry for `op` at the opsets [fromOpset, toOpset]: there it takes precedence over
  /// the builtin entries (add()), and where user ranges overlap the later registration wins.
  /// Outside the range the builtin table answers as before.
  void addCustom(std::string_view op, int fromOpset, int toOpset, SymbolicFn fn);
  /// Drops every user entry of `op` (addCustom); returns how many there were.
  size_t removeCustom(std::string_view op);
  /// The [from, to] opset ranges of the user entries of `op`, in registration order.
  std::vector<std::pair<int, int>> customRangesOf(std::string_view op) const;

  /// The symbolic for `op` at `opset`: the latest user entry whose range holds `opset`, else the
  /// builtin entry with the largest sinceOpset <= `opset`, else nullptr. The pointer stays valid
  /// until that entry is replaced or removed.
  const SymbolicFn *lookup(std::string_view op, int opset) const;
  /// The opsets at which `op` has a builtin entry, ascending (for error messages and coverage
  /// tests).
  std::vector<int> opsetsOf(std::string_view op) const;
  /// Every op with at least one builtin entry, sorted.
  std::vector<std::string> ops() const;

private:
  struct CustomEntry {
    int from = 0;
    int to = 0;
    SymbolicFn fn;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::map<int, SymbolicFn>, std::less<>> table_;
  // A list per op so that lookup's pointers survive later registrations.
  std::map<std::string, std::list<CustomEntry>, std::less<>> custom_;
};

/// The opsets this build can target: up to the newest the onnx library it is built with knows
/// (17 with Debian's onnx 1.12, 24 with onnx 1.19 from scripts/build-onnx.sh; CMake sets
/// TS2ONNX_MAX_OPSET).
constexpr int kMinOpset = 9;
#ifdef TS2ONNX_MAX_OPSET
constexpr int kMaxOpset = TS2ONNX_MAX_OPSET;
#else
constexpr int kMaxOpset = 17;
#endif

// Registration of the builtin tables, one function per family file symbolics/ops/<family>.cpp.
/// Unary and binary math, comparisons, logic, where, clamp, masked_fill.
void registerElementwise(SymbolicRegistry &r);
/// relu, gelu, hardswish, ..., softmax / log_softmax.
void registerActivation(SymbolicRegistry &r);
/// linear, addmm, matmul / mm / bmm, dot / outer / tensordot / einsum, cross, matrix norms,
/// distances (cdist, pairwise_distance, cosine_similarity), det, t, triu / tril.
void registerLinalg(SymbolicRegistry &r);
/// conv{1,2,3}d, conv_transpose{1,2,3}d, _convolution.
void registerConv(SymbolicRegistry &r);
/// batch_norm, layer_norm, group_norm, instance_norm.
void registerNorm(SymbolicRegistry &r);
/// max / avg / adaptive pooling.
void registerPool(SymbolicRegistry &r);
/// quantize_per_tensor, dequantize, quantized::{conv2d, linear, add, mul, cat} (+ fused ReLU).
void registerQuantized(SymbolicRegistry &r);

/// How to-onnx converts an aten op whose input is a quantized tensor (OnnxBuilder's
/// quantizationOf): DataMovement ops run their own symbolic on the integers (the output keeps
/// the input's quantization); IntegerUnits ops (ReLU, max pooling before opset 12) run it on
/// (integer - zero point) as floats, which they compute exactly, and are put back on the
/// input's quantization; Custom ops (hardswish, hardsigmoid, sigmoid, global average pooling,
/// mean over H and W) are quantizedAten's, which computes what torch's kernels compute;
/// ShapeQuery ops (size, dim, numel) read only the shape; anything else is refused.
enum class QuantizedAtenKind { DataMovement, IntegerUnits, Custom, ShapeQuery, Unsupported };
QuantizedAtenKind quantizedAtenKind(std::string_view op, int opset);
/// A Custom op of a quantized tensor (quantizedAtenKind).
absl::StatusOr<std::vector<ir::Value *>> quantizedAten(SymbolicContext &ctx);
/// view / reshape / permute / squeeze / cat / split / slice / select / expand / size, no-op views.
void registerShape(SymbolicRegistry &r);
/// flip / roll / rot90, movedim, the stack family, pixel shuffles, diagonals, kron, unfold /
/// im2col / col2im, tensor_split, tile, repeat_interleave: ops/rearrange.cpp.
void registerRearrange(SymbolicRegistry &r);
/// sum, mean, amax, max / min, argmax, norms, logsumexp, cumsum.
void registerReduction(SymbolicRegistry &r);
/// tensor, zeros / ones / full / empty (and _like / new_ forms), arange.
void registerCreation(SymbolicRegistry &r);
/// to, type_as, dtype methods, scalar casts (aten::Int, NumToTensor, ...).
void registerConversion(SymbolicRegistry &r);
/// upsample_* and grid_sampler.
void registerResample(SymbolicRegistry &r);
/// constant_pad_nd, pad, reflection / replication pads.
void registerPadding(SymbolicRegistry &r);
/// index / index_put (masks, several indices), index_select, gather, embedding, *_scatter.
void registerIndexing(SymbolicRegistry &r);
/// len, __getitem__, prim::ListUnpack, append: list literals and ONNX sequences.
void registerSequence(SymbolicRegistry &r);
/// Optional unwrapping and aten::warn.
void registerControl(SymbolicRegistry &r);
/// dropout and its variants.
void registerDropout(SymbolicRegistry &r);
/// aten::lstm / gru / rnn_tanh / rnn_relu.
void registerRnn(SymbolicRegistry &r);
/// The fused attention kernels and scaled_dot_product_attention.
void registerAttention(SymbolicRegistry &r);
/// sort / argsort / topk / kthvalue / median, the unique family.
void registerSorting(SymbolicRegistry &r);
/// nll / cross_entropy / bce / kl_div / mse / l1 / smooth_l1 / huber and the margin losses.
void registerLoss(SymbolicRegistry &r);
/// fft_fft / fft_rfft (DFT, opset 17) and stft, real outputs (view_as_real) only.
void registerSpectral(SymbolicRegistry &r);
/// torchvision's nms (NonMaxSuppression) and roi_align (RoiAlign).
void registerDetection(SymbolicRegistry &r);

} // namespace ts2onnx::symbolics
