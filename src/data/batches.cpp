#include "data/batches.hpp"

#include <algorithm>

namespace cpnas {
namespace {

int64_t window_values(const FeatureSet& features, int64_t joints, int64_t frames) {
  return features.size() * kFeatureChannels * frames * joints;
}

// Runs f(i) for i in [0, n) on `threads` threads.
template <class F>
void parallel_for(int64_t n, int threads, F f) {
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) {
    pool.emplace_back([&, t] {
      for (int64_t i = t; i < n; i += std::max(1, threads)) f(i);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace

TrainingBatches::TrainingBatches(const Cohort& cohort, std::vector<int64_t> recordings,
                                 const FeatureSet& features, int64_t batch_size, uint64_t seed,
                                 int threads, int prefetch)
    : cohort_(cohort),
      recordings_(std::move(recordings)),
      features_(features),
      batch_size_(batch_size),
      seed_(seed),
      prefetch_(std::max(1, prefetch)) {
  for (int t = 0; t < std::max(1, threads); ++t) threads_.emplace_back([this] { work(); });
}

TrainingBatches::~TrainingBatches() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  for (auto& t : threads_) t.join();
}

void TrainingBatches::share(int rank, int ranks) {
  std::lock_guard<std::mutex> lock(mutex_);
  rank_ = rank;
  ranks_ = ranks;
}

int64_t TrainingBatches::start_epoch(int64_t epoch) {
  std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch));
  auto windows = std::make_shared<const std::vector<TrainingWindow>>(
      training_epoch(cohort_, recordings_, rng));
  std::lock_guard<std::mutex> lock(mutex_);
  windows_ = std::move(windows);
  const auto n = static_cast<int64_t>(windows_->size());
  // A last batch of one window would break BatchNorm's batch statistics: leave it out.
  batches_ = n / batch_size_ + (n % batch_size_ > 1 ? 1 : 0);
  produced_ = consumed_ = 0;
  ready_.clear();
  ++generation_;
  changed_.notify_all();
  return batches_;
}

std::optional<Batch> TrainingBatches::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (consumed_ >= batches_) return std::nullopt;
  changed_.wait(lock, [&] { return ready_.count(consumed_) > 0; });
  Batch batch = std::move(ready_[consumed_]);
  ready_.erase(consumed_++);
  changed_.notify_all();
  return batch;
}

void TrainingBatches::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(
        lock, [&] { return stop_ || (produced_ < batches_ && produced_ < consumed_ + prefetch_); });
    if (stop_) return;
    const int64_t index = produced_++;
    const int64_t generation = generation_;
    const Windows windows = windows_;
    const int rank = rank_, ranks = ranks_;
    lock.unlock();
    Batch batch = make_batch(windows, index, rank, ranks);
    lock.lock();
    if (generation == generation_) {
      ready_[index] = std::move(batch);
      changed_.notify_all();
    }
  }
}

Batch TrainingBatches::make_batch(const Windows& windows, int64_t index, int rank,
                                  int ranks) const {
  const int64_t global =
      std::min<int64_t>(batch_size_, static_cast<int64_t>(windows->size()) - index * batch_size_);
  Batch b;
  b.global_size = global;
  b.offset = global * rank / ranks;
  const int64_t begin = index * batch_size_ + b.offset;
  const int64_t n = global * (rank + 1) / ranks - b.offset;
  const int64_t per_window = window_values(features_, cohort_.joints, kWindowFrames);
  b.x = torch::empty({n, features_.size(), kFeatureChannels, kWindowFrames, cohort_.joints});
  b.labels = torch::empty({n}, torch::kLong);
  std::vector<float> xy(kWindowFrames * cohort_.joints * 2);
  for (int64_t k = 0; k < n; ++k) {
    const TrainingWindow& w = (*windows)[begin + k];
    training_positions(cohort_, w, xy.data());
    features_.compute(xy.data(), kWindowFrames, cohort_.joints,
                      b.x.data_ptr<float>() + k * per_window);
    b.labels.data_ptr<int64_t>()[k] = w.label;
    b.recordings.push_back(w.window.recording);
  }
  return b;
}

EvaluationSet evaluation_set(const Cohort& cohort, const std::vector<int64_t>& recordings,
                             const FeatureSet& features, const Windowing& windowing, int threads,
                             int64_t* dropped) {
  EvaluationSet set;
  set.windows = evaluation_windows(cohort, recordings, windowing, dropped);
  const auto w = static_cast<int64_t>(set.windows.size());
  const int64_t frames = windowing.frames;
  const int64_t per_window = window_values(features, cohort.joints, frames);
  set.x = torch::empty({w, features.size(), kFeatureChannels, frames, cohort.joints});
  float* out = set.x.data_ptr<float>();
  parallel_for(w, threads, [&](int64_t i) {
    std::vector<float> xy(frames * cohort.joints * 2);
    window_positions(cohort, set.windows[i].recording, set.windows[i].start, xy.data(), frames);
    features.compute(xy.data(), frames, cohort.joints, out + i * per_window);
  });
  return set;
}

}  // namespace cpnas
