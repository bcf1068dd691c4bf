// cpnas synth: a synthetic cohort file.

#include <chrono>

#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "data/synth.hpp"
#include "io/job_schema.hpp"

namespace cpnas::cli {

int run_synth(const std::vector<std::string>& args) {
  CommandLine cl("synth --out FILE [options]",
                 "Writes a synthetic cohort of supine infants (typical: fidgety movements; CP:\n"
                 "absent or sporadic fidgety movements, poor repertoire, cramped-synchronised\n"
                 "limbs, some one-sided), recorded at three sites with different cameras and\n"
                 "frame rates, with pose-estimator jitter and dropped joints, preprocessed as\n"
                 "`cpnas import` does. The same options and seed give identical files.",
                 false);
  SynthOptions o;
  std::string out, signal_joints;
  cl.options().add_options()("out", po::value(&out)->required(), "cohort file to write (HDF5)")(
      "infants", po::value(&o.infants)->default_value(o.infants), "number of infants")(
      "cp-fraction", real_value(&o.cp_fraction), "fraction who develop CP")(
      "seconds", po::value(&o.seconds)->default_value(o.seconds), "recording length (s)")(
      "difficulty", real_value(&o.difficulty), "class overlap, 0 (apart) to 1 (indistinguishable)")(
      "layout", po::value(&o.layout)->default_value(o.layout),
      "in-motion-2022, in-motion or coco-18")(
      "test-fraction", po::value(&o.test_fraction)->default_value(o.test_fraction, "139/557"),
      "fraction of each class in the test split")("val-fraction", real_value(&o.val_fraction),
                                                  "fraction of the rest in the validation split")(
      "seed", po::value(&o.seed)->default_value(o.seed), "random seed")(
      "signal-joints", po::value(&signal_joints),
      "comma-separated joints that alone carry the class (a test of explanations)");
  if (!cl.parse(args)) return 0;
  for (const auto& name : split_list(signal_joints)) o.signal_joints.push_back(name);
  const auto start = std::chrono::steady_clock::now();
  const Cohort cohort = synthesize_cohort(o);
  write_cohort(out, cohort);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int64_t cp = 0;
  for (auto label : cohort.labels) cp += label == 1;
  spdlog::info("{}: {} infants ({} CP), train {}, val {}, test {}, {} frames at most, {:.1f} s",
               out, cohort.size(), cp, cohort.indices("train").size(), cohort.indices("val").size(),
               cohort.indices("test").size(), cohort.max_frames, seconds);
  return 0;
}

}  // namespace cpnas::cli
