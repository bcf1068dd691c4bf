#pragma once
// The collective operations of data-parallel training, apart from how they travel (MPI between
// processes, NCCL between GPUs). Every rank calls them in the same order.

#include <string>

#include <torch/torch.h>

namespace cpnas {

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Sums a contiguous float or double tensor over the ranks, in place; every rank gets the same
  /// values.
  virtual void sum(torch::Tensor& values) = 0;
  /// Collective agreement on failure: every rank passes its error (empty when fine) and gets
  /// the lowest failing rank's error ("rank R: ..." on the others), as World::agree.
  virtual std::string agree(const std::string& error) = 0;
  /// Ends every rank of the job with `message` in the log. The way out of an error that one rank
  /// meets in the middle of collective work, where the others would wait for it forever.
  [[noreturn]] virtual void abort(const std::string& message) = 0;
};

/// Throws unless `values` is a contiguous float or double tensor (what sum() accepts).
void check_summable(const torch::Tensor& values);

/// Rank 0's values on every rank: the others contribute zeros to a sum, which leaves rank 0's
/// values bit for bit.
void broadcast_from_root(Collective& group, torch::Tensor& values);

}  // namespace cpnas
