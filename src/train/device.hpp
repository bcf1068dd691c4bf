#pragma once
// Where a network trains: `--device cpu | cuda | cuda:N | auto`.

#include <string>

#include <torch/torch.h>

namespace cpnas {

/// "cpu"; "cuda:N" (or "cuda", device `local_rank` modulo the visible devices); "auto": CUDA
/// when this LibTorch has it and a device is visible (by `local_rank` as for "cuda"), else the
/// CPU. Throws cpnas::Error for an unknown text, a CUDA device without CUDA, or N out of range.
torch::Device parse_device(const std::string& text, int local_rank = 0);

/// The device of a module's parameters (the CPU when it has none).
torch::Device device_of(const torch::nn::Module& module);

}  // namespace cpnas
