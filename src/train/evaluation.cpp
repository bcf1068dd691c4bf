#include "train/evaluation.hpp"

#include "data/feature_set.hpp"
#include "data/layout.hpp"
#include "io/error.hpp"
#include "train/scoring.hpp"

namespace cpnas {

Evaluation evaluate_model(LoadedModel& m, const Cohort& cohort, const std::string& path,
                          const std::string& split, const PluginRegistry& plugins,
                          std::optional<double> threshold) {
  if (cohort.layout != m.job.get("data", "layout")) {
    throw Error("cohort '" + path + "': layout " + cohort.layout + ", the model was trained on " +
                m.job.get("data", "layout"));
  }
  const auto recordings = cohort.indices(split);
  if (recordings.empty()) throw Error("cohort '" + path + "': no recordings in split " + split);
  const FeatureSet features(plugins, m.job.get_list("data", "features"),
                            find_layout(cohort.layout));
  Evaluation e;
  e.windows = score_windows(*m.student, cohort, recordings, features, scoring_options(m.job));
  std::vector<WindowScore> labelled;
  for (const auto& w : e.windows) {
    if (w.label >= 0) labelled.push_back(w);
  }
  if (labelled.empty()) throw Error("cohort '" + path + "': no labelled recordings in " + split);
  e.metrics = clinical_metrics(labelled, threshold);
  return e;
}

}  // namespace cpnas
