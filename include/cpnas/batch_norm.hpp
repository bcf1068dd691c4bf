#pragma once
/// @file batch_norm.hpp
/// BatchNorm for the layers of blocks and attention gates. Outside training, and in training on
/// one process, it computes what torch::nn::BatchNorm2d computes. In data-parallel training
/// (`cpnas train` on several ranks) the cpnas core computes its batch statistics, and their
/// gradients, over the whole global batch, so that R ranks train the same network as one process
/// would. Plugins normalise with this class (or ConvBN from layers.hpp); data-parallel training
/// refuses a network holding a plain torch::nn::BatchNorm2d, whose statistics would silently cover
/// one rank's share of the batch only. Since ABI 1.1.

#include <cstdint>
#include <ostream>

#include <torch/torch.h>

#include "cpnas/activation.hpp"

namespace cpnas {

class BatchNormImpl;

namespace host {

/// The training forward of `bn`, defined by the cpnas core. Declared weak so that a plugin
/// loads into any process: without the core it is null and BatchNorm normalises locally.
__attribute__((weak, visibility("default"))) torch::Tensor batch_norm(BatchNormImpl& bn,
                                                                      const torch::Tensor& x);

/// The training forward of `bn` followed by the activation `a`, defined by the cpnas core (on
/// the CPU both in one pass over memory where it can). Declared weak like batch_norm. Since 1.5.
__attribute__((weak, visibility("default"))) torch::Tensor batch_norm_activate(
    BatchNormImpl& bn, const torch::Tensor& x, Activation a);

}  // namespace host

/// BatchNorm over the channels of [N, C, T, V] with torch::nn::BatchNorm2d's defaults (eps 1e-5,
/// momentum 0.1, affine, running statistics) and its parameter and buffer names, so model files
/// do not depend on which of the two a layer used.
class BatchNormImpl : public torch::nn::Cloneable<BatchNormImpl> {
 public:
  static constexpr double kEps = 1e-5;
  static constexpr double kMomentum = 0.1;

  explicit BatchNormImpl(int64_t channels) : channels_(channels) { reset(); }

  void reset() override {
    weight = register_parameter("weight", torch::ones({channels_}));
    bias = register_parameter("bias", torch::zeros({channels_}));
    running_mean = register_buffer("running_mean", torch::zeros({channels_}));
    running_var = register_buffer("running_var", torch::ones({channels_}));
    num_batches_tracked = register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    if (is_training() && host::batch_norm != nullptr) return host::batch_norm(*this, x);
    return local_forward(x);
  }

  /// activate_(a, forward(x)): what a layer that normalises and then activates computes. In
  /// training the core may normalise and activate in one pass (on the CPU: swish's pair takes a
  /// third less time, forward and backward), with the same result up to rounding. Since ABI 1.5.
  torch::Tensor forward_activated(const torch::Tensor& x, Activation a) {
    if (is_training() && host::batch_norm_activate != nullptr) {
      return host::batch_norm_activate(*this, x, a);
    }
    return activate_(a, forward(x));
  }

  /// The statistics of this process's batch in training, the running ones otherwise.
  torch::Tensor local_forward(const torch::Tensor& x) {
    if (is_training()) {
      torch::NoGradGuard no_grad;
      num_batches_tracked += 1;
    }
    return torch::batch_norm(x, weight, bias, running_mean, running_var, is_training(), kMomentum,
                             kEps, at::globalContext().userEnabledCuDNN());
  }

  void pretty_print(std::ostream& stream) const override {
    stream << "cpnas::BatchNorm(" << channels_ << ")";
  }

  int64_t channels() const { return channels_; }

  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  int64_t channels_;
};
TORCH_MODULE(BatchNorm);

}  // namespace cpnas
