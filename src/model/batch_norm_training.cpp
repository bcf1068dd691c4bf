// BatchNorm in training (cpnas::host::batch_norm and batch_norm_activate, batch_norm.hpp). On the
// CPU a layer's BatchNorm and the activation after it run as one autograd node over channels-last
// memory, read as a [rows, C] matrix: the forward reads its input twice (statistics, then the
// activated output) where LibTorch's BatchNorm and swish read and write five times, and the
// backward reads the incoming gradient and the input twice without storing the normalised values
// (in fp32 the first pass keeps swish's gradient in the output buffer for the second; in bf16,
// and for the cheaper activations, the second computes it again), where LibTorch's pair passes
// over memory eight times. The statistics are summed in double precision over 64 fixed parts of
// the rows, so that they are the same on any thread count. Elsewhere (a GPU, another layout or
// type, CPNAS_CPU_KERNELS=off) LibTorch's operators do the work.
#include "model/batch_norm_training.hpp"

#include <ATen/record_function.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "cpnas/layers.hpp"
#include "dist/batch_shard.hpp"
#include "dist/sync_batch_norm.hpp"
#include "model/cpu_features.hpp"
#include "model/element_type.hpp"
#include "model/parallel.hpp"
#include "model/simd_math.hpp"

namespace cpnas {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int64_t kParts = 64;

// The kernels' activation: Identity (BatchNorm alone) or std::integral_constant<Activation, A>.
struct Identity {};

// Per-channel coefficients of one layer, fp32, each [C].
struct Channels {
  const float* scale;  // weight * invstd: the normalised value is x * scale + shift
  const float* shift;  // bias - mean * scale
  const float* mean;
  const float* invstd;
};

#if defined(__x86_64__)

#define CPNAS_AVX2_FMA __attribute__((target("avx2,fma")))

// acc[0, 8) += v, widened to double.
CPNAS_AVX2_FMA inline void add_wide(double* acc, __m256 v) {
  const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
  const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
  _mm256_storeu_pd(acc, _mm256_add_pd(_mm256_loadu_pd(acc), lo));
  _mm256_storeu_pd(acc + 4, _mm256_add_pd(_mm256_loadu_pd(acc + 4), hi));
}

// acc[0, 8) += v * v in double (exact products of fp32 values).
CPNAS_AVX2_FMA inline void add_wide_square(double* acc, __m256 v) {
  const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
  const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
  _mm256_storeu_pd(acc, _mm256_fmadd_pd(lo, lo, _mm256_loadu_pd(acc)));
  _mm256_storeu_pd(acc + 4, _mm256_fmadd_pd(hi, hi, _mm256_loadu_pd(acc + 4)));
}

// sums[c] += x, squares[c] += x * x over rows [begin, end) of x [rows, C].
template <class T>
CPNAS_AVX2_FMA void sum_rows(const T* x, int64_t channels, int64_t begin, int64_t end, double* sums,
                             double* squares) {
  for (int64_t r = begin; r < end; ++r) {
    const T* row = x + r * channels;
    int64_t c = 0;
    for (; c + 8 <= channels; c += 8) {
      const __m256 v = simd::load(row + c);
      add_wide(sums + c, v);
      add_wide_square(squares + c, v);
    }
    for (; c < channels; ++c) {
      const double v = float(row[c]);
      sums[c] += v;
      squares[c] += v * v;
    }
  }
}

// y = Act(x * scale + shift) (+ residual where not null) over rows [begin, end).
template <class Act, class T>
CPNAS_AVX2_FMA void normalise_rows(const T* x, const T* residual, T* y, int64_t channels,
                                   const Channels& k, int64_t begin, int64_t end) {
  for (int64_t i = begin * channels; i < end * channels; i += channels) {
    int64_t c = 0;
    for (; c + 8 <= channels; c += 8) {
      __m256 h = _mm256_fmadd_ps(simd::load(x + i + c), _mm256_loadu_ps(k.scale + c),
                                 _mm256_loadu_ps(k.shift + c));
      if constexpr (!std::is_same_v<Act, Identity>) h = simd::activate<Act::value>(h);
      if (residual) h = _mm256_add_ps(h, simd::load(residual + i + c));
      simd::store(y + i + c, h);
    }
    for (; c < channels; ++c) {
      float h = float(x[i + c]) * k.scale[c] + k.shift[c];
      if constexpr (!std::is_same_v<Act, Identity>) h = simd::activate<Act::value>(h);
      y[i + c] = static_cast<T>(residual ? h + float(residual[i + c]) : h);
    }
  }
}

// The gradient with respect to the normalised values (before the activation) of 8 channels.
template <class Act>
CPNAS_AVX2_FMA inline __m256 normalised_gradient(__m256 x, __m256 g, const Channels& k, int64_t c) {
  if constexpr (std::is_same_v<Act, Identity>) {
    return g;
  } else {
    const __m256 h = _mm256_fmadd_ps(x, _mm256_loadu_ps(k.scale + c), _mm256_loadu_ps(k.shift + c));
    return simd::activation_gradient<Act::value>(h, g);
  }
}

template <class Act>
inline float normalised_gradient(float x, float g, const Channels& k, int64_t c) {
  if constexpr (std::is_same_v<Act, Identity>) {
    return g;
  } else {
    return simd::activation_gradient<Act::value>(x * k.scale[c] + k.shift[c], g);
  }
}

// With d the gradient of the normalised values and xhat = (x - mean) * invstd: d_sums[c] += d,
// d_xhat_sums[c] += d * xhat over rows [begin, end); d is also stored where `stored` is not null.
// Blocks of rows are summed in fp32 first (widening every vector to double made this pass
// compute-bound).
template <class Act, class T>
CPNAS_AVX2_FMA void sum_gradient_rows(const T* x, const T* g, int64_t channels, const Channels& k,
                                      int64_t begin, int64_t end, double* d_sums,
                                      double* d_xhat_sums, float* stored) {
  constexpr int64_t kBlockRows = 32;
  std::vector<float> block(2 * channels);
  float* const bd = block.data();
  float* const bx = bd + channels;
  for (int64_t first = begin; first < end; first += kBlockRows) {
    std::fill(block.begin(), block.end(), 0.0f);
    const int64_t last = std::min(end, first + kBlockRows);
    for (int64_t i = first * channels; i < last * channels; i += channels) {
      int64_t c = 0;
      for (; c + 8 <= channels; c += 8) {
        const __m256 v = simd::load(x + i + c);
        const __m256 d = normalised_gradient<Act>(v, simd::load(g + i + c), k, c);
        if (stored) _mm256_storeu_ps(stored + i + c, d);
        const __m256 xhat = _mm256_mul_ps(_mm256_sub_ps(v, _mm256_loadu_ps(k.mean + c)),
                                          _mm256_loadu_ps(k.invstd + c));
        _mm256_storeu_ps(bd + c, _mm256_add_ps(_mm256_loadu_ps(bd + c), d));
        _mm256_storeu_ps(bx + c, _mm256_fmadd_ps(d, xhat, _mm256_loadu_ps(bx + c)));
      }
      for (; c < channels; ++c) {
        const float v = float(x[i + c]);
        const float d = normalised_gradient<Act>(v, float(g[i + c]), k, c);
        if (stored) stored[i + c] = d;
        bd[c] += d;
        bx[c] += d * ((v - k.mean[c]) * k.invstd[c]);
      }
    }
    for (int64_t c = 0; c < channels; ++c) {
      d_sums[c] += bd[c];
      d_xhat_sums[c] += bx[c];
    }
  }
}

// dx = (d - d_mean - xhat * d_xhat_mean) * scale over rows [begin, end).
template <class Act, class T>
CPNAS_AVX2_FMA void input_gradient_rows(const T* x, const T* g, T* dx, int64_t channels,
                                        const Channels& k, const float* d_mean,
                                        const float* d_xhat_mean, int64_t begin, int64_t end) {
  for (int64_t i = begin * channels; i < end * channels; i += channels) {
    int64_t c = 0;
    for (; c + 8 <= channels; c += 8) {
      const __m256 v = simd::load(x + i + c);
      const __m256 d = normalised_gradient<Act>(v, simd::load(g + i + c), k, c);
      const __m256 xhat = _mm256_mul_ps(_mm256_sub_ps(v, _mm256_loadu_ps(k.mean + c)),
                                        _mm256_loadu_ps(k.invstd + c));
      const __m256 centred = _mm256_fnmadd_ps(xhat, _mm256_loadu_ps(d_xhat_mean + c),
                                              _mm256_sub_ps(d, _mm256_loadu_ps(d_mean + c)));
      simd::store(dx + i + c, _mm256_mul_ps(centred, _mm256_loadu_ps(k.scale + c)));
    }
    for (; c < channels; ++c) {
      const float v = float(x[i + c]);
      const float d = normalised_gradient<Act>(v, float(g[i + c]), k, c);
      const float xhat = (v - k.mean[c]) * k.invstd[c];
      dx[i + c] = static_cast<T>((d - d_mean[c] - xhat * d_xhat_mean[c]) * k.scale[c]);
    }
  }
}

#undef CPNAS_AVX2_FMA

#else

template <class T>
void sum_rows(const T*, int64_t, int64_t, int64_t, double*, double*) {
  no_cpu_kernel("sum_rows");
}
template <class Act, class T>
void normalise_rows(const T*, const T*, T*, int64_t, const Channels&, int64_t, int64_t) {
  no_cpu_kernel("normalise_rows");
}
template <class Act, class T>
void sum_gradient_rows(const T*, const T*, int64_t, const Channels&, int64_t, int64_t, double*,
                       double*, float*) {
  no_cpu_kernel("sum_gradient_rows");
}
template <class Act, class T>
void input_gradient_rows(const T*, const T*, T*, int64_t, const Channels&, const float*,
                         const float*, int64_t, int64_t) {
  no_cpu_kernel("input_gradient_rows");
}

#endif

// Two per-channel sums over all rows ([2C] doubles), each of kParts fixed parts of the rows
// summed on its own and the parts added in order: the same bits on any thread count.
// sum_part(begin, end, first, second) adds rows [begin, end) into first[C] and second[C].
template <class F>
std::vector<double> column_sums(int64_t rows, int64_t channels, F&& sum_part) {
  std::vector<double> parts(kParts * 2 * channels, 0.0);
  parallel_ranges(0, kParts, 1, [&](int64_t first, int64_t last) {
    for (int64_t p = first; p < last; ++p) {
      double* out = parts.data() + p * 2 * channels;
      sum_part(rows * p / kParts, rows * (p + 1) / kParts, out, out + channels);
    }
  });
  std::vector<double> total(2 * channels, 0.0);
  for (int64_t p = 0; p < kParts; ++p) {
    for (int64_t i = 0; i < 2 * channels; ++i) total[i] += parts[p * 2 * channels + i];
  }
  return total;
}

// Rows of ~32 K values per task.
int64_t row_grain(int64_t channels) {
  return std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(channels, 1));
}

