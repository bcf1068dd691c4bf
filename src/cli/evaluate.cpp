// cpnas evaluate: clinical metrics of a model on a cohort split.

#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/metrics_output.hpp"
#include "cli/options.hpp"
#include "io/atomic_file.hpp"
#include "model/model_file.hpp"
#include "train/evaluation.hpp"

namespace cpnas::cli {

int run_evaluate(const std::vector<std::string>& args) {
  CommandLine cl("evaluate --model MODEL --data COHORT [--split test] [options]",
                 "Scores every evaluation window of a split with a model file and prints subject-\n"
                 "and window-level metrics with exact 95 % intervals. --scores writes the\n"
                 "per-window scores (recording,label,score), --roc the subject-level ROC curve.",
                 false);
  std::string model, data, split = "test", scores_out, roc_out, threshold = "model";
  cl.options().add_options()("model", po::value(&model)->required(), "model file")(
      "data", po::value(&data)->required(), "cohort file")(
      "split", po::value(&split)->default_value(split), "train, val or test")(
      "threshold", po::value(&threshold)->default_value(threshold),
      "decision threshold: a number, auto (Youden) or model (the model file's)")(
      "scores", po::value(&scores_out), "write per-window scores CSV here")(
      "roc", po::value(&roc_out), "write subject-level ROC points CSV here");
  cl.add_device_option();
  if (!cl.parse(args)) return 0;
  for (const auto& [output, option] : {std::pair{scores_out, "--scores"}, {roc_out, "--roc"}}) {
    refuse_same_file(output, option, data, "--data");
    refuse_same_file(output, option, model, "--model");
  }
  const PluginRegistry plugins = cl.plugins();
  LoadedModel m = load_model(model, plugins);
  m.student->to(cl.device());
  const Cohort cohort = read_cohort(data);
  const Evaluation e = evaluate_model(m, cohort, data, split, plugins,
                                      parse_threshold(threshold, m.record.threshold));
  const ClinicalMetrics& metrics = e.metrics;
  if (!scores_out.empty()) {
    write_text_atomically(scores_out, [&](std::ostream& out) {
      out << "recording,label,score\n";
      for (const auto& w : e.windows) {
        out << w.recording << "," << w.label << "," << w.score << "\n";
      }
    });
  }
  if (!roc_out.empty()) {
    write_text_atomically(roc_out, [&](std::ostream& out) {
      out << "threshold,false_positive_rate,true_positive_rate\n";
      for (const auto& p : roc_curve(metrics.subject_scores, metrics.subject_labels)) {
        out << p.threshold << "," << p.false_positive_rate << "," << p.true_positive_rate << "\n";
      }
    });
  }
  print_metrics(metrics, cl.json());
  return 0;
}

}  // namespace cpnas::cli
