#include "cli/command.hpp"

namespace cpnas::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all{
      {"synth", "write a synthetic cohort of infant recordings", run_synth},
      {"import", "write a cohort from pose-estimator output or AutoCP arrays", run_import},
      {"cohort", "what a cohort file holds: splits, labels, lengths, missing joints", run_cohort},
      {"features", "feature tensors of a cohort split's evaluation windows", run_features},
      {"search", "search architectures with a controller over MPI ranks", run_search},
      {"train", "train a job's network on a cohort and write a model file", run_train},
      {"evaluate", "clinical metrics of a model file on a cohort split", run_evaluate},
      {"predict", "CP risk scores of new recordings (decision support)", run_predict},
      {"explain", "which joints and moments a model's CP score rests on (HTML, HDF5)", run_explain},
      {"metrics", "clinical metrics with exact intervals from per-window scores", run_metrics},
      {"profile", "parameters and MACs of a job's student network", run_profile},
      {"bench", "training and evaluation throughput of a job's student", run_bench},
      {"report", "an HTML page of a search's run directory", run_report},
      {"plugins", "list the loaded block, attention and feature plugins", run_plugins},
  };
  return all;
}

}  // namespace cpnas::cli
