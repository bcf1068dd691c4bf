#pragma once
// Scoring windows with a network: the probability of CP per evaluation window, on one rank or
// shared among several, never a NaN passed on as a decision.

#include <cstdint>
#include <string>
#include <vector>

#include "data/cohort.hpp"
#include "data/feature_set.hpp"
#include "data/windows.hpp"
#include "dist/collective.hpp"
#include "io/error.hpp"
#include "io/job.hpp"
#include "model/precision.hpp"
#include "model/student.hpp"
#include "train/metrics.hpp"

namespace cpnas {

struct ScoringOptions {
  Precision precision = Precision::fp32;
  Windowing windowing;
  int64_t batch = 64;
  Collective* group = nullptr;  ///< several ranks: each scores its share, all get every score
};

/// The network scored a window NaN or infinite (NaN weights, extreme input): never a decision.
class NonFiniteScore : public Error {
 public:
  using Error::Error;
};

/// A model's scoring: its job's [train] precision and [data] eval_window and eval_step.
ScoringOptions scoring_options(const Job& job);

/// Per-window probability of CP for the evaluation windows of `recordings`. Throws
/// NonFiniteScore naming the recording and window when a score is not finite.
std::vector<WindowScore> score_windows(StudentImpl& student, const Cohort& cohort,
                                       const std::vector<int64_t>& recordings,
                                       const FeatureSet& features, const ScoringOptions& options);

}  // namespace cpnas
