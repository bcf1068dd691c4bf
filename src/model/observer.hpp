#pragma once
// A hook that a student's forward pass calls after each of its layers, for profiling.

#include <string>

#include <torch/torch.h>

namespace cpnas {

class LayerObserver {
 public:
  virtual ~LayerObserver() = default;
  /// Called after the layer `name` (e.g. "stream0.block1.temporal0") produced `output`.
  virtual void layer(const std::string& name, const torch::nn::Module& module,
                     const torch::Tensor& output) = 0;
};

/// Calls `observer` when there is one; returns `output` so calls can be chained.
inline const torch::Tensor& observed(LayerObserver* observer, const std::string& name,
                                     const torch::nn::Module& module, const torch::Tensor& output) {
  if (observer) observer->layer(name, module, output);
  return output;
}

}  // namespace cpnas
