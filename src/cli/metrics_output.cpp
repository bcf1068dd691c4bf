#include "cli/metrics_output.hpp"

#include <cmath>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/error.hpp"

namespace cpnas::cli {
namespace {

nlohmann::json to_json(const BinaryMetrics& m) {
  auto number = [](double v) {
    return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
  };
  auto pair = [&](const std::pair<double, double>& p) {
    return nlohmann::json::array({number(p.first), number(p.second)});
  };
  return {{"threshold", m.threshold},
          {"auc", number(m.auc)},
          {"sensitivity", number(m.sensitivity)},
          {"specificity", number(m.specificity)},
          {"accuracy", number(m.accuracy)},
          {"ppv", number(m.ppv)},
          {"npv", number(m.npv)},
          {"f1", number(m.f1)},
          {"balanced_accuracy", number(m.balanced_accuracy)},
          {"tp", m.tp},
          {"fp", m.fp},
          {"tn", m.tn},
          {"fn", m.fn},
          {"sensitivity_ci", pair(m.sensitivity_ci)},
          {"specificity_ci", pair(m.specificity_ci)},
          {"accuracy_ci", pair(m.accuracy_ci)}};
}

void print_table(const char* level, const BinaryMetrics& m) {
  auto pct = [](double v) { return 100 * v; };
  std::cout << fmt::format(
      "{} (threshold {:.3f}): AUC {:.3f}\n"
      "  sensitivity {:.1f} % ({:.1f}-{:.1f}), specificity {:.1f} % ({:.1f}-{:.1f}), "
      "accuracy {:.1f} % ({:.1f}-{:.1f})\n"
      "  PPV {:.1f} %, NPV {:.1f} %, F1 {:.3f}, balanced accuracy {:.1f} %\n"
      "  TP {}, FP {}, TN {}, FN {}\n",
      level, m.threshold, m.auc, pct(m.sensitivity), pct(m.sensitivity_ci.first),
      pct(m.sensitivity_ci.second), pct(m.specificity), pct(m.specificity_ci.first),
      pct(m.specificity_ci.second), pct(m.accuracy), pct(m.accuracy_ci.first),
      pct(m.accuracy_ci.second), pct(m.ppv), pct(m.npv), m.f1, pct(m.balanced_accuracy), m.tp, m.fp,
      m.tn, m.fn);
}

}  // namespace

std::optional<double> parse_threshold(const std::string& text,
                                      std::optional<double> model_threshold) {
  if (text == "auto") return std::nullopt;
  if (text == "model") {
    if (!model_threshold) throw UsageError("--threshold model needs a model file");
    return model_threshold;
  }
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value)) {
    throw UsageError("--threshold '" + text + "': expected a number, auto or model");
  }
  if (value < 0 || value > 1) {
    throw UsageError("--threshold " + text + ": a score threshold must be in [0, 1]");
  }
  return value;
}

void print_metrics(const ClinicalMetrics& m, bool json) {
  if (json) {
    std::cout
        << nlohmann::json{{"subject", to_json(m.subject)}, {"window", to_json(m.window)}}.dump(2)
        << "\n";
  } else {
    print_table("subject", m.subject);
    print_table("window", m.window);
  }
}

}  // namespace cpnas::cli
