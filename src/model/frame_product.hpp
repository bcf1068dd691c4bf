#pragma once
// The per-frame matrix product of channels-last graph aggregation.

#include <torch/torch.h>

#include "model/epilogue.hpp"

namespace cpnas {

/// left [R, J] times each of frames [B, J, C]: [B, R, C], as at::bmm with left broadcast. Fp32 CPU
/// tensors (frames contiguous) use a kernel that skips left's zeros (a skeleton graph's subsets
/// are mostly zero) and splits the frames over LibTorch's threads; otherwise at::bmm.
/// With gradients the kernel runs when `support` (left's shape) says where left may be non-zero,
/// forward and backward, also for bf16 frames (read as fp32, giving fp32); left's gradient is
/// computed there only, and is zero elsewhere.
/// With `end`, which requires vectorised() of the layer, the kernel applies it to each
/// output value before storing it, its residual read as [B, R, C] (the channels-last layout of
/// [N, C, T, R] with B = N * T).
torch::Tensor product_per_frame(const torch::Tensor& left, const torch::Tensor& frames,
                                const Epilogue* end = nullptr, const torch::Tensor& support = {});

}  // namespace cpnas
