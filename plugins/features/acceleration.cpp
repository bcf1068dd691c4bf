// acceleration A: the velocity low-pass filtered forward and backward (Butterworth order 8 at half
// the Nyquist frequency, as scipy's sosfiltfilt with odd padding of 27), then differenced like
// the velocity: channels 0-1 f[t+1] - f[t], channels 2-3 (f[t+2] - f[t]) / 2; last two frames 0.
#include <algorithm>
#include <vector>

#include "cpnas/butterworth.hpp"
#include "cpnas/motion.hpp"
#include "cpnas/plugin.hpp"

namespace {

class AccelerationFeature : public cpnas::Feature {
 public:
  explicit AccelerationFeature(const cpnas::Skeleton&)
      : filter_(cpnas::butterworth_lowpass(8, 0.5)) {}

  void compute(const float* xy, int64_t frames, int64_t joints, float* out) const override {
    const int64_t plane = frames * joints;
    std::vector<float> velocity(4 * plane);
    cpnas::motion_differences(xy, frames, joints, velocity.data());
    // Each channel plane is [T, V]: filter its V joint series over time side by side.
    for (int64_t c = 0; c < 4; ++c)
      filter_.filtfilt_columns(velocity.data() + c * plane, frames, joints);
    // Channels 0-1 and 2-3 of the filtered velocity, as [T, V, 2] trajectories to difference.
    std::vector<float> pairs(plane * 2), differences(4 * plane);
    for (int64_t half = 0; half < 2; ++half) {
      for (int64_t k = 0; k < plane; ++k) {
        pairs[k * 2] = velocity[(2 * half) * plane + k];
        pairs[k * 2 + 1] = velocity[(2 * half + 1) * plane + k];
      }
      cpnas::motion_differences(pairs.data(), frames, joints, differences.data());
      // The first half gives channels 0-1 (next-frame difference), the second 2-3 (two frames).
      std::copy(differences.begin() + 2 * half * plane,
                differences.begin() + (2 * half + 2) * plane, out + 2 * half * plane);
    }
  }

 private:
  cpnas::SosFilter filter_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_FEATURE("acceleration", cpnas::feature_factory<AccelerationFeature>))
