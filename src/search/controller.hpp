#pragma once
// The REINFORCE controller (DESIGN.md "Search"): one categorical policy (logits, uniform at the
// start) per searched key, updated with Adam on -sum(reward - baseline) * log pi(actions) over
// the batch (summed, as the published code does).
// `strategy = random` samples uniformly and never learns: the baseline every search needs.

#include <vector>

#include <nlohmann/json.hpp>

#include "search/random.hpp"
#include "search/space.hpp"

namespace cpnas {

struct Rollout {
  Actions actions;
  double reward = 0;
};

struct ControllerOptions {
  bool random = false;    ///< uniform sampling, no learning
  double lr = 0.001;      ///< Adam learning rate
  bool baseline = false;  ///< subtract the batch's mean reward
};

class Controller {
 public:
  Controller(const SearchSpace& space, ControllerOptions options);

  Actions sample(Rng& rng) const;
  /// The most likely choice of every key (the lowest index on ties).
  Actions argmax() const;
  /// Softmax of key `k`'s logits.
  std::vector<double> probabilities(std::size_t k) const;
  /// One REINFORCE step on `batch` (no-op for the random strategy or an empty batch).
  void update(const std::vector<Rollout>& batch);

  /// Logits and Adam state, exactly (for checkpoints).
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  ControllerOptions options_;
  std::vector<std::vector<double>> logits_, m_, v_;
  int64_t step_ = 0;
};

}  // namespace cpnas
