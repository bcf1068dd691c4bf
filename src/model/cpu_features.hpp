#pragma once
// Whether the core's hand-written CPU kernels (swish, per-frame products, the fused graph layer
// and epilogues of evaluation) run. They are compiled for AVX2 + FMA with target attributes, so
// the build itself needs no -mavx2; every entry checks use_cpu_kernels() and LibTorch's
// operators do the work otherwise.

#include <cstdlib>
#include <string>

#include "io/error.hpp"

namespace cpnas {

inline bool cpu_has_avx2_fma() {
#if defined(__x86_64__)
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

/// False when the CPU lacks AVX2 and FMA, or when CPNAS_CPU_KERNELS=off asks for LibTorch's
/// operators everywhere (to compare against them, or to rule the kernels out of a problem).
/// Another value than on or off is an error.
inline bool use_cpu_kernels() {
  static const bool yes = [] {
    const char* value = std::getenv("CPNAS_CPU_KERNELS");
    const std::string setting = value ? value : "on";
    if (setting != "on" && setting != "off") {
      throw Error("CPNAS_CPU_KERNELS='" + setting + "': use on or off");
    }
    return setting == "on" && cpu_has_avx2_fma();
  }();
  return yes;
}

/// What the non-x86 builds of the kernels do if reached, which use_cpu_kernels() prevents: fail
/// loudly rather than leave their output unwritten.
[[noreturn]] inline void no_cpu_kernel(const char* kernel) {
  throw Error(std::string("internal error: the AVX2 kernel ") + kernel +
              " was called in a build for another CPU; run with CPNAS_CPU_KERNELS=off and report "
              "it");
}

}  // namespace cpnas
