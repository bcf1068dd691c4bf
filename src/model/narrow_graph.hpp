#pragma once
// Evaluation of a spatial graph layer over a few input channels (a stem's 4 features -> 64) in
// one pass: as LibTorch operators it wrote its 16x wider output five times (the convolution, the
// aggregated bias, the residual's convolution, the layer's end) and convolved 4-channel
// channels-last input, which oneDNN does at a tenth of its speed on wide ones.

#include <torch/torch.h>

#include "model/epilogue.hpp"

namespace cpnas {

/// Input channels up to which narrow_graph_layer() is the faster way.
constexpr int64_t kNarrowGraphChannels = 8;

/// A residual connection computed from the layer's input: weight [C_out, C_in] times x plus bias
/// [C_out] (a 1x1 convolution with its BatchNorm folded in).
struct Projection {
  torch::Tensor weight, bias;
};

/// sum_k (W_k x + b_k) G_k, then `end`, for x [N, C_in, T, V] channels-last: graph [K, V, V],
/// weight [K * C_out, C_in] and bias [K * C_out] the layer's 1x1 convolution (subset k's output
/// channels in block k). Per frame it aggregates the input first, then applies the convolution
/// with BatchNorm folded in per joint. With `residual` (and no end.residual) the kernel adds that
/// projection of x itself. Requires vectorised(x, end.residual); returns [N, C_out, T, V]
/// channels-last.
torch::Tensor narrow_graph_layer(const torch::Tensor& x, const torch::Tensor& graph,
                                 const torch::Tensor& weight, const torch::Tensor& bias,
                                 const Epilogue& end, const Projection* residual = nullptr);

}  // namespace cpnas
