#pragma once
// A job's processes as threads of one test: one Mailbox per rank, messages kept in order per
// sender and tag as MPI keeps them, and a log of every message for checks on what went where.

#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "dist/mailbox.hpp"

namespace cpnas::test {

struct Sent {
  int from = -1, to = -1;
  Tag tag = Tag::task;
  std::string body;
};

class InProcessWorld {
 public:
  explicit InProcessWorld(int ranks) : queues_(static_cast<std::size_t>(ranks)) {
    for (int r = 0; r < ranks; ++r) endpoints_.push_back(std::make_unique<Endpoint>(*this, r));
  }

  const Mailbox& rank(int r) const { return *endpoints_.at(static_cast<std::size_t>(r)); }

  std::vector<Sent> sent() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
  }

 private:
  class Endpoint : public Mailbox {
   public:
    Endpoint(InProcessWorld& world, int rank) : world_(world), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return static_cast<int>(world_.queues_.size()); }
    void send(int dest, Tag tag, const std::string& body) const override {
      std::lock_guard<std::mutex> lock(world_.mutex_);
      world_.queues_.at(static_cast<std::size_t>(dest)).push_back({rank_, tag, body});
      world_.log_.push_back({rank_, dest, tag, body});
    }
    std::optional<Message> poll(int source, std::optional<Tag> tag) const override {
      std::lock_guard<std::mutex> lock(world_.mutex_);
      auto& queue = world_.queues_[static_cast<std::size_t>(rank_)];
      for (auto it = queue.begin(); it != queue.end(); ++it) {
        if ((source < 0 || it->source == source) && (!tag || it->tag == *tag)) {
          Message m = std::move(*it);
          queue.erase(it);
          return m;
        }
      }
      return std::nullopt;
    }

   private:
    InProcessWorld& world_;
    int rank_;
  };

  mutable std::mutex mutex_;
  std::vector<std::deque<Message>> queues_;  ///< by receiving rank
  std::vector<Sent> log_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
};

}  // namespace cpnas::test
