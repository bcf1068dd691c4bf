#pragma once
// DeepLabCut's CSV output: header rows `scorer`, (`individuals` in the multi-animal form),
// `bodyparts` and `coords` (x, y, likelihood per body part), then one row per frame. Body-part
// names are the user's own, so a joint map names the layout joint of each.

#include <map>
#include <string>

#include "cpnas/skeleton.hpp"
#include "data/raw_recording.hpp"

namespace cpnas {

/// DeepLabCut body part -> layout joint.
using JointMap = std::map<std::string, std::string>;

/// Reads `bodypart,joint` (that header) rows; every layout joint must be named once, and every
/// named joint must be the layout's. Throws cpnas::Error "'<path>:<line>': <problem>".
JointMap read_joint_map(const std::string& path, const Skeleton& layout);

/// True when the file's first cell is `scorer`, as DeepLabCut writes.
bool is_deeplabcut_csv(const std::string& path);

/// The frames of the first individual; likelihoods below `min_confidence` are missing. Every
/// body part the map names must be in the file; others are ignored.
RawRecording read_deeplabcut_csv(const std::string& path, const Skeleton& layout,
                                 const JointMap& map, double min_confidence);

}  // namespace cpnas
