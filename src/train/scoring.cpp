#include "train/scoring.hpp"

#include <cmath>

#include "data/batches.hpp"
#include "model/eval_scope.hpp"
#include "train/device.hpp"

namespace cpnas {

ScoringOptions scoring_options(const Job& job) {
  ScoringOptions o;
  o.precision = parse_precision(job.get("train", "precision"));
  o.windowing = evaluation_windowing(job);
  return o;
}

std::vector<WindowScore> score_windows(StudentImpl& student, const Cohort& cohort,
                                       const std::vector<int64_t>& recordings,
                                       const FeatureSet& features, const ScoringOptions& o) {
  const EvaluationSet set = evaluation_set(cohort, recordings, features, o.windowing);
  Collective* group = o.group;
  const int64_t batch = o.batch;
  const torch::Device device = device_of(student);
  EvalScope eval(student);
  torch::NoGradGuard no_grad;
  const int64_t n = set.x.size(0);
  const int rank = group ? group->rank() : 0, ranks = group ? group->size() : 1;
  const int64_t first = n * rank / ranks, last = n * (rank + 1) / ranks;
  auto probability = torch::zeros({n}, torch::kDouble);
  for (int64_t begin = first; begin < last; begin += batch) {
    const int64_t end = std::min(last, begin + batch);
    torch::Tensor logits;
    {
      AutocastScope autocast(o.precision, device);
      logits = student.forward(set.x.slice(0, begin, end).to(device));
    }
    probability.slice(0, begin, end)
        .copy_(torch::softmax(logits.to(torch::kFloat), 1).select(1, 1).to(torch::kCPU));
  }
  if (ranks > 1) group->sum(probability);
  std::vector<WindowScore> scores;
  const auto* p = probability.data_ptr<double>();
  for (int64_t k = 0; k < n; ++k) {
    const auto& w = set.windows[k];
    if (!std::isfinite(p[k])) {
      throw NonFiniteScore("recording '" + cohort.ids[w.recording] + "': the network scored " +
                           "the window at frame " + std::to_string(w.start) + " " +
                           std::to_string(p[k]) + " (non-finite weights or input)");
    }
    scores.push_back({cohort.ids[w.recording], cohort.labels[w.recording], p[k], w.start});
  }
  return scores;
}

}  // namespace cpnas
