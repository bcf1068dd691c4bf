// BatchNorm in training, alone and followed by an activation (model/batch_norm_training.cpp): the
// core's channels-last CPU kernels against LibTorch's operators in double precision, forward
// (output, running statistics) and backward (input, weight and bias gradients).
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include <limits>

#include "cpnas/batch_norm.hpp"
#include "model/arch.hpp"
#include "model/batch_norm_training.hpp"
#include "model/cpu_features.hpp"

using namespace cpnas;

namespace {

struct Step {
  torch::Tensor y, dx, dweight, dbias, running_mean, running_var;
  int64_t tracked = 0;
};

torch::Tensor weight_of(int64_t channels) {
  return torch::linspace(0.5, 2, channels);
}
torch::Tensor bias_of(int64_t channels) {
  return torch::linspace(-1, 1, channels);
}

// One training forward and backward of a fresh cpnas::BatchNorm on `x` (its layout and type
// kept), the activation after it where asked, the loss weighting each output element by `w`.
Step core_step(const torch::Tensor& x, const torch::Tensor& w, c10::optional<Activation> a) {
  BatchNorm bn(x.size(1));
  bn->weight.data().copy_(weight_of(x.size(1)));
  bn->bias.data().copy_(bias_of(x.size(1)));
  auto input = x.detach().clone().requires_grad_(true);
  auto y = a ? bn->forward_activated(input, *a) : bn(input);
  (y.to(torch::kFloat) * w).sum().backward();
  return {y.detach(),
          input.grad(),
          bn->weight.grad(),
          bn->bias.grad(),
          bn->running_mean,
          bn->running_var,
          bn->num_batches_tracked.item<int64_t>()};
}

// The same with LibTorch's batch_norm and activations in double precision.
Step reference_step(const torch::Tensor& x, const torch::Tensor& w, c10::optional<Activation> a) {
  const int64_t c = x.size(1);
  const auto d = torch::kDouble;
  auto input = x.detach().to(d).contiguous().requires_grad_(true);
  auto weight = weight_of(c).to(d).requires_grad_(true);
  auto bias = bias_of(c).to(d).requires_grad_(true);
  auto mean = torch::zeros({c}, d), var = torch::ones({c}, d);
  auto y = torch::batch_norm(input, weight, bias, mean, var, true, BatchNormImpl::kMomentum,
                             BatchNormImpl::kEps, false);
  if (a) y = activate(*a, y);
  (y * w.to(d)).sum().backward();
  return {y.detach(), input.grad(), weight.grad(), bias.grad(), mean, var, 1};
}

void expect_close(const torch::Tensor& ours, const torch::Tensor& reference, double tolerance,
                  const std::string& what) {
  const auto a = ours.to(torch::kDouble), b = reference.to(torch::kDouble);
  const double error = (a - b).abs().max().item<double>();
  const double scale = b.abs().max().item<double>();
  EXPECT_LE(error, tolerance * std::max(scale, 1.0)) << what << ": max error " << error;
}

void expect_same_step(const Step& ours, const Step& reference, double tolerance,
                      const std::string& what) {
  expect_close(ours.y, reference.y, tolerance, what + " output");
  expect_close(ours.dx, reference.dx, tolerance, what + " input gradient");
  expect_close(ours.dweight, reference.dweight, tolerance, what + " weight gradient");
  expect_close(ours.dbias, reference.dbias, tolerance, what + " bias gradient");
  expect_close(ours.running_mean, reference.running_mean, tolerance, what + " running mean");
  expect_close(ours.running_var, reference.running_var, tolerance, what + " running variance");
  EXPECT_EQ(ours.tracked, 1) << what;
}

torch::Tensor channels_last_input(int64_t channels, torch::ScalarType type = torch::kFloat) {
  return (torch::randn({6, channels, 10, 7}) * 3 + 2)
      .to(type)
      .contiguous(torch::MemoryFormat::ChannelsLast);
}

}  // namespace

