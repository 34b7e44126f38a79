#!/usr/bin/python3
"""torch.onnx.export of a TorchScript archive, the baseline of bench_convert.sh.

Usage: PYTHON bench/torch_export.py MODEL.pt OUT.onnx SHAPE [OPSET]
SHAPE is the single float32 input's shape, e.g. 1,3,224,224. PYTHON is /usr/bin/python3 (torch
1.13) or a torch 2.x interpreter (/opt/venv-torch2/bin/python): there the TorchScript exporter is
asked for explicitly (dynamo=False), since 2.9 defaults to the dynamo one.
"""
import inspect
import sys

import torch


def main():
    path, out, shape = sys.argv[1], sys.argv[2], [int(d) for d in sys.argv[3].split(",")]
    opset = int(sys.argv[4]) if len(sys.argv) > 4 else 17
    m = torch.jit.load(path)
    extra = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        extra["dynamo"] = False
    with torch.no_grad():
        torch.onnx.export(m, (torch.randn(*shape),), out, opset_version=opset,
                          input_names=["x"], output_names=["output_0"], **extra)


if __name__ == "__main__":
    main()
