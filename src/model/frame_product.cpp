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

// For each of left's entries (r, j), adds sum over frames [begin, stop) and channels of
// grad[b, r, c] * frames[b, j, c] to sums[entry]: left's gradient where it may be non-zero. A
// frame's rows stay in L1 while every entry reading them is visited.
__attribute__((target("avx2,fma"))) void entry_gradients_avx2(const SparseRows& left,
                                                              int64_t joints, const float* grad,
                                                              const float* frames, int64_t channels,
                                                              int64_t begin, int64_t stop,
                                                              float* sums) {
  const int64_t rows = left.rows(), entries = left.start.back();
  std::vector<float> lanes(static_cast<size_t>(entries * 8), 0.0f);  // 8 partial sums each
  std::vector<float> tails(static_cast<size_t>(entries), 0.0f);
  for (int64_t b = begin; b < stop; ++b) {
    const float* frame = frames + b * joints * channels;
    for (int64_t r = 0; r < rows; ++r) {
      const float* g = grad + (b * rows + r) * channels;
      for (int64_t i = left.start[r]; i < left.start[r + 1]; ++i) {
        const float* f = frame + left.column[i] * channels;
        __m256 acc = _mm256_loadu_ps(&lanes[i * 8]);
        int64_t c = 0;
        for (; c + 8 <= channels; c += 8) {
          acc = _mm256_fmadd_ps(_mm256_loadu_ps(g + c), _mm256_loadu_ps(f + c), acc);
        }
        _mm256_storeu_ps(&lanes[i * 8], acc);
        for (; c < channels; ++c) tails[i] += g[c] * f[c];
      }
    }
  }
  for (int64_t i = 0; i < entries; ++i) {
    float sum = tails[i];
    for (int k = 0; k < 8; ++k) sum += lanes[i * 8 + k];
    sums[i] += sum;
  }
}

#else

template <Activation, bool>
void frames_avx2(const SparseRows&, int64_t, const float*, int64_t, float*, const EpilogueRows&,
                 int64_t, int64_t) {
  no_cpu_kernel("frames_avx2");
}

void entry_gradients_avx2(const SparseRows&, int64_t, const float*, const float*, int64_t, int64_t,
                          int64_t, float*) {
  no_cpu_kernel("entry_gradients_avx2");
}

#endif

// sparse [R, J] times each frame of contiguous fp32 frames [B, J, C]: [B, R, C], through `end`
// when given.
torch::Tensor sparse_product(const SparseRows& sparse, int64_t joints, const torch::Tensor& frames,
                             const Epilogue* end) {
  const int64_t batch = frames.size(0), rows = sparse.rows(), channels = frames.size(2);
  auto out = at::empty({batch, rows, channels}, frames.options());
  const float* fp = frames.data_ptr<float>();
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

// left's gradient [R, J] at its entries, zero elsewhere. The frames are summed in a fixed number
// of parts, each on one thread, and the parts in order: the same sums on any number of threads.
torch::Tensor left_gradient(const SparseRows& left, int64_t joints, const torch::Tensor& grad,
                            const torch::Tensor& frames) {
  constexpr int64_t kParts = 64;
  const int64_t batch = frames.size(0), channels = frames.size(2), entries = left.start.back();
  const int64_t parts = std::min(kParts, batch);
  std::vector<float> sums(static_cast<size_t>(parts * entries), 0.0f);
  const float* gp = grad.data_ptr<float>();
  const float* fp = frames.data_ptr<float>();
  parallel_ranges(0, parts, 1, [&](int64_t first, int64_t last) {
    for (int64_t p = first; p < last; ++p) {
      entry_gradients_avx2(left, joints, gp, fp, channels, p * batch / parts,
                           (p + 1) * batch / parts, sums.data() + p * entries);
    }
  });
  auto out = torch::zeros({left.rows(), joints}, frames.options());
  float* op = out.data_ptr<float>();
  for (int64_t r = 0; r < left.rows(); ++r) {
    for (int64_t i = left.start[r]; i < left.start[r + 1]; ++i) {
      float sum = 0.0f;
      for (int64_t p = 0; p < parts; ++p) sum += sums[p * entries + i];
      op[r * joints + left.column[i]] = sum;
    }
  }
  return out;
}

// The product in training: the kernel forward and backward, left's gradient at the support's
// entries. LibTorch 1.13's bmm takes the frames one by one through OpenBLAS (4,800 calls for a
// batch of 32 windows of 150 frames), forward and twice backward.
struct FrameProductFunction : torch::autograd::Function<FrameProductFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& left,
                               const torch::Tensor& frames, const torch::Tensor& support) {
    ctx->save_for_backward({left, frames, support});
    return sparse_product(sparse_rows(left, support), left.size(1), frames, nullptr);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    RECORD_FUNCTION("cpnas::product_per_frame_backward", std::vector<c10::IValue>());
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &left = saved[0], &frames = saved[1], &support = saved[2];
    const torch::Tensor grad = grads[0].contiguous();
    torch::Tensor left_grad, frames_grad;
    if (ctx->needs_input_grad(0)) {
      left_grad = left_gradient(sparse_rows(left, support), left.size(1), grad, frames);
    }
    if (ctx->needs_input_grad(1)) {
      frames_grad = sparse_product(sparse_rows(left.t(), support.t()), left.size(0), grad, nullptr);
    }
    return {left_grad, frames_grad, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor product_per_frame(const torch::Tensor& left, const torch::Tensor& frames,
                                const Epilogue* end, const torch::Tensor& support) {
  // With its operands: cpnas profile counts it as the batched product it computes.
  RECORD_FUNCTION("cpnas::product_per_frame", std::vector<c10::IValue>({left, frames}));
  const bool on_cpu = use_cpu_kernels() && frames.is_cpu() && frames.is_contiguous();
  const bool kernel =
      on_cpu && frames.scalar_type() == torch::kFloat && left.scalar_type() == torch::kFloat;
  if (end == nullptr && torch::GradMode::is_enabled() && on_cpu && support.defined() &&
      (frames.scalar_type() == torch::kFloat || frames.scalar_type() == torch::kBFloat16)) {
    // Under bf16 autocast the convolution before returns bf16: the product reads it as fp32 (the
    // cast's gradient casts back), which costs less than at::bmm's frame-by-frame bf16 products.
    return FrameProductFunction::apply(left.to(torch::kFloat), frames.to(torch::kFloat), support);
  }
  if (end == nullptr && (torch::GradMode::is_enabled() || !kernel)) {
    return at::bmm(left.expand({frames.size(0), left.size(0), left.size(1)}), frames);
  }
  TORCH_INTERNAL_ASSERT(kernel);
  return sparse_product(sparse_rows(left), left.size(1), frames, end);
}

}  // namespace cpnas
