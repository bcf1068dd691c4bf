// The search's parts without MPI: space, controller, replay memory, checkpoint file, recovery.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "error_of.hpp"
#include "io/job.hpp"
#include "io/search_file.hpp"
#include "search/controller.hpp"
#include "search/random.hpp"
#include "search/replay.hpp"
#include "search/search.hpp"
#include "search/space.hpp"

namespace {

using namespace cpnas;

SearchSpace bandit_space() {
  SearchSpace space;
  space.keys.push_back({"arch", "block", {"a", "b", "c", "d"}});
  space.keys.push_back({"hyper", "lr", {"x", "y"}});
  return space;
}

// Reward known per choice: block c and lr y are best, with noise from the draws' own stream.
double bandit_reward(const Actions& a, Rng& noise) {
  static const double block[] = {0.5, 0.6, 0.9, 0.55};
  static const double lr[] = {0.0, 0.05};
  return block[a[0]] + lr[a[1]] + 0.05 * (noise.uniform() - 0.5);
}

}  // namespace

TEST(SearchSpace, ReadsSpaceSectionInSchemaOrderAndAppliesChoices) {
  const Job job = Job::parse("[space]\nlr = 0.01,0.001\nblock = basic,sep\n", "j.ini");
  const SearchSpace space = SearchSpace::from_job(job);
  ASSERT_EQ(space.keys.size(), 2u);
  EXPECT_EQ(space.keys[0].key, "block");  // [arch] keys come before [hyper] keys
  EXPECT_EQ(space.keys[0].section, "arch");
  EXPECT_EQ(space.keys[1].section, "hyper");
  const Job student = space.apply(job, {1, 0});
  EXPECT_EQ(student.get("arch", "block"), "sep");
  EXPECT_EQ(student.get("hyper", "lr"), "0.01");
  EXPECT_EQ(space.describe(), "arch.block=basic,sep\nhyper.lr=0.01,0.001\n");
  EXPECT_EQ(error_of([&] { space.apply(job, {2, 0}); }), "choice 2 of block is out of range");
}

TEST(SearchSpace, EmptyOrInvalidSpacesAreRefused) {
  EXPECT_EQ(error_of([] { SearchSpace::from_job(Job::parse("[arch]\nblock = sep\n", "j.ini")); }),
            "j.ini: [space] has no key with choices; nothing to search");
  EXPECT_NE(error_of([] {
              Job::parse("[space]\ninput_window = 3,4\n", "j.ini");
            }).find("j.ini:2: [space] input_window = '3,4': '4': expected an odd number"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Job::parse("[space]\nactivation = relu,relu\n", "j.ini");
            }).find("'relu' listed twice"),
            std::string::npos);
  EXPECT_NE(error_of([] { Job::parse("[space]\nbogus = 1,2\n", "j.ini"); }).find("bogus"),
            std::string::npos);
}

TEST(Controller, ConvergesToTheBestChoicesOfABandit) {
  const SearchSpace space = bandit_space();
  ControllerOptions options;
  options.lr = 0.05;
  options.baseline = true;
  Controller controller(space, options);
  EXPECT_DOUBLE_EQ(controller.probabilities(0)[2], 0.25);  // uniform at the start
  Rng rng(7), noise(8);
  for (int update = 0; update < 150; ++update) {
    std::vector<Rollout> batch;
    for (int i = 0; i < 16; ++i) {
      Rollout r;
      r.actions = controller.sample(rng);
      r.reward = bandit_reward(r.actions, noise);
      batch.push_back(r);
    }
    controller.update(batch);
  }
  EXPECT_GT(controller.probabilities(0)[2], 0.9);
  EXPECT_GT(controller.probabilities(1)[1], 0.8);
  EXPECT_EQ(controller.argmax(), (Actions{2, 1}));
}

TEST(Controller, StateRestoresExactlyAndNextUpdatesMatch) {
  const SearchSpace space = bandit_space();
  Controller a(space, {}), b(space, {});
  const std::vector<Rollout> batch{{{2, 1}, 0.9}, {{0, 0}, 0.4}};
  a.update(batch);
  b.restore(nlohmann::json::parse(a.state().dump()));
  a.update(batch);
  b.update(batch);
  EXPECT_EQ(a.state(), b.state());
  EXPECT_EQ(error_of([&] {
              Controller c(SearchSpace{{{"arch", "block", {"a"}}}}, {});
              c.restore(a.state());
            }),
            "policy has a different number of keys");
}

TEST(Controller, ArgmaxTakesTheLowestIndexOnTiesAndRandomIsUniformAndNeverLearns) {
  const SearchSpace space = bandit_space();
  ControllerOptions options;
  options.random = true;
  Controller controller(space, options);
  EXPECT_EQ(controller.argmax(), (Actions{0, 0}));
  controller.update({{{2, 1}, 1.0}});
  EXPECT_DOUBLE_EQ(controller.probabilities(0)[2], 0.25);
  std::map<int, int> counts;
  Rng rng(3);
  const int n = 40000;
  for (int i = 0; i < n; ++i) ++counts[controller.sample(rng)[0]];
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(counts[c] / double(n), 0.25, 0.01) << c;
}

