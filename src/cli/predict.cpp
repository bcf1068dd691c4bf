// cpnas predict: CP risk scores of new recordings, as decision support for a clinician.

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "data/cohort.hpp"
#include "data/layout.hpp"
#include "data/pose_import.hpp"
#include "data/preprocess.hpp"
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

// A cohort file as it is, or one recording read from a pose-estimator's output.
Cohort input_cohort(const std::string& input, const Skeleton& layout, double fps,
                    const PoseReadOptions& read) {
  if (std::filesystem::path(input).extension() == ".h5") return read_cohort(input);
  const RawRecording raw = read_pose(input, layout, read);
  Cohort c;
  c.layout = layout.name;
  c.fps = kCohortFps;
  c.joints = layout.num_joints();
  try {
    pack_recordings(c, {preprocess(raw.xy, raw.frames, fps, layout, PreprocessOptions{})});
  } catch (const Error& e) {
    throw Error("'" + input + "': " + e.what());
  }
  c.ids = {std::filesystem::path(input).filename().string()};
  c.labels = {-1};
  c.splits = {"test"};
  validate_cohort(c, input);
  return c;
}

}  // namespace

int run_predict(const std::vector<std::string>& args) {
  CommandLine cl("predict --model MODEL --input FILE [options]",
                 "Scores recordings with a model file: a cohort file (.h5), or one recording as\n"
                 "`cpnas import` reads it (a wide or DeepLabCut CSV, MMPose or AlphaPose JSON, a\n"
                 "folder of OpenPose JSON files; give its --fps). For each recording: the\n"
                 "risk score (median of its window scores), the window scores and the decision\n"
                 "at the model's threshold. Decision support for a clinician, not a diagnosis.",
                 false);
  std::string model, input;
  double fps = 30;
  PoseReadOptions read;
  std::string joint_map;
  cl.options().add_options()("model", po::value(&model)->required(), "model file")(
      "input", po::value(&input)->required(),
      "cohort .h5, pose CSV or JSON file, or OpenPose JSON folder")(
      "fps", po::value(&fps)->default_value(fps), "frame rate of a pose-estimator input")(
      "joint-map", po::value(&joint_map), "CSV bodypart,joint for a DeepLabCut input")(
      "min-confidence", real_value(&read.min_confidence),
      "keypoints below this confidence are missing");
  cl.add_device_option();
  if (!cl.parse(args)) return 0;
  require_in_range("fps", fps, 1, kMaxFps);
  require_in_range("min-confidence", read.min_confidence, 0, 1);
  const PluginRegistry plugins = cl.plugins();
  LoadedModel m = load_model(model, plugins);
  m.student->to(cl.device());
  const Skeleton& layout = find_layout(m.job.get("data", "layout"));
  if (!joint_map.empty()) read.joint_map = read_joint_map(joint_map, layout);
  const Cohort cohort = input_cohort(input, layout, fps, read);
  if (cohort.layout != layout.name) {
    throw Error("'" + input + "': layout " + cohort.layout + ", the model expects " + layout.name);
  }
  require_whole_windows(cohort, evaluation_windowing(m.job).frames, "'" + input + "'");
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
