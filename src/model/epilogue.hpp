#pragma once
// The end of a graph or attention layer in evaluation, in one pass over memory: BatchNorm with
// its running statistics (an affine map per channel), the activation and the residual add, which
// as separate LibTorch operators each read and write the layer's whole output.

#include <torch/torch.h>

#include "cpnas/activation.hpp"
#include "cpnas/batch_norm.hpp"

namespace cpnas {

/// act(y * scale + shift) + residual, per channel c of y.
struct Epilogue {
  torch::Tensor scale, shift;  ///< [C]
  Activation activation = Activation::relu;
  torch::Tensor residual;  ///< y's shape; undefined for none
};

/// BatchNorm `bn` with its running statistics (not training), then `a`, then + `residual`.
Epilogue running_epilogue(const BatchNormImpl& bn, Activation a, torch::Tensor residual);

/// Whether the kernels end a layer whose input is x and whose residual is `residual` (undefined
/// for none): no gradients recorded, no CPU autocast, an AVX2 CPU, and x and the residual
/// channels-last fp32 CPU tensors. Elsewhere layers end with LibTorch's operators. Layers ask
/// before building their Epilogue, whose few small tensor operations would otherwise be wasted
/// on every evaluation forward elsewhere (on a GPU, kernel launches).
bool vectorised(const torch::Tensor& x, const torch::Tensor& residual);

/// `e` applied to y [N, C, T, V] (channels-last afterwards), in y's own memory: y must be a fresh
/// output that nothing else reads. Requires vectorised(y, e.residual).
torch::Tensor apply_epilogue_(torch::Tensor y, const Epilogue& e);

/// An epilogue's data for a kernel over rows of C channels: row i's residual is at
/// residual + i * C (the channels-last layout of [N, C, T, V]); null for none.
struct EpilogueRows {
  const float *scale, *shift, *residual;
};
EpilogueRows rows_of(const Epilogue& e);

}  // namespace cpnas
