#!/usr/bin/python3
"""Writes the archives of bench_scale.sh: a deep MLP (Linear(8, 8) + ReLU per layer) at
1,000 / 4,000 / 16,000 layers, and a scripted model of K blocks of nested control flow (an if
holding a loop holding an if) at K = 100 / 400 / 1,600. Archives already in OUTDIR are kept.

The MLPs are written without torch by tests/big/make_big_archive.py (the layout torch writes
for a scripted module calling its Linear children; 3 s for 16,000 layers). torch 1.13 traced
and saved a Sequential of 4,000 layers in about a minute here, but 16,000 had not finished
after 12 minutes (1.2 GB resident), which is why the torch-made MLP never reached 16,000.
The nested models are scripted and saved by torch.

Run with Debian's torch: /usr/bin/python3 bench/make_scale_models.py OUTDIR
"""
import importlib.util
import os
import subprocess
import sys

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
    big = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "big",
                       "make_big_archive.py")
    for n in MLP_SIZES:
        path = os.path.join(out, f"mlp_{n}.pt")
        if not os.path.exists(path):
            tmp = os.path.join(out, f"mlp_{n}.dir")
            subprocess.run([sys.executable, big, tmp, str(n), "8"], check=True)
            os.replace(os.path.join(tmp, "model.pt"), path)
    import torch  # only the nested models need it

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
