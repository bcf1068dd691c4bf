// The CUDA path, on a machine with a GPU (label gpu; built only with CPNAS_WITH_CUDA): training on
// the GPU follows training on the CPU, a model trained there scores the same on either device,
// bf16 autocast trains, a search trains its students there, bench times GPU steps, a training
// step recorded as a CUDA graph trains as the step does, and the NCCL collective sums on the
// device.
//
// Tolerances are those of TF32: LibTorch lets cuDNN convolve in TF32 (10-bit mantissa) by default,
// so GPU results carry relative errors around 1e-3 that the CPU's fp32 does not.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "build_stamp.hpp"
#include "config.hpp"
#include "epochs_csv.hpp"
#include "run_command.hpp"
#include "small_student.hpp"
#include "small_train_job.hpp"
#include "tiny_search.hpp"
#include "train/captured_step.hpp"
#include "train/optimizer.hpp"
#if CPNAS_WITH_NCCL
#include "dist/nccl_collective.hpp"
#include "dist/world.hpp"
#endif

namespace {

namespace fs = std::filesystem;

const std::string kExe = CPNAS_EXE;

std::string dir() {
  return testing::TempDir() + "cpnas_gpu";
}

CommandResult cpnas(const std::string& args) {
  return run_command(kExe + " " + args + " --log-level warn 2>&1");
}

CommandResult train(const std::string& device, const std::string& out,
                    const std::string& extra = "") {
  return cpnas("train --job " + dir() + "/job.ini --data " + dir() + "/cohort.h5 --out " + dir() +
               "/" + out + " --device " + device + " " + extra);
}

// The loss column of MODEL.epochs.csv.
std::vector<double> losses(const std::string& model) {
  std::vector<double> out;
  for (const auto& row : read_epochs(dir() + "/" + model + ".epochs.csv")) out.push_back(row.loss);
  return out;
}

// Window scores of the test split under a model file, scored on `device`.
std::vector<double> scores(const std::string& model, const std::string& device) {
  const std::string csv = dir() + "/" + model + "." + device + ".scores.csv";
  const auto r = cpnas("evaluate --model " + dir() + "/" + model + " --data " + dir() +
                       "/cohort.h5 --split test --scores " + csv + " --device " + device);
  EXPECT_EQ(r.status, 0) << r.out;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<double> out;
  while (std::getline(in, line)) out.push_back(std::stod(line.substr(line.rfind(',') + 1)));
  return out;
}

double largest_difference(const std::vector<double>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return worst;
}

class Gpu : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(torch::cuda::is_available())
        << "the gpu tests need a visible CUDA device; run them on a GPU node (ctest -L gpu)";
    // Each test runs in a process of its own: the cohort and the two trainings are made once per
    // build of cpnas.
    const std::string stamp = build_stamp(kExe, kSmallTrainJob);
    if (read_file(dir() + "/stamp") == stamp) return;
    fs::remove_all(dir());
    fs::create_directories(dir());
    std::ofstream(dir() + "/job.ini") << small_train_job("sgd");
    const auto synth =
        cpnas("synth --out " + dir() + "/cohort.h5 " + std::string(kTinyCohortOptions));
    ASSERT_EQ(synth.status, 0) << synth.out;
    for (const std::string device : {"cpu", "cuda"}) {
      const auto r = train(device, device + ".h5");
      ASSERT_EQ(r.status, 0) << r.out;
    }
    std::ofstream(dir() + "/stamp") << stamp;
  }
};

}  // namespace

TEST_F(Gpu, TrainingFollowsTheCpu) {
  const auto cpu = losses("cpu.h5"), gpu = losses("cuda.h5");
  ASSERT_EQ(cpu.size(), 2u);
  ASSERT_EQ(gpu.size(), 2u);
  for (size_t epoch = 0; epoch < 2; ++epoch) {
    EXPECT_NEAR(gpu[epoch], cpu[epoch], 1e-2 * cpu[epoch]) << "epoch " << epoch + 1;
  }
  EXPECT_LE(largest_difference(scores("cpu.h5", "cpu"), scores("cuda.h5", "cpu")), 0.02);
}

TEST_F(Gpu, AModelTrainedOnTheGpuScoresTheSameOnTheCpu) {
  const auto on_cpu = scores("cuda.h5", "cpu"), on_gpu = scores("cuda.h5", "cuda");
  ASSERT_GT(on_cpu.size(), 5u);
  EXPECT_LE(largest_difference(on_cpu, on_gpu), 2e-3);
}

