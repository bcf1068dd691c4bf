#pragma once
// The search's real work: training one student (or an iteration's argmax) of the job on this
// rank's cohort and features.

#include <functional>

#include <torch/torch.h>

#include "data/cohort.hpp"
#include "data/feature_set.hpp"
#include "io/job.hpp"
#include "plugin/registry.hpp"
#include "search/space.hpp"
#include "search/worker.hpp"
#include "train/memory_estimate.hpp"

namespace cpnas {

/// An argmax training validates at each of its last this many epochs (the published code's 15).
constexpr int64_t kArgmaxValidateLast = 15;

/// Trains one task of the search's job on this rank's cohort and features.
class StudentRunner : public TaskRunner {
 public:
  StudentRunner(const Job& job, const SearchSpace& space, const PluginRegistry& plugins,
                const Cohort& cohort, const FeatureSet& features, int rank, torch::Device device,
                MemoryBudget memory = {});

  /// An exception, out-of-memory or NaN of the student is the outcome's status. A student whose
  /// training_memory_estimate() does not fit the rank's memory budget fails with the figures
  /// before it trains.
  Outcome run(const Task& task, const std::function<void()>& on_batch) const override;

 private:
  const Job& job_;
  const SearchSpace& space_;
  const PluginRegistry& plugins_;
  const Cohort& cohort_;
  const FeatureSet& features_;
  int rank_;
  torch::Device device_;
  MemoryBudget memory_;
};

}  // namespace cpnas
