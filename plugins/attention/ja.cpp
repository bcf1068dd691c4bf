// ja (joint attention): pool each joint over channels and frames (joints as channels),
// 1x1 V->V/2 + BN + ReLU, 1x1 V/2->V, softmax over joints.
#include "cpnas/layers.hpp"
#include "cpnas/plugin.hpp"

namespace {

class JointAttentionImpl : public cpnas::Attention {
 public:
  explicit JointAttentionImpl(const cpnas::AttentionOptions& o)
      : joints_(o.skeleton.num_joints()),
        squeeze_(register_module("squeeze",
                                 cpnas::ConvBN(cpnas::pointwise_conv(
                                     joints_, cpnas::checked_inner_channels(joints_ / 2, "ja"))))),
        excite_(register_module("excite",
                                torch::nn::Conv2d(cpnas::pointwise_conv(joints_ / 2, joints_)))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    auto pooled = x.mean({1, 2}).view({x.size(0), joints_, 1, 1});  // [N, V, 1, 1]
    auto weights = torch::softmax(excite_(torch::relu(squeeze_(pooled))), 1);
    return weights.view({x.size(0), 1, 1, joints_});
  }

 private:
  int64_t joints_;
  cpnas::ConvBN squeeze_;
  torch::nn::Conv2d excite_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_ATTENTION("ja", cpnas::attention_factory<JointAttentionImpl>))
