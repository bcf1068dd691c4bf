#include "model/graph.hpp"

#include <limits>

namespace cpnas {

torch::Tensor hop_distance(const Skeleton& skeleton, int max_hop) {
  const int v = skeleton.num_joints();
  constexpr int64_t kFar = std::numeric_limits<int32_t>::max();
  auto d = torch::full({v, v}, kFar, torch::kLong);
  auto a = d.accessor<int64_t, 2>();
  for (int i = 0; i < v; ++i) a[i][i] = 0;
  for (auto [i, j] : skeleton.edges) a[i][j] = a[j][i] = 1;
  // Floyd-Warshall: the graphs have at most a few dozen joints.
  for (int k = 0; k < v; ++k) {
    for (int i = 0; i < v; ++i) {
      for (int j = 0; j < v; ++j) {
        if (a[i][k] + a[k][j] < a[i][j]) a[i][j] = a[i][k] + a[k][j];
      }
    }
  }
  return torch::where(d > max_hop, torch::full_like(d, -1), d);
}

torch::Tensor distance_adjacency(const Skeleton& skeleton) {
  const auto hops = hop_distance(skeleton, kMaxHop);
  const auto reach = (hops >= 0).to(torch::kFloat);
  const auto column_norm = reach / reach.sum(0, /*keepdim=*/true);
  std::vector<torch::Tensor> subsets;
  for (int k = 0; k <= kMaxHop; ++k) subsets.push_back(column_norm * (hops == k).to(torch::kFloat));
  return torch::stack(subsets);
}

}  // namespace cpnas