// The per-channel coefficients from BatchNorm's mean and inverse standard deviation (fp32, [C]).
struct Coefficients {
  torch::Tensor scale, shift, mean, invstd;

  Coefficients(const torch::Tensor& mean_, const torch::Tensor& invstd_,
               const torch::Tensor& weight, const torch::Tensor& bias)
      : mean(mean_.to(torch::kFloat).contiguous()), invstd(invstd_.to(torch::kFloat).contiguous()) {
    scale = (invstd * weight.detach().to(torch::kFloat)).contiguous();
    shift = (bias.detach().to(torch::kFloat) - mean * scale).contiguous();
  }

  Channels view() const {
    return {scale.data_ptr<float>(), shift.data_ptr<float>(), mean.data_ptr<float>(),
            invstd.data_ptr<float>()};
  }
};

// An activation as the autograd node keeps it: Activation's value, or kNoActivation.
constexpr int64_t kNoActivation = -1;

int64_t activation_code(c10::optional<Activation> a) {
  return a ? static_cast<int64_t>(*a) : kNoActivation;
}

// Calls f(Identity{}) for kNoActivation, else f(std::integral_constant<Activation, A>{}).
template <class F>
void with_activation(int64_t code, F&& f) {
  if (code == kNoActivation) {
    f(Identity{});
  } else {
    simd::dispatch(static_cast<Activation>(code), f);
  }
}

