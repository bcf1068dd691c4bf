#include "train/trainer.hpp"

#include <chrono>
#include <cmath>

#include <spdlog/spdlog.h>

#include "data/batches.hpp"
#include "error.hpp"

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
    try {
      o.lr_steps.push_back(std::stoll(step));
    } catch (const std::exception&) {
      throw Error(job.origin("train", "lr_steps") + ": [train] lr_steps: '" + step +
                  "' is not an epoch number");
    }
  }
  o.lr_factor = job.get_real("train", "lr_factor");
  o.validate_every = job.get_int("train", "validate_every");
  o.early_stop_epoch = job.get_int("train", "early_stop_epoch");
  o.early_stop_auc = job.get_real("train", "early_stop_auc");
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

std::vector<WindowScore> score_windows(StudentImpl& student, const Cohort& cohort,
                                       const std::vector<int64_t>& recordings,
                                       const FeatureSet& features, Precision precision,
                                       int64_t batch) {
  const EvaluationSet set = evaluation_set(cohort, recordings, features);
  const bool was_training = student.is_training();
  student.eval();
  torch::NoGradGuard no_grad;
  std::vector<WindowScore> scores;
  const int64_t n = set.x.size(0);
  for (int64_t begin = 0; begin < n; begin += batch) {
    torch::Tensor logits;
    {
      AutocastScope autocast(precision, torch::Device(torch::kCPU));
      logits = student.forward(set.x.slice(0, begin, std::min(n, begin + batch)));
    }
    const auto p = torch::softmax(logits.to(torch::kFloat), 1).select(1, 1).contiguous();
    for (int64_t k = 0; k < p.size(0); ++k) {
      const auto& w = set.windows[begin + k];
      scores.push_back({cohort.ids[w.recording], cohort.labels[w.recording],
                        static_cast<double>(p[k].item<float>()), w.start});
    }
  }
  student.train(was_training);
  return scores;
}

TrainResult train_student(StudentImpl& student, const Hyper& hyper, const Cohort& cohort,
                          const FeatureSet& features, const TrainOptions& o,
                          const std::function<void(const EpochRecord&)>& on_epoch) {
  TrainResult result;
  const auto val = cohort.indices("val");
  TrainingBatches batches(cohort, cohort.indices("train"), features, hyper.batch_size, o.seed,
                          o.loader_threads);
  auto optimizer = make_optimizer(hyper, student.parameters());
  const torch::Device cpu(torch::kCPU);
  Snapshot best = Snapshot::of(student);
  double last_accuracy = -1;
  int64_t falls = 0;
  try {
    for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      EpochRecord record;
      record.epoch = epoch + 1;
      record.lr = learning_rate(o, hyper.lr, epoch);
      set_learning_rate(*optimizer, record.lr);
      student.train();
      batches.start_epoch(epoch);
      double loss_sum = 0;
      int64_t seen = 0, correct = 0;
      while (auto batch = batches.next()) {
        torch::Tensor logits, loss;
        {
          AutocastScope autocast(o.precision, cpu);
          logits = student.forward(batch->x);
          loss = torch::nn::functional::cross_entropy(logits.to(torch::kFloat), batch->labels);
        }
        const double value = loss.item<double>();
        if (!std::isfinite(value)) {
          result.status = TrainStatus::diverged;
          result.message =
              "loss is " + std::to_string(value) + " in epoch " + std::to_string(epoch + 1);
          break;
        }
        optimizer->zero_grad();
        loss.backward();
        optimizer->step();
        const int64_t n = batch->x.size(0);
        loss_sum += value * static_cast<double>(n);
        seen += n;
        correct += logits.argmax(1).eq(batch->labels).sum().item<int64_t>();
      }
      if (result.status != TrainStatus::ok) break;
      record.loss = seen ? loss_sum / static_cast<double>(seen) : 0;
      record.train_accuracy = seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0;
      const bool last = epoch + 1 == o.epochs;
      if (!val.empty() && ((epoch + 1) % o.validate_every == 0 || last)) {
        const ClinicalMetrics m =
            clinical_metrics(score_windows(student, cohort, val, features, o.precision), 0.5);
        record.val_auc = std::isnan(m.subject.auc) ? 0.0 : m.subject.auc;
        if (record.val_auc > result.best_val_auc) {
          result.best_val_auc = record.val_auc;
          result.best_epoch = epoch + 1;
          result.best_val = m;
          best = Snapshot::of(student);
        }
      }
      record.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      result.history.push_back(record);
      result.epochs = epoch + 1;
      if (on_epoch) on_epoch(record);
      falls = last_accuracy >= 0 && record.train_accuracy < last_accuracy ? falls + 1 : 0;
      last_accuracy = record.train_accuracy;
      const bool hopeless = epoch + 1 == o.early_stop_epoch && result.best_val_auc >= 0 &&
                            result.best_val_auc < o.early_stop_auc;
      if (hopeless || falls > o.accuracy_fall_epochs) {
        result.stopped_early = true;
        break;
      }
    }
  } catch (const std::exception& e) {
    if (!is_out_of_memory(e)) throw;
    result.status = TrainStatus::failed;
    result.message = std::string("out of memory: ") + e.what();
  }
  if (result.best_epoch > 0) best.restore(student);
  return result;
}

}  // namespace cpnas
