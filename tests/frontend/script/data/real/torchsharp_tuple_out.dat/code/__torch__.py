class PlaceholderModule(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  def forward(self: __torch__.PlaceholderModule,
    x: Tensor,
    y: Tensor) -> Tuple[Tensor, Tensor]:
    return (torch.add(x, y), torch.sub(x, y))
