// fa (frame attention): per frame, mean and max over channels and joints, 9x1 conv 2->1
// (padding 4); no squashing.
#include "cpnas/layers.hpp"
#include "cpnas/plugin.hpp"

namespace {

class FrameAttentionImpl : public cpnas::Attention {
 public:
  explicit FrameAttentionImpl(const cpnas::AttentionOptions&)
      : conv_(register_module("conv", torch::nn::Conv2d(cpnas::temporal_conv(2, 1, 9)))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    auto mean = x.mean({1, 3});  // [N, T]
    // In training, the max over joints, then over channels, with indices: their backward
    // scatters the gradient to the maxima, where amax's compares the whole input with the result
    // (on [32, 64, 50, 29] forward and backward, bf16: 29 -> 7 ms on one thread). Without
    // gradients amax, which reduces channels-last input (evaluation's) 15x faster.
    auto max =
        x.requires_grad() ? std::get<0>(std::get<0>(x.max(3)).max(1)) : x.amax({1, 3});  // [N, T]
    return conv_(torch::stack({mean, max}, 1).unsqueeze(-1));  // [N, 1, T, 1]
  }

 private:
  torch::nn::Conv2d conv_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_ATTENTION("fa", cpnas::attention_factory<FrameAttentionImpl>))
