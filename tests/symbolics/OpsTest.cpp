// Per-op tests: a small aten graph (torch's text format, typed inputs) through to-onnx at the
// opsets where the op's ONNX form differs, checking the ONNX nodes and attributes, and that
// ONNX's checker and strict shape inference accept the result.
#include <doctest/doctest.h>

#include <initializer_list>

#include "ir/Parser.h"
#include "ir/Printer.h"
#include "passes/Passes.h"
#include "symbolics/OnnxBuilder.h"
#include "tests/symbolics/SymbolicsTestUtil.h"

namespace ts2onnx::symbolics {
namespace {

using namespace testing;

/// Converts at each opset, REQUIREs the checker to pass, returns the graph at the last one.
std::unique_ptr<ir::Graph> checked(std::string_view text, std::initializer_list<int> opsets) {
  std::unique_ptr<ir::Graph> g;
  for (int opset : opsets) {
    g = convert(text, opset);
    std::string err = checkOnnx(*g, opset);
    INFO("opset " << opset << ":\n" << ir::printGraph(*g));
    CHECK(err == "");
  }
  return g;
}

const std::vector<int64_t> &ints(const ir::Node *n, const char *name) {
  return n->is(ir::Symbol::attr(name));
}

TEST_CASE("conv2d with bias, stride, padding, dilation and groups becomes one Conv") {
  auto g = checked(R"IR(graph(%x : Float(1, 4, 8, 8), %w : Float(8, 2, 3, 3), %b : Float(8)):
  %s : int = prim::Constant[value=2]()
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %stride : int[] = prim::ListConstruct(%s, %s)
  %pad : int[] = prim::ListConstruct(%one, %one)
  %dil : int[] = prim::ListConstruct(%two, %two)
  %y : Tensor = aten::conv2d(%x, %w, %b, %stride, %pad, %dil, %two)
  return (%y)
)IR",
                   {9, 11, 13, 17});
  CHECK(kinds(*g) == std::vector<std::string>{"Conv"});
  const ir::Node *c = first(*g, "Conv");
  CHECK(ints(c, "strides") == std::vector<int64_t>{2, 2});
  CHECK(ints(c, "pads") == std::vector<int64_t>{1, 1, 1, 1});
  CHECK(ints(c, "dilations") == std::vector<int64_t>{2, 2});
  CHECK(c->i(ir::Symbol::attr("group")) == 2);
  CHECK(ints(c, "kernel_shape") == std::vector<int64_t>{3, 3});
  // The output's static shape follows: (8 + 2 - 2*2 - 1) / 2 + 1 = 3.
  CHECK(ir::printGraph(*g).find("Float(1, 8, 3, 3)") != std::string::npos);
}

TEST_CASE("_convolution transposed becomes ConvTranspose with output_padding") {
  auto g = checked(R"IR(graph(%x : Float(1, 4, 5, 5), %w : Float(4, 2, 3, 3)):
  %none : NoneType = prim::Constant()
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %stride : int[] = prim::ListConstruct(%two, %two)
  %pad : int[] = prim::ListConstruct(%one, %one)
  %dil : int[] = prim::ListConstruct(%one, %one)
  %opad : int[] = prim::ListConstruct(%one, %one)
  %y : Tensor = aten::_convolution(%x, %w, %none, %stride, %pad, %dil, %t, %opad, %one, %f, %f, %t, %t)
  return (%y)
)IR",
                   {9, 13});
  const ir::Node *c = first(*g, "ConvTranspose");
  CHECK(ints(c, "output_padding") == std::vector<int64_t>{1, 1});
}

TEST_CASE("conv1d and conv3d spell out single-int stride and padding per spatial dim") {
  auto g = checked(R"IR(graph(%x : Float(1, 2, 9), %w : Float(4, 2, 3)):
  %none : NoneType = prim::Constant()
  %one : int = prim::Constant[value=1]()
  %stride : int[] = prim::ListConstruct(%one)
  %y : Tensor = aten::conv1d(%x, %w, %none, %stride, %stride, %stride, %one)
  return (%y)
)IR",
                   {9, 17});
  CHECK(ints(first(*g, "Conv"), "pads") == std::vector<int64_t>{1, 1});
  auto g3 = checked(R"IR(graph(%x : Float(1, 2, 4, 4, 4), %w : Float(4, 2, 1, 1, 1)):
  %none : NoneType = prim::Constant()
  %one : int = prim::Constant[value=1]()
  %zero : int = prim::Constant[value=0]()
  %stride : int[] = prim::ListConstruct(%one, %one, %one)
  %pad : int[] = prim::ListConstruct(%zero, %zero, %zero)
  %y : Tensor = aten::conv3d(%x, %w, %none, %stride, %pad, %stride, %one)
  return (%y)
)IR",
                    {9, 17});
  CHECK(ints(first(*g3, "Conv"), "kernel_shape") == std::vector<int64_t>{1, 1, 1});
}

