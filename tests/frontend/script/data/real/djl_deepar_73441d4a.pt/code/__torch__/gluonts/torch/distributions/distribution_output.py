class PtArgProj(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  proj : __torch__.torch.nn.modules.container.ModuleList
  domain_map : __torch__.gluonts.torch.modules.lambda_layer.LambdaLayer
  def forward(self: __torch__.gluonts.torch.distributions.distribution_output.PtArgProj,
    argument_1: Tensor) -> Tuple[Tensor, Tensor]:
    domain_map = self.domain_map
    proj = self.proj
    _1 = getattr(proj, "1")
    proj0 = self.proj
    _0 = getattr(proj0, "0")
    _2 = (domain_map).forward((_0).forward(argument_1, ), (_1).forward(argument_1, ), )
    _3, _4, = _2
    return (_3, _4)
  def forward1(self: __torch__.gluonts.torch.distributions.distribution_output.PtArgProj,
    argument_1: Tensor) -> Tuple[Tensor, Tensor]:
    domain_map = self.domain_map
    proj = self.proj
    _1 = getattr(proj, "1")
    proj1 = self.proj
    _0 = getattr(proj1, "0")
    _3 = (domain_map).forward1((_0).forward1(argument_1, ), (_1).forward1(argument_1, ), )
    _4, _5, = _3
    return (_4, _5)
  def forward2(self: __torch__.gluonts.torch.distributions.distribution_output.PtArgProj,
    argument_1: Tensor) -> Tuple[Tensor, Tensor]:
    domain_map = self.domain_map
    proj = self.proj
    _1 = getattr(proj, "1")
    proj2 = self.proj
    _0 = getattr(proj2, "0")
    _6 = (domain_map).forward2((_0).forward2(argument_1, ), (_1).forward2(argument_1, ), )
    _7, _8, = _6
    return (_7, _8)
  def forward3(self: __torch__.gluonts.torch.distributions.distribution_output.PtArgProj,
    argument_1: Tensor) -> Tuple[Tensor, Tensor]:
    domain_map = self.domain_map
    proj = self.proj
    _1 = getattr(proj, "1")
    proj3 = self.proj
    _0 = getattr(proj3, "0")
    _9 = (domain_map).forward3((_0).forward3(argument_1, ), (_1).forward3(argument_1, ), )
    _10, _11, = _9
    return (_10, _11)
