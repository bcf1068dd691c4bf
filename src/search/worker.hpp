#pragma once
// A worker trains the tasks it is given. Every rank has one: rank 0 in a thread of its own
// (LocalWorker), every other rank in its main thread (serve()). What a task's training is belongs
// to the TaskRunner (StudentRunner in a search), so this side needs neither LibTorch nor MPI.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "dist/mailbox.hpp"
#include "search/task.hpp"

namespace cpnas {

/// Trains one task.
class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  /// Never throws for the task's own problems: they are the outcome's status. `on_batch` runs at
  /// every batch boundary (to hear a stop from rank 0).
  virtual Outcome run(const Task& task, const std::function<void()>& on_batch) const = 0;
};

/// Rank 0's worker: one thread that trains one task at a time.
class LocalWorker {
 public:
  explicit LocalWorker(const TaskRunner& runner);
  ~LocalWorker();
  LocalWorker(const LocalWorker&) = delete;
  LocalWorker& operator=(const LocalWorker&) = delete;

  bool busy() const;
  void submit(const Task& task);
  /// The outcome of the submitted task once it is done.
  std::optional<Outcome> take();

 private:
  void loop();

  const TaskRunner& runner_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Task> task_;
  std::optional<Outcome> outcome_;
  bool busy_ = false, quit_ = false;
  std::thread thread_;
};

/// The loop of ranks other than 0: trains what rank 0 sends until it says quit; returns the exit
/// status rank 0 gives. A stop requested on this rank is passed on to rank 0.
int serve(const Mailbox& mailbox, const TaskRunner& runner);

}  // namespace cpnas