TEST_CASE("batch_norm in eval mode becomes BatchNormalization, training mode is an error") {
  const char *text =
      R"IR(graph(%x : Float(2, 3, 4, 4), %w : Float(3), %b : Float(3), %m : Float(3), %v : Float(3)):
  %train : bool = prim::Constant[value=0]()
  %mom : float = prim::Constant[value=0.1]()
  %eps : float = prim::Constant[value=1e-05]()
  %y : Tensor = aten::batch_norm(%x, %w, %b, %m, %v, %train, %mom, %eps, %train)
  return (%y)
)IR";
  auto g = checked(text, {9, 15, 17});
  CHECK(kinds(*g) == std::vector<std::string>{"BatchNormalization"});
  std::string training(text);
  training.replace(training.find("value=0"), 7, "value=1");
  CHECK(convertError(training, 13).find("training mode") != std::string::npos);
}

TEST_CASE("layer_norm is decomposed before 17 and LayerNormalization at 17") {
  const char *text = R"IR(graph(%x : Float(2, 5, 8), %w : Float(8), %b : Float(8)):
  %n : int = prim::Constant[value=8]()
  %shape : int[] = prim::ListConstruct(%n)
  %eps : float = prim::Constant[value=1e-05]()
  %t : bool = prim::Constant[value=1]()
  %y : Tensor = aten::layer_norm(%x, %shape, %w, %b, %eps, %t)
  return (%y)
)IR";
  auto g9 = checked(text, {9, 13});
  CHECK(count(*g9, "ReduceMean") == 2);
  CHECK(count(*g9, "Sqrt") == 1);
  auto g17 = checked(text, {17});
  CHECK(kinds(*g17) == std::vector<std::string>{"LayerNormalization"});
  CHECK(first(*g17, "LayerNormalization")->i(ir::Symbol::attr("axis")) == -1);
}

TEST_CASE("group_norm and instance_norm use InstanceNormalization") {
  auto g = checked(R"IR(graph(%x : Float(2, 4, 3, 3), %w : Float(4), %b : Float(4)):
  %groups : int = prim::Constant[value=2]()
  %eps : float = prim::Constant[value=1e-05]()
  %t : bool = prim::Constant[value=1]()
  %y : Tensor = aten::group_norm(%x, %groups, %w, %b, %eps, %t)
  return (%y)
)IR",
                   {9, 13, 17});
  CHECK(count(*g, "InstanceNormalization") == 1);
  CHECK(count(*g, "Reshape") == 2);
  auto gi = checked(R"IR(graph(%x : Float(2, 4, 3, 3)):
  %none : NoneType = prim::Constant()
  %t : bool = prim::Constant[value=1]()
  %mom : float = prim::Constant[value=0.1]()
  %eps : float = prim::Constant[value=1e-05]()
  %y : Tensor = aten::instance_norm(%x, %none, %none, %none, %none, %t, %mom, %eps, %t)
  return (%y)
)IR",
                    {9, 17});
  CHECK(count(*gi, "InstanceNormalization") == 1);
}

TEST_CASE("linear is Gemm on 2-D inputs and MatMul+Add otherwise, addmm is Gemm") {
  auto g = checked(R"IR(graph(%x : Float(2, 8), %w : Float(4, 8), %b : Float(4)):
  %y : Tensor = aten::linear(%x, %w, %b)
  return (%y)
)IR",
                   {9, 17});
  CHECK(kinds(*g) == std::vector<std::string>{"Gemm"});
  auto g3 = checked(R"IR(graph(%x : Float(2, 3, 8), %w : Float(4, 8), %b : Float(4)):
  %y : Tensor = aten::linear(%x, %w, %b)
  return (%y)
)IR",
                    {9, 17});
  CHECK(kinds(*g3) == std::vector<std::string>{"Transpose", "MatMul", "Add"});
  auto ga = checked(R"IR(graph(%c : Float(4), %a : Float(2, 8), %b : Float(8, 4)):
  %beta : int = prim::Constant[value=1]()
  %alpha : float = prim::Constant[value=0.5]()
  %y : Tensor = aten::addmm(%c, %a, %b, %beta, %alpha)
  return (%y)
)IR",
                    {9, 17});
  CHECK(first(*ga, "Gemm")->f(ir::Symbol::attr("alpha")) == 0.5);
  auto gb = checked(R"IR(graph(%a : Float(2, 3, 4), %b : Float(2, 4, 5)):
  %y : Tensor = aten::bmm(%a, %b)
  %z : Tensor = aten::matmul(%y, %y)
  return (%y)
)IR",
                    {9});
  CHECK(count(*gb, "MatMul") == 1);
}

TEST_CASE("activations: relu6/hardtanh as Clip (attributes before 11, inputs after)") {
  const char *text = R"IR(graph(%x : Float(2, 3)):
  %y : Tensor = aten::relu6(%x)
  return (%y)
)IR";
  auto g9 = checked(text, {9});
  const ir::Node *c9 = first(*g9, "Clip");
  CHECK(c9->f(ir::Symbol::attr("max")) == 6);
  CHECK(c9->inputs().size() == 1);
  auto g11 = checked(text, {11, 13, 17});
  CHECK(first(*g11, "Clip")->inputs().size() == 3);
}

