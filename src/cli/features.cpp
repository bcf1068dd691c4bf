// cpnas features: the evaluation windows of one split as feature tensors, for inspection or for
// other tools.

#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "data/feature_set.hpp"
#include "data/layout.hpp"
#include "data/windows.hpp"
#include "error.hpp"
#include "io/h5.hpp"

namespace cpnas::cli {

int run_features(const std::vector<std::string>& args) {
  CommandLine cl("features --data COHORT --split SPLIT --out FILE [options]",
                 "Computes the job's [data] features (default position, velocity, bone,\n"
                 "acceleration) for every evaluation window of one split and writes\n"
                 "/features [W, F, 4, 150, V], /window_recording (ids) and /window_start.",
                 true);
  std::string data, split, out;
  cl.options().add_options()("data", po::value(&data)->required(), "cohort file (HDF5)")(
      "split", po::value(&split)->required(), "train, val or test")(
      "out", po::value(&out)->required(), "output file (HDF5)");
  if (!cl.parse(args)) return 0;
  if (split != "train" && split != "val" && split != "test") {
    throw UsageError("--split '" + split + "': expected train, val or test");
  }
  const Job job = cl.job();
  const Cohort cohort = read_cohort(data);
  const Skeleton& skeleton = find_layout(cohort.layout);
  const FeatureSet features(cl.plugins(), job.get_list("data", "features"), skeleton);

  int64_t dropped = 0;
  const auto windows = evaluation_windows(cohort, cohort.indices(split), &dropped);
  if (windows.empty()) throw Error("cohort '" + data + "': no recordings in split " + split);
  const int64_t per_window = features.size() * kFeatureChannels * kWindowFrames * cohort.joints;
  std::vector<float> values(windows.size() * per_window);
  std::vector<float> xy(kWindowFrames * cohort.joints * 2);
  std::vector<std::string> window_ids;
  std::vector<int32_t> window_starts;
  for (size_t w = 0; w < windows.size(); ++w) {
    window_positions(cohort, windows[w].recording, windows[w].start, xy.data());
    features.compute(xy.data(), kWindowFrames, cohort.joints, values.data() + w * per_window);
    window_ids.push_back(cohort.ids[windows[w].recording]);
    window_starts.push_back(static_cast<int32_t>(windows[w].start));
  }
  if (dropped > 0) spdlog::info("{} mostly missing windows left out", dropped);
  auto file = h5::File::create(out);
  file.write("features",
             {window_ids.size(), static_cast<hsize_t>(features.size()), kFeatureChannels,
              kWindowFrames, static_cast<hsize_t>(cohort.joints)},
             values.data());
  file.write_strings("window_recording", window_ids);
  file.write("window_start", {window_starts.size()}, window_starts.data());
  file.set_attribute("layout", cohort.layout);
  file.set_attribute("features", job.get("data", "features"));
  spdlog::info("{}: {} windows of {} recordings ({} split), features {}", out, window_ids.size(),
               cohort.indices(split).size(), split, job.get("data", "features"));
  return 0;
}

}  // namespace cpnas::cli
