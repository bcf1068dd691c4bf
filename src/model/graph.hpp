#pragma once
// The skeleton graph in the form the graph layers use.

#include <torch/torch.h>

#include "cpnas/skeleton.hpp"

namespace cpnas {

/// Largest hop distance the adjacency subsets cover (subsets 0..kMaxHop).
constexpr int kMaxHop = 3;

/// Hop distances between joints over the skeleton's edges, [V, V] int64, -1 beyond `max_hop`.
torch::Tensor hop_distance(const Skeleton& skeleton, int max_hop = kMaxHop);

/// The "distance" partition: [kMaxHop + 1, V, V] float, subset k holding the pairs k hops apart,
/// each column divided by that column's number of joints within kMaxHop hops (column-normalised
/// over all subsets together, as in ST-GCN).
torch::Tensor distance_adjacency(const Skeleton& skeleton);

}  // namespace cpnas
