#!/usr/bin/python3
"""Writes the benchmark archives (not committed: resnet50 is ~98 MB) into a directory.

Run with Debian's torch: /usr/bin/python3 bench/make_models.py OUTDIR
"""
import os
import sys

import torch
import torchvision


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ts2onnx-bench"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    x = torch.randn(1, 3, 224, 224)
    for name, ctor in [("resnet50", torchvision.models.resnet50),
                       ("mobilenet_v2", torchvision.models.mobilenet_v2)]:
        m = ctor(weights=None).eval()
        path = os.path.join(out, f"{name}_traced.pt")
        if not os.path.exists(path):
            torch.jit.save(torch.jit.trace(m, x), path)
        path = os.path.join(out, f"{name}_scripted.pt")
        if not os.path.exists(path):
            torch.jit.save(torch.jit.script(m), path)
    print(out)


if __name__ == "__main__":
    main()
