#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/cpu_allocator.hpp"

TEST(CachingCpuAllocator, ReusesLargeBlocksAndRespectsTheLimit) {
  cpnas::install_caching_cpu_allocator(std::size_t{64} << 20);
  const void* first = nullptr;
  {
    auto t = torch::empty({4 << 20}, torch::kFloat);  // 16 MiB
    first = t.data_ptr();
    t.fill_(1.0f);
  }
  EXPECT_EQ(cpnas::cached_cpu_bytes(), std::size_t{16} << 20);
  auto again = torch::empty({4 << 20}, torch::kFloat);
  EXPECT_EQ(again.data_ptr(), first);
  EXPECT_EQ(cpnas::cached_cpu_bytes(), 0u);
  {
    auto big = torch::empty({32 << 20}, torch::kFloat);  // 128 MiB: above the limit, not kept
  }
  EXPECT_EQ(cpnas::cached_cpu_bytes(), 0u);
  auto small = torch::ones({10});
  EXPECT_EQ(small.sum().item<float>(), 10.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small.data_ptr()) % 64, 0u);
}
