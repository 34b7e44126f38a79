class MeanScaler(Module):
  __parameters__ = []
  __buffers__ = ["minimum_scale", ]
  minimum_scale : Tensor
  training : bool
  _is_full_backward_hook : Optional[bool]
  def forward(self: __torch__.gluonts.torch.modules.scaler.MeanScaler,
    weights: Tensor,
    data: Tensor) -> Tensor:
    minimum_scale = self.minimum_scale
    total_weight = torch.sum(weights, [1])
    weighted_sum = torch.sum(torch.mul(torch.abs(data), weights), [1])
    total_observed = torch.sum(total_weight, [0])
    _0 = torch.ones_like(total_observed, dtype=6, layout=0, device=torch.device("cpu"), pin_memory=False)
    denominator = torch.max(total_observed, _0)
    default_scale = torch.div(torch.sum(weighted_sum, [0]), denominator)
    _1 = torch.ones_like(total_weight, dtype=6, layout=0, device=torch.device("cpu"), pin_memory=False)
    denominator0 = torch.max(total_weight, _1)
    scale = torch.div(weighted_sum, denominator0)
    _2 = torch.zeros_like(weighted_sum, dtype=6, layout=0, device=torch.device("cpu"), pin_memory=False)
    _3 = torch.gt(weighted_sum, _2)
    _4 = torch.ones_like(total_weight, dtype=6, layout=0, device=torch.device("cpu"), pin_memory=False)
    _5 = torch.where(_3, scale, torch.mul(default_scale, _4))
    _6 = torch.detach(torch.max(minimum_scale, _5))
    return torch.unsqueeze(_6, 1)
