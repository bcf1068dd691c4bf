// Runs the built `cpnas` executable as a user would.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/set_up.hpp"
#include "data/layout.hpp"
#include "io/file_hash.hpp"
#include "io/h5.hpp"
#include "model/model_file.hpp"
#include "plugin/loader.hpp"
#include "run_command.hpp"

namespace {

using Result = CommandResult;

Result run(const std::string& args, const std::string& redirect = "2>&1") {
  return run_command(std::string(CPNAS_EXE) + " " + args + " " + redirect);
}

const std::string kPlugins = CPNAS_TEST_PLUGIN_DIR;

}  // namespace

TEST(Cli, HelpListsEveryCommand) {
  const Result r = run("--help");
  EXPECT_EQ(r.status, 0);
  for (const auto& c : cpnas::cli::commands()) {
    EXPECT_NE(r.out.find(std::string("  ") + c.name), std::string::npos) << c.name;
  }
  EXPECT_EQ(run("").status, 2);
}

TEST(Cli, EveryCommandHasHelp) {
  for (const auto& c : cpnas::cli::commands()) {
    const Result r = run(std::string(c.name) + " --help");
    EXPECT_EQ(r.status, 0) << c.name;
    EXPECT_EQ(r.out.rfind(std::string("Usage: cpnas ") + c.name, 0), 0u) << r.out;
    EXPECT_NE(r.out.find("--log-level"), std::string::npos) << c.name;
    // Real defaults read as typed, not as their nearest binary fraction.
    EXPECT_EQ(r.out.find("9999999"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("0000001"), std::string::npos) << r.out;
  }
  EXPECT_NE(run("synth --help").out.find("--cp-fraction arg (=0.15)"), std::string::npos);
}

TEST(Cli, UnknownCommandAndOptionAreOneLineUsageErrors) {
  Result r = run("frobnicate");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "cpnas: error: unknown command 'frobnicate' (see cpnas --help)\n");
  r = run("plugins --frobnicate");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out,
            "cpnas: error: unknown option or argument '--frobnicate' (see cpnas plugins "
            "--help)\n");
  r = run("plugins --log-level=loud");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out,
            "cpnas: error: --log-level 'loud': expected trace, debug, info, warn, error or off\n");
}

TEST(Cli, PluginsJsonListsKindNameFileAbi) {
  const Result r = run("plugins --json --plugin-path " + kPlugins + "/tp_good", "2>/dev/null");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto list = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& e : list) {
    if (e["name"] == "test_scale") {
      found = true;
      EXPECT_EQ(e["kind"], "block");
      EXPECT_EQ(e["file"], kPlugins + "/tp_good/good.so");
      EXPECT_EQ(e["abi"], std::to_string(CPNAS_ABI_MAJOR) + "." + std::to_string(CPNAS_ABI_MINOR));
      EXPECT_EQ(e["hash"], cpnas::file_hash(kPlugins + "/tp_good/good.so"));
    }
  }
  EXPECT_TRUE(found) << r.out;
}

TEST(Cli, PluginsFromEnvironment) {
  const Result r = run("plugins", "2>&1");
  setenv("CPNAS_PLUGIN_PATH", (kPlugins + "/tp_good").c_str(), 1);
  const Result with_env = run("plugins");
  unsetenv("CPNAS_PLUGIN_PATH");
  EXPECT_EQ(r.out.find("test_centre"), std::string::npos);
  EXPECT_NE(with_env.out.find("feature    test_centre"), std::string::npos) << with_env.out;
}

TEST(Cli, BadPluginIsAnErrorNamingTheFile) {
  const Result r = run("plugins --plugin-path " + kPlugins + "/tp_abi_major");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "cpnas: error: plugin '" + kPlugins +
                       "/tp_abi_major/abi_major.so': ABI major version 2, this cpnas has 1; "
                       "rebuild the plugin\n");
}

TEST(Cli, ProfilePaperBestJson) {
  const Result r =
      run("profile --json --job " + std::string(CPNAS_SOURCE_DIR) + "/jobs/paper-best.ini",
          "2>/dev/null");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto p = nlohmann::json::parse(r.out);
  EXPECT_EQ(p["params"], 644732);
  EXPECT_EQ(p["params_paper"], 621184);
  EXPECT_NEAR(p["macs"].get<double>(), 909e6, 0.05 * 909e6);
}

