// cpnas train: trains the job's architecture on a cohort and writes a model file.

#include <unistd.h>
#include <csignal>

#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "cli/set_up.hpp"
#include "data/layout.hpp"
#include "dist/mpi_collective.hpp"
#include "dist/world.hpp"
#include "io/allocation.hpp"
#include "io/error.hpp"
#include "io/file_hash.hpp"
#include "model/model_file.hpp"
#include "plugin/job_plugins.hpp"
#include "train/memory_estimate.hpp"
#include "train/stop.hpp"
#include "train/trainer.hpp"

namespace cpnas::cli {

int run_train(const std::vector<std::string>& args) {
  CommandLine cl("train --job FILE --out MODEL [options]",
                 "Trains the job's [arch] with its [hyper] and [train] settings on the cohort's\n"
                 "train split, validates on its val split every [train] validate_every epochs,\n"
                 "keeps the weights of the best validation subject AUC and writes them to a\n"
                 "model file, with a per-epoch CSV next to it (MODEL.epochs.csv). It checkpoints\n"
                 "to MODEL.ckpt.h5 after every epoch; SIGTERM or SIGUSR2 stops it at the next\n"
                 "batch with a checkpoint and exit status 99, and --resume continues exactly.\n"
                 "Under mpirun or srun with several ranks it trains data-parallel: each rank\n"
                 "trains on its part of every [hyper] batch_size batch, BatchNorm statistics and\n"
                 "gradients are summed over the ranks (NCCL between GPUs when built with it),\n"
                 "and the result equals training on one process.",
                 true);
  std::string out, data;
  int threads = 0;
  bool resume = false;
  cl.options().add_options()("out", po::value(&out)->required(), "model file to write (HDF5)")(
      "data", po::value(&data), "cohort file (overrides [data] cohort)")(
      "threads", po::value(&threads)->default_value(0),
      "intra-op threads per rank (0: SLURM_CPUS_PER_TASK or cores / ranks per node under "
      "a launcher, else LibTorch's default)")("resume", po::bool_switch(&resume),
                                              "continue from MODEL.ckpt.h5");
  cl.add_device_option();
  if (!cl.parse(args)) return 0;
  require_in_range("threads", threads, 0, 4096);
  const World world;
  // Every rank prepares the same training; any rank's problem stops all of them before the
  // first collective step, and only rank 0 reports it.
  std::unique_ptr<Collective> group;
  std::unique_ptr<PluginRegistry> plugins;
  std::unique_ptr<Cohort> cohort;
  std::unique_ptr<FeatureSet> features;
  Job job;
  Student student{nullptr};
  TrainOptions options;
  Hyper hyper;
  torch::Device device(torch::kCPU);
  // Rank 0 writes the outputs and shows progress; every rank trains.
  const bool writer = world.rank() == 0;
  std::ofstream epochs;
  std::vector<ViewItem> view;
  const int cpu_share = world.cpu_share();  // collective: before anything can fail
  const bool ready = set_up_together(world, [&] {
    const Allocation allocation = Allocation::from_environment();
    if (world.mpi()) spdlog::info("allocation: {}", allocation.describe());
    if (world.mpi() || threads > 0) torch::set_num_threads(allocation.threads(threads, cpu_share));
    job = cl.job();
    if (!data.empty()) job.set("data", "cohort", data, "--data");
    if (job.get("data", "cohort").empty())
      throw UsageError("train: no cohort (--data or [data] cohort)");
    refuse_same_file(out, "--out", job.get("data", "cohort"), "cohort");
    cohort = std::make_unique<Cohort>(read_cohort(job.get("data", "cohort")));
    check_training_splits(*cohort, "cohort '" + job.get("data", "cohort") + "'");
    take_cohort_layout(job, *cohort, job.get("data", "cohort"));
    plugins = std::make_unique<PluginRegistry>(cl.plugins());
    check_job_plugins(job, *plugins);
    features = std::make_unique<FeatureSet>(*plugins, job.get_list("data", "features"),
                                            find_layout(cohort->layout));
    options = train_options_from_job(job);
    options.checkpoint = out + ".ckpt.h5";
    options.resume = resume;
    options.job = job.to_ini();
    hyper = hyper_from_job(job);
    student = student_from_job(job, *plugins, options.seed);
    device = cl.device(world.local_rank());
    // Each rank trains its part of every batch; refused here, nothing has been written yet.
    MemoryBudget memory = memory_budget(allocation);
    memory.held = resident_bytes();
    bound_tensor_cache(memory);
    try {
      check_training_memory([&] { return student_from_job(job, *plugins, options.seed); },
                            (hyper.batch_size + world.size() - 1) / world.size(), cohort->joints,
                            options.precision, device, memory);
    } catch (const Error& e) {
      throw Error(fmt::format("the student of job '{}' {}", cl.values().at("job").as<std::string>(),
                              e.what()));
    }
    student->to(device);
    if (writer) {
      clear_stop_record(out + ".stopped");
      epochs.open(out + ".epochs.csv", resume ? std::ios::app : std::ios::trunc);
      if (!epochs) throw Error("cannot write '" + out + ".epochs.csv'");
      if (!resume) epochs << "epoch,lr,loss,train_accuracy,val_auc,seconds\n";
    }
    if (world.size() > 1) {
      view = view_of(job.get("data", "cohort"), *plugins);
      // Each rank reads the job file itself.
      view.push_back(
          {"the resolved job (job file and options)", "hash " + text_hash(job.to_ini())});
    }
  });
  if (!ready) return 1;
  if (world.size() > 1 && !same_view_everywhere(world, view)) return 1;
  if (world.size() > 1) {
    group = make_collective(world, device);
    options.group = group.get();
  }
  install_stop_handlers(SIGUSR2);
  spdlog::info("training on {} ({} train, {} val recordings), {} epochs, {}, {} threads{}",
               job.get("data", "cohort"), cohort->indices("train").size(),
               cohort->indices("val").size(), options.epochs, device.str(),
               torch::get_num_threads(),
               world.size() > 1 ? fmt::format(", data-parallel over {} ranks (global batch {})",
                                              world.size(), hyper.batch_size)
                                : "");
  // A live line on a terminal; batch jobs get the per-epoch log lines only.
  const bool terminal = writer && isatty(STDERR_FILENO) != 0;
  TrainObserver observer;
  if (terminal) {
    observer.batch = [&](int64_t epoch, int64_t done, int64_t batches, double loss) {
      std::cerr << fmt::format("\repoch {}/{}: batch {}/{}, loss {:.4f}   ", epoch, options.epochs,
                               done, batches, loss)
                << std::flush;
    };
  }
  if (writer)
    observer.epoch = [&](const EpochRecord& r) {
      if (terminal) std::cerr << "\r" << std::string(60, ' ') << "\r";
      epochs << fmt::format("{},{:.6g},{:.6f},{:.4f},{},{:.2f}\n", r.epoch, r.lr, r.loss,
                            r.train_accuracy, r.val_auc < 0 ? "" : fmt::format("{:.4f}", r.val_auc),
                            r.seconds)
             << std::flush;
      spdlog::info("epoch {}/{}: loss {:.4f}, train accuracy {:.3f}{}, {:.1f} s", r.epoch,
                   options.epochs, r.loss, r.train_accuracy,
                   r.val_auc < 0 ? "" : fmt::format(", val subject AUC {:.3f}", r.val_auc),
                   r.seconds);
    };
  TrainResult result;
  try {
    result = train_student(*student, hyper, *cohort, *features, options, observer);
  } catch (const Error&) {
    if (!writer) return 1;  // an error all ranks agreed on: rank 0 reports it
    throw;
  }
  if (result.interrupted) {
    if (writer) record_stop(out + ".stopped");
    spdlog::warn("stopped on request after {} epochs; checkpoint {}; continue with --resume",
                 result.history.size(), options.checkpoint);
    return kExitInterrupted;
  }
  if (result.status != TrainStatus::ok) {
    if (!writer) return 1;
    throw Error("training " + status_name(result.status) + ": " + result.message);
  }
  if (!writer) return 0;
  ModelRecord record;
  record.epochs = result.epochs;
  record.best_epoch = result.best_epoch;
  record.best_val_auc = result.best_val_auc;
  record.seed = options.seed;
  save_model(out, *student, job, record, *plugins);
  spdlog::info("{}: best validation subject AUC {:.3f} at epoch {}{}; time: {}", out,
               result.best_val_auc, result.best_epoch,
               result.stopped_early ? " (stopped early)" : "", result.phases.shares());
  return 0;
}

}  // namespace cpnas::cli
