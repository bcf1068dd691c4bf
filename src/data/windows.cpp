#include "data/windows.hpp"

#include <cmath>

namespace cpnas {

std::vector<int64_t> evaluation_starts(int64_t length, int64_t window, int64_t step) {
  std::vector<int64_t> starts{0};
  if (length <= window) return starts;
  while (starts.back() + step + window <= length) starts.push_back(starts.back() + step);
  if (starts.back() + window < length) starts.push_back(length - window);
  return starts;
}

void window_positions(const Cohort& cohort, int64_t index, int64_t start, float* xy,
                      int64_t frames) {
  const int64_t row = cohort.joints * 2;
  const int64_t length = cohort.lengths[index];
  const float* source = cohort.recording(index);
  for (int64_t t = 0; t < frames; ++t) {
    const int64_t frame = start + t;
    for (int64_t k = 0; k < row; ++k) {
      const float value = frame < length ? source[frame * row + k] : 0.0f;
      xy[t * row + k] = std::isnan(value) ? 0.0f : value;
    }
  }
}

}  // namespace cpnas