TEST(Cli, SynthThenFeaturesOfTheTestSplit) {
  const std::string dir = testing::TempDir();
  Result r = run("synth --out " + dir + "cli_cohort.h5 --infants 12 --seconds 8 --log-level warn");
  ASSERT_EQ(r.status, 0) << r.out;
  r = run("features --data " + dir + "cli_cohort.h5 --split test --out " + dir +
          "cli_features.h5 --data.features=velocity,bone --log-level warn");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto f = cpnas::h5::File::open(dir + "cli_features.h5");
  const auto features = f.read_float("features");
  ASSERT_EQ(features.dims.size(), 5u);
  EXPECT_EQ(features.dims[1], 2u);
  EXPECT_EQ(features.dims[2], 4u);
  EXPECT_EQ(features.dims[3], 150u);
  EXPECT_EQ(features.dims[4], 29u);
  EXPECT_EQ(f.read_strings("window_recording").size(), features.dims[0]);
  EXPECT_EQ(f.read_int32("window_start").data.size(), features.dims[0]);
}

TEST(Cli, BadInputsAreOneLineErrors) {
  Result r = run("features --data /nonexistent.h5 --split test --out /tmp/x.h5");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "cpnas: error: cohort '/nonexistent.h5': no such file\n");
  r = run("profile --job " + std::string(CPNAS_SOURCE_DIR) +
          "/jobs/paper-best.ini --arch.block=dilated");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "cpnas: error: command line option '--arch.block=dilated' (job file " +
                       std::string(CPNAS_SOURCE_DIR) +
                       "/jobs/paper-best.ini): [arch] block: unknown block 'dilated' (loaded: "
                       "basic, bottleneck, sep, sg, shuffle, v3)\n");
  // The same check as train's: a feature that is not loaded is an error for every command.
  r = run("profile --job " + std::string(CPNAS_SOURCE_DIR) +
          "/jobs/paper-best.ini --data.features=position,speed");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("[data] features: unknown feature 'speed'"), std::string::npos) << r.out;
  r = run("synth --out /tmp/x.h5 --difficulty 2");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "cpnas: error: synth: --difficulty must be in [0, 1]\n");
  r = run("synth --out /tmp/x.h5 --seconds inf");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind("cpnas: error: synth: --seconds must be in [6, 3600]", 0), 0u) << r.out;
  r = run("bench extra train");
  EXPECT_EQ(r.status, 2);
}

TEST(Cli, MetricsJsonHasBothLevelsAndEveryKey) {
  const std::string path = testing::TempDir() + "scores.csv";
  std::ofstream(path) << "recording,label,score\na,1,0.9\na,1,0.7\nb,0,0.2\nc,0,0.6\nc,0,0.3\n";
  const Result r = run("metrics --json --scores " + path, "2>/dev/null");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto m = nlohmann::json::parse(r.out);
  for (const char* level : {"subject", "window"}) {
    for (const char* key :
         {"auc", "sensitivity", "specificity", "accuracy", "ppv", "npv", "f1", "balanced_accuracy",
          "tp", "fp", "tn", "fn", "sensitivity_ci", "specificity_ci", "accuracy_ci"}) {
      EXPECT_TRUE(m[level].contains(key)) << level << "." << key;
    }
  }
  EXPECT_EQ(m["subject"]["tp"], 1);
  EXPECT_DOUBLE_EQ(m["window"]["specificity"].get<double>(), 0.75);
  std::ofstream(path) << "a,2,0.5\n";
  const Result bad = run("metrics --scores " + path);
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.out, "cpnas: error: scores '" + path + ":1': label '2' must be 0 or 1\n");
}

TEST(Cli, UndefinedMetricsReadNotApplicableWithTheReasonAndNullInJson) {
  const std::string path = testing::TempDir() + "low_scores.csv";
  std::ofstream(path) << "recording,label,score\na,1,0.3\nb,0,0.2\nc,0,0.1\n";
  const Result text = run("metrics --threshold 0.5 --scores " + path, "2>/dev/null");
  ASSERT_EQ(text.status, 0) << text.out;
  EXPECT_NE(text.out.find("PPV n/a (nothing predicted CP), NPV 66.7 %"), std::string::npos)
      << text.out;
  EXPECT_EQ(text.out.find("nan"), std::string::npos) << text.out;
  const Result json = run("metrics --json --threshold 0.5 --scores " + path, "2>/dev/null");
  ASSERT_EQ(json.status, 0) << json.out;
  const auto m = nlohmann::json::parse(json.out);
  EXPECT_TRUE(m["subject"]["ppv"].is_null());
  EXPECT_DOUBLE_EQ(m["subject"]["npv"].get<double>(), 2.0 / 3);
}

