#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io/allocation.hpp"
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

TEST(CachingCpuAllocator, ReleasesItsCacheBetweenStudents) {
  cpnas::install_caching_cpu_allocator(std::size_t{64} << 20);
  { auto t = torch::empty({4 << 20}, torch::kFloat); }
  { auto t = torch::empty({2 << 20}, torch::kFloat); }
  EXPECT_EQ(cpnas::cached_cpu_bytes(), std::size_t{24} << 20);
  cpnas::release_cached_cpu_memory();
  EXPECT_EQ(cpnas::cached_cpu_bytes(), 0u);
  { auto t = torch::empty({4 << 20}, torch::kFloat); }  // caching goes on afterwards
  EXPECT_EQ(cpnas::cached_cpu_bytes(), std::size_t{16} << 20);
}

TEST(Allocation, TheCpuCacheIsBoundByTheJobsMemoryOnTheNodeSharedAmongItsRanks) {
  setenv("SLURM_MEM_PER_NODE", "2048", 1);  // MB, far below this machine's memory
  setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "4", 1);
  unsetenv("CPNAS_CPU_CACHE_MB");
  cpnas::Allocation a = cpnas::Allocation::from_environment();
  EXPECT_EQ(a.node_memory, std::size_t{2048} << 20);
  EXPECT_EQ(a.node_memory_source, "SLURM_MEM_PER_NODE");
  EXPECT_EQ(a.cpu_cache_limit(), (std::size_t{2048} << 20) / 4 / 4);
  unsetenv("SLURM_MEM_PER_NODE");
  setenv("SLURM_MEM_PER_CPU", "100", 1);
  setenv("SLURM_CPUS_ON_NODE", "3", 1);
  a = cpnas::Allocation::from_environment();
  EXPECT_EQ(a.node_memory, std::size_t{300} << 20);
  EXPECT_EQ(a.node_memory_source, "SLURM_MEM_PER_CPU");
  EXPECT_NE(a.describe().find("memory 0.3 GiB (SLURM_MEM_PER_CPU)"), std::string::npos)
      << a.describe();
  setenv("CPNAS_CPU_CACHE_MB", "10", 1);
  EXPECT_EQ(a.cpu_cache_limit(), std::size_t{10} << 20);
  for (const char* name : {"SLURM_MEM_PER_CPU", "SLURM_CPUS_ON_NODE", "CPNAS_CPU_CACHE_MB",
                           "OMPI_COMM_WORLD_LOCAL_SIZE"}) {
    unsetenv(name);
  }
  a = cpnas::Allocation::from_environment();
  EXPECT_GT(a.node_memory, std::size_t{300} << 20);
  EXPECT_NE(a.node_memory_source, "SLURM_MEM_PER_CPU");
}
