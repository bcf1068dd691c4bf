#pragma once
// Point-to-point messages between rank 0 and the workers: all that the scheduler and the worker
// loop need of the job's processes. World carries them over MPI; a test carries them between
// threads of one process, so dispatch, outcomes, stops and failures are tested without mpirun.

#include <optional>
#include <string>

namespace cpnas {

/// Message tags between rank 0 and the workers.
enum class Tag : int { task = 1, result = 2, abort = 3, quit = 4, notice = 5 };

struct Message {
  int source = -1;
  Tag tag = Tag::task;
  std::string body;
};

class Mailbox {
 public:
  virtual ~Mailbox() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual void send(int dest, Tag tag, const std::string& body) const = 0;
  /// A waiting message from `source` (any when -1) with `tag` (any when empty), without blocking.
  virtual std::optional<Message> poll(int source, std::optional<Tag> tag) const = 0;
};

}  // namespace cpnas
