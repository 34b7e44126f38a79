class M(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : NoneType
  state : int
  sub : __torch__.OneArg
  lin : __torch__.torch.nn.modules.linear.Linear
  seq : __torch__.torch.nn.modules.container.Sequential
  names : Final[Tuple[str, str]] = ("a", "b")
  def forward(self: __torch__.M,
    x: Tensor,
    c: __torch__.Color,
    o: Optional[Tensor]=None) -> Tuple[Tensor, Tensor, List[int], Tensor, int, str, Tuple[int, int], Tensor, Tensor, Tensor, float, complex, Tuple[str, str], int, int, int]:
    def __forked_function():
      return __torch__.helper(x, 3, )
    fut = fork(__forked_function)
    y = torch.wait(fut)
    _0 = __torch__.torch.autograd.grad_mode.no_grad.__new__(__torch__.torch.autograd.grad_mode.no_grad)
    _1 = (_0).__init__()
    with _0:
      y0 = torch.floor_divide(torch.mul(y, 8.), 4)
    l = annotate(List[int], [])
    for i in range(3):
      _2 = torch.append(l, torch.mul(i, 2))
    if torch.__isnot__(o, None):
      o1 = unchecked_cast(Tensor, o)
      o0, y1 = o1, torch.add(y0, o1)
    else:
      o0, y1 = o, y0
    _3 = isinstance(o0, Tensor)
    if _3:
      y2 = torch.sub(y1, 1)
    else:
      if torch.eq(c, __torch__.Color.RED):
        y3 = torch.add(y1, 1)
      else:
        y3 = torch.neg(y1)
      y2 = y3
    if torch.gt(torch.dim(y2), 0):
      pass
    else:
      ops.prim.RaiseException("AssertionError: dim \'bad\'\n")
    b = __torch__.Box.__new__(__torch__.Box)
    _4 = (b).__init__(4, )
    z = torch.unsqueeze(torch.slice(x, -1, 1, 2), -1)
    a, bb, = torch.chunk(x, 2)
    if bool(torch.gt(torch.sum(x), 0)):
      f = inf
    else:
      f = nan
    _5 = torch.lt(torch.sum(x), -1.0000000000000001e+300)
    i0 = 0
    _6 = torch.__not__(bool(_5))
    while _6:
      i1 = torch.add(i0, 1)
      if torch.eq(i1, 2):
        _7 = False
      else:
        if torch.lt(i1, 3):
          _9 = torch.lt(torch.sum(x), -1.0000000000000001e+300)
          _8 = torch.__not__(bool(_9))
        else:
          _8 = False
        _7 = _8
      _6, i0 = _7, i1
    lin = self.lin
    x0 = (lin).forward(x, )
    seq = self.seq
    x1 = (seq).forward(x0, )
    sub = self.sub
    x2 = (sub).forward(x1, )
    _10 = (x2, y2, l, y2, (b).get(), CONSTANTS.c0, (2, 3), z, a, bb, f, -2.+1.j, ("a", "b"), i0, 9223372036854775807, -9223372036854775808)
    return _10
  def extra(self: __torch__.M,
    d: Dict[str, int]) -> Dict[str, int]:
    _11 = annotate(Dict[str, int], {})
    _12 = torch.items(d)
    for _13 in range(torch.len(_12)):
      k, v, = _12[_13]
      torch._set_item(_11, k, torch.add(v, 1))
    return _11
class Impl(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  def forward(self: __torch__.Impl,
    x: Tensor) -> Tensor:
    return torch.mul(x, 2)
class OneArg(ModuleInterface):
  def forward(self, x: Tensor) -> Tensor:
    pass
class Color(Enum):
  RED = 1
  GREEN = 2
def helper(x: Tensor,
    n: int=3) -> Tensor:
  return torch.add(x, n)
class Box:
  n : int
  def __init__(self: __torch__.Box,
    n: int) -> NoneType:
    self.n = n
    return None
  def get(self: __torch__.Box) -> int:
    return self.n
