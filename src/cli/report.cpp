// cpnas report: one self-contained HTML page of a search's run directory.

#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/metrics_output.hpp"
#include "cli/options.hpp"
#include "io/atomic_file.hpp"
#include "io/error.hpp"
#include "report/report.hpp"
#include "search/run_dir.hpp"
#include "search/search_file.hpp"
#include "train/evaluation.hpp"

namespace cpnas::cli {

int run_report(const std::vector<std::string>& args) {
  CommandLine cl("report RUN_DIR [--out FILE] [--model MODEL --data COHORT [--split test]]",
                 "Writes one self-contained HTML page (inline SVG, no network) of a search from\n"
                 "what its run directory holds so far: progress, the validation AUC of every\n"
                 "student, the policy of every searched key, the top students and the argmax\n"
                 "students, and the cohort's splits, lengths and missing joints. With --model\n"
                 "and --data it adds that model's ROC curve, operating point and confusion\n"
                 "matrix with exact intervals on the split.",
                 false);
  std::string run_dir, out, model, data, split = "test";
  cl.options().add_options()("run-dir", po::value(&run_dir)->required(), "run directory")(
      "out", po::value(&out), "HTML file to write (default RUN_DIR/report.html)")(
      "model", po::value(&model), "model file to evaluate (e.g. RUN_DIR/argmax/update-N.h5)")(
      "data", po::value(&data), "cohort file for --model")(
      "split", po::value(&split)->default_value(split), "split for --model");
  cl.positional("run-dir", 1);
  if (!cl.parse(args)) return 0;
  if (model.empty() != data.empty()) throw UsageError("report: --model and --data go together");
  const RunDir dir{run_dir};
  const SearchState state = load_search(dir.checkpoint());
  const Job job = Job::parse(state.job, dir.checkpoint());
  const SearchSpace space = SearchSpace::from_job(job);
  std::optional<ReportEvaluation> evaluation;
  if (!model.empty()) {
    const PluginRegistry plugins = cl.plugins();
    LoadedModel m = load_model(model, plugins);
    const Evaluation e = evaluate_model(m, read_cohort(data), data, split, plugins,
                                        parse_threshold("model", m.record.threshold));
    evaluation = ReportEvaluation{model, data, split, e.metrics};
  }
  // The search's cohort as the job names it; a report of a run directory copied elsewhere goes on
  // without its data section.
  std::optional<CohortInfo> cohort;
  try {
    cohort = cohort_info(read_cohort(job.get("data", "cohort")));
  } catch (const Error& e) {
    spdlog::warn("the report has no data section: {}", e.what());
  }
  if (out.empty()) out = run_dir + "/report.html";
  refuse_same_file(out, "--out", data, "--data");
  refuse_same_file(out, "--out", model, "--model");
  write_text_atomically(out, [&](std::ostream& file) {
    file << search_report_html(run_dir, state, space, job, evaluation, cohort);
  });
  spdlog::info("{}: {} students, {} updates", out, state.students.size(), state.policy.size() - 1);
  return 0;
}

}  // namespace cpnas::cli
