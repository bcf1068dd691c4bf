// cpnas import: a cohort file from pose-estimator output listed in a manifest.

#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "data/layout.hpp"
#include "data/pose_import.hpp"
#include "data/windows.hpp"

namespace cpnas::cli {

int run_import(const std::vector<std::string>& args) {
  CommandLine cl("import --manifest CSV --out FILE [options]",
                 "Reads the recordings listed in a manifest (columns id,label,split,path,fps;\n"
                 "label 1 CP, 0 no CP, -1 unknown; split train, val or test; path a wide CSV\n"
                 "`frame,<Joint>_x,<Joint>_y[,<Joint>_c],...` or a folder of OpenPose JSON\n"
                 "files, relative to the manifest), resamples to 30 Hz, median-filters, centres\n"
                 "on the median pelvis, scales by twice the median trunk length, interpolates\n"
                 "short gaps, and writes a cohort file.",
                 false);
  std::string manifest, out, layout = "in-motion-2022";
  ImportOptions o;
  cl.options().add_options()("manifest", po::value(&manifest)->required(), "manifest CSV")(
      "out", po::value(&out)->required(), "cohort file to write (HDF5)")(
      "layout", po::value(&layout)->default_value(layout), "in-motion-2022, in-motion, coco-18")(
      "min-confidence", real_value(&o.min_confidence),
      "keypoints below this confidence are missing")(
      "max-gap", po::value(&o.preprocess.max_gap_seconds)->default_value(0.5),
      "interpolate gaps up to this many seconds; longer gaps stay missing");
  if (!cl.parse(args)) return 0;
  require_in_range("min-confidence", o.min_confidence, 0, 1);
  require_in_range("max-gap", o.preprocess.max_gap_seconds, 0, 60);
  refuse_same_file(out, "--out", manifest, "--manifest");
  const Cohort cohort = import_manifest(manifest, find_layout(layout), o);
  require_whole_windows(cohort, kWindowFrames, "manifest '" + manifest + "'");
  write_cohort(out, cohort);
  int64_t dropped = 0;
  const auto windows = evaluation_windows(cohort, cohort.indices(), {}, &dropped);
  spdlog::info(
      "{}: {} recordings (train {}, val {}, test {}), {} evaluation windows, {} mostly "
      "missing windows left out",
      out, cohort.size(), cohort.indices("train").size(), cohort.indices("val").size(),
      cohort.indices("test").size(), windows.size(), dropped);
  return 0;
}

}  // namespace cpnas::cli
