#pragma once
// The HTML report of a search (issue 9): one self-contained page (inline CSS and SVG, no script,
// no network) from whatever the run directory holds so far.

#include <optional>
#include <string>
#include <vector>

#include "data/cohort_info.hpp"
#include "io/job.hpp"
#include "search/history.hpp"
#include "search/space.hpp"
#include "train/metrics.hpp"

namespace cpnas {

/// A model file evaluated on a cohort split, for the report's last section.
struct ReportEvaluation {
  std::string model, cohort, split;
  ClinicalMetrics metrics;
};

/// The page: progress, the data (when the job's cohort could be read), validation AUC per
/// student, the policy per key, the top students, the argmax students, and the evaluation when
/// given.
std::string search_report_html(const std::string& run_dir, const SearchState& state,
                               const SearchSpace& space, const Job& job,
                               const std::optional<ReportEvaluation>& evaluation,
                               const std::optional<CohortInfo>& data = std::nullopt);

}  // namespace cpnas
