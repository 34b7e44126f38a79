class PreprocessingANN(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  align_layer : __torch__.torch.nn.modules.linear.Identity
  feature_layer : __torch__.molann.ann.FeatureLayer
  def forward(self: __torch__.molann.ann.PreprocessingANN,
    x: Tensor) -> Tensor:
    feature_layer = self.feature_layer
    align_layer = self.align_layer
    _0 = (feature_layer).forward((align_layer).forward(x, ), )
    return _0
class FeatureLayer(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  input_atom_num : int
  feature_map_list : __torch__.torch.nn.modules.container.ModuleList
  def forward(self: __torch__.molann.ann.FeatureLayer,
    x: Tensor) -> Tensor:
    _1 = "Input should be a 3d torch tensor, with sizes [*, {}, 3]. Actual sizes: {}"
    x0 = unchecked_cast(Tensor, x)
    _2 = torch.size(x0, 1)
    input_atom_num = self.input_atom_num
    if torch.eq(_2, input_atom_num):
      _3 = torch.eq(torch.size(x0, 2), 3)
    else:
      _3 = False
    if _3:
      pass
    else:
      input_atom_num0 = self.input_atom_num
      _4 = torch.format(_1, input_atom_num0, torch.size(x0))
      ops.prim.RaiseException(torch.add("AssertionError: ", _4))
    xf_vec = annotate(List[Tensor], [])
    feature_map_list = self.feature_map_list
    _0 = getattr(feature_map_list, "0")
    _10 = getattr(feature_map_list, "1")
    _5 = torch.append(xf_vec, (_0).forward(x0, ))
    _6 = torch.append(xf_vec, (_10).forward(x0, ))
    return torch.cat(xf_vec, 1)
class FeatureMap(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  type_id : int
  use_angle_value : bool
  input_atom_indices : List[int]
  input_atom_num : int
  _local_atom_indices : List[int]
  def forward(self: __torch__.molann.ann.FeatureMap,
    x: Tensor) -> Tensor:
    _7 = "Input should be a 3d torch tensor, with sizes [*, {}, 3]. Actual sizes: {}"
    _8 = __torch__.torch.functional.___torch_mangle_4.norm
    x1 = unchecked_cast(Tensor, x)
    _9 = torch.size(x1, 1)
    input_atom_num = self.input_atom_num
    if torch.eq(_9, input_atom_num):
      _10 = torch.eq(torch.size(x1, 2), 3)
    else:
      _10 = False
    if _10:
      pass
    else:
      input_atom_num1 = self.input_atom_num
      _11 = torch.format(_7, input_atom_num1, torch.size(x1))
      _12 = torch.add("AssertionError: ", _11)
      ops.prim.RaiseException(_12)
    _local_atom_indices = self._local_atom_indices
    ret = torch.tensor(0.)
    type_id = self.type_id
    if torch.eq(type_id, 0):
      _13 = _local_atom_indices[0]
      _14 = torch.select(torch.slice(x1), 1, _13)
      _15 = torch.slice(_14, 1)
      _16 = _local_atom_indices[1]
      _17 = torch.select(torch.slice(x1), 1, _16)
      r21 = torch.sub(_15, torch.slice(_17, 1))
      _18 = _local_atom_indices[2]
      _19 = torch.select(torch.slice(x1), 1, _18)
      _20 = torch.slice(_19, 1)
      _21 = _local_atom_indices[1]
      _22 = torch.select(torch.slice(x1), 1, _21)
      r23 = torch.sub(_20, torch.slice(_22, 1))
      r21l = _8(r21, "fro", 1, True, None, None, )
      r23l = _8(r23, "fro", 1, True, None, None, )
      _23 = torch.sum(torch.mul(r21, r23), [1], True)
      cos_angle = torch.div(_23, torch.mul(r21l, r23l))
      use_angle_value = self.use_angle_value
      if use_angle_value:
        ret1 = torch.acos(cos_angle)
      else:
        ret1 = cos_angle
      ret0 = ret1
    else:
      ret0 = ret
    type_id0 = self.type_id
    if torch.eq(type_id0, 1):
      _24 = _local_atom_indices[1]
      _25 = torch.select(torch.slice(x1), 1, _24)
      _26 = torch.slice(_25, 1)
      _27 = _local_atom_indices[0]
      _28 = torch.select(torch.slice(x1), 1, _27)
      r12 = torch.sub(_26, torch.slice(_28, 1))
      ret3 = _8(r12, "fro", 1, True, None, None, )
      ret2 = ret3
    else:
      ret2 = ret0
    type_id1 = self.type_id
    if torch.eq(type_id1, 2):
      _29 = _local_atom_indices[1]
      _30 = torch.select(torch.slice(x1), 1, _29)
      _31 = torch.slice(_30, 1)
      _32 = _local_atom_indices[0]
      _33 = torch.select(torch.slice(x1), 1, _32)
      r120 = torch.sub(_31, torch.slice(_33, 1))
      _34 = _local_atom_indices[2]
      _35 = torch.select(torch.slice(x1), 1, _34)
      _36 = torch.slice(_35, 1)
      _37 = _local_atom_indices[1]
      _38 = torch.select(torch.slice(x1), 1, _37)
      r230 = torch.sub(_36, torch.slice(_38, 1))
      _39 = _local_atom_indices[3]
      _40 = torch.select(torch.slice(x1), 1, _39)
      _41 = torch.slice(_40, 1)
      _42 = _local_atom_indices[2]
      _43 = torch.select(torch.slice(x1), 1, _42)
      r34 = torch.sub(_41, torch.slice(_43, 1))
      n1 = torch.cross(r120, r230)
      n2 = torch.cross(r230, r34)
      cos_phi = torch.sum(torch.mul(n1, n2), [1], True)
      _44 = torch.sum(torch.mul(n1, r34), [1], True)
      _45 = _8(r230, "fro", 1, True, None, None, )
      sin_phi = torch.mul(_44, _45)
      _46 = torch.add(torch.pow(cos_phi, 2), torch.pow(sin_phi, 2))
      radius = torch.sqrt(_46)
      use_angle_value0 = self.use_angle_value
      if use_angle_value0:
        ret5 = torch.atan2(sin_phi, cos_phi)
      else:
        _47 = [torch.div(cos_phi, radius), torch.div(sin_phi, radius)]
        ret5 = torch.cat(_47, 1)
      ret4 = ret5
    else:
      ret4 = ret2
    type_id2 = self.type_id
    if torch.eq(type_id2, 3):
      _48 = torch.tensor(_local_atom_indices, dtype=4)
      _49 = torch.slice(torch.slice(x1), 2)
      _50 = annotate(List[Optional[Tensor]], [None, _48])
      _51 = torch.index(_49, _50)
      _52 = torch.mul(torch.len(_local_atom_indices), 3)
      ret6 = torch.reshape(_51, [-1, _52])
    else:
      ret6 = ret4
    return ret6
