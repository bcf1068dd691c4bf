#pragma once
// Whether this CPU runs the AVX2 + FMA kernels of evaluation (swish, per-frame products); they
// are compiled for it with target attributes, so the build itself needs no -mavx2.

namespace cpnas {

inline bool cpu_has_avx2_fma() {
#if defined(__x86_64__)
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

}  // namespace cpnas
