// Recurrent layers: aten::lstm, aten::gru, aten::rnn_tanh and aten::rnn_relu (the ops nn.LSTM,
// nn.GRU and nn.RNN call with their flat weights) as ONNX LSTM / GRU / RNN, one ONNX node per
// layer. All entries are at opset 9: LSTM/GRU/RNN kept their opset-7 form up to 17 (14 only
// added the `layout` attribute, left at its default here); the Squeeze/Slice around them go
// through OnnxBuilder, which writes their opset-10/13 forms.
//
// torch and ONNX disagree on the gate order inside the stacked weights: torch's LSTM rows are
// [i, f, g, o] and ONNX wants [i, o, f, c]; torch's GRU rows are [r, z, n] and ONNX wants
// [z, r, h] (with linear_before_reset = 1, which is how torch's GRU applies the reset gate).
// With constant weights (a frozen module) W, R and B are reordered here and written as ready
// initializers; other weights are reordered with Split/Concat at run time. An LSTM with
// projections (proj_size > 0), which ONNX's LSTM lacks, is an ONNX Loop over the time steps per
// layer and direction, the cell written out (projectedLstm).
#include <limits>
#include <tuple>

#include <fmt/format.h>

#include "ir/Status.h"
#include "symbolics/Helpers.h"

namespace ts2onnx::symbolics {

namespace {

/// `w` with its row blocks (one per gate, equal sizes) in the order `order`.
ir::Tensor reorderGateRows(const ir::Tensor &w, const std::vector<int> &order) {
  std::vector<uint8_t> bytes = w.contiguousBytes();
  size_t block = bytes.size() / order.size();
  std::vector<uint8_t> out;
  out.reserve(bytes.size());
  for (int g : order)
    out.insert(out.end(), bytes.begin() + ptrdiff_t(size_t(g) * block),
               bytes.begin() + ptrdiff_t(size_t(g + 1) * block));
  return ir::Tensor::fromBytes(w.dtype(), w.sizes(), out.data());
}

using Result = absl::StatusOr<std::vector<ir::Value *>>;
using Ctx = SymbolicContext;

enum class Cell { Lstm, Gru, RnnTanh, RnnRelu };

struct CellInfo {
  const char *onnxOp;
  const char *torchName;
  std::vector<int> order; // torch's gate blocks in ONNX's order
};

CellInfo infoOf(Cell c) {
  switch (c) {
  case Cell::Lstm:
    return {"LSTM", "lstm", {0, 3, 1, 2}};
  case Cell::Gru:
    return {"GRU", "gru", {1, 0, 2}};
  case Cell::RnnTanh:
    return {"RNN", "rnn_tanh", {0}};
  case Cell::RnnRelu:
    return {"RNN", "rnn_relu", {0}};
  }
  return {"RNN", "rnn", {0}};
}

/// The tensor of a prim::Constant with data, if `v` is one.
const ir::Tensor *constTensor(const ir::Value *v) {
  if (v->node()->kind() != ir::prim::Constant)
    return nullptr;
  const ir::AttributeValue *a = ir::constantValue(v);
  const ir::Tensor *t = a ? a->getIf<ir::Tensor>() : nullptr;
  return t && t->defined() && t->storage() ? t : nullptr;
}

/// The row-major concatenation of `parts` (one dtype) with the shape `sizes`.
ir::Tensor joined(const std::vector<ir::Tensor> &parts, std::vector<int64_t> sizes) {
  std::vector<uint8_t> bytes;
  for (const ir::Tensor &t : parts) {
    std::vector<uint8_t> b = t.contiguousBytes();
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  return ir::Tensor::fromBytes(parts.at(0).dtype(), std::move(sizes), bytes.data());
}

/// Whether `v` is all zeros by construction: ConstantOfShape of a zero (what aten::zeros
/// became), a constant tensor of zeros, or a Cast of one. Such an initial state is left out,
/// since ONNX's default initial_h/initial_c is zero.
bool isZeros(const ir::Value *v) {
  const ir::Node *n = v->node();
  std::string_view k = n->kind().qualString();
  if (k == "onnx::Cast")
    return isZeros(n->input(0));
  const ir::Tensor *t = nullptr;
  if (k == "onnx::ConstantOfShape") {
    const ir::AttributeValue *a = n->attribute(ir::Symbol::attr("value"));
    if (!a)
      return true; // the default value is a float zero
    t = a->getIf<ir::Tensor>();
  } else {
    t = constTensor(v);
  }
  if (!t || !t->storage() || t->numel() > (int64_t(1) << 20))
    return false;
  for (int64_t i = 0; i < t->numel(); ++i)
    if (t->doubleAt(i) != 0)
      return false;
  return true;
}

class RnnLowering {
public:
  RnnLowering(Ctx &ctx, Cell cell) : ctx_(ctx), b_(ctx.b), cell_(cell), info_(infoOf(cell)) {}

  Result run() {
    // lstm(input, Tensor[] hx, Tensor[] params, has_biases, num_layers, dropout, train,
    //      bidirectional, batch_first); gru/rnn_* take `Tensor hx`. The packed overloads
    // (data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)
    // have a tensor where these have the params list.
    const bool lstm = cell_ == Cell::Lstm;
    // The packed overload, fed by aten::_pack_padded_sequence(padded, lengths, batch_first):
    // the ONNX layers run on the padded tensor with sequence_lens = lengths (each sequence's
    // steps, both directions, and its final state at its own length, as torch's packed run),
    // and the data output is the padded result, which aten::_pad_packed_sequence then trims
    // and pads (markPadded).
    const bool packed = ctx_.numInputs() == 9 && ctx_.input(1)->type()->isTensor() &&
                        ctx_.input(3)->type()->is(ir::TypeKind::List);
    if (packed && ctx_.input(0)->node()->kind().qualString() != "aten::_pack_padded_sequence")
      return ctx_.error(
          fmt::format("the packed-sequence overload of aten::{} is converted only on what "
                      "pack_padded_sequence made in the graph",
                      info_.torchName));
    size_t shift = packed ? 1 : 0; // the packed overload has batch_sizes before hx
    if (!packed &&
        (ctx_.numInputs() != 9 || !ctx_.input(lstm ? 1 : 2)->type()->is(ir::TypeKind::List) ||
         !ctx_.input(2)->type()->is(ir::TypeKind::List)))
      return ctx_.error(
          fmt::format("the packed-sequence overload of aten::{} (a PackedSequence input, from "
                      "pack_padded_sequence) is not supported; pass the padded tensor instead",
                      info_.torchName));
    if (packed) {
      const ir::Node *pack = ctx_.input(0)->node();
      auto packBatchFirst = ir::constantInt(pack->input(2));
      if (!packBatchFirst)
        return ctx_.error("pack_padded_sequence's batch_first must be a constant");
      padded_ = pack->input(0);
      lengths64_ = pack->input(1);
      lengths_ = b_.cast(pack->input(1), ir::ScalarType::Int32);
      packedBatchFirst_ = *packBatchFirst != 0;
    }
    paramsIndex_ = 2 + shift;
    hxIndex_ = 1 + shift;
    auto hasBiases = ctx_.constBool(3 + shift);
    auto layers = ctx_.constInt(4 + shift);
    auto dropout = ctx_.constFloat(5 + shift);
    auto train = ctx_.constBool(6 + shift);
    auto bidirectional = ctx_.constBool(7 + shift);
    auto batchFirst = packed ? std::optional<bool>(packedBatchFirst_) : ctx_.constBool(8);
    if (!hasBiases || !layers || !dropout || !train || !bidirectional || !batchFirst)
      return ctx_.error("has_biases, num_layers, dropout, train, bidirectional and batch_first "
                        "must be constants");
    if (*train)
      return ctx_.error("train=True (a recurrent layer in training mode, with dropout between "
                        "layers) is not supported; export the module in eval mode");
    if (*layers < 1)
      return ctx_.error(fmt::format("num_layers must be positive, got {}", *layers));
    auto params = ctx_.listElements(paramsIndex_);
    if (!params)
      return ctx_.error("the weights must be a list built in the graph (prim::ListConstruct)");
    dirs_ = *bidirectional ? 2 : 1;
    layers_ = *layers;
    size_t perCell = *hasBiases ? 4 : 2;
    size_t cells = size_t(layers_ * dirs_);
    if (lstm && params->size() == cells * (perCell + 1)) {
      if (packed)
        return ctx_.error("a packed sequence into an LSTM with projections (proj_size) is not "
                          "supported");
      params_ = *params;
      perCell_ = perCell + 1;
      hasBiases_ = *hasBiases;
      return projectedLstm(*batchFirst);
    }
    if (params->size() != cells * perCell)
      return ctx_.error(fmt::format("expected {} weights for {} layer(s), {} direction(s){}, "
                                    "got {}",
                                    cells * perCell, layers_, dirs_,
                                    *hasBiases ? " with biases" : "", params->size()));
    params_ = *params;
    perCell_ = perCell;
    hasBiases_ = *hasBiases;
    auto rShape = OnnxBuilder::staticShapeOf(params_[1]);
    if (!rShape || rShape->size() != 2 || (*rShape)[0] % int64_t(info_.order.size()) != 0)
      return ctx_.error("the hidden-hidden weight needs a static [gates * hidden, hidden] shape");
    hidden_ = (*rShape)[0] / int64_t(info_.order.size());
    if ((*rShape)[1] != hidden_)
      return ctx_.error("weight_hh is not [gates * hidden, hidden] (proj_size != 0 is not "
                        "supported)");

    ir::Value *h0 = nullptr, *c0 = nullptr;
    TS2ONNX_RETURN_IF_ERROR(initialStates(h0, c0));
    ir::Value *x = packed ? padded_ : ctx_.input(0);
    auto xRank = OnnxBuilder::rankOf(x);
    if (xRank && *xRank != 3)
      return ctx_.error(fmt::format("expected a 3-D input, got rank {} (unbatched 2-D input is "
                                    "not supported)",
                                    *xRank));
    if (*batchFirst)
      x = transpose(x, {1, 0, 2});
    std::vector<ir::Value *> hn, cn;
    for (int64_t l = 0; l < layers_; ++l) {
      TS2ONNX_ASSIGN_OR_RETURN(ir::Node * n, layer(x, l, h0, c0));
      ir::Value *y = n->output(0); // [seq, dirs, batch, hidden]
      if (dirs_ == 1)
        x = b_.squeeze(y, {1});
      else
        x = b_.op("Reshape", {transpose(y, {0, 2, 1, 3}), b_.int64s({0, 0, -1})});
      hn.push_back(n->output(1));
      if (lstm)
        cn.push_back(n->output(2));
    }
    if (packed) {
      // Time-major [T, batch, dirs * hidden], the padded form of the packed data.
      b_.setPackedLengths(x, lengths64_);
    } else if (*batchFirst) {
      x = transpose(x, {1, 0, 2});
    }
    std::vector<ir::Value *> outs = {x, b_.concat(hn, 0)};
    if (lstm)
      outs.push_back(b_.concat(cn, 0));
    return outs;
  }

private:
  /// The initial states, [layers * dirs, batch, width] each (c0 for an LSTM only), or null
  /// when they are zeros (ONNX's default).
  absl::Status initialStates(ir::Value *&h0, ir::Value *&c0) {
    if (cell_ == Cell::Lstm) {
      auto hx = ctx_.listElements(hxIndex_);
      if (!hx || hx->size() != 2)
        return ctx_.error("hx must be a list (h0, c0) built in the graph");
      h0 = (*hx)[0];
      c0 = (*hx)[1];
    } else if (!ctx_.isNone(hxIndex_)) {
      h0 = ctx_.input(hxIndex_);
    }
    if (h0 && isZeros(h0))
      h0 = nullptr;
    if (c0 && isZeros(c0))
      c0 = nullptr;
    return absl::OkStatus();
  }

  /// An LSTM with projections (proj_size > 0), which ONNX's LSTM cannot express: per layer and
  /// direction an ONNX Loop over time steps computing torch's cell, h_t = W_hr (o * tanh(c_t)),
  /// with the input projection of all steps done once before the loop. Weights in torch's order
  /// per cell: w_ih [4H, I], w_hh [4H, P], (b_ih, b_hh [4H],) w_hr [P, H].
  Result projectedLstm(bool batchFirst) {
    size_t hrIndex = hasBiases_ ? 4 : 2;
    auto hrShape = OnnxBuilder::staticShapeOf(param(0, 0, hrIndex));
    if (!hrShape || hrShape->size() != 2)
      return ctx_.error("the projection weight needs a static [proj_size, hidden] shape");
    const int64_t proj = (*hrShape)[0], hidden = (*hrShape)[1];
    ir::Value *h0 = nullptr, *c0 = nullptr;
    TS2ONNX_RETURN_IF_ERROR(initialStates(h0, c0));
    ir::Value *x = ctx_.input(0);
    auto xRank = OnnxBuilder::rankOf(x);
    if (!xRank || *xRank != 3)
      return ctx_.error("an LSTM with projections needs a 3-D input of known rank (unbatched "
                        "2-D input is not supported)");
    auto dtype = OnnxBuilder::dtypeOf(x);
    if (batchFirst)
      x = transpose(x, {1, 0, 2});
    std::vector<ir::Value *> hn, cn;
    for (int64_t l = 0; l < layers_; ++l) {
      std::vector<ir::Value *> ys;
      for (int64_t d = 0; d < dirs_; ++d) {
        int64_t row = l * dirs_ + d;
        ir::Value *h = h0 ? b_.gather(h0, b_.int64Scalar(row), 0) : zeros(x, proj, dtype);
        ir::Value *c = c0 ? b_.gather(c0, b_.int64Scalar(row), 0) : zeros(x, hidden, dtype);
        auto [y, hLast, cLast] = projectedDirection(x, l, d, h, c, hidden, proj, dtype);
        ys.push_back(y);
        hn.push_back(b_.unsqueeze(hLast, {0}));
        cn.push_back(b_.unsqueeze(cLast, {0}));
      }
      x = dirs_ == 1 ? ys[0] : b_.concat(ys, 2);
    }
    if (batchFirst)
      x = transpose(x, {1, 0, 2});
    return std::vector<ir::Value *>{x, b_.concat(hn, 0), b_.concat(cn, 0)};
  }

  /// Zeros [batch, width] for an initial state torch fills with zeros.
  ir::Value *zeros(ir::Value *x, int64_t width, std::optional<ir::ScalarType> dtype) {
    ir::Value *shape =
        b_.concat({b_.slice(b_.shape(x), {1}, {2}, {0}, {1}), b_.int64s({width})}, 0);
    return b_.constantOfShape(shape, 0, dtype.value_or(ir::ScalarType::Float32));
  }

  /// One direction of one projected layer over x [T, B, I]: (y [T, B, P], h_T, c_T).
  std::tuple<ir::Value *, ir::Value *, ir::Value *>
  projectedDirection(ir::Value *x, int64_t l, int64_t d, ir::Value *h, ir::Value *c, int64_t hidden,
                     int64_t proj, std::optional<ir::ScalarType> dtype) {
    ir::Value *wih = param(l, d, 0), *whh = param(l, d, 1);
    ir::Value *whr = param(l, d, hasBiases_ ? 4 : 2);
    // The input projection of every step at once: x W_ih^T + b_ih + b_hh, [T, B, 4H].
    ir::Value *xw = b_.op("MatMul", {x, transpose(wih, {1, 0})});
    if (hasBiases_)
      xw = b_.op("Add", {xw, b_.op("Add", {param(l, d, 2), param(l, d, 3)})});
    ir::Value *whhT = transpose(whh, {1, 0}), *whrT = transpose(whr, {1, 0});
    ir::Value *steps = b_.dimSize(x, 0);
    ir::Value *last = d == 1 ? b_.op("Sub", {steps, b_.int64Scalar(1)}) : nullptr;
    ir::Node *loop = b_.node("Loop", {steps, b_.boolScalar(true), h, c}, {}, 3);
    ir::Block *body = loop->addBlock();
    ir::Value *it = body->addInput();
    OnnxBuilder::setTensorType(it, ir::ScalarType::Int64, std::vector<ir::Dim>{});
    OnnxBuilder::setTensorType(body->addInput(), ir::ScalarType::Bool, std::vector<ir::Dim>{});
    ir::Value *hIn = body->addInput(), *cIn = body->addInput();
    hIn->setType(h->type());
    cIn->setType(c->type());
    {
      ir::WithInsertPoint inBody(body);
      // The reverse direction reads the steps from the last.
      ir::Value *t = d == 1 ? b_.op("Sub", {last, it}) : it;
      ir::Value *g = b_.op("Add", {b_.gather(xw, t, 0), b_.op("MatMul", {hIn, whhT})});
      std::vector<ir::Value *> gates = b_.split(g, 1, {hidden, hidden, hidden, hidden});
      ir::Value *in = b_.op("Sigmoid", {gates[0]}), *forget = b_.op("Sigmoid", {gates[1]});
      ir::Value *cell = b_.op("Tanh", {gates[2]}), *out = b_.op("Sigmoid", {gates[3]});
      ir::Value *cNext = b_.op("Add", {b_.op("Mul", {forget, cIn}), b_.op("Mul", {in, cell})});
      ir::Value *hNext = b_.op("MatMul", {b_.op("Mul", {out, b_.op("Tanh", {cNext})}), whrT});
      body->registerOutput(b_.boolScalar(true));
      body->registerOutput(hNext);
      body->registerOutput(cNext);
      body->registerOutput(b_.op("Identity", {hNext}));
    }
    auto xDims = OnnxBuilder::dimsOf(x);
    ir::Dim batch = xDims && xDims->size() == 3 ? (*xDims)[1] : ir::Dim::unknown();
    ir::Dim time = xDims && xDims->size() == 3 ? (*xDims)[0] : ir::Dim::unknown();
    OnnxBuilder::setTensorType(loop->output(0), dtype,
                               std::vector<ir::Dim>{batch, ir::Dim::known(proj)});
    OnnxBuilder::setTensorType(loop->output(1), dtype,
                               std::vector<ir::Dim>{batch, ir::Dim::known(hidden)});
    OnnxBuilder::setTensorType(loop->output(2), dtype,
                               std::vector<ir::Dim>{time, batch, ir::Dim::known(proj)});
    ir::Value *y = loop->output(2);
    // The steps were produced last first: reversed along time by a Slice with step -1 (a
    // Gather of Range(T - 1, -1, -1) is miscomputed by onnxruntime 1.32's extended
    // optimizations, which turn it into a Slice ending at -1).
    if (d == 1)
      y = b_.slice(y, {-1}, {std::numeric_limits<int64_t>::min()}, {0}, {-1});
    return {y, loop->output(0), loop->output(1)};
  }

  ir::Value *transpose(ir::Value *x, std::vector<int64_t> perm) {
    return b_.op("Transpose", {x}, {OnnxAttr::is("perm", std::move(perm))});
  }

  ir::Value *param(int64_t layer, int64_t dir, size_t k) const {
    return params_[size_t(layer * dirs_ + dir) * perCell_ + k];
  }

  /// One layer's W, R or B for both directions: the gates reordered, the directions stacked
  /// (bias: [b_ih; b_hh] per direction). `ks` are the indices of the parameters within a cell.
  ir::Value *stacked(int64_t layer, const std::vector<size_t> &ks, const char *suffix) {
    const std::vector<int> &order = info_.order;
    std::vector<ir::Tensor> consts;
    bool allConst = true;
    for (int64_t d = 0; d < dirs_ && allConst; ++d)
      for (size_t k : ks) {
        const ir::Tensor *t = constTensor(param(layer, d, k));
        if (!t || (!consts.empty() && t->dtype() != consts[0].dtype())) {
          allConst = false;
          break;
        }
        consts.push_back(reorderGateRows(*t, order));
      }
    if (allConst) {
      std::vector<int64_t> sizes = consts[0].sizes();
      sizes[0] *= int64_t(ks.size());
      sizes.insert(sizes.begin(), dirs_);
      ir::Value *v = b_.constant(joined(consts, sizes));
      const ir::Value *first = param(layer, 0, ks[0]);
      if (first->hasDebugName())
        v->setDebugName(fmt::format("{}.onnx_{}", first->debugName(), suffix));
      return v;
    }
    std::vector<ir::Value *> perDir;
    for (int64_t d = 0; d < dirs_; ++d) {
      std::vector<ir::Value *> parts;
      for (size_t k : ks) {
        ir::Value *w = param(layer, d, k);
        if (order.size() > 1) {
          std::vector<ir::Value *> gates =
              b_.split(w, 0, std::vector<int64_t>(order.size(), hidden_));
          std::vector<ir::Value *> reordered;
          for (int g : order)
            reordered.push_back(gates[size_t(g)]);
          w = b_.concat(reordered, 0);
        }
        parts.push_back(w);
      }
      perDir.push_back(b_.unsqueeze(b_.concat(parts, 0), {0}));
    }
    return b_.concat(perDir, 0);
  }

  /// The rows [layer * dirs, (layer + 1) * dirs) of an initial state.
  ir::Value *stateOf(ir::Value *s, int64_t layer) {
    if (!s)
      return nullptr;
    if (layers_ == 1)
      return s;
    return b_.slice(s, {layer * dirs_}, {(layer + 1) * dirs_}, {0}, {1});
  }

  absl::StatusOr<ir::Node *> layer(ir::Value *x, int64_t l, ir::Value *h0, ir::Value *c0) {
    const bool lstm = cell_ == Cell::Lstm;
    ir::Value *none = nullptr;
    auto noneValue = [&] {
      if (!none)
        none = b_.graph().insertConstantNone();
      return none;
    };
    std::vector<ir::Value *> ins = {x, stacked(l, {0}, "W"), stacked(l, {1}, "R")};
    ins.push_back(hasBiases_ ? stacked(l, {2, 3}, "B") : noneValue());
    // sequence_lens: every sequence is full length, except for a packed input
    ins.push_back(lengths_ ? lengths_ : noneValue());
    ir::Value *h = stateOf(h0, l);
    ir::Value *c = lstm ? stateOf(c0, l) : nullptr;
    ins.push_back(h ? h : noneValue());
    if (lstm)
      ins.push_back(c ? c : noneValue());
    while (ins.back() == none && none)
      ins.pop_back();

    std::vector<OnnxAttr> attrs = {OnnxAttr::i("hidden_size", hidden_)};
    if (dirs_ == 2)
      attrs.push_back(OnnxAttr::s("direction", "bidirectional"));
    if (cell_ == Cell::Gru)
      attrs.push_back(OnnxAttr::i("linear_before_reset", 1));
    if (cell_ == Cell::RnnTanh || cell_ == Cell::RnnRelu)
      attrs.push_back(
          {"activations", ir::AttributeValue(std::vector<std::string>(
                              size_t(dirs_), cell_ == Cell::RnnRelu ? "Relu" : "Tanh"))});
    ir::Node *n = b_.node(info_.onnxOp, ins, attrs, lstm ? 3 : 2);

    // Y: [seq, dirs, batch, hidden]; Y_h, Y_c: [dirs, batch, hidden].
    auto dtype = OnnxBuilder::dtypeOf(x);
    auto xDims = OnnxBuilder::dimsOf(x);
    ir::Dim hid = ir::Dim::known(hidden_), dir = ir::Dim::known(dirs_);
    if (xDims && xDims->size() == 3) {
      OnnxBuilder::setTensorType(n->output(0), dtype,
                                 std::vector<ir::Dim>{(*xDims)[0], dir, (*xDims)[1], hid});
      for (size_t i = 1; i < n->outputs().size(); ++i)
        OnnxBuilder::setTensorType(n->output(i), dtype,
                                   std::vector<ir::Dim>{dir, (*xDims)[1], hid});
    } else {
      OnnxBuilder::setTensorType(n->output(0), dtype, std::nullopt);
      for (size_t i = 1; i < n->outputs().size(); ++i)
        OnnxBuilder::setTensorType(n->output(i), dtype, std::nullopt);
    }
    return n;
  }

  Ctx &ctx_;
  OnnxBuilder &b_;
  Cell cell_;
  CellInfo info_;
  // The packed overload's operands (run()): the padded input, the lengths (int64, and as
  // ONNX's int32 sequence_lens), where the params and hx are.
  ir::Value *padded_ = nullptr;
  ir::Value *lengths64_ = nullptr;
  ir::Value *lengths_ = nullptr;
  bool packedBatchFirst_ = false;
  size_t paramsIndex_ = 2;
  size_t hxIndex_ = 1;
  std::vector<ir::Value *> params_;
  size_t perCell_ = 4;
  bool hasBiases_ = true;
  int64_t dirs_ = 1;
  int64_t layers_ = 1;
  int64_t hidden_ = 0;
};

/// x @ w^T (+ bias): torch's linear, as the cells apply it.
ir::Value *affine(OnnxBuilder &b, ir::Value *x, ir::Value *w, ir::Value *bias) {
  ir::Value *y = b.op("MatMul", {x, b.op("Transpose", {w}, {OnnxAttr::is("perm", {1, 0})})});
  return bias ? b.op("Add", {y, bias}) : y;
}

/// One step of a cell, as nn.LSTMCell / GRUCell / RNNCell call it: lstm_cell(input, [h, c],
/// w_ih, w_hh, b_ih?, b_hh?) -> (h', c'); gru_cell / rnn_tanh_cell / rnn_relu_cell(input, h,
/// w_ih, w_hh, b_ih?, b_hh?) -> h'. Elementwise arithmetic in torch's gate order (LSTM i, f, g,
/// o; GRU r, z, n), batched ([B, I]) or not ([I]).
Result cellStep(Ctx &ctx, Cell kind) {
  OnnxBuilder &b = ctx.b;
  ir::Value *x = ctx.input(0), *h = nullptr, *c = nullptr;
  if (kind == Cell::Lstm) {
    auto hx = ctx.listElements(1);
    if (!hx || hx->size() != 2)
      return ctx.unsupported("lstm_cell with an hx that is not a list of two tensors");
    h = (*hx)[0];
    c = (*hx)[1];
  } else {
    h = ctx.input(1);
  }
  auto r = OnnxBuilder::rankOf(x);
  if (!r || (*r != 1 && *r != 2))
    return ctx.unsupported("a cell input not known to be 1-d or 2-d");
  auto whh = OnnxBuilder::staticShapeOf(ctx.input(3));
  if (!whh || whh->size() != 2)
    return ctx.unsupported("a cell whose w_hh has no static 2-d shape");
  int64_t hidden = (*whh)[1], axis = *r - 1;
  ir::Value *gi = affine(b, x, ctx.input(2), ctx.isNone(4) ? nullptr : ctx.input(4));
  ir::Value *gh = affine(b, h, ctx.input(3), ctx.isNone(5) ? nullptr : ctx.input(5));
  switch (kind) {
  case Cell::RnnTanh:
    return std::vector<ir::Value *>{b.op("Tanh", {b.op("Add", {gi, gh})})};
  case Cell::RnnRelu:
    return std::vector<ir::Value *>{b.op("Relu", {b.op("Add", {gi, gh})})};
  case Cell::Lstm: {
    std::vector<ir::Value *> g =
        b.split(b.op("Add", {gi, gh}), axis, {hidden, hidden, hidden, hidden});
    ir::Value *in = b.op("Sigmoid", {g[0]}), *forget = b.op("Sigmoid", {g[1]});
    ir::Value *cell = b.op("Tanh", {g[2]}), *out = b.op("Sigmoid", {g[3]});
    ir::Value *cy = b.op("Add", {b.op("Mul", {forget, c}), b.op("Mul", {in, cell})});
    ir::Value *hy = b.op("Mul", {out, b.op("Tanh", {cy})});
    return std::vector<ir::Value *>{hy, cy};
  }
  case Cell::Gru: {
    std::vector<ir::Value *> i = b.split(gi, axis, {hidden, hidden, hidden});
    std::vector<ir::Value *> hh = b.split(gh, axis, {hidden, hidden, hidden});
    ir::Value *reset = b.op("Sigmoid", {b.op("Add", {hh[0], i[0]})});
    ir::Value *update = b.op("Sigmoid", {b.op("Add", {hh[1], i[1]})});
    ir::Value *n = b.op("Tanh", {b.op("Add", {i[2], b.op("Mul", {hh[2], reset})})});
    ir::Value *hy = b.op("Add", {b.op("Mul", {b.op("Sub", {h, n}), update}), n});
    return std::vector<ir::Value *>{hy};
  }
  }
  return ctx.error("unknown cell");
}

} // namespace

/// aten::_pack_padded_sequence(input, lengths, batch_first) -> (data, batch_sizes): the
/// batch sizes are computed (batch_sizes[t] = how many lengths exceed t, t < max(lengths));
/// the data is left to the recurrent layer that reads it, which runs on the padded input
/// (RnnLowering), so the node stays until that layer is converted.
Result packPaddedSequence(Ctx &ctx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *lengths = ctx.input(1);
  if (!OnnxBuilder::dtypeOf(lengths) || *OnnxBuilder::dtypeOf(lengths) != ir::ScalarType::Int64)
    lengths = b.cast(lengths, ir::ScalarType::Int64);
  ir::Value *longest = b.reduce("ReduceMax", lengths, {}, false);
  ir::Value *steps = b.op("Range", {b.int64Scalar(0), longest, b.int64Scalar(1)});
  ir::Value *alive = b.op("Less", {b.unsqueeze(steps, {1}), b.unsqueeze(lengths, {0})});
  ir::Value *batchSizes = b.reduce("ReduceSum", b.cast(alive, ir::ScalarType::Int64), {1}, false);
  return std::vector<ir::Value *>{nullptr, batchSizes};
}

/// aten::_pad_packed_sequence(data, batch_sizes, batch_first, padding_value, total_length)
/// -> (padded, lengths), on the padded output of a recurrent layer run on a packed sequence:
/// its time steps cut (or padded) to total_length, the steps past each sequence's length set to
/// padding_value, batch-first when asked; the lengths are the ones packed.
Result padPackedSequence(Ctx &ctx) {
  OnnxBuilder &b = ctx.b;
  ir::Value *lengths = b.packedLengthsOf(ctx.input(0));
  if (!lengths)
    return ctx.unsupported("data that is not a recurrent layer's output on a sequence packed in "
                           "the graph");
  auto batchFirst = ctx.constBool(2);
  auto padding = ctx.constFloat(3);
  if (!batchFirst || !padding)
    return ctx.unsupported("batch_first and padding_value not known at conversion");
  ir::Value *y = ctx.input(0); // [T, batch, features]
  ir::Value *total = ctx.input(4);
  if (total->type()->is(ir::TypeKind::Int) && total->node()->kind() == ir::prim::Constant)
    total = b.int64Scalar(*ctx.constInt(4));
  else if (!total->type()->isTensor())
    return ctx.unsupported("a total_length that is not an int");
  total = b.cast(b.op("Reshape", {total, b.int64s({1})}), ir::ScalarType::Int64);
  ir::Value *steps = b.slice(b.shape(y), {0}, {1}, {0}, {1});
  ir::Value *extra = b.op("Max", {b.op("Sub", {total, steps}), b.int64s({0})});
  ir::Value *pads = b.concat({b.int64s({0, 0, 0}), extra, b.int64s({0, 0})}, 0);
  y = b.op("Pad", {y, pads});
  y = b.op("Slice", {y, b.int64s({0}), total, b.int64s({0})});
  ir::Value *t = b.op("Range", {b.int64Scalar(0), b.squeeze(total, {0}), b.int64Scalar(1)});
  ir::Value *alive = b.op("Less", {b.unsqueeze(t, {1}), b.unsqueeze(lengths, {0})});
  auto dtype = OnnxBuilder::dtypeOf(ctx.input(0)).value_or(ir::ScalarType::Float32);
  y = b.op("Where", {b.unsqueeze(alive, {2}), y, b.scalarOf(*padding, dtype)});
  if (*batchFirst)
    y = b.op("Transpose", {y}, {OnnxAttr::is("perm", {1, 0, 2})});
  return std::vector<ir::Value *>{y, lengths};
}

void registerRnn(SymbolicRegistry &r) {
  // Range and Pad with a pads input are opset 11, Max of int64 12.
  r.add("aten::_pack_padded_sequence", 12, packPaddedSequence);
  r.add("aten::_pad_packed_sequence", 12, padPackedSequence);
  r.add("aten::lstm", 9, [](Ctx &c) { return RnnLowering(c, Cell::Lstm).run(); });
  r.add("aten::gru", 9, [](Ctx &c) { return RnnLowering(c, Cell::Gru).run(); });
  r.add("aten::rnn_tanh", 9, [](Ctx &c) { return RnnLowering(c, Cell::RnnTanh).run(); });
  r.add("aten::rnn_relu", 9, [](Ctx &c) { return RnnLowering(c, Cell::RnnRelu).run(); });
  r.add("aten::lstm_cell", 9, [](Ctx &c) { return cellStep(c, Cell::Lstm); });
  r.add("aten::gru_cell", 9, [](Ctx &c) { return cellStep(c, Cell::Gru); });
  r.add("aten::rnn_tanh_cell", 9, [](Ctx &c) { return cellStep(c, Cell::RnnTanh); });
  r.add("aten::rnn_relu_cell", 9, [](Ctx &c) { return cellStep(c, Cell::RnnRelu); });
}

} // namespace ts2onnx::symbolics
