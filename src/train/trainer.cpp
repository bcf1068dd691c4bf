#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "data/batches.hpp"
#include "dist/batch_shard.hpp"
#include "dist/sync_batch_norm.hpp"
#include "io/error.hpp"
#include "io/job_schema.hpp"
#include "model/torch_error.hpp"
#include "train/checkpoint.hpp"
#include "train/data_parallel.hpp"
#include "train/device.hpp"
#include "train/scoring.hpp"

namespace cpnas {
namespace {

// Weights and BatchNorm statistics, to keep the best epoch's.
struct Snapshot {
  std::vector<torch::Tensor> tensors;

  static Snapshot of(StudentImpl& s) {
    Snapshot snap;
    torch::NoGradGuard no_grad;
    for (const auto& p : s.parameters()) snap.tensors.push_back(p.detach().clone());
    for (const auto& b : s.buffers()) snap.tensors.push_back(b.detach().clone());
    return snap;
  }

  void restore(StudentImpl& s) const {
    torch::NoGradGuard no_grad;
    size_t i = 0;
    for (auto& p : s.parameters()) p.copy_(tensors[i++]);
    for (auto& b : s.buffers()) b.copy_(tensors[i++]);
  }
};

// Adds the wall time from construction to stop() (or destruction) to a phase's seconds.
class PhaseTimer {
 public:
  explicit PhaseTimer(double& into) : into_(into), start_(std::chrono::steady_clock::now()) {}
  ~PhaseTimer() { stop(); }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    into_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  double& into_;
  std::chrono::steady_clock::time_point start_;
  bool stopped_ = false;
};

}  // namespace

TrainOptions train_options_from_job(const Job& job) {
  TrainOptions o;
  o.epochs = job.get_int("train", "epochs");
  o.warmup_epochs = job.get_int("train", "warmup_epochs");
  o.warmup_factor = job.get_real("train", "warmup_factor");
  o.lr_steps.clear();
  for (const auto& step : job.get_list("train", "lr_steps")) {
    int64_t epoch = 0;
    if (!parse_integer(step, epoch) || epoch < 0) {
      throw Error(job.origin("train", "lr_steps") + ": [train] lr_steps: '" + step +
                  "' is not an epoch number");
    }
    o.lr_steps.push_back(epoch);
  }
  o.lr_factor = job.get_real("train", "lr_factor");
  o.validate_every = job.get_int("train", "validate_every");
  o.eval_windows = evaluation_windowing(job);
  o.early_stop_epoch = job.get_int("train", "early_stop_epoch");
  o.early_stop_auc = job.get_real("train", "early_stop_auc");
  o.accuracy_fall_epochs = job.get_int("train", "accuracy_fall_epochs");
  o.seed = static_cast<uint64_t>(job.get_int("train", "seed"));
  o.loader_threads = static_cast<int>(job.get_int("train", "loader_threads"));
  o.precision = parse_precision(job.get("train", "precision"));
  return o;
}

std::string PhaseSeconds::shares() const {
  const double all = std::max(total(), 1e-9);
  return fmt::format(
      "data {:.0f} %, forward {:.0f} %, backward {:.0f} %, optimizer {:.0f} %, "
      "validation {:.0f} %",
      100 * data / all, 100 * forward / all, 100 * backward / all, 100 * optimizer / all,
      100 * validation / all);
}

double learning_rate(const TrainOptions& o, double lr, int64_t epoch) {
  double factor = 1.0;
  if (epoch < o.warmup_epochs) {
    factor = o.warmup_factor + (1.0 - o.warmup_factor) * static_cast<double>(epoch) /
                                   static_cast<double>(o.warmup_epochs);
  }
  for (int64_t step : o.lr_steps) {
    if (epoch >= step) factor *= o.lr_factor;
  }
  return lr * factor;
}

std::string status_name(TrainStatus s) {
  switch (s) {
    case TrainStatus::ok:
      return "ok";
    case TrainStatus::failed:
      return "failed";
    case TrainStatus::diverged:
      return "diverged";
  }
  return "unknown";
}

namespace {

std::string serialise(torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

void deserialise(torch::optim::Optimizer& optimizer, const std::string& bytes) {
  torch::serialize::InputArchive archive;
  std::istringstream in(bytes);
  archive.load_from(in);
  optimizer.load(archive);
}

std::vector<double> history_row(const EpochRecord& r) {
  return {static_cast<double>(r.epoch), r.lr, r.loss, r.train_accuracy, r.val_auc, r.seconds};
}

EpochRecord record_of(const std::vector<double>& row) {
  EpochRecord r;
  r.epoch = static_cast<int64_t>(row[0]);
  r.lr = row[1];
  r.loss = row[2];
  r.train_accuracy = row[3];
  r.val_auc = row[4];
  r.seconds = row[5];
  return r;
}

}  // namespace

void check_training_splits(const Cohort& cohort, const std::string& where) {
  for (const char* split : {"train", "val"}) {
    int64_t counts[2] = {0, 0};
    for (int64_t i : cohort.labelled(split)) ++counts[cohort.labels[i]];
    if (counts[0] + counts[1] == 0) {
      throw Error(where + ": the " + split + " split has no labelled recordings");
    }
    for (int label : {1, 0}) {
      if (counts[label] == 0) {
        throw Error(where + ": the " + split + " split has no " +
                    (label == 1 ? "CP (label 1)" : "non-CP (label 0)") + " recordings: " +
                    (std::string(split) == "val"
                         ? "its AUC, which selects the weights, is undefined"
                         : "nothing to learn the difference from"));
      }
    }
  }
}

namespace {

// One call of train_student, in the steps it takes: set-up, then per epoch its batches, a
// validation when due, the early stops and a checkpoint, and at the end the best weights.
class TrainingRun {
 public:
  TrainingRun(StudentImpl& student, const Hyper& hyper, const Cohort& cohort,
              const FeatureSet& features, const TrainOptions& options,
              const TrainObserver& observer)
      : student_(student),
        hyper_(hyper),
        cohort_(cohort),
        features_(features),
        o_(options),
        observer_(observer),
        group_(options.group && options.group->size() > 1 ? options.group : nullptr),
        val_(cohort.labelled("val")),
        batches_(cohort, cohort.indices("train"), features, hyper.batch_size, options.seed,
                 options.loader_threads),
        optimizer_(make_optimizer(hyper, student.parameters())),
        device_(device_of(student)),
        best_(Snapshot::of(student)),
        generator_(student.generator()) {
    if (group_) batches_.share(group_->rank(), group_->size());
  }

