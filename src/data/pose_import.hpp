#pragma once
// Reading what pose estimators write: wide CSV files, folders of OpenPose JSON files, and (by
// their own readers) DeepLabCut CSV and MMPose / AlphaPose JSON.

#include <string>

#include "cpnas/skeleton.hpp"
#include "data/deeplabcut_import.hpp"
#include "data/raw_recording.hpp"

namespace cpnas {

/// A wide CSV: `frame,<Joint>_x,<Joint>_y[,<Joint>_c],...` with the layout's joint names, frame
/// numbers increasing (skipped numbers are missing frames); empty or "nan" cells and confidences
/// below `min_confidence` are missing. Throws cpnas::Error "'<path>:<line>': <problem>".
RawRecording read_pose_csv(const std::string& path, const Skeleton& layout, double min_confidence);

/// A folder of OpenPose JSON files, one per frame in name order, `people[0].pose_keypoints_2d`
/// in COCO-18 or BODY_25 order (mapped onto coco-18). The layout must be coco-18.
RawRecording read_openpose_folder(const std::string& path, const Skeleton& layout,
                                  double min_confidence);

/// How pose files are read.
struct PoseReadOptions {
  double min_confidence = 0.3;  ///< keypoints below this confidence are missing
  JointMap joint_map;           ///< for DeepLabCut files (read_joint_map)
};

/// Whatever `path` is: a folder of OpenPose JSON files, an MMPose or AlphaPose `.json` file, a
/// DeepLabCut CSV (first cell `scorer`) or a wide CSV.
RawRecording read_pose(const std::string& path, const Skeleton& layout,
                       const PoseReadOptions& options);

}  // namespace cpnas
