#pragma once
// Training windows: each recording is split into parts (30 for a CP recording, 5 otherwise, which
// balances the classes), each part gives one window with a random start inside it, and each
// window is augmented by a random rotation, scaling and translation.

#include <cstdint>
#include <random>
#include <vector>

#include "data/cohort.hpp"
#include "data/windows.hpp"

namespace cpnas {

constexpr int kPartsCp = 30;
constexpr int kPartsTypical = 5;

struct Augmentation {
  double rotation_deg = 0;  ///< -60..60 in steps of 10
  double scale = 1;         ///< 0.7..1.3 in steps of 0.1
  double dx = 0, dy = 0;    ///< -0.4..0.4 in steps of 0.1
};

struct TrainingWindow {
  WindowRef window;
  Augmentation augmentation;
  int label = 0;
};

/// One epoch's windows of the labelled recordings among `recordings`, in shuffled order, drawn
/// from `rng` (so the epoch is reproducible from its seed).
std::vector<TrainingWindow> training_epoch(const Cohort& cohort,
                                           const std::vector<int64_t>& recordings,
                                           std::mt19937_64& rng);

/// The window's positions [150, V, 2], augmented; missing joints stay 0.
void training_positions(const Cohort& cohort, const TrainingWindow& window, float* xy);

}  // namespace cpnas
