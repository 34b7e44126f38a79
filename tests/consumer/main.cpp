// Converts an archive through the installed library: consumer MODEL.pt INPUT_SPEC OUT.onnx.
#include <iostream>

#include <ts2onnx/ts2onnx.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    std::cerr << "usage: consumer MODEL.pt INPUT_SPEC OUT.onnx\n";
    return 2;
  }
  ts2onnx::ConvertOptions options;
  options.opset = 13;
  auto spec = ts2onnx::parseInputSpec(argv[2]);
  if (!spec.ok()) {
    std::cerr << spec.status() << "\n";
    return 1;
  }
  options.inputs.push_back(*spec);
  auto model = ts2onnx::convert(argv[1], options);
  if (!model.ok()) {
    std::cerr << model.status() << "\n";
    return 1;
  }
  if (absl::Status s = ts2onnx::writeModel(*model, argv[3], argv[1]); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  std::cout << "converted with ts2onnx " << ts2onnx::version() << ": " << model->graph().node_size()
            << " nodes\n";
  return model->graph().node_size() > 0 ? 0 : 1;
}
