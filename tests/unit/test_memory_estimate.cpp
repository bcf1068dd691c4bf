// What a student needs to train, measured before it trains, against what a step really takes;
// the refusal of one that does not fit the rank's memory.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/layout.hpp"
#include "data/windows.hpp"
#include "error_of.hpp"
#include "model/student.hpp"
#include "plugin/loader.hpp"
#include "small_student.hpp"
#include "train/cpu_allocator.hpp"
#include "train/memory_estimate.hpp"
#include "train/optimizer.hpp"

using namespace cpnas;

namespace {

// Peak tensor bytes of one training step with Adam at `batch` windows, above what was in use.
std::size_t measured_step(StudentImpl& student, int64_t batch) {
  auto optimizer = make_optimizer(Hyper{}, student.parameters());
  reset_peak_cpu_bytes();
  const std::size_t base = cpu_bytes_in_use();
  {
    const auto x = torch::randn({batch, 4, 4, kWindowFrames, 29});
    const auto labels = torch::randint(0, 2, {batch}, torch::kLong);
    optimizer->zero_grad();
    torch::nn::functional::cross_entropy(student.forward(x), labels).backward();
    optimizer->step();
  }
  return peak_cpu_bytes() - base;
}

}  // namespace

TEST(CachingCpuAllocator, CountsTheBytesOfTensorsInUseAndTheirPeak) {
  install_caching_cpu_allocator(std::size_t{64} << 20);
  ASSERT_TRUE(caching_cpu_allocator_installed());
  const std::size_t before = cpu_bytes_in_use();
  reset_peak_cpu_bytes();
  {
    const auto large = torch::empty({1 << 20}, torch::kFloat);  // 4 MiB
    const auto small = torch::empty({1000}, torch::kFloat);     // a malloc'd block of ~4 kB
    EXPECT_GE(cpu_bytes_in_use(), before + (std::size_t{4} << 20) + 4000);
    EXPECT_LT(cpu_bytes_in_use(), before + (std::size_t{4} << 20) + 8192);
  }
  // Freed, the large block goes to the cache, which is not "in use"; the peak stays.
  EXPECT_EQ(cpu_bytes_in_use(), before);
  EXPECT_GE(peak_cpu_bytes(), before + (std::size_t{4} << 20) + 4000);
  reset_peak_cpu_bytes();
  EXPECT_EQ(peak_cpu_bytes(), before);
}

TEST(MemoryEstimate, ComesCloseToTheTensorsPeakOfATrainingStepAndGrowsWithTheBatch) {
  install_caching_cpu_allocator(std::size_t{256} << 20);
  torch::manual_seed(1);
  Student probe = small_student();
  const auto at24 = training_memory_estimate(*probe, 24, 29, Precision::fp32);
  const auto at48 = training_memory_estimate(*probe, 48, 29, Precision::fp32);
  ASSERT_TRUE(at24 && at48);
  Student student = small_student();
  const double measured = static_cast<double>(measured_step(*student, 24));
  EXPECT_GT(static_cast<double>(*at24), 0.85 * measured) << measured;
  EXPECT_LT(static_cast<double>(*at24), 1.3 * measured) << measured;
  // Activations grow with the windows: twice the batch, nearly twice the bytes.
  EXPECT_GT(static_cast<double>(*at48), 1.7 * static_cast<double>(*at24));
  // The probe's steps leave it without gradients.
  for (const auto& p : probe->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(MemoryEstimate, AStudentThatDoesNotFitIsRefusedWithTheFigures) {
  const MemoryBudget budget{std::size_t{4} << 30,
                            "the node's 8.0 GiB (SLURM_MEM_PER_NODE) shared by 2 ranks",
                            std::size_t{1} << 29, std::size_t{1} << 30};
  EXPECT_EQ(error_of([&] { check_memory(std::size_t{5} << 29, 32, budget); }), "(no error)");
  EXPECT_EQ(error_of([&] { check_memory((std::size_t{5} << 29) + 1, 32, budget); }),
            "needs about 2.5 GiB of memory to train at batch 32 (measured at batches 4 and 8), "
            "more than the 2.5 GiB this rank has for it (4.0 GiB, the node's 8.0 GiB "
            "(SLURM_MEM_PER_NODE) shared by 2 ranks, less 0.5 GiB that the process holds without "
            "a student and 1.0 GiB kept free beside the estimate)");
  // Without a budget (CPNAS_MEMORY_CHECK=off) nothing is refused.
  EXPECT_EQ(error_of([&] { check_memory(std::size_t{1} << 40, 32, {}); }), "(no error)");
  EXPECT_GT(resident_bytes(), std::size_t{1} << 20);
}
