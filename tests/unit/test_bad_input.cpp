// Bad input across commands (issue 23): every case ends with one line on stderr naming the problem,
// the documented exit status, and every input file as it was. The library-level cases check that
// a NaN score never hangs the metrics nor passes as a decision.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>

#include "data/cohort.hpp"
#include "data/layout.hpp"
#include "data/synth.hpp"
#include "error_of.hpp"
#include "io/h5.hpp"
#include "io/job.hpp"
#include "model/model_file.hpp"
#include "model/student.hpp"
#include "plugin/loader.hpp"
#include "run_command.hpp"
#include "train/metrics.hpp"
#include "train/trainer.hpp"

using namespace cpnas;

namespace {

const PluginRegistry& plugins() {
  static const PluginRegistry registry = load_plugins(plugin_search_path({}));
  return registry;
}

std::string dir() {
  return testing::TempDir() + "bad_input/";
}

const char* kJob = R"([data]
features = position
[arch]
init_channels = 8
input_blocks = 1
main_blocks = 1
main_depth = 1
block = basic
attention = ca
[train]
epochs = 1
)";

Cohort small_cohort() {
  SynthOptions o;
  o.infants = 24;
  o.seconds = 8;
  o.cp_fraction = 0.3;
  o.val_fraction = 0.4;
  return synthesize_cohort(o);
}

void save(const std::string& name, StudentImpl& student, const ModelRecord& record = {}) {
  save_model(dir() + name, student, Job::parse(kJob, "job"), record, plugins());
}