TEST(BatchNormTraining, TheCoresKernelsServeChannelsLastFp32AndBf16CpuTensors) {
  BatchNorm bn(8);
  const auto x = torch::randn({2, 8, 5, 3});
  EXPECT_EQ(has_training_kernel(*bn, x.contiguous(torch::MemoryFormat::ChannelsLast)),
            use_cpu_kernels());
  EXPECT_EQ(has_training_kernel(
                *bn, x.to(torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast)),
            use_cpu_kernels());
  EXPECT_FALSE(has_training_kernel(*bn, x));  // channels-first: LibTorch's
  EXPECT_FALSE(has_training_kernel(*bn, x.to(torch::kDouble)));
}

TEST(BatchNormTraining, NormalisesAndActivatesAsLibTorchDoesForwardAndBackward) {
  torch::manual_seed(5);
  // 64 channels: whole vectors of 8; 13: a tail of 5 computed one by one.
  for (const int64_t channels : {64, 13}) {
    for (const char* name : {"none", "relu", "relu6", "hardswish", "swish"}) {
      const auto a = std::string(name) == "none"
                         ? c10::optional<Activation>()
                         : c10::optional<Activation>(parse_activation(name));
      const auto x = channels_last_input(channels);
      const auto w = torch::randn(x.sizes());
      const std::string what = std::to_string(channels) + " channels, activation " + name;
      const Step ours = core_step(x, w, a);
      expect_same_step(ours, reference_step(x, w, a), 2e-6, what);
      EXPECT_TRUE(ours.y.is_contiguous(torch::MemoryFormat::ChannelsLast)) << what;
      EXPECT_TRUE(ours.dx.is_contiguous(torch::MemoryFormat::ChannelsLast)) << what;
    }
  }
}

TEST(BatchNormTraining, Bf16InputsAreComputedInFp32) {
  torch::manual_seed(6);
  const auto x = channels_last_input(24, torch::kBFloat16);
  const auto w = torch::randn(x.sizes());
  const Step ours = core_step(x, w, Activation::swish);
  EXPECT_EQ(ours.y.scalar_type(), torch::kBFloat16);
  EXPECT_EQ(ours.dx.scalar_type(), torch::kBFloat16);
  EXPECT_EQ(ours.dweight.scalar_type(), torch::kFloat);
  // bf16 keeps 8 significant bits: the output, the gradient arriving at it and the input's are
  // rounded to them; the statistics are computed from the inputs' exact values.
  const Step reference = reference_step(x, w, Activation::swish);
  expect_close(ours.y, reference.y, 8e-3, "output");
  expect_close(ours.dx, reference.dx, 8e-3, "input gradient");
  expect_close(ours.dweight, reference.dweight, 8e-3, "weight gradient");
  expect_close(ours.running_mean, reference.running_mean, 2e-6, "running mean");
  expect_close(ours.running_var, reference.running_var, 2e-6, "running variance");
}

TEST(BatchNormTraining, GivesTheSameBitsOnAnyThreadCount) {
  torch::manual_seed(7);
  const auto x = (torch::randn({8, 64, 30, 29}) + 1).contiguous(torch::MemoryFormat::ChannelsLast);
  const auto w = torch::randn(x.sizes());
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const Step one = core_step(x, w, Activation::swish);
  at::set_num_threads(2);
  const Step two = core_step(x, w, Activation::swish);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one.y, two.y));
  EXPECT_TRUE(torch::equal(one.dx, two.dx));
  EXPECT_TRUE(torch::equal(one.dweight, two.dweight));
  EXPECT_TRUE(torch::equal(one.running_var, two.running_var));
}

// Channels-first input: LibTorch's BatchNorm, then its activation.
TEST(BatchNormTraining, OtherLayoutsComputeTheSameThroughLibTorch) {
  torch::manual_seed(8);
  const auto first = channels_last_input(16).contiguous();
  BatchNorm fused(16), separate(16);
  for (const auto a : {Activation::relu, Activation::swish}) {
    EXPECT_TRUE(torch::allclose(fused->forward_activated(first, a), activate(a, separate(first)),
                                1e-5, 1e-6));
  }
}

