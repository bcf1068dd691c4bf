#pragma once
// Replay memory of the controller, as the published code keeps it: the students whose validation
// AUC passed a threshold, first in first out, replayed into later updates so that good
// architectures keep pulling the policy.

#include <vector>

#include <nlohmann/json.hpp>

#include "search/controller.hpp"

namespace cpnas {

struct ReplayOptions {
  double threshold = 0.9;
  std::size_t capacity = 200;
  std::size_t sample = 10;  ///< the first sample size
};

class ReplayMemory {
 public:
  explicit ReplayMemory(ReplayOptions options) : options_(options), sample_size_(options.sample) {}

  /// Keeps `r` when its reward is above the threshold; when that makes the memory hold more than
  /// its capacity, the oldest entry leaves.
  void add(const Rollout& r);

  /// min(sample_size(), size()) distinct entries, drawn with `rng`; then, when the memory holds
  /// at least twice the sample size, the sample size doubles for the next update (10, 20 from 20
  /// entries, 40 from 40, ...), as the published code grows it.
  std::vector<Rollout> sample(Rng& rng);

  /// How many the next sample() asks for.
  std::size_t sample_size() const { return sample_size_; }
  std::size_t size() const { return entries_.size(); }

  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  ReplayOptions options_;
  std::size_t sample_size_;
  std::vector<Rollout> entries_;  ///< oldest first
};

}  // namespace cpnas
