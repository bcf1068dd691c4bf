// The core's swish (cpnas::host::swish_ and host::swish, activation.hpp). LibTorch 1.13 computes
// swish on fp32 CPU tensors at ~1 G elements/s (8.6 ms for [32, 64, 150, 29] on one core, five
// times a copy), and its bf16 kernels are slower still, so that bf16 training converted each
// activation to fp32 and back, forward and backward: with SiluBackward, a fifth of a bf16
// training step of paper-best. These kernels compute in fp32 registers from fp32 or bf16 memory
// (simd::swish, simd::swish_gradient), in place for evaluation or as an autograd function.
#include <ATen/record_function.h>

#include "cpnas/activation.hpp"
#include "model/cpu_features.hpp"
#include "model/element_type.hpp"
#include "model/parallel.hpp"
#include "model/simd_math.hpp"

namespace cpnas {
namespace {

#if defined(__x86_64__)

template <class T>
__attribute__((target("avx2,fma"))) void swish_range(const T* x, T* y, int64_t begin, int64_t end) {
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) simd::store(y + i, simd::swish(simd::load(x + i)));
  for (; i < end; ++i) y[i] = static_cast<T>(simd::activate<Activation::swish>(float(x[i])));
}

template <class T>
__attribute__((target("avx2,fma"))) void swish_gradient_range(const T* x, const T* g, T* out,
                                                              int64_t begin, int64_t end) {
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    simd::store(out + i, simd::swish_gradient(simd::load(x + i), simd::load(g + i)));
  }
  for (; i < end; ++i) out[i] = static_cast<T>(simd::swish_gradient(float(x[i]), float(g[i])));
}

#else

template <class T>
void swish_range(const T*, T*, int64_t, int64_t) {
  no_cpu_kernel("swish_range");
}
template <class T>
void swish_gradient_range(const T*, const T*, T*, int64_t, int64_t) {
  no_cpu_kernel("swish_gradient_range");
}

#endif

bool has_kernel(const torch::Tensor& x) {
  return use_cpu_kernels() && x.device().is_cpu() && fp32_or_bf16(x) &&
         x.is_non_overlapping_and_dense();
}

// Elementwise over dense memory in any order: the tensors share x's strides, so each is one flat
// array in the same order.
void swish_into(const torch::Tensor& x, torch::Tensor& y) {
  with_element_type(x, [&](auto t) {
    using scalar_t = decltype(t);
    const scalar_t* in = x.data_ptr<scalar_t>();
    scalar_t* out = y.data_ptr<scalar_t>();
    parallel_ranges(0, x.numel(), 1 << 15,
                    [=](int64_t begin, int64_t end) { swish_range(in, out, begin, end); });
  });
}

// Its backward is not itself differentiable (nothing in cpnas takes second derivatives).
struct SwishFunction : torch::autograd::Function<SwishFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    ctx->save_for_backward({x});
    auto y = at::empty_like(x);
    swish_into(x, y);
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    RECORD_FUNCTION("cpnas::swish_backward", std::vector<c10::IValue>());
    const auto x = ctx->get_saved_variables()[0];
    const auto g = laid_out_as(grads[0], x);
    auto out = at::empty_like(x);
    with_element_type(x, [&](auto t) {
      using scalar_t = decltype(t);
      const scalar_t* xp = x.data_ptr<scalar_t>();
      const scalar_t* gp = g.data_ptr<scalar_t>();
      scalar_t* op = out.data_ptr<scalar_t>();
      parallel_ranges(0, x.numel(), 1 << 15, [=](int64_t begin, int64_t end) {
        swish_gradient_range(xp, gp, op, begin, end);
      });
    });
    return {out};
  }
};

}  // namespace

namespace host {

torch::Tensor swish_(torch::Tensor& x) {
  RECORD_FUNCTION("cpnas::swish_", std::vector<c10::IValue>());
  if (!has_kernel(x) || x.scalar_type() != torch::kFloat) return torch::silu_(x);
  swish_into(x, x);
  return x;
}

torch::Tensor swish(const torch::Tensor& x) {
  RECORD_FUNCTION("cpnas::swish", std::vector<c10::IValue>());
  if (!has_kernel(x)) return {};
  return SwishFunction::apply(x);
}

}  // namespace host
}  // namespace cpnas
