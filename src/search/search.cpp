#include "search/search.hpp"

#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/atomic_file.hpp"
#include "io/error.hpp"
#include "search/random.hpp"
#include "search/search_file.hpp"
#include "train/stop.hpp"

namespace cpnas {

SearchSettings SearchSettings::from_job(const Job& job) {
  SearchSettings s;
  s.random = job.get("search", "strategy") == "random";
  s.warmup_rollouts = job.get_int("search", "warmup_rollouts");
  s.rollouts = job.get_int("search", "rollouts");
  s.max_iterations = job.get_int("search", "max_iterations");
  s.student_epochs = job.get_int("search", "student_epochs");
  s.argmax_epochs = job.get_int("search", "argmax_epochs");
  s.seed = static_cast<uint64_t>(job.get_int("search", "seed"));
  s.budget_seconds = job.get_real("search", "budget_hours") * 3600.0;
  s.target_accuracy = job.get_real("search", "target_accuracy");
  s.controller.random = s.random;
  s.controller.lr = job.get_real("search", "controller_lr");
  s.controller.baseline = job.get_bool("search", "baseline");
  s.replay.threshold = job.get_real("search", "replay_threshold");
  s.replay.capacity = static_cast<std::size_t>(job.get_int("search", "replay_capacity"));
  s.replay.sample = static_cast<std::size_t>(job.get_int("search", "replay_sample"));
  return s;
}

void recover_after_crash(SearchState& state) {
  for (auto* records : {&state.students, &state.argmax}) {
    for (auto& r : *records) {
      if (r.status != StudentStatus::running) continue;
      if (++r.crashes >= 2) {
        r.status = StudentStatus::failed;
        r.message = "in flight at two crashes of the search";
        spdlog::warn("{} {} was in flight at two crashes: marked failed",
                     records == &state.argmax ? "argmax of update" : "student", r.id);
      } else {
        r.status = StudentStatus::pending;
      }
    }
  }
}

void check_search_state(const SearchState& state, const SearchSpace& space,
                        const std::string& path) {
  auto fail = [&](const std::string& what) {
    throw Error("search checkpoint '" + path + "': damaged state: " + what);
  };
  if (state.space != space.describe()) fail("its search space is not its job's");
  for (const auto* records : {&state.students, &state.argmax}) {
    for (const auto& r : *records) {
      try {
        space.check(r.actions);
      } catch (const Error& e) {
        fail("student " + std::to_string(r.id) + ": " + e.what());
      }
    }
  }
  for (const auto& update : state.policy) {
    bool fits = update.size() == space.keys.size();
    for (std::size_t k = 0; fits && k < update.size(); ++k) {
      fits = update[k].size() == space.keys[k].choices.size();
    }
    if (!fits) fail("a policy row does not fit the space");
  }
  try {
    if (!state.controller.is_null()) Controller(space, {}).restore(state.controller);
    if (!state.replay.is_null()) ReplayMemory({}).restore(state.replay);
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

SearchDriver::SearchDriver(const Job& job, const SearchSpace& space, const RunDir& dir,
                           SearchState& state, Scheduler& scheduler)
    : settings_(SearchSettings::from_job(job)),
      space_(space),
      dir_(dir),
      state_(state),
      scheduler_(scheduler),
      controller_(space, settings_.controller),
      replay_(settings_.replay) {
  if (!state_.controller.is_null()) controller_.restore(state_.controller);
  if (!state_.replay.is_null()) replay_.restore(state_.replay);
  if (state_.policy.empty()) {
    std::vector<std::vector<double>> p;
    for (std::size_t k = 0; k < space.keys.size(); ++k) p.push_back(controller_.probabilities(k));
    state_.policy.push_back(p);
  }
}

bool SearchDriver::run() {
  start_ = std::chrono::steady_clock::now();
  base_seconds_ = state_.seconds;
  save();
  write_student_tables(dir_, state_, space_);
  write_policy(dir_, state_, space_);
  while (!state_.finished) {
    if (state_.stop_reason.empty()) sample_iteration();
    if (!train_queued()) return false;
    if (state_.stop_reason.empty()) {
      end_iteration();
    } else {
      state_.finished = true;
      spdlog::info("search finished: {}", state_.stop_reason);
      publish_best();
    }
    save();
    // At an update a new argmax training is to come; at the end the tables are rewritten in id
    // order, so a finished search's students.csv does not depend on which rank finished first.
    if (state_.finished) {
      write_student_tables(dir_, state_, space_);
    } else {
      write_argmax_table(dir_, state_, space_);
    }
    write_policy(dir_, state_, space_);  // the policy changes only at an update
  }
  return true;
}

void SearchDriver::sample_iteration() {
  const int64_t it = state_.iteration;
  for (const auto& s : state_.students) {
    if (s.iteration == it) return;  // sampled before a resume
  }
  Rng rng(derive_seed(settings_.seed, Stream::sample, static_cast<uint64_t>(it)));
  const int64_t n = it == 0 ? settings_.warmup_rollouts : settings_.rollouts;
  for (int64_t i = 0; i < n; ++i) {
    StudentRecord r;
    r.id = static_cast<int64_t>(state_.students.size());
    r.iteration = it;
    r.actions = controller_.sample(rng);
    state_.students.push_back(r);
  }
  spdlog::info("iteration {}/{}: {} students sampled", it + 1, settings_.max_iterations, n);
  save();
}

std::pair<StudentRecord*, bool> SearchDriver::next_pending() {
  // The argmax training first: it is the longest, and starting it early keeps workers busy.
  for (auto& r : state_.argmax) {
    if (r.status == StudentStatus::pending) return {&r, true};
  }
  for (auto& r : state_.students) {
    if (r.status == StudentStatus::pending) return {&r, false};
  }
  return {nullptr, false};
}

void SearchDriver::dispatch_next() {
  auto [r, argmax] = next_pending();
  Task task;
  task.argmax = argmax;
  task.id = r->id;
  task.actions = r->actions;
  task.epochs = task.argmax ? settings_.argmax_epochs : settings_.student_epochs;
  task.seed = derive_seed(settings_.seed, task.argmax ? Stream::argmax : Stream::student,
                          static_cast<uint64_t>(r->id));
  if (task.argmax) task.model = dir_.argmax_model(r->id);
  r->rank = scheduler_.dispatch(task);
  r->status = StudentStatus::running;
  ++r->attempts;
  save();
}

bool SearchDriver::train_queued() {
  while (true) {
    if (stop_requested()) {
      spdlog::warn("stop requested: waiting for {} workers to stop at their next batch",
                   scheduler_.in_flight());
      scheduler_.abort();
      while (scheduler_.in_flight() > 0) {
        if (auto o = scheduler_.poll()) {
          receive(*o);
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
      save();
      return false;
    }
    while (scheduler_.has_free_worker() && next_pending().first) dispatch_next();
    if (scheduler_.in_flight() == 0 && !next_pending().first) return true;
    if (auto o = scheduler_.poll()) {
      receive(*o);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

void SearchDriver::receive(const Outcome& o) {
  const StudentRecord* finished = apply(o);
  save();
  // After search.h5: a crash in between loses no row, since a resume rewrites the tables from it.
  if (!finished) return;
  if (o.argmax) {
    write_argmax_table(dir_, state_, space_);
  } else {
    append_student_row(dir_, *finished, space_);
  }
}

const StudentRecord* SearchDriver::apply(const Outcome& o) {
  auto& records = o.argmax ? state_.argmax : state_.students;
  StudentRecord* r = nullptr;
  for (auto& candidate : records) {
    if (candidate.id == o.id) r = &candidate;
  }
  if (!r)
    throw Error(
        fmt::format("a worker returned unknown {} {}", o.argmax ? "argmax" : "student", o.id));
  if (o.interrupted) {
    r->status = StudentStatus::pending;
    return nullptr;
  }
  const StudentRecord& x = o.record;
  r->status = x.status;
  r->message = x.message;
  r->val_auc = x.val_auc;
  r->val_accuracy = x.val_accuracy;
  r->val_sensitivity = x.val_sensitivity;
  r->val_specificity = x.val_specificity;
  r->epochs = x.epochs;
  r->params = x.params;
  r->macs = x.macs;
  r->seconds = x.seconds;
  r->rank = x.rank;
  int64_t done = 0, total = 0, failed = 0;
  double best = -1;
  for (const auto& s : state_.students) {
    if (s.iteration != state_.iteration) continue;
    ++total;
    done += s.finished();
    failed += s.finished() && s.status != StudentStatus::ok;
    best = std::max(best, s.val_auc);
  }
  const std::string where =
      state_.stop_reason.empty()
          ? fmt::format("iteration {}/{}", state_.iteration + 1, settings_.max_iterations)
          : std::string("final argmax training");
  spdlog::info("{}: {} {} {} on rank {} ({:.1f} s); {}/{} done, {} failed, best AUC {}", where,
               o.argmax ? "argmax of update" : "student", r->id,
               r->status == StudentStatus::ok ? fmt::format("AUC {:.3f}", r->val_auc)
                                              : status_name(r->status),
               r->rank, r->seconds, done, total, failed,
               best < 0 ? "-" : fmt::format("{:.3f}", best));
  return r;
}

Actions SearchDriver::argmax_actions() const {
  if (!settings_.random) return controller_.argmax();
  // Random search has no policy: its "argmax" is the best student found so far.
  const StudentRecord* best = nullptr;
  for (const auto& s : state_.students) {
    if (s.status == StudentStatus::ok && (!best || s.val_auc > best->val_auc)) best = &s;
  }
  return best ? best->actions : state_.students.front().actions;
}

void SearchDriver::end_iteration() {
  const int64_t it = state_.iteration;
  std::vector<Rollout> batch;
  for (const auto& s : state_.students) {
    if (s.iteration == it && s.status == StudentStatus::ok) batch.push_back({s.actions, s.val_auc});
  }
  Rng rng(derive_seed(settings_.seed, Stream::replay, static_cast<uint64_t>(it)));
  std::vector<Rollout> update = batch;
  for (auto& r : replay_.sample(rng)) update.push_back(std::move(r));
  controller_.update(update);
  for (const auto& r : batch) replay_.add(r);
  std::vector<std::vector<double>> p;
  for (std::size_t k = 0; k < space_.keys.size(); ++k) p.push_back(controller_.probabilities(k));
  state_.policy.push_back(p);
  spdlog::info("update {}: {} students, {} replayed, replay memory {}", it + 1, batch.size(),
               update.size() - batch.size(), replay_.size());

  const StudentRecord* previous = nullptr;
  for (const auto& a : state_.argmax) {
    if (a.id == it && a.status == StudentStatus::ok) previous = &a;
  }
  const double elapsed =
      base_seconds_ +
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const bool target = previous && previous->val_accuracy >= settings_.target_accuracy;
  if (target) {
    state_.stop_reason =
        fmt::format("the argmax student of update {} reached validation accuracy {:.3f}", it,
                    previous->val_accuracy);
  } else if (it + 1 >= settings_.max_iterations) {
    state_.stop_reason = fmt::format("{} iterations done", it + 1);
  } else if (settings_.budget_seconds > 0 && elapsed >= settings_.budget_seconds) {
    state_.stop_reason = fmt::format("budget of {:.2f} h spent", settings_.budget_seconds / 3600);
  }
  if (!target && settings_.argmax_epochs > 0) {
    StudentRecord a;
    a.id = it + 1;  // the update's number
    a.iteration = it;
    a.actions = argmax_actions();
    state_.argmax.push_back(a);
  }
  state_.iteration = it + 1;
}

void SearchDriver::publish_best() const {
  const StudentRecord* best = best_argmax(state_);
  if (!best) {
    spdlog::warn("no argmax training finished: no best.h5");
    return;
  }
  replace_file(dir_.best_model(), "best model", [&](const std::string& tmp) {
    std::filesystem::copy_file(dir_.argmax_model(best->id), tmp,
                               std::filesystem::copy_options::overwrite_existing);
  });
  spdlog::info("best argmax student: update {} (validation AUC {:.3f}) -> {}", best->id,
               best->val_auc, dir_.best_model());
}

void SearchDriver::save() {
  state_.controller = controller_.state();
  state_.replay = replay_.state();
  state_.seconds = base_seconds_ +
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  save_search(dir_.checkpoint(), state_);
}

}  // namespace cpnas
