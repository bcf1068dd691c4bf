// The scheduler and the workers in one process: ranks are threads that talk through
// InProcessWorld, and a scripted runner stands in for training, so dispatch, outcomes, stops and
// failures are tested in milliseconds. (The mpi label runs the same code under mpirun.)
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "in_process_world.hpp"
#include "io/error.hpp"
#include "search/scheduler.hpp"
#include "search/worker.hpp"
#include "train/stop.hpp"

namespace {

using namespace cpnas;
using namespace std::chrono_literals;

constexpr uint64_t kFails = 666;  // a task with this seed fails

// Runs a task as `epochs` batches of 1 ms, stopping at a batch boundary when asked; fails the
// tasks seeded kFails with a message that JSON must carry intact.
class ScriptedRunner : public TaskRunner {
 public:
  explicit ScriptedRunner(int rank) : rank_(rank) {}

  Outcome run(const Task& task, const std::function<void()>& on_batch) const override {
    ++started_;
    Outcome o;
    o.argmax = task.argmax;
    o.id = task.id;
    o.record.rank = rank_;
    for (int64_t b = 0; b < task.epochs && !o.interrupted; ++b) {
      if (on_batch) on_batch();
      o.interrupted = stop_requested();
      std::this_thread::sleep_for(1ms);
    }
    o.record.status = task.seed == kFails ? StudentStatus::failed : StudentStatus::ok;
    if (task.seed == kFails)
      o.record.message = "student \"" + std::to_string(task.id) + "\" failed";
    o.record.val_auc = 0.01 * static_cast<double>(task.id);
    return o;
  }

  int started() const { return started_; }

 private:
  int rank_;
  mutable std::atomic<int> started_{0};
};

Task task(int64_t id, int64_t batches, uint64_t seed = 1) {
  Task t;
  t.id = id;
  t.epochs = batches;
  t.seed = seed;
  t.actions = {static_cast<int>(id % 3)};
  return t;
}

// Every rank but 0 serving in a thread of its own; rank 0's worker and scheduler in the test.
class Dispatch : public ::testing::Test {
 protected:
  static constexpr int kRanks = 3;

  void SetUp() override {
    clear_stop_request();
    for (int r = 0; r < kRanks; ++r) runners_.push_back(std::make_unique<ScriptedRunner>(r));
    for (int r = 1; r < kRanks; ++r) {
      served_.push_back(std::async(std::launch::async, [this, r] {
        return serve(world_.rank(r), *runners_[static_cast<std::size_t>(r)]);
      }));
    }
    local_ = std::make_unique<LocalWorker>(*runners_[0]);
    scheduler_ = std::make_unique<Scheduler>(world_.rank(0), *local_);
  }

  void TearDown() override {
    for (auto& s : served_) {
      if (s.valid() && s.wait_for(0s) != std::future_status::ready) {
        scheduler_->quit(0);
        break;
      }
    }
    for (auto& s : served_) {
      if (s.valid()) s.wait();
    }
    clear_stop_request();
  }

  Outcome next_outcome() {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto o = scheduler_->poll()) return *o;
      std::this_thread::sleep_for(1ms);
    }
    throw std::runtime_error("no outcome within 20 s");
  }

  // Waits until every worker has begun a task.
  void wait_all_started(int tasks_each) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    for (const auto& r : runners_) {
      while (r->started() < tasks_each) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "a worker never started";
        std::this_thread::sleep_for(1ms);
      }
    }
  }

  int sent_count(Tag tag, int to) const {
    int n = 0;
    for (const auto& s : world_.sent()) n += s.tag == tag && s.to == to;
    return n;
  }

  test::InProcessWorld world_{kRanks};
  std::vector<std::unique_ptr<ScriptedRunner>> runners_;
  std::vector<std::future<int>> served_;
  std::unique_ptr<LocalWorker> local_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace

TEST_F(Dispatch, EveryTaskReachesAFreeWorkerAndItsOutcomeComesBackFromTheRankThatRanIt) {
  std::map<int64_t, int> dispatched_to;
  std::set<int64_t> done;
  int64_t next = 0;
  constexpr int64_t kTasks = 12;
  while (static_cast<int64_t>(done.size()) < kTasks) {
    while (next < kTasks && scheduler_->has_free_worker()) {
      dispatched_to[next] = scheduler_->dispatch(task(next, 1 + next % 4));
      ++next;
    }
    EXPECT_LE(scheduler_->in_flight(), kRanks);
    const Outcome o = next_outcome();
    EXPECT_EQ(o.record.rank, dispatched_to.at(o.id)) << "task " << o.id;
    EXPECT_EQ(o.record.status, StudentStatus::ok);
    EXPECT_DOUBLE_EQ(o.record.val_auc, 0.01 * static_cast<double>(o.id));
    EXPECT_FALSE(o.interrupted);
    EXPECT_TRUE(done.insert(o.id).second) << "task " << o.id << " came back twice";
  }
  EXPECT_EQ(scheduler_->in_flight(), 0);
  std::set<int> ranks;
  for (const auto& [id, rank] : dispatched_to) ranks.insert(rank);
  EXPECT_EQ(ranks, (std::set<int>{0, 1, 2})) << "every worker trains";

  scheduler_->quit(7);
  for (auto& s : served_) EXPECT_EQ(s.get(), 7) << "a worker leaves with the status rank 0 gives";
}

TEST_F(Dispatch, DispatchingWithEveryWorkerBusyIsAnError) {
  for (int i = 0; i < kRanks; ++i) scheduler_->dispatch(task(i, 200));
  EXPECT_FALSE(scheduler_->has_free_worker());
  EXPECT_THROW(scheduler_->dispatch(task(9, 1)), Error);
  scheduler_->abort();
  for (int i = 0; i < kRanks; ++i) next_outcome();
}

