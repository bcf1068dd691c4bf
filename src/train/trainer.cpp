#include "train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <sstream>

#include <spdlog/spdlog.h>

#include "data/batches.hpp"
#include "dist/batch_shard.hpp"
#include "dist/sync_batch_norm.hpp"
#include "error.hpp"
#include "io/job_schema.hpp"
#include "train/checkpoint.hpp"
#include "train/device.hpp"
#include "train/stop.hpp"

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

bool is_out_of_memory(const std::exception& e) {
  const std::string what = e.what();
  return dynamic_cast<const std::bad_alloc*>(&e) != nullptr ||
         what.find("out of memory") != std::string::npos ||
         what.find("DefaultCPUAllocator: can't allocate") != std::string::npos;
}

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

ScoringOptions scoring_options(const Job& job) {
  ScoringOptions o;
  o.precision = parse_precision(job.get("train", "precision"));
  o.windowing = evaluation_windowing(job);
  return o;
}

std::vector<WindowScore> score_windows(StudentImpl& student, const Cohort& cohort,
                                       const std::vector<int64_t>& recordings,
                                       const FeatureSet& features, const ScoringOptions& o) {
  const EvaluationSet set = evaluation_set(cohort, recordings, features, o.windowing);
  Collective* group = o.group;
  const int64_t batch = o.batch;
  const torch::Device device = device_of(student);
  const bool was_training = student.is_training();
  student.eval();
  torch::NoGradGuard no_grad;
  const int64_t n = set.x.size(0);
  const int rank = group ? group->rank() : 0, ranks = group ? group->size() : 1;
  const int64_t first = n * rank / ranks, last = n * (rank + 1) / ranks;
  auto probability = torch::zeros({n}, torch::kDouble);
  for (int64_t begin = first; begin < last; begin += batch) {
    const int64_t end = std::min(last, begin + batch);
    torch::Tensor logits;
    {
      AutocastScope autocast(o.precision, device);
      logits = student.forward(set.x.slice(0, begin, end).to(device));
    }
    probability.slice(0, begin, end)
        .copy_(torch::softmax(logits.to(torch::kFloat), 1).select(1, 1).to(torch::kCPU));
  }
  if (ranks > 1) group->sum(probability);
  std::vector<WindowScore> scores;
  const auto* p = probability.data_ptr<double>();
  for (int64_t k = 0; k < n; ++k) {
    const auto& w = set.windows[k];
    if (!std::isfinite(p[k])) {
      throw NonFiniteScore("recording '" + cohort.ids[w.recording] + "': the network scored " +
                           "the window at frame " + std::to_string(w.start) + " " +
                           std::to_string(p[k]) + " (non-finite weights or input)");
    }
    scores.push_back({cohort.ids[w.recording], cohort.labels[w.recording], p[k], w.start});
  }
  student.train(was_training);
  return scores;
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

// An error every rank raised together, so every rank may leave by it; any other exception in
// data-parallel training comes from one rank, in the middle of collective work.
class AgreedError : public Error {
 public:
  using Error::Error;
};

// Every rank learns whether any rank failed, and all throw the lowest failing rank's error.
void agree(Collective* group, const std::string& error) {
  const std::string agreed = group ? group->agree(error) : error;
  if (!agreed.empty()) throw AgreedError(agreed);
}

// Runs `collective` on `tensors` as one flat float tensor: one message rather than one per tensor.
template <class F>
void as_one_message(const std::vector<torch::Tensor>& tensors, F collective) {
  std::vector<torch::Tensor> flat;
  for (const auto& t : tensors) flat.push_back(t.detach().reshape(-1).to(torch::kFloat));
  auto all = torch::cat(flat);
  collective(all);
  torch::NoGradGuard no_grad;
  int64_t at = 0;
  for (const auto& t : tensors) {
    t.detach().copy_(all.slice(0, at, at + t.numel()).view_as(t));
    at += t.numel();
  }
}

// Floating-point tensors of the student (parameters and buffers) as rank 0 holds them.
void align_with_root(StudentImpl& student, Collective& group) {
  std::vector<torch::Tensor> tensors = student.parameters();
  for (const auto& t : student.buffers()) {
    if (t.is_floating_point()) tensors.push_back(t);
  }
  as_one_message(tensors, [&](torch::Tensor& all) { broadcast_from_root(group, all); });
}

// Gradients summed over the ranks.
void sum_gradients(StudentImpl& student, Collective& group) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : student.parameters()) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  as_one_message(grads, [&](torch::Tensor& all) { group.sum(all); });
}

