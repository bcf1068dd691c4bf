// velocity V: channels 0-1 x[t+1] - x[t], channels 2-3 (x[t+2] - x[t]) / 2; last two frames 0.
#include "cpnas/motion.hpp"
#include "cpnas/plugin.hpp"

namespace {

class VelocityFeature : public cpnas::Feature {
 public:
  explicit VelocityFeature(const cpnas::Skeleton&) {}

  void compute(const float* xy, int64_t frames, int64_t joints, float* out) const override {
    cpnas::motion_differences(xy, frames, joints, out);
  }
};

}  // namespace

CPNAS_PLUGIN(CPNAS_FEATURE("velocity", cpnas::feature_factory<VelocityFeature>))
