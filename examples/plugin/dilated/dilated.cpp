// dilated: a multi-scale temporal block that is not among the built-ins. Two k x 1 temporal
// convolutions over the same input, one with dilation 1 and one with dilation 2 (twice the
// temporal reach for the same parameters), each C -> C/2 with BN; concatenated, activated, plus
// the residual.
#include <cpnas/layers.hpp>
#include <cpnas/plugin.hpp>

namespace {

torch::nn::Conv2dOptions dilated_conv(const cpnas::BlockOptions& o, int64_t out, int64_t dilation) {
  return cpnas::temporal_conv(o.channels, out, o.window, o.stride)
      .dilation({dilation, 1})
      .padding({dilation * (o.window - 1) / 2, 0});
}

class DilatedBlockImpl : public cpnas::Block {
 public:
  explicit DilatedBlockImpl(const cpnas::BlockOptions& o)
      : act_(o.activation),
        near_(register_module("near", cpnas::ConvBN(dilated_conv(o, o.channels / 2, 1)))),
        far_(
            register_module("far", cpnas::ConvBN(dilated_conv(o, o.channels - o.channels / 2, 2)))),
        residual_(register_module("residual", cpnas::TemporalResidual(o.channels, o.stride))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    return cpnas::activate(act_, torch::cat({near_(x), far_(x)}, 1)) + residual_(x);
  }

 private:
  cpnas::Activation act_;
  cpnas::ConvBN near_, far_;
  cpnas::TemporalResidual residual_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_BLOCK("dilated", cpnas::block_factory<DilatedBlockImpl>))
