#pragma once
// BatchNorm in training, and BatchNorm followed by swish as one step, on the CPU: what the core
// defines for cpnas::host::batch_norm and host::batch_norm_activate (batch_norm.hpp).

#include <torch/torch.h>

#include "cpnas/batch_norm.hpp"

namespace cpnas {

/// Whether the core's kernels normalise `x` for `bn` in training: an fp32 or bf16 channels-last
/// CPU tensor [N, C, T, V], fp32 affine parameters, CPU kernels on (cpu_features.hpp). Otherwise
/// LibTorch's operators do (and synchronised_batch_norm in data-parallel training).
bool has_training_kernel(const BatchNormImpl& bn, const torch::Tensor& x);

}  // namespace cpnas
