// cpnas train: trains the job's architecture on a cohort and writes a model file.

#include <unistd.h>
#include <csignal>

#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "data/layout.hpp"
#include "error.hpp"
#include "io/model_file.hpp"
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
                 "batch with a checkpoint and exit status 99, and --resume continues exactly.",
                 true);
  std::string out, data;
  int threads = 0;
  bool resume = false;
  cl.options().add_options()("out", po::value(&out)->required(), "model file to write (HDF5)")(
      "data", po::value(&data), "cohort file (overrides [data] cohort)")(
      "threads", po::value(&threads)->default_value(0), "intra-op threads (0: LibTorch default)")(
      "resume", po::bool_switch(&resume), "continue from MODEL.ckpt.h5");
  cl.add_device_option();
  if (!cl.parse(args)) return 0;
  if (threads > 0) torch::set_num_threads(threads);
  Job job = cl.job();
  if (!data.empty()) job.set("data", "cohort", data, "--data");
  if (job.get("data", "cohort").empty())
    throw UsageError("train: no cohort (--data or [data] cohort)");
  const Cohort cohort = read_cohort(job.get("data", "cohort"));
  if (cohort.layout != job.get("data", "layout"))
    job.set("data", "layout", cohort.layout, "cohort");
  const PluginRegistry plugins = cl.plugins();
  const FeatureSet features(plugins, job.get_list("data", "features"), find_layout(cohort.layout));
  TrainOptions options = train_options_from_job(job);
  options.checkpoint = out + ".ckpt.h5";
  options.resume = resume;
  options.job = job.to_ini();
  install_stop_handlers(SIGUSR2);
  const Hyper hyper = hyper_from_job(job);
  Student student = student_from_job(job, plugins, options.seed);
  const torch::Device device = cl.device();
  student->to(device);
  spdlog::info("training on {} ({} train, {} val recordings), {} epochs, {}",
               job.get("data", "cohort"), cohort.indices("train").size(),
               cohort.indices("val").size(), options.epochs, device.str());

  std::ofstream epochs(out + ".epochs.csv", resume ? std::ios::app : std::ios::trunc);
  if (!epochs) throw Error("cannot write '" + out + ".epochs.csv'");
  if (!resume) epochs << "epoch,lr,loss,train_accuracy,val_auc,seconds\n";
  // A live line on a terminal; batch jobs get the per-epoch log lines only.
  const bool terminal = isatty(STDERR_FILENO) != 0;
  TrainObserver observer;
  if (terminal) {
    observer.batch = [&](int64_t epoch, int64_t done, int64_t batches, double loss) {
      std::cerr << fmt::format("\repoch {}/{}: batch {}/{}, loss {:.4f}   ", epoch, options.epochs,
                               done, batches, loss)
                << std::flush;
    };
  }
  observer.epoch = [&](const EpochRecord& r) {
    if (terminal) std::cerr << "\r" << std::string(60, ' ') << "\r";
    epochs << fmt::format("{},{},{:.6f},{:.4f},{},{:.2f}\n", r.epoch, r.lr, r.loss,
                          r.train_accuracy, r.val_auc < 0 ? "" : fmt::format("{:.4f}", r.val_auc),
                          r.seconds)
           << std::flush;
    spdlog::info("epoch {}/{}: loss {:.4f}, train accuracy {:.3f}{}, {:.1f} s", r.epoch,
                 options.epochs, r.loss, r.train_accuracy,
                 r.val_auc < 0 ? "" : fmt::format(", val subject AUC {:.3f}", r.val_auc),
                 r.seconds);
  };
  const TrainResult result = train_student(*student, hyper, cohort, features, options, observer);
  if (result.interrupted) {
    spdlog::warn("stopped on request after {} epochs; checkpoint {}; continue with --resume",
                 result.history.size(), options.checkpoint);
    return kExitInterrupted;
  }
  if (result.status != TrainStatus::ok) {
    throw Error("training " + status_name(result.status) + ": " + result.message);
  }
  ModelRecord record;
  record.epochs = result.epochs;
  record.best_epoch = result.best_epoch;
  record.best_val_auc = result.best_val_auc;
  record.seed = options.seed;
  save_model(out, *student, job, record);
  spdlog::info("{}: best validation subject AUC {:.3f} at epoch {}{}", out, result.best_val_auc,
               result.best_epoch, result.stopped_early ? " (stopped early)" : "");
  return 0;
}

}  // namespace cpnas::cli