TEST_F(Gpu, Bf16AutocastTrains) {
  const auto r = train("cuda", "bf16.h5", "--train.precision=bf16");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto bf16 = losses("bf16.h5"), fp32 = losses("cuda.h5");
  ASSERT_EQ(bf16.size(), 2u);
  for (size_t epoch = 0; epoch < 2; ++epoch) {
    EXPECT_TRUE(std::isfinite(bf16[epoch]));
    EXPECT_NEAR(bf16[epoch], fp32[epoch], 0.05) << "epoch " << epoch + 1;
  }
}

TEST_F(Gpu, ASearchTrainsItsStudentsOnTheGpu) {
  std::ofstream(dir() + "/search.ini") << kTinySearchJob;
  const std::string run = dir() + "/search";
  fs::remove_all(run);
  const auto r = run_command(kExe + " search --job " + dir() + "/search.ini --data " + dir() +
                             "/cohort.h5 --run-dir " + run + " --device cuda 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("cuda:0"), std::string::npos) << r.out;
  EXPECT_EQ(finished_students(run), 7);
}

TEST_F(Gpu, BenchTimesGpuStepsAndTheirCudaGraphs) {
  for (const std::string mode : {"train", "eval"}) {
    for (const bool graph : {false, true}) {
      const auto r = run_command(kExe + " bench " + mode + " --job " + CPNAS_SOURCE_DIR +
                                 "/jobs/paper-best.ini --device cuda --steps 3 --json" +
                                 (graph ? " --cuda-graph" : ""));
      ASSERT_EQ(r.status, 0) << r.out;
      const auto j = nlohmann::json::parse(r.out);
      EXPECT_EQ(j.at("device"), "cuda:0");
      EXPECT_EQ(j.at("cuda_graph"), graph);
      EXPECT_GT(j.at("windows_per_s").get<double>(), 0.0);
    }
  }
}

// Replays of a recorded training step move the weights as the same steps run one by one. SGD:
// LibTorch computes its update on the device alone (Adam's bias corrections are host values that
// a recording freezes); no dropout, whose draws would differ.
TEST(CudaGraph, ReplayedTrainingStepsFollowTheStepsRunOneByOne) {
  ASSERT_TRUE(torch::cuda::is_available());
  const torch::Device gpu(torch::kCUDA, 0);
  auto make = [&] {
    auto s = small_student(0);
    s->to(gpu);
    s->train();
    return s;
  };
  cpnas::Student one_by_one = make(), replayed = make();
  torch::manual_seed(3);
  const auto x = torch::randn({8, 4, 4, 150, 29}).to(gpu);
  const auto labels = torch::tensor({0, 1, 0, 1, 1, 0, 0, 1}, torch::kLong).to(gpu);
  cpnas::Hyper h;
  h.optimizer = "sgd";
  h.lr = 0.05;
  auto first = cpnas::make_optimizer(h, one_by_one->parameters());
  auto second = cpnas::make_optimizer(h, replayed->parameters());
  auto step_of = [&](cpnas::Student& s, torch::optim::Optimizer& o) {
    return [&s, &o, &x, &labels] {
      o.zero_grad();
      torch::nn::functional::cross_entropy(s->forward(x), labels).backward();
      o.step();
    };
  };
  const auto step = step_of(one_by_one, *first);
  for (int i = 0; i < 5; ++i) step();
  cpnas::CapturedStep graph(step_of(replayed, *second), gpu, 2);  // 2 steps run, 1 recorded
  double moved = 0;                                               // by the replays
  for (const auto& p : replayed->parameters()) moved -= p.abs().sum().item<double>();
  for (int i = 0; i < 3; ++i) graph.replay();
  torch::cuda::synchronize();
  for (const auto& p : replayed->parameters()) moved += p.abs().sum().item<double>();
  EXPECT_NE(moved, 0.0) << "the replays changed no weight";
  const auto names = one_by_one->named_parameters();
  const auto expected = one_by_one->parameters(), got = replayed->parameters();
  ASSERT_EQ(expected.size(), got.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(torch::allclose(got[i], expected[i], 1e-3, 1e-4)) << names.keys()[i];
  }
}

#if CPNAS_WITH_NCCL
TEST(Nccl, SumsGpuAndCpuTensorsInAWorldOfOne) {
  ASSERT_TRUE(torch::cuda::is_available());
  const cpnas::World world;
  cpnas::NcclCollective nccl(world, 0);
  auto gpu = torch::arange(6, torch::TensorOptions(torch::kFloat).device(torch::kCUDA, 0));
  auto expected = gpu.cpu();
  nccl.sum(gpu);
  EXPECT_TRUE(torch::equal(gpu.cpu(), expected));
  auto cpu = torch::arange(4, torch::kDouble);
  nccl.sum(cpu);
  EXPECT_TRUE(torch::equal(cpu, torch::arange(4, torch::kDouble)));
}
#endif
