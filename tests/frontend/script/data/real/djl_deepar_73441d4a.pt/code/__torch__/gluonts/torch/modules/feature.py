class FeatureEmbedder(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  _embedders : __torch__.torch.nn.modules.container.___torch_mangle_1.ModuleList
  def forward(self: __torch__.gluonts.torch.modules.feature.FeatureEmbedder,
    cat_feature_slice: Tensor) -> Tensor:
    _embedders = self._embedders
    _0 = getattr(_embedders, "0")
    input = torch.squeeze(cat_feature_slice, -1)
    embedded_cat = torch.cat([(_0).forward(input, )], -1)
    return embedded_cat
