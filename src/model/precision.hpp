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

/// Whether autocast is on in this thread for CUDA (true) or CPU (false) tensors.
bool autocast_enabled(bool cuda);

/// Enables autocast to bf16 on `device` for its lifetime when `precision` is bf16; restores the
/// previous state afterwards.
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
