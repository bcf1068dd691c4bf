// stja: joint-pooled [N,C,T,1] and frame-pooled [N,C,V,1] stacked along time, 1x1 C->inner + BN +
// hardswish, split, two 1x1 inner->C convs with sigmoid; the gate is the product of both.
#include "cpnas/layers.hpp"
#include "cpnas/plugin.hpp"

namespace {

class SpatialTemporalJointAttentionImpl : public cpnas::Attention {
 public:
  explicit SpatialTemporalJointAttentionImpl(const cpnas::AttentionOptions& o)
      : inner_(cpnas::reduced_channels(o.channels, o.reduct_ratio, "stja")),
        shared_(
            register_module("shared", cpnas::ConvBN(cpnas::pointwise_conv(o.channels, inner_)))),
        frame_(
            register_module("frame", torch::nn::Conv2d(cpnas::pointwise_conv(inner_, o.channels)))),
        joint_(register_module("joint",
                               torch::nn::Conv2d(cpnas::pointwise_conv(inner_, o.channels)))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    const int64_t frames = x.size(2);
    auto per_frame = x.mean(3, /*keepdim=*/true);                  // [N, C, T, 1]
    auto per_joint = x.mean(2, /*keepdim=*/true).transpose(2, 3);  // [N, C, V, 1]
    auto h = torch::hardswish(shared_(torch::cat({per_frame, per_joint}, 2)));
    auto parts = h.split_with_sizes({frames, h.size(2) - frames}, 2);
    auto frame_gate = torch::sigmoid(frame_(parts[0]));
    auto joint_gate = torch::sigmoid(joint_(parts[1])).transpose(2, 3);
    return frame_gate * joint_gate;
  }

 private:
  int64_t inner_;
  cpnas::ConvBN shared_;
  torch::nn::Conv2d frame_, joint_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_ATTENTION("stja", cpnas::attention_factory<SpatialTemporalJointAttentionImpl>))
