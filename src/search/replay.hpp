#pragma once
// Replay memory of the controller: the students that reached a validation AUC threshold, replayed
// into later updates so good architectures keep pulling the policy.

#include <vector>

#include <nlohmann/json.hpp>

#include "search/controller.hpp"

namespace cpnas {

struct ReplayOptions {
  double threshold = 0.9;
  std::size_t capacity = 200;
  std::size_t sample = 10;
};

class ReplayMemory {
 public:
  explicit ReplayMemory(ReplayOptions options) : options_(options) {}

  /// Keeps `r` when its reward reaches the threshold; when full, the lowest reward (the oldest
  /// among equals) makes room, so the memory holds the best students seen.
  void add(const Rollout& r);

  /// How many an update replays: `sample`, doubling each time the memory holds four times as
  /// many (10, 20 from 40, 40 from 80, 80 from 160), never more than it holds.
  std::size_t sample_size() const;

  /// sample_size() distinct entries.
  std::vector<Rollout> sample(Rng& rng) const;

  std::size_t size() const { return entries_.size(); }

  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  ReplayOptions options_;
  std::vector<Rollout> entries_;  ///< in insertion order
};

}  // namespace cpnas
