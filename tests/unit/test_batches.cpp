#include <gtest/gtest.h>

#include <cmath>

#include "data/batches.hpp"
#include "data/layout.hpp"
#include "data/synth.hpp"
#include "plugin/loader.hpp"

using namespace cpnas;

namespace {

const Cohort& cohort() {
  static const Cohort c = [] {
    SynthOptions o;
    o.infants = 12;
    o.seconds = 12;
    o.cp_fraction = 0.25;
    return synthesize_cohort(o);
  }();
  return c;
}

}  // namespace

TEST(TrainingWindows, PartsPerClassStartsInsidePartsAugmentationOnTheGrid) {
  std::mt19937_64 rng(5);
  const auto windows = training_epoch(cohort(), cohort().indices(), rng);
  std::map<int64_t, int> per_recording;
  for (const auto& w : windows) {
    ++per_recording[w.window.recording];
    const int64_t length = cohort().lengths[w.window.recording];
    EXPECT_GE(w.window.start, 0);
    EXPECT_LE(w.window.start + kWindowFrames, length);
    const auto& a = w.augmentation;
    EXPECT_NEAR(std::remainder(a.rotation_deg, 10.0), 0.0, 1e-9);
    EXPECT_GE(a.rotation_deg, -60);
    EXPECT_LE(a.rotation_deg, 60);
    EXPECT_NEAR(std::remainder(a.scale - 0.7, 0.1), 0.0, 1e-9);
    EXPECT_LE(std::abs(a.dx), 0.4 + 1e-9);
  }
  for (const auto& [i, count] : per_recording) {
    EXPECT_EQ(count, cohort().labels[i] == 1 ? kPartsCp : kPartsTypical) << i;
  }
}

TEST(TrainingWindows, AugmentationRotatesScalesTranslatesObservedJointsOnly) {
  Cohort c = cohort();
  float* x = c.recording(0);
  x[0] = 0.5f;
  x[1] = 0.25f;
  x[2] = x[3] = NAN;  // joint 1 of frame 0 missing
  TrainingWindow w;
  w.window = {0, 0};
  w.augmentation = {90, 2.0, 0.1, -0.2};
  std::vector<float> xy(kWindowFrames * c.joints * 2);
  training_positions(c, w, xy.data());
  EXPECT_NEAR(xy[0], -2 * 0.25f + 0.1f, 1e-6);
  EXPECT_NEAR(xy[1], 2 * 0.5f - 0.2f, 1e-6);
  EXPECT_EQ(xy[2], 0.f);
  EXPECT_EQ(xy[3], 0.f);
}

TEST(TrainingBatches, RanksSharingBatchesMakeContiguousPartsOfTheWholeBatch) {
  const PluginRegistry plugins = load_plugins(plugin_search_path({}));
  const FeatureSet features(plugins, {"velocity"}, find_layout(cohort().layout));
  TrainingBatches whole(cohort(), cohort().indices(), features, 13, 3);
  std::vector<std::unique_ptr<TrainingBatches>> parts;
  for (int rank = 0; rank < 3; ++rank) {
    parts.push_back(
        std::make_unique<TrainingBatches>(cohort(), cohort().indices(), features, 13, 3));
    parts.back()->share(rank, 3);
  }
  const int64_t n = whole.start_epoch(2);
  for (auto& p : parts) EXPECT_EQ(p->start_epoch(2), n);
  for (int64_t b = 0; b < n; ++b) {
    const auto w = whole.next();
    std::vector<torch::Tensor> xs, labels;
    int64_t offset = 0;
    for (auto& p : parts) {
      const auto part = p->next();
      ASSERT_TRUE(part);
      EXPECT_EQ(part->global_size, w->x.size(0));
      EXPECT_EQ(part->offset, offset) << b;
      offset += part->x.size(0);
      xs.push_back(part->x);
      labels.push_back(part->labels);
    }
    EXPECT_TRUE(torch::equal(torch::cat(xs), w->x)) << b;
    EXPECT_TRUE(torch::equal(torch::cat(labels), w->labels)) << b;
    // 13 windows: 4, 4 and 5 (the last batch splits its own way).
    if (b == 0) {
      EXPECT_EQ(xs[0].size(0), 4);
    }
  }
  for (auto& p : parts) EXPECT_FALSE(p->next());
}

