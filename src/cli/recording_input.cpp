#include "cli/recording_input.hpp"

#include <filesystem>

#include "data/deeplabcut_import.hpp"
#include "data/preprocess.hpp"
#include "data/windows.hpp"
#include "io/error.hpp"

namespace cpnas::cli {

void add_recording_input_options(po::options_description& options, RecordingInput& input,
                                 const std::string& option, const std::string& help) {
  options.add_options()(option.c_str(), po::value(&input.path)->required(), help.c_str())(
      "fps", po::value(&input.fps)->default_value(input.fps),
      "frame rate of a pose-estimator input")("joint-map", po::value(&input.joint_map),
                                              "CSV bodypart,joint for a DeepLabCut input")(
      "min-confidence", real_value(&input.read.min_confidence),
      "keypoints below this confidence are missing");
}

Cohort read_recording_input(RecordingInput input, const Skeleton& layout, int64_t window_frames) {
  require_in_range("fps", input.fps, 1, kMaxFps);
  require_in_range("min-confidence", input.read.min_confidence, 0, 1);
  if (!input.joint_map.empty()) input.read.joint_map = read_joint_map(input.joint_map, layout);
  const std::string& path = input.path;
  Cohort c;
  if (std::filesystem::path(path).extension() == ".h5") {
    c = read_cohort(path);
  } else {
    const RawRecording raw = read_pose(path, layout, input.read);
    c.layout = layout.name;
    c.fps = kCohortFps;
    c.joints = layout.num_joints();
    try {
      pack_recordings(c, {preprocess(raw.xy, raw.frames, input.fps, layout, PreprocessOptions{})});
    } catch (const Error& e) {
      throw Error("'" + path + "': " + e.what());
    }
    c.ids = {std::filesystem::path(path).filename().string()};
    c.labels = {-1};
    c.splits = {"test"};
    validate_cohort(c, path);
  }
  if (c.layout != layout.name) {
    throw Error("'" + path + "': layout " + c.layout + ", the model expects " + layout.name);
  }
  require_whole_windows(c, window_frames, "'" + path + "'");
  return c;
}

}  // namespace cpnas::cli
