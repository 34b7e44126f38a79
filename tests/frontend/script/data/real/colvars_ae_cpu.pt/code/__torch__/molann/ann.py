class PreprocessingANN(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  align_layer : __torch__.molann.ann.AlignmentLayer
  feature_layer : __torch__.molann.ann.FeatureLayer
  def forward(self: __torch__.molann.ann.PreprocessingANN,
    x: Tensor) -> Tensor:
    feature_layer = self.feature_layer
    align_layer = self.align_layer
    _0 = (feature_layer).forward((align_layer).forward(x, ), )
    return _0
class AlignmentLayer(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  align_atom_indices : List[int]
  input_atom_indices : List[int]
  input_atom_num : int
  ref_x : Tensor
  _local_align_atom_indices : List[int]
  def forward(self: __torch__.molann.ann.AlignmentLayer,
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
    _local_align_atom_indices = self._local_align_atom_indices
    _5 = torch.tensor(_local_align_atom_indices, dtype=4)
    _6 = torch.slice(torch.slice(x0), 2)
    _7 = annotate(List[Optional[Tensor]], [None, _5])
    traj_selected_atoms = torch.index(_6, _7)
    x_c = torch.mean(traj_selected_atoms, [1], True)
    x_notran = torch.sub(traj_selected_atoms, x_c)
    xtmp = torch.permute(x_notran, [0, 2, 1])
    ref_x = self.ref_x
    prod = torch.matmul(xtmp, ref_x)
    u, s, vh = torch.linalg_svd(prod)
    _8 = torch.unsqueeze(torch.diag(torch.ones([3])), 0)
    _9 = torch.repeat(_8, [torch.size(x0, 0), 1, 1])
    diag_mat = torch.to(_9, ops.prim.device(x0))
    _10 = torch.linalg_det(torch.matmul(u, vh))
    sign_vec = torch.detach(torch.sign(_10))
    _11 = torch.select(torch.slice(diag_mat), 1, 2)
    _12 = torch.copy_(torch.select(_11, 1, 2), sign_vec)
    rotate_mat = torch.bmm(torch.bmm(u, diag_mat), vh)
    aligned_x = torch.matmul(torch.sub(x0, x_c), rotate_mat)
    return aligned_x
class FeatureLayer(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  input_atom_num : int
  feature_map_list : __torch__.torch.nn.modules.container.ModuleList
  def forward(self: __torch__.molann.ann.FeatureLayer,
    x: Tensor) -> Tensor:
    _13 = "Input should be a 3d torch tensor, with sizes [*, {}, 3]. Actual sizes: {}"
    x1 = unchecked_cast(Tensor, x)
    _14 = torch.size(x1, 1)
    input_atom_num = self.input_atom_num
    if torch.eq(_14, input_atom_num):
      _15 = torch.eq(torch.size(x1, 2), 3)
    else:
      _15 = False
    if _15:
      pass
    else:
      input_atom_num1 = self.input_atom_num
      _16 = torch.format(_13, input_atom_num1, torch.size(x1))
      _17 = torch.add("AssertionError: ", _16)
      ops.prim.RaiseException(_17)
    xf_vec = annotate(List[Tensor], [])
    feature_map_list = self.feature_map_list
    _0 = getattr(feature_map_list, "0")
    _18 = torch.append(xf_vec, (_0).forward(x1, ))
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
    _19 = "Input should be a 3d torch tensor, with sizes [*, {}, 3]. Actual sizes: {}"
    _20 = __torch__.torch.functional.___torch_mangle_7.norm
    x2 = unchecked_cast(Tensor, x)
    _21 = torch.size(x2, 1)
    input_atom_num = self.input_atom_num
    if torch.eq(_21, input_atom_num):
      _22 = torch.eq(torch.size(x2, 2), 3)
    else:
      _22 = False
    if _22:
      pass
    else:
      input_atom_num2 = self.input_atom_num
      _23 = torch.format(_19, input_atom_num2, torch.size(x2))
      _24 = torch.add("AssertionError: ", _23)
      ops.prim.RaiseException(_24)
    _local_atom_indices = self._local_atom_indices
    ret = torch.tensor(0.)
    type_id = self.type_id
    if torch.eq(type_id, 0):
      _25 = _local_atom_indices[0]
      _26 = torch.select(torch.slice(x2), 1, _25)
      _27 = torch.slice(_26, 1)
      _28 = _local_atom_indices[1]
      _29 = torch.select(torch.slice(x2), 1, _28)
      r21 = torch.sub(_27, torch.slice(_29, 1))
      _30 = _local_atom_indices[2]
      _31 = torch.select(torch.slice(x2), 1, _30)
      _32 = torch.slice(_31, 1)
      _33 = _local_atom_indices[1]
      _34 = torch.select(torch.slice(x2), 1, _33)
      r23 = torch.sub(_32, torch.slice(_34, 1))
      r21l = _20(r21, "fro", 1, True, None, None, )
      r23l = _20(r23, "fro", 1, True, None, None, )
      _35 = torch.sum(torch.mul(r21, r23), [1], True)
      cos_angle = torch.div(_35, torch.mul(r21l, r23l))
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
      _36 = _local_atom_indices[1]
      _37 = torch.select(torch.slice(x2), 1, _36)
      _38 = torch.slice(_37, 1)
      _39 = _local_atom_indices[0]
      _40 = torch.select(torch.slice(x2), 1, _39)
      r12 = torch.sub(_38, torch.slice(_40, 1))
      ret3 = _20(r12, "fro", 1, True, None, None, )
      ret2 = ret3
    else:
      ret2 = ret0
    type_id1 = self.type_id
    if torch.eq(type_id1, 2):
      _41 = _local_atom_indices[1]
      _42 = torch.select(torch.slice(x2), 1, _41)
      _43 = torch.slice(_42, 1)
      _44 = _local_atom_indices[0]
      _45 = torch.select(torch.slice(x2), 1, _44)
      r120 = torch.sub(_43, torch.slice(_45, 1))
      _46 = _local_atom_indices[2]
      _47 = torch.select(torch.slice(x2), 1, _46)
      _48 = torch.slice(_47, 1)
      _49 = _local_atom_indices[1]
      _50 = torch.select(torch.slice(x2), 1, _49)
      r230 = torch.sub(_48, torch.slice(_50, 1))
      _51 = _local_atom_indices[3]
      _52 = torch.select(torch.slice(x2), 1, _51)
      _53 = torch.slice(_52, 1)
      _54 = _local_atom_indices[2]
      _55 = torch.select(torch.slice(x2), 1, _54)
      r34 = torch.sub(_53, torch.slice(_55, 1))
      n1 = torch.cross(r120, r230)
      n2 = torch.cross(r230, r34)
      cos_phi = torch.sum(torch.mul(n1, n2), [1], True)
      _56 = torch.sum(torch.mul(n1, r34), [1], True)
      _57 = _20(r230, "fro", 1, True, None, None, )
      sin_phi = torch.mul(_56, _57)
      _58 = torch.add(torch.pow(cos_phi, 2), torch.pow(sin_phi, 2))
      radius = torch.sqrt(_58)
      use_angle_value0 = self.use_angle_value
      if use_angle_value0:
        ret5 = torch.atan2(sin_phi, cos_phi)
      else:
        _59 = [torch.div(cos_phi, radius), torch.div(sin_phi, radius)]
        ret5 = torch.cat(_59, 1)
      ret4 = ret5
    else:
      ret4 = ret2
    type_id2 = self.type_id
    if torch.eq(type_id2, 3):
      _60 = torch.tensor(_local_atom_indices, dtype=4)
      _61 = torch.slice(torch.slice(x2), 2)
      _62 = annotate(List[Optional[Tensor]], [None, _60])
      _63 = torch.index(_61, _62)
      _64 = torch.mul(torch.len(_local_atom_indices), 3)
      ret6 = torch.reshape(_63, [-1, _64])
    else:
      ret6 = ret4
    return ret6
