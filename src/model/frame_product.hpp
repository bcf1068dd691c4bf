#pragma once
// The per-frame matrix product of channels-last graph aggregation.

#include <torch/torch.h>

namespace cpnas {

/// left [R, J] times each of frames [B, J, C]: [B, R, C], as at::bmm with left broadcast. Without
/// gradients, fp32 CPU tensors use a kernel that skips left's zeros (a skeleton graph's subsets
/// are mostly zero) and splits the frames over LibTorch's threads; otherwise at::bmm.
torch::Tensor product_per_frame(const torch::Tensor& left, const torch::Tensor& frames);

}  // namespace cpnas
