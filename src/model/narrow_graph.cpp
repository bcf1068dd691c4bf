#include "model/narrow_graph.hpp"

#include <ATen/record_function.h>

#include <vector>

#include "model/cpu_features.hpp"
#include "model/parallel.hpp"
#include "model/simd_math.hpp"
#include "model/sparse_rows.hpp"

namespace cpnas {
namespace {

struct Layer {
  const float* x;                   // [F, V, C_in]: frames of the channels-last input
  const float* weight;              // [K * C_in, C_out]: BatchNorm's scale folded in
  const float* shift;               // [V, C_out]: aggregated bias, scaled, plus BatchNorm's shift
  const float* residual;            // [F, V, C_out] or null
  const float* projection;          // [C_in, C_out] or null: the residual from x
  const float* projection_bias;     // [C_out]
  float* out;                       // [F, V, C_out]
  int64_t joints, inputs, outputs;  // V, K * C_in, C_out
  int64_t channels;                 // C_in
};

#if defined(__x86_64__)

// Output channels [c, c + W) of one joint from its aggregated inputs `in` [K * C_in].
template <int W, Activation A>
__attribute__((target("avx2,fma"))) inline void joint_block(const Layer& l, const float* in,
                                                            int64_t joint, int64_t row, int64_t c) {
  __m256 acc[W / 8];
#pragma GCC unroll 8
  for (int i = 0; i < W / 8; ++i) {
    acc[i] = _mm256_loadu_ps(l.shift + joint * l.outputs + c + 8 * i);
  }
  for (int64_t j = 0; j < l.inputs; ++j) {
    const __m256 s = _mm256_broadcast_ss(in + j);
    const float* w = l.weight + j * l.outputs + c;
#pragma GCC unroll 8
    for (int i = 0; i < W / 8; ++i) acc[i] = _mm256_fmadd_ps(s, _mm256_loadu_ps(w + 8 * i), acc[i]);
  }
  __m256 residual[W / 8];  // zero where the layer has none
#pragma GCC unroll 8
  for (int i = 0; i < W / 8; ++i) {
    residual[i] = l.projection ? _mm256_loadu_ps(l.projection_bias + c + 8 * i)
                  : l.residual ? _mm256_loadu_ps(l.residual + row * l.outputs + c + 8 * i)
                               : _mm256_setzero_ps();
  }
  if (l.projection) {
    for (int64_t ci = 0; ci < l.channels; ++ci) {
      const __m256 s = _mm256_broadcast_ss(l.x + row * l.channels + ci);
      const float* w = l.projection + ci * l.outputs + c;
#pragma GCC unroll 8
      for (int i = 0; i < W / 8; ++i) {
        residual[i] = _mm256_fmadd_ps(s, _mm256_loadu_ps(w + 8 * i), residual[i]);
      }
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < W / 8; ++i) {
    _mm256_storeu_ps(l.out + row * l.outputs + c + 8 * i,
                     _mm256_add_ps(simd::activate<A>(acc[i]), residual[i]));
  }
}

template <Activation A>
__attribute__((target("avx2,fma"))) void narrow_frames(const Layer& l,
                                                       const SparseRows& aggregation, int64_t begin,
                                                       int64_t stop) {
  const int64_t channels = l.channels;
  std::vector<float> aggregated(l.joints * l.inputs);  // [V, K, C_in]
  for (int64_t f = begin; f < stop; ++f) {
    const float* frame = l.x + f * l.joints * channels;
    for (int64_t r = 0; r < aggregation.rows(); ++r) {
      float* a = aggregated.data() + r * channels;
      for (int64_t ci = 0; ci < channels; ++ci) a[ci] = 0.0f;
      for (int64_t e = aggregation.start[r]; e < aggregation.start[r + 1]; ++e) {
        const float g = aggregation.value[e];
        const float* in = frame + aggregation.column[e] * channels;
        for (int64_t ci = 0; ci < channels; ++ci) a[ci] += g * in[ci];
      }
    }
    for (int64_t joint = 0; joint < l.joints; ++joint) {
      const float* in = aggregated.data() + joint * l.inputs;
      const int64_t row = f * l.joints + joint;
      int64_t c = 0;
      for (; c + 32 <= l.outputs; c += 32) joint_block<32, A>(l, in, joint, row, c);
      for (; c + 8 <= l.outputs; c += 8) joint_block<8, A>(l, in, joint, row, c);
      for (; c < l.outputs; ++c) {
        float sum = l.shift[joint * l.outputs + c];
        for (int64_t j = 0; j < l.inputs; ++j) sum += in[j] * l.weight[j * l.outputs + c];
        sum = simd::activate<A>(sum);
        if (l.projection) {
          float r = l.projection_bias[c];
          for (int64_t ci = 0; ci < l.channels; ++ci) {
            r += l.x[row * l.channels + ci] * l.projection[ci * l.outputs + c];
          }
          sum += r;
        } else if (l.residual) {
          sum += l.residual[row * l.outputs + c];
        }
        l.out[row * l.outputs + c] = sum;
      }
    }
  }
}

#else

template <Activation>
void narrow_frames(const Layer&, const SparseRows&, int64_t, int64_t) {
  no_cpu_kernel("narrow_frames");
}

#endif

}  // namespace

torch::Tensor narrow_graph_layer(const torch::Tensor& x, const torch::Tensor& graph,
                                 const torch::Tensor& weight, const torch::Tensor& bias,
                                 const Epilogue& end, const Projection* residual) {
  RECORD_FUNCTION("cpnas::narrow_graph_layer", std::vector<c10::IValue>());
  TORCH_INTERNAL_ASSERT(vectorised(x, end.residual) && !(residual && end.residual.defined()));
  const int64_t n = x.size(0), in = x.size(1), t = x.size(2), v = x.size(3),
                subsets = graph.size(0), out = weight.size(0) / subsets;
  // Row (w, k) of the aggregation holds G_k[:, w], so that a joint's K aggregated inputs are
  // adjacent, in the order of the folded weights' rows (k, c_in).
  const SparseRows aggregation = sparse_rows(graph.permute({2, 0, 1}).reshape({v * subsets, v}));
  const auto scale = end.scale.view({1, out, 1});
  const auto folded = (weight.view({subsets, out, in}) * scale)
                          .permute({0, 2, 1})
                          .contiguous();  // [K, C_in, C_out]
  // b_k times the column sums of G_k, per output channel and joint, through BatchNorm.
  const auto shift = (bias.view({subsets, out}).t().mm(graph.sum(1)) * end.scale.view({out, 1}) +
                      end.shift.view({out, 1}))
                         .t()
                         .contiguous();  // [V, C_out]
  torch::Tensor projection, projection_bias;
  if (residual) {
    projection = residual->weight.t().contiguous();  // [C_in, C_out]
    projection_bias = residual->bias.contiguous();
  }
  auto y = at::empty({n, out, t, v}, x.options().memory_format(at::MemoryFormat::ChannelsLast));
  const Layer l{x.data_ptr<float>(),
                folded.data_ptr<float>(),
                shift.data_ptr<float>(),
                end.residual.defined() ? end.residual.data_ptr<float>() : nullptr,
                residual ? projection.data_ptr<float>() : nullptr,
                residual ? projection_bias.data_ptr<float>() : nullptr,
                y.data_ptr<float>(),
                v,
                subsets * in,
                out,
                in};
  simd::dispatch(end.activation, [&](auto a) {
    parallel_ranges(0, n * t, 16, [&](int64_t begin, int64_t stop) {
      narrow_frames<decltype(a)::value>(l, aggregation, begin, stop);
    });
  });
  return y;
}

}  // namespace cpnas