struct BatchNormActivation : torch::autograd::Function<BatchNormActivation> {
  // residual: added to the output in the same pass (the layer's residual connection); LibTorch
  // 1.13's custom functions take no undefined tensors.
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               const c10::optional<torch::Tensor>& residual, BatchNormImpl* bn,
                               Collective* group, int64_t activation) {
    RECORD_FUNCTION("cpnas::batch_norm_training", std::vector<c10::IValue>());
    const int64_t channels = x.size(1), rows = x.numel() / channels;
    auto stats = torch::empty({2 * channels + 1}, torch::kDouble);
    with_element_type(x, [&](auto t) {
      using scalar_t = decltype(t);
      const scalar_t* in = x.data_ptr<scalar_t>();
      const auto sums = column_sums(
          rows, channels,
          [&](int64_t b, int64_t e, double* s, double* q) { sum_rows(in, channels, b, e, s, q); });
      std::copy(sums.begin(), sums.end(), stats.data_ptr<double>());
    });
    stats[2 * channels].fill_(static_cast<double>(rows));
    if (group != nullptr) group->sum(stats);
    const double count = stats[2 * channels].item<double>();
    const auto [mean, var] = finish_batch_statistics(*bn, stats);
    const Coefficients k(mean, (var + BatchNormImpl::kEps).rsqrt(), weight, bias);

    auto y = at::empty_like(x);
    with_element_type(x, [&](auto t) {
      using scalar_t = decltype(t);
      const scalar_t* in = x.data_ptr<scalar_t>();
      scalar_t* out = y.data_ptr<scalar_t>();
      const scalar_t* added = residual ? residual->data_ptr<scalar_t>() : nullptr;
      const Channels c = k.view();
      with_activation(activation, [&](auto act) {
        parallel_ranges(0, rows, row_grain(channels), [&](int64_t b, int64_t e) {
          normalise_rows<decltype(act)>(in, added, out, channels, c, b, e);
        });
      });
    });
    ctx->save_for_backward({x, weight, bias, k.mean, k.invstd});
    ctx->saved_data["count"] = count;
    ctx->saved_data["group"] = reinterpret_cast<int64_t>(group);
    ctx->saved_data["activation"] = activation;
    ctx->saved_data["residual"] = residual.has_value();
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    RECORD_FUNCTION("cpnas::batch_norm_training_backward", std::vector<c10::IValue>());
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& weight = saved[1];
    const Coefficients k(saved[3], saved[4], weight, saved[2]);
    const double count = ctx->saved_data["count"].toDouble();
    auto* group = reinterpret_cast<Collective*>(ctx->saved_data["group"].toInt());
    const int64_t activation = ctx->saved_data["activation"].toInt();
    const auto g = laid_out_as(grads[0], x);
    const int64_t channels = x.size(1), rows = x.numel() / channels;
    const Channels c = k.view();

    auto dx = at::empty_like(x);
    // In fp32 the first pass stores swish's gradient in dx, where the second reads it instead of
    // computing it again (the passes are bound by arithmetic more than by memory); the other
    // activations' gradients cost less to compute again than to store.
    const bool swish = activation == static_cast<int64_t>(Activation::swish);
    float* stored = swish && x.scalar_type() == torch::kFloat ? dx.data_ptr<float>() : nullptr;
    auto sums = torch::empty({2 * channels}, torch::kDouble);
    with_element_type(x, [&](auto t) {
      using scalar_t = decltype(t);
      const scalar_t* in = x.data_ptr<scalar_t>();
      const scalar_t* gp = g.data_ptr<scalar_t>();
      with_activation(activation, [&](auto act) {
        const auto s =
            column_sums(rows, channels, [&](int64_t b, int64_t e, double* d, double* d_xhat) {
              sum_gradient_rows<decltype(act)>(in, gp, channels, c, b, e, d, d_xhat, stored);
            });
        std::copy(s.begin(), s.end(), sums.data_ptr<double>());
      });
    });
    // This rank's share of the weight's and bias's gradients (the trainer sums them).
    const auto dweight = sums.slice(0, channels, 2 * channels).to(weight.scalar_type());
    const auto dbias = sums.slice(0, 0, channels).to(weight.scalar_type());
    if (group != nullptr) group->sum(sums);
    const auto means = (sums / count).to(torch::kFloat).contiguous();

    with_element_type(x, [&](auto t) {
      using scalar_t = decltype(t);
      const scalar_t* in = x.data_ptr<scalar_t>();
      scalar_t* out = dx.data_ptr<scalar_t>();
      const float* d_mean = means.data_ptr<float>();
      const auto pass = [&](auto act, const scalar_t* gp) {
        parallel_ranges(0, rows, row_grain(channels), [&](int64_t b, int64_t e) {
          input_gradient_rows<decltype(act)>(in, gp, out, channels, c, d_mean, d_mean + channels, b,
                                             e);
        });
      };
      if constexpr (std::is_same_v<scalar_t, float>) {
        if (stored) return pass(Identity{}, stored);
      }
      with_activation(activation, [&](auto act) { pass(act, g.data_ptr<scalar_t>()); });
    });
    // The residual's gradient is the output's (its edge, where it has one, follows the bias's).
    const bool residual = ctx->saved_data["residual"].toBool();
    const auto dresidual = residual && ctx->needs_input_grad(3) ? grads[0] : torch::Tensor();
    return {dx, dweight, dbias, dresidual, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// The group whose ranks share the current batch, or null when this process holds all of it.
Collective* batch_group() {
  const BatchShard* shard = current_batch_shard();
  if (shard == nullptr || shard->group == nullptr || shard->group->size() == 1) return nullptr;
  return shard->group;
}

}  // namespace

bool has_training_kernel(const BatchNormImpl& bn, const torch::Tensor& x) {
  return use_cpu_kernels() && x.device().is_cpu() && x.dim() == 4 && x.size(1) > 0 &&
         fp32_or_bf16(x) && x.is_contiguous(torch::MemoryFormat::ChannelsLast) &&
         bn.weight.defined() && bn.bias.defined() && bn.weight.scalar_type() == torch::kFloat &&
         bn.bias.scalar_type() == torch::kFloat && bn.weight.device().is_cpu();
}

torch::Tensor batch_norm_activate_add(BatchNormImpl& bn, const torch::Tensor& x, Activation a,
                                      const torch::Tensor& residual) {
  if (bn.is_training() && has_training_kernel(bn, x) && residual.sizes() == x.sizes() &&
      residual.scalar_type() == x.scalar_type() && residual.device() == x.device() &&
      residual.is_contiguous(torch::MemoryFormat::ChannelsLast)) {
    return BatchNormActivation::apply(x, bn.weight, bn.bias, residual, &bn, batch_group(),
                                      activation_code(a));
  }
  return add_into(bn.forward_activated(x, a), residual);
}

namespace host {

torch::Tensor batch_norm(BatchNormImpl& bn, const torch::Tensor& x) {
  Collective* group = batch_group();
  if (has_training_kernel(bn, x)) {
    return BatchNormActivation::apply(x, bn.weight, bn.bias, c10::nullopt, &bn, group,
                                      kNoActivation);
  }
  return group ? synchronised_batch_norm(bn, x, *group) : bn.local_forward(x);
}

torch::Tensor batch_norm_activate(BatchNormImpl& bn, const torch::Tensor& x, Activation a) {
  if (has_training_kernel(bn, x)) {
    return BatchNormActivation::apply(x, bn.weight, bn.bias, c10::nullopt, &bn, batch_group(),
                                      activation_code(a));
  }
  return activate_(a, batch_norm(bn, x));
}

}  // namespace host
}  // namespace cpnas
