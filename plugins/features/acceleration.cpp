// acceleration A: the velocity low-pass filtered forward and backward (Butterworth order 8 at half
// the Nyquist frequency, as scipy's sosfiltfilt with odd padding of 27), then differenced like
// the velocity: channels 0-1 f[t+1] - f[t], channels 2-3 (f[t+2] - f[t]) / 2; last two frames 0.
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
    // Filter each (channel, joint) series over time; channels 0-1 and 2-3 become the x, y pairs
    // that motion_differences expects as [T, V, 2] positions.
    std::vector<double> series(frames), filtered;
    std::vector<float> smooth_first(plane * 2), smooth_second(plane * 2);
    for (int64_t c = 0; c < 4; ++c) {
      std::vector<float>& target = c < 2 ? smooth_first : smooth_second;
      for (int64_t v = 0; v < joints; ++v) {
        for (int64_t t = 0; t < frames; ++t) series[t] = velocity[c * plane + t * joints + v];
        filtered = filter_.filtfilt(series);
        for (int64_t t = 0; t < frames; ++t) {
          target[(t * joints + v) * 2 + (c % 2)] = static_cast<float>(filtered[t]);
        }
      }
    }
    std::vector<float> first(4 * plane), second(4 * plane);
    cpnas::motion_differences(smooth_first.data(), frames, joints, first.data());
    cpnas::motion_differences(smooth_second.data(), frames, joints, second.data());
    std::copy(first.begin(), first.begin() + 2 * plane, out);
    std::copy(second.begin() + 2 * plane, second.end(), out + 2 * plane);
  }

 private:
  cpnas::SosFilter filter_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_FEATURE("acceleration", cpnas::feature_factory<AccelerationFeature>))
