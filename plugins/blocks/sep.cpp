// sep: i = floor(C * e): 1x1 C->i + BN, act; depthwise k x 1 stride s + BN, act; 1x1 i->C + BN;
// out = that + residual.
#include "cpnas/layers.hpp"
#include "cpnas/plugin.hpp"

namespace {

class SepBlockImpl : public cpnas::Block {
 public:
  explicit SepBlockImpl(const cpnas::BlockOptions& o)
      : act_(o.activation),
        inner_(cpnas::expanded_channels(o.channels, o.expand_ratio, "sep")),
        expand_(
            register_module("expand", cpnas::ConvBN(cpnas::pointwise_conv(o.channels, inner_)))),
        depthwise_(register_module("depthwise", cpnas::ConvBN(cpnas::temporal_conv(
                                                    inner_, inner_, o.window, o.stride, inner_)))),
        project_(
            register_module("project", cpnas::ConvBN(cpnas::pointwise_conv(inner_, o.channels)))),
        residual_(register_module("residual", cpnas::TemporalResidual(o.channels, o.stride))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    auto y = expand_->forward_activated(x, act_);
    y = depthwise_->forward_activated(y, act_);
    return cpnas::add_into(project_(y), residual_(x));
  }

 private:
  cpnas::Activation act_;
  int64_t inner_;
  cpnas::ConvBN expand_, depthwise_, project_;
  cpnas::TemporalResidual residual_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_BLOCK("sep", cpnas::block_factory<SepBlockImpl>))
