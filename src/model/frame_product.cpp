#include "model/frame_product.hpp"

#include <ATen/record_function.h>

#include "model/cpu_features.hpp"
#include "model/parallel.hpp"
#include "model/simd_math.hpp"
#include "model/sparse_rows.hpp"

namespace cpnas {
namespace {

// LibTorch 1.13 multiplies a batch of small matrices frame by frame through OpenBLAS at ~24
// GMAC/s dense; this kernel visits left's non-zeros only.

#if defined(__x86_64__)

// Stores channels [c, c + 8) of an output row, through the epilogue when there is one.
template <Activation A, bool kEnd>
__attribute__((target("avx2,fma"), always_inline)) inline void store(__m256 v, float* out,
                                                                     int64_t c,
                                                                     const EpilogueRows& end,
                                                                     const float* residual) {
  if constexpr (kEnd) {
    v = simd::finish<A>(v, end.scale + c, end.shift + c, residual ? residual + c : nullptr);
  }
  _mm256_storeu_ps(out + c, v);
}

// Channels [c, c + W) of one output row: the sum over its non-zeros of weight x frame row.
template <int W, Activation A, bool kEnd>
__attribute__((target("avx2,fma"))) inline void row_block(const int64_t* joint, const float* weight,
                                                          int64_t count, const float* frame,
                                                          int64_t channels, int64_t c, float* out,
                                                          const EpilogueRows& end,
                                                          const float* residual) {
  __m256 acc[W / 8];
#pragma GCC unroll 8
  for (int k = 0; k < W / 8; ++k) acc[k] = _mm256_setzero_ps();
  for (int64_t i = 0; i < count; ++i) {
    const __m256 s = _mm256_broadcast_ss(weight + i);
    const float* row = frame + joint[i] * channels + c;
#pragma GCC unroll 8
    for (int k = 0; k < W / 8; ++k)
      acc[k] = _mm256_fmadd_ps(s, _mm256_loadu_ps(row + 8 * k), acc[k]);
  }
#pragma GCC unroll 8
  for (int k = 0; k < W / 8; ++k) store<A, kEnd>(acc[k], out, c + 8 * k, end, residual);
}

template <Activation A, bool kEnd>
__attribute__((target("avx2,fma"))) void frames_avx2(const SparseRows& left, int64_t joints,
                                                     const float* frames, int64_t channels,
                                                     float* out, const EpilogueRows& end,
                                                     int64_t begin, int64_t stop) {
  const int64_t rows = left.rows();
  const int64_t frame_size = joints * channels;
  // The rows a frame's product reads are scattered (left's non-zeros), which the hardware
  // prefetcher does not follow: each output row fetches its share of the next frame.
  const int64_t lines_per_row = (frame_size / 16 + rows - 1) / rows;
  for (int64_t b = begin; b < stop; ++b) {
    const float* frame = frames + b * frame_size;
    const char* next = reinterpret_cast<const char*>(frame + frame_size);
    for (int64_t r = 0; r < rows; ++r) {
      if (b + 1 < stop) {
        for (int64_t i = r * lines_per_row; i < (r + 1) * lines_per_row; ++i) {
          _mm_prefetch(next + 64 * i, _MM_HINT_T0);
        }
      }
      const int64_t first = left.start[r], count = left.start[r + 1] - first;
      const int64_t* joint = left.column.data() + first;
      const float* weight = left.value.data() + first;
      const int64_t row = b * rows + r;
      float* o = out + row * channels;
      const float* residual = kEnd && end.residual ? end.residual + row * channels : nullptr;
      int64_t c = 0;
      for (; c + 32 <= channels; c += 32)
        row_block<32, A, kEnd>(joint, weight, count, frame, channels, c, o, end, residual);
      for (; c + 8 <= channels; c += 8)
        row_block<8, A, kEnd>(joint, weight, count, frame, channels, c, o, end, residual);
      for (; c < channels; ++c) {
        float sum = 0.0f;
        for (int64_t i = 0; i < count; ++i) sum += weight[i] * frame[joint[i] * channels + c];
        if constexpr (kEnd) {
          sum = simd::finish<A>(sum, end.scale[c], end.shift[c], residual ? residual + c : nullptr);
        }
        o[c] = sum;
      }
    }
  }
}

#else

template <Activation, bool>
void frames_avx2(const SparseRows&, int64_t, const float*, int64_t, float*, const EpilogueRows&,
                 int64_t, int64_t) {
  no_cpu_kernel("frames_avx2");
}

#endif

}  // namespace

torch::Tensor product_per_frame(const torch::Tensor& left, const torch::Tensor& frames,
                                const Epilogue* end) {
  RECORD_FUNCTION("cpnas::product_per_frame", std::vector<c10::IValue>());
  const int64_t batch = frames.size(0), rows = left.size(0), joints = left.size(1),
                channels = frames.size(2);
  if (end == nullptr && (torch::GradMode::is_enabled() || !use_cpu_kernels() || !frames.is_cpu() ||
                         frames.scalar_type() != torch::kFloat ||
                         left.scalar_type() != torch::kFloat || !frames.is_contiguous())) {
    return at::bmm(left.expand({batch, rows, joints}), frames);
  }
  TORCH_INTERNAL_ASSERT(use_cpu_kernels() && frames.scalar_type() == torch::kFloat &&
                        left.scalar_type() == torch::kFloat);
  const auto f = frames.contiguous();
  const SparseRows sparse = sparse_rows(left);
  auto out = at::empty({batch, rows, channels}, frames.options());
  const float* fp = f.data_ptr<float>();
  float* op = out.data_ptr<float>();
  const EpilogueRows e = end ? rows_of(*end) : EpilogueRows{nullptr, nullptr, nullptr};
  simd::dispatch(end ? end->activation : Activation::relu, [&](auto a) {
    constexpr Activation A = decltype(a)::value;
    parallel_ranges(0, batch, 16, [&](int64_t begin, int64_t stop) {
      if (end) {
        frames_avx2<A, true>(sparse, joints, fp, channels, op, e, begin, stop);
      } else {
        frames_avx2<A, false>(sparse, joints, fp, channels, op, e, begin, stop);
      }
    });
  });
  return out;
}

}  // namespace cpnas
