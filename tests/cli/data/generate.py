"""Small archives for the CLI tests (tests/cli), made with torch 1.13 (Debian's):

    /usr/bin/python3 tests/cli/data/generate.py

softplus_threshold/  scripted F.softplus(x, beta=2, threshold=1): model.pt, one input set and
                     torch's output, meta.json listing their shapes (as the fixtures do).
flatten_traced/      traced x.view(int(x.size(0)), -1) + 1: the batch is recorded as a constant.
defaults/            scripted forward(x, scale: float = 2.0, shift: int = -1, flag: bool = False,
                     mask: Optional[Tensor] = None): converted with only x given, the other
                     arguments take their signature defaults.
aten_fallback/       ops no symbolic converts, for --operator-export-type: unique.pt (scripted
                     unique(sorted=False), cast and summed: the ATen node's output rank is unknown, the
                     graph output's is known), bernoulli.pt (traced bernoulli(sigmoid(x)) + 1:
                     the graph output depends on the ATen node, its rank is unknown).
not_torchscript/     what people give instead of a TorchScript archive: a state_dict, a whole
                     module and a checkpoint dict saved with torch.save, and a safetensors file
                     (written by hand: 8-byte header length, JSON header, data).
"""
import json
import os
from typing import Optional

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class Softplus(torch.nn.Module):
    def forward(self, x):
        return F.softplus(x, beta=2.0, threshold=1.0)


class Defaults(torch.nn.Module):
    def forward(self, x, scale: float = 2.0, shift: int = -1, flag: bool = False,
                mask: Optional[torch.Tensor] = None):
        y = x * scale + shift
        if flag:
            y = -y
        if mask is not None:
            y = y * mask
        return y


class Flatten(torch.nn.Module):
    def forward(self, x):
        return x.view(int(x.size(0)), -1) + 1


def save(name, module, x):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    module.save(os.path.join(d, "model.pt"))
    with torch.no_grad():
        y = module(x)
    x.numpy().tofile(os.path.join(d, "input_0.bin"))
    y.numpy().tofile(os.path.join(d, "output_0.bin"))
    meta = {
        "inputs": [{"name": "x", "dtype": "float32", "shape": list(x.shape), "file": "input_0.bin"}],
        "outputs": [
            {"name": "output_0", "dtype": "float32", "shape": list(y.shape), "file": "output_0.bin"}
        ],
    }
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


class UniqueSum(torch.nn.Module):
    def forward(self, x):
        y, inverse = torch.unique(x, sorted=False, return_inverse=True)
        return y.float().sum() + inverse.float().sum()


class Bernoulli(torch.nn.Module):
    def forward(self, x):
        return torch.bernoulli(torch.sigmoid(x)) + 1


def aten_fallback():
    d = os.path.join(HERE, "aten_fallback")
    os.makedirs(d, exist_ok=True)
    torch.jit.script(UniqueSum()).save(os.path.join(d, "unique.pt"))
    torch.jit.trace(Bernoulli(), torch.randn(3, 3)).save(os.path.join(d, "bernoulli.pt"))


def not_torchscript():
    d = os.path.join(HERE, "not_torchscript")
    os.makedirs(d, exist_ok=True)
    lin = torch.nn.Linear(2, 2)
    torch.save(lin.state_dict(), os.path.join(d, "state_dict.pt"))
    torch.save(lin, os.path.join(d, "module.pt"))
    torch.save({"epoch": 3, "state_dict": lin.state_dict()}, os.path.join(d, "checkpoint.pt"))
    w = lin.weight.detach().numpy().tobytes()
    header = json.dumps({"weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, len(w)]}})
    with open(os.path.join(d, "model.safetensors"), "wb") as f:
        f.write(len(header).to_bytes(8, "little") + header.encode() + w)


def main():
    torch.manual_seed(0)
    # Values on both sides of the threshold (beta * x > 1 takes x itself).
    x = torch.linspace(-3, 3, 24).reshape(4, 6)
    save("softplus_threshold", torch.jit.script(Softplus()), x)
    x = torch.randn(3, 2, 6)
    save("flatten_traced", torch.jit.trace(Flatten(), x), x)
    not_torchscript()
    aten_fallback()
    save("defaults", torch.jit.script(Defaults()), torch.linspace(-1, 1, 12).reshape(3, 4))


if __name__ == "__main__":
    main()
