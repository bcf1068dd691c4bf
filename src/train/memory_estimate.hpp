#pragma once
// How much memory training a student will take, measured before it trains: a student that does
// not fit is refused with its reason, rather than the kernel's OOM killer taking the whole search
// or training down with it (SIGKILL: every rank's work in flight is lost, and a resume meets the
// student again).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "io/allocation.hpp"
#include "model/precision.hpp"
#include "model/student.hpp"

namespace cpnas {

/// Peak bytes of CPU tensors while training `student` at `batch` windows of kWindowFrames frames
/// and `joints` joints: one training step (forward, loss, backward) measured at 4 and at 8
/// windows through the caching CPU allocator, extrapolated linearly, plus three times the
/// parameters' bytes for the optimizer's state. Runs those steps on `student`, which changes its
/// BatchNorm statistics and gradients: give it a throwaway copy. nullopt when there is nothing to
/// measure with: the student is not on the CPU, or the caching allocator is not installed.
std::optional<std::size_t> training_memory_estimate(StudentImpl& student, int64_t batch,
                                                    int64_t joints, Precision precision);

/// What a rank (of a search, or of `cpnas train`) may use for training a student.
struct MemoryBudget {
  std::size_t share = 0;  ///< its share of the job's memory on the node; 0: no check
  std::string source;     ///< how the share was found, for the message
  /// Resident bytes of the process before its first student (libraries, cohort, features). Not
  /// what it holds when a student starts: memory that glibc keeps after the last student is
  /// reused by the next, and a student's fate must not depend on the students before it.
  std::size_t held = 0;
  /// Kept free beside the estimate, a quarter of the share: what the estimate does not see (its
  /// error, glibc's small blocks, the cache's blocks of sizes not asked for again).
  std::size_t reserve = 0;
  /// What the caching CPU allocator may hold, tensors and cache together (cpu_cache_limit).
  std::size_t cache_limit = 0;
};

/// A rank's budget from its allocation: its share of node_memory among the node's ranks, the
/// reserve and the cache's limit; `held` is the caller's to set once its inputs are loaded. Empty
/// (no check) when CPNAS_MEMORY_CHECK is "off".
MemoryBudget memory_budget(const Allocation& allocation);

/// Refuses with the figures, before training, a student that would not fit `budget` at `batch`
/// windows per step: measures a throwaway student that `build` makes (training_memory_estimate)
/// when the budget is set and `device` is the CPU. Returns the estimate, if one was made.
std::optional<std::size_t> check_training_memory(const std::function<Student()>& build,
                                                 int64_t batch, int64_t joints, Precision precision,
                                                 const torch::Device& device,
                                                 const MemoryBudget& budget);

/// Resident bytes of this process now (VmRSS), 0 when /proc cannot tell.
std::size_t resident_bytes();

/// Throws an Error that says what a student needs and what the rank has when `needed` does not
/// fit in `budget.share` less `budget.held` and `budget.reserve`.
void check_memory(std::size_t needed, int64_t batch, const MemoryBudget& budget);

/// Lowers the caching CPU allocator's limit to the share less what the process holds and the
/// reserve, where that is below budget.cache_limit: with the students that check_memory lets
/// train, the tensors and the cache together then never take the rank beyond its share.
void bound_tensor_cache(const MemoryBudget& budget);

}  // namespace cpnas
