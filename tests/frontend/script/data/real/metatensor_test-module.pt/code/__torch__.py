class EverythingModule(Module):
  __parameters__ = []
  __buffers__ = ["_mts_helper", ]
  _mts_helper : Tensor
  training : bool
  _is_full_backward_hook : NoneType
  _mts_buffer_names : List[str]
  _mts_non_persistent_buffers : List[str]
  labels : __torch__.torch.classes.metatensor.Labels
  block : __torch__.torch.classes.metatensor.TensorBlock
  tensor : __torch__.torch.classes.metatensor.TensorMap
  tuple : Tuple[__torch__.torch.classes.metatensor.Labels, __torch__.torch.classes.metatensor.TensorBlock, __torch__.torch.classes.metatensor.TensorMap]
  a : __torch__.LabelsModule
  b : __torch__.BlockModule
  c : __torch__.TensorMapModule
  d : __torch__.BufferModule
  e : __torch__.ParameterModule
class LabelsModule(Module):
  __parameters__ = []
  __buffers__ = ["_mts_helper", ]
  _mts_helper : Tensor
  training : bool
  _is_full_backward_hook : NoneType
  _mts_buffer_names : List[str]
  labels : __torch__.torch.classes.metatensor.Labels
  nested : Dict[str, Dict[int, List[List[__torch__.torch.classes.metatensor.Labels]]]]
  dict : Dict[str, __torch__.torch.classes.metatensor.Labels]
  list : List[__torch__.torch.classes.metatensor.Labels]
  tuple : Tuple[__torch__.torch.classes.metatensor.Labels]
class BlockModule(Module):
  __parameters__ = []
  __buffers__ = ["_mts_helper", ]
  _mts_helper : Tensor
  training : bool
  _is_full_backward_hook : NoneType
  _mts_buffer_names : List[str]
  block : __torch__.torch.classes.metatensor.TensorBlock
  nested : Dict[str, Dict[int, List[List[__torch__.torch.classes.metatensor.TensorBlock]]]]
  dict : Dict[str, __torch__.torch.classes.metatensor.TensorBlock]
  list : List[__torch__.torch.classes.metatensor.TensorBlock]
  tuple : Tuple[__torch__.torch.classes.metatensor.TensorBlock]
class TensorMapModule(Module):
  __parameters__ = []
  __buffers__ = ["_mts_helper", ]
  _mts_helper : Tensor
  training : bool
  _is_full_backward_hook : NoneType
  _mts_buffer_names : List[str]
  tensor : __torch__.torch.classes.metatensor.TensorMap
  nested : Dict[str, Dict[int, List[List[__torch__.torch.classes.metatensor.TensorMap]]]]
  dict : Dict[str, __torch__.torch.classes.metatensor.TensorMap]
  list : List[__torch__.torch.classes.metatensor.TensorMap]
  tuple : Tuple[__torch__.torch.classes.metatensor.TensorMap]
class BufferModule(Module):
  __parameters__ = []
  __buffers__ = ["test", ]
  test : Tensor
  training : bool
  _is_full_backward_hook : Optional[bool]
class ParameterModule(Module):
  __parameters__ = ["test", ]
  __buffers__ = []
  test : Tensor
  training : bool
  _is_full_backward_hook : Optional[bool]