  // Refuses what cannot train, resumes from the checkpoint when asked, and starts every rank
  // from rank 0's weights. Every rank raises the same error or none.
  void set_up() {
    std::string error;
    try {
      check_training_splits(cohort_, "the cohort");
      if (group_) require_synchronised_batch_norm();
      if (o_.resume) resume();
    } catch (const std::exception& e) {
      if (!group_) throw;
      error = one_line(e);
    }
    agree(group_, error);
    if (group_) align_with_root(student_, *group_);
  }

  bool epochs_left() const { return progress_.epoch < o_.epochs; }

  // One epoch; false when training ends with it (stopped, diverged or stopped early).
  bool epoch() {
    const auto start = std::chrono::steady_clock::now();
    EpochRecord record;
    record.epoch = progress_.epoch + 1;
    record.lr = learning_rate(o_, hyper_.lr, progress_.epoch);
    set_learning_rate(*optimizer_, record.lr);
    if (!train_batches(record) || !validate_when_due(record)) return false;
    record.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result_.history.push_back(record);
    if (observer_.epoch) observer_.epoch(record);
    const bool stop = stops_early(record);
    ++progress_.epoch;
    if (stop) {
      result_.stopped_early = true;
      return false;
    }
    checkpoint();
    return true;
  }

  // A student's own failure that is an outcome, not a crash: out of memory. Anything else
  // propagates; in data-parallel training the other ranks are told to give up first.
  void fail(const std::exception& e) {
    const bool oom = is_out_of_memory(e);
    if (group_) {
      group_->abort("rank " + std::to_string(group_->rank()) + ": " +
                    (oom ? "out of memory: " : "") + one_line(e));
    }
    if (!oom) throw;
    result_.status = TrainStatus::failed;
    result_.message = "out of memory: " + one_line(e);
  }

