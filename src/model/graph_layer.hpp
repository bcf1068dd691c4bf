#pragma once
// Spatial graph layers: aggregate features over the skeleton graph.

#include <torch/torch.h>

#include "cpnas/activation.hpp"
#include "cpnas/layers.hpp"
#include "model/epilogue.hpp"

namespace cpnas {

struct GraphLayerOptions {
  int64_t in_channels = 0, out_channels = 0;
  int64_t graph_distance = 1;  ///< uses adjacency subsets 0..d (plain layer only)
  Activation activation = Activation::relu;
  torch::Tensor adjacency;  ///< [4, V, V] distance partition
};

/// 1x1 conv to (d+1)*C channels, aggregation over the first d+1 subsets times a learnable
/// edge-importance mask (one batched matrix product), BN, act; + residual.
class SpatialGraphLayerImpl : public torch::nn::Module {
 public:
  explicit SpatialGraphLayerImpl(const GraphLayerOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  // With `end` (channels-last x only), the aggregation applies it as it stores each value.
  torch::Tensor convolve_then_aggregate(const torch::Tensor& x, const torch::Tensor& graph,
                                        const Epilogue* end = nullptr);
  torch::Tensor aggregate_then_convolve(const torch::Tensor& x, const torch::Tensor& graph);

  int64_t subsets_, in_channels_, out_channels_;
  Activation act_;
  torch::nn::Conv2d conv_{nullptr};
  torch::Tensor adjacency_, edge_importance_;
  BatchNorm bn_{nullptr};
  ConvBN residual_{nullptr};
};
TORCH_MODULE(SpatialGraphLayer);

/// Multi-scale graph layer: one unit per adjacency subset whose graph is refined per sample
/// from pairwise differences of time-pooled joint features (scaled by a learnable scalar that
/// starts at 0); units summed into y; out = act(y) + BN(y) + residual, as the published code.
class MultiScaleGraphLayerImpl : public torch::nn::Module {
 public:
  explicit MultiScaleGraphLayerImpl(const GraphLayerOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  struct Unit {
    torch::nn::Conv2d query{nullptr}, key{nullptr}, value{nullptr}, refine{nullptr};
    torch::Tensor alpha;
  };
  Activation act_;
  std::vector<Unit> units_;
  torch::Tensor adjacency_;
  BatchNorm bn_{nullptr};
  ConvBN residual_{nullptr};
};
TORCH_MODULE(MultiScaleGraphLayer);

}  // namespace cpnas