// The files every case reads, written once.
void write_inputs() {
  static bool written = false;
  if (written) return;
  written = true;
  std::filesystem::create_directories(dir());
  std::ofstream(dir() + "job.ini") << kJob;
  const Cohort cohort = small_cohort();
  write_cohort(dir() + "cohort.h5", cohort);
  Cohort one_class = cohort;
  for (int64_t i : one_class.indices("val")) one_class.labels[i] = 0;
  write_cohort(dir() + "one-class.h5", one_class);
  // Files that write_cohort would refuse, written around it.
  auto write_raw = [&](const std::string& name, const Cohort& c) {
    auto f = h5::File::create(dir() + name);
    f.write("coords",
            {static_cast<hsize_t>(c.size()), static_cast<hsize_t>(c.max_frames),
             static_cast<hsize_t>(c.joints), 2},
            c.coords.data());
    f.write("lengths", {c.lengths.size()}, c.lengths.data());
    f.write("labels", {c.labels.size()}, c.labels.data());
    f.write_strings("ids", c.ids);
    f.write_strings("splits", c.splits);
    f.set_attribute("layout", c.layout);
    f.set_attribute("fps", c.fps);
    f.set_attribute("format_version", kCohortFormatVersion);
  };
  Cohort huge = cohort;
  huge.recording(3)[100] = 3e38f;
  write_raw("huge.h5", huge);
  Cohort fps = cohort;
  fps.fps = 25;
  write_raw("fps25.h5", fps);
  {
    // A 7 KB file whose /coords declares 2^80 values (chunked, nothing written).
    auto f = h5::File::create(dir() + "overflow.h5");
    f.set_attribute("layout", cohort.layout);
    f.set_attribute("fps", cohort.fps);
    f.set_attribute("format_version", kCohortFormatVersion);
  }
  const hid_t file = H5Fopen((dir() + "overflow.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  const hsize_t dims[4] = {hsize_t(1) << 40, hsize_t(1) << 40, 29, 2}, chunk[4] = {1, 1, 29, 2};
  const hid_t space = H5Screate_simple(4, dims, nullptr);
  const hid_t layout = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(layout, 4, chunk);
  H5Dclose(H5Dcreate2(file, "coords", H5T_IEEE_F32LE, space, H5P_DEFAULT, layout, H5P_DEFAULT));
  H5Pclose(layout);
  H5Sclose(space);
  H5Fclose(file);

  Student student = student_from_job(Job::parse(kJob, "job"), plugins(), 1);
  save("model.h5", *student);
  ModelRecord record;
  record.threshold = std::nan("");
  save("threshold-nan.h5", *student, record);
  record.threshold = 1.5;
  save("threshold-high.h5", *student, record);
  {
    torch::NoGradGuard no_grad;
    student->parameters()[3].view(-1)[0] = std::nanf("");
  }
  save("nan-weight.h5", *student);

  std::filesystem::create_directories(dir() + "openpose-bad");
  {
    std::ofstream json(dir() + "openpose-bad/frame_000.json");
    json << R"({"people": [{"pose_keypoints_2d": [)";
    for (int i = 0; i < 53; ++i) json << i << ", ";
    json << R"("x"]}]})";
  }
  std::ofstream(dir() + "openpose.csv")
      << "id,label,split,path,fps\nbaby,1,train,openpose-bad,30\n";

  std::ofstream csv(dir() + "short.csv");
  const Skeleton& s = find_layout("in-motion-2022");
  csv << "frame";
  for (const auto& j : s.joints) csv << "," << j << "_x," << j << "_y";
  csv << "\n";
  for (int t = 0; t < 20; ++t) {
    csv << t;
    for (int j = 0; j < s.num_joints(); ++j) csv << "," << 300 + 7 * j + t << "," << 200 + 11 * j;
    csv << "\n";
  }
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

struct Case {
  std::string args;  ///< after `cpnas`; D stands for the inputs' directory
  int status;
  std::string message;  ///< part of the one line on stderr
};

std::string with_dir(std::string text) {
  for (auto at = text.find("D/"); at != std::string::npos; at = text.find("D/", at)) {
    text.replace(at, 2, dir());
  }
  return text;
}

// f() on a thread: a hang fails the test (and ends the process, since the thread cannot be
// joined) instead of holding CI until its time limit.
template <class F>
auto within(std::chrono::seconds limit, const std::string& what, F f) {
  auto result = std::async(std::launch::async, std::move(f));
  if (result.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << what << " did not finish within " << limit.count() << " s";
    std::_Exit(1);
  }
  return result.get();
}

}  // namespace

TEST(BadInput, EveryCommandRefusesWithOneLineAndLosesNothing) {
  write_inputs();
  const std::vector<Case> cases{
      // A NaN weight or threshold must never become "no elevated CP risk".
      {"evaluate --model D/nan-weight.h5 --data D/cohort.h5", 1, "holds NaN or infinite values"},
      {"predict --model D/nan-weight.h5 --input D/cohort.h5", 1, "holds NaN or infinite values"},
      {"predict --model D/threshold-nan.h5 --input D/cohort.h5", 1,
       "decision threshold nan is outside [0, 1]"},
      {"predict --model D/threshold-high.h5 --input D/cohort.h5", 1,
       "decision threshold 1.500000 is outside [0, 1]"},
      {"evaluate --model D/model.h5 --data D/cohort.h5 --threshold 1.5", 2,
       "--threshold 1.5: a score threshold must be in [0, 1]"},
      {"evaluate --model D/model.h5 --data D/cohort.h5 --threshold -0.1", 2, "in [0, 1]"},
      // Extreme coordinates, another frame rate, recordings shorter than a window.
      {"evaluate --model D/model.h5 --data D/huge.h5", 1, "is beyond +-1000"},
      {"evaluate --model D/model.h5 --data D/fps25.h5", 1, "30 fps by definition"},
      {"evaluate --model D/model.h5 --data D/overflow.h5", 1,
       "dataset /coords [1099511627776, 1099511627776, 29, 2] declares more elements than exist"},
      {"predict --model D/model.h5 --input D/short.csv", 1,
       "recording 'short.csv' has 20 frames at 30 Hz, shorter than one window of 150"},
      // Numeric options are range-checked before any work, NaN and infinity included.
      {"predict --model D/model.h5 --input D/short.csv --fps 0", 2,
       "--fps 0: expected a number in [1, 1000]"},
      {"predict --model D/model.h5 --input D/short.csv --min-confidence nan", 2,
       "--min-confidence nan: expected a number in [0, 1]"},
      {"bench train --job D/job.ini --threads -1", 2, "--threads -1: expected a number in [0, "},
      {"bench train --job D/job.ini --cuda-graph --device cpu", 1,
       "a CUDA graph records GPU work; this step runs on cpu"},
      {"bench data --job D/job.ini --data D/cohort.h5 --cuda-graph", 2,
       "bench: --cuda-graph is for train and eval"},
      {"train --job D/job.ini --data D/cohort.h5 --out D/x.h5 --threads 100000", 2,
       "--threads 100000"},
      // A malformed pose file is named, not a JSON library's type error.
      {"import --manifest D/openpose.csv --layout coco-18 --out D/x.h5", 1,
       "openpose-bad/frame_000.json': pose_keypoints_2d holds \"x\", not a number"},
      // Imports from other tools: splits given and asked for, a missing frame rate, another V.
      {"import --manifest D/openpose.csv --layout coco-18 --split-auto --out D/x.h5", 1,
       "has split 'train' already; --split-auto assigns every split"},
      {"import --recordings D/openpose-bad --labels D/openpose.csv --out D/x.h5", 2,
       "--recordings needs --fps"},
      {"import --from autocp " + std::string(CPNAS_SOURCE_DIR) +
           "/tests/fixtures/npy/bad --sets train=wrong_v --out D/x.h5",
       1, "wrong_v_coords.npy': 20 joints (V), no layout has that many"},
      {"cohort info D/model.h5", 1, "model.h5"},
      // Hex integers were validated as numbers and used as 0.
      {"train --job D/job.ini --data D/cohort.h5 --out D/x.h5 --hyper.batch_size=0x40", 2,
       "expected a decimal integer"},
      {"train --job D/job.ini --data D/cohort.h5 --out D/x.h5 --train.epochs=0x3", 2,
       "expected a decimal integer"},
      {"train --job D/job.ini --data D/cohort.h5 --out D/x.h5 --train.seed=0x10", 2,
       "expected a decimal integer"},
      {"train --job D/job.ini --data D/cohort.h5 --out D/x.h5 --hyper.lr=0x1p-3", 2,
       "expected a decimal number"},
      // Outputs that would destroy inputs, outputs that cannot be written.
      {"features --data D/cohort.h5 --split test --out D/cohort.h5", 2, "would destroy the input"},
      {"train --job D/job.ini --data D/cohort.h5 --out D/cohort.h5", 2, "would destroy the input"},
      {"evaluate --model D/model.h5 --data D/cohort.h5 --scores D/cohort.h5", 2,
       "would destroy the input"},
      {"evaluate --model D/model.h5 --data D/cohort.h5 --roc D/model.h5", 2,
       "would destroy the input"},
      {"evaluate --model D/model.h5 --data D/cohort.h5 --scores /nonexistent/s.csv", 1,
       "cannot write '/nonexistent/s.csv"},
      // Splits a student cannot be trained or chosen on.
      {"train --job D/job.ini --data D/one-class.h5 --out D/x.h5", 1,
       "the val split has no CP (label 1) recordings"},
      // Plugins named anywhere in the job are checked before any work.
      {"profile --job D/job.ini --data.features=position,nosuch", 1, "unknown feature 'nosuch'"},
      // Channel counts that an in-range value derives, checked before LibTorch sees them.
      {"profile --job D/job.ini --arch.main_blocks=2 --arch.main_scale=0.01", 1,
       "[arch] main_scale 0.010000 gives main block 0 no channels"},
      {"search --job D/job.ini --data D/cohort.h5 --run-dir D/run --space.block=nosuch,basic", 1,
       "[space] block: unknown block 'nosuch'"},
  };
  const std::vector<std::string> inputs{"cohort.h5",
                                        "one-class.h5",
                                        "huge.h5",
                                        "fps25.h5",
                                        "model.h5",
                                        "nan-weight.h5",
                                        "threshold-nan.h5",
                                        "short.csv",
                                        "job.ini",
                                        "threshold-high.h5",
                                        "overflow.h5",
                                        "openpose.csv",
                                        "openpose-bad/frame_000.json"};
  std::map<std::string, std::string> before;
  for (const auto& f : inputs) before[f] = contents(dir() + f);
  for (const auto& c : cases) {
    // Progress logs (info) go to stderr too; the error itself must be one line.
    const CommandResult r = run_command(std::string(CPNAS_EXE) + " " + with_dir(c.args) +
                                        " --log-level error 2>&1 >/dev/null");
    EXPECT_EQ(r.status, c.status) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << c.args << "\n" << r.out;
    EXPECT_EQ(r.out.rfind("cpnas: error: ", 0), 0u) << c.args << "\n" << r.out;
  }
  for (const auto& f : inputs) EXPECT_EQ(contents(dir() + f), before[f]) << f << " changed";
}

TEST(BadInput, ATrainingThatWouldNotFitTheMemoryIsRefusedBeforeItWritesAnything) {
  // Its own directory: CTest runs the tests of this file side by side.
  const std::string d = dir() + "memory/";
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  std::ofstream(d + "job.ini") << kJob;
  write_cohort(d + "cohort.h5", small_cohort());
  // 1 MB for the job on this node: the process alone is more.
  const CommandResult r =
      run_command("SLURM_MEM_PER_NODE=1 " + std::string(CPNAS_EXE) + " train --job " + d +
                  "job.ini --data " + d + "cohort.h5 --out " + d +
                  "too-big.h5 --log-level error 2>&1 "
                  ">/dev/null");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(r.out.rfind("cpnas: error: the student of job '" + d + "job.ini' needs about ", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find(" of memory to train at batch "), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  for (const char* suffix : {"", ".epochs.csv", ".ckpt.h5"}) {
    EXPECT_FALSE(std::filesystem::exists(d + "too-big.h5" + suffix)) << suffix;
  }
}

TEST(BadInput, NaNScoresNeverHangTheMetricsNorPassAsDecisions) {
  // Before: roc_auc never advanced past a NaN score.
  const std::string errors = within(std::chrono::seconds(30), "metrics of a NaN score", [] {
    std::vector<WindowScore> windows{{"a", 1, 0.9, 0}, {"b", 0, std::nan(""), 75}};
    const std::string error = error_of([&] { clinical_metrics(windows, 0.5); });
    const std::string direct = error_of([] { roc_auc({0.2, std::nan(""), 0.4}, {1, 0, 0}); });
    return error + "|" + direct;
  });
  EXPECT_EQ(errors,
            "recording 'b': the window at frame 75 scored nan|a score is nan, not a finite number");
}

TEST(BadInput, AValidationRecordingThatScoresNaNEndsTheStudentDiverged) {
  Cohort cohort = small_cohort();
  const int64_t bad = cohort.indices("val").front();
  // Finite but extreme: the network's output overflows to NaN for this recording only.
  for (int64_t k = 0; k < cohort.lengths[bad] * cohort.joints * 2; ++k) {
    cohort.recording(bad)[k] = 3e38f;
  }
  Job job = Job::parse(kJob, "job");
  job.set("train", "validate_every", "1", "test");
  const TrainOptions options = train_options_from_job(job);
  const FeatureSet features(plugins(), job.get_list("data", "features"),
                            find_layout(cohort.layout));
  Student student = student_from_job(job, plugins(), 1);
  const TrainResult r = within(
      std::chrono::seconds(300), "training with a NaN validation score",
      [&] { return train_student(*student, hyper_from_job(job), cohort, features, options); });
  EXPECT_EQ(r.status, TrainStatus::diverged);
  EXPECT_NE(r.message.find("validation in epoch 1: recording '" + cohort.ids[bad] + "'"),
            std::string::npos)
      << r.message;
}
