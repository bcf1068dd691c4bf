// cpnas search: the architecture search as an MPI job (rank 0 schedules, every rank trains).

#include <csignal>
#include <filesystem>
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "cli/set_up.hpp"
#include "data/layout.hpp"
#include "dist/world.hpp"
#include "io/allocation.hpp"
#include "io/atomic_file.hpp"
#include "io/error.hpp"
#include "io/h5.hpp"
#include "io/log.hpp"
#include "plugin/job_plugins.hpp"
#include "search/run_dir.hpp"
#include "search/scheduler.hpp"
#include "search/search.hpp"
#include "search/search_file.hpp"
#include "search/student_runner.hpp"
#include "train/stop.hpp"
#include "train/trainer.hpp"

namespace cpnas::cli {
namespace {

int signal_number(const std::string& name) {
  if (name == "USR1") return SIGUSR1;
  if (name == "USR2") return SIGUSR2;
  if (name == "INT") return SIGINT;
  if (name == "HUP") return SIGHUP;
  return SIGXCPU;
}

struct Start {
  std::string job;  ///< resolved job INI
  std::string run_dir;
  SearchState state;  ///< of a resumed search, as its checkpoint holds it
};

// Rank 0: the job and run directory of a new or resumed search; throws for what is wrong.
Start prepare(const CommandLine& cl, const std::string& run_dir, const std::string& resume,
              const std::string& data) {
  const bool has_job = cl.values().count("job") > 0;
  auto given_job = [&] {
    Job job = cl.job();
    if (!data.empty()) job.set("data", "cohort", data, "--data");
    const std::string cohort = job.get("data", "cohort");
    if (cohort.empty()) throw UsageError("search: no cohort (--data or [data] cohort)");
    job.set("data", "cohort", std::filesystem::absolute(cohort).string(), "resolved");
    SearchSpace::from_job(job);
    return job;
  };
  if (resume.empty()) {
    if (!has_job) throw UsageError("search: --job FILE is required (or --resume RUN_DIR)");
    if (run_dir.empty()) throw UsageError("search: --run-dir is required");
    const RunDir dir{run_dir};
    if (std::filesystem::exists(dir.checkpoint())) {
      throw Error("run directory '" + run_dir +
                  "' already holds a search (search.h5); continue it with --resume " + run_dir);
    }
    const Job job = given_job();
    dir.create();
    write_text_atomically(dir.job(), [&](std::ostream& out) { out << job.to_ini(); });
    return {job.to_ini(), run_dir, {}};
  }
  const RunDir dir{resume};
  SearchState state = load_search(dir.checkpoint());
  check_search_state(state, SearchSpace::from_job(Job::parse(state.job, dir.checkpoint())),
                     dir.checkpoint());
  if (!has_job) return {state.job, resume, std::move(state)};
  const Job job = given_job();
  if (const auto diff = first_job_difference(state.job, job.to_ini()); !diff.empty()) {
    throw Error("search checkpoint '" + dir.checkpoint() + "' belongs to another job: " + diff);
  }
  return {job.to_ini(), resume, std::move(state)};
}

// What --json prints at the end: where the search stands and the model it ended with.
nlohmann::json summary(const RunDir& dir, const SearchState& state) {
  nlohmann::json out{{"run_dir", dir.root},
                     {"finished", state.finished},
                     {"stop_reason", state.stop_reason},
                     {"students", state.students.size()},
                     {"best", nullptr}};
  if (const StudentRecord* best = state.finished ? best_argmax(state) : nullptr) {
    out["best"] = {{"update", best->id}, {"val_auc", best->val_auc}, {"model", dir.best_model()}};
  }
  return out;
}

}  // namespace

int run_search(const std::vector<std::string>& args) {
  CommandLine cl(
      "search --job FILE --run-dir DIR [options] | search --resume DIR [--job FILE]",
      "Searches the job's [space] with its [search] settings. Run it under mpirun or srun:\n"
      "rank 0 schedules students to every rank (itself included) and runs the controller.\n"
      "The run directory holds job.ini, search.h5 (the checkpoint, written after every\n"
      "student), students.csv, argmax.csv, policy.csv, argmax/ model files and logs/.\n"
      "SIGTERM or the [search] preemption_signal (SIGUSR2) stops every rank at its next\n"
      "batch with a checkpoint and exit status 99; --resume DIR continues exactly.",
      true);
  std::string run_dir, resume, data;
  int threads = 0;
  cl.options().add_options()("run-dir", po::value(&run_dir), "run directory of a new search")(
      "resume", po::value(&resume), "continue the search in this run directory")(
      "data", po::value(&data), "cohort file (overrides [data] cohort)")(
      "threads", po::value(&threads)->default_value(0),
      "intra-op threads per rank (0: SLURM_CPUS_PER_TASK, else cores / ranks per node)");
  cl.add_device_option();
  if (!cl.parse(args)) return 0;
  require_in_range("threads", threads, 0, 4096);
  const World world;
  const int cpu_share = world.cpu_share();  // collective: before anything can fail

  // Every rank learns the job from rank 0, then loads what training needs; any rank's problem
  // stops all of them together, before the first message of the search.
  // Only rank 0 reports an agreed error; the others leave quietly with the same status.
  Start start;
  if (!set_up_together(world, [&] {
        if (world.rank() == 0) start = prepare(cl, run_dir, resume, data);
      })) {
    return 1;
  }
  start.job = world.broadcast(start.job);
  start.run_dir = world.broadcast(start.run_dir);
  const RunDir dir{start.run_dir};
  Job job = Job::parse(start.job, dir.job());
  const SearchSpace space = SearchSpace::from_job(job);

  std::unique_ptr<PluginRegistry> plugins;
  std::unique_ptr<Cohort> cohort;
  std::unique_ptr<FeatureSet> features;
  torch::Device device(torch::kCPU);
  std::vector<ViewItem> view;
  MemoryBudget memory;
  const bool ready = set_up_together(world, [&] {
    add_log_file(dir.log(world.rank()));
    const Allocation allocation = Allocation::from_environment();
    spdlog::info("allocation: {}", allocation.describe());
    memory = memory_budget(allocation);
    spdlog::info("{}", h5::describe_library());
    const int n = allocation.threads(threads, cpu_share);
    torch::set_num_threads(n);
    plugins = std::make_unique<PluginRegistry>(cl.plugins());
    check_job_plugins(job, *plugins);
    cohort = std::make_unique<Cohort>(read_cohort(job.get("data", "cohort")));
    check_training_splits(*cohort, "cohort '" + job.get("data", "cohort") + "'");
    take_cohort_layout(job, *cohort, job.get("data", "cohort"));
    features = std::make_unique<FeatureSet>(*plugins, job.get_list("data", "features"),
                                            find_layout(cohort->layout));
    device = cl.device(world.local_rank());
    spdlog::info("rank {} of {}: {}, {} threads, cohort {} ({} recordings)", world.rank(),
                 world.size(), device.str(), n, job.get("data", "cohort"), cohort->size());
    if (world.size() > 1) view = view_of(job.get("data", "cohort"), *plugins);
  });
  if (!ready) return 1;
  if (world.size() > 1 && !same_view_everywhere(world, view)) return 1;

  install_stop_handlers(signal_number(job.get("search", "preemption_signal")));
  memory.held = resident_bytes();
  bound_tensor_cache(memory);
  const StudentRunner runner(job, space, *plugins, *cohort, *features, world.rank(), device,
                             memory);
  if (world.rank() != 0) return serve(world, runner);

  LocalWorker local(runner);
  Scheduler scheduler(world, local);
  try {
    SearchState state;
    if (resume.empty()) {
      state.job = start.job;
      state.space = space.describe();
    } else {
      state = std::move(start.state);
      recover_after_crash(state);
      spdlog::info("resuming {}: iteration {}, {} students recorded", dir.root, state.iteration + 1,
                   state.students.size());
    }
    ++state.runs;
    if (state.finished) {
      spdlog::info("{}: the search has already finished ({})", dir.root, state.stop_reason);
    } else {
      clear_stop_record(dir.stop_record());
      SearchDriver driver(job, space, dir, state, scheduler);
      if (!driver.run()) {
        record_stop(dir.stop_record());
        spdlog::warn("stopped on request; checkpoint {}; continue with cpnas search --resume {}",
                     dir.checkpoint(), dir.root);
      }
    }
    if (cl.json()) std::cout << summary(dir, state).dump(2) << std::endl;
    const int status = state.finished ? 0 : kExitInterrupted;
    scheduler.quit(status);
    return status;
  } catch (...) {
    scheduler.abort();
    scheduler.quit(1);
    throw;
  }
}

}  // namespace cpnas::cli
