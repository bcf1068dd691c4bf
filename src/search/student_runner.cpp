#include "search/student_runner.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "io/allocation.hpp"
#include "model/model_file.hpp"
#include "model/profile.hpp"
#include "model/student.hpp"
#include "model/torch_error.hpp"
#include "train/cpu_allocator.hpp"
#include "train/trainer.hpp"

namespace cpnas {
namespace {

StudentStatus student_status(TrainStatus status) {
  switch (status) {
    case TrainStatus::ok:
      return StudentStatus::ok;
    case TrainStatus::diverged:
      return StudentStatus::diverged;
    case TrainStatus::failed:
      break;
  }
  return StudentStatus::failed;
}

// The tensors' peak beside the estimate: the log shows how close the estimate comes.
std::string memory_note(const std::optional<std::size_t>& needed, std::size_t base) {
  if (!needed) return "";
  const std::size_t peak = peak_cpu_bytes();
  return fmt::format("; tensors' peak {:.2f} GiB, estimated {:.2f} GiB",
                     gib(peak > base ? peak - base : 0), gib(*needed));
}

}  // namespace

StudentRunner::StudentRunner(const Job& job, const SearchSpace& space,
                             const PluginRegistry& plugins, const Cohort& cohort,
                             const FeatureSet& features, int rank, torch::Device device,
                             MemoryBudget memory)
    : job_(job),
      space_(space),
      plugins_(plugins),
      cohort_(cohort),
      features_(features),
      rank_(rank),
      device_(device),
      memory_(std::move(memory)) {}

Outcome StudentRunner::run(const Task& task, const std::function<void()>& on_batch) const {
  const auto start = std::chrono::steady_clock::now();
  Outcome o;
  o.argmax = task.argmax;
  o.id = task.id;
  StudentRecord& r = o.record;
  r.rank = rank_;
  PhaseSeconds phases;
  const std::string what = task.argmax ? fmt::format("argmax of update {}", task.id)
                                       : fmt::format("student {}", task.id);
  std::optional<std::size_t> needed;
  std::size_t base = 0;  // tensors in use before the training
  try {
    Job job = space_.apply(job_, task.actions);
    job.set("train", "epochs", std::to_string(task.epochs), "search");
    job.set("train", "seed", std::to_string(task.seed & 0xffffffffu), "search");
    TrainOptions options = train_options_from_job(job);
    Student student = student_from_job(job, plugins_, options.seed);
    const ModelProfile profile = profile_student(*student, cohort_.joints);
    r.params = profile.params;
    r.macs = profile.macs;
    const Hyper hyper = hyper_from_job(job);
    needed = check_training_memory([&] { return student_from_job(job, plugins_, options.seed); },
                                   hyper.batch_size, cohort_.joints, options.precision, device_,
                                   memory_);
    reset_peak_cpu_bytes();
    base = cpu_bytes_in_use();
    student->to(device_);
    if (task.argmax) {
      // As the published code trains it: no early stop, and validation at each of the last 15
      // epochs besides every validate_every.
      options.early_stop_epoch = 0;
      options.accuracy_fall_epochs = 0;
      options.validate_last = kArgmaxValidateLast;
      // The long training checkpoints like `cpnas train`, so a resumed search continues it.
      options.checkpoint = task.model + ".ckpt.h5";
      options.resume = std::filesystem::exists(options.checkpoint);
      options.job = job.to_ini();
    }
    TrainObserver observer;
    if (on_batch) observer.batch = [&](int64_t, int64_t, int64_t, double) { on_batch(); };
    const TrainResult result =
        train_student(*student, hyper, cohort_, features_, options, observer);
    o.interrupted = result.interrupted;
    r.status = student_status(result.status);
    r.message = result.message;
    r.epochs = result.epochs;
    phases = result.phases;
    if (result.best_epoch > 0) {
      // -1 marks a rate that is undefined (no CP infant in the split): JSON has no NaN.
      auto defined = [](double x) { return std::isnan(x) ? -1.0 : x; };
      r.val_auc = defined(result.best_val_auc);
      r.val_accuracy = defined(result.best_val.subject.accuracy);
      r.val_sensitivity = defined(result.best_val.subject.sensitivity);
      r.val_specificity = defined(result.best_val.subject.specificity);
    }
    if (task.argmax && result.status == TrainStatus::ok && !result.interrupted) {
      ModelRecord record;
      record.epochs = result.epochs;
      record.best_epoch = result.best_epoch;
      record.best_val_auc = result.best_val_auc;
      record.seed = options.seed;
      save_model(task.model, *student, job, record, plugins_);
      std::filesystem::remove(options.checkpoint);
    }
  } catch (const std::exception& e) {
    r.status = StudentStatus::failed;
    r.message = one_line(e);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  release_cached_cpu_memory();  // the student's tensors are gone; the next has other sizes
  if (o.interrupted) {
    spdlog::info("{} stopped on request after {:.1f} s", what, r.seconds);
  } else if (r.status == StudentStatus::ok) {
    spdlog::info("{}: validation subject AUC {:.3f}, {} epochs, {:.1f} s ({}){}", what, r.val_auc,
                 r.epochs, r.seconds, phases.shares(), memory_note(needed, base));
  } else {
    spdlog::warn("{} {}: {}", what, status_name(r.status), r.message);
  }
  return o;
}

}  // namespace cpnas
