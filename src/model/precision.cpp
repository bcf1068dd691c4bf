#include "model/precision.hpp"

#include <ATen/autocast_mode.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include <spdlog/spdlog.h>

#include "io/error.hpp"

// LibTorch 2.4 replaced the per-device autocast setters with ones taking a device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define CPNAS_AUTOCAST_BY_DEVICE_TYPE 1
#else
#define CPNAS_AUTOCAST_BY_DEVICE_TYPE 0
#endif

namespace cpnas {

bool autocast_enabled(bool cuda) {
#if CPNAS_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

namespace {

void set_autocast(bool cuda, bool enabled) {
#if CPNAS_AUTOCAST_BY_DEVICE_TYPE
  const auto type = cuda ? at::kCUDA : at::kCPU;
  at::autocast::set_autocast_dtype(type, at::kBFloat16);
  at::autocast::set_autocast_enabled(type, enabled);
#else
  if (cuda) {
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
}

}  // namespace

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  throw Error("unknown precision '" + name + "' (fp32, bf16)");
}

std::string precision_name(Precision p) {
  return p == Precision::bf16 ? "bf16" : "fp32";
}

bool cpu_has_native_bf16() {
  static const bool native = [] {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
      if (line.rfind("flags", 0) != 0) continue;
      std::istringstream flags(line);
      std::string flag;
      while (flags >> flag) {
        if (flag == "avx512_bf16" || flag == "amx_bf16") return true;
      }
      return false;
    }
    return false;
  }();
  return native;
}

Precision usable_precision(Precision requested, bool cuda, bool native_bf16) {
  return requested == Precision::bf16 && !cuda && !native_bf16 ? Precision::fp32 : requested;
}

Precision usable_precision(Precision requested, const torch::Device& device) {
  const Precision usable = usable_precision(requested, device.is_cuda(), cpu_has_native_bf16());
  if (usable != requested) {
    static std::once_flag warned;
    std::call_once(warned, [] {
      spdlog::warn(
          "[train] precision = bf16, but this CPU has no native bf16 (AVX-512 BF16 or AMX): "
          "running in fp32, which is many times faster here than emulated bf16");
    });
  }
  return usable;
}

AutocastScope::AutocastScope(Precision precision, const torch::Device& device)
    : active_(usable_precision(precision, device) == Precision::bf16), cuda_(device.is_cuda()) {
  if (!active_) return;
  was_enabled_ = autocast_enabled(cuda_);
  set_autocast(cuda_, true);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // Cached bf16 copies of the weights must not outlive the step that made them.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast(cuda_, was_enabled_);
}

}  // namespace cpnas
