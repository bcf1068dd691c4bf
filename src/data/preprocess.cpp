#include "data/preprocess.hpp"

#include <algorithm>
#include <cmath>

#include "data/cohort.hpp"
#include "io/error.hpp"

namespace cpnas {
namespace {

// Mean of `joints` in one frame's row of [V, 2] values, coordinate c; NaN if one is missing.
float joint_mean(const float* row, const std::vector<int>& joints, int c) {
  float sum = 0;
  for (int j : joints) sum += row[j * 2 + c];
  return sum / static_cast<float>(joints.size());
}

// Median over frames of the mean of `joints`, x and y; false when never observed.
bool median_point(const std::vector<float>& xy, int64_t frames, int64_t v_count,
                  const std::vector<int>& joints, float out[2]) {
  for (int c = 0; c < 2; ++c) {
    std::vector<float> values;
    for (int64_t t = 0; t < frames; ++t) {
      const float m = joint_mean(xy.data() + t * v_count * 2, joints, c);
      if (!std::isnan(m)) values.push_back(m);
    }
    if (values.empty()) return false;
    out[c] = median_of(values);
  }
  return true;
}

void median_filter(std::vector<float>& xy, int64_t frames, int64_t channels) {
  constexpr int64_t kHalf = 2;  // 5-point
  std::vector<float> series(frames), window;
  for (int64_t k = 0; k < channels; ++k) {
    for (int64_t t = 0; t < frames; ++t) series[t] = xy[t * channels + k];
    for (int64_t t = 0; t < frames; ++t) {
      if (std::isnan(series[t])) continue;
      window.clear();
      for (int64_t s = std::max<int64_t>(0, t - kHalf); s <= std::min(frames - 1, t + kHalf); ++s) {
        if (!std::isnan(series[s])) window.push_back(series[s]);
      }
      xy[t * channels + k] = median_of(window);
    }
  }
}

void fill_short_gaps(std::vector<float>& xy, int64_t frames, int64_t channels, int64_t max_gap) {
  for (int64_t k = 0; k < channels; ++k) {
    int64_t last = -1;  // last observed frame
    for (int64_t t = 0; t < frames; ++t) {
      if (std::isnan(xy[t * channels + k])) continue;
      const int64_t gap = t - last - 1;
      if (last >= 0 && gap > 0 && gap <= max_gap) {
        const float a = xy[last * channels + k], b = xy[t * channels + k];
        for (int64_t s = last + 1; s < t; ++s) {
          xy[s * channels + k] = a + (b - a) * static_cast<float>(s - last) / (t - last);
        }
      }
      last = t;
    }
  }
}

}  // namespace

float median_of(std::vector<float>& values) {
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  if (values.size() % 2 == 1) return values[mid];
  const float upper = values[mid];
  return (*std::max_element(values.begin(), values.begin() + mid) + upper) / 2;
}

std::vector<float> resample(const std::vector<float>& raw, int64_t frames, int64_t channels,
                            double fps, double target_fps, int64_t& out_frames) {
  if (std::abs(fps - target_fps) < 1e-9) {
    out_frames = frames;
    return raw;
  }
  out_frames = static_cast<int64_t>(std::floor((frames - 1) * target_fps / fps + 1e-9)) + 1;
  std::vector<float> out(out_frames * channels);
  for (int64_t t = 0; t < out_frames; ++t) {
    const double at = t * fps / target_fps;
    const int64_t i = std::min<int64_t>(static_cast<int64_t>(at), frames - 1);
    const int64_t j = std::min(i + 1, frames - 1);
    const float w = static_cast<float>(at - i);
    for (int64_t k = 0; k < channels; ++k) {
      const float a = raw[i * channels + k], b = raw[j * channels + k];
      out[t * channels + k] = w == 0.f ? a : a + (b - a) * w;  // NaN spreads to both sides
    }
  }
  return out;
}

std::vector<float> preprocess(const std::vector<float>& raw, int64_t frames, double fps,
                              const Skeleton& s, const PreprocessOptions& options) {
  const int64_t v = s.num_joints(), channels = v * 2;
  if (std::all_of(raw.begin(), raw.end(), [](float x) { return std::isnan(x); })) {
    throw Error("all joints missing in every frame");
  }
  for (int64_t k = 0; k < frames * channels; ++k) {
    if (std::abs(raw[k]) > kMaxRawCoordinate) {  // NaN (missing) passes
      throw Error("frame " + std::to_string(k / channels) + ", joint " +
                  s.joints[k % channels / 2] + ": coordinate " + std::to_string(raw[k]) +
                  " is beyond +-" + std::to_string(static_cast<int64_t>(kMaxRawCoordinate)) +
                  " pixels");
    }
  }
  int64_t n = 0;
  std::vector<float> xy = resample(raw, frames, channels, fps, kCohortFps, n);
  median_filter(xy, n, channels);
  float pelvis[2];
  if (!median_point(xy, n, v, s.pelvis, pelvis)) throw Error("the pelvis is never visible");
  // Trunk length per frame, then its median: the infant's size in this camera.
  std::vector<float> trunk;
  for (int64_t t = 0; t < n; ++t) {
    const float* row = xy.data() + t * channels;
    const float dx = joint_mean(row, s.trunk.first, 0) - joint_mean(row, s.trunk.second, 0);
    const float dy = joint_mean(row, s.trunk.first, 1) - joint_mean(row, s.trunk.second, 1);
    const float length = std::hypot(dx, dy);
    if (!std::isnan(length)) trunk.push_back(length);
  }
  if (trunk.empty()) throw Error("the trunk is never visible");
  const float scale = 2 * median_of(trunk);
  if (!(scale > 0)) throw Error("the trunk has zero length");
  for (int64_t k = 0; k < n * channels; ++k) {
    xy[k] = (xy[k] - pelvis[k % 2]) / scale;
    if (std::abs(xy[k]) > kMaxCohortCoordinate) {
      throw Error("frame " + std::to_string(k / channels) + ", joint " +
                  s.joints[k % channels / 2] + " lies " + std::to_string(std::abs(xy[k])) +
                  " trunk lengths from the pelvis (at most " +
                  std::to_string(static_cast<int64_t>(kMaxCohortCoordinate)) +
                  "): a wrong joint or a trunk seen as almost zero");
    }
  }
  fill_short_gaps(xy, n, channels,
                  static_cast<int64_t>(std::floor(options.max_gap_seconds * kCohortFps)));
  return xy;
}

}  // namespace cpnas
