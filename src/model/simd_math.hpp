#pragma once
// AVX2 activations on 8 floats, shared by the evaluation kernels (swish.cpp, epilogue.cpp,
// frame_product.cpp). Each function carries its own target attribute, so the build needs no
// -mavx2; callers check use_cpu_kernels() first.

#include <algorithm>
#include <cmath>
#include <type_traits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <c10/util/BFloat16.h>

#include "cpnas/activation.hpp"

namespace cpnas {
namespace simd {

#if defined(__x86_64__)

#define CPNAS_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline

/// 1 + exp(-x), with exp evaluated as Cephes' expf does (a degree-6 polynomial after range
/// reduction, relative error ~2e-7). -x is clamped first: max/min return their second operand
/// for a NaN, so a NaN input gives a finite value and x / (1 + exp(-x)) stays NaN.
CPNAS_AVX2 __m256 one_plus_exp_neg(__m256 x) {
  const __m256 hi = _mm256_set1_ps(88.3762626647949f), lo = _mm256_set1_ps(-88.3762626647949f);
  const __m256 one = _mm256_set1_ps(1.0f);
  __m256 a = _mm256_min_ps(_mm256_max_ps(_mm256_sub_ps(_mm256_setzero_ps(), x), lo), hi);
  const __m256 k = _mm256_floor_ps(
      _mm256_fmadd_ps(a, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  a = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), a);
  a = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), a);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, a, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, a, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, a, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, a, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, a, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, a), a, _mm256_add_ps(a, one));
  const __m256i exponent =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
  return _mm256_add_ps(one, _mm256_mul_ps(p, _mm256_castsi256_ps(exponent)));
}

/// x * sigmoid(x). A NaN stays NaN.
CPNAS_AVX2 __m256 swish(__m256 x) {
  return _mm256_div_ps(x, one_plus_exp_neg(x));
}

/// The derivative of swish scaled by g: g * s * (1 + x * (1 - s)) with s = sigmoid(x), as
/// LibTorch's SiluBackward computes it.
CPNAS_AVX2 __m256 swish_gradient(__m256 x, __m256 g) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 s = _mm256_div_ps(one, one_plus_exp_neg(x));
  return _mm256_mul_ps(_mm256_mul_ps(g, s), _mm256_fmadd_ps(x, _mm256_sub_ps(one, s), one));
}

/// 8 values of fp32 or bf16 memory as fp32.
CPNAS_AVX2 __m256 load(const float* p) {
  return _mm256_loadu_ps(p);
}
CPNAS_AVX2 __m256 load(const c10::BFloat16* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/// 8 fp32 values into fp32 or bf16 memory (rounded to nearest even, as c10::BFloat16 does; NaN
/// stays NaN).
CPNAS_AVX2 void store(float* p, __m256 v) {
  _mm256_storeu_ps(p, v);
}
CPNAS_AVX2 void store(c10::BFloat16* p, __m256 v) {
  const __m256i bits = _mm256_castps_si256(v);
  const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
  __m256i rounded = _mm256_srli_epi32(
      _mm256_add_epi32(bits, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7FFF))), 16);
  const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  rounded = _mm256_blendv_epi8(rounded, _mm256_set1_epi32(0x7FC0), nan);
  // packus works within 128-bit lanes: pack, then gather the two lanes' low halves.
  const __m256i packed =
      _mm256_permute4x64_epi64(_mm256_packus_epi32(rounded, rounded), 0b11011000);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
}

/// The activation `A` of 8 values; NaN propagates as in LibTorch (max/min return their second
/// operand when either is NaN, so x goes second).
template <Activation A>
CPNAS_AVX2 __m256 activate(__m256 x) {
  const __m256 zero = _mm256_setzero_ps(), six = _mm256_set1_ps(6.0f);
  switch (A) {
    case Activation::relu:
      return _mm256_max_ps(zero, x);
    case Activation::relu6:
      return _mm256_min_ps(six, _mm256_max_ps(zero, x));
    case Activation::hardswish: {
      const __m256 gate =
          _mm256_min_ps(six, _mm256_max_ps(zero, _mm256_add_ps(x, _mm256_set1_ps(3.0f))));
      return _mm256_mul_ps(x, _mm256_mul_ps(gate, _mm256_set1_ps(1.0f / 6.0f)));
    }
    case Activation::swish:
      return swish(x);
  }
  return x;
}

