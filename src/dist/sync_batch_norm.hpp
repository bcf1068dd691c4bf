#pragma once
// BatchNorm whose batch statistics cover the whole global batch of a data-parallel training step:
// per-channel sums travel through the group in the forward and again in the backward, the same
// two all-reduces per layer as PyTorch's SyncBatchNorm. It is what cpnas::BatchNorm (SDK) runs
// in training while a BatchShardScope with a group of several ranks is current, where the
// core's CPU kernels (model/batch_norm_training.cpp, which sum over the group the same way) do
// not apply.

#include <utility>

#include <torch/torch.h>

#include "cpnas/batch_norm.hpp"
#include "dist/collective.hpp"

namespace cpnas {

/// Mean and biased variance per channel (double) from `stats`: per-channel sums of the values,
/// then of their squares, then the count of values per channel ([2C + 1], double), summed over
/// the batch's ranks. Updates bn's running statistics as torch::nn::BatchNorm2d does; throws
/// where a channel has fewer than 2 values.
std::pair<torch::Tensor, torch::Tensor> finish_batch_statistics(BatchNormImpl& bn,
                                                                const torch::Tensor& stats);

/// The training forward of `bn` on this rank's rows `x` [n, C, T, V] (n may be 0), with mean and
/// variance over all ranks' rows; updates the running statistics as torch::nn::BatchNorm2d does.
/// The gradients of the weight and bias are this rank's share (sum them over the ranks).
torch::Tensor synchronised_batch_norm(BatchNormImpl& bn, const torch::Tensor& x, Collective& group);

/// The BatchNorm layers of `module` whose statistics data-parallel training cannot synchronise
/// (torch::nn::BatchNorm2d and every other BatchNorm class but cpnas::BatchNorm), by name.
std::vector<std::string> unsynchronised_batch_norms(torch::nn::Module& module);

}  // namespace cpnas