TEST_CASE("activations: gelu (erf and tanh), silu, hardswish, hardsigmoid, leaky_relu, elu") {
  auto g = checked(R"IR(graph(%x : Float(2, 3)):
  %none : str = prim::Constant[value="none"]()
  %tanh : str = prim::Constant[value="tanh"]()
  %slope : float = prim::Constant[value=0.2]()
  %one : int = prim::Constant[value=1]()
  %a : Tensor = aten::gelu(%x, %none)
  %b : Tensor = aten::gelu(%a, %tanh)
  %c : Tensor = aten::silu(%b)
  %d : Tensor = aten::hardswish(%c)
  %e : Tensor = aten::hardsigmoid(%d)
  %f : Tensor = aten::leaky_relu(%e, %slope)
  %h : Tensor = aten::elu(%f, %one, %one, %one)
  %i : Tensor = aten::sigmoid(%h)
  %j : Tensor = aten::tanh(%i)
  return (%j)
)IR",
                   {9, 13});
  CHECK(count(*g, "Erf") == 1);
  CHECK(count(*g, "Tanh") == 2);
  CHECK(count(*g, "HardSigmoid") == 2);
  CHECK(count(*g, "HardSwish") == 0);
  CHECK(first(*g, "LeakyRelu")->f(ir::Symbol::attr("alpha")) == doctest::Approx(0.2));
  auto g14 = checked(R"IR(graph(%x : Float(2, 3)):
  %d : Tensor = aten::hardswish(%x)
  return (%d)
)IR",
                     {14, 17});
  CHECK(kinds(*g14) == std::vector<std::string>{"HardSwish"});
}

TEST_CASE("softmax over a middle dim transposes before 13 and not from 13") {
  const char *text = R"IR(graph(%x : Float(2, 3, 4)):
  %d : int = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::softmax(%x, %d, %none)
  %z : Tensor = aten::log_softmax(%y, %d, %none)
  return (%z)
)IR";
  auto g9 = checked(text, {9, 11});
  CHECK(count(*g9, "Transpose") == 4);
  auto g13 = checked(text, {13, 17});
  CHECK(kinds(*g13) == std::vector<std::string>{"Softmax", "LogSoftmax"});
  CHECK(first(*g13, "Softmax")->i(ir::Symbol::attr("axis")) == 1);
  auto last = checked(R"IR(graph(%x : Float(2, 3, 4)):
  %d : int = prim::Constant[value=-1]()
  %none : NoneType = prim::Constant()
  %y : Tensor = aten::softmax(%x, %d, %none)
  return (%y)
)IR",
                      {9});
  CHECK(kinds(*last) == std::vector<std::string>{"Softmax"});
}

TEST_CASE("max_pool2d: ceil_mode is an attribute from opset 10, end padding at opset 9") {
  auto text = [](const char *dims) {
    return std::string("graph(%x : Float(") + dims + R"IR()):
  %k : int = prim::Constant[value=3]()
  %s : int = prim::Constant[value=2]()
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %t : bool = prim::Constant[value=1]()
  %ks : int[] = prim::ListConstruct(%k, %k)
  %ss : int[] = prim::ListConstruct(%s, %s)
  %ps : int[] = prim::ListConstruct(%zero, %zero)
  %ds : int[] = prim::ListConstruct(%one, %one)
  %y : Tensor = aten::max_pool2d(%x, %ks, %ss, %ps, %ds, %t)
  return (%y)
)IR";
  };
  // torch's ceil-mode size for 8: ceil((8 - 3) / 2) + 1 = 4 (floor mode gives 3).
  auto g = checked(text("1, 2, 8, 8"), {10, 11, 13, 17});
  CHECK(first(*g, "MaxPool")->i(ir::Symbol::attr("ceil_mode")) == 1);
  CHECK(ir::printGraph(*g).find("Float(1, 2, 4, 4)") != std::string::npos);
  // Opset 9: no ceil_mode attribute; one more row and column of end padding give 4.
  auto g9 = checked(text("1, 2, 8, 8"), {9});
  const ir::Node *pool = first(*g9, "MaxPool");
  CHECK(!pool->hasAttribute(ir::Symbol::attr("ceil_mode")));
  CHECK(pool->is(ir::Symbol::attr("pads")) == std::vector<int64_t>{0, 0, 1, 1});
  CHECK(ir::printGraph(*g9).find("Float(1, 2, 4, 4)") != std::string::npos);
  // A dynamic spatial size cannot be padded ahead of time at opset 9.
  CHECK(convertError(text("1, 2, h, w"), 9).find("ceil_mode") != std::string::npos);
}

