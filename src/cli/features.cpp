// cpnas features: the evaluation windows of one split as feature tensors, for inspection or for
// other tools.

#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "data/batches.hpp"
#include "data/cohort.hpp"
#include "data/feature_set.hpp"
#include "data/layout.hpp"
#include "data/windows.hpp"
#include "io/error.hpp"
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
  refuse_same_file(out, "--out", data, "--data");
  if (!is_split_name(split)) {
    throw UsageError("--split '" + split + "': expected train, val or test");
  }
  const Job job = cl.job();
  const Cohort cohort = read_cohort(data);
  const Skeleton& skeleton = find_layout(cohort.layout);
  const FeatureSet features(cl.plugins(), job.get_list("data", "features"), skeleton);

  int64_t dropped = 0;
  const EvaluationSet set = evaluation_set(cohort, cohort.indices(split), features,
                                           evaluation_windowing(job), 1, &dropped);
  if (set.windows.empty()) throw Error("cohort '" + data + "': no recordings in split " + split);
  std::vector<std::string> window_ids;
  std::vector<int32_t> window_starts;
  for (const auto& w : set.windows) {
    window_ids.push_back(cohort.ids[w.recording]);
    window_starts.push_back(static_cast<int32_t>(w.start));
  }
  if (dropped > 0) spdlog::info("{} mostly missing windows left out", dropped);
  auto file = h5::File::create(out);
  const std::vector<hsize_t> dims(set.x.sizes().begin(), set.x.sizes().end());
  file.write("features", dims, set.x.data_ptr<float>());
  file.write_strings("window_recording", window_ids);
  file.write("window_start", {window_starts.size()}, window_starts.data());
  file.set_attribute("layout", cohort.layout);
  file.set_attribute("features", job.get("data", "features"));
  spdlog::info("{}: {} windows of {} recordings ({} split), features {}", out, window_ids.size(),
               cohort.indices(split).size(), split, job.get("data", "features"));
  return 0;
}

}  // namespace cpnas::cli
