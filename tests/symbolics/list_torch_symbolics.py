#!/usr/bin/env python3
"""Writes the ops of torch.onnx's symbolic registry, with the first opset of each, to
tests/symbolics/torch-<version>-symbolics.txt (dev-time; the interpreter's torch decides):

    /usr/bin/python3 tests/symbolics/list_torch_symbolics.py

torch registers a dunder op under its Python function's name, one underscore short
(`aten::__and_` for `aten::__and__`); those are written as the op's real name.
"""
import os
import re
import sys

import torch
import torch.onnx  # noqa: F401 - fills the registry
from torch.onnx._internal import registration


def main():
    version = re.match(r"\d+\.\d+", torch.__version__).group(0)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"torch-{version}-symbolics.txt")
    rows = []
    for name in registration.registry.all_functions():
        group = registration.registry.get_function_group(name)
        ns, op = name.split("::", 1)
        if op.startswith("__") and op.endswith("_") and not op.endswith("__"):
            op += "_"
        rows.append((f"{ns}::{op}", group.get_min_supported()))
    with open(out, "w") as f:
        f.write(f"# torch {torch.__version__}'s ONNX symbolic registry: op, first opset. Written by\n"
                f"# tests/symbolics/list_torch_symbolics.py; checked by the `coverage` tests\n"
                f"# against ts2onnx's registry and torch-symbolics-reasons.txt.\n")
        for op, opset in sorted(rows):
            f.write(f"{op} {opset}\n")
    print(f"{len(rows)} ops -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
