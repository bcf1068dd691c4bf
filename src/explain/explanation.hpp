#pragma once
// A recording's explanation: its windows attributed (explain/attribution.hpp) and laid onto the
// recording's own timeline, then summarised per joint, body part and second for a clinician.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "cpnas/skeleton.hpp"
#include "data/cohort.hpp"
#include "data/feature_set.hpp"
#include "data/windows.hpp"
#include "explain/attribution.hpp"
#include "model/student.hpp"

namespace cpnas {

struct ExplainOptions {
  AttributionOptions attribution;
  Windowing windowing;
  double threshold = 0.5;  ///< the model's decision threshold on the risk score
};

/// One second of a recording that weighed towards CP.
struct Moment {
  int64_t second = 0;    ///< from the recording's start
  double relevance = 0;  ///< share of the recording's relevance in this second
  int joint = 0;         ///< the joint with the most relevance in it
};

/// Where a recording's evidence for CP lies. Relevance is the positive part of the attribution
/// (evidence for CP), as shares of the recording's total: joints, parts and seconds each sum to 1
/// (all 0 when nothing pointed to CP).
struct RelevanceSummary {
  std::vector<double> joint;    ///< [V]
  std::vector<double> part;     ///< [layout parts]
  std::vector<double> second;   ///< [ceil(frames / fps)]
  std::vector<Moment> moments;  ///< the most relevant seconds, most relevant first (at most 5)
};

/// Summarises `attribution` [frames, V] (double) of a recording at `fps` frames per second.
RelevanceSummary summarise_relevance(const torch::Tensor& attribution, const Skeleton& layout,
                                     double fps, size_t moments = 5);

struct RecordingExplanation {
  std::string id;
  int label = -1;   ///< 1 CP, 0 no CP, -1 unknown
  double risk = 0;  ///< median window score, as `cpnas predict`
  bool elevated = false;
  std::vector<int64_t> window_starts;
  std::vector<double> window_scores;  ///< probability of CP per window
  torch::Tensor attribution;  ///< [frames, V] double, mean over the windows covering a frame
  RelevanceSummary relevance;
  /// Integrated gradients: sum over windows of |sum of attributions - (f(x) - f(baseline))|,
  /// divided by the sum of |f(x) - f(baseline)|; NaN for the other methods.
  double completeness_error = 0;
  std::vector<float> median_pose;  ///< [V, 2]; NaN for a joint never observed
};

/// The mean pose of recording `index`, held still for `frames` frames: integrated gradients'
/// baseline (no motion), as features [F, 4, frames, V].
torch::Tensor still_baseline(const Cohort& cohort, int64_t index, const FeatureSet& features,
                             int64_t frames);

/// Explains recording `index` with `student` (on its device).
RecordingExplanation explain_recording(StudentImpl& student, const Cohort& cohort, int64_t index,
                                       const FeatureSet& features, const Skeleton& layout,
                                       const ExplainOptions& options);

}  // namespace cpnas