/// The gradient through activation `A` of 8 values h, given g after it, as LibTorch's backward
/// operators compute it: relu passes where h > 0 or h is NaN (threshold_backward), relu6 (a clamp)
/// where 0 <= h <= 6, hardswish 0 below -3, g (h / 3 + 1/2) up to 3, g above.
template <Activation A>
CPNAS_AVX2 __m256 activation_gradient(__m256 h, __m256 g) {
  const __m256 zero = _mm256_setzero_ps(), three = _mm256_set1_ps(3.0f);
  switch (A) {
    case Activation::relu:
      return _mm256_and_ps(_mm256_cmp_ps(h, zero, _CMP_NLE_UQ), g);
    case Activation::relu6:
      return _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(h, zero, _CMP_GE_OQ),
                                         _mm256_cmp_ps(h, _mm256_set1_ps(6.0f), _CMP_LE_OQ)),
                           g);
    case Activation::hardswish: {
      const __m256 ramp =
          _mm256_mul_ps(g, _mm256_add_ps(_mm256_div_ps(h, three), _mm256_set1_ps(0.5f)));
      const __m256 up_to_three = _mm256_blendv_ps(g, ramp, _mm256_cmp_ps(h, three, _CMP_LE_OQ));
      return _mm256_andnot_ps(_mm256_cmp_ps(h, _mm256_set1_ps(-3.0f), _CMP_LT_OQ), up_to_three);
    }
    case Activation::swish:
      return swish_gradient(h, g);
  }
  return g;
}

/// The end of a layer in evaluation on 8 channels: activation A of v * scale + shift (BatchNorm
/// with running statistics), plus the residual's 8 values where `residual` is not null.
template <Activation A>
CPNAS_AVX2 __m256 finish(__m256 v, const float* scale, const float* shift, const float* residual) {
  v = activate<A>(_mm256_fmadd_ps(v, _mm256_loadu_ps(scale), _mm256_loadu_ps(shift)));
  return residual ? _mm256_add_ps(v, _mm256_loadu_ps(residual)) : v;
}

#undef CPNAS_AVX2

#endif

/// activate<A>() on one value, for the tails of rows that are not a multiple of 8 wide.
template <Activation A>
inline float activate(float x) {
  switch (A) {
    case Activation::relu:
      return std::isnan(x) ? x : std::max(x, 0.0f);
    case Activation::relu6:
      return std::isnan(x) ? x : std::min(std::max(x, 0.0f), 6.0f);
    case Activation::hardswish:
      return std::isnan(x) ? x : x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case Activation::swish:
      return x / (1.0f + std::exp(-x));
  }
  return x;
}

/// swish_gradient() on one value.
inline float swish_gradient(float x, float g) {
  const float s = 1.0f / (1.0f + std::exp(-x));
  return g * s * (1.0f + x * (1.0f - s));
}

/// activation_gradient<A>() on one value.
template <Activation A>
inline float activation_gradient(float h, float g) {
  switch (A) {
    case Activation::relu:
      return h <= 0.0f ? 0.0f : g;
    case Activation::relu6:
      return h >= 0.0f && h <= 6.0f ? g : 0.0f;
    case Activation::hardswish:
      return h < -3.0f ? 0.0f : h <= 3.0f ? g * (h / 3.0f + 0.5f) : g;
    case Activation::swish:
      return swish_gradient(h, g);
  }
  return g;
}

/// finish<A>() on one value.
template <Activation A>
inline float finish(float v, float scale, float shift, const float* residual) {
  v = activate<A>(v * scale + shift);
  return residual ? v + *residual : v;
}

/// Calls f(std::integral_constant<Activation, A>{}) for the run-time activation `a`: kernels
/// are compiled once per activation, so that none decides per element.
template <class F>
decltype(auto) dispatch(Activation a, F&& f) {
  switch (a) {
    case Activation::relu:
      return f(std::integral_constant<Activation, Activation::relu>{});
    case Activation::relu6:
      return f(std::integral_constant<Activation, Activation::relu6>{});
    case Activation::hardswish:
      return f(std::integral_constant<Activation, Activation::hardswish>{});
    case Activation::swish:
      break;
  }
  return f(std::integral_constant<Activation, Activation::swish>{});
}

}  // namespace simd
}  // namespace cpnas
