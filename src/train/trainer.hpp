#pragma once
// The student training loop (DESIGN.md "Search", issue 5): cross-entropy, warm-up and step
// schedule, validation by subject AUC keeping the best weights, early stopping, divergence and
// out-of-memory reported as a status rather than a crash.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/cohort.hpp"
#include "data/feature_set.hpp"
#include "data/windows.hpp"
#include "dist/collective.hpp"
#include "io/job.hpp"
#include "model/precision.hpp"
#include "model/student.hpp"
#include "train/metrics.hpp"
#include "train/optimizer.hpp"

namespace cpnas {

struct TrainOptions {
  int64_t epochs = 50;
  int64_t warmup_epochs = 10;
  double warmup_factor = 0.25;
  std::vector<int64_t> lr_steps{200, 250};
  double lr_factor = 0.5;
  int64_t validate_every = 5;
  int64_t validate_last = 1;  ///< also validate at each of the last this many epochs
  Windowing eval_windows;     ///< how validation windows are cut
  /// From this epoch on, stop when the best validation AUC is below early_stop_auc (0: never).
  int64_t early_stop_epoch = 6;
  double early_stop_auc = 0.5;
  /// Stop when training accuracy fell more than this many epochs in a row (0: never).
  int64_t accuracy_fall_epochs = 0;
  uint64_t seed = 1234;
  int loader_threads = 1;
  Precision precision = Precision::fp32;
  std::string checkpoint;  ///< written after every epoch and on a stop request; empty: none
  bool resume = false;     ///< continue from `checkpoint`
  std::string job;         ///< the resolved job, stored in and checked against the checkpoint
  /// Data-parallel training over these ranks when it has several: each makes and trains on its
  /// part of every batch, BatchNorm statistics and gradients are summed over all, rank 0 writes
  /// the checkpoint, and every rank ends with the same weights and result.
  Collective* group = nullptr;
};

/// Reads [train].
TrainOptions train_options_from_job(const Job& job);

/// Learning rate of epoch `epoch` (0-based): linear warm-up from warmup_factor x lr, then
/// multiplied by lr_factor at each step epoch reached.
double learning_rate(const TrainOptions& options, double lr, int64_t epoch);

enum class TrainStatus { ok, failed, diverged };
std::string status_name(TrainStatus status);

struct EpochRecord {
  int64_t epoch = 0;  ///< 1-based
  double lr = 0, loss = 0, train_accuracy = 0, seconds = 0;
  double val_auc = -1;  ///< -1 when not validated this epoch
};

/// Where a training's wall time went in this process (since it started or resumed). On a GPU the
/// work is queued asynchronously: a phase's time appears where it is next waited for (the loss is
/// read after the forward pass), so these shares describe CPU training best.
struct PhaseSeconds {
  double data = 0;        ///< waiting for the loader's next batch
  double forward = 0;     ///< forward pass and loss, read back
  double backward = 0;    ///< backward pass and, in data-parallel training, the gradient sums
  double optimizer = 0;   ///< the optimiser's step
  double validation = 0;  ///< scoring the val split and its metrics

  double total() const { return data + forward + backward + optimizer + validation; }
  /// "data 2 %, forward 31 %, backward 52 %, optimizer 6 %, validation 9 %".
  std::string shares() const;
};

struct TrainResult {
  TrainStatus status = TrainStatus::ok;
  std::string message;  ///< why it failed or diverged
  int64_t epochs = 0;   ///< epochs run
  bool stopped_early = false;
  bool interrupted = false;  ///< stopped on request (SIGTERM, pre-emption) after checkpointing
  double best_val_auc = -1;
  int64_t best_epoch = 0;
  ClinicalMetrics best_val;
  std::vector<EpochRecord> history;
  PhaseSeconds phases;
};

/// What a caller sees while training runs.
struct TrainObserver {
  std::function<void(const EpochRecord&)> epoch;  ///< after every epoch
  /// After every batch: epoch (1-based), batches done and in the epoch, the batch's loss.
  std::function<void(int64_t, int64_t, int64_t, double)> batch;
};

/// Refuses a cohort that cannot train a student: the train and val splits each need labelled
/// recordings of both classes (the val split's AUC selects the weights). `where` names the cohort.
void check_training_splits(const Cohort& cohort, const std::string& where);

/// Trains on the device of the student's parameters (move it there first, then call this)
/// on the cohort's train split and validates on its val split; leaves the student with
/// the weights of the best validation subject AUC. `observer` sees epochs and batches. With a
/// checkpoint path, checkpoints after every epoch and, when a stop is requested (stop.hpp), at
/// the next batch boundary, then returns with `interrupted`; `resume` continues from it exactly.
TrainResult train_student(StudentImpl& student, const Hyper& hyper, const Cohort& cohort,
                          const FeatureSet& features, const TrainOptions& options,
                          const TrainObserver& observer = {});

}  // namespace cpnas
