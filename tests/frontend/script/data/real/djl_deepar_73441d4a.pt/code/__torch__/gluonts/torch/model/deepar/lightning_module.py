class DeepARLightningModule(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  model : __torch__.gluonts.torch.model.deepar.module.DeepARModel
  def forward(self: __torch__.gluonts.torch.model.deepar.lightning_module.DeepARLightningModule,
    cat_feature_slice: Tensor,
    feat_static_real: Tensor,
    past_time_feat: Tensor,
    past_target: Tensor,
    past_observed_values: Tensor,
    future_time_feat: Tensor) -> Tensor:
    model = self.model
    _0 = (model).forward(future_time_feat, past_target, past_observed_values, cat_feature_slice, feat_static_real, past_time_feat, )
    return _0
