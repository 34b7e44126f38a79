// Converts an archive that calls the custom operator mydomain::scaled_tanh (defined in Python
// with torch.library) and lowers the op to standard ONNX ops: embed MODEL.pt OUT.onnx [OPSET]
#include <iostream>
#include <string>

#include <ts2onnx/extend.h>
#include <ts2onnx/ts2onnx.h>

using ts2onnx::ir::Value;

// torch.ops.mydomain.scaled_tanh(x, alpha) = tanh(alpha * x).
absl::StatusOr<std::vector<Value *>> scaledTanh(ts2onnx::SymbolicContext &ctx) {
  std::optional<double> alpha = ctx.constFloat(1);
  if (!alpha)
    return ctx.error("alpha must be a constant");
  Value *scaled = ctx.b.op("Mul", {ctx.input(0), ctx.b.floatScalar(*alpha)});
  return std::vector<Value *>{ctx.b.op("Tanh", {scaled})};
}

int main(int argc, char **argv) {
  if (argc < 3) {
    std::cerr << "usage: embed MODEL.pt OUT.onnx [OPSET]\n";
    return 2;
  }
  absl::Status status =
      ts2onnx::registerOperatorSchema("mydomain::scaled_tanh(Tensor x, float alpha) -> Tensor");
  if (status.ok())
    status = ts2onnx::registerSymbolic("mydomain::scaled_tanh", scaledTanh);

  ts2onnx::ConvertOptions options;
  options.opset = argc > 3 ? std::stoi(argv[3]) : 17;
  options.inputs.push_back(*ts2onnx::parseInputSpec("x:float32[batch,6]"));
  if (status.ok()) {
    absl::StatusOr<onnx::ModelProto> model = ts2onnx::convert(argv[1], options);
    status = model.ok() ? ts2onnx::writeModel(*model, argv[2], argv[1]) : model.status();
  }
  if (!status.ok()) {
    std::cerr << status << "\n";
    return 1;
  }
  return 0;
}
