#include "model/epilogue.hpp"

#include <ATen/record_function.h>

#include "model/cpu_features.hpp"
#include "model/parallel.hpp"
#include "model/precision.hpp"
#include "model/simd_math.hpp"

namespace cpnas {
namespace {

#if defined(__x86_64__)

template <Activation A>
__attribute__((target("avx2,fma"))) void finish_rows(float* y, int64_t channels,
                                                     const EpilogueRows& end, int64_t begin,
                                                     int64_t stop) {
  for (int64_t row = begin; row < stop; ++row) {
    float* out = y + row * channels;
    const float* residual = end.residual ? end.residual + row * channels : nullptr;
    int64_t c = 0;
    for (; c + 8 <= channels; c += 8) {
      _mm256_storeu_ps(out + c, simd::finish<A>(_mm256_loadu_ps(out + c), end.scale + c,
                                                end.shift + c, residual ? residual + c : nullptr));
    }
    for (; c < channels; ++c) {
      out[c] =
          simd::finish<A>(out[c], end.scale[c], end.shift[c], residual ? residual + c : nullptr);
    }
  }
}

#else

template <Activation>
void finish_rows(float*, int64_t, const EpilogueRows&, int64_t, int64_t) {
  no_cpu_kernel("finish_rows");
}

#endif

bool channels_last_fp32(const torch::Tensor& t) {
  return t.is_cpu() && t.scalar_type() == torch::kFloat && t.dim() == 4 &&
         t.is_contiguous(at::MemoryFormat::ChannelsLast);
}

}  // namespace

Epilogue running_epilogue(const BatchNormImpl& bn, Activation a, torch::Tensor residual) {
  const auto scale = bn.weight * torch::rsqrt(bn.running_var + BatchNormImpl::kEps);
  return {scale.contiguous(), (bn.bias - bn.running_mean * scale).contiguous(), a,
          std::move(residual)};
}

bool vectorised(const torch::Tensor& x, const torch::Tensor& residual) {
  // Under autocast the convolutions feeding the kernels return bf16 whatever x is.
  return !torch::GradMode::is_enabled() && !autocast_enabled(/*cuda=*/false) && use_cpu_kernels() &&
         channels_last_fp32(x) && (!residual.defined() || channels_last_fp32(residual));
}

EpilogueRows rows_of(const Epilogue& e) {
  return {e.scale.data_ptr<float>(), e.shift.data_ptr<float>(),
          e.residual.defined() ? e.residual.data_ptr<float>() : nullptr};
}

torch::Tensor apply_epilogue_(torch::Tensor y, const Epilogue& e) {
  RECORD_FUNCTION("cpnas::apply_epilogue_", std::vector<c10::IValue>());
  // Products and elementwise operators may return another layout than the residual's.
  y = y.contiguous(at::MemoryFormat::ChannelsLast);
  TORCH_INTERNAL_ASSERT(vectorised(y, e.residual) &&
                        (!e.residual.defined() || e.residual.sizes() == y.sizes()));
  const int64_t channels = y.size(1);
  float* data = y.data_ptr<float>();
  const EpilogueRows end = rows_of(e);
  simd::dispatch(e.activation, [&](auto a) {
    parallel_ranges(0, y.numel() / channels, 1024, [&](int64_t begin, int64_t stop) {
      finish_rows<decltype(a)::value>(data, channels, end, begin, stop);
    });
  });
  return y;
}

}  // namespace cpnas
