#pragma once
/// @file activation.hpp
/// The searched activation functions, shared by the core and block/attention plugins.

#include <torch/torch.h>

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
      return torch::silu(x);
  }
  return x;
}

}  // namespace cpnas
