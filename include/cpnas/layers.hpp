#pragma once
/// @file layers.hpp
/// Small building blocks for block and attention plugins: temporal and pointwise convolution
/// options, convolution + BatchNorm, and the residual branch of a temporal block.

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include <torch/torch.h>

#include "cpnas/batch_norm.hpp"

namespace cpnas {

namespace host {

/// The training forward of `conv` on `x`, defined by the cpnas core (on the CPU, a stride-1
/// convolution whose input gradient costs less). Declared weak like batch_norm: without the core
/// it is null and ConvBN calls conv(x). Since ABI 1.6.
__attribute__((weak, visibility("default"))) torch::Tensor conv2d(torch::nn::Conv2dImpl& conv,
                                                                  const torch::Tensor& x);

}  // namespace host

/// k x 1 convolution over time with "same" padding (k - 1) / 2, stride s on time.
inline torch::nn::Conv2dOptions temporal_conv(int64_t in, int64_t out, int64_t window,
                                              int64_t stride = 1, int64_t groups = 1,
                                              bool bias = true) {
  return torch::nn::Conv2dOptions(in, out, {window, 1})
      .stride({stride, 1})
      .padding({(window - 1) / 2, 0})
      .groups(groups)
      .bias(bias);
}

/// 1 x 1 convolution.
inline torch::nn::Conv2dOptions pointwise_conv(int64_t in, int64_t out, bool bias = true) {
  return torch::nn::Conv2dOptions(in, out, 1).bias(bias);
}

/// A convolution followed by BatchNorm (cpnas::BatchNorm) over its output channels. Evaluated
/// on the CPU without gradients, BatchNorm is folded into the convolution's weights and bias.
class ConvBNImpl : public torch::nn::Module {
 public:
  explicit ConvBNImpl(const torch::nn::Conv2dOptions& options)
      : conv(register_module("conv", torch::nn::Conv2d(options))),
        bn(register_module("bn", BatchNorm(options.out_channels()))) {}

  torch::Tensor forward(const torch::Tensor& x) {
    const auto& o = conv->options;
    // Not on a GPU, where evaluation at small batches is bound by kernel launches: the fold adds
    // small kernels, and under autocast casts of the folded weights that LibTorch cannot cache
    // (with the fold among other changes, paper-best's bf16 evaluation at batch 32 on an H200
    // went from 9.1 to 14.5 ms).
    if (is_training() || torch::GradMode::is_enabled() || !x.is_cpu() ||
        torch::enumtype::get_enum_name(o.padding_mode()) != "kZeros") {
      return bn(convolve(x));
    }
    // Folded, BatchNorm costs no pass of its own over the output (paper-best evaluates 3-8 %
    // faster on a CPU).
    const auto [weight, bias] = folded();
    return torch::nn::functional::conv2d(x, weight,
                                         torch::nn::functional::Conv2dFuncOptions()
                                             .bias(bias)
                                             .stride(o.stride())
                                             .padding(o.padding())
                                             .dilation(o.dilation())
                                             .groups(o.groups()));
  }

  /// activate_(a, forward(x)), with BatchNorm and the activation as one step in training
  /// (BatchNormImpl::forward_activated). Since ABI 1.5.
  torch::Tensor forward_activated(const torch::Tensor& x, Activation a) {
    return is_training() ? bn->forward_activated(convolve(x), a) : activate_(a, forward(x));
  }

  /// The convolution's weight and bias with BatchNorm's running statistics folded in (a
  /// per-channel affine map): the convolution they define computes what this layer computes
  /// when not training. Since ABI 1.3.
  std::pair<torch::Tensor, torch::Tensor> folded() const {
    const auto scale = bn->weight * torch::rsqrt(bn->running_var + BatchNormImpl::kEps);
    const auto centred = conv->options.bias() ? conv->bias - bn->running_mean : -bn->running_mean;
    return {conv->weight * scale.view({-1, 1, 1, 1}), centred * scale + bn->bias};
  }

  torch::nn::Conv2d conv;
  BatchNorm bn;

 private:
  torch::Tensor convolve(const torch::Tensor& x) {
    return host::conv2d != nullptr ? host::conv2d(*conv, x) : conv(x);
  }
};
TORCH_MODULE(ConvBN);

/// Residual branch of a temporal block: identity for stride 1, else a 1 x 1 convolution with
/// that stride and BatchNorm.
class TemporalResidualImpl : public torch::nn::Module {
 public:
  TemporalResidualImpl(int64_t channels, int64_t stride) {
    if (stride != 1) {
      down_ = register_module(
          "down", ConvBN(torch::nn::Conv2dOptions(channels, channels, 1).stride({stride, 1})));
    }
  }
  torch::Tensor forward(const torch::Tensor& x) { return down_ ? down_(x) : x; }

 private:
  ConvBN down_{nullptr};
};
TORCH_MODULE(TemporalResidual);

/// y + other, added into y's memory where no gradients are recorded and y has the sum's shape and
/// type: y must be a layer's fresh output that nothing else reads (a residual connection's
/// branch, say). Since ABI 1.2.
inline torch::Tensor add_into(torch::Tensor y, const torch::Tensor& other) {
  if (torch::GradMode::is_enabled() || y.scalar_type() != other.scalar_type() ||
      at::infer_size(y.sizes(), other.sizes()) != y.sizes()) {
    return y + other;
  }
  return y.add_(other);
}

/// Throws std::invalid_argument when a plugin's inner channel count would be below 1.
inline int64_t checked_inner_channels(int64_t inner, const char* what) {
  if (inner < 1) {
    throw std::invalid_argument(std::string(what) + ": inner channel count " +
                                std::to_string(inner) +
                                " is below 1 (channels too few for the ratio)");
  }
  return inner;
}

/// floor(channels / reduct_ratio), checked to be at least 1.
inline int64_t reduced_channels(int64_t channels, double reduct_ratio, const char* what) {
  return checked_inner_channels(static_cast<int64_t>(std::floor(channels / reduct_ratio)), what);
}

/// floor(channels * expand_ratio), checked to be at least 1.
inline int64_t expanded_channels(int64_t channels, double expand_ratio, const char* what) {
  return checked_inner_channels(static_cast<int64_t>(std::floor(channels * expand_ratio)), what);
}

}  // namespace cpnas
