#pragma once
/// @file basic_block.hpp
/// The basic temporal block: k x 1 convolution (stride s) C -> C, BatchNorm, activation, plus the
/// residual branch. The core builds its stem and the reference main stream from it, and the
/// `basic` block plugin offers it to the search.

#include <torch/torch.h>

#include "cpnas/activation.hpp"
#include "cpnas/block.hpp"
#include "cpnas/layers.hpp"

namespace cpnas {

class BasicBlockImpl : public Block {
 public:
  explicit BasicBlockImpl(const BlockOptions& o)
      : act_(o.activation),
        conv_(register_module("conv",
                              ConvBN(temporal_conv(o.channels, o.channels, o.window, o.stride)))),
        residual_(register_module("residual", TemporalResidual(o.channels, o.stride))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    return add_into(conv_->forward_activated(x, act_), residual_(x));
  }

 private:
  Activation act_;
  ConvBN conv_;
  TemporalResidual residual_;
};

}  // namespace cpnas
