// Convolutions in training (model/convolution_training.cpp): the input gradient of stride-1
// convolutions as a forward convolution and temporal kernels' weight gradient as batched
// products, against LibTorch's convolution in double precision, forward and backward, and the
// convolutions it leaves to LibTorch.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cpnas/layers.hpp"
#include "model/convolution_training.hpp"
#include "model/cpu_features.hpp"

using namespace cpnas;

namespace {

struct Case {
  std::vector<int64_t> x, weight, padding;
  bool bias = true, channels_last = true;
};

struct Step {
  torch::Tensor y, dx, dweight, dbias;
  std::string node;
};

// One forward and backward of conv2d_training (float) or of LibTorch's convolution (double), the
// loss weighting each output element by a fixed pattern (in the input's layout, so that the
// output's gradient is laid out as a network's BatchNorm hands it back in training).
Step step(const Case& c, bool reference) {
  torch::manual_seed(7);
  const auto type = reference ? torch::kDouble : torch::kFloat;
  const auto layout = c.channels_last && !reference ? torch::MemoryFormat::ChannelsLast
                                                    : torch::MemoryFormat::Contiguous;
  auto x = torch::randn(c.x).to(type).contiguous(layout).requires_grad_(true);
  auto weight = torch::randn(c.weight).to(type).contiguous(layout).requires_grad_(true);
  auto bias = c.bias ? torch::randn({c.weight[0]}).to(type).requires_grad_(true) : torch::Tensor();
  const auto y = reference
                     ? at::convolution(x, weight, bias, {1, 1}, c.padding, {1, 1}, false, {0, 0}, 1)
                     : conv2d_training(x, weight, bias, {1, 1}, c.padding, {1, 1}, 1);
  const auto pattern =
      torch::linspace(-1, 2, y.numel()).view(y.sizes()).to(type).contiguous(layout);
  (y * pattern).sum().backward();
  return {y.detach(), x.grad(), weight.grad(), c.bias ? bias.grad() : torch::Tensor(),
          y.grad_fn()->name()};
}

void expect_near(const torch::Tensor& core, const torch::Tensor& reference, const char* what) {
  ASSERT_EQ(core.sizes(), reference.sizes()) << what;
  const double scale = reference.abs().max().item<double>();
  EXPECT_LT((core.to(torch::kDouble) - reference).abs().max().item<double>(), 2e-5 * scale) << what;
}

}  // namespace

TEST(ConvolutionTraining, StrideOneInputGradientsAsForwardConvolutionsMatchLibTorch) {
  ASSERT_TRUE(use_cpu_kernels());
  const std::vector<Case> cases = {
      {{4, 4, 20, 7}, {16, 4, 1, 1}, {0, 0}},              // a stem's 1x1 from 4 channels
      {{3, 8, 20, 7}, {8, 8, 3, 1}, {1, 0}, false},        // temporal 3x1, "same"
      {{3, 8, 20, 7}, {6, 8, 9, 1}, {4, 0}},               // 9x1 to fewer channels
      {{2, 5, 11, 6}, {6, 5, 5, 3}, {1, 1}},               // less than "same" padding
      {{2, 6, 10, 5}, {4, 6, 3, 1}, {1, 0}, true, false},  // channels-first
      {{2, 6, 12, 5}, {5, 6, 3, 1}, {0, 0}},               // 3x1, "valid", with a bias
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    const Step core = step(cases[i], false), reference = step(cases[i], true);
    EXPECT_NE(core.node.find("InputGradientAsForward"), std::string::npos) << core.node;
    expect_near(core.y, reference.y, "output");
    expect_near(core.dx, reference.dx, "input gradient");
    expect_near(core.dweight, reference.dweight, "weight gradient");
    if (cases[i].bias) expect_near(core.dbias, reference.dbias, "bias gradient");
  }
}

