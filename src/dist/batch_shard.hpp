#pragma once
// Which rows of a data-parallel training step's global batch this rank holds. The trainer sets it
// around the forward of every batch; layers whose result depends on the whole batch read it:
// BatchNorm sums its statistics over `group`, dropout draws the global batch's mask and keeps
// this rank's rows, so that R ranks compute what one process would.

#include <cstdint>

#include "dist/collective.hpp"

namespace cpnas {

struct BatchShard {
  int64_t global_size = 0;      ///< windows in the global batch
  int64_t offset = 0;           ///< this rank's first row in it
  Collective* group = nullptr;  ///< the ranks sharing the batch
};

/// Makes `shard` this thread's current shard for its lifetime.
class BatchShardScope {
 public:
  explicit BatchShardScope(const BatchShard& shard);
  ~BatchShardScope();
  BatchShardScope(const BatchShardScope&) = delete;
  BatchShardScope& operator=(const BatchShardScope&) = delete;

 private:
  const BatchShard* previous_;
};

/// This thread's shard; null outside data-parallel training.
const BatchShard* current_batch_shard();

/// Training-time dropout of rows `x` [n, ...] with probability `p`. The mask is drawn for the
/// whole global batch of the current shard (from `generator` for a CPU tensor, else the device's
/// default generator; every rank holds it in the same state) and this rank's rows are kept;
/// without a shard, x's rows are the batch.
torch::Tensor batch_dropout(const torch::Tensor& x, double p, at::Generator* generator);

}  // namespace cpnas
