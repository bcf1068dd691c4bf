#pragma once
// Convolutions in training on the CPU: what the core defines for cpnas::host::conv2d
// (layers.hpp), and what its own graph layers call.

#include <torch/torch.h>

namespace cpnas {

/// at::conv2d(x, weight, bias, stride, padding, dilation, groups). Where it computes the same in
/// less time, that is for an fp32 CPU tensor x that needs a gradient (outside autocast, CPU
/// kernels on), stride 1, no dilation and one group, the input's gradient is a forward
/// convolution of the output's gradient with the transposed, flipped kernel instead of oneDNN's
/// own input gradient: with the weight gradient apart, paper-best's stride-1 convolutions' backward
/// takes 702 against 798 ms per step on AVX-512 code paths (a 1x1 convolution from 4 channels 5.1
/// against 12.8 ms) and 1211 against 1284 ms on AVX2 paths (bench/conv_shapes.py).
torch::Tensor conv2d_training(const torch::Tensor& x, const torch::Tensor& weight,
                              const torch::Tensor& bias, at::IntArrayRef stride,
                              at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups);

/// dL/dweight of a stride-1 convolution with a (K, 1) kernel `weight` and temporal padding
/// `padding`, from its input x [N, C, T, V] and the output's gradient dy [N, O, T', V], as one
/// batched matrix product (LibTorch's, OpenBLAS's on Debian) per kernel tap over the rows of
/// channels-last memory (other layouts are copied). conv2d_training's backward takes it where it
/// wins over oneDNN, on kernels of 2 or 3 taps while oneDNN runs AVX2 code: a 3x1 kernel over 64
/// channels at 150 frames 47 against 68 ms (bench/conv_shapes.py).
torch::Tensor weight_gradient_as_products(const torch::Tensor& x, const torch::Tensor& dy,
                                          const torch::Tensor& weight, int64_t padding);

/// conv(x) through conv2d_training where the module's padding is a size (not "same" or "valid")
/// and its padding mode zeros.
torch::Tensor conv2d_training(torch::nn::Conv2dImpl& conv, const torch::Tensor& x);

}  // namespace cpnas
