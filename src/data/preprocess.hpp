#pragma once
// Turns pose-estimator output into cohort recordings (DESIGN.md "Data"): resample to 30 Hz,
// 5-point median filter over time, centre on the median mid-pelvis, divide by twice the median
// trunk length, interpolate short gaps and keep long ones missing.

#include <cstdint>
#include <vector>

#include "cpnas/skeleton.hpp"

namespace cpnas {

constexpr double kCohortFps = 30.0;
/// Pose-estimator input beyond this (pixels) is refused: no camera is that large, and such values
/// overflow the network to NaN.
constexpr float kMaxRawCoordinate = 1e6f;
/// The highest frame rate a recording may declare (high-speed cameras stay below it).
constexpr double kMaxFps = 1000;
/// The most frames a pose file may span (10 hours at 30 Hz).
constexpr int64_t kMaxFrames = 1080000;

struct PreprocessOptions {
  double max_gap_seconds = 0.5;  ///< gaps up to this long are interpolated linearly
};

/// `raw`: [frames, V, 2] at `fps`, NaN where a joint is missing. Returns [frames', V, 2] at 30 Hz.
/// Throws cpnas::Error (without a file name; callers add it) when nothing is observed or the
/// trunk is never visible.
std::vector<float> preprocess(const std::vector<float>& raw, int64_t frames, double fps,
                              const Skeleton& skeleton, const PreprocessOptions& options);

/// The median of non-empty `values` (the mean of the two middle ones for an even count);
/// reorders them.
float median_of(std::vector<float>& values);

/// Linear resampling in time; a sample between a missing and a present frame is missing.
std::vector<float> resample(const std::vector<float>& raw, int64_t frames, int64_t channels,
                            double fps, double target_fps, int64_t& out_frames);

}  // namespace cpnas
