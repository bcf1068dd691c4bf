#include "search/replay.hpp"

#include <algorithm>
#include <numeric>

namespace cpnas {

void ReplayMemory::add(const Rollout& r) {
  if (r.reward < options_.threshold || options_.capacity == 0) return;
  if (entries_.size() == options_.capacity) {
    const auto worst =
        std::min_element(entries_.begin(), entries_.end(),
                         [](const Rollout& a, const Rollout& b) { return a.reward < b.reward; });
    if (worst->reward > r.reward) return;
    entries_.erase(worst);
  }
  entries_.push_back(r);
}

std::size_t ReplayMemory::sample_size() const {
  std::size_t n = options_.sample;
  while (n > 0 && n * 4 <= entries_.size()) n *= 2;
  return std::min(n, entries_.size());
}

std::vector<Rollout> ReplayMemory::sample(Rng& rng) const {
  // A partial Fisher-Yates shuffle of the indices: distinct entries, deterministic given rng.
  std::vector<std::size_t> index(entries_.size());
  std::iota(index.begin(), index.end(), 0);
  const std::size_t n = sample_size();
  std::vector<Rollout> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::swap(index[i], index[i + rng.below(index.size() - i)]);
    out.push_back(entries_[index[i]]);
  }
  return out;
}

nlohmann::json ReplayMemory::state() const {
  auto entries = nlohmann::json::array();
  for (const auto& r : entries_) entries.push_back({{"actions", r.actions}, {"reward", r.reward}});
  return entries;
}

void ReplayMemory::restore(const nlohmann::json& state) {
  entries_.clear();
  for (const auto& e : state) {
    entries_.push_back({e.at("actions").get<Actions>(), e.at("reward").get<double>()});
  }
}

}  // namespace cpnas
