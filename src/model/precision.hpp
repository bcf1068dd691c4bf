#pragma once
// Numeric precision of training and evaluation: fp32, or bf16 through autocast.

#include <string>

#include <torch/torch.h>

namespace cpnas {

enum class Precision { fp32, bf16 };

/// "fp32" or "bf16"; throws cpnas::Error otherwise.
Precision parse_precision(const std::string& name);
std::string precision_name(Precision p);

/// Whether this CPU computes bf16 natively (AVX-512 BF16 or AMX); elsewhere bf16 is emulated
/// and slower than fp32.
bool cpu_has_native_bf16();

/// The precision `requested` runs in: bf16 on a CPU without native bf16 becomes fp32, because
/// emulated bf16 is many times slower than fp32 (paper-best did not finish 7 training steps in 4
/// minutes on an AVX2 EPYC) and a search in it would crawl.
Precision usable_precision(Precision requested, bool cuda, bool native_bf16);

/// usable_precision() on `device` of this machine; the first fallback in a process logs a
/// warning that says so.
Precision usable_precision(Precision requested, const torch::Device& device);

/// Whether autocast is on in this thread for CUDA (true) or CPU (false) tensors.
bool autocast_enabled(bool cuda);

/// Enables autocast to bf16 on `device` for its lifetime when `precision` is bf16 and usable there
/// (usable_precision); restores the previous state afterwards.
class AutocastScope {
 public:
  AutocastScope(Precision precision, const torch::Device& device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  bool cuda_ = false;
  bool was_enabled_ = false;
};

}  // namespace cpnas
