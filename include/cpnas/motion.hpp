#pragma once
/// @file motion.hpp
/// Frame differences of joint trajectories, shared by the velocity and acceleration features.

#include <cstdint>

namespace cpnas {

/// From positions `xy` [frames, joints, 2] writes `out` [4, frames, joints]: channels 0-1 are
/// p[t+1] - p[t] (x, y), channels 2-3 (p[t+2] - p[t]) / 2; the last two frames are 0.
inline void motion_differences(const float* xy, int64_t frames, int64_t joints, float* out) {
  const int64_t plane = frames * joints;
  for (int64_t t = 0; t < frames; ++t) {
    for (int64_t v = 0; v < joints; ++v) {
      const int64_t at = t * joints + v;
      for (int64_t c = 0; c < 2; ++c) {
        float next = 0, half_second = 0;
        if (t + 2 < frames) {
          const float here = xy[at * 2 + c];
          next = xy[(at + joints) * 2 + c] - here;
          half_second = (xy[(at + 2 * joints) * 2 + c] - here) / 2;
        }
        out[c * plane + at] = next;
        out[(2 + c) * plane + at] = half_second;
      }
    }
  }
}

}  // namespace cpnas
