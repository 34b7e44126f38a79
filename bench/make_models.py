#!/usr/bin/python3
"""Writes the benchmark archives (not committed: resnet50 is ~98 MB) into a directory.

Run with Debian's torch: /usr/bin/python3 bench/make_models.py OUTDIR
Besides the archives of bench_import.sh it writes bert_like_traced.pt (a BERT-base-shaped
encoder: 4 layers of d_model 768, 12 heads, ff 3072, traced with grad enabled so that the
unfused path is recorded) for bench_convert.sh.
"""
import os
import sys

import torch
import torchvision


def bert_like():
    layer = torch.nn.TransformerEncoderLayer(d_model=768, nhead=12, dim_feedforward=3072,
                                             dropout=0.1, batch_first=True)
    return torch.nn.TransformerEncoder(layer, num_layers=4, enable_nested_tensor=False).eval()


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
    path = os.path.join(out, "bert_like_traced.pt")
    if not os.path.exists(path):
        m = bert_like()
        torch.jit.save(torch.jit.trace(m, torch.randn(1, 128, 768), check_trace=False), path)
    print(out)


if __name__ == "__main__":
    main()