  // The result, with the best validated weights in the student. A stop request leaves the
  // weights and the result as the checkpoint has them.
  TrainResult finish() {
    if (result_.interrupted) return result_;
    result_.epochs = static_cast<int64_t>(result_.history.size());
    result_.best_val_auc = progress_.best_val_auc;
    result_.best_epoch = progress_.best_epoch;
    if (result_.best_epoch > 0) best_.restore(student_);
    return result_;
  }

 private:
  void require_synchronised_batch_norm() {
    const auto plain = unsynchronised_batch_norms(student_);
    if (plain.empty()) return;
    throw Error("data-parallel training cannot synchronise the statistics of " + plain[0] +
                (plain.size() > 1 ? " and " + std::to_string(plain.size() - 1) + " more" : "") +
                "; normalise with cpnas::BatchNorm (cpnas/batch_norm.hpp, SDK ABI 1.1) or "
                "train on one rank");
  }

  void resume() {
    Checkpoint c = load_checkpoint(o_.checkpoint, student_, o_.job);
    deserialise(*optimizer_, c.optimizer);
    {
      std::lock_guard<std::mutex> lock(generator_.mutex());
      generator_.set_state(c.rng);
    }
    best_.tensors = std::move(c.best);
    progress_ = c.progress;
    for (const auto& row : c.history) result_.history.push_back(record_of(row));
    spdlog::info("resuming from {}: epoch {}, batch {}", o_.checkpoint, progress_.epoch + 1,
                 progress_.batch);
  }

  // The epoch's remaining batches; false on a stop request (after checkpointing) or divergence.
  bool train_batches(EpochRecord& record) {
    student_.train();
    const int64_t batch_count = batches_.start_epoch(progress_.epoch);
    for (int64_t skip = 0; skip < progress_.batch; ++skip) batches_.next();
    while (true) {
      std::optional<Batch> batch;
      {
        const PhaseTimer waiting(result_.phases.data);
        batch = batches_.next();
      }
      if (!batch) break;
      if (stop_agreed(group_)) {
        checkpoint();
        result_.interrupted = true;
        return false;
      }
      const double loss = train_batch(*batch);
      if (!std::isfinite(loss)) {
        result_.status = TrainStatus::diverged;
        result_.message =
            "loss is " + std::to_string(loss) + " in epoch " + std::to_string(record.epoch);
        return false;
      }
      if (observer_.batch) observer_.batch(record.epoch, progress_.batch, batch_count, loss);
    }
    const auto seen = static_cast<double>(progress_.seen);
    record.loss = progress_.seen ? progress_.loss_sum / seen : 0;
    record.train_accuracy = progress_.seen ? static_cast<double>(progress_.correct) / seen : 0;
    progress_.batch = progress_.seen = progress_.correct = 0;
    progress_.loss_sum = 0;
    return true;
  }

