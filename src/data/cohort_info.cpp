#include "data/cohort_info.hpp"

#include <algorithm>
#include <cmath>

#include "data/layout.hpp"

namespace cpnas {

CohortInfo cohort_info(const Cohort& cohort) {
  CohortInfo info;
  info.layout = cohort.layout;
  info.fps = cohort.fps;
  info.recordings = cohort.size();
  for (int64_t i = 0; i < cohort.size(); ++i) ++info.counts[cohort.splits[i]][cohort.labels[i]];
  std::vector<double> seconds;
  for (const int32_t length : cohort.lengths) seconds.push_back(length / cohort.fps);
  std::sort(seconds.begin(), seconds.end());
  if (!seconds.empty()) {
    const size_t n = seconds.size();
    info.min_seconds = seconds.front();
    info.max_seconds = seconds.back();
    info.median_seconds = n % 2 ? seconds[n / 2] : (seconds[n / 2 - 1] + seconds[n / 2]) / 2;
  }
  const int64_t v = cohort.joints;
  std::vector<int64_t> missing(v, 0);
  int64_t frames = 0;
  for (int64_t i = 0; i < cohort.size(); ++i) {
    const float* r = cohort.recording(i);
    for (int64_t t = 0; t < cohort.lengths[i]; ++t) {
      for (int64_t j = 0; j < v; ++j) missing[j] += std::isnan(r[(t * v + j) * 2]);
    }
    frames += cohort.lengths[i];
  }
  const Skeleton& layout = find_layout(cohort.layout);
  for (int64_t j = 0; j < v; ++j) {
    info.missing.emplace_back(layout.joints[j],
                              frames > 0 ? static_cast<double>(missing[j]) / frames : 0.0);
  }
  return info;
}

}  // namespace cpnas
