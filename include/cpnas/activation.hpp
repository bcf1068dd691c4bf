#pragma once
/// @file activation.hpp
/// The searched activation functions, shared by the core and block/attention plugins.

#include <torch/torch.h>
#include <torch/version.h>

namespace cpnas {

enum class Activation { relu, relu6, hardswish, swish };

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

}  // namespace cpnas
