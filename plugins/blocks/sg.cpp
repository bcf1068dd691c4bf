// sg (sandglass): i = floor(C / r): depthwise k x 1 (stride 1) + BN, act; 1x1 C->i + BN;
// 1x1 i->C + BN, act; depthwise k x 1 stride s + BN; out = that + residual.
#include "cpnas/layers.hpp"
#include "cpnas/plugin.hpp"

namespace {

class SandglassBlockImpl : public cpnas::Block {
 public:
  explicit SandglassBlockImpl(const cpnas::BlockOptions& o)
      : act_(o.activation),
        inner_(cpnas::reduced_channels(o.channels, o.reduct_ratio, "sg")),
        depthwise_in_(register_module(
            "depthwise_in",
            cpnas::ConvBN(cpnas::temporal_conv(o.channels, o.channels, o.window, 1, o.channels)))),
        reduce_(
            register_module("reduce", cpnas::ConvBN(cpnas::pointwise_conv(o.channels, inner_)))),
        expand_(
            register_module("expand", cpnas::ConvBN(cpnas::pointwise_conv(inner_, o.channels)))),
        depthwise_out_(register_module(
            "depthwise_out", cpnas::ConvBN(cpnas::temporal_conv(o.channels, o.channels, o.window,
                                                                o.stride, o.channels)))),
        residual_(register_module("residual", cpnas::TemporalResidual(o.channels, o.stride))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    auto y = depthwise_in_->forward_activated(x, act_);
    y = expand_->forward_activated(reduce_(y), act_);
    return cpnas::add_into(depthwise_out_(y), residual_(x));
  }

 private:
  cpnas::Activation act_;
  int64_t inner_;
  cpnas::ConvBN depthwise_in_, reduce_, expand_, depthwise_out_;
  cpnas::TemporalResidual residual_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_BLOCK("sg", cpnas::block_factory<SandglassBlockImpl>))
