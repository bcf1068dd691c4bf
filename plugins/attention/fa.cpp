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
    const int64_t n = x.size(0), t = x.size(2);
    if (x.is_contiguous(at::MemoryFormat::ChannelsLast)) {
      // Channels-last memory (the CPU's) holds each frame's joints and channels as one
      // contiguous run: both reductions, and in training the max's one-index gradient, run over
      // it without strides ([32, 64, 50, 29] forward and backward, fp32, one thread: 13.3 ->
      // 5.0 ms; bench/RESULTS.md).
      const auto frames = x.permute({0, 2, 3, 1}).reshape({n, t, -1});
      const auto max = x.requires_grad() ? std::get<0>(frames.max(2)) : frames.amax(2);
      return gate(frames.mean(2), max);
    }
    // Otherwise the max over joints, then over channels, with indices in training: their
    // backward scatters the gradient to the maxima, where amax's compares the whole input with
    // the result.
    auto max =
        x.requires_grad() ? std::get<0>(std::get<0>(x.max(3)).max(1)) : x.amax({1, 3});  // [N, T]
    return gate(x.mean({1, 3}), max);
  }

 private:
  // mean, max: [N, T] -> [N, 1, T, 1]
  torch::Tensor gate(const torch::Tensor& mean, const torch::Tensor& max) {
    return conv_(torch::stack({mean, max}, 1).unsqueeze(-1));
  }

  torch::nn::Conv2d conv_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_ATTENTION("fa", cpnas::attention_factory<FrameAttentionImpl>))
