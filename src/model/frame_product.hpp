#pragma once
// The per-frame matrix product of channels-last graph aggregation.

#include <torch/torch.h>

#include "model/epilogue.hpp"

namespace cpnas {

/// left [R, J] times each of frames [B, J, C]: [B, R, C], as at::bmm with left broadcast. Without
/// gradients, fp32 CPU tensors use a kernel that skips left's zeros (a skeleton graph's subsets
/// are mostly zero) and splits the frames over LibTorch's threads; otherwise at::bmm.
/// With `end`, which requires vectorised() of the layer, the kernel applies it to each
/// output value before storing it, its residual read as [B, R, C] (the channels-last layout of
/// [N, C, T, R] with B = N * T).
torch::Tensor product_per_frame(const torch::Tensor& left, const torch::Tensor& frames,
                                const Epilogue* end = nullptr);

}  // namespace cpnas
