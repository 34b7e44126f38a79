#!/usr/bin/python3
"""Writes the archives of bench/bench_peers.py, each with a fixed input and torch's outputs.

Run with Debian's torch 1.13 (so that every peer, torch 1.13 included, can load the archives):
  /usr/bin/python3 bench/make_peer_models.py OUTDIR [--big-gib G] [--only NAME,...]
For each model NAME it writes NAME.pt, NAME.in0.npy (the input), NAME.out<i>.npy (the outputs of
torch.jit.load(NAME.pt) on that input, under no_grad) and a line of OUTDIR/manifest.json.
Models (single float32 input each):
  mobilenet_v2_traced, resnet50_traced   torchvision, random weights, traced at 1x3x224x224
  bert_like_traced                       BERT-base-shaped encoder, 4 layers (bench/make_models.py)
  ctrl_flow_scripted                     scripted: a loop over time steps with an if inside
  lstm_scripted                          scripted 2-layer nn.LSTM (torch's scripted RNN code)
  transformer_big_traced                 encoder of d_model 2048, ff 8192, sized to --big-gib
                                         GiB (default 1.1), generated here, never committed
Existing archives are kept (delete OUTDIR to regenerate).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_models import bert_like  # noqa: E402


class CtrlFlow(torch.nn.Module):
    """A recurrent cell written as scripted control flow: prim::Loop with a prim::If inside."""

    def __init__(self):
        super().__init__()
        self.inp = torch.nn.Linear(64, 128)
        self.rec = torch.nn.Linear(128, 128)
        self.out = torch.nn.Linear(128, 10)

    def forward(self, x):
        h = torch.zeros(x.size(1), 128, dtype=x.dtype)
        for t in range(x.size(0)):
            h = torch.tanh(self.inp(x[t]) + self.rec(h))
            if bool(h.mean() > 0):
                h = h * 0.5
            else:
                h = torch.relu(h) + 0.1
        return self.out(h)


class Lstm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(64, 128, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(128, 10)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y)


def big_transformer(gib):
    # One layer of d_model 2048 / ff 8192 holds 4*2048^2 + 2*2048*8192 (+ small) ~ 50.4M floats.
    per_layer = (4 * 2048 * 2048 + 2 * 2048 * 8192) * 4
    layers = max(1, int(round(gib * (1 << 30) / per_layer)))
    layer = torch.nn.TransformerEncoderLayer(d_model=2048, nhead=16, dim_feedforward=8192,
                                             dropout=0.1, batch_first=True)
    return torch.nn.TransformerEncoder(layer, num_layers=layers,
                                       enable_nested_tensor=False).eval()


def models(big_gib):
    tv = lambda ctor: lambda: ctor(weights=None).eval()  # noqa: E731
    return [
        ("mobilenet_v2_traced", tv(torchvision.models.mobilenet_v2), [1, 3, 224, 224], "trace"),
        ("resnet50_traced", tv(torchvision.models.resnet50), [1, 3, 224, 224], "trace"),
        # Traced with grad enabled (as make_models.py): the unfused path, which exporters read.
        ("bert_like_traced", bert_like, [1, 128, 768], "trace_grad"),
        ("ctrl_flow_scripted", lambda: CtrlFlow().eval(), [12, 4, 64], "script"),
        ("lstm_scripted", lambda: Lstm().eval(), [4, 32, 64], "script"),
        ("transformer_big_traced", lambda: big_transformer(big_gib), [1, 16, 2048], "trace_grad"),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--big-gib", type=float, default=1.1)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    only = set(filter(None, args.only.split(",")))
    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    for name, ctor, shape, how in models(args.big_gib):
        if only and name not in only:
            continue
        path = os.path.join(args.out, name + ".pt")
        if os.path.exists(path) and name in manifest:
            continue
        torch.manual_seed(0)
        m = ctor()
        x = torch.randn(*shape)
        if how == "script":
            sm = torch.jit.script(m)
        elif how == "trace":
            with torch.no_grad():
                sm = torch.jit.trace(m, x)
        else:
            sm = torch.jit.trace(m, x, check_trace=False)
        torch.jit.save(sm, path)
        del m, sm
        loaded = torch.jit.load(path)
        with torch.no_grad():
            y = loaded(x)
        outs = list(y) if isinstance(y, (tuple, list)) else [y]
        np.save(os.path.join(args.out, name + ".in0.npy"), x.numpy())
        for i, o in enumerate(outs):
            np.save(os.path.join(args.out, f"{name}.out{i}.npy"), o.numpy())
        manifest[name] = {"shape": shape, "outputs": len(outs), "bytes": os.path.getsize(path)}
        with open(manifest_path, "w") as f:
            json.dump(manifest, f, indent=1)
        print(f"{name}: {os.path.getsize(path) >> 20} MiB", flush=True)
    print(args.out)


if __name__ == "__main__":
    main()
