// The SDK's evaluation fast paths compute what the plain layers compute: ConvBN with BatchNorm
// folded into the convolution, activate_() and add_into() in place, and the core's vectorised
// swish.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cpnas/activation.hpp"
#include "cpnas/layers.hpp"
#include "random_batch_norm.hpp"

using namespace cpnas;
using cpnas::test::randomise_batch_norm;

TEST(ConvBN, EvaluatesWithoutGradientsWhatConvolutionThenBatchNormCompute) {
  torch::manual_seed(5);
  const std::vector<torch::nn::Conv2dOptions> cases = {
      temporal_conv(6, 8, 3, 2),             // window and stride
      temporal_conv(6, 6, 5, 1, 6),          // depthwise
      pointwise_conv(6, 4, /*bias=*/false),  // no bias
      torch::nn::Conv2dOptions(6, 4, {3, 1}).padding({1, 0}).dilation({2, 1})};
  for (size_t i = 0; i < cases.size(); ++i) {
    ConvBN layer(cases[i]);
    randomise_batch_norm(*layer->bn);
    layer->eval();
    for (const auto format : {at::MemoryFormat::Contiguous, at::MemoryFormat::ChannelsLast}) {
      const auto x = torch::randn({3, 6, 11, 5}).contiguous(format);
      const auto expected = layer->bn(layer->conv(x));  // gradients recorded: not folded
      torch::NoGradGuard no_grad;
      const auto folded = layer->forward(x);
      EXPECT_TRUE(torch::allclose(folded, expected, 1e-5, 1e-5)) << "case " << i;
    }
  }
}

TEST(ConvBN, KeepsPaddingModesItCannotFoldUnfolded) {
  torch::manual_seed(6);
  ConvBN layer(
      torch::nn::Conv2dOptions(3, 3, {3, 1}).padding({1, 0}).padding_mode(torch::kReflect));
  randomise_batch_norm(*layer->bn);
  layer->eval();
  const auto x = torch::randn({2, 3, 7, 4});
  const auto expected = layer->bn(layer->conv(x));
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(layer->forward(x), expected, 1e-5, 1e-5));
}

TEST(InPlaceEvaluation, ActivateAndAddIntoWriteIntoTheirInputOnlyWithoutGradients) {
  torch::manual_seed(7);
  for (const auto a :
       {Activation::relu, Activation::relu6, Activation::hardswish, Activation::swish}) {
    const auto x = torch::randn({2, 5, 9, 3}) * 4;
    const auto expected = activate(a, x);
    {
      auto own = x.clone();
      const auto y = activate_(a, own);  // gradient mode: a new tensor, own untouched
      EXPECT_TRUE(torch::equal(own, x));
      EXPECT_TRUE(torch::allclose(y, expected, 1e-6, 1e-6));
    }
    torch::NoGradGuard no_grad;
    auto own = x.clone();
    const auto y = activate_(a, own);
    EXPECT_EQ(y.data_ptr(), own.data_ptr()) << static_cast<int>(a);
    EXPECT_TRUE(torch::allclose(y, expected, 1e-6, 1e-6)) << static_cast<int>(a);
  }
  const auto y = torch::randn({2, 3, 4, 5}), r = torch::randn({2, 3, 4, 5});
  auto own = y.clone();
  EXPECT_TRUE(torch::equal(add_into(own, r), y + r));
  EXPECT_TRUE(torch::equal(own, y));
  torch::NoGradGuard no_grad;
  EXPECT_EQ(add_into(own, r).data_ptr(), own.data_ptr());
  EXPECT_TRUE(torch::equal(own, y + r));
  // A sum of another shape or type than y's is a new tensor.
  const auto bias = torch::randn({1, 3, 1, 5});
  EXPECT_TRUE(torch::equal(add_into(bias, y), bias + y));
  EXPECT_EQ(add_into(y.to(torch::kBFloat16), r).scalar_type(), torch::kFloat);
}