// A layer's end with its residual connection, batch_norm_activate_add: the residual added in the
// kernel's pass (channels-last) and through LibTorch's addition (channels-first), against
// LibTorch in double, with the residual's gradient.
TEST(BatchNormTraining, AddsTheResidualAsLibTorchDoesForwardAndBackward) {
  torch::manual_seed(9);
  for (const int64_t channels : {64, 13}) {
    for (const auto a : {Activation::swish, Activation::relu}) {
      for (const bool channels_last_residual : {true, false}) {
        const std::string what = std::to_string(channels) + " channels, " +
                                 (a == Activation::swish ? "swish" : "relu") +
                                 (channels_last_residual ? "" : ", channels-first residual");
        const auto x = channels_last_input(channels);
        const auto w = torch::randn(x.sizes());
        const auto layout = channels_last_residual ? torch::MemoryFormat::ChannelsLast
                                                   : torch::MemoryFormat::Contiguous;
        const auto r = torch::randn(x.sizes()).contiguous(layout);
        BatchNorm bn(channels);
        bn->weight.data().copy_(weight_of(channels));
        bn->bias.data().copy_(bias_of(channels));
        auto input = x.clone().requires_grad_(true), residual = r.clone().requires_grad_(true);
        const auto y = batch_norm_activate_add(*bn, input, a, residual);
        const bool in_the_kernel = use_cpu_kernels() && channels_last_residual;
        EXPECT_EQ(y.grad_fn()->name().find("BatchNormActivation") != std::string::npos,
                  in_the_kernel)
            << what << ": " << y.grad_fn()->name();
        (y * w).sum().backward();

        const auto d = torch::kDouble;
        auto input_d = x.to(d).requires_grad_(true), residual_d = r.to(d).requires_grad_(true);
        auto mean = torch::zeros({channels}, d), var = torch::ones({channels}, d);
        auto normalised =
            torch::batch_norm(input_d, weight_of(channels).to(d), bias_of(channels).to(d), mean,
                              var, true, BatchNormImpl::kMomentum, BatchNormImpl::kEps, false);
        const auto reference = activate(a, normalised) + residual_d;
        (reference * w.to(d)).sum().backward();
        expect_close(y.detach(), reference.detach(), 2e-6, what + " output");
        expect_close(input.grad(), input_d.grad(), 2e-6, what + " input gradient");
        expect_close(residual.grad(), residual_d.grad(), 0, what + " residual gradient");
        expect_close(bn->running_var, var, 2e-6, what + " running variance");
      }
    }
  }
}

// In bf16 the kernel reads the residual as it reads the input, widened to fp32.
TEST(BatchNormTraining, AddsABf16ResidualInFp32) {
  torch::manual_seed(10);
  const auto x = channels_last_input(24, torch::kBFloat16);
  const auto r =
      torch::randn(x.sizes()).to(torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast);
  BatchNorm bn(24), separate(24);
  const auto y = batch_norm_activate_add(*bn, x, Activation::swish, r).detach();
  EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
  const auto reference =
      separate->forward_activated(x, Activation::swish).detach().to(torch::kFloat) +
      r.to(torch::kFloat);
  // Both round the sum to bf16's 8 significant bits once or twice.
  expect_close(y, reference, 2e-2, "bf16 output");
}

TEST(BatchNormTraining, ANanInTheInputMakesItsChannelNan) {
  auto x = channels_last_input(16);
  x[2][3][4][5] = std::numeric_limits<float>::quiet_NaN();
  BatchNorm bn(16);
  const auto y = bn->forward_activated(x, Activation::swish).detach();
  EXPECT_TRUE(y.select(1, 3).isnan().all().item<bool>());
  EXPECT_FALSE(y.select(1, 2).isnan().any().item<bool>());
  EXPECT_TRUE(bn->running_mean[3].isnan().item<bool>());
}

TEST(BatchNormTraining, OneValuePerChannelIsRefused) {
  BatchNorm bn(8);
  const auto x = torch::randn({1, 8, 1, 1}).contiguous(torch::MemoryFormat::ChannelsLast);
  EXPECT_THROW(bn->forward_activated(x, Activation::swish), std::exception);
}
