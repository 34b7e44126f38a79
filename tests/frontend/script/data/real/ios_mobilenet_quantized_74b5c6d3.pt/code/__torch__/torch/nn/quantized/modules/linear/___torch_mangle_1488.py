class LinearPackedParams(Module):
  __parameters__ = []
  __buffers__ = []
  _packed_params : __torch__.torch.classes.quantized.LinearPackedParamsBase
