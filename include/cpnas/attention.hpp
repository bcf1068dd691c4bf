#pragma once
/// @file attention.hpp
/// Attention gates. The core wraps each one as y = x * att(x), BN, activation, + x.

#include <cstdint>
#include <memory>

#include <torch/torch.h>

#include "cpnas/activation.hpp"
#include "cpnas/skeleton.hpp"

namespace cpnas {

struct AttentionOptions {
  int64_t channels = 0;       ///< C of the input
  double reduct_ratio = 1.0;  ///< r, inner channels = floor(C / r)
  Activation activation = Activation::relu;
  Skeleton skeleton;  ///< joints (V) and body parts of the layout
};

/// Maps x [N, C, T, V] to att(x), a tensor that broadcasts against x.
class Attention : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

using AttentionFactory = std::shared_ptr<Attention> (*)(const AttentionOptions&);

/// Factory for an attention class constructible from AttentionOptions.
template <class T>
std::shared_ptr<Attention> attention_factory(const AttentionOptions& options) {
  return std::make_shared<T>(options);
}

}  // namespace cpnas
