// A well-formed plugin: one block and one feature through the SDK macro.
#include "cpnas/plugin.hpp"

namespace {

class ScaleBlockImpl : public cpnas::Block {
 public:
  explicit ScaleBlockImpl(const cpnas::BlockOptions& o) : stride_(o.stride) {
    scale_ = register_parameter("scale", torch::full({1}, 2.0));
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    using torch::indexing::Slice;
    return x.index(
               {Slice(), Slice(), Slice(torch::indexing::None, torch::indexing::None, stride_)}) *
           scale_;
  }

 private:
  int64_t stride_;
  torch::Tensor scale_;
};

class JointIndexFeature : public cpnas::Feature {
 public:
  explicit JointIndexFeature(const cpnas::Skeleton& s) : centre_(s.centre) {}
  void compute(const float*, int64_t frames, int64_t joints, float* out) const override {
    for (int64_t i = 0; i < cpnas::kFeatureChannels * frames * joints; ++i) {
      out[i] = static_cast<float>(i % joints == centre_);
    }
  }

 private:
  int centre_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_BLOCK("test_scale", cpnas::block_factory<ScaleBlockImpl>),
             CPNAS_FEATURE("test_centre", cpnas::feature_factory<JointIndexFeature>))
