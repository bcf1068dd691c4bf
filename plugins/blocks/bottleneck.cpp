// bottleneck: i = floor(C / r): 1x1 C->i + BN, act; k x 1 conv stride s i->i + BN, act;
// 1x1 i->C + BN; out = act(that + residual).
#include "cpnas/layers.hpp"
#include "cpnas/plugin.hpp"

namespace {

class BottleneckBlockImpl : public cpnas::Block {
 public:
  explicit BottleneckBlockImpl(const cpnas::BlockOptions& o)
      : act_(o.activation),
        inner_(cpnas::reduced_channels(o.channels, o.reduct_ratio, "bottleneck")),
        reduce_(
            register_module("reduce", cpnas::ConvBN(cpnas::pointwise_conv(o.channels, inner_)))),
        conv_(register_module(
            "conv", cpnas::ConvBN(cpnas::temporal_conv(inner_, inner_, o.window, o.stride)))),
        expand_(
            register_module("expand", cpnas::ConvBN(cpnas::pointwise_conv(inner_, o.channels)))),
        residual_(register_module("residual", cpnas::TemporalResidual(o.channels, o.stride))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    auto y = reduce_->forward_activated(x, act_);
    y = conv_->forward_activated(y, act_);
    return cpnas::activate_(act_, cpnas::add_into(expand_(y), residual_(x)));
  }

 private:
  cpnas::Activation act_;
  int64_t inner_;
  cpnas::ConvBN reduce_, conv_, expand_;
  cpnas::TemporalResidual residual_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_BLOCK("bottleneck", cpnas::block_factory<BottleneckBlockImpl>))
