// v3 (MobileNetV3): i = floor(C * e): 1x1 C->i + BN, act; depthwise k x 1 stride s + BN;
// squeeze-excite gate; 1x1 i->C + BN, act; out = that + residual.
#include "cpnas/layers.hpp"
#include "cpnas/plugin.hpp"

namespace {

// Global pool, 1x1 i->i/4 (no bias) + BN + ReLU, 1x1 i/4->i (no bias) + BN, sigmoid, multiply.
class SqueezeExciteImpl : public torch::nn::Module {
 public:
  explicit SqueezeExciteImpl(int64_t channels)
      : squeeze_(register_module(
            "squeeze",
            cpnas::ConvBN(cpnas::pointwise_conv(
                channels, cpnas::checked_inner_channels(channels / 4, "v3 squeeze-excite"),
                /*bias=*/false)))),
        excite_(register_module(
            "excite", cpnas::ConvBN(cpnas::pointwise_conv(channels / 4, channels, false)))) {}

  torch::Tensor forward(const torch::Tensor& x) {
    auto gate = torch::relu(squeeze_(x.mean({2, 3}, /*keepdim=*/true)));
    return x * torch::sigmoid(excite_(gate));
  }

 private:
  cpnas::ConvBN squeeze_, excite_;
};
TORCH_MODULE(SqueezeExcite);

class V3BlockImpl : public cpnas::Block {
 public:
  explicit V3BlockImpl(const cpnas::BlockOptions& o)
      : act_(o.activation),
        inner_(cpnas::expanded_channels(o.channels, o.expand_ratio, "v3")),
        expand_(
            register_module("expand", cpnas::ConvBN(cpnas::pointwise_conv(o.channels, inner_)))),
        depthwise_(register_module("depthwise", cpnas::ConvBN(cpnas::temporal_conv(
                                                    inner_, inner_, o.window, o.stride, inner_)))),
        excite_(register_module("se", SqueezeExcite(inner_))),
        project_(
            register_module("project", cpnas::ConvBN(cpnas::pointwise_conv(inner_, o.channels)))),
        residual_(register_module("residual", cpnas::TemporalResidual(o.channels, o.stride))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    auto y = depthwise_(expand_->forward_activated(x, act_));
    y = project_->forward_activated(excite_(y), act_);
    return cpnas::add_into(y, residual_(x));
  }

 private:
  cpnas::Activation act_;
  int64_t inner_;
  cpnas::ConvBN expand_, depthwise_;
  SqueezeExcite excite_;
  cpnas::ConvBN project_;
  cpnas::TemporalResidual residual_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_BLOCK("v3", cpnas::block_factory<V3BlockImpl>))
