#pragma once
// A job small enough to train in seconds that still has the layers of paper-best: two input
// streams, sep blocks with the fa attention gate (BatchNorm in the core and in plugins), dropout,
// and a batch of 13 that splits unevenly over 2 and 3 ranks: 23 steps with the usual warm-up.

#include <string>

inline const char* kSmallTrainJob = R"([data]
features = position, velocity
[arch]
init_channels = 8
input_blocks = 1
input_depth = 1
input_stride = 2
main_blocks = 1
main_depth = 1
main_stride = 2
block = sep
attention = fa
dropout = 0.2
[hyper]
batch_size = 13
optimizer = OPTIMIZER
lr = LR
[train]
epochs = 2
validate_every = 10
early_stop_epoch = 0
)";

/// The small job with `optimizer` (sgd at lr 0.01, adam at 0.005).
inline std::string small_train_job(const std::string& optimizer) {
  std::string text = kSmallTrainJob;
  text.replace(text.find("OPTIMIZER"), 9, optimizer);
  text.replace(text.find("LR"), 2, optimizer == "sgd" ? "0.01" : "0.005");
  return text;
}
