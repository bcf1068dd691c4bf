// basic: k x 1 conv (stride s) C -> C, BN, act; out = that + residual.
#include "cpnas/layers.hpp"
#include "cpnas/plugin.hpp"

namespace {

class BasicBlockImpl : public cpnas::Block {
 public:
  explicit BasicBlockImpl(const cpnas::BlockOptions& o)
      : act_(o.activation),
        conv_(register_module("conv", cpnas::ConvBN(cpnas::temporal_conv(o.channels, o.channels,
                                                                         o.window, o.stride)))),
        residual_(register_module("residual", cpnas::TemporalResidual(o.channels, o.stride))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    return cpnas::add_into(cpnas::activate_(act_, conv_(x)), residual_(x));
  }

 private:
  cpnas::Activation act_;
  cpnas::ConvBN conv_;
  cpnas::TemporalResidual residual_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_BLOCK("basic", cpnas::block_factory<BasicBlockImpl>))
