// Each kind of import as a user runs it, then `cpnas cohort info` and a short `cpnas train`.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/manifest.hpp"
#include "data/synth.hpp"
#include "pose_files.hpp"
#include "run_command.hpp"
#include "small_train_job.hpp"

using namespace cpnas;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// coco-18 joint of each COCO-17 keypoint (the inverse of the importer's map; no neck in COCO-17).
constexpr int kCoco18OfCoco17[17] = {0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10};

// A synthetic cohort's recording as a pose estimator reports it: pixels, NaN where missing.
Coordinate pixels_of(const Cohort& c, int64_t i) {
  return [&c, i](int t, int j, int k) {
    return 300 + 100 * c.recording(i)[(t * c.joints + j) * 2 + k];
  };
}

json mmpose_frames(const Cohort& c, int64_t i) {
  const auto at = pixels_of(c, i);
  json frames = json::array();
  for (int t = 0; t < c.lengths[i]; ++t) {
    json keypoints = json::array(), scores = json::array();
    for (const int j : kCoco18OfCoco17) {
      const bool seen = !std::isnan(at(t, j, 0));
      keypoints.push_back({seen ? at(t, j, 0) : 0.0f, seen ? at(t, j, 1) : 0.0f});
      scores.push_back(seen ? 0.9 : 0.0);
    }
    frames.push_back({{"frame_id", t},
                      {"instances", json::array({{{"keypoints", keypoints},
                                                  {"keypoint_scores", scores},
                                                  {"bbox_score", 0.9}}})}});
  }
  return frames;
}

json alphapose_people(const Cohort& c, int64_t i) {
  const auto at = pixels_of(c, i);
  json people = json::array();
  for (int t = 0; t < c.lengths[i]; ++t) {
    json k = json::array();
    for (const int j : kCoco18OfCoco17) {
      const bool seen = !std::isnan(at(t, j, 0));
      k.insert(k.end(), {seen ? at(t, j, 0) : 0.0f, seen ? at(t, j, 1) : 0.0f, seen ? 0.9f : 0.0f});
    }
    people.push_back({{"image_id", std::to_string(t) + ".jpg"},
                      {"category_id", 1},
                      {"keypoints", k},
                      {"score", 2.0}});
  }
  return people;
}

CommandResult cpnas_run(const std::string& args) {
  return run_command(std::string(CPNAS_EXE) + " " + args + " 2>&1");
}

// Synthetic infants with enough CP cases that an automatic split puts some in every split.
Cohort synthetic_sources(const std::string& layout) {
  SynthOptions o;
  o.infants = 20;
  o.cp_fraction = 0.3;
  o.seconds = 7;
  o.layout = layout;
  o.seed = 11;
  return synthesize_cohort(o);
}

}  // namespace

TEST(ImportCli, EachKindThenCohortInfoThenAShortTrain) {
  const std::string d = fresh_import_dir("cli");
  std::ofstream(d + "/job.ini") << small_train_job("adam");
  std::vector<std::pair<std::string, std::string>> imports;  // cohort, import arguments

  const Cohort in_motion = synthetic_sources("in-motion");
  fs::create_directories(d + "/dlc");
  std::ofstream labels(d + "/dlc_labels.csv");
  labels << "id,label\n";
  for (int64_t i = 0; i < in_motion.size(); ++i) {
    write_deeplabcut(d + "/dlc/" + in_motion.ids[i] + ".csv", in_motion.lengths[i], 2, true,
                     pixels_of(in_motion, i));
    labels << in_motion.ids[i] << "," << int{in_motion.labels[i]} << "\n";
  }
  labels.close();
  write_joint_map(d + "/map.csv");
  imports.emplace_back("dlc", "--recordings " + d + "/dlc --labels " + d +
                                  "/dlc_labels.csv --fps 30 --layout in-motion --joint-map " + d +
                                  "/map.csv --seed 3");

  const Cohort coco = synthetic_sources("coco-18");
  fs::create_directories(d + "/mmpose");
  fs::create_directories(d + "/alphapose");
  std::ofstream manifest(d + "/mmpose/manifest.csv");
  std::ofstream alpha_labels(d + "/alphapose_labels.csv");
  manifest << "id,label,path,fps\n";
  alpha_labels << "id,label\n";
  for (int64_t i = 0; i < coco.size(); ++i) {
    std::ofstream(d + "/mmpose/" + coco.ids[i] + ".json") << mmpose_frames(coco, i);
    std::ofstream(d + "/alphapose/" + coco.ids[i] + ".json") << alphapose_people(coco, i);
    manifest << coco.ids[i] << "," << int{coco.labels[i]} << "," << coco.ids[i] << ".json,30\n";
    alpha_labels << coco.ids[i] << "," << int{coco.labels[i]} << "\n";
  }
  manifest.close();
  alpha_labels.close();
  imports.emplace_back(
      "mmpose", "--manifest " + d + "/mmpose/manifest.csv --split-auto 60:20:20 --layout coco-18");
  imports.emplace_back("alphapose", "--recordings " + d + "/alphapose --labels " + d +
                                        "/alphapose_labels.csv --fps 30 --layout coco-18");
  imports.emplace_back("autocp",
                       "--from autocp " + kNpy + "autocp --sets train=folds1,val=fold2,test=test");

  for (const auto& [name, arguments] : imports) {
    const std::string cohort = d + "/" + name + ".h5";
    const CommandResult imported = cpnas_run("import " + arguments + " --out " + cohort);
    ASSERT_EQ(imported.status, 0) << name << ": " << imported.out;
    const CommandResult info =
        run_command(std::string(CPNAS_EXE) + " cohort info --json " + cohort + " 2>/dev/null");
    ASSERT_EQ(info.status, 0) << name << ": " << info.out;
    const json j = json::parse(info.out);
    EXPECT_EQ(j["recordings"], name == "autocp" ? 7 : 20) << name;
    EXPECT_EQ(j["layout"], name == "dlc" || name == "autocp" ? "in-motion" : "coco-18") << name;
    for (const char* split : {"train", "val", "test"}) {
      EXPECT_GT(j["splits"][split]["cp"].get<int>(), 0) << name << " " << split;
      EXPECT_GT(j["splits"][split]["no_cp"].get<int>(), 0) << name << " " << split;
    }
    if (name == "dlc" || name == "mmpose" || name == "alphapose") {
      // The splits assigned are on record beside the cohort, and read back as a manifest.
      const auto written = read_manifest(d + "/" + name + ".manifest.csv");
      ASSERT_EQ(written.size(), 20u) << name;
      for (const auto& e : written) EXPECT_FALSE(e.split.empty()) << name;
    }
    const CommandResult trained =
        cpnas_run("train --job " + d + "/job.ini --data " + cohort + " --out " + d + "/" + name +
                  "-model.h5 --train.epochs=1");
    ASSERT_EQ(trained.status, 0) << name << ": " << trained.out;
    EXPECT_TRUE(fs::exists(d + "/" + name + "-model.h5")) << name;
    // The job says in-motion-2022 by default; the cohort's layout wins, and the log says so.
    EXPECT_NE(trained.out.find("the job's [data] layout is in-motion-2022 (default): using " +
                               j["layout"].get<std::string>() + ", the cohort's"),
              std::string::npos)
        << trained.out;
  }
}
