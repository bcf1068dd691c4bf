#include "train/device.hpp"

#include "io/error.hpp"

namespace cpnas {

torch::Device parse_device(const std::string& text, int local_rank) {
  if (text == "cpu") return torch::Device(torch::kCPU);
  const bool cuda = torch::cuda::is_available();
  const auto count = static_cast<int>(cuda ? torch::cuda::device_count() : 0);
  if (text == "auto") {
    return count > 0
               ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank % count))
               : torch::Device(torch::kCPU);
  }
  if (text != "cuda" && text.rfind("cuda:", 0) != 0) {
    throw Error("--device '" + text + "': expected cpu, cuda, cuda:N or auto");
  }
  if (count == 0) {
    throw Error("--device " + text + ": no CUDA device (this LibTorch " +
                (torch::cuda::is_available() ? "sees none" : "was built without CUDA") +
                "); use --device cpu or auto");
  }
  int index = local_rank % count;
  if (text != "cuda") {
    const std::string number = text.substr(5);
    if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) {
      throw Error("--device '" + text + "': expected cpu, cuda, cuda:N or auto");
    }
    index = std::stoi(number);
    if (index >= count) {
      throw Error("--device " + text + ": only " + std::to_string(count) +
                  " CUDA device(s) visible (CUDA_VISIBLE_DEVICES selects which)");
    }
  }
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

torch::Device device_of(const torch::nn::Module& module) {
  const auto parameters = module.parameters();
  return parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
}

}  // namespace cpnas
