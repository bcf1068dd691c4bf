#pragma once
// Windows cut from recordings: 150 frames for training, [data] eval_window frames every eval_step
// for validation and evaluation.

#include <cstdint>
#include <string>
#include <vector>

#include "data/cohort.hpp"
#include "io/job.hpp"

namespace cpnas {

constexpr int64_t kWindowFrames = 150;   ///< 5 s at 30 Hz
constexpr int64_t kEvaluationStep = 75;  ///< evaluation windows start every 75 frames

/// How evaluation windows are cut.
struct Windowing {
  int64_t frames = kWindowFrames;
  int64_t step = kEvaluationStep;
};

/// [data] eval_window and eval_step.
Windowing evaluation_windowing(const Job& job);

/// Starts of the evaluation windows of a recording of `length` frames: every `step` frames while
/// the window fits, then one window aligned to the end unless that start is already there. A
/// recording shorter than a window has one window at 0 (its tail padded).
std::vector<int64_t> evaluation_starts(int64_t length, int64_t window = kWindowFrames,
                                       int64_t step = kEvaluationStep);

/// Refuses, naming `where` and the recording, a recording shorter than one window of `frames`:
/// it would be scored from padding.
void require_whole_windows(const Cohort& cohort, int64_t frames, const std::string& where);

/// Fraction of joint coordinates missing in frames [start, start + frames) (frames past the end
/// count as missing).
double missing_fraction(const Cohort& cohort, int64_t index, int64_t start,
                        int64_t frames = kWindowFrames);

/// A window of a recording.
struct WindowRef {
  int64_t recording;
  int64_t start;
};

/// Windows mostly missing (more than this fraction) are dropped.
constexpr double kMaxMissingFraction = 0.5;

/// The evaluation windows of `recordings`, without the mostly missing ones (a recording whose
/// windows are all mostly missing keeps its most complete one, so every recording is scored);
/// `dropped` counts what was left out.
std::vector<WindowRef> evaluation_windows(const Cohort& cohort,
                                          const std::vector<int64_t>& recordings,
                                          const Windowing& windowing = {},
                                          int64_t* dropped = nullptr);

/// Copies frames [start, start + frames) of recording `index` into `xy` [frames, V, 2]; missing
/// joints (NaN) and frames past the recording's end become 0.
void window_positions(const Cohort& cohort, int64_t index, int64_t start, float* xy,
                      int64_t frames = kWindowFrames);

}  // namespace cpnas
