// --device: cpu, cuda, cuda:N, auto; a GPU asked for where there is none is a clear error, and
// so is a CUDA graph of a step that does not run on one.
#include <gtest/gtest.h>

#include "config.hpp"
#include "error_of.hpp"
#include "train/captured_step.hpp"
#include "train/device.hpp"

using cpnas::parse_device;

TEST(Device, CpuAndAutoAndBadNames) {
  EXPECT_EQ(parse_device("cpu"), torch::Device(torch::kCPU));
  const auto count = torch::cuda::is_available() ? torch::cuda::device_count() : 0;
  if (count == 0) {
    EXPECT_EQ(parse_device("auto", 3), torch::Device(torch::kCPU));
  } else {
    EXPECT_EQ(parse_device("auto", 3), torch::Device(torch::kCUDA, 3 % count));
  }
  EXPECT_EQ(error_of([] { parse_device("gpu"); }),
            "--device 'gpu': expected cpu, cuda, cuda:N or auto");
}

TEST(Device, CudaWithoutACudaDeviceIsAnErrorAndIndicesAreChecked) {
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(error_of([] { parse_device("cuda:0"); }),
              "--device cuda:0: no CUDA device (this LibTorch was built without CUDA); use "
              "--device cpu or auto");
    return;
  }
  const auto count = static_cast<int>(torch::cuda::device_count());
  EXPECT_EQ(parse_device("cuda:0"), torch::Device(torch::kCUDA, 0));
  EXPECT_EQ(parse_device("cuda", 1), torch::Device(torch::kCUDA, 1 % count));
  EXPECT_EQ(error_of([] { parse_device("cuda:99"); }),
            "--device cuda:99: only " + std::to_string(count) +
                " CUDA device(s) visible (CUDA_VISIBLE_DEVICES selects which)");
}

TEST(Device, ACudaGraphIsRefusedBeforeItsStepRunsWhereThereIsNoGpu) {
  int calls = 0;
  const auto step = [&] { ++calls; };
  EXPECT_EQ(error_of([&] { cpnas::CapturedStep(step, torch::Device(torch::kCPU), 2); }),
            "a CUDA graph records GPU work; this step runs on cpu");
#if !CPNAS_WITH_CUDA
  EXPECT_EQ(error_of([&] { cpnas::CapturedStep(step, torch::Device(torch::kCUDA, 0), 2); }),
            "CUDA graphs need cpnas built with CUDA (cmake -DCPNAS_WITH_CUDA=ON)");
#endif
  EXPECT_EQ(calls, 0);
}
