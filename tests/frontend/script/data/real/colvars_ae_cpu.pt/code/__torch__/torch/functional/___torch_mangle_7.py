def norm(input: Tensor,
    p: str="fro",
    dim: Optional[int]=None,
    keepdim: bool=False,
    out: Optional[Tensor]=None,
    dtype: Optional[int]=None) -> Tensor:
  _0 = "dtype argument is not supported in frobenius norm"
  _1 = "dtype argument is not supported in nuclear norm"
  _2 = "only valid string values are \'fro\' and \'nuc\', found {}"
  _3 = uninitialized(str)
  _4 = uninitialized(Tensor)
  ndim = torch.dim(input)
  if torch.__is__(dim, None):
    _5, dim0 = torch.__is__(out, None), dim
  else:
    _5, dim0 = False, unchecked_cast(int, dim)
  if _5:
    _6 = torch.__is__(dtype, None)
  else:
    _6 = False
  if _6:
    p1 = unchecked_cast(str, p)
    if torch.eq(p1, "fro"):
      _12 = torch.frobenius_norm(input, annotate(List[int], []), keepdim)
      _9, _10, _11 = True, _12, _3
    else:
      _9, _10, _11 = False, _4, unchecked_cast(str, p1)
    _7, _8, p0 = _9, _10, _11
  else:
    _7, _8, p0 = False, _4, p
  if _7:
    _13 = _8
  else:
    if torch.__isnot__(dim0, None):
      dim1 = unchecked_cast(int, dim0)
      dim2 = unchecked_cast(int, dim1)
      _dim : Optional[List[int]] = [dim2]
    else:
      _dim = None
    p2 = unchecked_cast(str, p0)
    if torch.eq(p2, "fro"):
      if torch.__isnot__(dtype, None):
        ops.prim.RaiseException(_0, "builtins.ValueError")
      else:
        pass
      if torch.__is__(_dim, None):
        _dim1 = annotate(List[int], [])
        for _16 in range(ndim):
          _17 = torch.append(_dim1, _16)
        _dim0 = _dim1
      else:
        _dim0 = unchecked_cast(List[int], _dim)
      if torch.__is__(out, None):
        _19 = torch.frobenius_norm(input, _dim0, keepdim)
        _18 = _19
      else:
        out0 = unchecked_cast(Tensor, out)
        _20 = torch.frobenius_norm(input, _dim0, keepdim, out=out0)
        _18 = _20
      _14, _15 = True, _18
    else:
      if torch.eq(p2, "nuc"):
        if torch.__isnot__(dtype, None):
          ops.prim.RaiseException(_1, "builtins.ValueError")
        else:
          pass
        if torch.__is__(_dim, None):
          if torch.__is__(out, None):
            _25 = torch.nuclear_norm(input, keepdim)
            _24 = _25
          else:
            out1 = unchecked_cast(Tensor, out)
            _26 = torch.nuclear_norm(input, keepdim, out=out1)
            _24 = _26
          _23 = _24
        else:
          _dim2 = unchecked_cast(List[int], _dim)
          if torch.__is__(out, None):
            _28 = torch.nuclear_norm(input, _dim2, keepdim)
            _27 = _28
          else:
            out2 = unchecked_cast(Tensor, out)
            _29 = torch.nuclear_norm(input, _dim2, keepdim, out=out2)
            _27 = _29
          _23 = _27
        _21, _22 = True, _23
      else:
        _21, _22 = False, _4
      _14, _15 = _21, _22
    if _14:
      _30 = _15
    else:
      ops.prim.RaiseException(torch.format(_2, p2), "builtins.RuntimeError")
      _30 = _4
    _13 = _30
  return _13
