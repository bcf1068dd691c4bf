#pragma once
/// @file block.hpp
/// Temporal blocks: the searched convolution block type of a student network.

#include <cstdint>
#include <memory>

#include <torch/torch.h>

#include "cpnas/activation.hpp"

namespace cpnas {

/// What the core passes to a block factory. Channel counts never change inside a block.
struct BlockOptions {
  int64_t channels = 0;       ///< C, input and output channels
  int64_t window = 3;         ///< k, temporal kernel size (odd); padding is (k-1)/2
  int64_t stride = 1;         ///< s, temporal stride of the block
  double expand_ratio = 1.0;  ///< e, inner channels = floor(C * e) where a block expands
  double reduct_ratio = 1.0;  ///< r, inner channels = floor(C / r) where a block reduces
  Activation activation = Activation::relu;
};

/// A temporal block maps [N, C, T, V] to [N, C, ceil(T / stride), V].
/// Implementations register their parameters with register_module/register_parameter so the
/// core can count, initialise, save and load them.
class Block : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

using BlockFactory = std::shared_ptr<Block> (*)(const BlockOptions&);

/// Factory for a block class constructible from BlockOptions:
/// `CPNAS_BLOCK("mine", cpnas::block_factory<MyBlockImpl>)`.
template <class T>
std::shared_ptr<Block> block_factory(const BlockOptions& options) {
  return std::make_shared<T>(options);
}

}  // namespace cpnas
