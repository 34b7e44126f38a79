// Formatting helpers shared by the printer and the parser (which checks that what it rebuilt
// prints back the same). Not part of the public IR API.
#pragma once

#include <complex>
#include <string>
#include <string_view>

#include "ir/Tensor.h"

namespace ts2onnx::ir::detail {

/// IValue's double repr: `1.`, `-0.`, `0.10000000000000001`, `1e+100`, `inf`, `nan`.
std::string formatDouble(double d);
/// `1.+2.j`, `1.5-2.j`.
std::string formatComplex(std::complex<double> c);
/// c10::printQuotedString: `"a\"b\n"`, bytes outside ASCII as torch's signed pseudo-octal.
void appendQuoted(std::string &out, std::string_view s);
/// `CPUFloatType`, as at::print names a tensor's type.
std::string cpuTypeString(ScalarType t);
/// A tensor constant as torch prints it: `{0.1}` for one element, at::print's text (newlines
/// turned into spaces) up to 10 elements, `<Tensor>` beyond or when undefined.
std::string formatTensor(const Tensor &t);
/// at::print's text for a tensor with at least one dimension.
std::string formatTensorData(const Tensor &t);
std::complex<double> complexAt(const Tensor &t, int64_t i);

} // namespace ts2onnx::ir::detail
