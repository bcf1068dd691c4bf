#pragma once
// Reading what pose estimators write: wide CSV files and folders of OpenPose JSON files, and the
// cohort manifest that lists recordings.

#include <cstdint>
#include <string>
#include <vector>

#include "cpnas/skeleton.hpp"
#include "data/cohort.hpp"
#include "data/preprocess.hpp"

namespace cpnas {

/// Joint positions as the estimator gave them: [frames, V, 2], NaN where missing.
struct RawRecording {
  int64_t frames = 0;
  std::vector<float> xy;
};

/// A wide CSV: `frame,<Joint>_x,<Joint>_y[,<Joint>_c],...` with the layout's joint names, frame
/// numbers increasing (skipped numbers are missing frames); empty or "nan" cells and confidences
/// below `min_confidence` are missing. Throws cpnas::Error "'<path>:<line>': <problem>".
RawRecording read_pose_csv(const std::string& path, const Skeleton& layout, double min_confidence);

/// A folder of OpenPose JSON files, one per frame in name order, `people[0].pose_keypoints_2d`
/// in COCO-18 or BODY_25 order (mapped onto coco-18). The layout must be coco-18.
RawRecording read_openpose_folder(const std::string& path, const Skeleton& layout,
                                  double min_confidence);

/// A CSV file or an OpenPose folder, whichever `path` is.
RawRecording read_pose(const std::string& path, const Skeleton& layout, double min_confidence);

struct ImportOptions {
  double min_confidence = 0.3;
  PreprocessOptions preprocess;
};

/// Reads a manifest CSV (`id,label,split,path,fps`; paths relative to the manifest), every
/// recording it names, preprocesses them, and returns the cohort.
Cohort import_manifest(const std::string& manifest, const Skeleton& layout,
                       const ImportOptions& options);

}  // namespace cpnas