TEST_CASE("avg_pool2d keeps count_include_pad, adaptive pooling to 1 or to divisors") {
  auto g = checked(R"IR(graph(%x : Float(1, 2, 8, 8)):
  %k : int = prim::Constant[value=3]()
  %one : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %t : bool = prim::Constant[value=1]()
  %none : NoneType = prim::Constant()
  %ks : int[] = prim::ListConstruct(%k, %k)
  %ss : int[] = prim::ListConstruct(%one, %one)
  %y : Tensor = aten::avg_pool2d(%x, %ks, %ss, %ss, %f, %t, %none)
  %two : int = prim::Constant[value=2]()
  %os : int[] = prim::ListConstruct(%two, %two)
  %z : Tensor = aten::adaptive_avg_pool2d(%y, %os)
  %o1 : int[] = prim::ListConstruct(%one, %one)
  %w : Tensor, %idx : Tensor = aten::adaptive_max_pool2d(%z, %o1)
  return (%w)
)IR",
                   {9, 11, 17});
  const ir::Node *avg = first(*g, "AveragePool");
  CHECK(avg->i(ir::Symbol::attr("count_include_pad")) == 1);
  CHECK(count(*g, "AveragePool") == 2); // adaptive 8x8 -> 2x2 is kernel = stride = 4
  CHECK(count(*g, "GlobalMaxPool") == 1);
}

TEST_CASE("flatten, view with runtime sizes, permute, transpose, t, squeeze, unsqueeze") {
  const char *text = R"IR(graph(%x : Float(2, 3, 4, 5)):
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %m1 : int = prim::Constant[value=-1]()
  %n : int = aten::size(%x, %zero)
  %v : int[] = prim::ListConstruct(%n, %m1, %two)
  %a : Tensor = aten::view(%x, %v)
  %p : int[] = prim::ListConstruct(%two, %zero, %one)
  %b : Tensor = aten::permute(%a, %p)
  %c : Tensor = aten::transpose(%b, %zero, %m1)
  %d : Tensor = aten::unsqueeze(%c, %m1)
  %e : Tensor = aten::squeeze(%d, %m1)
  %f : Tensor = aten::flatten(%e, %one, %m1)
  %g : Tensor = aten::t(%f)
  %h : Tensor = aten::flatten(%x, %two, %m1)
  return (%g, %h)
)IR";
  auto g = checked(text, {9, 11, 13, 17});
  // The batch size is static here, so the view's shape is a constant.
  CHECK(count(*g, "Concat") == 0);
  CHECK(count(*g, "Unsqueeze") == 1);
  CHECK(count(*g, "Squeeze") == 1);
  CHECK(count(*g, "Flatten") == 1);
}

TEST_CASE("runtime sizes: view's list of size() results is a Concat of unsqueezed Gathers") {
  const char *text = R"IR(graph(%x : Float(*, 3, 4)):
  %zero : int = prim::Constant[value=0]()
  %m1 : int = prim::Constant[value=-1]()
  %n : int = aten::size(%x, %zero)
  %four : Long() = prim::Constant[value={4}]()
  %nt : Tensor = prim::NumToTensor(%n)
  %nn : Tensor = aten::mul(%nt, %four)
  %ni : int = aten::Int(%nn)
  %v : int[] = prim::ListConstruct(%ni, %m1)
  %a : Tensor = aten::view(%x, %v)
  %last : int = aten::size(%a, %m1)
  %dim : int = aten::dim(%x)
  %num : int = aten::numel(%x)
  return (%a, %last, %dim, %num)
)IR";
  for (int opset : {9, 11, 13, 17}) {
    auto g = convert(text, opset);
    CHECK(checkOnnx(*g, opset) == "");
    CHECK(count(*g, "Shape") >= 1);
    CHECK(count(*g, "Gather") == 2); // size(x, 0) and size(a, -1) (a's rank is known)
    CHECK(count(*g, "Concat") == 1);
    CHECK(count(*g, "Reshape") == 1);
  }
}

TEST_CASE("shufflenet's channel shuffle: size/NumToTensor/floor_divide/Int/view/transpose") {
  const char *text = R"IR(graph(%x : Float(*, 8, 4, 4)):
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %three : int = prim::Constant[value=3]()
  %b : int = aten::size(%x, %zero)
  %bt : Tensor = prim::NumToTensor(%b)
  %c : int = aten::size(%x, %one)
  %ct : Tensor = prim::NumToTensor(%c)
  %h : int = aten::size(%x, %two)
  %w : int = aten::size(%x, %three)
  %g : Long() = prim::Constant[value={2}]()
  %cpg : Tensor = aten::floor_divide(%ct, %g)
  %cpgi : int = aten::Int(%cpg)
  %s1 : int[] = prim::ListConstruct(%b, %two, %cpgi, %h, %w)
  %v : Tensor = aten::view(%x, %s1)
  %t : Tensor = aten::transpose(%v, %one, %two)
  %cc : Tensor = aten::contiguous(%t, %zero)
  %m1 : int = prim::Constant[value=-1]()
  %s2 : int[] = prim::ListConstruct(%b, %m1, %h, %w)
  %y : Tensor = aten::view(%cc, %s2)
  %chunks : Tensor[] = aten::chunk(%y, %two, %one)
  %p : Tensor, %q : Tensor = prim::ListUnpack(%chunks)
  %l : Tensor[] = prim::ListConstruct(%q, %p)
  %z : Tensor = aten::cat(%l, %one)
  return (%z)
)IR";
  auto g = checked(text, {9, 11, 13, 17});
  CHECK(count(*g, "Transpose") == 1);
  CHECK(count(*g, "Split") == 1);
  CHECK(count(*g, "Concat") >= 1);
}

