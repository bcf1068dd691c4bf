// position P: x, y, and x, y relative to the layout's centre joint.
#include "cpnas/plugin.hpp"

namespace {

class PositionFeature : public cpnas::Feature {
 public:
  explicit PositionFeature(const cpnas::Skeleton& s) : centre_(s.centre) {}

  void compute(const float* xy, int64_t frames, int64_t joints, float* out) const override {
    const int64_t plane = frames * joints;
    for (int64_t t = 0; t < frames; ++t) {
      const float* row = xy + t * joints * 2;
      for (int64_t v = 0; v < joints; ++v) {
        const int64_t at = t * joints + v;
        out[at] = row[2 * v];
        out[plane + at] = row[2 * v + 1];
        out[2 * plane + at] = row[2 * v] - row[2 * centre_];
        out[3 * plane + at] = row[2 * v + 1] - row[2 * centre_ + 1];
      }
    }
  }

 private:
  int centre_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_FEATURE("position", cpnas::feature_factory<PositionFeature>))
