#pragma once
// The JSON that MMPose / RTMPose and AlphaPose write for a video, with COCO-17 keypoints, mapped
// onto the coco-18 layout (the neck is the shoulders' midpoint where both are present).

#include <string>

#include "cpnas/skeleton.hpp"
#include "data/raw_recording.hpp"

namespace cpnas {

/// Reads either form, told apart by their structure:
/// - MMPose: `{"instance_info": [{"frame_id": i, "instances": [...]}, ...]}` (its demos'
///   --save-predictions) or the bare list of those frames (MMPoseInferencer), each instance with
///   `keypoints` [[x, y] x 17] and `keypoint_scores` [17]; the highest `bbox_score` instance of a
///   frame (the first without scores).
/// - AlphaPose: `[{"image_id": "12.jpg", "keypoints": [x, y, score x 17], "score": s}, ...]`, the
///   frame number taken from the image id's digits, the highest-scoring person of each frame.
/// Frames absent from the file, or without a person, are missing. The layout must be coco-18.
/// Throws cpnas::Error "'<path>': <problem>".
RawRecording read_coco17_json(const std::string& path, const Skeleton& layout,
                              double min_confidence);

}  // namespace cpnas
