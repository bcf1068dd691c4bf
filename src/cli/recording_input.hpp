#pragma once
// What `predict` and `explain` score: a cohort file, or one recording straight from a pose
// estimator's output (read and preprocessed as `cpnas import` would).

#include <string>

#include "cli/options.hpp"
#include "data/cohort.hpp"
#include "data/pose_import.hpp"

namespace cpnas::cli {

struct RecordingInput {
  std::string path;
  double fps = 30;
  PoseReadOptions read;
  std::string joint_map;
};

/// Declares `--<option>` (the input) with --fps, --joint-map and --min-confidence.
void add_recording_input_options(po::options_description& options, RecordingInput& input,
                                 const std::string& option, const std::string& help);

/// The input as a cohort in `layout` (a pose file becomes one unlabelled test recording). Throws
/// UsageError for options out of range, Error naming the file when its layout is not `layout` or
/// a recording is shorter than one window of `window_frames`.
Cohort read_recording_input(RecordingInput input, const Skeleton& layout, int64_t window_frames);

}  // namespace cpnas::cli
