#include "explain/relevance_file.hpp"

#include "data/layout.hpp"
#include "io/h5.hpp"

namespace cpnas {
namespace {

using Dims = std::vector<hsize_t>;

hsize_t size_of(size_t n) {
  return static_cast<hsize_t>(n);
}

// Rows of equal length as one [rows, columns] array.
std::vector<double> rows(const std::vector<RecordingExplanation>& all,
                         std::vector<double> RelevanceSummary::*field) {
  std::vector<double> out;
  for (const auto& e : all) {
    const auto& row = e.relevance.*field;
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

}  // namespace

void write_relevance_file(const std::string& path, const ExplanationSource& source,
                          const Skeleton& layout, const std::vector<RecordingExplanation>& all) {
  h5::write_atomically(path, "explanation", [&](h5::File& f) {
    f.set_attribute("format", std::string("cpnas-explanation"));
    f.set_attribute("format_version", int64_t{1});
    f.set_attribute("model", source.model);
    f.set_attribute("input", source.input);
    f.set_attribute("method", source.method);
    f.set_attribute("steps", source.steps);
    f.set_attribute("threshold", source.threshold);
    f.set_attribute("fps", source.fps);
    f.set_attribute("window_frames", source.window_frames);
    f.set_attribute("layout", layout.name);
    const size_t n = all.size();
    const auto v = static_cast<size_t>(layout.num_joints());
    std::vector<std::string> ids;
    std::vector<int8_t> labels, elevated;
    std::vector<double> risk, completeness;
    for (const auto& e : all) {
      ids.push_back(e.id);
      labels.push_back(static_cast<int8_t>(e.label));
      elevated.push_back(e.elevated ? 1 : 0);
      risk.push_back(e.risk);
      completeness.push_back(e.completeness_error);
    }
    f.write_strings("ids", ids);
    f.write("labels", {size_of(n)}, labels.data());
    f.write("elevated", {size_of(n)}, elevated.data());
    f.write("risk", {size_of(n)}, risk.data());
    f.write("completeness_error", {size_of(n)}, completeness.data());
    f.write_strings("joints", layout.joints);
    f.write_strings("parts", part_names(layout));
    f.write("joint_relevance", {size_of(n), size_of(v)},
            rows(all, &RelevanceSummary::joint).data());
    f.write("part_relevance", {size_of(n), size_of(layout.parts.size())},
            rows(all, &RelevanceSummary::part).data());
    for (size_t k = 0; k < n; ++k) {
      const auto& e = all[k];
      const std::string group = "recording/" + std::to_string(k);
      f.ensure_group(group);
      const torch::Tensor a = e.attribution.contiguous();
      f.write(group + "/attribution", {size_of(a.size(0)), size_of(v)}, a.data_ptr<double>());
      f.write(group + "/second_relevance", {size_of(e.relevance.second.size())},
              e.relevance.second.data());
      f.write(group + "/window_starts", {size_of(e.window_starts.size())}, e.window_starts.data());
      f.write(group + "/window_scores", {size_of(e.window_scores.size())}, e.window_scores.data());
      f.write(group + "/median_pose", {size_of(v), 2}, e.median_pose.data());
    }
  });
}

}  // namespace cpnas
