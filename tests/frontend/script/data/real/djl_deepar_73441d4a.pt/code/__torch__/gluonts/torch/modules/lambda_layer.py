class LambdaLayer(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  def forward(self: __torch__.gluonts.torch.modules.lambda_layer.LambdaLayer,
    argument_1: Tensor,
    argument_2: Tensor) -> Tuple[Tensor, Tensor]:
    total_count = torch.softplus(argument_1)
    s = torch.squeeze(total_count, -1)
    s0 = torch.squeeze(argument_2, -1)
    return (s, s0)
  def forward1(self: __torch__.gluonts.torch.modules.lambda_layer.LambdaLayer,
    argument_1: Tensor,
    argument_2: Tensor) -> Tuple[Tensor, Tensor]:
    total_count = torch.softplus(argument_1)
    _0 = torch.squeeze(total_count, -1)
    logits = torch.squeeze(argument_2, -1)
    return (logits, _0)
  def forward2(self: __torch__.gluonts.torch.modules.lambda_layer.LambdaLayer,
    argument_1: Tensor,
    argument_2: Tensor) -> Tuple[Tensor, Tensor]:
    total_count = torch.softplus(argument_1)
    _1 = torch.squeeze(total_count, -1)
    logits = torch.squeeze(argument_2, -1)
    return (logits, _1)
  def forward3(self: __torch__.gluonts.torch.modules.lambda_layer.LambdaLayer,
    argument_1: Tensor,
    argument_2: Tensor) -> Tuple[Tensor, Tensor]:
    total_count = torch.softplus(argument_1)
    _2 = torch.squeeze(total_count, -1)
    logits = torch.squeeze(argument_2, -1)
    return (logits, _2)
