#pragma once
// A worker trains the students it is given. Every rank has one: rank 0 in a thread of its own
// (LocalWorker), every other rank in its main thread (serve()).

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <torch/torch.h>

#include "data/cohort.hpp"
#include "data/feature_set.hpp"
#include "dist/world.hpp"
#include "io/job.hpp"
#include "plugin/registry.hpp"
#include "search/space.hpp"
#include "search/task.hpp"

namespace cpnas {

/// An argmax training validates at each of its last this many epochs (the published code's 15).
constexpr int64_t kArgmaxValidateLast = 15;

/// Trains one task of the search's job on this rank's cohort and features.
class StudentRunner {
 public:
  StudentRunner(const Job& job, const SearchSpace& space, const PluginRegistry& plugins,
                const Cohort& cohort, const FeatureSet& features, int rank, torch::Device device);

  /// Never throws for a student's own problems: an exception, out-of-memory or NaN is the
  /// outcome's status. `on_batch` runs at every batch boundary (to hear a stop from rank 0).
  Outcome run(const Task& task, const std::function<void()>& on_batch = {}) const;

 private:
  const Job& job_;
  const SearchSpace& space_;
  const PluginRegistry& plugins_;
  const Cohort& cohort_;
  const FeatureSet& features_;
  int rank_;
  torch::Device device_;
};

/// Rank 0's worker: one thread that trains one task at a time.
class LocalWorker {
 public:
  explicit LocalWorker(const StudentRunner& runner);
  ~LocalWorker();
  LocalWorker(const LocalWorker&) = delete;
  LocalWorker& operator=(const LocalWorker&) = delete;

  bool busy() const;
  void submit(const Task& task);
  /// The outcome of the submitted task once it is done.
  std::optional<Outcome> take();

 private:
  void loop();

  const StudentRunner& runner_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Task> task_;
  std::optional<Outcome> outcome_;
  bool busy_ = false, quit_ = false;
  std::thread thread_;
};

/// The loop of ranks other than 0: trains what rank 0 sends until it says quit; returns the exit
/// status rank 0 gives. A stop requested on this rank is passed on to rank 0.
int serve(const World& world, const StudentRunner& runner);

}  // namespace cpnas
