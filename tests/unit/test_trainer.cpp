#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>

#include "data/layout.hpp"
#include "data/synth.hpp"
#include "error_of.hpp"
#include "io/error.hpp"
#include "io/file_hash.hpp"
#include "model/model_file.hpp"
#include "plugin/loader.hpp"
#include "train/scoring.hpp"
#include "train/stop.hpp"
#include "train/trainer.hpp"

using namespace cpnas;

namespace {

const PluginRegistry& plugins() {
  static const PluginRegistry registry = load_plugins(plugin_search_path({}));
  return registry;
}

const Cohort& cohort() {
  static const Cohort c = [] {
    SynthOptions o;
    o.infants = 40;
    o.seconds = 12;
    o.difficulty = 0.3;
    o.val_fraction = 0.3;
    return synthesize_cohort(o);
  }();
  return c;
}

Job small_job() {
  return Job::load(
      "", {"--data.features=position,velocity", "--arch.init_channels=16", "--arch.block=basic",
           "--arch.attention=ca", "--arch.input_blocks=1", "--arch.input_depth=1",
           "--arch.input_stride=2", "--arch.main_blocks=1", "--arch.main_depth=1",
           "--arch.main_stride=2", "--hyper.batch_size=16", "--train.epochs=4",
           "--train.warmup_epochs=1", "--train.validate_every=2", "--train.seed=3"});
}

}  // namespace

TEST(Trainer, WarmupThenSteps) {
  TrainOptions o;
  EXPECT_DOUBLE_EQ(learning_rate(o, 0.004, 0), 0.001);
  EXPECT_DOUBLE_EQ(learning_rate(o, 0.004, 5), 0.004 * (0.25 + 0.75 * 0.5));
  EXPECT_DOUBLE_EQ(learning_rate(o, 0.004, 10), 0.004);
  EXPECT_DOUBLE_EQ(learning_rate(o, 0.004, 199), 0.004);
  EXPECT_DOUBLE_EQ(learning_rate(o, 0.004, 200), 0.002);
  EXPECT_DOUBLE_EQ(learning_rate(o, 0.004, 260), 0.001);
}

TEST(Optimizers, AdamAndAdamWTakeThePublishedBetasWithAmsgrad) {
  const std::vector<torch::Tensor> params{torch::zeros({2}, torch::requires_grad())};
  Hyper h;
  h.optimizer = "adam";
  auto adam = make_optimizer(h, params);
  const auto& a = static_cast<torch::optim::AdamOptions&>(adam->param_groups()[0].options());
  EXPECT_EQ(std::get<1>(a.betas()), 0.99);
  EXPECT_TRUE(a.amsgrad());
  h.optimizer = "adamw";
  auto adamw = make_optimizer(h, params);
  const auto& w = static_cast<torch::optim::AdamWOptions&>(adamw->param_groups()[0].options());
  EXPECT_EQ(std::get<0>(w.betas()), 0.9);
  EXPECT_EQ(std::get<1>(w.betas()), 0.999);
  EXPECT_TRUE(w.amsgrad());
}

TEST(Trainer, ValidatesLabelledRecordingsEveryNAndAtEachOfTheLastEpochsAndScoresLongerWindows) {
  Cohort c = cohort();
  std::vector<int64_t> typical;
  for (int64_t i : c.indices("val")) {
    if (c.labels[i] == 0) typical.push_back(i);
  }
  ASSERT_GE(typical.size(), 3u);
  c.labels[typical[0]] = c.labels[typical[1]] = -1;  // unknown outcomes: not validated on
  Job job = small_job();
  job.set("train", "epochs", "5", "test");
  TrainOptions options = train_options_from_job(job);
  options.validate_last = 2;  // every 2 epochs, and at each of the last 2
  const FeatureSet features(plugins(), job.get_list("data", "features"), find_layout(c.layout));
  Student student = student_from_job(job, plugins(), options.seed);
  const TrainResult r = train_student(*student, hyper_from_job(job), c, features, options);
  ASSERT_EQ(r.status, TrainStatus::ok) << r.message;
  std::vector<int64_t> validated;
  for (const auto& e : r.history) {
    if (e.val_auc >= 0) validated.push_back(e.epoch);
  }
  EXPECT_EQ(validated, (std::vector<int64_t>{2, 4, 5}));
  const BinaryMetrics& m = r.best_val.subject;
  EXPECT_EQ(m.tp + m.fp + m.tn + m.fn, static_cast<int64_t>(c.labelled("val").size()));
  EXPECT_EQ(c.labelled("val").size() + 2, c.indices("val").size());

  // Validation and evaluation windows of another length ([data] eval_window) run through the
  // same network.
  ScoringOptions scoring;
  scoring.windowing = {225, 75};
  const auto test = c.indices("test");
  const auto scores = score_windows(*student, c, test, features, scoring);
  EXPECT_EQ(scores.size(), evaluation_windows(c, test, scoring.windowing).size());
  EXPECT_LT(scores.size(), evaluation_windows(c, test).size());
}

