#pragma once
// The MPI world of a job. Only one thread at a time calls MPI (rank 0's scheduler, every other
// rank's worker loop; in data-parallel training the training thread, or LibTorch's backward
// thread of a GPU while the training thread waits for it), so MPI is initialised with
// MPI_THREAD_SERIALIZED. A process that no launcher
// started (no mpirun/srun environment) runs as a world of one without initialising MPI, so
// `cpnas search` works on a laptop as it does in a job.

#include <cstdint>
#include <optional>
#include <string>

#include "dist/mailbox.hpp"

namespace cpnas {

/// Refuses an MPI library that gives a thread level (`provided` of MPI_Init_thread) below
/// MPI_THREAD_SERIALIZED, naming the level it gave and how to get a better one.
void require_thread_level(int provided);

class World : public Mailbox {
 public:
  /// Initialises MPI when the process was launched as part of a job.
  World();
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool mpi() const { return mpi_; }
  /// Rank among the processes of this node (for GPU assignment).
  int local_rank() const { return local_rank_; }

  void send(int dest, Tag tag, const std::string& body) const override;
  std::optional<Message> poll(int source, std::optional<Tag> tag) const override;

  /// Rank 0's string on every rank (collective).
  std::string broadcast(const std::string& text) const;
  /// Collective agreement on failure: every rank passes its error (empty when fine) and gets
  /// the lowest failing rank's error, so all ranks throw together or go on together.
  std::string agree(const std::string& error) const;
  /// This rank's share of the CPUs it may run on, shared with the ranks of its node that may run
  /// on them too (cpu_share; collective). Outside a job, the CPUs this process may run on.
  int cpu_share() const;
  /// Sums `count` floats or doubles over the ranks in place (collective).
  void sum(void* values, int64_t count, bool doubles) const;
  /// Ends every process of the job with `code`; returns only outside a job, by exiting.
  [[noreturn]] void abort(int code) const;

 private:
  std::string broadcast_from(int root, const std::string& text) const;

  bool mpi_ = false;
  int rank_ = 0, size_ = 1, local_rank_ = 0;
};

}  // namespace cpnas
