#include "search/replay.hpp"

#include <algorithm>
#include <numeric>

namespace cpnas {

void ReplayMemory::add(const Rollout& r) {
  if (!(r.reward > options_.threshold)) return;
  entries_.push_back(r);
  if (entries_.size() > options_.capacity) entries_.erase(entries_.begin());
}

std::vector<Rollout> ReplayMemory::sample(Rng& rng) {
  // A partial Fisher-Yates shuffle of the indices: distinct entries, deterministic given rng.
  std::vector<std::size_t> index(entries_.size());
  std::iota(index.begin(), index.end(), 0);
  const std::size_t n = std::min(sample_size_, entries_.size());
  std::vector<Rollout> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::swap(index[i], index[i + rng.below(index.size() - i)]);
    out.push_back(entries_[index[i]]);
  }
  if (sample_size_ > 0 && entries_.size() >= 2 * sample_size_) sample_size_ *= 2;
  return out;
}

nlohmann::json ReplayMemory::state() const {
  auto entries = nlohmann::json::array();
  for (const auto& r : entries_) entries.push_back({{"actions", r.actions}, {"reward", r.reward}});
  return {{"entries", entries}, {"sample_size", sample_size_}};
}

void ReplayMemory::restore(const nlohmann::json& state) {
  entries_.clear();
  for (const auto& e : state.at("entries")) {
    entries_.push_back({e.at("actions").get<Actions>(), e.at("reward").get<double>()});
  }
  sample_size_ = state.at("sample_size").get<std::size_t>();
}

}  // namespace cpnas
