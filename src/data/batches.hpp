#pragma once
// Model inputs: training batches prepared by background threads, and the evaluation windows'
// features computed once.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "data/cohort.hpp"
#include "data/feature_set.hpp"
#include "data/training_windows.hpp"

namespace cpnas {

struct Batch {
  torch::Tensor x;       ///< [N, F, 4, 150, V] float
  torch::Tensor labels;  ///< [N] int64
  std::vector<int64_t> recordings;
  int64_t global_size = 0;  ///< windows of the whole batch, over all ranks sharing it
  int64_t offset = 0;       ///< position of this part in the whole batch
};

/// Training batches of one split. Epoch e's windows and augmentations come from (seed, e) alone
/// and batches are handed out in order, so what the model sees does not depend on thread timing.
/// In data-parallel training each of R ranks makes its contiguous part of every batch.
class TrainingBatches {
 public:
  TrainingBatches(const Cohort& cohort, std::vector<int64_t> recordings, const FeatureSet& features,
                  int64_t batch_size, uint64_t seed, int threads = 1, int prefetch = 4);
  ~TrainingBatches();
  TrainingBatches(const TrainingBatches&) = delete;
  TrainingBatches& operator=(const TrainingBatches&) = delete;

  /// Makes this rank's part of each batch from now on (call before start_epoch).
  void share(int rank, int ranks);
  /// Begins epoch `epoch` (abandoning what is left of the previous one); returns its batch count.
  int64_t start_epoch(int64_t epoch);
  /// The next batch of the epoch, or nothing at its end.
  std::optional<Batch> next();

 private:
  // The windows of one epoch. A loader thread keeps the epoch's windows it works on alive, so
  // start_epoch can replace them while a batch of the abandoned epoch is still being made.
  using Windows = std::shared_ptr<const std::vector<TrainingWindow>>;

  void work();
  Batch make_batch(const Windows& windows, int64_t index, int rank, int ranks) const;

  const Cohort& cohort_;
  std::vector<int64_t> recordings_;
  const FeatureSet& features_;
  int64_t batch_size_;
  uint64_t seed_;
  int prefetch_;
  int rank_ = 0, ranks_ = 1;

  std::mutex mutex_;
  std::condition_variable changed_;
  Windows windows_;
  int64_t batches_ = 0, produced_ = 0, consumed_ = 0, generation_ = 0;
  std::map<int64_t, Batch> ready_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

struct EvaluationSet {
  std::vector<WindowRef> windows;
  torch::Tensor x;  ///< [W, F, 4, windowing.frames, V]
};

/// Features of the evaluation windows of `recordings` (mostly missing ones left out and counted
/// in `dropped`), computed on `threads` threads.
EvaluationSet evaluation_set(const Cohort& cohort, const std::vector<int64_t>& recordings,
                             const FeatureSet& features, const Windowing& windowing = {},
                             int threads = 1, int64_t* dropped = nullptr);

}  // namespace cpnas