// The weight gradient of temporal kernels as batched products per tap (what training takes while
// oneDNN runs AVX2 code; the ctest run onednn_avx2.* passes the test above that way) against
// LibTorch's in double: "same", "valid" and full padding, fewer frames than the kernel,
// channels-first memory.
TEST(ConvolutionTraining, TemporalWeightGradientsAsProductsMatchLibTorch) {
  struct Shape {
    std::vector<int64_t> x, weight;
    int64_t padding;
    bool channels_last = true;
  };
  const std::vector<Shape> shapes = {{{3, 8, 20, 7}, {8, 8, 3, 1}, 1},  // "same"
                                     {{3, 8, 20, 7}, {6, 8, 9, 1}, 0},  // "valid"
                                     {{2, 5, 6, 4}, {7, 5, 5, 1}, 4},   // full
                                     {{2, 4, 3, 5}, {4, 4, 9, 1}, 4},  // 3 frames, a 9-frame kernel
                                     {{2, 6, 10, 5}, {4, 6, 3, 1}, 1, false}};  // channels-first
  for (size_t i = 0; i < shapes.size(); ++i) {
    SCOPED_TRACE("shape " + std::to_string(i));
    const auto& s = shapes[i];
    torch::manual_seed(11);
    const auto x = torch::randn(s.x, torch::kDouble);
    const auto weight = torch::randn(s.weight, torch::kDouble);
    const auto y = at::convolution(x, weight, {}, {1, 1}, {s.padding, 0}, {1, 1}, false, {0, 0}, 1);
    const auto dy = torch::randn(y.sizes(), torch::kDouble);
    const auto reference =
        std::get<1>(at::convolution_backward(dy, x, weight, c10::nullopt, {1, 1}, {s.padding, 0},
                                             {1, 1}, false, {0, 0}, 1, {false, true, false}));
    const auto layout =
        s.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    const auto as_float = [&](const torch::Tensor& t) {
      return t.to(torch::kFloat).contiguous(layout);
    };
    expect_near(weight_gradient_as_products(as_float(x), as_float(dy), as_float(weight), s.padding),
                reference, "weight gradient");
  }
}

TEST(ConvolutionTraining, OtherConvolutionsAreLibTorchs) {
  const auto x = torch::randn({2, 4, 12, 5}).requires_grad_(true);
  const auto weight = torch::randn({4, 4, 3, 1}).requires_grad_(true);
  const auto node = [&](const torch::Tensor& in, at::IntArrayRef stride, at::IntArrayRef padding,
                        int64_t groups, at::IntArrayRef dilation = {1, 1}) {
    const auto w = groups == 1 ? weight : weight.narrow(1, 0, 4 / groups);
    const auto y = conv2d_training(in, w, {}, stride, padding, dilation, groups);
    return y.grad_fn() ? y.grad_fn()->name() : std::string("none");
  };
  EXPECT_NE(node(x, {1, 1}, {1, 0}, 1).find("InputGradientAsForward"), std::string::npos);
  EXPECT_EQ(node(x, {2, 1}, {1, 0}, 1), "ConvolutionBackward0");          // strided
  EXPECT_EQ(node(x, {1, 1}, {1, 0}, 2), "ConvolutionBackward0");          // grouped
  EXPECT_EQ(node(x, {1, 1}, {2, 0}, 1, {2, 1}), "ConvolutionBackward0");  // dilated
  EXPECT_EQ(node(x, {1, 1}, {3, 0}, 1), "ConvolutionBackward0");  // padded beyond the kernel
  EXPECT_EQ(node(x.detach(), {1, 1}, {1, 0}, 1), "ConvolutionBackward0");  // no input gradient
  const auto y = conv2d_training(x.to(torch::kDouble), weight.to(torch::kDouble), {}, {1, 1},
                                 {1, 0}, {1, 1}, 1);
  EXPECT_EQ(y.grad_fn()->name(), "ConvolutionBackward0");  // not fp32
  torch::NoGradGuard no_grad;
  EXPECT_EQ(node(x, {1, 1}, {1, 0}, 1), "none");
}

TEST(ConvolutionTraining, ConvBNConvolvesThroughTheCoreInTraining) {
  ConvBN layer(temporal_conv(4, 6, 3, 1, 1, false));
  layer->train();
  const auto x = torch::randn({3, 4, 9, 5}).requires_grad_(true);
  auto y = layer(x);
  // The BatchNorm node's input is the convolution's output.
  const auto& edges = y.grad_fn()->next_edges();
  bool through_core = false;
  for (const auto& e : edges) {
    through_core |=
        e.function && e.function->name().find("InputGradientAsForward") != std::string::npos;
  }
  EXPECT_TRUE(through_core) << y.grad_fn()->name();
  EXPECT_NE(host::conv2d, nullptr);
}
