#pragma once
// The search loop on rank 0 (DESIGN.md "Search"): per iteration, sample students from the
// controller, have the workers train them (with the previous update's argmax student), update
// the policy on their validation AUCs plus a replay sample, queue the new argmax student.
// Checkpointed after every dispatch, outcome and update.

#include <chrono>
#include <cstdint>
#include <utility>

#include "io/job.hpp"
#include "search/controller.hpp"
#include "search/history.hpp"
#include "search/replay.hpp"
#include "search/run_dir.hpp"
#include "search/scheduler.hpp"
#include "search/space.hpp"

namespace cpnas {

struct SearchSettings {
  bool random = false;
  int64_t warmup_rollouts = 20, rollouts = 30, max_iterations = 50;
  int64_t student_epochs = 50, argmax_epochs = 300;
  uint64_t seed = 1234;
  double budget_seconds = 0;  ///< 0: no budget
  double target_accuracy = 0.97;
  ControllerOptions controller;
  ReplayOptions replay;

  /// Reads [search].
  static SearchSettings from_job(const Job& job);
};

/// A state that was running when the process died: students in flight are trained again, and one
/// that was in flight at two such crashes is marked failed (it may be what kills the process).
void recover_after_crash(SearchState& state);

/// Refuses, naming `path`, a checkpoint whose state does not fit `space` (a student's actions of
/// another length or out of range, a policy or replay memory that does not restore): a damaged
/// file must stop the resume with its reason, not an index error later.
void check_search_state(const SearchState& state, const SearchSpace& space,
                        const std::string& path);

class SearchDriver {
 public:
  SearchDriver(const Job& job, const SearchSpace& space, const RunDir& dir, SearchState& state,
               Scheduler& scheduler);

  /// Runs until the search is finished (true) or a stop was requested (false, checkpointed).
  bool run();

 private:
  void sample_iteration();
  bool train_queued();
  void end_iteration();
  // Records a worker's outcome in search.h5 and the tables.
  void receive(const Outcome& outcome);
  // The record the outcome finished, or nullptr when its training was interrupted.
  const StudentRecord* apply(const Outcome& outcome);
  void dispatch_next();
  /// The next record to train and whether it is an argmax training; nullptr when none.
  std::pair<StudentRecord*, bool> next_pending();
  Actions argmax_actions() const;
  /// Copies the best argmax model (best_argmax()) to the run directory's best.h5.
  void publish_best() const;
  void save();

  SearchSettings settings_;
  const SearchSpace& space_;
  RunDir dir_;
  SearchState& state_;
  Scheduler& scheduler_;
  Controller controller_;
  ReplayMemory replay_;
  double base_seconds_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace cpnas
