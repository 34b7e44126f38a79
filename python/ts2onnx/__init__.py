"""ts2onnx: convert TorchScript archives (``torch.jit.save`` files) to ONNX, without torch.

    import ts2onnx
    ts2onnx.convert("model.pt", "model.onnx", input_shapes={"x": [1, 3, 224, 224]})

``convert`` takes torch.onnx.export's keywords with their meanings (opset_version,
input_names, output_names, dynamic_axes, do_constant_folding, export_params,
keep_initializers_as_inputs, training, operator_export_type, custom_opsets,
export_modules_as_functions, verbose). The conversion runs the ``ts2onnx`` executable shipped
in this package (or $TS2ONNX_EXE); neither torch nor onnx is needed.
"""

from ._convert import ConversionError, convert, executable, version

__all__ = ["ConversionError", "convert", "executable", "version"]
