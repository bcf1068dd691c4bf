#pragma once
// What data-parallel training does across its ranks beyond the batches themselves: agreeing on
// errors and stops before collective work, starting from rank 0's weights, summing gradients.

#include <string>

#include "dist/collective.hpp"
#include "io/error.hpp"
#include "model/student.hpp"

namespace cpnas {

/// An error every rank raised together, so every rank may leave by it; any other exception in
/// data-parallel training comes from one rank, in the middle of collective work.
class AgreedError : public Error {
 public:
  using Error::Error;
};

/// Every rank of `group` (none: this rank alone) learns whether any rank's `error` is not empty,
/// and all throw the lowest failing rank's error as an AgreedError.
void agree(Collective* group, const std::string& error);

/// Sets the student's floating-point tensors (parameters and buffers) to rank 0's.
void align_with_root(StudentImpl& student, Collective& group);

/// Replaces every rank's gradients with their sum over the ranks.
void sum_gradients(StudentImpl& student, Collective& group);

/// Whether a stop was requested (train/stop.hpp) on any rank: all stop at the same batch.
bool stop_agreed(Collective* group);

}  // namespace cpnas
