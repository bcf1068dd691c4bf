// pa (part attention): global pool, 1x1 C->inner + BN + ReLU, 1x1 inner->C*P, softmax over the
// P body parts; each joint takes the weight of its part.
#include <cmath>
#include <stdexcept>

#include "cpnas/layers.hpp"
#include "cpnas/plugin.hpp"

namespace {

torch::Tensor part_of_joint(const cpnas::Skeleton& s) {
  auto index = torch::full({s.num_joints()}, -1, torch::kLong);
  for (size_t p = 0; p < s.parts.size(); ++p) {
    for (int joint : s.parts[p]) index[joint] = static_cast<int64_t>(p);
  }
  if ((index < 0).any().item<bool>()) {
    throw std::invalid_argument("pa: layout '" + s.name + "' has joints in no body part");
  }
  return index;
}

class PartAttentionImpl : public cpnas::Attention {
 public:
  explicit PartAttentionImpl(const cpnas::AttentionOptions& o)
      : channels_(o.channels),
        parts_(static_cast<int64_t>(o.skeleton.parts.size())),
        inner_(cpnas::reduced_channels(o.channels, o.reduct_ratio, "pa")),
        squeeze_(
            register_module("squeeze", cpnas::ConvBN(cpnas::pointwise_conv(o.channels, inner_)))),
        excite_(register_module(
            "excite", torch::nn::Conv2d(cpnas::pointwise_conv(inner_, o.channels * parts_)))),
        joint_part_(register_buffer("joint_part", part_of_joint(o.skeleton))) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    auto h = torch::relu(squeeze_(x.mean({2, 3}, /*keepdim=*/true)));
    auto weights = torch::softmax(excite_(h).view({x.size(0), channels_, parts_}), 2);
    return weights.index_select(2, joint_part_).unsqueeze(2);  // [N, C, 1, V]
  }

 private:
  int64_t channels_, parts_, inner_;
  cpnas::ConvBN squeeze_;
  torch::nn::Conv2d excite_;
  torch::Tensor joint_part_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_ATTENTION("pa", cpnas::attention_factory<PartAttentionImpl>))
