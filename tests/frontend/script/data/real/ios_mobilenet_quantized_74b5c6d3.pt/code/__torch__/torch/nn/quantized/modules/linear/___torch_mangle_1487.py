class Linear(Module):
  __parameters__ = []
  __buffers__ = []
  _packed_params : __torch__.torch.nn.quantized.modules.linear.___torch_mangle_1488.LinearPackedParams