TEST_F(Dispatch, AFailedTaskComesBackWithItsMessageAndItsWorkerTakesTheNext) {
  // Fill rank 0 and 2 with long tasks so the failing one goes to rank 1.
  ASSERT_EQ(scheduler_->dispatch(task(0, 3000)), 0);
  ASSERT_EQ(scheduler_->dispatch(task(1, 1, kFails)), 1);
  ASSERT_EQ(scheduler_->dispatch(task(2, 3000)), 2);
  Outcome failed = next_outcome();
  ASSERT_EQ(failed.id, 1);
  EXPECT_EQ(failed.record.status, StudentStatus::failed);
  EXPECT_EQ(failed.record.message, "student \"1\" failed");

  ASSERT_EQ(scheduler_->dispatch(task(3, 1)), 1) << "the worker that failed is free again";
  const Outcome after = next_outcome();
  EXPECT_EQ(after.id, 3);
  EXPECT_EQ(after.record.status, StudentStatus::ok);
  scheduler_->abort();
  next_outcome();
  next_outcome();
}

TEST_F(Dispatch, AnAbortStopsEveryBusyWorkerAtItsNextBatchOnceAndTheirOutcomesSayInterrupted) {
  for (int i = 0; i < kRanks; ++i) scheduler_->dispatch(task(i, 100000));
  wait_all_started(1);
  const auto start = std::chrono::steady_clock::now();
  scheduler_->abort();
  scheduler_->abort();
  std::set<int64_t> stopped;
  for (int i = 0; i < kRanks; ++i) {
    const Outcome o = next_outcome();
    EXPECT_TRUE(o.interrupted) << "task " << o.id;
    stopped.insert(o.id);
  }
  EXPECT_EQ(stopped.size(), 3u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "not 100 s of batches";
  EXPECT_EQ(sent_count(Tag::abort, 1), 1);
  EXPECT_EQ(sent_count(Tag::abort, 2), 1);
  EXPECT_TRUE(stop_requested()) << "rank 0's own worker hears the stop through the flag";
}

// One worker rank serving in a thread, and rank 0's mailbox in the test.
class Worker : public ::testing::Test {
 protected:
  void SetUp() override {
    clear_stop_request();
    served_ = std::async(std::launch::async, [this] { return serve(world_.rank(1), runner_); });
  }
  void TearDown() override {
    if (served_.valid()) quit(0);  // a test that failed before quitting
    clear_stop_request();
  }

  void start_long_task(int64_t id) {
    zero_.send(1, Tag::task, nlohmann::json(task(id, 100000)).dump());
    while (runner_.started() == 0) std::this_thread::sleep_for(1ms);
  }

  std::optional<Message> wait_for(Tag tag) {
    std::optional<Message> m;
    for (int i = 0; i < 20000 && !m; ++i, std::this_thread::sleep_for(1ms)) m = zero_.poll(1, tag);
    return m;
  }

  // Quits the worker with `status`; what serve() returned.
  int quit(int status) {
    zero_.send(1, Tag::quit, std::to_string(status));
    return served_.get();
  }

  test::InProcessWorld world_{2};
  const Mailbox& zero_ = world_.rank(0);
  const ScriptedRunner runner_{1};
  std::future<int> served_;
};

TEST_F(Worker, AnAbortFromRankZeroReachesTheRunningTaskAtItsBatchBoundary) {
  start_long_task(5);
  EXPECT_FALSE(zero_.poll(1, std::nullopt)) << "nothing comes back while it trains";
  zero_.send(1, Tag::abort, "");
  const auto m = wait_for(Tag::result);
  ASSERT_TRUE(m);
  const Outcome o = nlohmann::json::parse(m->body).get<Outcome>();
  EXPECT_EQ(o.id, 5);
  EXPECT_TRUE(o.interrupted);
  EXPECT_TRUE(stop_requested());
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(zero_.poll(1, Tag::notice)) << "rank 0 knows the stop: it asked for it";
  EXPECT_EQ(quit(3), 3);
}

TEST_F(Worker, AStopOnAnIdleWorkerRankIsPassedOnToRankZeroOnce) {
  request_stop();  // as SIGTERM on rank 1's node would
  std::this_thread::sleep_for(60ms);
  int notices = 0;
  for (const auto& s : world_.sent()) notices += s.tag == Tag::notice && s.from == 1 && s.to == 0;
  EXPECT_EQ(notices, 1);
  EXPECT_EQ(quit(99), 99);
  EXPECT_EQ(runner_.started(), 0);
}

TEST_F(Worker, ATaskStoppedOnItsOwnRankTellsRankZeroThroughItsOutcomeOnly) {
  start_long_task(8);
  request_stop();
  const auto m = wait_for(Tag::result);
  ASSERT_TRUE(m);
  EXPECT_TRUE(nlohmann::json::parse(m->body).get<Outcome>().interrupted);
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(zero_.poll(1, Tag::notice));
  EXPECT_EQ(quit(99), 99);
}

TEST(Scheduler, ANoticeFromAWorkerRequestsTheStopOnRankZero) {
  clear_stop_request();
  test::InProcessWorld world(2);
  const ScriptedRunner runner(0);
  LocalWorker local(runner);
  Scheduler scheduler(world.rank(0), local);
  world.rank(1).send(0, Tag::notice, "stop");
  EXPECT_FALSE(scheduler.poll()) << "a notice is not an outcome";
  EXPECT_TRUE(stop_requested());
  clear_stop_request();
}