TEST(Trainer, ShortTrainingLearnsValidatesAndRoundTripsThroughAModelFile) {
  const Job job = small_job();
  const TrainOptions options = train_options_from_job(job);
  const FeatureSet features(plugins(), job.get_list("data", "features"),
                            find_layout(cohort().layout));
  Student student = student_from_job(job, plugins(), options.seed);
  const auto start = std::chrono::steady_clock::now();
  const TrainResult r = train_student(*student, hyper_from_job(job), cohort(), features, options);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.status, TrainStatus::ok) << r.message;
  ASSERT_EQ(r.history.size(), 4u);
  // Where the time went: every phase took some, together no more than the training's wall time.
  for (const double phase :
       {r.phases.forward, r.phases.backward, r.phases.optimizer, r.phases.validation}) {
    EXPECT_GT(phase, 0.0);
  }
  EXPECT_GE(r.phases.data, 0.0);
  EXPECT_LE(r.phases.total(), wall);
  EXPECT_GT(r.phases.total(), 0.5 * wall) << "most of a training is in its phases";
  EXPECT_EQ(r.phases.shares().rfind("data ", 0), 0u) << r.phases.shares();
  EXPECT_LT(r.history.back().loss, r.history.front().loss);
  EXPECT_GE(r.history[1].val_auc, 0.0);  // validated at epoch 2 and at the last
  EXPECT_GE(r.history[3].val_auc, 0.0);
  EXPECT_EQ(r.history[0].val_auc, -1.0);
  EXPECT_GT(r.best_epoch, 0);

  const std::string path = testing::TempDir() + "trained.h5";
  ModelRecord record;
  record.epochs = r.epochs;
  record.best_val_auc = r.best_val_auc;
  record.seed = options.seed;
  save_model(path, *student, job, record, plugins());
  LoadedModel loaded = load_model(path, plugins());
  EXPECT_EQ(loaded.record.epochs, 4);
  const auto test = cohort().indices("test");
  const auto a = score_windows(*student, cohort(), test, features, {});
  const auto b = score_windows(*loaded.student, cohort(), test, features, {});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].score, b[i].score) << i;

  // A file whose stored architecture does not build its tensors names the first that differs.
  const std::string mismatch = testing::TempDir() + "mismatch.h5";
  Job wider = job;
  wider.set("arch", "init_channels", "32", "test");
  save_model(mismatch, *student, wider, record, plugins());
  const std::string error = error_of([&] { load_model(mismatch, plugins()); });
  EXPECT_EQ(error.rfind("model '" + mismatch +
                            "': tensor 'parameters/stream0.stem_graph.conv.weight' is [32, 4, 1, "
                            "1] in the file, the architecture builds [64, 4, 1, 1]",
                        0),
            0u)
      << error;

  // A damaged file.
  std::ifstream whole(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(whole)), {});
  const std::string damaged = testing::TempDir() + "damaged.h5";
  std::ofstream(damaged, std::ios::binary) << bytes.substr(0, bytes.size() / 3);
  EXPECT_EQ(error_of([&] { load_model(damaged, plugins()); }).rfind("model '" + damaged + "': ", 0),
            0u);
  EXPECT_EQ(error_of([&] {
              load_model(std::string(CPNAS_SOURCE_DIR) + "/tests/fixtures/features.h5", plugins());
            }),
            "model '" + std::string(CPNAS_SOURCE_DIR) +
                "/tests/fixtures/features.h5': not a cpnas model file");
}

