#pragma once
// BatchNorm in training, and BatchNorm followed by its activation (and a residual) as one step, on
// the CPU: what the core defines for cpnas::host::batch_norm and host::batch_norm_activate
// (batch_norm.hpp), and what its own layers call to end with a residual connection.

#include <torch/torch.h>

#include "cpnas/batch_norm.hpp"

namespace cpnas {

/// Whether the core's kernels normalise `x` for `bn` in training: an fp32 or bf16 channels-last
/// CPU tensor [N, C, T, V], fp32 affine parameters, CPU kernels on (cpu_features.hpp). Otherwise
/// LibTorch's operators do (and synchronised_batch_norm in data-parallel training).
bool has_training_kernel(const BatchNormImpl& bn, const torch::Tensor& x);

/// add_into(bn.forward_activated(x, a), residual): a layer's normalisation, activation and
/// residual connection. In training with the kernels (has_training_kernel, a residual of x's
/// shape, type and layout) the residual is added in the pass that writes the output, which
/// saves the separate addition's read and write of the whole output.
torch::Tensor batch_norm_activate_add(BatchNormImpl& bn, const torch::Tensor& x, Activation a,
                                      const torch::Tensor& residual);

}  // namespace cpnas
