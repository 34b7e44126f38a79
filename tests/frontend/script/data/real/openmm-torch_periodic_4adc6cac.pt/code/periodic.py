op_version_set = 1
def forward(self,
    positions: Tensor,
    boxvectors: Tensor) -> Tensor:
  boxsize = torch.diag(boxvectors, 0)
  _0 = torch.floor(torch.div(positions, boxsize))
  periodicPositions = torch.sub(positions, torch.mul(_0, boxsize), alpha=1)
  _1 = torch.sum(torch.pow(periodicPositions, 2), dtype=None)
  return _1
