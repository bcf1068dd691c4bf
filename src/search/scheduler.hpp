#pragma once
// Rank 0's side of the workers: hands tasks one at a time to whichever worker is free (its own
// thread or another rank), collects outcomes, passes stops on. The only code on rank 0 that sends
// or receives messages (MPI in a job), always from the same thread.

#include <optional>
#include <vector>

#include "dist/mailbox.hpp"
#include "search/task.hpp"

namespace cpnas {

class LocalWorker;

class Scheduler {
 public:
  Scheduler(const Mailbox& mailbox, LocalWorker& local);

  int workers() const { return static_cast<int>(busy_.size()); }
  int in_flight() const;
  bool has_free_worker() const;
  /// Gives `task` to a free worker; returns its rank.
  int dispatch(const Task& task);
  /// An outcome, if one has arrived. A stop notice from a worker requests a stop here.
  std::optional<Outcome> poll();
  /// Tells every busy worker to stop at its next batch boundary (once).
  void abort();
  /// Ends every other rank's loop with `status` as its exit status.
  void quit(int status);

 private:
  const Mailbox& mailbox_;
  LocalWorker& local_;
  std::vector<bool> busy_;  ///< by rank
  bool aborted_ = false;
};

}  // namespace cpnas
