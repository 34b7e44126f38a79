"""Writes the torch-printed reference graphs in this folder (run by hand, never in CI):

    /usr/bin/python3 tests/ir/data/generate.py

Needs torch 1.13 (Debian's python3-torch). Each file is `str(graph)` exactly as torch prints it,
chosen to cover the printing quirks the IR printer/parser must reproduce: float and string
formatting, tensor constants of every printed form, list/tuple/dict/complex constants, control
flow, multiple outputs, scopes from tracing and fork subgraphs (`with prim::fork_0 = ...`).
"""
import os
from enum import Enum
from typing import Any, Dict, List, NamedTuple, Optional, Union

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


class NT(NamedTuple):
    a: int
    b: torch.Tensor


def helper(x: torch.Tensor) -> torch.Tensor:
    return x * 2


class Scripted(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 4)

    def forward(self, x: torch.Tensor, n: int, l: List[torch.Tensor], d: Dict[str, torch.Tensor],
                o: Optional[int], u: Union[int, str]):
        s = "str\"x\n\t\\ \u00e9 '\x01"
        y = x
        for i in range(n):
            y = y + 1.0 + 0.1 + 1e-5 + float("inf") - float("-inf") + float("nan") + 1e100 - 0.0
        if n > 3:
            raise ValueError("bad")
        a, b = [n, 2]
        if isinstance(u, int):
            y = y + u
        if o is not None:
            y = y + o
        z = torch.zeros([1, 2], dtype=torch.float, device=torch.device("cpu"))
        lst = [1.5, 2.5]
        bl = [True, False]
        k = self.lin(x)
        fut = torch.jit.fork(helper, x)
        w = torch.jit.wait(fut)
        nt = NT(1, x)
        cx = 1.5 - 2j
        while len(lst) < 5:
            lst.append(0.5)
        print("hi", a, b)
        return (y, l, d, s, None, z, lst, bl, k, w, nt, cx, x.shape, x[0, 1:2, ..., None])


class Frozen(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.t = (1, 2.5, "a")
        self.li = [1, 2]
        self.lf = [1.0, 0.1, 1e-5]
        self.ls = ["a", "b\n"]
        self.dd = {"a": 1, "b": 2}
        self.tt = (torch.ones(2), 3)
        self.lt = [torch.ones(1), torch.zeros(2)]
        self.c = 1 + 2j
        self.a = torch.tensor([1, 2, 3])
        self.b = torch.tensor([[0.001, 2000.0], [3.0, 4.0]])
        self.d = torch.arange(10.).reshape(2, 5) * 1e6
        self.e = torch.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], dtype=torch.uint8)
        self.e4 = torch.arange(8.).reshape(2, 2, 2, 1) / 3
        self.f = torch.tensor([True, False, True])
        self.g = torch.tensor([1.5, float("nan"), float("inf"), -2.25], dtype=torch.float64)
        self.h = torch.tensor([123456789, 2], dtype=torch.int64)
        self.i = torch.tensor([1e20, 1e-20])
        self.k = torch.tensor([0.5, 0.25], dtype=torch.float16)
        self.l = torch.tensor([[1.0, 2.0]] * 5) * 12345.678
        self.m = torch.tensor([1 + 2j, 3 - 4j])
        self.n = torch.tensor(-0.0)
        self.o = torch.tensor([[7]], dtype=torch.int32)
        self.p = torch.tensor([1e-3, 2e-3, 3e-3])
        self.q = torch.tensor([[1e-10] * 10])
        self.big = torch.ones(3, 4)
        self.h0 = torch.tensor(2.5, dtype=torch.float16)

    def forward(self, x):
        r = [x + self.a, x + self.b, x + self.d, x + self.e, x + self.e4, x + self.f, x + self.g,
             x + self.h, x + self.i, x + self.k, x + self.l, x + self.m, x + self.n, x + self.o,
             x + self.p, x + self.q, x + self.big, x + self.h0]
        return r, self.t, self.li, self.lf, self.ls, self.dd, self.tt, self.lt, self.c


class Traced(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)

    def forward(self, x):
        y = self.bn(self.conv(x)) * 0.1
        z = y + torch.tensor(2) + torch.tensor([1.5, 2.5, 3.5, 4.5, 5.5, 6.5])
        a, b = torch.chunk(z, 2, dim=1)
        return (a.sum() + b.mean(), x.shape[0], torch.tensor(True),
                torch.arange(11), torch.tensor(0.1, dtype=torch.float64))


def write(name, text):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)
    print(name)


def main():
    torch.manual_seed(0)
    s = torch.jit.script(Scripted())
    write("scripted_graph.txt", str(s.graph))
    write("scripted_inlined.txt", str(s.inlined_graph))
    write("frozen_constants.txt", str(torch.jit.freeze(torch.jit.script(Frozen()).eval()).graph))
    t = torch.jit.trace(Traced().eval(), torch.randn(1, 3, 8, 8), check_trace=False)
    write("traced_graph.txt", str(t.graph))
    write("traced_inlined.txt", str(t.inlined_graph))


if __name__ == "__main__":
    main()