TEST(Cli, PredictScoresAPoseCsvAsDecisionSupport) {
  const cpnas::PluginRegistry plugins = cpnas::load_plugins(cpnas::plugin_search_path({}));
  const cpnas::Job job = cpnas::Job::load(
      "", {"--data.features=position", "--arch.init_channels=16", "--arch.input_blocks=1",
           "--arch.main_blocks=1", "--arch.block=basic", "--arch.attention=ca"});
  cpnas::Student student = cpnas::student_from_job(job, plugins, 1);
  const std::string dir = testing::TempDir();
  cpnas::save_model(dir + "untrained.h5", *student, job, cpnas::ModelRecord{}, plugins);
  const cpnas::Skeleton& s = cpnas::find_layout("in-motion-2022");
  {
    std::ofstream csv(dir + "baby.csv");
    csv << "frame";
    for (const auto& j : s.joints) csv << "," << j << "_x," << j << "_y";
    csv << "\n";
    for (int t = 0; t < 200; ++t) {  // 8 s at 25 Hz -> 239 frames at 30 Hz
      csv << t;
      for (int j = 0; j < s.num_joints(); ++j)
        csv << "," << 300 + 7 * j + (t % 9) << "," << 200 + 11 * j;
      csv << "\n";
    }
  }
  const Result r =
      run("predict --json --model " + dir + "untrained.h5 --input " + dir + "baby.csv --fps 25",
          "2>/dev/null");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto p = nlohmann::json::parse(r.out);
  EXPECT_NE(p["disclaimer"].get<std::string>().find("not a diagnosis"), std::string::npos);
  ASSERT_EQ(p["recordings"].size(), 1u);
  const auto& rec = p["recordings"][0];
  EXPECT_EQ(rec["id"], "baby.csv");
  EXPECT_GE(rec["risk_score"].get<double>(), 0.0);
  EXPECT_LE(rec["risk_score"].get<double>(), 1.0);
  EXPECT_EQ(rec["windows"].size(), 3u);  // starts 0, 75 and 89 (end-aligned)
  EXPECT_EQ(rec["windows"][2]["start_frame"], 89);
}

TEST(Cli, ADeviceThatIsNotThereFailsBeforeAnyWork) {
  const Result r = run("train --job " + std::string(CPNAS_SOURCE_DIR) +
                       "/jobs/paper-best.ini --out /nonexistent/x.h5 --data /nonexistent.h5 "
                       "--device cuda:99");
  EXPECT_EQ(r.status, 1);
  const std::string why =
      torch::cuda::is_available()
          ? "only " + std::to_string(torch::cuda::device_count()) +
                " CUDA device(s) visible (CUDA_VISIBLE_DEVICES selects which)"
          : std::string(
                "no CUDA device (this LibTorch was built without CUDA); use --device "
                "cpu or auto");
  EXPECT_EQ(r.out, "cpnas: error: --device cuda:99: " + why + "\n");
  EXPECT_EQ(run("evaluate --model m.h5 --data d.h5 --device tpu").out,
            "cpnas: error: --device 'tpu': expected cpu, cuda, cuda:N or auto\n");
}

TEST(Cli, RanksViewsDifferInTheFirstItemNamedWithBothContents) {
  using cpnas::cli::ViewItem;
  const std::vector<ViewItem> rank0{{"cohort 'c.h5'", "content hash 01"},
                                    {"block plugin 'sep'", "'a/sep.so' (content hash 02)"}};
  const std::string text = cpnas::cli::view_text(rank0);
  EXPECT_EQ(cpnas::cli::view_difference(text, rank0), "");

  auto other = rank0;
  other[0].content = "content hash 09";
  EXPECT_EQ(cpnas::cli::view_difference(text, other),
            "cohort 'c.h5' differs from rank 0's: content hash 09 here, content hash 01 on rank "
            "0: every rank must read the same files (a node-local copy that is stale, or a "
            "different CPNAS_PLUGIN_PATH on some nodes?)");
  EXPECT_EQ(cpnas::cli::view_difference(text, {rank0[0]})
                .rfind("block plugin 'sep' is loaded on rank 0, not on this rank: ", 0),
            0u);
  other = rank0;
  other.push_back({"feature plugin 'x'", "'b/x.so' (content hash 03)"});
  EXPECT_EQ(cpnas::cli::view_difference(text, other)
                .rfind("feature plugin 'x' is loaded on this rank, not on rank 0: ", 0),
            0u);
}
