// cpnas import: a cohort file from pose-estimator output (listed in a manifest, or a folder of
// recordings with a label table) or from the published code's NumPy arrays.

#include <filesystem>

#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "data/autocp_import.hpp"
#include "data/layout.hpp"
#include "data/manifest.hpp"
#include "data/windows.hpp"
#include "io/error.hpp"

namespace cpnas::cli {
namespace {

// Where the manifest that was used is written: beside the cohort, named after it.
std::string manifest_beside(const std::string& cohort) {
  return std::filesystem::path(cohort).replace_extension(".manifest.csv").string();
}

struct Sources {
  std::string manifest, recordings, labels, from, source, sets, split_auto;
  double fps = 0;
  uint64_t seed = 1;
};

Cohort import_from(const Sources& s, const po::variables_map& values, const std::string& layout,
                   const ImportOptions& o, const std::string& out) {
  const bool manifest = !s.manifest.empty(), recordings = !s.recordings.empty();
  const bool autocp = !s.from.empty();
  if (manifest + recordings + autocp != 1) {
    throw UsageError("give one of --manifest, --recordings DIR --labels CSV, or --from autocp DIR");
  }
  if (recordings != !s.labels.empty()) throw UsageError("--recordings and --labels go together");
  if (autocp) {
    if (s.from != "autocp") throw UsageError("--from '" + s.from + "': known sources: autocp");
    if (s.source.empty())
      throw UsageError("--from autocp needs the data folder, e.g. --from autocp data/cp_29");
    if (!values["layout"].defaulted()) {
      throw UsageError(
          "--from autocp takes the layout from the arrays' joint count; drop --layout");
    }
    if (values.count("split-auto")) throw UsageError("--from autocp takes its splits from --sets");
    return import_autocp(s.source, parse_autocp_sets(s.sets, "--sets"), s.fps > 0 ? s.fps : 30);
  }
  if (!s.source.empty()) throw UsageError("unexpected argument '" + s.source + "'");
  if (manifest && s.fps > 0)
    throw UsageError("--fps is for --recordings and --from autocp; a manifest has an fps column");
  if (recordings && !(s.fps > 0))
    throw UsageError("--recordings needs --fps (the frame rate of all its recordings)");
  refuse_same_file(out, "--out", manifest ? s.manifest : s.labels,
                   manifest ? "--manifest" : "--labels");
  auto entries = manifest ? read_manifest(s.manifest)
                          : manifest_from_recordings(s.recordings, s.labels, s.fps);
  const std::string where =
      manifest ? "manifest '" + s.manifest + "'" : "labels '" + s.labels + "'";
  const bool assign = recordings || values.count("split-auto");
  if (assign) {
    const SplitFractions fractions = values.count("split-auto")
                                         ? parse_split_fractions(s.split_auto, "--split-auto")
                                         : SplitFractions{};
    assign_splits(entries, fractions, s.seed, where);
  }
  const Cohort cohort = import_entries(entries, find_layout(layout), o, where);
  if (assign) {
    const std::string written = manifest_beside(out);
    refuse_same_file(written, "the manifest written", s.manifest.empty() ? s.labels : s.manifest,
                     "the input");
    write_manifest(written, entries);
    spdlog::info("{}: the manifest with the splits assigned (seed {})", written, s.seed);
  }
  return cohort;
}

}  // namespace

int run_import(const std::vector<std::string>& args) {
  CommandLine cl(
      "import (--manifest CSV | --recordings DIR --labels CSV --fps F | --from autocp DIR) "
      "--out FILE [options]",
      "Writes a cohort file from pose-estimator output or from the published code's arrays.\n"
      "A manifest lists recordings: columns id,label,split,path,fps (label 1 CP, 0 no CP, -1\n"
      "unknown; split train, val or test, or no split column with --split-auto; path relative\n"
      "to the manifest). --recordings DIR --labels CSV (columns id,label) builds it: each id's\n"
      "DIR/ID.csv, DIR/ID.json or folder DIR/ID/. A pose file is a wide CSV\n"
      "`frame,<Joint>_x,<Joint>_y[,<Joint>_c],...`, a DeepLabCut CSV (with --joint-map), an\n"
      "MMPose/RTMPose or AlphaPose JSON file (COCO-17, into coco-18), or a folder of OpenPose\n"
      "JSON files. They are resampled to 30 Hz, median-filtered, centred on the median pelvis,\n"
      "scaled by twice the median trunk length, and short gaps interpolated. Assigned splits\n"
      "are written to OUT's name with .manifest.csv, so the split is on record.\n"
      "--from autocp DIR reads the published AutoCP code's <set>_coords.npy [N,2,T,V],\n"
      "<set>_labels.npy and <set>_ids.npy as they are (already preprocessed), in the layout\n"
      "with V joints.",
      false);
  Sources s;
  std::string out, layout = "in-motion-2022", joint_map;
  ImportOptions o;
  cl.options().add_options()("manifest", po::value(&s.manifest), "manifest CSV")(
      "recordings", po::value(&s.recordings), "folder of pose files or folders, one per id")(
      "labels", po::value(&s.labels), "CSV id,label for --recordings")(
      "from", po::value(&s.from), "autocp: the published code's data folder (DIR)")(
      "source", po::value(&s.source), "the folder for --from")(
      "sets", po::value(&s.sets)->default_value("train=val13456,val=val27,test=test"),
      "--from autocp: the file set of each split")(
      "fps", po::value(&s.fps), "frame rate of --recordings (required) or --from (default 30)")(
      "split-auto", po::value(&s.split_auto)->implicit_value("60:15:25"),
      "assign splits stratified by label, train:val:test shares (alone: the paper's 60:15:25)")(
      "seed", po::value(&s.seed)->default_value(s.seed), "random seed of --split-auto")(
      "out", po::value(&out)->required(), "cohort file to write (HDF5)")(
      "layout", po::value(&layout)->default_value(layout), "in-motion-2022, in-motion, coco-18")(
      "joint-map", po::value(&joint_map), "CSV bodypart,joint for DeepLabCut files")(
      "min-confidence", real_value(&o.read.min_confidence),
      "keypoints below this confidence are missing")(
      "max-gap", po::value(&o.preprocess.max_gap_seconds)->default_value(0.5),
      "interpolate gaps up to this many seconds; longer gaps stay missing");
  cl.positional("source", 1);
  if (!cl.parse(args)) return 0;
  require_in_range("min-confidence", o.read.min_confidence, 0, 1);
  require_in_range("max-gap", o.preprocess.max_gap_seconds, 0, 60);
  if (cl.values().count("fps")) require_in_range("fps", s.fps, 1, kMaxFps);
  if (!joint_map.empty()) o.read.joint_map = read_joint_map(joint_map, find_layout(layout));
  const Cohort cohort = import_from(s, cl.values(), layout, o, out);
  require_whole_windows(cohort, kWindowFrames, "the imported cohort");
  write_cohort(out, cohort);
  int64_t dropped = 0;
  const auto windows = evaluation_windows(cohort, cohort.indices(), {}, &dropped);
  spdlog::info(
      "{}: {} recordings (train {}, val {}, test {}), layout {}, {} fps, {} evaluation windows, "
      "{} mostly missing windows left out",
      out, cohort.size(), cohort.indices("train").size(), cohort.indices("val").size(),
      cohort.indices("test").size(), cohort.layout, cohort.fps, windows.size(), dropped);
  return 0;
}

}  // namespace cpnas::cli
