# Writes constructs.pt: a scripted module exercising the rarer TorchScript constructs
# (enum, NamedTuple, module interface, fork/wait, with no_grad, comprehensions, isinstance,
# __getstate__/__setstate__, string escapes, complex, inf/nan, slicing, tuple targets).
# Run by hand with torch 1.13: /usr/bin/python3 constructs.py
import torch
from enum import Enum
from typing import Dict, List, NamedTuple, Optional, Tuple


class Color(Enum):
    RED = 1
    GREEN = 2


class Pt(NamedTuple):
    x: torch.Tensor
    y: Optional[torch.Tensor]


@torch.jit.interface
class OneArg(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pass


class Impl(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2


@torch.jit.script
class Box:
    def __init__(self, n: int):
        self.n = n

    def get(self) -> int:
        return self.n


def helper(x: torch.Tensor, n: int = 3) -> torch.Tensor:
    return x + n


class M(torch.nn.Module):
    sub: OneArg
    names: torch.jit.Final[Tuple[str, str]]

    def __init__(self):
        super().__init__()
        self.sub = Impl()
        self.names = ("a", "b")
        self.lin = torch.nn.Linear(3, 3)
        self.seq = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(3, 3))
        self.state = 5

    @torch.jit.export
    def extra(self, d: Dict[str, int]) -> Dict[str, int]:
        return {k: v + 1 for k, v in d.items()}

    def __getstate__(self) -> Tuple[int, bool]:
        return (self.state, self.training)

    def __setstate__(self, state: Tuple[int, bool]) -> None:
        self.state = state[0]
        self.training = state[1]

    def forward(self, x: torch.Tensor, c: Color, o: Optional[torch.Tensor] = None):
        fut = torch.jit.fork(helper, x)
        y = torch.jit.wait(fut)
        with torch.no_grad():
            y = y * 2 ** 3 // 4
        l = [i * 2 for i in range(3)]
        if o is not None:
            y = y + o
        if isinstance(o, torch.Tensor):
            y = y - 1
        elif c == Color.RED:
            y = y + 1
        else:
            y = -y
        assert y.dim() > 0, "dim 'bad'\n"
        p = Pt(y, o)
        b = Box(4)
        s = "tab\there é \x01 \\ \"q\""
        t = (1, 2, 3)[1:]
        z = x[..., 1:2, None]
        a, bb = x.chunk(2)
        f = float("inf") if x.sum() > 0 else float("nan")
        cc = complex(1.0, 2.0) * 1j
        i = 0
        while i < 3 and not bool(x.sum() < -1e300):
            i += 1
            if i == 2:
                break
        x = self.lin(x)
        x = self.seq(x)
        x = self.sub(x)
        return x, y, l, p.x, b.get(), s, t, z, a, bb, f, cc, self.names, i, 9223372036854775807, -9223372036854775807 - 1


m = torch.jit.script(M())
torch.jit.save(m, "constructs.pt")