TEST_CASE("transformer attention pattern: chunk of unknown size, bmm, div by a Double constant") {
  const char *text = R"IR(graph(%src : Float(*, *, 32), %w : Float(96, 32), %b : Float(96)):
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %three : int = prim::Constant[value=3]()
  %m1 : int = prim::Constant[value=-1]()
  %m2 : int = prim::Constant[value=-2]()
  %q0 : Tensor = aten::transpose(%src, %one, %zero)
  %n : int = aten::size(%q0, %zero)
  %bsz : int = aten::size(%q0, %one)
  %bt : Tensor = prim::NumToTensor(%bsz)
  %qkv : Tensor = aten::linear(%q0, %w, %b)
  %parts : Tensor[] = aten::chunk(%qkv, %three, %m1)
  %q : Tensor, %k : Tensor, %v : Tensor = prim::ListUnpack(%parts)
  %four : Long() = prim::Constant[value={4}]()
  %heads : Tensor = aten::mul(%bt, %four)
  %hi : int = aten::Int(%heads)
  %eight : int = prim::Constant[value=8]()
  %shape : int[] = prim::ListConstruct(%n, %hi, %eight)
  %qv : Tensor = aten::view(%q, %shape)
  %kv : Tensor = aten::view(%k, %shape)
  %qt : Tensor = aten::transpose(%qv, %zero, %one)
  %kt : Tensor = aten::transpose(%kv, %zero, %one)
  %scale : Double() = prim::Constant[value={2.82843}]()
  %qs : Tensor = aten::div(%qt, %scale)
  %ktt : Tensor = aten::transpose(%kt, %m2, %m1)
  %att : Tensor = aten::bmm(%qs, %ktt)
  %none : NoneType = prim::Constant()
  %sm : Tensor = aten::softmax(%att, %m1, %none)
  return (%sm, %v)
)IR";
  auto g = checked(text, {9, 11, 13, 17});
  CHECK(count(*g, "Split") == 1);
  CHECK(count(*g, "MatMul") == 2);
  // The scale is remade as a float32 constant, not cast at run time.
  CHECK(count(*g, "Cast") == 0);
}

TEST_CASE("cat, stack, split with sizes, select, index_select, slice (steps from 10)") {
  const char *text = R"IR(graph(%x : Float(4, 6), %i : Long(3)):
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %four : int = prim::Constant[value=4]()
  %m1 : int = prim::Constant[value=-1]()
  %l : Tensor[] = prim::ListConstruct(%x, %x)
  %c : Tensor = aten::cat(%l, %m1)
  %s : Tensor = aten::stack(%l, %m1)
  %sizes : int[] = prim::ListConstruct(%two, %four)
  %parts : Tensor[] = aten::split_with_sizes(%x, %sizes, %one)
  %p : Tensor, %q : Tensor = prim::ListUnpack(%parts)
  %r : Tensor = aten::select(%q, %zero, %m1)
  %t : Tensor = aten::index_select(%x, %zero, %i)
  %u : Tensor = aten::slice(%x, %one, %one, %four, %one)
  return (%c, %s, %p, %r, %t, %u)
)IR";
  auto g = checked(text, {9, 11, 13, 17});
  CHECK(count(*g, "Split") == 1);
  CHECK(count(*g, "Slice") == 2); // select(-1) and the slice
  std::string stepped(text);
  stepped.replace(stepped.find("%four, %one)\n  return"), 12, "%four, %two)");
  CHECK(convertError(stepped, 9).find("step") != std::string::npos);
  auto g10 = checked(stepped, {10, 13});
  CHECK(count(*g10, "Slice") == 2);
}

TEST_CASE("slice with a runtime end uses Slice inputs from opset 10") {
  const char *text = R"IR(graph(%x : Float(*, 6)):
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %n : int = aten::size(%x, %zero)
  %y : Tensor = aten::slice(%x, %one, %zero, %n, %one)
  return (%y)
)IR";
  CHECK(convertError(text, 9).find("opset 10") != std::string::npos);
  auto g = checked(text, {10, 11, 13, 17});
  CHECK(count(*g, "Slice") == 1);
}

TEST_CASE("expand keeps -1 dims, expand_as, repeat, gather (from 11), embedding") {
  auto g = checked(
      R"IR(graph(%x : Float(3, 1), %y : Float(3, 4), %idx : Long(3, 1), %emb : Float(10, 4), %tok : Long(2, 5)):
  %m1 : int = prim::Constant[value=-1]()
  %four : int = prim::Constant[value=4]()
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %f : bool = prim::Constant[value=0]()
  %s : int[] = prim::ListConstruct(%m1, %four)
  %a : Tensor = aten::expand(%x, %s, %f)
  %b : Tensor = aten::expand_as(%x, %y)
  %r : int[] = prim::ListConstruct(%two, %one, %one)
  %c : Tensor = aten::repeat(%a, %r)
  %d : Tensor = aten::gather(%y, %one, %idx, %f)
  %e : Tensor = aten::embedding(%emb, %tok, %m1, %f, %f)
  return (%b, %c, %d, %e)
)IR",
      {11, 13, 17});
  const ir::Node *ex = first(*g, "Expand");
  auto shape = OnnxBuilder::constInt64s(ex->input(1));
  REQUIRE(shape);
  CHECK(*shape == std::vector<int64_t>{1, 4});
  CHECK(count(*g, "Tile") == 1);
  CHECK(count(*g, "GatherElements") == 1);
  CHECK(count(*g, "Gather") == 1);
}