TEST(Trainer, StoppedAndResumedEqualsUninterrupted) {
  const Job job = small_job();
  const FeatureSet features(plugins(), job.get_list("data", "features"),
                            find_layout(cohort().layout));
  TrainOptions options = train_options_from_job(job);
  options.job = job.to_ini();
  install_stop_handlers(SIGUSR2);
  clear_stop_request();

  Student whole = student_from_job(job, plugins(), options.seed);
  options.checkpoint = testing::TempDir() + "whole.ckpt.h5";
  const TrainResult a = train_student(*whole, hyper_from_job(job), cohort(), features, options);
  ASSERT_FALSE(a.interrupted);

  // Interrupted by SIGTERM after the third batch of epoch 3, then resumed in a fresh student.
  Student first = student_from_job(job, plugins(), options.seed);
  options.checkpoint = testing::TempDir() + "parts.ckpt.h5";
  TrainObserver observer;
  observer.batch = [](int64_t epoch, int64_t done, int64_t, double) {
    if (epoch == 3 && done == 3) std::raise(SIGTERM);  // a real signal, mid-epoch
  };
  const TrainResult b =
      train_student(*first, hyper_from_job(job), cohort(), features, options, observer);
  ASSERT_TRUE(b.interrupted);
  EXPECT_EQ(b.history.size(), 2u);
  clear_stop_request();
  Student resumed = student_from_job(job, plugins(), 99);  // weights come from the checkpoint
  options.resume = true;
  const TrainResult c = train_student(*resumed, hyper_from_job(job), cohort(), features, options);
  ASSERT_FALSE(c.interrupted);
  ASSERT_EQ(c.history.size(), 4u);
  EXPECT_EQ(c.best_epoch, a.best_epoch);
  const auto pa = whole->parameters(), pc = resumed->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pc[i])) << i;
  for (size_t e = 0; e < 4; ++e) EXPECT_DOUBLE_EQ(c.history[e].loss, a.history[e].loss) << e;

  // A checkpoint of another job is refused.
  TrainOptions other = options;
  other.job = Job::load("", {"--arch.init_channels=32"}).to_ini();
  Student any = student_from_job(job, plugins(), 1);
  const std::string error =
      error_of([&] { train_student(*any, hyper_from_job(job), cohort(), features, other); });
  EXPECT_EQ(error.rfind("checkpoint '" + options.checkpoint + "': belongs to another job", 0), 0u)
      << error;
}

TEST(ModelFile, RecordsItsPluginsRefusesAModelWhosePluginIsMissingAndWarnsWhenOneChanged) {
  const Job job = small_job();
  Student student = student_from_job(job, plugins(), 1);
  const std::string path = testing::TempDir() + "plugins_recorded.h5";
  save_model(path, *student, job, {}, plugins());
  const auto recorded = load_model(path, plugins()).record.plugins;
  ASSERT_EQ(recorded.size(), 4u);  // block basic, attention ca, features position and velocity
  const PluginEntry* basic = plugins().find(CPNAS_KIND_BLOCK, "basic");
  ASSERT_NE(basic, nullptr);
  EXPECT_EQ(recorded[0].kind, "block");
  EXPECT_EQ(recorded[0].name, "basic");
  EXPECT_EQ(recorded[0].file, basic->file);
  EXPECT_EQ(recorded[0].hash, file_hash(basic->file));
  EXPECT_EQ(recorded[0].abi,
            std::to_string(CPNAS_ABI_MAJOR) + "." + std::to_string(CPNAS_ABI_MINOR));
  EXPECT_EQ(recorded[3].name, "velocity");

  // The same plugins, but `ca` gone or its file rebuilt since.
  PluginRegistry without_ca, rebuilt_ca;
  for (PluginEntry e : plugins().entries()) {
    const bool ca = e.kind == CPNAS_KIND_ATTENTION && e.name == "ca";
    if (!ca) without_ca.add(e);
    if (ca) e.hash = "0123456789abcdef";
    rebuilt_ca.add(e);
  }
  const PluginEntry* ca = plugins().find(CPNAS_KIND_ATTENTION, "ca");
  EXPECT_EQ(error_of([&] { load_model(path, without_ca); }),
            "model '" + path + "': built with attention 'ca' of plugin '" + ca->file +
                "', which is not loaded (add its directory with --plugin-path or "
                "CPNAS_PLUGIN_PATH)");

  std::ostringstream log;
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  load_model(path, rebuilt_ca);
  spdlog::set_default_logger(previous);
  EXPECT_NE(log.str().find("model '" + path + "': attention 'ca' was built by plugin '" + ca->file +
                           "' (content hash " + ca->hash + "), now loaded from '" + ca->file +
                           "' (content hash 0123456789abcdef)"),
            std::string::npos)
      << log.str();
}
