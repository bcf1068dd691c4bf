#include "model/frame_product.hpp"

#include "model/parallel.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "model/cpu_features.hpp"

namespace cpnas {
namespace {

// LibTorch 1.13 multiplies a batch of small matrices frame by frame through OpenBLAS, on one
// thread, at ~24 GMAC/s dense; a skeleton graph's subsets hold ~5 % non-zeros.

#if defined(__x86_64__)

// One output row: sum over j of left[j] * frame row j, for `width` (a multiple of 8) channels
// from `c`, in W / 8 accumulators.
template <int W>
__attribute__((target("avx2,fma"))) inline void row_block(const float* left, int64_t joints,
                                                          const float* frame, int64_t channels,
                                                          int64_t c, float* out) {
  __m256 acc[W / 8];
  for (int k = 0; k < W / 8; ++k) acc[k] = _mm256_setzero_ps();
  for (int64_t j = 0; j < joints; ++j) {
    if (left[j] == 0.0f) continue;
    const __m256 s = _mm256_broadcast_ss(left + j);
    const float* row = frame + j * channels + c;
    for (int k = 0; k < W / 8; ++k)
      acc[k] = _mm256_fmadd_ps(s, _mm256_loadu_ps(row + 8 * k), acc[k]);
  }
  for (int k = 0; k < W / 8; ++k) _mm256_storeu_ps(out + c + 8 * k, acc[k]);
}

__attribute__((target("avx2,fma"))) void frames_avx2(const float* left, int64_t rows,
                                                     int64_t joints, const float* frames,
                                                     int64_t channels, float* out, int64_t begin,
                                                     int64_t end) {
  const int64_t frame_size = joints * channels;
  // The rows a frame's product reads are scattered (left's non-zeros), which the hardware
  // prefetcher does not follow: each output row fetches its share of the next frame.
  const int64_t lines_per_row = (frame_size / 16 + rows - 1) / rows;
  for (int64_t b = begin; b < end; ++b) {
    const float* frame = frames + b * frame_size;
    const char* next = reinterpret_cast<const char*>(frame + frame_size);
    for (int64_t r = 0; r < rows; ++r) {
      if (b + 1 < end) {
        for (int64_t i = r * lines_per_row; i < (r + 1) * lines_per_row; ++i) {
          _mm_prefetch(next + 64 * i, _MM_HINT_T0);
        }
      }
      const float* l = left + r * joints;
      float* o = out + (b * rows + r) * channels;
      int64_t c = 0;
      for (; c + 32 <= channels; c += 32) row_block<32>(l, joints, frame, channels, c, o);
      for (; c + 8 <= channels; c += 8) row_block<8>(l, joints, frame, channels, c, o);
      for (; c < channels; ++c) {
        float sum = 0.0f;
        for (int64_t j = 0; j < joints; ++j) sum += l[j] * frame[j * channels + c];
        o[c] = sum;
      }
    }
  }
}

#else

void frames_avx2(const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, int64_t) {}

#endif

}  // namespace

torch::Tensor product_per_frame(const torch::Tensor& left, const torch::Tensor& frames) {
  const int64_t batch = frames.size(0), rows = left.size(0), joints = left.size(1),
                channels = frames.size(2);
  if (torch::GradMode::is_enabled() || !cpu_has_avx2_fma() || !frames.is_cpu() ||
      frames.scalar_type() != torch::kFloat || left.scalar_type() != torch::kFloat ||
      !frames.is_contiguous()) {
    return at::bmm(left.expand({batch, rows, joints}), frames);
  }
  const auto l = left.contiguous();
  auto out = at::empty({batch, rows, channels}, frames.options());
  const float* lp = l.data_ptr<float>();
  const float* fp = frames.data_ptr<float>();
  float* op = out.data_ptr<float>();
  parallel_ranges(0, batch, 16, [=](int64_t begin, int64_t end) {
    frames_avx2(lp, rows, joints, fp, channels, op, begin, end);
  });
  return out;
}

}  // namespace cpnas