TEST_CASE("arithmetic promotes like torch: int tensor with float scalar, alpha, rsub") {
  auto g = checked(R"IR(graph(%x : Long(2, 3), %y : Float(2, 3)):
  %half : float = prim::Constant[value=0.5]()
  %two : int = prim::Constant[value=2]()
  %a : Tensor = aten::mul(%x, %half)
  %b : Tensor = aten::add(%y, %x, %two)
  %c : Tensor = aten::rsub(%b, %two, %two)
  %d : Tensor = aten::div(%x, %x)
  %trunc : str = prim::Constant[value="floor"]()
  %e : Tensor = aten::div(%x, %two, %trunc)
  %f : Tensor = aten::pow(%y, %two)
  %g : Tensor = aten::sqrt(%x)
  return (%a, %c, %d, %e, %f, %g)
)IR",
                   {9, 11, 13, 17});
  // mul: x cast to float; add: x cast to float; div: both cast; sqrt: x cast.
  CHECK(count(*g, "Cast") == 5);
  CHECK(count(*g, "Where") == 1); // the integer floor division's fix-up
}

TEST_CASE("tan of an int tensor is Tan on a float32 cast, typed Float like torch's result") {
  // The aten type comes from propagate-shapes (torch's pointwise rule: tan of int64 is float32);
  // the ONNX result takes it.
  auto aten = ir::parseGraph(R"IR(graph(%x : Long(2, 3)):
  %t : Tensor = aten::tan(%x)
  return (%t)
)IR");
  REQUIRE(aten.ok());
  REQUIRE(passes::runPropagateShapes(**aten, passes::PassOptions{}).ok());
  auto g = checked(ir::printGraph(**aten), {9, 13, 17});
  CHECK(count(*g, "Cast") == 1);
  CHECK(count(*g, "Tan") == 1);
  CHECK(g->block()->outputs()[0]->type()->str() == "Float(2, 3)");
}

TEST_CASE("comparisons: Equal on floats from 11, LessOrEqual/GreaterOrEqual from 12") {
  const char *text = R"IR(graph(%x : Float(2, 3), %y : Float(2, 3)):
  %a : Tensor = aten::eq(%x, %y)
  %b : Tensor = aten::ne(%x, %y)
  %c : Tensor = aten::le(%x, %y)
  %d : Tensor = aten::ge(%x, %y)
  %e : Tensor = aten::lt(%x, %y)
  %f : Tensor = aten::gt(%x, %y)
  %zero : int = prim::Constant[value=0]()
  %g : Tensor = aten::where(%a, %x, %zero)
  %ninf : float = prim::Constant[value=-inf]()
  %h : Tensor = aten::masked_fill(%x, %b, %ninf)
  return (%a, %b, %c, %d, %e, %f, %g, %h)
)IR";
  auto g9 = checked(text, {9, 10});
  CHECK(count(*g9, "Equal") == 0);
  CHECK(count(*g9, "LessOrEqual") == 0);
  auto g11 = checked(text, {11});
  CHECK(count(*g11, "Equal") == 2);
  CHECK(count(*g11, "LessOrEqual") == 0);
  auto g12 = checked(text, {12, 13, 17});
  CHECK(count(*g12, "LessOrEqual") == 1);
  CHECK(count(*g12, "GreaterOrEqual") == 1);
  CHECK(count(*g12, "Where") == 2);
}

TEST_CASE("clamp with constant and tensor bounds, clamp_min, clamp_max") {
  auto g = checked(R"IR(graph(%x : Float(2, 3), %lo : Float(2, 3)):
  %none : NoneType = prim::Constant()
  %one : float = prim::Constant[value=1.]()
  %a : Tensor = aten::clamp(%x, %none, %one)
  %b : Tensor = aten::clamp_min(%a, %one)
  %c : Tensor = aten::clamp(%b, %lo, %none)
  return (%c)
)IR",
                   {9, 11, 13, 17});
  CHECK(count(*g, "Clip") == 2);
  CHECK(count(*g, "Max") == 1);
}