TEST(TrainingBatches, SameSeedSameBatchesWhateverTheThreads) {
  const PluginRegistry plugins = load_plugins(plugin_search_path({}));
  const FeatureSet features(plugins, {"position", "acceleration"}, find_layout(cohort().layout));
  TrainingBatches one(cohort(), cohort().indices(), features, 16, 3, 1);
  TrainingBatches two(cohort(), cohort().indices(), features, 16, 3, 2);
  const int64_t n = one.start_epoch(4);
  EXPECT_EQ(n, two.start_epoch(4));
  int64_t windows = 0;
  for (int64_t b = 0; b < n; ++b) {
    auto a = one.next();
    auto c = two.next();
    ASSERT_TRUE(a && c);
    EXPECT_TRUE(torch::equal(a->x, c->x)) << b;
    EXPECT_TRUE(torch::equal(a->labels, c->labels));
    EXPECT_EQ(a->x.sizes().slice(1), (std::vector<int64_t>{2, 4, 150, cohort().joints}));
    EXPECT_TRUE(torch::isfinite(a->x).all().item<bool>());
    windows += a->x.size(0);
  }
  EXPECT_FALSE(one.next());
  int64_t expected = 0;
  for (auto l : cohort().labels) expected += l == 1 ? kPartsCp : kPartsTypical;
  EXPECT_GE(windows, expected - 1);
  // Another epoch gives other windows.
  one.start_epoch(5);
  two.start_epoch(4);
  EXPECT_FALSE(torch::equal(one.next()->x, two.next()->x));
}

TEST(EvaluationSet, FeaturesOfEveryEvaluationWindow) {
  const PluginRegistry plugins = load_plugins(plugin_search_path({}));
  const FeatureSet features(plugins, {"velocity"}, find_layout(cohort().layout));
  const auto set = evaluation_set(cohort(), {0, 1}, features, {}, 2);
  EXPECT_EQ(set.x.size(0), static_cast<int64_t>(set.windows.size()));
  EXPECT_GE(set.windows.size(), 4u);  // 12 s recordings: at least 0, 75, 150, end
  std::vector<float> xy(kWindowFrames * cohort().joints * 2), out(4 * 150 * cohort().joints);
  window_positions(cohort(), set.windows[1].recording, set.windows[1].start, xy.data());
  features.compute(xy.data(), 150, cohort().joints, out.data());
  EXPECT_TRUE(torch::equal(set.x[1][0].flatten(),
                           torch::from_blob(out.data(), {4 * 150 * cohort().joints})));
}

TEST(EvaluationWindows, WindowLengthAndStepComeFromTheJob) {
  EXPECT_EQ(evaluation_starts(600, 225, 75), (std::vector<int64_t>{0, 75, 150, 225, 300, 375}));
  EXPECT_EQ(evaluation_starts(360, 225, 75), (std::vector<int64_t>{0, 75, 135}));
  const Windowing w = evaluation_windowing(Job::load("", {"--data.eval_window=225"}));
  EXPECT_EQ(w.frames, 225);
  EXPECT_EQ(w.step, 75);
  EXPECT_EQ(evaluation_windowing(Job()).frames, 150);
  const FeatureSet features(load_plugins(plugin_search_path({})), {"position", "acceleration"},
                            find_layout(cohort().layout));
  const auto set = evaluation_set(cohort(), {0}, features, w);
  ASSERT_EQ(set.x.size(3), 225);
  const auto starts = evaluation_starts(cohort().lengths[0], 225, 75);
  ASSERT_EQ(set.windows.size(), starts.size());
  // The position feature's x channel is the recording's x (0 where missing), frame by frame.
  const int64_t v = cohort().joints;
  const auto last = static_cast<int64_t>(set.windows.size()) - 1;
  const auto& window = set.windows[last];
  const float* xy = cohort().recording(0);
  for (int64_t t = 0; t < 225; t += 7) {
    for (int64_t j = 0; j < v; ++j) {
      const float x = xy[((window.start + t) * v + j) * 2];
      EXPECT_FLOAT_EQ(set.x[last][0][0][t][j].item<float>(), std::isnan(x) ? 0.0f : x);
    }
  }
  EXPECT_TRUE(torch::isfinite(set.x).all().item<bool>());
}

TEST(TrainingBatches, EpochsRestartedWhileLoadersAreBusyGiveTheSameBatches) {
  // start_epoch replaces the windows while loader threads still make batches of the abandoned
  // epoch (AddressSanitizer reports a use after free if they read the replaced ones).
  const PluginRegistry plugins = load_plugins(plugin_search_path({}));
  const FeatureSet features(plugins, {"position", "acceleration"}, find_layout(cohort().layout));
  TrainingBatches churned(cohort(), cohort().indices(), features, 8, 3, 4, 8);
  for (int64_t epoch = 0; epoch < 30; ++epoch) {
    churned.start_epoch(epoch);
    ASSERT_TRUE(churned.next());
  }
  TrainingBatches calm(cohort(), cohort().indices(), features, 8, 3, 1);
  const int64_t n = churned.start_epoch(99);
  ASSERT_EQ(calm.start_epoch(99), n);
  for (int64_t b = 0; b < n; ++b) {
    auto a = churned.next();
    auto c = calm.next();
    ASSERT_TRUE(a && c);
    EXPECT_TRUE(torch::equal(a->x, c->x)) << b;
    EXPECT_TRUE(torch::equal(a->labels, c->labels)) << b;
  }
}
