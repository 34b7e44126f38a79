op_version_set = 0
def forward(self,
    x: Tensor) -> Tensor:
  result = torch.select(x, 0, 0)
  result0 = result
  for i in range(torch.size(x, 0)):
    if bool(i):
      result1 = torch.mul(result0, torch.select(x, 0, i))
    else:
      result1 = result0
    result0 = result1
  return result0
