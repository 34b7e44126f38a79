#!/usr/bin/python3
"""Writes the archives of bench_scale.sh: a traced deep MLP (Linear(8, 8) + ReLU per layer) at
1,000 / 4,000 / 16,000 layers, and a scripted model of K blocks of nested control flow (an if
holding a loop holding an if) at K = 100 / 400 / 1,600.

Run with Debian's torch: /usr/bin/python3 bench/make_scale_models.py OUTDIR
"""
import importlib.util
import os
import sys

import torch

MLP_SIZES = [1000, 4000, 16000]
NEST_SIZES = [100, 400, 1600]


def nest_source(k):
    lines = ["import torch", "", "", "class Nest(torch.nn.Module):",
             "    def forward(self, x):"]
    for b in range(k):
        lines += [
            f"        if bool(x.sum() > {b % 7 - 3}.0):",
            f"            for i in range({b % 3 + 1}):",
            f"                if i % 2 == {b % 2}:",
            f"                    x = x * 0.5 + {b % 5}.0",
            "                else:",
            "                    x = torch.relu(x) - 0.25",
            "        else:",
            f"            x = x + {b % 4}.0",
        ]
    lines.append("        return x")
    return "\n".join(lines) + "\n"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ts2onnx-scale"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for n in MLP_SIZES:
        path = os.path.join(out, f"mlp_{n}.pt")
        if not os.path.exists(path):
            layers = []
            for _ in range(n):
                layers += [torch.nn.Linear(8, 8), torch.nn.ReLU()]
            m = torch.nn.Sequential(*layers).eval()
            torch.jit.save(torch.jit.trace(m, torch.randn(1, 8), check_trace=False), path)
    for k in NEST_SIZES:
        path = os.path.join(out, f"nest_{k}.pt")
        if not os.path.exists(path):
            src = os.path.join(out, f"nest_{k}_src.py")
            with open(src, "w") as f:
                f.write(nest_source(k))
            spec = importlib.util.spec_from_file_location(f"nest_{k}_src", src)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            torch.jit.save(torch.jit.script(mod.Nest().eval()), path)
    print(out)


if __name__ == "__main__":
    main()
