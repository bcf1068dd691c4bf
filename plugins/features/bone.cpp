// bone B: the bone vector to the parent joint (x, y) and its angles arccos(b_c / (|b| + 1e-4)).
#include <cmath>

#include "cpnas/plugin.hpp"

namespace {

class BoneFeature : public cpnas::Feature {
 public:
  explicit BoneFeature(const cpnas::Skeleton& s) : parents_(s.parents) {}

  void compute(const float* xy, int64_t frames, int64_t joints, float* out) const override {
    const int64_t plane = frames * joints;
    for (int64_t t = 0; t < frames; ++t) {
      const float* row = xy + t * joints * 2;
      for (int64_t v = 0; v < joints; ++v) {
        const int64_t at = t * joints + v;
        const float bx = row[2 * v] - row[2 * parents_[v]];
        const float by = row[2 * v + 1] - row[2 * parents_[v] + 1];
        const float norm = std::sqrt(bx * bx + by * by) + 1e-4f;
        out[at] = bx;
        out[plane + at] = by;
        out[2 * plane + at] = std::acos(bx / norm);
        out[3 * plane + at] = std::acos(by / norm);
      }
    }
  }

 private:
  std::vector<int> parents_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_FEATURE("bone", cpnas::feature_factory<BoneFeature>))
