// The search's parts without MPI: space, controller, replay memory, checkpoint file, recovery.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "error_of.hpp"
#include "io/job.hpp"
#include "search/controller.hpp"
#include "search/random.hpp"
#include "search/replay.hpp"
#include "search/search.hpp"
#include "search/search_file.hpp"
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

TEST(ReplayMemory, AdmitsAboveTheThresholdFirstInFirstOutAndSamplesDistinctEntries) {
  ReplayMemory memory({0.9, 3, 2});
  memory.add({{0}, 0.5});  // below the threshold
  memory.add({{9}, 0.9});  // at it: the published code admits only rewards above it
  EXPECT_EQ(memory.size(), 0u);
  memory.add({{1}, 0.99});
  memory.add({{2}, 0.95});
  memory.add({{3}, 0.93});
  memory.add({{4}, 0.92});  // full: the oldest (1, the best) leaves
  ASSERT_EQ(memory.size(), 3u);
  Rng rng(1);
  std::set<int> seen;
  for (int i = 0; i < 20; ++i) {
    ReplayMemory copy = memory;
    const auto sample = copy.sample(rng);
    ASSERT_EQ(sample.size(), 2u);
    EXPECT_NE(sample[0].actions, sample[1].actions);
    for (const auto& r : sample) seen.insert(r.actions[0]);
  }
  EXPECT_EQ(seen, (std::set<int>{2, 3, 4}));
}

TEST(ReplayMemory, SampleSizeDoublesWhenTheMemoryHoldsTwiceIt) {
  ReplayMemory memory({0.5, 200, 10});
  Rng rng(2);
  for (int i = 0; i < 5; ++i) memory.add({{i}, 0.95});
  EXPECT_EQ(memory.sample(rng).size(), 5u);  // fewer than asked for: all of them
  EXPECT_EQ(memory.sample_size(), 10u);
  for (int i = 5; i < 20; ++i) memory.add({{i}, 0.95});
  EXPECT_EQ(memory.sample(rng).size(), 10u);  // then 20 >= 2 x 10: doubles
  EXPECT_EQ(memory.sample_size(), 20u);
  EXPECT_EQ(memory.sample(rng).size(), 20u);  // 20 < 2 x 20: stays
  EXPECT_EQ(memory.sample_size(), 20u);
  for (int i = 20; i < 100; ++i) memory.add({{i}, 0.95});
  memory.sample(rng);  // doubles once per update, however full
  EXPECT_EQ(memory.sample_size(), 40u);
  ReplayMemory restored({0.5, 200, 10});
  restored.restore(nlohmann::json::parse(memory.state().dump()));
  EXPECT_EQ(restored.sample_size(), 40u);
  EXPECT_EQ(restored.state(), memory.state());
}

TEST(Controller, TheLossIsSummedOverTheBatch) {
  Controller controller(bandit_space(), {});
  controller.update({{{2, 1}, 0.9}, {{0, 0}, 0.4}});
  // Gradient of -sum r log softmax(z)_a at uniform z for choice 2 of key 0:
  // -(0.9 (1 - 1/4) + 0.4 (0 - 1/4)) = -0.575; Adam's first moment holds (1 - 0.9) of it.
  const auto m = controller.state().at("adam_m");
  EXPECT_NEAR(m[0][2].get<double>(), 0.1 * -0.575, 1e-12);
  EXPECT_NEAR(m[1][1].get<double>(), 0.1 * -(0.9 * 0.5 - 0.4 * 0.5), 1e-12);
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
  r.status = cpnas::StudentStatus::ok;
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
  r.status = cpnas::StudentStatus::running;
  state.students = {r, r};
  state.students[1].crashes = 1;
  state.students[1].id = 1;
  recover_after_crash(state);
  EXPECT_EQ(state.students[0].status, cpnas::StudentStatus::pending);
  EXPECT_EQ(state.students[0].crashes, 1);
  EXPECT_EQ(state.students[1].status, cpnas::StudentStatus::failed);
  EXPECT_EQ(state.students[1].message, "in flight at two crashes of the search");
}

TEST(SearchCheckpoint, AStateThatDoesNotFitItsSpaceIsRefusedWithItsReason) {
  const SearchSpace space = bandit_space();
  SearchState state;
  state.space = space.describe();
  StudentRecord r;
  r.id = 3;
  r.actions = {1, 5};  // key 1 has two choices
  state.students.push_back(r);
  EXPECT_EQ(error_of([&] { check_search_state(state, space, "s.h5"); }),
            "search checkpoint 's.h5': damaged state: student 3: choice 5 of lr is out of range");
  state.students[0].actions = {1, 1};
  check_search_state(state, space, "s.h5");
  state.controller = {{"logits", {{0.0}}}};
  EXPECT_EQ(error_of([&] {
              check_search_state(state, space, "s.h5");
            }).rfind("search checkpoint 's.h5': damaged state: ", 0),
            0u);
}

// search.h5 holds a status by name; a name no status has is an error, never "pending".
TEST(SearchCheckpoint, StudentStatusesRoundTripByNameAndAnUnknownOneIsRefused) {
  for (auto s : {StudentStatus::pending, StudentStatus::running, StudentStatus::ok,
                 StudentStatus::failed, StudentStatus::diverged}) {
    const nlohmann::json j = s;
    EXPECT_EQ(j.get<std::string>(), status_name(s));
    EXPECT_EQ(j.get<StudentStatus>(), s);
  }
  EXPECT_EQ(error_of([] { nlohmann::json("done").get<StudentStatus>(); }),
            "unknown student status 'done'");
}
