op_version_set = 0
def forward(self,
    x: Tensor) -> Tensor:
  result_1 = torch.select(x, 0, 0)
  result = result_1
  for i in range(torch.size(x, 0)):
    if torch.ne(i, 0):
      result_2 = torch.mul(result, torch.select(x, 0, i))
      result_3 = result_2
    else:
      result_3 = result
    result = result_3
  return result
