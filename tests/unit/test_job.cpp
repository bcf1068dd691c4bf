#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "error_of.hpp"
#include "io/error.hpp"
#include "io/job.hpp"

using cpnas::Job;

namespace {

std::string write_temp(const std::string& text) {
  std::string path = testing::TempDir() + "job_test.ini";
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(Job, DefaultsCoverEverySection) {
  Job job;
  EXPECT_EQ(job.get_int("arch", "init_channels"), 64);
  EXPECT_EQ(job.get("arch", "main_stream"), "full");
  EXPECT_EQ(job.origin("arch", "block"), "default");
  EXPECT_EQ(job.get_list("data", "features").size(), 4u);
}

TEST(Job, FileThenCommandLineWins) {
  const auto path = write_temp(
      "# comment\n[arch]\ninit_channels = 32   # trailing comment\nblock=basic\n[hyper]\nlr = "
      "0.001\n");
  Job job = Job::load(path, {"--arch.init_channels=48", "--hyper.optimizer=sgd"});
  EXPECT_EQ(job.get_int("arch", "init_channels"), 48);
  EXPECT_EQ(job.get("arch", "block"), "basic");
  EXPECT_DOUBLE_EQ(job.get_real("hyper", "lr"), 0.001);
  EXPECT_EQ(job.get("hyper", "optimizer"), "sgd");
  EXPECT_EQ(job.origin("arch", "block"), path + ":4");
  EXPECT_NE(job.origin("arch", "init_channels").find("command line"), std::string::npos);
}

TEST(Job, UnknownKeyNamesFileLineAndKey) {
  const auto path = write_temp("[arch]\ninit_channels = 32\nchannels = 3\n");
  EXPECT_EQ(error_of([&] { Job::load(path); }),
            path +
                ":3: unknown key 'channels' in [arch] (keys: init_channels, activation, "
                "attention, block, dropout, multi_gcn, expand_ratio, reduct_ratio, "
                "input_blocks, input_depth, input_stride, input_scale, input_window, "
                "input_graph_distance, main_blocks, main_depth, main_stride, main_scale, "
                "main_window, main_graph_distance, main_stream)");
}

TEST(Job, UnknownSection) {
  const auto path = write_temp("[archi]\n");
  EXPECT_EQ(
      error_of([&] { Job::load(path); }),
      path + ":1: unknown section [archi] (sections: data, arch, hyper, train, search, space)");
}

TEST(Job, BadTypeAndRange) {
  const auto path = write_temp("[arch]\ninit_channels = many\n");
  EXPECT_EQ(error_of([&] { Job::load(path); }),
            path + ":2: [arch] init_channels = 'many': expected a decimal integer");
  // One reading for validation and use: hex was validated as a number and used as 0.
  EXPECT_EQ(error_of([] { Job::parse("[hyper]\nbatch_size = 0x40\n", "j.ini"); }),
            "j.ini:2: [hyper] batch_size = '0x40': expected a decimal integer");
  EXPECT_EQ(error_of([] { Job::parse("[train]\nseed = 1e3\n", "j.ini"); }),
            "j.ini:2: [train] seed = '1e3': expected a decimal integer");
  EXPECT_EQ(error_of([] { Job::parse("[hyper]\nlr = 0x1p-3\n", "j.ini"); }),
            "j.ini:2: [hyper] lr = '0x1p-3': expected a decimal number");
  EXPECT_EQ(error_of([] { Job::parse("[hyper]\nlr = nan\n", "j.ini"); }),
            "j.ini:2: [hyper] lr = 'nan': expected a decimal number");
  EXPECT_EQ(Job::parse("[hyper]\nlr = 5e-3\nbatch_size = 40\n", "j.ini").get_real("hyper", "lr"),
            0.005);
  EXPECT_EQ(Job::parse("[hyper]\nbatch_size = 40\n", "j.ini").get_int("hyper", "batch_size"), 40);
  EXPECT_EQ(error_of([] { Job::parse("[arch]\ninput_window = 4\n", "j.ini"); }),
            "j.ini:2: [arch] input_window = '4': expected an odd number");
  EXPECT_EQ(error_of([] { Job::parse("[arch]\nmain_scale = 0\n", "j.ini"); }),
            "j.ini:2: [arch] main_scale = '0': out of range (0, 4]");
  EXPECT_EQ(error_of([] { Job::parse("[arch]\nmain_graph_distance = 4\n", "j.ini"); }),
            "j.ini:2: [arch] main_graph_distance = '4': out of range [0, 3]");
  EXPECT_EQ(error_of([] { Job::parse("[arch]\nmulti_gcn = yes\n", "j.ini"); }),
            "j.ini:2: [arch] multi_gcn = 'yes': expected true or false");
  EXPECT_EQ(error_of([] { Job::parse("[hyper]\noptimizer = rmsprop\n", "j.ini"); }),
            "j.ini:2: [hyper] optimizer = 'rmsprop': expected one of sgd, adam, adamw");
  EXPECT_EQ(error_of([] { Job::parse("[hyper]\nlr = 1e-3x\n", "j.ini"); }),
            "j.ini:2: [hyper] lr = '1e-3x': expected a decimal number");
}

TEST(Job, BadOverride) {
  EXPECT_EQ(error_of([] { Job::load("", {"--arch.init_channels=0"}); }),
            "command line option '--arch.init_channels=0': [arch] init_channels = '0': out of "
            "range [1, 1024]");
  EXPECT_EQ(error_of([] { Job::load("", {"--arch.colour=red"}); }).substr(0, 62),
            "command line option '--arch.colour=red': unknown key 'colour' ");
  EXPECT_THROW(Job::load("", {"--arch.block"}), cpnas::UsageError);
}

TEST(Job, MissingFile) {
  EXPECT_EQ(error_of([] { Job::load("/nonexistent/x.ini"); }),
            "job file '/nonexistent/x.ini': cannot open (No such file or directory)");
}

TEST(Job, MalformedLines) {
  EXPECT_EQ(error_of([] { Job::parse("init_channels = 3\n", "j.ini"); }),
            "j.ini:1: key before any [section]");
  EXPECT_EQ(error_of([] { Job::parse("[arch\n", "j.ini"); }),
            "j.ini:1: section header without closing ']'");
  EXPECT_EQ(error_of([] { Job::parse("[arch]\njust words\n", "j.ini"); }),
            "j.ini:2: expected 'key = value', got 'just words'");
}

TEST(Job, ResolvedIniRoundTrips) {
  Job job = Job::load("", {"--arch.block=v3", "--hyper.batch_size=40"});
  Job again = Job::parse(job.to_ini(), "resolved.ini");
  EXPECT_EQ(again.to_ini(), job.to_ini());
  EXPECT_EQ(again.get("arch", "block"), "v3");
  EXPECT_EQ(again.get_int("hyper", "batch_size"), 40);
}
