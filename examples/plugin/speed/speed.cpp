// speed: how fast each joint moves, as four channels per frame and joint: the speed |v| (frame
// differences of the position, in trunk lengths per frame), its square, its log1p (which spreads
// the many small fidgety movements), and the change of speed. Missing joints (0, 0) read as 0.
#include <cmath>

#include <cpnas/plugin.hpp>

namespace {

class SpeedFeature : public cpnas::Feature {
 public:
  explicit SpeedFeature(const cpnas::Skeleton&) {}

  void compute(const float* xy, int64_t frames, int64_t joints, float* out) const override {
    const int64_t plane = frames * joints;
    for (int64_t t = 0; t < frames; ++t) {
      for (int64_t j = 0; j < joints; ++j) {
        const float s = speed(xy, t, j, joints);
        const float before = t > 0 ? speed(xy, t - 1, j, joints) : s;
        const int64_t i = t * joints + j;
        out[i] = s;
        out[plane + i] = s * s;
        out[2 * plane + i] = std::log1p(s);
        out[3 * plane + i] = s - before;
      }
    }
  }

 private:
  // Backward difference, 0 at the first frame and wherever either end is a missing joint.
  static float speed(const float* xy, int64_t t, int64_t j, int64_t joints) {
    if (t == 0) return 0.0f;
    const float* now = xy + (t * joints + j) * 2;
    const float* prev = xy + ((t - 1) * joints + j) * 2;
    const bool missing = (now[0] == 0 && now[1] == 0) || (prev[0] == 0 && prev[1] == 0);
    return missing ? 0.0f : std::hypot(now[0] - prev[0], now[1] - prev[1]);
  }
};

}  // namespace

CPNAS_PLUGIN(CPNAS_FEATURE("speed", cpnas::feature_factory<SpeedFeature>))
