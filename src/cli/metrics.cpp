// cpnas metrics: subject- and window-level clinical metrics of per-window scores.

#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "cli/metrics_output.hpp"
#include "cli/options.hpp"
#include "io/error.hpp"
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
  const ClinicalMetrics m = clinical_metrics(
      read_scores(scores), parse_threshold(threshold, std::nullopt), aggregate == "mean");
  print_metrics(m, cl.json());
  return 0;
}

}  // namespace cpnas::cli
