#pragma once
// BatchNorm whose batch statistics cover the whole global batch of a data-parallel training step:
// per-channel sums travel through the group in the forward and again in the backward, the same
// two all-reduces per layer as PyTorch's SyncBatchNorm. It is what cpnas::BatchNorm (SDK) runs
// in training while a BatchShardScope with a group of several ranks is current.

#include <torch/torch.h>

#include "cpnas/batch_norm.hpp"
#include "dist/collective.hpp"

namespace cpnas {

/// The training forward of `bn` on this rank's rows `x` [n, C, T, V] (n may be 0), with mean and
/// variance over all ranks' rows; updates the running statistics as torch::nn::BatchNorm2d does.
/// The gradients of the weight and bias are this rank's share (sum them over the ranks).
torch::Tensor synchronised_batch_norm(BatchNormImpl& bn, const torch::Tensor& x, Collective& group);

/// The BatchNorm layers of `module` whose statistics data-parallel training cannot synchronise
/// (torch::nn::BatchNorm2d and every other BatchNorm class but cpnas::BatchNorm), by name.
std::vector<std::string> unsynchronised_batch_norms(torch::nn::Module& module);

}  // namespace cpnas
