// Import from pose-estimator files, preprocessing, and the synthetic cohort.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/layout.hpp"
#include "data/manifest.hpp"
#include "data/pose_import.hpp"
#include "data/synth.hpp"
#include "error_of.hpp"
#include "io/error.hpp"
#include "pose_files.hpp"

using namespace cpnas;
namespace fs = std::filesystem;

namespace {

// A wide CSV for the in-motion layout: joint j at (100 + 10 j + t, 200 + 5 j), confidence 0.9,
// except joint 7 at confidence 0.1 in frames 10-12 and joint 11 absent in frames 20-45.
std::string write_csv(const std::string& path, int frames, const std::string& drop_column = "") {
  const Skeleton& s = find_layout("in-motion");
  std::ofstream out(path);
  out << "frame";
  for (const auto& j : s.joints) {
    if (j == drop_column) continue;
    out << "," << j << "_x," << j << "_y," << j << "_c";
  }
  out << "\n";
  for (int t = 0; t < frames; ++t) {
    out << t;
    for (int j = 0; j < s.num_joints(); ++j) {
      if (s.joints[j] == drop_column) continue;
      const bool low = j == 7 && t >= 10 && t <= 12;
      if (j == 11 && t >= 20 && t <= 45) {
        out << ",,,";
      } else {
        out << "," << 100 + 10 * j + t << "," << 200 + 5 * j << "," << (low ? 0.1 : 0.9);
      }
    }
    out << "\n";
  }
  return path;
}

}  // namespace

TEST(ImportCsv, LowConfidenceIsMissingShortGapsFilledLongGapsKept) {
  const Skeleton& s = find_layout("in-motion");
  const auto path = write_csv(fresh_import_dir("csv") + "/rec.csv", 60);
  const RawRecording raw = read_pose_csv(path, s, 0.3);
  ASSERT_EQ(raw.frames, 60);
  EXPECT_TRUE(std::isnan(raw.xy[(11 * 19 + 7) * 2]));
  EXPECT_FLOAT_EQ(raw.xy[(9 * 19 + 7) * 2], 100 + 70 + 9);
  const auto xy = preprocess(raw.xy, raw.frames, 30, s, PreprocessOptions{});
  ASSERT_EQ(xy.size(), 60u * 19 * 2);
  for (int t = 10; t <= 12; ++t) EXPECT_FALSE(std::isnan(xy[(t * 19 + 7) * 2])) << t;
  for (int t = 20; t <= 45; ++t) EXPECT_TRUE(std::isnan(xy[(t * 19 + 11) * 2])) << t;
  // Centred on the median pelvis (frame 29.5 of a pelvis moving 1 px per frame), scaled by twice
  // the median trunk length (thorax 8 to pelvis 12: |(-40, -20)| px).
  const float* frame30 = xy.data() + 30 * 19 * 2;
  EXPECT_NEAR(frame30[12 * 2], 0.5f / (2 * std::hypot(40.0f, 20.0f)), 1e-6);
  EXPECT_NEAR(frame30[12 * 2 + 1], 0.0f, 1e-6);
  EXPECT_NEAR(
      std::hypot(frame30[8 * 2] - frame30[12 * 2], frame30[8 * 2 + 1] - frame30[12 * 2 + 1]), 0.5f,
      1e-5);
}

TEST(ImportCsv, BadFilesNameTheProblem) {
  const Skeleton& s = find_layout("in-motion");
  const std::string d = fresh_import_dir("bad");
  const auto short_header = write_csv(d + "/missing.csv", 5, "left_ankle");
  EXPECT_EQ(error_of([&] { read_pose_csv(short_header, s, 0.3); }),
            "'" + short_header + ":1': has 18 joints with _x and _y, layout in-motion has 19");
  { std::ofstream(d + "/unknown.csv") << "frame,tail_x,tail_y\n0,1,2\n"; }
  const std::string unknown = error_of([&] { read_pose_csv(d + "/unknown.csv", s, 0.3); });
  EXPECT_EQ(unknown.rfind("'" + d + "/unknown.csv:1': unknown column 'tail_x' (expected", 0), 0u)
      << unknown;
  const auto good = write_csv(d + "/order.csv", 5);
  {
    std::ifstream in(good);
    std::string header, a, b, c;
    std::getline(in, header);
    std::getline(in, a);
    std::getline(in, b);
    std::getline(in, c);
    std::ofstream(d + "/order.csv") << header << "\n" << a << "\n" << c << "\n" << b << "\n";
  }
  EXPECT_EQ(error_of([&] { read_pose_csv(d + "/order.csv", s, 0.3); }),
            "'" + d + "/order.csv:4': frame 1 after frame 2 (frame numbers must increase)");
}

