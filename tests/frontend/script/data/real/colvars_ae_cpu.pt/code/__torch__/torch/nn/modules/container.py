class ModuleList(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : NoneType
  __annotations__["0"] = __torch__.molann.ann.FeatureMap
  def __len__(self: __torch__.torch.nn.modules.container.ModuleList) -> int:
    return 1
class Sequential(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : NoneType
  __annotations__["1"] = __torch__.torch.nn.modules.linear.Linear
  __annotations__["activation 1"] = __torch__.torch.nn.modules.activation.Tanh
  __annotations__["2"] = __torch__.torch.nn.modules.linear.___torch_mangle_1.Linear
  __annotations__["activation 2"] = __torch__.torch.nn.modules.activation.Tanh
  __annotations__["3"] = __torch__.torch.nn.modules.linear.___torch_mangle_2.Linear
  __annotations__["activation 3"] = __torch__.torch.nn.modules.activation.Tanh
  __annotations__["4"] = __torch__.torch.nn.modules.linear.___torch_mangle_3.Linear
  def forward(self: __torch__.torch.nn.modules.container.Sequential,
    input: Tensor) -> Tensor:
    _1 = getattr(self, "1")
    activation_1 = getattr(self, "activation 1")
    _2 = getattr(self, "2")
    activation_2 = getattr(self, "activation 2")
    _3 = getattr(self, "3")
    activation_3 = getattr(self, "activation 3")
    _4 = getattr(self, "4")
    input0 = (_1).forward(input, )
    input1 = (activation_1).forward(input0, )
    input2 = (_2).forward(input1, )
    input3 = (activation_2).forward(input2, )
    input4 = (_3).forward(input3, )
    input5 = (activation_3).forward(input4, )
    return (_4).forward(input5, )
  def __len__(self: __torch__.torch.nn.modules.container.Sequential) -> int:
    return 7