TEST_CASE("reductions: sum/mean over dims, amax, max with indices, argmax, norm") {
  auto g = checked(R"IR(graph(%x : Float(2, 3, 4)):
  %one : int = prim::Constant[value=1]()
  %m1 : int = prim::Constant[value=-1]()
  %t : bool = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %dims : int[] = prim::ListConstruct(%one, %m1)
  %a : Tensor = aten::sum(%x, %dims, %t, %none)
  %b : Tensor = aten::mean(%x, %dims, %f, %none)
  %c : Tensor = aten::amax(%x, %dims, %f)
  %v : Tensor, %i : Tensor = aten::max(%x, %one, %f)
  %d : Tensor = aten::argmax(%x, %m1, %f)
  %two : int = prim::Constant[value=2]()
  %e : Tensor = aten::norm(%x, %two, %dims, %f)
  %s : Tensor = aten::sum(%x, %none)
  %fro : Tensor = aten::frobenius_norm(%x, %dims, %f)
  return (%a, %b, %c, %v, %i, %d, %e, %s, %fro)
)IR",
                   {9, 11, 13, 17});
  CHECK(count(*g, "ReduceSum") == 2);
  CHECK(count(*g, "ReduceMax") == 2);
  CHECK(count(*g, "ArgMax") == 2);
  CHECK(count(*g, "ReduceL2") == 2);
}

TEST_CASE("interpolation: nearest is Upsample at 9, Resize at 10, Resize with modes from 11") {
  const char *nearest = R"IR(graph(%x : Float(1, 2, 4, 4)):
  %none : NoneType = prim::Constant()
  %s : float = prim::Constant[value=2.]()
  %sf : float[] = prim::ListConstruct(%s, %s)
  %y : Tensor = aten::upsample_nearest2d(%x, %none, %sf)
  return (%y)
)IR";
  auto g9 = checked(nearest, {9});
  CHECK(kinds(*g9) == std::vector<std::string>{"Upsample"});
  auto g10 = checked(nearest, {10});
  CHECK(kinds(*g10) == std::vector<std::string>{"Resize"});
  auto g11 = checked(nearest, {11, 13, 17});
  const ir::Node *r = first(*g11, "Resize");
  CHECK(r->s(ir::Symbol::attr("coordinate_transformation_mode")) == "asymmetric");
  CHECK(r->s(ir::Symbol::attr("nearest_mode")) == "floor");

  const char *bilinear = R"IR(graph(%x : Float(1, 2, 4, 4)):
  %none : NoneType = prim::Constant()
  %eight : int = prim::Constant[value=8]()
  %size : int[] = prim::ListConstruct(%eight, %eight)
  %t : bool = prim::Constant[value=1]()
  %y : Tensor = aten::upsample_bilinear2d(%x, %size, %t, %none)
  return (%y)
)IR";
  CHECK(convertError(bilinear, 9).find("opset 11") != std::string::npos);
  auto gb = checked(bilinear, {11, 13, 17});
  const ir::Node *rb = first(*gb, "Resize");
  CHECK(rb->s(ir::Symbol::attr("coordinate_transformation_mode")) == "align_corners");
  CHECK(rb->inputs().size() == 4);
}

TEST_CASE("padding: constant_pad_nd, reflection_pad2d (attributes before 11, inputs after)") {
  const char *text = R"IR(graph(%x : Float(1, 2, 4, 4)):
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %p : int[] = prim::ListConstruct(%one, %two, %one, %two)
  %v : float = prim::Constant[value=0.5]()
  %a : Tensor = aten::constant_pad_nd(%x, %p, %v)
  %b : Tensor = aten::reflection_pad2d(%a, %p)
  return (%b)
)IR";
  auto g9 = checked(text, {9});
  CHECK(ints(first(*g9, "Pad"), "pads") == std::vector<int64_t>{0, 0, 1, 1, 0, 0, 2, 2});
  auto g11 = checked(text, {11, 13, 17});
  CHECK(first(*g11, "Pad")->inputs().size() == 3);
}

TEST_CASE("creation: zeros/ones/full(_like) are ConstantOfShape, arange is Range from 11") {
  const char *text = R"IR(graph(%x : Float(*, 3)):
  %zero : int = prim::Constant[value=0]()
  %three : int = prim::Constant[value=3]()
  %none : NoneType = prim::Constant()
  %n : int = aten::size(%x, %zero)
  %s : int[] = prim::ListConstruct(%n, %three)
  %a : Tensor = aten::zeros(%s, %none, %none, %none, %none)
  %b : Tensor = aten::ones_like(%x, %none, %none, %none, %none, %none)
  %v : float = prim::Constant[value=2.5]()
  %c : Tensor = aten::full_like(%x, %v, %none, %none, %none, %none, %none)
  %r : Tensor = aten::arange(%n, %none, %none, %none, %none)
  %k : int = prim::Constant[value=4]()
  %rc : Tensor = aten::arange(%k, %none, %none, %none, %none)
  return (%a, %b, %c, %r, %rc)
)IR";
  auto g9 = checked(text, {9});
  CHECK(count(*g9, "ConstantOfShape") == 4); // three creations + the NonZero arange's ones
  CHECK(count(*g9, "NonZero") == 1);
  auto g11 = checked(text, {11, 13, 17});
  CHECK(count(*g11, "Range") == 1);
}

