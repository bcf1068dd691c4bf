#include "search/scheduler.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "io/error.hpp"
#include "search/worker.hpp"
#include "train/stop.hpp"

namespace cpnas {

Scheduler::Scheduler(const Mailbox& mailbox, LocalWorker& local)
    : mailbox_(mailbox), local_(local), busy_(static_cast<std::size_t>(mailbox.size()), false) {}

int Scheduler::in_flight() const {
  return static_cast<int>(std::count(busy_.begin(), busy_.end(), true));
}

bool Scheduler::has_free_worker() const {
  return std::find(busy_.begin(), busy_.end(), false) != busy_.end();
}

int Scheduler::dispatch(const Task& task) {
  const auto free = std::find(busy_.begin(), busy_.end(), false);
  if (free == busy_.end()) throw Error("no free worker to dispatch to");
  const int rank = static_cast<int>(free - busy_.begin());
  if (rank == 0) {
    local_.submit(task);
  } else {
    mailbox_.send(rank, Tag::task, nlohmann::json(task).dump());
  }
  *free = true;
  return rank;
}

std::optional<Outcome> Scheduler::poll() {
  if (busy_[0]) {
    if (auto outcome = local_.take()) {
      busy_[0] = false;
      return outcome;
    }
  }
  while (auto m = mailbox_.poll(-1, std::nullopt)) {
    if (m->tag == Tag::notice) {
      request_stop();
      continue;
    }
    if (m->tag != Tag::result) continue;
    busy_.at(static_cast<std::size_t>(m->source)) = false;
    return nlohmann::json::parse(m->body).get<Outcome>();
  }
  return std::nullopt;
}

void Scheduler::abort() {
  if (aborted_) return;
  aborted_ = true;
  request_stop();  // rank 0's own worker hears it through the flag
  for (int rank = 1; rank < workers(); ++rank) {
    if (busy_[static_cast<std::size_t>(rank)]) mailbox_.send(rank, Tag::abort, "");
  }
}

void Scheduler::quit(int status) {
  for (int rank = 1; rank < workers(); ++rank)
    mailbox_.send(rank, Tag::quit, std::to_string(status));
}

}  // namespace cpnas
