#include "train/memory_estimate.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "data/windows.hpp"
#include "io/error.hpp"
#include "train/cpu_allocator.hpp"

namespace cpnas {
namespace {

constexpr int64_t kCoordinates = 4;  // a feature's channels per joint (as the loader makes them)
// Below 4 windows the per-window bytes come out too high (measured 1.33x a step's peak at batch
// 24 from batches 2 and 4, 1.06x from 4 and 8).
constexpr int64_t kSmall = 4, kLarge = 8;

// Peak tensor bytes above what was in use before, over one training step at `batch` windows.
std::size_t step_peak(StudentImpl& student, int64_t batch, int64_t joints, Precision precision) {
  const std::size_t before = cpu_bytes_in_use();
  reset_peak_cpu_bytes();
  {
    const auto x =
        torch::zeros({batch, student.num_features(), kCoordinates, kWindowFrames, joints});
    const auto labels = torch::zeros({batch}, torch::kLong);
    torch::Tensor loss;
    {
      AutocastScope autocast(precision, torch::kCPU);
      loss = torch::nn::functional::cross_entropy(student.forward(x), labels);
    }
    loss.backward();
  }
  const std::size_t peak = peak_cpu_bytes();
  for (auto& p : student.parameters()) p.mutable_grad().reset();
  return peak > before ? peak - before : 0;
}

}  // namespace

std::optional<std::size_t> training_memory_estimate(StudentImpl& student, int64_t batch,
                                                    int64_t joints, Precision precision) {
  const auto params = student.parameters();
  if (!caching_cpu_allocator_installed() || params.empty() || !params.front().device().is_cpu()) {
    return std::nullopt;
  }
  const bool was_training = student.is_training();
  student.train(true);
  const std::size_t small = step_peak(student, kSmall, joints, precision);
  const std::size_t large = step_peak(student, kLarge, joints, precision);
  student.train(was_training);
  const double per_window = large > small ? static_cast<double>(large - small) / (kLarge - kSmall)
                                          : static_cast<double>(large) / kLarge;
  std::size_t state = 0;
  for (const auto& p : params) state += 3 * p.numel() * p.element_size();
  return static_cast<std::size_t>(static_cast<double>(large) +
                                  per_window * static_cast<double>(batch - kLarge)) +
         state;
}

MemoryBudget memory_budget(const Allocation& a) {
  const char* check = std::getenv("CPNAS_MEMORY_CHECK");
  if (check && std::string(check) == "off") return {};
  MemoryBudget budget{a.node_memory, fmt::format("the node's {:.1f} GiB ({})", gib(a.node_memory),
                                                 a.node_memory_source)};
  if (a.tasks_on_node > 1) {
    budget.share /= static_cast<std::size_t>(a.tasks_on_node);
    budget.source += fmt::format(" shared by {} ranks", a.tasks_on_node);
  }
  budget.reserve = budget.share / 4;
  budget.cache_limit = a.cpu_cache_limit();
  return budget;
}

std::optional<std::size_t> check_training_memory(const std::function<Student()>& build,
                                                 int64_t batch, int64_t joints, Precision precision,
                                                 const torch::Device& device,
                                                 const MemoryBudget& budget) {
  if (!device.is_cpu() || budget.share == 0) return std::nullopt;
  Student probe = build();  // the estimate's steps train its BatchNorm statistics
  const auto needed = training_memory_estimate(*probe, batch, joints, precision);
  if (needed) check_memory(*needed, batch, budget);
  return needed;
}

std::size_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // in kB
  }
  return 0;
}

void check_memory(std::size_t needed, int64_t batch, const MemoryBudget& budget) {
  if (budget.share == 0) return;
  const std::size_t taken = budget.held + budget.reserve;
  const std::size_t left = budget.share > taken ? budget.share - taken : 0;
  if (needed <= left) return;
  throw Error(fmt::format(
      "needs about {:.1f} GiB of memory to train at batch {} (measured at batches {} and {}), "
      "more than the {:.1f} GiB this rank has for it ({:.1f} GiB, {}, less {:.1f} GiB that the "
      "process holds without a student and {:.1f} GiB kept free beside the estimate)",
      gib(needed), batch, kSmall, kLarge, gib(left), gib(budget.share), budget.source,
      gib(budget.held), gib(budget.reserve)));
}

void bound_tensor_cache(const MemoryBudget& budget) {
  if (budget.share == 0) return;
  const std::size_t taken = budget.held + budget.reserve;
  const std::size_t left = budget.share > taken ? budget.share - taken : 0;
  install_caching_cpu_allocator(std::min(budget.cache_limit, left));
}

}  // namespace cpnas
