// cpnas predict: CP risk scores of new recordings, as decision support for a clinician.

#include <iostream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "cli/recording_input.hpp"
#include "data/layout.hpp"
#include "data/windows.hpp"
#include "io/error.hpp"
#include "model/model_file.hpp"
#include "train/scoring.hpp"

namespace cpnas::cli {
namespace {

constexpr const char* kDisclaimer =
    "Decision support for a clinician, not a diagnosis: the score reflects how much the "
    "recorded movements resemble those of infants who developed cerebral palsy in the training "
    "data.";

}  // namespace

int run_predict(const std::vector<std::string>& args) {
  CommandLine cl("predict --model MODEL --input FILE [options]",
                 "Scores recordings with a model file: a cohort file (.h5), or one recording as\n"
                 "`cpnas import` reads it (a wide or DeepLabCut CSV, MMPose or AlphaPose JSON, a\n"
                 "folder of OpenPose JSON files; give its --fps). For each recording: the\n"
                 "risk score (median of its window scores), the window scores and the decision\n"
                 "at the model's threshold. Decision support for a clinician, not a diagnosis.",
                 false);
  std::string model;
  RecordingInput input;
  cl.options().add_options()("model", po::value(&model)->required(), "model file");
  add_recording_input_options(cl.options(), input, "input",
                              "cohort .h5, pose CSV or JSON file, or OpenPose JSON folder");
  cl.add_device_option();
  if (!cl.parse(args)) return 0;
  const PluginRegistry plugins = cl.plugins();
  LoadedModel m = load_model(model, plugins);
  m.student->to(cl.device());
  const Skeleton& layout = find_layout(m.job.get("data", "layout"));
  const Cohort cohort = read_recording_input(input, layout, evaluation_windowing(m.job).frames);
  const FeatureSet features(plugins, m.job.get_list("data", "features"), layout);
  const auto windows =
      score_windows(*m.student, cohort, cohort.indices(), features, scoring_options(m.job));
  std::map<std::string, std::vector<const WindowScore*>> by_recording;
  for (const auto& w : windows) by_recording[w.recording].push_back(&w);

  const double threshold = m.record.threshold;
  nlohmann::json out{{"disclaimer", kDisclaimer}, {"threshold", threshold}};
  for (const auto& [id, list] : by_recording) {
    std::vector<double> s;
    for (const auto* w : list) s.push_back(w->score);
    const double risk = subject_score(std::move(s));
    nlohmann::json item{{"id", id},
                        {"risk_score", risk},
                        {"elevated_risk", risk >= threshold},
                        {"windows", nlohmann::json::array()}};
    for (const auto* w : list)
      item["windows"].push_back({{"start_frame", w->start}, {"score", w->score}});
    out["recordings"].push_back(item);
    if (!cl.json()) {
      std::cout << fmt::format(
          "{}: risk score {:.3f} -> {} (threshold {:.3f}, {} windows)\n", id, risk,
          risk >= threshold ? "elevated CP risk, refer for assessment" : "no elevated CP risk",
          threshold, list.size());
    }
  }
  if (cl.json()) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "\n" << kDisclaimer << "\n";
  }
  return 0;
}

}  // namespace cpnas::cli
