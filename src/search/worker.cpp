#include "search/worker.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "train/stop.hpp"

namespace cpnas {

LocalWorker::LocalWorker(const TaskRunner& runner) : runner_(runner), thread_([this] { loop(); }) {}

LocalWorker::~LocalWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool LocalWorker::busy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return busy_;
}

void LocalWorker::submit(const Task& task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = task;
    busy_ = true;
  }
  wake_.notify_all();
}

std::optional<Outcome> LocalWorker::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!outcome_) return std::nullopt;
  auto out = std::move(outcome_);
  outcome_.reset();
  busy_ = false;
  return out;
}

void LocalWorker::loop() {
  while (true) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return quit_ || task_.has_value(); });
      if (quit_) return;
      task = *task_;
      task_.reset();
    }
    Outcome outcome = runner_.run(task, {});
    std::lock_guard<std::mutex> lock(mutex_);
    outcome_ = std::move(outcome);
  }
}

int serve(const Mailbox& mailbox, const TaskRunner& runner) {
  bool told = false;
  auto tell_stop = [&] {
    if (told || !stop_requested()) return;
    mailbox.send(0, Tag::notice, "stop");
    told = true;
  };
  while (true) {
    auto m = mailbox.poll(0, std::nullopt);
    if (!m) {
      tell_stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    switch (m->tag) {
      case Tag::task: {
        const Task task = nlohmann::json::parse(m->body).get<Task>();
        const Outcome outcome = runner.run(task, [&] {
          if (mailbox.poll(0, Tag::abort)) request_stop();
        });
        // A stop on this rank interrupted the student: rank 0 learns it from the outcome.
        told = told || outcome.interrupted;
        mailbox.send(0, Tag::result, nlohmann::json(outcome).dump());
        break;
      }
      case Tag::abort:
        request_stop();
        told = true;
        break;
      case Tag::quit:
        return std::stoi(m->body);
      default:
        break;
    }
  }
}

}  // namespace cpnas