TEST(Swish, TheCoreKernelMatchesLibTorchAcrossTheRangeAndKeepsNaN) {
  ASSERT_NE(host::swish_, nullptr);  // this binary links the core
  const float inf = std::numeric_limits<float>::infinity();
  // 1003 values: a tail that is not a multiple of the vector width, and every regime of exp.
  auto x =
      torch::cat({torch::linspace(-100, 100, 1000), torch::tensor({std::nanf(""), inf, -0.0f})});
  auto own = x.clone();
  host::swish_(own);
  const auto finite = x.slice(0, 0, 1000);
  EXPECT_TRUE(torch::allclose(own.slice(0, 0, 1000), torch::silu(finite), 1e-6, 1e-30));
  EXPECT_TRUE(std::isnan(own[1000].item<float>()));
  EXPECT_EQ(own[1001].item<float>(), inf);
  EXPECT_EQ(own[1002].item<float>(), 0.0f);
  // Dense in any order (channels-last), and a strided view that LibTorch computes instead.
  const auto big = torch::randn({4, 6, 10, 7}) * 10;
  auto channels_last = big.contiguous(at::MemoryFormat::ChannelsLast);
  host::swish_(channels_last);
  EXPECT_TRUE(torch::allclose(channels_last, torch::silu(big), 1e-6, 1e-6));
  auto whole = big.clone();
  auto strided = whole.slice(3, 0, 7, 2);
  host::swish_(strided);
  EXPECT_TRUE(
      torch::allclose(whole.slice(3, 0, 7, 2), torch::silu(big.slice(3, 0, 7, 2)), 1e-6, 1e-6));
  EXPECT_TRUE(torch::equal(whole.slice(3, 1, 7, 2), big.slice(3, 1, 7, 2)));
}

// The differentiable swish that activate() uses: values and gradients as LibTorch's silu gives
// them, in fp32 and in bf16 (LibTorch's computed in fp32, then rounded as the kernel rounds), in
// either dense layout, with an incoming gradient of another layout (a sum's, expanded), and NaN.
TEST(Swish, TheCoreAutogradFunctionMatchesLibTorchForwardAndBackward) {
  ASSERT_NE(host::swish, nullptr);
  torch::manual_seed(7);
  const auto values = torch::cat(
      {torch::linspace(-100, 100, 1001), torch::randn({1200}) * 4, torch::tensor({std::nanf("")})});
  for (const auto type : {torch::kFloat, torch::kBFloat16})
    for (const auto format : {at::MemoryFormat::Contiguous, at::MemoryFormat::ChannelsLast}) {
      const auto x =
          values.to(type).view({1, 1, 2202, 1}).expand({2, 3, 2202, 1}).contiguous(format);
      const auto mine = x.detach().requires_grad_();
      const auto theirs = x.detach().to(torch::kFloat).requires_grad_();
      const auto y = host::swish(mine);
      ASSERT_TRUE(y.defined());
      const auto expected = torch::silu(theirs);
      const double tolerance = type == torch::kFloat ? 1e-6 : 1e-2;
      EXPECT_TRUE(torch::allclose(y.to(torch::kFloat), expected.to(type).to(torch::kFloat),
                                  tolerance, 1e-6, /*equal_nan=*/true))
          << type << " " << format;
      EXPECT_EQ(y.scalar_type(), type);
      if (type == torch::kBFloat16) {
        // Rounded to nearest even: truncating would change about half the values. (Below -88
        // the kernel's exp saturates: -4e-37 where LibTorch's gives -0.)
        const auto differ =
            (y.to(torch::kFloat) - expected.to(type).to(torch::kFloat)).abs() > 1e-30;
        EXPECT_LT(differ.to(torch::kFloat).mean().item<float>(), 0.001) << format;
      }
      // Weights make each element's gradient differ; the sum's own is an expanded scalar.
      const auto weights = torch::randn(x.sizes()).to(type);
      const auto g = torch::autograd::grad({(y * weights).sum()}, {mine})[0];
      const auto e =
          torch::autograd::grad({(expected * weights.to(torch::kFloat)).sum()}, {theirs})[0];
      EXPECT_TRUE(torch::allclose(g.to(torch::kFloat), e.to(type).to(torch::kFloat), tolerance,
                                  1e-5, /*equal_nan=*/true))
          << type << " " << format;
      const auto plain = torch::autograd::grad({host::swish(mine).sum()}, {mine})[0];
      const auto plain_expected = torch::autograd::grad({torch::silu(theirs).sum()}, {theirs})[0];
      EXPECT_TRUE(torch::allclose(plain.to(torch::kFloat),
                                  plain_expected.to(type).to(torch::kFloat), tolerance, 1e-5,
                                  /*equal_nan=*/true));
    }
  // No kernel for doubles or strided views: activate() then uses LibTorch's.
  EXPECT_FALSE(host::swish(torch::randn({4, 4}, torch::kDouble)).defined());
  EXPECT_FALSE(host::swish(torch::randn({4, 4}).slice(1, 0, 4, 2)).defined());
  const auto doubles = torch::randn({4, 4}, torch::kDouble);
  EXPECT_TRUE(torch::equal(activate(Activation::swish, doubles), torch::silu(doubles)));
}
