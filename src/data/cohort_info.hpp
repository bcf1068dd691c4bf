#pragma once
// What a user looks at first in a cohort: recordings per split and label, their lengths, the
// missing joints, frame rate and layout (`cpnas cohort info`, and the search report's data).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/cohort.hpp"

namespace cpnas {

struct CohortInfo {
  std::string layout;
  double fps = 0;
  int64_t recordings = 0;
  /// split -> label (1, 0, -1) -> recordings; every split and label present in the cohort.
  std::map<std::string, std::map<int, int64_t>> counts;
  double min_seconds = 0, median_seconds = 0, max_seconds = 0;
  /// Per joint (layout order): name and the share of its frames, within the recordings' lengths,
  /// that are missing.
  std::vector<std::pair<std::string, double>> missing;
};

CohortInfo cohort_info(const Cohort& cohort);

}  // namespace cpnas
