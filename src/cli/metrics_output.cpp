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

// A percentage with its interval, or "n/a (<why>)" where the metric is undefined (NaN).
std::string percent(double v, const std::string& why, std::pair<double, double> ci = {NAN, NAN}) {
  if (std::isnan(v)) return "n/a (" + why + ")";
  if (std::isnan(ci.first)) return fmt::format("{:.1f} %", 100 * v);
  return fmt::format("{:.1f} % ({:.1f}-{:.1f})", 100 * v, 100 * ci.first, 100 * ci.second);
}

std::string fixed3(double v, const std::string& why) {
  return std::isnan(v) ? "n/a (" + why + ")" : fmt::format("{:.3f}", v);
}

void print_table(const char* level, const BinaryMetrics& m) {
  const std::string one_class = "needs CP and non-CP cases";
  std::cout << fmt::format(
      "{} (threshold {:.3f}): AUC {}\n"
      "  sensitivity {}, specificity {}, accuracy {}\n"
      "  PPV {}, NPV {}, F1 {}, balanced accuracy {}\n"
      "  TP {}, FP {}, TN {}, FN {}\n",
      level, m.threshold, fixed3(m.auc, one_class),
      percent(m.sensitivity, "no CP cases", m.sensitivity_ci),
      percent(m.specificity, "no non-CP cases", m.specificity_ci),
      percent(m.accuracy, "no cases", m.accuracy_ci), percent(m.ppv, "nothing predicted CP"),
      percent(m.npv, "nothing predicted non-CP"), fixed3(m.f1, "no CP cases, none predicted"),
      percent(m.balanced_accuracy, one_class), m.tp, m.fp, m.tn, m.fn);
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
