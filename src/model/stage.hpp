#pragma once
// One block of a stream: spatial graph layer, temporal blocks of the searched type, attention.

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "cpnas/attention.hpp"
#include "cpnas/batch_norm.hpp"
#include "cpnas/block.hpp"
#include "model/graph_layer.hpp"
#include "model/observer.hpp"
#include "plugin/registry.hpp"

namespace cpnas {

/// y = x * att(x), BN, act, + x.
class AttentionLayerImpl : public torch::nn::Module {
 public:
  AttentionLayerImpl(std::shared_ptr<Attention> attention, int64_t channels, Activation act);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  std::shared_ptr<Attention> attention_;
  BatchNorm bn_;
  Activation act_;
};
TORCH_MODULE(AttentionLayer);

struct StageOptions {
  int64_t in_channels = 0, out_channels = 0;
  int64_t graph_distance = 1;
  bool multi_gcn = false;
  int64_t depth = 1, stride = 1, window = 3;  ///< stride applies to the first temporal block
  std::string block, attention;
  /// Builds the temporal blocks; null: the plugin registry's block named `block`.
  BlockFactory block_factory = nullptr;
  double expand_ratio = 1, reduct_ratio = 1;
  Activation activation = Activation::relu;
  torch::Tensor adjacency;  ///< [4, V, V]
  Skeleton skeleton;
};

class StageImpl : public torch::nn::Module {
 public:
  StageImpl(const StageOptions& options, const PluginRegistry& plugins);
  torch::Tensor forward(const torch::Tensor& x, LayerObserver* observer = nullptr,
                        const std::string& name = "");

 private:
  SpatialGraphLayer graph_{nullptr};
  MultiScaleGraphLayer multi_graph_{nullptr};
  std::vector<std::shared_ptr<Block>> temporal_;
  AttentionLayer attention_{nullptr};
};
TORCH_MODULE(Stage);

}  // namespace cpnas
