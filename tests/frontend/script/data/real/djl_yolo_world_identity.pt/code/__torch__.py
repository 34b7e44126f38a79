class IValueProcessing(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  def forward(self: __torch__.IValueProcessing,
    tokenized_data: Tensor) -> Tensor:
    return tokenized_data
