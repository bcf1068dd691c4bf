#include "explain/explanation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "data/batches.hpp"
#include "data/preprocess.hpp"
#include "train/device.hpp"
#include "train/metrics.hpp"

namespace cpnas {
namespace {

// Per joint, the median of its observed x and of its observed y.
std::vector<float> median_pose(const Cohort& cohort, int64_t index) {
  const int64_t v = cohort.joints, length = cohort.lengths[index];
  const float* xy = cohort.recording(index);
  std::vector<float> pose(v * 2, NAN);
  std::vector<float> values;
  for (int64_t j = 0; j < v; ++j) {
    for (int64_t c = 0; c < 2; ++c) {
      values.clear();
      for (int64_t t = 0; t < length; ++t) {
        const float value = xy[(t * v + j) * 2 + c];
        if (!std::isnan(value)) values.push_back(value);
      }
      if (!values.empty()) pose[j * 2 + c] = median_of(values);
    }
  }
  return pose;
}

std::vector<double> shares(const torch::Tensor& values) {
  const torch::Tensor v = values.contiguous();
  const double total = v.sum().item<double>();
  std::vector<double> out(v.data_ptr<double>(), v.data_ptr<double>() + v.numel());
  for (auto& x : out) x = total > 0 ? x / total : 0.0;
  return out;
}

}  // namespace

RelevanceSummary summarise_relevance(const torch::Tensor& attribution, const Skeleton& layout,
                                     double fps, size_t moments) {
  const torch::Tensor evidence = attribution.to(torch::kDouble).clamp_min(0);  // [frames, V]
  const int64_t frames = evidence.size(0);
  RelevanceSummary s;
  s.joint = shares(evidence.sum(0));
  for (const auto& part : layout.parts) {
    double share = 0;
    for (int j : part) share += s.joint.at(static_cast<size_t>(j));
    s.part.push_back(share);
  }
  const auto seconds = static_cast<int64_t>(std::ceil(static_cast<double>(frames) / fps));
  std::vector<torch::Tensor> per_second;
  for (int64_t k = 0; k < seconds; ++k) {
    const auto from = static_cast<int64_t>(std::llround(static_cast<double>(k) * fps));
    const auto to = std::min(frames, static_cast<int64_t>(std::llround((k + 1.0) * fps)));
    per_second.push_back(evidence.slice(0, from, std::max(from, to)).sum(0));  // [V]
  }
  const torch::Tensor by_second = torch::stack(per_second);  // [seconds, V]
  s.second = shares(by_second.sum(1));
  std::vector<int64_t> order(static_cast<size_t>(seconds));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return s.second[a] > s.second[b]; });
  for (int64_t k : order) {
    if (s.moments.size() == moments || s.second[k] <= 0) break;
    s.moments.push_back({k, s.second[k], static_cast<int>(by_second[k].argmax().item<int64_t>())});
  }
  return s;
}

torch::Tensor still_baseline(const Cohort& cohort, int64_t index, const FeatureSet& features,
                             int64_t frames) {
  const int64_t v = cohort.joints, length = cohort.lengths[index];
  const float* xy = cohort.recording(index);
  std::vector<double> sum(v * 2, 0.0);
  std::vector<int64_t> seen(v, 0);
  for (int64_t t = 0; t < length; ++t) {
    for (int64_t j = 0; j < v; ++j) {
      if (std::isnan(xy[(t * v + j) * 2])) continue;
      sum[j * 2] += xy[(t * v + j) * 2];
      sum[j * 2 + 1] += xy[(t * v + j) * 2 + 1];
      ++seen[j];
    }
  }
  // A joint never observed is 0 in every window (window_positions), so it is 0 here too.
  std::vector<float> still(frames * v * 2, 0.0f);
  for (int64_t t = 0; t < frames; ++t) {
    for (int64_t j = 0; j < v; ++j) {
      for (int64_t c = 0; c < 2; ++c) {
        still[(t * v + j) * 2 + c] =
            seen[j] ? static_cast<float>(sum[j * 2 + c] / static_cast<double>(seen[j])) : 0.0f;
      }
    }
  }
  torch::Tensor out = torch::empty({features.size(), kFeatureChannels, frames, v});
  features.compute(still.data(), frames, v, out.data_ptr<float>());
  return out;
}

RecordingExplanation explain_recording(StudentImpl& student, const Cohort& cohort, int64_t index,
                                       const FeatureSet& features, const Skeleton& layout,
                                       const ExplainOptions& o) {
  const EvaluationSet set = evaluation_set(cohort, {index}, features, o.windowing);
  const torch::Device device = device_of(student);
  const int64_t frames = o.windowing.frames, windows = set.x.size(0);
  torch::Tensor baseline;
  if (o.attribution.method == ExplainMethod::integrated_gradients) {
    // One window moved to the device, then viewed as many: no copy per window.
    baseline = still_baseline(cohort, index, features, frames)
                   .to(device)
                   .unsqueeze(0)
                   .expand(set.x.sizes());
  }
  const WindowAttribution a = attribute_windows(student, set.x.to(device), baseline, o.attribution);

  RecordingExplanation e;
  e.id = cohort.ids[index];
  e.label = cohort.labels[index];
  const int64_t length = cohort.lengths[index];
  auto sum = torch::zeros({length, cohort.joints}, torch::kDouble);
  auto covered = torch::zeros({length, 1}, torch::kDouble);
  double gap = 0, change = 0;
  for (int64_t w = 0; w < windows; ++w) {
    const int64_t start = set.windows[w].start, end = std::min(length, start + frames);
    sum.slice(0, start, end) += a.map[w].slice(0, 0, end - start);
    covered.slice(0, start, end) += 1;
    e.window_starts.push_back(start);
    e.window_scores.push_back(1.0 / (1.0 + std::exp(-a.log_odds[w].item<double>())));
    if (a.baseline_log_odds.defined()) {
      const double delta = a.log_odds[w].item<double>() - a.baseline_log_odds[w].item<double>();
      gap += std::abs(a.map[w].sum().item<double>() - delta);
      change += std::abs(delta);
    }
  }
  e.attribution = sum / covered.clamp_min(1);
  e.completeness_error = a.baseline_log_odds.defined() ? gap / change : NAN;
  e.risk = subject_score(e.window_scores);
  e.elevated = e.risk >= o.threshold;
  e.relevance = summarise_relevance(e.attribution, layout, cohort.fps);
  e.median_pose = median_pose(cohort, index);
  return e;
}

}  // namespace cpnas
