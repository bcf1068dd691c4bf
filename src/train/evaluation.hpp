#pragma once
// A model file scored on a cohort split: every evaluation window's score and the clinical
// metrics of the labelled recordings.

#include <optional>
#include <string>
#include <vector>

#include "data/cohort.hpp"
#include "model/model_file.hpp"
#include "plugin/registry.hpp"
#include "train/metrics.hpp"

namespace cpnas {

struct Evaluation {
  std::vector<WindowScore> windows;  ///< every window of the split, unlabelled ones included
  ClinicalMetrics metrics;           ///< of the labelled recordings
};

/// Throws cpnas::Error naming the cohort file when its layout is not the model's or the split
/// has no (labelled) recordings. `threshold` empty: Youden-optimal.
Evaluation evaluate_model(LoadedModel& model, const Cohort& cohort, const std::string& cohort_path,
                          const std::string& split, const PluginRegistry& plugins,
                          std::optional<double> threshold);

}  // namespace cpnas