// A stop request on any rank stops all of them at the same batch.
bool stop_agreed(Collective* group) {
  if (!group || group->size() == 1) return stop_requested();
  auto flag = torch::tensor({stop_requested() ? 1.0 : 0.0}, torch::kDouble);
  group->sum(flag);
  return flag.item<double>() > 0;
}

}  // namespace

TrainResult train_student(StudentImpl& student, const Hyper& hyper, const Cohort& cohort,
                          const FeatureSet& features, const TrainOptions& o,
                          const TrainObserver& observer) {
  TrainResult result;
  Collective* group = o.group && o.group->size() > 1 ? o.group : nullptr;
  const bool writer = !group || group->rank() == 0;
  const auto val = cohort.labelled("val");
  TrainingBatches batches(cohort, cohort.indices("train"), features, hyper.batch_size, o.seed,
                          o.loader_threads);
  if (group) batches.share(group->rank(), group->size());
  auto optimizer = make_optimizer(hyper, student.parameters());
  const torch::Device device = device_of(student);
  Snapshot best = Snapshot::of(student);
  TrainProgress progress;
  auto generator = at::detail::getDefaultCPUGenerator();
  std::string error;
  try {
    check_training_splits(cohort, "the cohort");
    if (group) {
      if (const auto plain = unsynchronised_batch_norms(student); !plain.empty()) {
        throw Error("data-parallel training cannot synchronise the statistics of " + plain[0] +
                    (plain.size() > 1 ? " and " + std::to_string(plain.size() - 1) + " more" : "") +
                    "; normalise with cpnas::BatchNorm (cpnas/batch_norm.hpp, SDK ABI 1.1) or "
                    "train on one rank");
      }
    }
    if (o.resume) {
      Checkpoint c = load_checkpoint(o.checkpoint, student, o.job);
      deserialise(*optimizer, c.optimizer);
      {
        std::lock_guard<std::mutex> lock(generator.mutex());
        generator.set_state(c.rng);
      }
      best.tensors = std::move(c.best);
      progress = c.progress;
      for (const auto& row : c.history) result.history.push_back(record_of(row));
      spdlog::info("resuming from {}: epoch {}, batch {}", o.checkpoint, progress.epoch + 1,
                   progress.batch);
    }
  } catch (const std::exception& e) {
    if (!group) throw;
    error = e.what();
  }
  agree(group, error);
  if (group) align_with_root(student, *group);
  auto checkpoint = [&] {
    if (o.checkpoint.empty()) return;
    std::string failure;
    if (writer) {
      try {
        Checkpoint c;
        c.job = o.job;
        c.progress = progress;
        for (const auto& r : result.history) c.history.push_back(history_row(r));
        c.best = best.tensors;
        c.optimizer = serialise(*optimizer);
        {
          std::lock_guard<std::mutex> lock(generator.mutex());
          c.rng = generator.get_state();
        }
        save_checkpoint(o.checkpoint, student, c);
      } catch (const std::exception& e) {
        if (!group) throw;
        failure = e.what();
      }
    }
    agree(group, failure);
  };
  try {
    while (progress.epoch < o.epochs) {
      const int64_t epoch = progress.epoch;
      const auto start = std::chrono::steady_clock::now();
      EpochRecord record;
      record.epoch = epoch + 1;
      record.lr = learning_rate(o, hyper.lr, epoch);
      set_learning_rate(*optimizer, record.lr);
      student.train();
      const int64_t batch_count = batches.start_epoch(epoch);
      for (int64_t skip = 0; skip < progress.batch; ++skip) batches.next();
      while (auto batch = batches.next()) {
        if (stop_agreed(group)) {
          checkpoint();
          result.interrupted = true;
          return result;
        }
        const BatchShard shard{batch->global_size, batch->offset, group};
        BatchShardScope scope(shard);
        torch::Tensor logits, loss;
        {
          AutocastScope autocast(o.precision, device);
          logits = student.forward(batch->x.to(device));
          loss = torch::nn::functional::cross_entropy(
              logits.to(torch::kFloat), batch->labels.to(device),
              torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
        }
        // Loss and correct predictions of the whole batch, the same on every rank.
        auto totals = torch::stack(
            {loss.detach().to(torch::kCPU, torch::kDouble),
             logits.argmax(1).to(torch::kCPU).eq(batch->labels).sum().to(torch::kDouble)});
        if (group) group->sum(totals);
        const auto global = static_cast<double>(batch->global_size);
        const double value = totals[0].item<double>() / global;
        if (!std::isfinite(value)) {
          result.status = TrainStatus::diverged;
          result.message =
              "loss is " + std::to_string(value) + " in epoch " + std::to_string(epoch + 1);
          break;
        }
        optimizer->zero_grad();
        (loss / global).backward();
        if (group) sum_gradients(student, *group);
        optimizer->step();
        progress.loss_sum += totals[0].item<double>();
        progress.seen += batch->global_size;
        progress.correct += static_cast<int64_t>(totals[1].item<double>());
        ++progress.batch;
        if (observer.batch) observer.batch(epoch + 1, progress.batch, batch_count, value);
      }
      if (result.status != TrainStatus::ok) break;
      const auto seen = static_cast<double>(progress.seen);
      record.loss = progress.seen ? progress.loss_sum / seen : 0;
      record.train_accuracy = progress.seen ? static_cast<double>(progress.correct) / seen : 0;
      progress.batch = progress.seen = progress.correct = 0;
      progress.loss_sum = 0;
      const bool closing = epoch + o.validate_last >= o.epochs;
      if ((epoch + 1) % o.validate_every == 0 || closing) {
        ScoringOptions scoring{o.precision, o.eval_windows};
        scoring.group = group;
        std::vector<WindowScore> scores;
        try {
          scores = score_windows(student, cohort, val, features, scoring);
        } catch (const NonFiniteScore& e) {
          result.status = TrainStatus::diverged;  // every rank saw the same gathered scores
          result.message =
              std::string("validation in epoch ") + std::to_string(epoch + 1) + ": " + e.what();
          break;
        }
        const ClinicalMetrics m = clinical_metrics(scores, 0.5);
        record.val_auc = m.subject.auc;
        if (record.val_auc > progress.best_val_auc) {
          progress.best_val_auc = record.val_auc;
          progress.best_epoch = epoch + 1;
          result.best_val = m;
          best = Snapshot::of(student);
        }
      }
      record.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      result.history.push_back(record);
      if (observer.epoch) observer.epoch(record);
      progress.falls = progress.last_accuracy >= 0 && record.train_accuracy < progress.last_accuracy
                           ? progress.falls + 1
                           : 0;
      progress.last_accuracy = record.train_accuracy;
      // From early_stop_epoch on, as the published code checks it (after any validation).
      const bool hopeless = o.early_stop_epoch > 0 && epoch + 1 >= o.early_stop_epoch &&
                            progress.best_val_auc >= 0 && progress.best_val_auc < o.early_stop_auc;
      const bool falling = o.accuracy_fall_epochs > 0 && progress.falls > o.accuracy_fall_epochs;
      ++progress.epoch;
      if (hopeless || falling) {
        result.stopped_early = true;
        break;
      }
      checkpoint();
    }
  } catch (const AgreedError&) {
    throw;
  } catch (const std::exception& e) {
    const bool oom = is_out_of_memory(e);
    if (group) {
      group->abort("rank " + std::to_string(group->rank()) + ": " + (oom ? "out of memory: " : "") +
                   e.what());
    }
    if (!oom) throw;
    result.status = TrainStatus::failed;
    result.message = std::string("out of memory: ") + e.what();
  }
  result.epochs = static_cast<int64_t>(result.history.size());
  result.best_val_auc = progress.best_val_auc;
  result.best_epoch = progress.best_epoch;
  if (result.best_epoch > 0) best.restore(student);
  return result;
}

}  // namespace cpnas