TEST(ReplayMemory, KeepsTheBestAboveTheThresholdAndSamplesDistinctEntries) {
  ReplayMemory memory({0.9, 3, 2});
  memory.add({{0}, 0.5});  // below the threshold
  EXPECT_EQ(memory.size(), 0u);
  memory.add({{1}, 0.91});
  memory.add({{2}, 0.95});
  memory.add({{3}, 0.93});
  memory.add({{4}, 0.92});  // full: replaces the worst (0.91)
  memory.add({{5}, 0.90});  // worse than everything kept: not added
  ASSERT_EQ(memory.size(), 3u);
  Rng rng(1);
  const auto sample = memory.sample(rng);
  ASSERT_EQ(sample.size(), 2u);
  EXPECT_NE(sample[0].actions, sample[1].actions);
  for (const auto& r : sample) EXPECT_NE(r.actions[0], 1);
}

TEST(ReplayMemory, SampleSizeDoublesAsTheMemoryFills) {
  ReplayMemory memory({0.9, 200, 10});
  std::map<std::size_t, std::size_t> size_at;
  for (int i = 0; i < 200; ++i) {
    memory.add({{i}, 0.95});
    size_at[memory.size()] = memory.sample_size();
  }
  EXPECT_EQ(size_at[5], 5u);
  EXPECT_EQ(size_at[39], 10u);
  EXPECT_EQ(size_at[40], 20u);
  EXPECT_EQ(size_at[80], 40u);
  EXPECT_EQ(size_at[160], 80u);
  EXPECT_EQ(size_at[200], 80u);
}

TEST(SearchRandom, DerivedSeedsDifferByStreamAndIndexAndRepeat) {
  EXPECT_EQ(derive_seed(1, Stream::student, 5), derive_seed(1, Stream::student, 5));
  EXPECT_NE(derive_seed(1, Stream::student, 5), derive_seed(1, Stream::student, 6));
  EXPECT_NE(derive_seed(1, Stream::student, 5), derive_seed(1, Stream::argmax, 5));
  EXPECT_NE(derive_seed(1, Stream::student, 5), derive_seed(2, Stream::student, 5));
}

TEST(SearchCheckpoint, RoundTripsExactlyAndRefusesDamagedOrForeignFiles) {
  SearchState state;
  state.job = Job().to_ini();
  state.space = "arch.block=a,b\n";
  state.iteration = 3;
  state.controller = {{"logits", {{0.1 + 1e-17, 1.0 / 3.0}}}};
  StudentRecord r;
  r.id = 4;
  r.actions = {1};
  r.status = "ok";
  r.val_auc = 2.0 / 3.0;
  state.students.push_back(r);
  const std::string path = testing::TempDir() + "search_roundtrip.h5";
  save_search(path, state);
  const SearchState back = load_search(path);
  EXPECT_EQ(back.job, state.job);
  EXPECT_EQ(back.space, state.space);
  EXPECT_EQ(back.iteration, 3);
  EXPECT_EQ(back.controller, state.controller);
  ASSERT_EQ(back.students.size(), 1u);
  EXPECT_EQ(back.students[0].val_auc, 2.0 / 3.0);  // bit-exact

  const std::string text = testing::TempDir() + "search_text.h5";
  std::ofstream(text) << "not hdf5";
  EXPECT_NE(error_of([&] { load_search(text); }).find("search checkpoint '" + text + "'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_search(text + ".missing"); }).find("search checkpoint"),
            std::string::npos);

  Job other;
  other.set("arch", "block", "basic", "test");
  EXPECT_EQ(first_job_difference(state.job, other.to_ini()),
            "[arch] block is 'sep' in the checkpoint and 'basic' in the job");
  other = Job();
  other.set("search", "max_iterations", "80", "test");  // a resume may extend the search
  EXPECT_EQ(first_job_difference(state.job, other.to_ini()), "");
  std::remove(path.c_str());
  std::remove(text.c_str());
}

TEST(SearchRecovery, InFlightStudentsAreRetrainedOnceThenFailed) {
  SearchState state;
  StudentRecord r;
  r.status = "running";
  state.students = {r, r};
  state.students[1].crashes = 1;
  state.students[1].id = 1;
  recover_after_crash(state);
  EXPECT_EQ(state.students[0].status, "pending");
  EXPECT_EQ(state.students[0].crashes, 1);
  EXPECT_EQ(state.students[1].status, "failed");
  EXPECT_EQ(state.students[1].message, "in flight at two crashes of the search");
}