TEST(ImportCsv, ResamplesFrom25Hz) {
  // One channel moving 1 unit per second, 50 frames at 25 Hz (0 .. 1.96 s).
  std::vector<float> raw(50);
  for (int t = 0; t < 50; ++t) raw[t] = t / 25.0f;
  int64_t frames = 0;
  const auto out = resample(raw, 50, 1, 25, 30, frames);
  EXPECT_EQ(frames, 59);
  for (int t = 0; t < frames; ++t) EXPECT_NEAR(out[t], t / 30.0f, 1e-5) << t;
}

TEST(ImportOpenPose, Body25MapsOntoCoco18AndEmptyFramesAreMissing) {
  const std::string d = fresh_import_dir("openpose");
  for (int f = 0; f < 3; ++f) {
    nlohmann::json doc;
    doc["version"] = 1.3;
    doc["people"] = nlohmann::json::array();
    if (f != 1) {
      std::vector<double> k;
      for (int j = 0; j < 25; ++j) k.insert(k.end(), {10.0 * j + f, 5.0 * j, 0.8});
      doc["people"].push_back({{"pose_keypoints_2d", k}});
    }
    std::ofstream(d + "/frame_00000000000" + std::to_string(f) + "_keypoints.json") << doc.dump();
  }
  const Skeleton& coco = find_layout("coco-18");
  const RawRecording r = read_openpose_folder(d, coco, 0.3);
  ASSERT_EQ(r.frames, 3);
  EXPECT_FLOAT_EQ(r.xy[(0 * 18 + 8) * 2], 90.0f);    // RHip <- BODY_25 joint 9
  EXPECT_FLOAT_EQ(r.xy[(2 * 18 + 17) * 2], 182.0f);  // LEar <- BODY_25 joint 18, frame 2
  EXPECT_TRUE(std::isnan(r.xy[(1 * 18 + 0) * 2]));   // nobody in frame 1
  EXPECT_EQ(error_of([&] { read_openpose_folder(d, find_layout("in-motion"), 0.3); }),
            "'" + d + "': OpenPose keypoints import into layout coco-18, not in-motion");
}

TEST(ImportManifest, BuildsACohortAndRefusesAnAllMissingRecording) {
  const std::string d = fresh_import_dir("manifest");
  write_csv(d + "/a.csv", 80);
  write_csv(d + "/b.csv", 40);
  std::ofstream(d + "/cohort.csv") << "id,label,split,path,fps\nA,1,train,a.csv,30\nB,0,test,b.csv,"
                                      "25\n";
  const Cohort c = import_entries(read_manifest(d + "/cohort.csv"), find_layout("in-motion"),
                                  ImportOptions{}, "m");
  EXPECT_EQ(c.ids, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(c.labels, (std::vector<int8_t>{1, 0}));
  EXPECT_EQ(c.lengths, (std::vector<int32_t>{80, 47}));  // 40 frames at 25 Hz -> 47 at 30 Hz
  {
    std::ofstream out(d + "/empty.csv");
    out << "frame";
    for (const auto& j : find_layout("in-motion").joints) out << "," << j << "_x," << j << "_y";
    out << "\n0" << std::string(38, ',') << "\n";
  }
  std::ofstream(d + "/cohort2.csv") << "id,label,split,path,fps\nE,0,train,empty.csv,30\n";
  EXPECT_EQ(error_of([&] {
              import_entries(read_manifest(d + "/cohort2.csv"), find_layout("in-motion"),
                             ImportOptions{}, "m");
            }),
            "'" + d + "/empty.csv': all joints missing in every frame");
}

TEST(Synth, SameSeedSameCohortAndThePaperSplit) {
  SynthOptions o;
  o.infants = 40;
  o.seconds = 8;
  const Cohort a = synthesize_cohort(o);
  const Cohort b = synthesize_cohort(o);
  o.seed = 2;
  const Cohort c = synthesize_cohort(o);
  ASSERT_EQ(a.coords.size(), b.coords.size());
  EXPECT_EQ(0, std::memcmp(a.coords.data(), b.coords.data(), a.coords.size() * sizeof(float)));
  EXPECT_EQ(a.splits, b.splits);
  EXPECT_NE(a.labels, c.labels);
  int cp = 0;
  for (auto l : a.labels) cp += l;
  EXPECT_EQ(cp, 6);                         // round(40 * 0.15)
  EXPECT_EQ(a.indices("test").size(), 9u);  // round(6 * 139/557) + round(34 * 139/557)
  EXPECT_GT(a.indices("val").size(), 0u);
  validate_cohort(a, "synth");
  SynthOptions coco;
  coco.infants = 8;
  coco.seconds = 6;
  coco.layout = "coco-18";
  EXPECT_EQ(synthesize_cohort(coco).joints, 18);
}
