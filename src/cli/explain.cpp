// cpnas explain: which joints and which moments made a model score a recording as it did.

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "cli/recording_input.hpp"
#include "data/cohort.hpp"
#include "data/layout.hpp"
#include "explain/relevance_file.hpp"
#include "io/atomic_file.hpp"
#include "io/error.hpp"
#include "model/model_file.hpp"
#include "report/explain_page.hpp"

namespace cpnas::cli {
namespace {

constexpr int64_t kMaxSteps = 4096;

// The recordings named (in the order given), or those of `split`.
std::vector<int64_t> chosen(const Cohort& cohort, const std::vector<std::string>& ids,
                            const std::string& split, const std::string& where) {
  std::vector<int64_t> out;
  for (const auto& id : ids) {
    const auto it = std::find(cohort.ids.begin(), cohort.ids.end(), id);
    if (it == cohort.ids.end()) {
      throw Error(where + ": no recording '" + id + "' (it holds " + std::to_string(cohort.size()) +
                  " recordings, e.g. '" + cohort.ids.front() + "')");
    }
    out.push_back(it - cohort.ids.begin());
  }
  if (!ids.empty()) return out;
  if (!is_split_name(split)) {
    throw UsageError("--split must be train, val or test, not '" + split + "'");
  }
  out = cohort.indices(split);
  if (out.empty()) throw Error(where + ": no recordings in split '" + split + "'");
  return out;
}

nlohmann::json shares(const std::vector<std::string>& names, const std::vector<double>& values) {
  nlohmann::json out = nlohmann::json::object();
  for (size_t k = 0; k < names.size(); ++k) out[names[k]] = values[k];
  return out;
}

nlohmann::json to_json(const RecordingExplanation& e, const Skeleton& layout) {
  nlohmann::json moments = nlohmann::json::array();
  for (const auto& m : e.relevance.moments) {
    moments.push_back({{"time", clock_time(m.second)},
                       {"second", m.second},
                       {"relevance", m.relevance},
                       {"joint", layout.joints.at(static_cast<size_t>(m.joint))}});
  }
  return {
      {"id", e.id},
      {"label", e.label < 0 ? nlohmann::json() : nlohmann::json(e.label)},
      {"risk_score", e.risk},
      {"elevated_risk", e.elevated},
      {"completeness_error",
       std::isnan(e.completeness_error) ? nlohmann::json() : nlohmann::json(e.completeness_error)},
      {"joint_relevance", shares(layout.joints, e.relevance.joint)},
      {"part_relevance", shares(part_names(layout), e.relevance.part)},
      {"second_relevance", e.relevance.second},
      {"moments", moments}};
}

void print_summary(const RecordingExplanation& e, const Skeleton& layout) {
  const auto parts = part_names(layout);
  const auto top = std::max_element(e.relevance.part.begin(), e.relevance.part.end());
  std::string where = "nothing weighed towards CP";
  if (top != e.relevance.part.end() && *top > 0) {
    where = fmt::format("most relevance in the {} ({:.0f} %)",
                        parts[static_cast<size_t>(top - e.relevance.part.begin())], 100 * *top);
    if (!e.relevance.moments.empty()) {
      where += ", most at " + clock_time(e.relevance.moments.front().second);
    }
  }
  std::cout << fmt::format(
      "{}: risk score {:.3f} ({}), {}{}\n", e.id, e.risk, e.elevated ? "elevated" : "not elevated",
      where,
      std::isnan(e.completeness_error)
          ? ""
          : fmt::format(", completeness error {:.1f} %", 100 * e.completeness_error));
}

}  // namespace

int run_explain(const std::vector<std::string>& args) {
  CommandLine cl(
      "explain --model MODEL --data FILE [--split test] [--recording ID ...] [options]",
      "Shows which joints and moments a model's CP score rests on, per recording: relevance\n"
      "per joint, body part and second, on an HTML page (--out) and as arrays (--h5).\n"
      "--data is a cohort file, or one recording as `cpnas predict --input` reads it.\n"
      "Methods: cam (class activation map of the main stream's last layer, the default),\n"
      "gradients (gradient x input), integrated-gradients (from the recording's mean pose\n"
      "held still, --steps points). Decision support for a clinician, not a diagnosis.",
      false);
  std::string model, split = "test", method = "cam", out = "explain.html", h5_out;
  std::vector<std::string> ids;
  int64_t steps = 32;
  RecordingInput input;
  cl.options().add_options()("model", po::value(&model)->required(), "model file");
  add_recording_input_options(cl.options(), input, "data",
                              "cohort .h5, pose CSV or JSON file, or OpenPose JSON folder");
  cl.options().add_options()("split", po::value(&split)->default_value(split),
                             "train, val or test (a cohort file without --recording)")(
      "recording", po::value(&ids)->multitoken(), "explain these recording ids")(
      "method", po::value(&method)->default_value(method), "cam, gradients, integrated-gradients")(
      "steps", po::value(&steps)->default_value(steps), "integrated gradients' path points")(
      "out", po::value(&out)->default_value(out), "the HTML page")(
      "h5", po::value(&h5_out), "also write the relevance arrays to this HDF5 file");
  cl.add_device_option();
  if (!cl.parse(args)) return 0;
  ExplainOptions options;
  options.attribution.method = parse_explain_method(method);
  require_in_range("steps", static_cast<double>(steps), 1, kMaxSteps);
  options.attribution.steps = steps;
  for (const auto& [output, option] : {std::pair{out, "--out"}, {h5_out, "--h5"}}) {
    refuse_same_file(output, option, input.path, "--data");
    refuse_same_file(output, option, model, "--model");
  }
  const PluginRegistry plugins = cl.plugins();
  LoadedModel m = load_model(model, plugins);
  m.student->to(cl.device());
  const Skeleton& layout = find_layout(m.job.get("data", "layout"));
  options.windowing = evaluation_windowing(m.job);
  options.threshold = m.record.threshold;
  const Cohort cohort = read_recording_input(input, layout, options.windowing.frames);
  const bool pose_file = std::filesystem::path(input.path).extension() != ".h5";
  const auto indices = chosen(cohort, ids, pose_file ? "test" : split, "'" + input.path + "'");
  const FeatureSet features(plugins, m.job.get_list("data", "features"), layout);

  const bool terminal = isatty(STDERR_FILENO) != 0;
  std::vector<RecordingExplanation> all;
  for (size_t k = 0; k < indices.size(); ++k) {
    if (terminal) {
      std::cerr << fmt::format("\rexplaining {}/{}: {}   ", k + 1, indices.size(),
                               cohort.ids[indices[k]])
                << std::flush;
    }
    all.push_back(explain_recording(*m.student, cohort, indices[k], features, layout, options));
    if (!terminal) spdlog::info("explained {}/{}: {}", k + 1, indices.size(), all.back().id);
  }
  if (terminal) std::cerr << "\r" << std::string(70, ' ') << "\r" << std::flush;

  ExplanationSource source{
      model, input.path, method, steps, options.threshold, cohort.fps, options.windowing.frames};
  write_text_atomically(out, [&](std::ostream& o) { o << explanation_html(source, layout, all); });
  if (!h5_out.empty()) write_relevance_file(h5_out, source, layout, all);
  if (cl.json()) {
    nlohmann::json j{{"method", method},
                     {"threshold", options.threshold},
                     {"page", out},
                     {"recordings", nlohmann::json::array()}};
    if (!h5_out.empty()) j["h5"] = h5_out;
    for (const auto& e : all) j["recordings"].push_back(to_json(e, layout));
    std::cout << j.dump(2) << "\n";
  } else {
    for (const auto& e : all) print_summary(e, layout);
    std::cout << "\nPage: " << out << (h5_out.empty() ? "" : ", arrays: " + h5_out)
              << "\nDecision support for a clinician, not a diagnosis.\n";
  }
  return 0;
}

}  // namespace cpnas::cli
