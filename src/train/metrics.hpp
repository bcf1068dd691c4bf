#pragma once
// Clinical metrics of a binary classifier: AUC, confusion-matrix rates and exact intervals, at
// the level of windows and of subjects (recordings).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cpnas {

/// Exact (Clopper-Pearson) two-sided interval for a proportion of `successes` in `trials`.
std::pair<double, double> clopper_pearson(int64_t successes, int64_t trials,
                                          double confidence = 0.95);

/// Area under the ROC curve; ties count half; `weights` empty means 1 each. NaN without both
/// classes.
double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels,
               const std::vector<double>& weights = {});

/// The threshold maximising sensitivity + specificity (Youden's J); a score at or above it is
/// positive.
double youden_threshold(const std::vector<double>& scores, const std::vector<int>& labels,
                        const std::vector<double>& weights = {});

struct RocPoint {
  double threshold, false_positive_rate, true_positive_rate;
};

/// The ROC curve: one point per distinct score (descending thresholds), from (0, 0) to (1, 1).
std::vector<RocPoint> roc_curve(const std::vector<double>& scores, const std::vector<int>& labels);

struct BinaryMetrics {
  double threshold = 0.5;
  double auc = 0, sensitivity = 0, specificity = 0, accuracy = 0, ppv = 0, npv = 0, f1 = 0,
         balanced_accuracy = 0;
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  std::pair<double, double> sensitivity_ci, specificity_ci, accuracy_ci;
};

/// Metrics at `threshold`. With weights, AUC and rates are weighted; counts and intervals are
/// those of the unweighted items.
BinaryMetrics binary_metrics(const std::vector<double>& scores, const std::vector<int>& labels,
                             double threshold, const std::vector<double>& weights = {});

struct WindowScore {
  std::string recording;
  int label = 0;
  double score = 0;
  int64_t start = 0;  ///< first frame of the window
};

/// A recording's score from its window scores: the median (or mean), clipped to [0, 1].
double subject_score(std::vector<double> window_scores, bool use_mean = false);

struct ClinicalMetrics {
  BinaryMetrics subject, window;
  std::vector<double> subject_scores;  ///< per recording, in id order
  std::vector<int> subject_labels;
};

/// Subject level: a recording's score is the median (or mean) of its window scores, clipped to
/// [0, 1]. Window level: each window weighs 1 / (windows of its recording x recordings). The
/// threshold is the given one, or Youden-optimal at each level when `threshold` is empty.
/// Throws cpnas::Error when a recording's windows disagree on the label.
ClinicalMetrics clinical_metrics(const std::vector<WindowScore>& windows,
                                 std::optional<double> threshold, bool use_mean = false);

}  // namespace cpnas
