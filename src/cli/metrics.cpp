// cpnas metrics: subject- and window-level clinical metrics of per-window scores.

#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "error.hpp"
#include "train/metrics.hpp"

namespace cpnas::cli {
namespace {

std::vector<WindowScore> read_scores(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("scores '" + path + "': cannot open");
  std::vector<WindowScore> rows;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (number == 1 && line.rfind("recording", 0) == 0)) continue;
    const std::string where = "scores '" + path + ":" + std::to_string(number) + "'";
    std::stringstream cells(line);
    std::string recording, label, score;
    if (!std::getline(cells, recording, ',') || !std::getline(cells, label, ',') ||
        !std::getline(cells, score)) {
      throw Error(where + ": expected recording,label,score");
    }
    if (label != "0" && label != "1") throw Error(where + ": label '" + label + "' must be 0 or 1");
    char* end = nullptr;
    const double value = std::strtod(score.c_str(), &end);
    if (score.empty() || *end != '\0' || !std::isfinite(value)) {
      throw Error(where + ": score '" + score + "' is not a finite number");
    }
    rows.push_back({recording, label == "1" ? 1 : 0, value});
  }
  if (rows.empty()) throw Error("scores '" + path + "': no rows");
  return rows;
}

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

int run_metrics(const std::vector<std::string>& args) {
  CommandLine cl("metrics --scores CSV [options]",
                 "Reads per-window scores (rows recording,label,score; label 1 CP, 0 not) and\n"
                 "prints subject-level metrics (a recording scores the median of its windows,\n"
                 "clipped to [0, 1]) and window-level metrics (each window weighs 1 / (windows of\n"
                 "its recording x recordings)), with exact Clopper-Pearson 95 % intervals.",
                 false);
  std::string scores, threshold = "0.5", aggregate = "median";
  cl.options().add_options()("scores", po::value(&scores)->required(), "scores CSV")(
      "threshold", po::value(&threshold)->default_value(threshold),
      "decision threshold, or 'auto' for the Youden-optimal one")(
      "aggregate", po::value(&aggregate)->default_value(aggregate), "median or mean");
  if (!cl.parse(args)) return 0;
  if (aggregate != "median" && aggregate != "mean") {
    throw UsageError("--aggregate '" + aggregate + "': expected median or mean");
  }
  std::optional<double> t;
  if (threshold != "auto") {
    char* end = nullptr;
    t = std::strtod(threshold.c_str(), &end);
    if (threshold.empty() || *end != '\0' || !std::isfinite(*t)) {
      throw UsageError("--threshold '" + threshold + "': expected a number or auto");
    }
  }
  const ClinicalMetrics m = clinical_metrics(read_scores(scores), t, aggregate == "mean");
  if (cl.json()) {
    std::cout
        << nlohmann::json{{"subject", to_json(m.subject)}, {"window", to_json(m.window)}}.dump(2)
        << "\n";
  } else {
    print_table("subject", m.subject);
    print_table("window", m.window);
  }
  return 0;
}

}  // namespace cpnas::cli
