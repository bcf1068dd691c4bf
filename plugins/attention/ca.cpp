// ca (channel attention): global pool, 1x1 C->C/4 + BN + ReLU, 1x1 C/4->C, sigmoid.
#include "cpnas/layers.hpp"
#include "cpnas/plugin.hpp"

namespace {

class ChannelAttentionImpl : public cpnas::Attention {
 public:
  explicit ChannelAttentionImpl(const cpnas::AttentionOptions& o)
      : squeeze_(register_module(
            "squeeze", cpnas::ConvBN(cpnas::pointwise_conv(
                           o.channels, cpnas::checked_inner_channels(o.channels / 4, "ca"))))),
        excite_(register_module(
            "excite", torch::nn::Conv2d(cpnas::pointwise_conv(o.channels / 4, o.channels)))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    auto h = torch::relu(squeeze_(x.mean({2, 3}, /*keepdim=*/true)));
    return torch::sigmoid(excite_(h));
  }

 private:
  cpnas::ConvBN squeeze_;
  torch::nn::Conv2d excite_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_ATTENTION("ca", cpnas::attention_factory<ChannelAttentionImpl>))
