#pragma once
// The element types of the core's CPU kernels that read fp32 or bf16 memory and compute in fp32
// (swish.cpp, batch_norm_training.cpp).

#include <torch/torch.h>

namespace cpnas {

/// Whether x holds fp32 or bf16 values.
inline bool fp32_or_bf16(const torch::Tensor& x) {
  return x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kBFloat16;
}

/// Calls f(T{}) for x's element type, float or c10::BFloat16 (fp32_or_bf16(x)).
template <class F>
void with_element_type(const torch::Tensor& x, F&& f) {
  if (x.scalar_type() == torch::kFloat) {
    f(float{});
  } else {
    f(c10::BFloat16{});
  }
}

/// g with x's strides and element type, so that the two are flat arrays in the same order: g
/// itself, or a copy where they differ (an incoming gradient in another layout or type; a sum's
/// is an expanded scalar).
inline torch::Tensor laid_out_as(const torch::Tensor& g, const torch::Tensor& x) {
  if (g.strides() == x.strides() && g.scalar_type() == x.scalar_type()) return g;
  return at::empty_like(x).copy_(g);
}

}  // namespace cpnas
