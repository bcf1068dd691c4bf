#pragma once
// A cohort file: recordings of joint positions with labels and splits (DESIGN.md "Data").

#include <cstdint>
#include <string>
#include <vector>

namespace cpnas {

constexpr int64_t kCohortFormatVersion = 1;
/// Cohort coordinates are centred on the pelvis and divided by twice the trunk length, so a
/// joint lies a few units from the origin; one beyond this bound means a damaged or foreign file.
constexpr float kMaxCohortCoordinate = 1000.0f;

struct Cohort {
  std::string layout;
  double fps = 30.0;
  int64_t max_frames = 0;     ///< Tmax
  int64_t joints = 0;         ///< V
  std::vector<float> coords;  ///< [N, Tmax, V, 2]; NaN where missing or past the end
  std::vector<int32_t> lengths;
  std::vector<int8_t> labels;  ///< 1 CP, 0 no CP, -1 unknown
  std::vector<std::string> ids;
  std::vector<std::string> splits;  ///< train | val | test

  int64_t size() const { return static_cast<int64_t>(ids.size()); }
  /// Start of recording i's [Tmax, V, 2] block in coords.
  const float* recording(int64_t i) const { return coords.data() + i * max_frames * joints * 2; }
  float* recording(int64_t i) { return coords.data() + i * max_frames * joints * 2; }
  /// Indices of the recordings in `split`.
  std::vector<int64_t> indices(const std::string& split) const;
  /// Indices of the recordings in `split` whose label is known (not -1).
  std::vector<int64_t> labelled(const std::string& split) const;
  /// Indices of all recordings.
  std::vector<int64_t> indices() const;
};

/// Sets lengths, max_frames and coords from per-recording [frames, V, 2] arrays (in id order);
/// cohort.joints must be set.
void pack_recordings(Cohort& cohort, const std::vector<std::vector<float>>& recordings);

/// True for train, val and test: the splits a cohort's recordings belong to.
bool is_split_name(const std::string& split);

/// Checks everything DESIGN.md fixes (shapes, lengths <= Tmax, labels, unique ids, splits,
/// fps > 0, known layout and its joint count, no recording without any observed joint). Throws
/// cpnas::Error "cohort '<where>': <problem>".
void validate_cohort(const Cohort& cohort, const std::string& where);

/// Writes format_version 1 (atomically: a temporary file renamed into place).
void write_cohort(const std::string& path, const Cohort& cohort);

/// Reads and validates.
Cohort read_cohort(const std::string& path);

}  // namespace cpnas