TEST_CASE("dtype conversions: to(dtype), type_as, Int/Float of tensors") {
  auto g = checked(R"IR(graph(%x : Float(2, 3), %y : Long(2, 3)):
  %long : int = prim::Constant[value=4]()
  %f : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %a : Tensor = aten::to(%x, %long, %f, %f, %none)
  %b : Tensor = aten::type_as(%y, %x)
  %c : Tensor = aten::to(%b, %y, %f, %f, %none)
  return (%a, %c)
)IR",
                   {9, 17});
  CHECK(count(*g, "Cast") == 3);
}

TEST_CASE("an op without a symbolic names the op and the opsets that have one") {
  std::string err = convertError(R"IR(graph(%x : Float(2, 3)):
  %y : Tensor = aten::frobnicate(%x)
  return (%y)
)IR",
                                 13);
  CHECK(err.find("aten::frobnicate") != std::string::npos);
  std::string gather = convertError(R"IR(graph(%x : Float(2, 3), %i : Long(2, 3)):
  %one : int = prim::Constant[value=1]()
  %f : bool = prim::Constant[value=0]()
  %y : Tensor = aten::gather(%x, %one, %i, %f)
  return (%y)
)IR",
                                    9);
  CHECK(gather.find("from opset 11") != std::string::npos);
}

TEST_CASE("grid_sampler is GridSample from 16, triu is Trilu from 14") {
  auto g = checked(R"IR(graph(%x : Float(1, 2, 4, 4), %grid : Float(1, 3, 3, 2)):
  %zero : int = prim::Constant[value=0]()
  %f : bool = prim::Constant[value=0]()
  %y : Tensor = aten::grid_sampler(%x, %grid, %zero, %zero, %f)
  %one : int = prim::Constant[value=1]()
  %z : Tensor = aten::triu(%y, %one)
  return (%z)
)IR",
                   {16, 17});
  CHECK(kinds(*g) == std::vector<std::string>{"GridSample", "Trilu"});
}

TEST_CASE("select_scatter and slice_scatter become Slice + Concat along the dim") {
  // x[1] = v on a (3, 5) tensor: rows before, the new row, rows after.
  auto g = checked(R"IR(graph(%x : Float(3, 5), %v : Float(5)):
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %y : Tensor = aten::select_scatter(%x, %v, %zero, %one)
  return (%y)
)IR",
                   {11, 13, 17});
  CHECK(count(*g, "Slice") == 2);
  CHECK(count(*g, "Unsqueeze") == 1);
  const ir::Node *cat = first(*g, "Concat");
  REQUIRE(cat != nullptr);
  CHECK(cat->i(ir::Symbol::attr("axis")) == 0);
  CHECK(cat->inputs().size() == 3);

  // x[:, 0:2] = v: no part before column 0, so only the part after is sliced.
  auto h = checked(R"IR(graph(%x : Float(3, 5), %v : Float(3, 2)):
  %none : NoneType = prim::Constant()
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %y : Tensor = aten::slice_scatter(%x, %v, %one, %zero, %two, %one)
  return (%y)
)IR",
                   {11, 13, 17});
  CHECK(count(*h, "Slice") == 1);
  const ir::Node *cat2 = first(*h, "Concat");
  REQUIRE(cat2 != nullptr);
  CHECK(cat2->i(ir::Symbol::attr("axis")) == 1);
  CHECK(cat2->inputs().size() == 2);
}

TEST_CASE("aten::warn is dropped and a folded int list unpacks to constants") {
  auto g = checked(R"IR(graph(%x : Float(2, 3)):
  %msg : str = prim::Constant[value="careful"]()
  %two : int = prim::Constant[value=2]()
   = aten::warn(%msg, %two)
  %s : int[] = prim::Constant[value=[2, 3]]()
  %a : int, %b : int = prim::ListUnpack(%s)
  %l : int[] = prim::ListConstruct(%b, %a)
  %y : Tensor = aten::reshape(%x, %l)
  return (%y)
)IR",
                   {11, 13, 17});
  CHECK(kinds(*g) == std::vector<std::string>{"Reshape"});
  CHECK(ir::printGraph(*g).find("Float(3, 2)") != std::string::npos);
}

TEST_CASE("unbind: Split + Squeeze from opset 9, a negative dim of unknown rank only from 11") {
  auto text = [](const char *type, int dim) {
    return std::string("graph(%x : ") + type + R"IR():
  %d : int = prim::Constant[value=)IR" +
           std::to_string(dim) + R"IR(]()
  %parts : Tensor[] = aten::unbind(%x, %d)
  %a : Tensor, %b : Tensor = prim::ListUnpack(%parts)
  %y : Tensor = aten::add(%a, %b, %d)
  return (%y)
)IR";
  };
  // Rank known: -1 is dim 1 everywhere; two Squeezed halves of a Split.
  auto g = checked(text("Float(3, 2)", -1), {9, 10, 11, 13, 17});
  CHECK(first(*g, "Split") != nullptr);
  CHECK(ir::printGraph(*g).find("Float(3)") != std::string::npos);
  // Rank unknown: Split and Squeeze take negative axes only from opset 11.
  CHECK(convertError(text("Tensor", -1), 9).find("negative dim") != std::string::npos);
}

} // namespace
} // namespace ts2onnx::symbolics
