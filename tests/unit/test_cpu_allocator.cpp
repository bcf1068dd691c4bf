#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io/allocation.hpp"
#include "io/cpu_set.hpp"
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

// The tensors in use and the cache share the limit: a freed block is kept while both fit, and a
// tensor of a size the cache does not hold takes the room of cached blocks, the largest first.
TEST(CachingCpuAllocator, TheCacheFillsOnlyWhatTheTensorsInUseLeaveOfTheLimit) {
  cpnas::release_cached_cpu_memory();
  const std::size_t mib = std::size_t{1} << 20;
  cpnas::install_caching_cpu_allocator(cpnas::cpu_bytes_in_use() + 64 * mib);
  const auto of_mib = [](int64_t n) { return torch::empty({n << 18}, torch::kFloat); };
  {
    auto a = of_mib(40);
    auto b = of_mib(8);
  }
  EXPECT_EQ(cpnas::cached_cpu_bytes(), 48 * mib);
  const auto held = of_mib(24);  // 48 cached + 24 > 64: the 40-MiB block goes back
  EXPECT_EQ(cpnas::cached_cpu_bytes(), 8 * mib);
  { auto c = of_mib(40); }  // 24 + 8 + 40 > 64: the 8 go back; freed, the 40 fit beside the 24
  EXPECT_EQ(cpnas::cached_cpu_bytes(), 40 * mib);
  const void* kept = nullptr;
  {
    auto d = of_mib(40);  // found in the cache: nothing goes back
    kept = d.data_ptr();
    EXPECT_EQ(cpnas::cached_cpu_bytes(), 0u);
  }
  EXPECT_EQ(of_mib(40).data_ptr(), kept);
  { auto e = of_mib(48); }  // 24 + 40 + 48 > 64, and 24 + 48 too: made and freed, not kept
  EXPECT_EQ(cpnas::cached_cpu_bytes(), 0u);
}

TEST(CachingCpuAllocator, ReleasesItsCacheBetweenStudents) {
  cpnas::release_cached_cpu_memory();  // what tests before this one in the process left
  cpnas::install_caching_cpu_allocator(cpnas::cpu_bytes_in_use() + (std::size_t{64} << 20));
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
  EXPECT_EQ(a.cpu_cache_limit(), (std::size_t{2048} << 20) / 4 * 3 / 4);
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

TEST(CpuShare, RanksOnDisjointCoresKeepThemAndRanksOnOneSetShareIt) {
  using Sets = std::vector<std::vector<int>>;
  // Open MPI's binding of 2 ranks: a core each.
  EXPECT_EQ(cpnas::cpu_share(Sets{{0}, {1}}, 0), 1);
  // --bind-to none on 8 cores, 2 ranks: 4 each; 3 ranks: 2 each (8/3 rounded down).
  const std::vector<int> eight = {0, 1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(cpnas::cpu_share(Sets{eight, eight}, 1), 4);
  EXPECT_EQ(cpnas::cpu_share(Sets{eight, eight, eight}, 2), 2);
  // Three ranks on three CPUs: a third each of all three is one CPU, not 0.999.
  EXPECT_EQ(cpnas::cpu_share(Sets{{0, 1, 2}, {0, 1, 2}, {0, 1, 2}}, 0), 1);
  // --map-by slot:PE=4: four cores each, none shared.
  EXPECT_EQ(cpnas::cpu_share(Sets{{0, 1, 2, 3}, {4, 5, 6, 7}}, 1), 4);
  // Overlapping sets: 2 own cores + half of 2 shared ones.
  EXPECT_EQ(cpnas::cpu_share(Sets{{0, 1, 2, 3}, {2, 3}}, 0), 3);
  EXPECT_EQ(cpnas::cpu_share(Sets{{0, 1, 2, 3}, {2, 3}}, 1), 1);
  // A rank whose affinity could not be read runs on one thread.
  EXPECT_EQ(cpnas::cpu_share(Sets{{}, eight}, 0), 1);
  // This process: at least one CPU, at most those the machine has.
  const auto mine = cpnas::allowed_cpus();
  ASSERT_FALSE(mine.empty());
  EXPECT_EQ(cpnas::cpu_share(Sets{mine}, 0), static_cast<int>(mine.size()));
}

TEST(Allocation, ThreadsNeverExceedTheRanksShareOfItsCpus) {
  unsetenv("SLURM_CPUS_PER_TASK");
  cpnas::Allocation a = cpnas::Allocation::from_environment();
  EXPECT_EQ(a.threads(0, 3), 3);  // the share when nothing asks
  EXPECT_EQ(a.threads(2, 3), 2);  // --threads within the share
  EXPECT_EQ(a.threads(4, 1), 1);  // --threads beyond it: capped (with a warning)
  a.cpus_per_task = 8;
  EXPECT_EQ(a.threads(0, 8), 8);
  EXPECT_EQ(a.threads(0, 2), 2);
  EXPECT_EQ(a.threads(1, 8), 1);  // --threads before SLURM_CPUS_PER_TASK
}
