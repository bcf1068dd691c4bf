#pragma once
// Training checkpoints: everything needed to continue a training exactly where it stopped.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model/student.hpp"

namespace cpnas {

struct EpochRecord;

/// Where training stands, beyond the weights.
struct TrainProgress {
  int64_t epoch = 0;  ///< epoch in progress (0-based)
  int64_t batch = 0;  ///< batches of that epoch already done
  double loss_sum = 0;
  int64_t seen = 0, correct = 0;
  double best_val_auc = -1;
  int64_t best_epoch = 0;
  double last_accuracy = -1;
  int64_t falls = 0;
};

struct Checkpoint {
  std::string job;  ///< the resolved job it belongs to
  TrainProgress progress;
  std::vector<std::vector<double>> history;  ///< epoch, lr, loss, accuracy, val_auc, seconds
  std::vector<torch::Tensor> best;           ///< best weights and buffers, in module order
  std::string optimizer;                     ///< serialised optimizer state
  torch::Tensor rng;                         ///< torch's CPU generator state
};

/// Writes the student's tensors and `checkpoint` atomically to `path`.
void save_checkpoint(const std::string& path, StudentImpl& student, const Checkpoint& checkpoint);

/// Reads a checkpoint into `student` (whose architecture must match) and returns the rest.
/// Throws cpnas::Error naming the file when it is unreadable, or belongs to another job.
Checkpoint load_checkpoint(const std::string& path, StudentImpl& student,
                           const std::string& expected_job);

}  // namespace cpnas