  // One optimiser step on the whole batch (this rank's share of it in data-parallel training);
  // returns the batch's mean loss, the same on every rank, without stepping when not finite.
  double train_batch(const Batch& batch) {
    const BatchShard shard{batch.global_size, batch.offset, group_};
    BatchShardScope scope(shard);
    torch::Tensor logits, loss;
    PhaseTimer forward(result_.phases.forward);
    {
      AutocastScope autocast(o_.precision, device_);
      logits = student_.forward(batch.x.to(device_));
      loss = torch::nn::functional::cross_entropy(
          logits.to(torch::kFloat), batch.labels.to(device_),
          torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    }
    // Loss and correct predictions of the whole batch, the same on every rank.
    auto totals =
        torch::stack({loss.detach().to(torch::kCPU, torch::kDouble),
                      logits.argmax(1).to(torch::kCPU).eq(batch.labels).sum().to(torch::kDouble)});
    if (group_) group_->sum(totals);
    const auto global = static_cast<double>(batch.global_size);
    const double value = totals[0].item<double>() / global;
    forward.stop();
    if (!std::isfinite(value)) return value;
    {
      const PhaseTimer backward(result_.phases.backward);
      optimizer_->zero_grad();
      (loss / global).backward();
      if (group_) sum_gradients(student_, *group_);
    }
    {
      const PhaseTimer step(result_.phases.optimizer);
      optimizer_->step();
    }
    progress_.loss_sum += totals[0].item<double>();
    progress_.seen += batch.global_size;
    progress_.correct += static_cast<int64_t>(totals[1].item<double>());
    ++progress_.batch;
    return value;
  }

  // Validates every validate_every epochs and in each of the last validate_last, keeping the
  // weights of the best subject AUC; false when the network scores a window non-finite.
  bool validate_when_due(EpochRecord& record) {
    const bool closing = progress_.epoch + o_.validate_last >= o_.epochs;
    if (record.epoch % o_.validate_every != 0 && !closing) return true;
    const PhaseTimer validating(result_.phases.validation);
    ScoringOptions scoring{o_.precision, o_.eval_windows};
    scoring.group = group_;
    std::vector<WindowScore> scores;
    try {
      scores = score_windows(student_, cohort_, val_, features_, scoring);
    } catch (const NonFiniteScore& e) {
      result_.status = TrainStatus::diverged;  // every rank saw the same gathered scores
      result_.message =
          std::string("validation in epoch ") + std::to_string(record.epoch) + ": " + e.what();
      return false;
    }
    const ClinicalMetrics m = clinical_metrics(scores, 0.5);
    record.val_auc = m.subject.auc;
    if (record.val_auc > progress_.best_val_auc) {
      progress_.best_val_auc = record.val_auc;
      progress_.best_epoch = record.epoch;
      result_.best_val = m;
      best_ = Snapshot::of(student_);
    }
    return true;
  }

  // The published code's early stops: a validation AUC still below early_stop_auc from
  // early_stop_epoch on (checked after any validation), or training accuracy falling too long.
  bool stops_early(const EpochRecord& record) {
    progress_.falls =
        progress_.last_accuracy >= 0 && record.train_accuracy < progress_.last_accuracy
            ? progress_.falls + 1
            : 0;
    progress_.last_accuracy = record.train_accuracy;
    const bool hopeless = o_.early_stop_epoch > 0 && record.epoch >= o_.early_stop_epoch &&
                          progress_.best_val_auc >= 0 && progress_.best_val_auc < o_.early_stop_auc;
    const bool falling = o_.accuracy_fall_epochs > 0 && progress_.falls > o_.accuracy_fall_epochs;
    return hopeless || falling;
  }

  // Rank 0 writes where training stands; every rank learns whether that worked.
  void checkpoint() {
    if (o_.checkpoint.empty()) return;
    std::string failure;
    if (!group_ || group_->rank() == 0) {
      try {
        Checkpoint c;
        c.job = o_.job;
        c.progress = progress_;
        for (const auto& r : result_.history) c.history.push_back(history_row(r));
        c.best = best_.tensors;
        c.optimizer = serialise(*optimizer_);
        {
          std::lock_guard<std::mutex> lock(generator_.mutex());
          c.rng = generator_.get_state();
        }
        save_checkpoint(o_.checkpoint, student_, c);
      } catch (const std::exception& e) {
        if (!group_) throw;
        failure = one_line(e);
      }
    }
    agree(group_, failure);
  }

  StudentImpl& student_;
  const Hyper& hyper_;
  const Cohort& cohort_;
  const FeatureSet& features_;
  const TrainOptions& o_;
  const TrainObserver& observer_;
  Collective* group_;
  const std::vector<int64_t> val_;
  TrainingBatches batches_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  const torch::Device device_;
  Snapshot best_;
  at::Generator generator_;
  TrainProgress progress_;
  TrainResult result_;
};

}  // namespace

TrainResult train_student(StudentImpl& student, const Hyper& hyper, const Cohort& cohort,
                          const FeatureSet& features, const TrainOptions& options,
                          const TrainObserver& observer) {
  TrainingRun run(student, hyper, cohort, features, options, observer);
  run.set_up();
  try {
    while (run.epochs_left() && run.epoch()) {
    }
  } catch (const AgreedError&) {
    throw;
  } catch (const std::exception& e) {
    run.fail(e);
  }
  return run.finish();
}

}  // namespace cpnas
