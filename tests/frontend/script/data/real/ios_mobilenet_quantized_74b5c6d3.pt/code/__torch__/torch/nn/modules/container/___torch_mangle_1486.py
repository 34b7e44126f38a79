class Sequential(Module):
  __parameters__ = []
  __buffers__ = []
  __annotations__ = []
  __annotations__["1"] = __torch__.torch.nn.quantized.modules.linear.___torch_mangle_1487.Linear
