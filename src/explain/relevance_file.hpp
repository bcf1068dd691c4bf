#pragma once
// The explanation's arrays in one HDF5 file, for anyone who would rather plot them in Python.

#include <string>
#include <vector>

#include "cpnas/skeleton.hpp"
#include "explain/explanation.hpp"

namespace cpnas {

/// What produced the explanations, stored as the file's attributes.
struct ExplanationSource {
  std::string model, input, method;
  int64_t steps = 0;
  double threshold = 0.5;
  double fps = 30;
  int64_t window_frames = 150;  ///< evaluation window
};

/// Writes (atomically) `path`: root attributes from `source` (and format "cpnas-explanation",
/// format_version 1, layout), `ids`, `labels`, `risk`, `elevated`, `completeness_error`,
/// `joints`, `parts`, `joint_relevance` [R, V], `part_relevance` [R, P], and per recording k
/// (in `ids` order) the group `recording/k` with `attribution` [frames, V] (signed, towards CP),
/// `second_relevance` [seconds], `window_starts`, `window_scores` and `median_pose` [V, 2].
void write_relevance_file(const std::string& path, const ExplanationSource& source,
                          const Skeleton& layout, const std::vector<RecordingExplanation>& all);

}  // namespace cpnas
