#pragma once
// How the metrics and evaluate commands read a threshold and print metrics.

#include <optional>
#include <string>

#include "train/metrics.hpp"

namespace cpnas::cli {

/// "auto" -> nothing (Youden-optimal), "model" -> `model_threshold` (an error without a model),
/// else a number; throws UsageError otherwise.
std::optional<double> parse_threshold(const std::string& text,
                                      std::optional<double> model_threshold);

/// JSON {"subject": {...}, "window": {...}} or a readable summary, on stdout.
void print_metrics(const ClinicalMetrics& metrics, bool json);

}  // namespace cpnas::cli
