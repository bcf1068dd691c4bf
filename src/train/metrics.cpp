#include "train/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>

#include <boost/math/distributions/beta.hpp>

#include "io/error.hpp"

namespace cpnas {
namespace {

double weight_of(const std::vector<double>& weights, size_t i) {
  return weights.empty() ? 1.0 : weights[i];
}

double ratio(double a, double b) {
  return b > 0 ? a / b : std::nan("");
}

// Sorting or grouping NaN scores is undefined (NaN == NaN is false): refuse them first.
void require_finite(const std::vector<double>& scores) {
  for (double s : scores) {
    if (!std::isfinite(s)) throw Error("a score is " + std::to_string(s) + ", not a finite number");
  }
}

}  // namespace

std::pair<double, double> clopper_pearson(int64_t x, int64_t n, double confidence) {
  if (n <= 0) return {std::nan(""), std::nan("")};
  const double alpha = 1 - confidence;
  using boost::math::beta_distribution;
  const double low = x == 0 ? 0.0
                            : quantile(beta_distribution<double>(static_cast<double>(x),
                                                                 static_cast<double>(n - x + 1)),
                                       alpha / 2);
  const double high = x == n ? 1.0
                             : quantile(beta_distribution<double>(static_cast<double>(x + 1),
                                                                  static_cast<double>(n - x)),
                                        1 - alpha / 2);
  return {low, high};
}

double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels,
               const std::vector<double>& weights) {
  require_finite(scores);
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double positive = 0, negative = 0, below = 0, area = 0;
  for (size_t begin = 0; begin < order.size();) {
    size_t end = begin;
    double tied_positive = 0, tied_negative = 0;
    while (end < order.size() && scores[order[end]] == scores[order[begin]]) {
      (labels[order[end]] == 1 ? tied_positive : tied_negative) += weight_of(weights, order[end]);
      ++end;
    }
    // Positives of this score beat every lower negative and tie with the equal ones.
    area += tied_positive * (below + 0.5 * tied_negative);
    below += tied_negative;
    positive += tied_positive;
    negative += tied_negative;
    begin = end;
  }
  return positive > 0 && negative > 0 ? area / (positive * negative) : std::nan("");
}

double youden_threshold(const std::vector<double>& scores, const std::vector<int>& labels,
                        const std::vector<double>& weights) {
  require_finite(scores);
  std::vector<double> candidates(scores);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  double best = 0.5, best_j = -2;
  for (double t : candidates) {
    const auto m = binary_metrics(scores, labels, t, weights);
    const double j = m.sensitivity + m.specificity - 1;
    if (j > best_j) best_j = j, best = t;
  }
  return best;
}

std::vector<RocPoint> roc_curve(const std::vector<double>& scores, const std::vector<int>& labels) {
  require_finite(scores);
  std::vector<double> thresholds(scores);
  std::sort(thresholds.begin(), thresholds.end(), std::greater<>());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  std::vector<RocPoint> curve{{std::numeric_limits<double>::infinity(), 0.0, 0.0}};
  for (double t : thresholds) {
    const auto m = binary_metrics(scores, labels, t);
    curve.push_back({t, 1 - m.specificity, m.sensitivity});
  }
  return curve;
}

BinaryMetrics binary_metrics(const std::vector<double>& scores, const std::vector<int>& labels,
                             double threshold, const std::vector<double>& weights) {
  BinaryMetrics m;
  m.threshold = threshold;
  m.auc = roc_auc(scores, labels, weights);
  double tp = 0, fp = 0, tn = 0, fn = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    const bool predicted = scores[i] >= threshold, actual = labels[i] == 1;
    const double w = weight_of(weights, i);
    if (predicted && actual) tp += w, ++m.tp;
    if (predicted && !actual) fp += w, ++m.fp;
    if (!predicted && !actual) tn += w, ++m.tn;
    if (!predicted && actual) fn += w, ++m.fn;
  }
  m.sensitivity = ratio(tp, tp + fn);
  m.specificity = ratio(tn, tn + fp);
  m.accuracy = ratio(tp + tn, tp + tn + fp + fn);
  m.ppv = ratio(tp, tp + fp);
  m.npv = ratio(tn, tn + fn);
  m.f1 = ratio(2 * tp, 2 * tp + fp + fn);
  m.balanced_accuracy = (m.sensitivity + m.specificity) / 2;
  m.sensitivity_ci = clopper_pearson(m.tp, m.tp + m.fn);
  m.specificity_ci = clopper_pearson(m.tn, m.tn + m.fp);
  m.accuracy_ci = clopper_pearson(m.tp + m.tn, m.tp + m.tn + m.fp + m.fn);
  return m;
}

double subject_score(std::vector<double> s, bool use_mean) {
  double score;
  if (use_mean) {
    score = std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
  } else {
    std::sort(s.begin(), s.end());
    const size_t mid = s.size() / 2;
    score = s.size() % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }
  return std::clamp(score, 0.0, 1.0);
}

ClinicalMetrics clinical_metrics(const std::vector<WindowScore>& windows,
                                 std::optional<double> threshold, bool use_mean) {
  std::map<std::string, std::vector<size_t>> by_recording;
  for (size_t i = 0; i < windows.size(); ++i) {
    const WindowScore& w = windows[i];
    if (!std::isfinite(w.score)) {
      throw Error("recording '" + w.recording + "': the window at frame " +
                  std::to_string(w.start) + " scored " + std::to_string(w.score));
    }
    by_recording[w.recording].push_back(i);
  }
  if (by_recording.empty()) throw Error("no scores");

  std::vector<double> subject_scores, window_scores, window_weights;
  std::vector<int> subject_labels, window_labels;
  const double recordings = static_cast<double>(by_recording.size());
  for (const auto& [id, members] : by_recording) {
    std::vector<double> s;
    for (size_t i : members) {
      if (windows[i].label != windows[members[0]].label) {
        throw Error("recording '" + id + "' has windows with different labels");
      }
      s.push_back(windows[i].score);
      window_scores.push_back(windows[i].score);
      window_labels.push_back(windows[i].label);
      window_weights.push_back(1.0 / (static_cast<double>(members.size()) * recordings));
    }
    subject_scores.push_back(subject_score(std::move(s), use_mean));
    subject_labels.push_back(windows[members[0]].label);
  }
  ClinicalMetrics out;
  out.subject_scores = subject_scores;
  out.subject_labels = subject_labels;
  out.subject =
      binary_metrics(subject_scores, subject_labels,
                     threshold ? *threshold : youden_threshold(subject_scores, subject_labels));
  out.window = binary_metrics(
      window_scores, window_labels,
      threshold ? *threshold : youden_threshold(window_scores, window_labels, window_weights),
      window_weights);
  return out;
}

}  // namespace cpnas
