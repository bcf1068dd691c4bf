#include "data/training_windows.hpp"

#include <algorithm>
#include <cmath>

namespace cpnas {
namespace {

// A value lo, lo + step, ..., hi chosen uniformly.
double step_choice(std::mt19937_64& rng, double lo, double hi, double step) {
  const auto count = static_cast<int64_t>(std::llround((hi - lo) / step)) + 1;
  return lo + step * std::uniform_int_distribution<int64_t>(0, count - 1)(rng);
}

}  // namespace

std::vector<TrainingWindow> training_epoch(const Cohort& cohort,
                                           const std::vector<int64_t>& recordings,
                                           std::mt19937_64& rng) {
  std::vector<TrainingWindow> out;
  for (int64_t i : recordings) {
    if (cohort.labels[i] < 0) continue;  // unknown outcome: nothing to learn from
    const int parts = cohort.labels[i] == 1 ? kPartsCp : kPartsTypical;
    const int64_t length = cohort.lengths[i];
    const int64_t last_start = std::max<int64_t>(0, length - kWindowFrames);
    for (int p = 0; p < parts; ++p) {
      const int64_t begin = length * p / parts;
      const int64_t end = std::max(begin + 1, length * (p + 1) / parts);
      const int64_t start =
          std::min(last_start, std::uniform_int_distribution<int64_t>(begin, end - 1)(rng));
      TrainingWindow w;
      w.window = {i, start};
      w.label = cohort.labels[i];
      w.augmentation.rotation_deg = step_choice(rng, -60, 60, 10);
      w.augmentation.scale = step_choice(rng, 0.7, 1.3, 0.1);
      w.augmentation.dx = step_choice(rng, -0.4, 0.4, 0.1);
      w.augmentation.dy = step_choice(rng, -0.4, 0.4, 0.1);
      out.push_back(w);
    }
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

void training_positions(const Cohort& cohort, const TrainingWindow& w, float* xy) {
  window_positions(cohort, w.window.recording, w.window.start, xy);
  const double angle = w.augmentation.rotation_deg * 3.14159265358979323846 / 180.0;
  const float c = static_cast<float>(std::cos(angle) * w.augmentation.scale);
  const float s = static_cast<float>(std::sin(angle) * w.augmentation.scale);
  const float dx = static_cast<float>(w.augmentation.dx),
              dy = static_cast<float>(w.augmentation.dy);
  const int64_t joints = kWindowFrames * cohort.joints;
  const float* source = cohort.recording(w.window.recording);
  const int64_t length = cohort.lengths[w.window.recording];
  for (int64_t k = 0; k < joints; ++k) {
    // Missing joints (and frames past the end) stay at 0 rather than being moved.
    const int64_t frame = w.window.start + k / cohort.joints;
    if (frame >= length || std::isnan(source[(w.window.start * cohort.joints + k) * 2])) continue;
    const float x = xy[2 * k], y = xy[2 * k + 1];
    xy[2 * k] = c * x - s * y + dx;
    xy[2 * k + 1] = s * x + c * y + dy;
  }
}

}  // namespace cpnas
