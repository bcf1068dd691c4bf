#pragma once
/// @file activation.hpp
/// The searched activation functions, shared by the core and block/attention plugins.

#include <torch/torch.h>
#include <torch/version.h>

namespace cpnas {

enum class Activation { relu, relu6, hardswish, swish };

namespace host {

/// Swish in x's own memory, defined by the cpnas core (vectorised for fp32 CPU tensors). Declared
/// weak so that a plugin loads into any process: without the core it is null and activate_()
/// uses LibTorch's. Since ABI 1.2.
__attribute__((weak, visibility("default"))) torch::Tensor swish_(torch::Tensor& x);

/// Swish with its gradient, defined by the cpnas core for fp32 and bf16 CPU tensors (vectorised,
/// bf16 computed in fp32 without converting whole tensors); an undefined tensor for others.
/// Declared weak like swish_. Since ABI 1.3.
__attribute__((weak, visibility("default"))) torch::Tensor swish(const torch::Tensor& x);

}  // namespace host

/// Applies `a` to `x` (swish is x * sigmoid(x)).
inline torch::Tensor activate(Activation a, const torch::Tensor& x) {
  switch (a) {
    case Activation::relu:
      return torch::relu(x);
    case Activation::relu6:
      return torch::clamp(x, 0.0, 6.0);
    case Activation::hardswish:
      return torch::hardswish(x);
    case Activation::swish:
      if (host::swish != nullptr) {
        auto y = host::swish(x);
        if (y.defined()) return y;
      }
#if TORCH_VERSION_MAJOR < 2
      // LibTorch 1.x's CPU bf16 swish kernels are slow (on [32, 64, 150, 29]: 17 ms forward and
      // 33 ms backward, against 11 and 16 ms in fp32 with both conversions), which made swish a
      // third of a bf16 training step; computing it in fp32 is also the more accurate.
      if (x.scalar_type() == torch::kBFloat16 && x.device().is_cpu()) {
        return torch::silu(x.to(torch::kFloat)).to(torch::kBFloat16);
      }
#endif
      return torch::silu(x);
  }
  return x;
}

/// activate() for a layer's fresh output that nothing else reads: where no gradients are recorded
/// it is computed in x's own memory, which saves a pass over memory (and swish on fp32 CPU
/// tensors runs the core's vectorised kernel); with gradients it is activate(a, x). Since ABI 1.2.
inline torch::Tensor activate_(Activation a, torch::Tensor x) {
  if (torch::GradMode::is_enabled()) return activate(a, x);
  switch (a) {
    case Activation::relu:
      return x.relu_();
    case Activation::relu6:
      return x.clamp_(0.0, 6.0);
    case Activation::hardswish:
      return torch::hardswish_(x);
    case Activation::swish:
      if (x.scalar_type() == torch::kFloat && host::swish_ != nullptr) return host::swish_(x);
      return activate(a, x);
  }
  return x;
}

}  // namespace cpnas
