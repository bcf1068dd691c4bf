#include "data/windows.hpp"

#include <algorithm>
#include <cmath>

#include "io/error.hpp"

namespace cpnas {

Windowing evaluation_windowing(const Job& job) {
  return {job.get_int("data", "eval_window"), job.get_int("data", "eval_step")};
}

std::vector<int64_t> evaluation_starts(int64_t length, int64_t window, int64_t step) {
  std::vector<int64_t> starts{0};
  if (length <= window) return starts;
  while (starts.back() + step + window <= length) starts.push_back(starts.back() + step);
  if (starts.back() + window < length) starts.push_back(length - window);
  return starts;
}

void require_whole_windows(const Cohort& cohort, int64_t frames, const std::string& where) {
  for (int64_t i = 0; i < cohort.size(); ++i) {
    if (cohort.lengths[i] >= frames) continue;
    throw Error(
        where + ": recording '" + cohort.ids[i] + "' has " + std::to_string(cohort.lengths[i]) +
        " frames at 30 Hz, shorter than one window of " + std::to_string(frames) + " frames");
  }
}

double missing_fraction(const Cohort& cohort, int64_t index, int64_t start, int64_t frames) {
  const int64_t row = cohort.joints * 2;
  const int64_t end = std::min<int64_t>(start + frames, cohort.lengths[index]);
  const float* x = cohort.recording(index);
  int64_t missing = (start + frames - end) * row;
  for (int64_t k = start * row; k < end * row; ++k) missing += std::isnan(x[k]);
  return static_cast<double>(missing) / static_cast<double>(frames * row);
}

std::vector<WindowRef> evaluation_windows(const Cohort& cohort,
                                          const std::vector<int64_t>& recordings,
                                          const Windowing& windowing, int64_t* dropped) {
  std::vector<WindowRef> windows;
  int64_t left_out = 0;
  for (int64_t i : recordings) {
    const auto starts = evaluation_starts(cohort.lengths[i], windowing.frames, windowing.step);
    int64_t best = starts.front();
    double best_missing = 2.0;
    size_t kept = 0;
    for (int64_t s : starts) {
      const double missing = missing_fraction(cohort, i, s, windowing.frames);
      if (missing < best_missing) best_missing = missing, best = s;
      if (missing <= kMaxMissingFraction) {
        windows.push_back({i, s});
        ++kept;
      }
    }
    if (kept == 0) windows.push_back({i, best});
    left_out +=
        static_cast<int64_t>(starts.size()) - static_cast<int64_t>(std::max<size_t>(kept, 1));
  }
  if (dropped) *dropped = left_out;
  return windows;
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
