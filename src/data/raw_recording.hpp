#pragma once
// A recording as a pose estimator gave it, before preprocessing.

#include <cstdint>
#include <vector>

namespace cpnas {

/// Joint positions: [frames, V, 2] in the estimator's pixels, NaN where missing.
struct RawRecording {
  int64_t frames = 0;
  std::vector<float> xy;
};

}  // namespace cpnas
