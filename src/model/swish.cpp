// The core's in-place swish for evaluation (cpnas::host::swish_, activation.hpp): LibTorch 1.13
// computes swish on fp32 CPU tensors at ~1 G elements/s (8.6 ms for [32, 64, 150, 29] on one
// core, five times a copy), a third of paper-best's non-convolution time in evaluation. This
// kernel computes it in place with simd::swish.
#include <ATen/record_function.h>

#include "cpnas/activation.hpp"
#include "model/cpu_features.hpp"
#include "model/parallel.hpp"
#include "model/simd_math.hpp"

namespace cpnas {
namespace {

#if defined(__x86_64__)

__attribute__((target("avx2,fma"))) void swish_avx2(float* data, int64_t begin, int64_t end) {
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) _mm256_storeu_ps(data + i, simd::swish(_mm256_loadu_ps(data + i)));
  for (; i < end; ++i) data[i] = simd::activate<Activation::swish>(data[i]);
}

#else

void swish_avx2(float*, int64_t, int64_t) {}

#endif

}  // namespace

namespace host {

torch::Tensor swish_(torch::Tensor& x) {
  RECORD_FUNCTION("cpnas::swish_", std::vector<c10::IValue>());
  if (!cpu_has_avx2_fma() || !x.device().is_cpu() || x.scalar_type() != torch::kFloat ||
      !x.is_non_overlapping_and_dense()) {
    return torch::silu_(x);
  }
  float* data = x.data_ptr<float>();
  // Dense storage in any order: swish is elementwise, so the memory is one flat array.
  parallel_ranges(0, x.numel(), 1 << 15,
                  [data](int64_t begin, int64_t end) { swish_avx2(data, begin, end); });
  return x;
}

}  // namespace host
}  // namespace cpnas
