// The dtype rules of pointwise aten ops, read from pointwise.txt: a table generated from torch
// (generate_tables.py probes every pointwise operator of the schema table with bool, integral
// and floating inputs), so adding a pointwise op needs no rule written by hand.
#pragma once

#include <optional>

#include "ir/Symbol.h"
#include "ir/Tensor.h"

namespace ts2onnx::semantics {

struct PointwiseRule {
  enum class Result {
    Same,  // the promoted operands' dtype
    Float, // the promoted dtype, integral and bool made float32
    Bool,  // always bool
  };
  size_t operands = 1; // the leading operands that are promoted and broadcast
  Result result = Result::Same;

  /// The result dtype for the operands' promoted dtype.
  ir::ScalarType apply(ir::ScalarType promoted) const;
};

/// The rule of `op`, when it is a pointwise op of the table.
const PointwiseRule *pointwiseRule(ir::Symbol op);

} // namespace ts2onnx::semantics
