// shuffle: i = floor(C / r): 1x1 C->i + BN; depthwise k x 1 stride s (groups i) + BN;
// 1x1 i->C + BN; out = act(that + residual).
#include "cpnas/layers.hpp"
#include "cpnas/plugin.hpp"

namespace {

class ShuffleBlockImpl : public cpnas::Block {
 public:
  explicit ShuffleBlockImpl(const cpnas::BlockOptions& o)
      : act_(o.activation),
        inner_(cpnas::reduced_channels(o.channels, o.reduct_ratio, "shuffle")),
        reduce_(
            register_module("reduce", cpnas::ConvBN(cpnas::pointwise_conv(o.channels, inner_)))),
        depthwise_(register_module("depthwise", cpnas::ConvBN(cpnas::temporal_conv(
                                                    inner_, inner_, o.window, o.stride, inner_)))),
        expand_(
            register_module("expand", cpnas::ConvBN(cpnas::pointwise_conv(inner_, o.channels)))),
        residual_(register_module("residual", cpnas::TemporalResidual(o.channels, o.stride))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    return cpnas::activate_(act_, cpnas::add_into(expand_(depthwise_(reduce_(x))), residual_(x)));
  }

 private:
  cpnas::Activation act_;
  int64_t inner_;
  cpnas::ConvBN reduce_, depthwise_, expand_;
  cpnas::TemporalResidual residual_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_BLOCK("shuffle", cpnas::block_factory<ShuffleBlockImpl>))
