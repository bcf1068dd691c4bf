// Reading the files of the tools CP researchers already use: NumPy arrays of the published
// AutoCP code (fixtures written by NumPy, tests/fixtures/make_npy.py), DeepLabCut CSV, MMPose and
// AlphaPose JSON, manifests without a split, and what `cpnas cohort info` reports.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/autocp_import.hpp"
#include "data/coco17_json_import.hpp"
#include "data/cohort_info.hpp"
#include "data/deeplabcut_import.hpp"
#include "data/layout.hpp"
#include "data/manifest.hpp"
#include "error_of.hpp"
#include "io/npy.hpp"
#include "pose_files.hpp"

using namespace cpnas;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// COCO-17 keypoints of a person: keypoint k at (10 k + offset, 5 k), score `score`.
json coco17_pairs(double offset) {
  json k = json::array();
  for (int j = 0; j < 17; ++j) k.push_back({10.0 * j + offset, 5.0 * j});
  return k;
}

}  // namespace

TEST(Npy, ReadsWhatNumPyWrites) {
  const NpyArray small = read_npy(kNpy + "small.npy");
  EXPECT_EQ(small.dtype, "<f4");
  EXPECT_EQ(small.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(small.floats, (std::vector<float>{0, 1, 2, 3, 4, 5}));
  const NpyArray v2 = read_npy(kNpy + "autocp/fold2_coords.npy");  // a version 2 header, <f8
  EXPECT_EQ(v2.dtype, "<f8");
  EXPECT_EQ(v2.shape, (std::vector<int64_t>{2, 2, 180, 19}));
  EXPECT_EQ(static_cast<int64_t>(v2.floats.size()), v2.size());
  EXPECT_EQ(read_npy(kNpy + "autocp/folds1_ids.npy").strings,
            (std::vector<std::string>{"a01", "a02",
                                      "b\xC3\xA9"
                                      "3"}));  // UTF-32 -> UTF-8
  EXPECT_EQ(read_npy(kNpy + "autocp/fold2_ids.npy").strings,
            (std::vector<std::string>{"v1", "v2"}));
  EXPECT_EQ(read_npy(kNpy + "autocp/test_ids.npy").integers, (std::vector<int64_t>{1007, 1008}));
  EXPECT_EQ(read_npy(kNpy + "autocp/test_labels.npy").integers, (std::vector<int64_t>{0, 1}));
}

TEST(Npy, UnreadableFilesAreOneLineErrorsNamingTheFile) {
  const auto bad = [](const std::string& name) { return kNpy + "bad/" + name; };
  EXPECT_EQ(error_of([&] { read_npy(bad("fortran.npy")); }),
            "'" + bad("fortran.npy") +
                "': stored in Fortran order; save it in C order, e.g. np.save(f, "
                "np.ascontiguousarray(a))");
  EXPECT_EQ(error_of([&] { read_npy(bad("complex.npy")); }),
            "'" + bad("complex.npy") +
                "': .npy dtype '<c8' is not supported (cpnas reads '<f4', '<f8', integers, "
                "booleans, '<U' and '|S' strings)");
  EXPECT_NE(error_of([&] { read_npy(bad("object.npy")); }).find("pickled Python objects"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_npy(bad("big_endian.npy")); }).find("big-endian dtype '>f4'"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { read_npy(bad("version3.npy")); }),
            "'" + bad("version3.npy") + "': .npy format version 3 (cpnas reads versions 1 and 2)");
  EXPECT_EQ(error_of([&] { read_npy(bad("truncated.npy")); }),
            "'" + bad("truncated.npy") +
                "': 19 bytes of data, the header's shape and dtype need 24 (truncated)");
  EXPECT_EQ(error_of([&] { read_npy(kNpy + "make_npy.py"); }),
            "'" + kNpy + "make_npy.py': cannot open");
  // Headers that declare more than any file holds are refused before anything is allocated.
  const std::string dir = fresh_import_dir("npy");
  for (const std::string shape :
       {"(1073741824, 1073741824, 1073741824)", "(99999999999999999999,)"}) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    header += std::string(63 - (10 + header.size()) % 64, ' ') + "\n";
    std::ofstream(dir + "/huge.npy", std::ios::binary)
        << "\x93NUMPY" << '\x01' << '\x00' << static_cast<char>(header.size() & 0xff)
        << static_cast<char>(header.size() >> 8) << header;
    EXPECT_EQ(error_of([&] { read_npy(dir + "/huge.npy"); }),
              "'" + dir + "/huge.npy': .npy shape is implausibly large")
        << shape;
  }
  const std::string text = dir + "/text.npy";
  std::ofstream(text) << "id,label\n";
  EXPECT_EQ(error_of([&] { read_npy(text); }),
            "'" + text + "': not a .npy file (no \\x93NUMPY magic)");
}

TEST(AutocpImport, CoordinatesEqualTheArraysAndTheirNaNTailsBecomeLengths) {
  const std::string dir = kNpy + "autocp";
  const auto sets = parse_autocp_sets("train=folds1,val=fold2,test=test", "--sets");
  const Cohort c = import_autocp(dir, sets, 30);
  EXPECT_EQ(c.layout, "in-motion");
  EXPECT_EQ(c.fps, 30);
  EXPECT_EQ(c.ids, (std::vector<std::string>{"1007", "1008", "a01", "a02",
                                             "b\xC3\xA9"
                                             "3",
                                             "v1", "v2"}));
  EXPECT_EQ(c.splits,
            (std::vector<std::string>{"test", "test", "train", "train", "train", "val", "val"}));
  EXPECT_EQ(c.labels, (std::vector<int8_t>{0, 1, 1, 0, 0, 0, 1}));
  EXPECT_EQ(c.lengths, (std::vector<int32_t>{155, 190, 200, 170, 160, 180, 150}));
  // Every coordinate, [N, 2, T, V] in the file against [N, Tmax, V, 2] in the cohort.
  int64_t index = 0;
  for (const char* set : {"test", "folds1", "fold2"}) {
    const NpyArray a = read_npy(dir + "/" + set + "_coords.npy");
    const int64_t t_max = a.shape[2], v = a.shape[3];
    for (int64_t i = 0; i < a.shape[0]; ++i, ++index) {
      const float* r = c.recording(index);
      for (int64_t t = 0; t < c.max_frames; ++t) {
        for (int64_t j = 0; j < v; ++j) {
          for (int64_t k = 0; k < 2; ++k) {
            const float want = t < t_max ? a.floats[((i * 2 + k) * t_max + t) * v + j] : NAN;
            const float got = r[(t * v + j) * 2 + k];
            ASSERT_TRUE(got == want || (std::isnan(got) && std::isnan(want)))
                << set << " " << i << " " << t << " " << j;
          }
        }
      }
    }
  }
  EXPECT_TRUE(std::isnan(c.recording(3)[(40 * 19 + 0) * 2]));  // a02's gap stays missing
  // Arrays at 25 Hz are resampled to the cohort's 30 Hz, and nothing else changes.
  const Cohort resampled = import_autocp(dir, sets, 25);
  EXPECT_EQ(resampled.fps, 30);
  EXPECT_EQ(resampled.lengths[0], 185);  // 155 frames at 25 Hz: 6.16 s
  // 0.2 s: frame 6 at 30 Hz, frame 5 at 25 Hz.
  EXPECT_FLOAT_EQ(resampled.recording(0)[(6 * 19 + 2) * 2], c.recording(0)[(5 * 19 + 2) * 2]);
}

TEST(AutocpImport, BadFoldersAndSetsAreOneLineErrors) {
  const std::string dir = kNpy + "autocp";
  EXPECT_EQ(error_of([&] { import_autocp(dir, autocp_default_sets(), 30); }),
            "'" + dir + "/val13456_coords.npy': no such file (file sets in '" + dir +
                "': fold2, folds1, test; name them with --sets)");
  EXPECT_EQ(error_of([&] { parse_autocp_sets("train=a,train=b", "--sets"); }),
            "--sets 'train=a,train=b': expected split=set pairs, each of train, val, test at most "
            "once, e.g. train=val13456,val=val27,test=test");
  EXPECT_EQ(error_of([&] { parse_autocp_sets("val=a", "--sets"); }),
            "--sets 'val=a': names no train set");
  const std::string wrong = fresh_import_dir("wrong_v");
  for (const char* part : {"coords", "labels", "ids"}) {
    fs::copy_file(
        kNpy + (std::string(part) == "coords" ? "bad/wrong_v_coords.npy"
                                              : "autocp/test_" + std::string(part) + ".npy"),
        wrong + "/w_" + part + ".npy");
  }
  EXPECT_EQ(error_of([&] {
              import_autocp(wrong, {{"train", "w"}}, 30);
            }),
            "'" + wrong +
                "/w_coords.npy': 20 joints (V), no layout has that many (in-motion-2022 "
                "29, in-motion 19, coco-18 18)");
}

TEST(DeepLabCut, MapsBodyPartsOntoJointsAndTakesTheFirstIndividual) {
  const std::string d = fresh_import_dir("dlc");
  const Skeleton& layout = find_layout("in-motion");
  const JointMap map = read_joint_map(write_joint_map(d + "/map.csv"), layout);
  for (const int individuals : {1, 2}) {
    const std::string file = d + "/rec" + std::to_string(individuals) + ".csv";
    write_deeplabcut(file, 5, individuals);
    ASSERT_TRUE(is_deeplabcut_csv(file));
    const RawRecording r = read_deeplabcut_csv(file, layout, map, 0.3);
    ASSERT_EQ(r.frames, 5);
    EXPECT_FLOAT_EQ(r.xy[(4 * 19 + 7) * 2], 100 + 70 + 4);  // the first individual's x
    EXPECT_FLOAT_EQ(r.xy[(4 * 19 + 7) * 2 + 1], 200 + 35);
    EXPECT_TRUE(std::isnan(r.xy[(2 * 19 + 3) * 2]));  // likelihood 0.05
    EXPECT_FALSE(std::isnan(r.xy[(1 * 19 + 3) * 2]));
  }
}

TEST(DeepLabCut, MalformedFilesAndMapsAreOneLineErrors) {
  const std::string d = fresh_import_dir("dlc_bad");
  const Skeleton& layout = find_layout("in-motion");
  const JointMap map = read_joint_map(write_joint_map(d + "/map.csv"), layout);
  write_deeplabcut(d + "/no_coords.csv", 3, 1, false);
  EXPECT_EQ(error_of([&] { read_deeplabcut_csv(d + "/no_coords.csv", layout, map, 0.3); }),
            "'" + d +
                "/no_coords.csv:3': expected the header row 'coords' (DeepLabCut's scorer, "
                "[individuals,] bodyparts, coords rows), found '0'");
  write_deeplabcut(d + "/ok.csv", 3, 1);
  EXPECT_EQ(error_of([&] { read_deeplabcut_csv(d + "/ok.csv", layout, {}, 0.3); }),
            "'" + d +
                "/ok.csv': a DeepLabCut file needs --joint-map (a CSV 'bodypart,joint' "
                "naming the layout joint of each body part)");
  EXPECT_EQ(
      error_of([&] { read_joint_map(write_joint_map(d + "/short.csv", "left_knee"), layout); }),
      "'" + d + "/short.csv': names no body part for joints of layout in-motion: left_knee");
  EXPECT_EQ(error_of([&] {
              read_joint_map(write_joint_map(d + "/extra.csv", "", "tail,left_tail\n"), layout);
            }),
            "'" + d + "/extra.csv:21': 'left_tail' is not a joint of layout in-motion");
  JointMap renamed = map;
  renamed.erase("bp_nose");
  renamed["snout"] = "nose";
  EXPECT_EQ(
      error_of([&] { read_deeplabcut_csv(d + "/ok.csv", layout, renamed, 0.3); }),
      "'" + d + "/ok.csv': no x and y columns for body part 'snout' that the joint map names");
}

TEST(Coco17Json, MMPoseTakesTheBestInstanceAndPutsTheNeckBetweenTheShoulders) {
  const std::string d = fresh_import_dir("mmpose");
  const Skeleton& coco = find_layout("coco-18");
  json frames = json::array();
  for (int f = 1; f <= 4; ++f) {
    json instances = json::array();
    if (f != 3) {  // nobody in frame 3
      const std::vector<double> scores(17, 0.9);
      instances.push_back(
          {{"keypoints", coco17_pairs(f)}, {"keypoint_scores", scores}, {"bbox_score", 0.5}});
      instances.push_back(
          {{"keypoints", coco17_pairs(500 + f)}, {"keypoint_scores", scores}, {"bbox_score", 0.8}});
    }
    frames.push_back({{"frame_id", f}, {"instances", instances}});
  }
  std::ofstream(d + "/demo.json") << json{{"meta_info", {{"dataset_name", "coco"}}},
                                          {"instance_info", frames}};
  std::ofstream(d + "/inferencer.json") << frames;
  for (const char* name : {"/demo.json", "/inferencer.json"}) {
    const RawRecording r = read_coco17_json(d + name, coco, 0.3);
    ASSERT_EQ(r.frames, 4);
    EXPECT_FLOAT_EQ(r.xy[(0 * 18 + 0) * 2], 501);        // nose, the 0.8 instance
    EXPECT_FLOAT_EQ(r.xy[(0 * 18 + 2) * 2], 501 + 60);   // RShoulder <- COCO 6
    EXPECT_FLOAT_EQ(r.xy[(0 * 18 + 14) * 2], 501 + 20);  // REye <- COCO 2
    EXPECT_FLOAT_EQ(r.xy[(0 * 18 + 1) * 2], 501 + 55);   // neck: (50 + 60) / 2
    EXPECT_FLOAT_EQ(r.xy[(0 * 18 + 1) * 2 + 1], 27.5);
    EXPECT_TRUE(std::isnan(r.xy[(2 * 18 + 0) * 2]));  // frame 3
  }
  EXPECT_EQ(error_of([&] { read_coco17_json(d + "/demo.json", find_layout("in-motion"), 0.3); }),
            "'" + d + "/demo.json': COCO-17 keypoints import into layout coco-18, not in-motion");
  std::ofstream(d + "/short.json") << json::array(
      {{{"frame_id", 0},
        {"instances",
         json::array({{{"keypoints", json::array()}, {"keypoint_scores", json::array()}}})}}});
  EXPECT_EQ(error_of([&] { read_coco17_json(d + "/short.json", coco, 0.3); }),
            "'" + d +
                "/short.json': entry 0: expected 'keypoints' [[x, y] x 17] and "
                "'keypoint_scores' [17] (COCO-17)");
  std::ofstream(d + "/other.json") << json::array({{{"boxes", 1}}});
  EXPECT_EQ(error_of([&] { read_coco17_json(d + "/other.json", coco, 0.3); }),
            "'" + d +
                "/other.json': entry 0: neither MMPose ('frame_id', 'instances') nor "
                "AlphaPose ('image_id', 'keypoints')");
}

TEST(Coco17Json, AlphaPoseTakesTheHighestScoringPersonOfEachImage) {
  const std::string d = fresh_import_dir("alphapose");
  json people = json::array();
  for (int f = 0; f < 3; ++f) {
    for (const double offset : {0.0, 300.0}) {
      json k = json::array();
      for (int j = 0; j < 17; ++j)
        k.insert(k.end(), {10.0 * j + offset + f, 5.0 * j, j == 0 ? 0.1 : 0.9});
      people.push_back({{"image_id", std::to_string(f) + ".jpg"},
                        {"category_id", 1},
                        {"keypoints", k},
                        {"score", offset > 0 ? 2.5 : 1.5}});
    }
  }
  std::ofstream(d + "/alphapose-results.json") << people;
  const RawRecording r =
      read_coco17_json(d + "/alphapose-results.json", find_layout("coco-18"), 0.3);
  ASSERT_EQ(r.frames, 3);
  EXPECT_FLOAT_EQ(r.xy[(2 * 18 + 4) * 2], 300 + 100 + 2);  // RWrist <- COCO 10, frame 2
  EXPECT_TRUE(std::isnan(r.xy[(1 * 18 + 0) * 2]));         // the nose's score is 0.1
  people[0]["keypoints"].erase(0);
  std::ofstream(d + "/bad.json") << people;
  EXPECT_EQ(error_of([&] { read_coco17_json(d + "/bad.json", find_layout("coco-18"), 0.3); }),
            "'" + d +
                "/bad.json': entry 0: 'keypoints' has 50 values, expected 51 (COCO-17 x, y, "
                "score)");
}

TEST(AutoSplit, StratifiedStableForASeedAndWithinOneRecordingOfTheWholesShare) {
  for (const int n : {20, 57, 133}) {
    std::vector<ManifestEntry> entries(n);
    int cp = 0;
    for (int i = 0; i < n; ++i) {
      entries[i].id = std::to_string(i);
      entries[i].label = i % 5 == 0 ? 1 : 0;
      cp += entries[i].label;
    }
    auto again = entries, other = entries;
    assign_splits(entries, parse_split_fractions("60:15:25", "--split-auto"), 4, "m");
    assign_splits(again, parse_split_fractions("0.6:0.15:0.25", "--split-auto"), 4, "m");
    assign_splits(other, parse_split_fractions("60:15:25", "--split-auto"), 5, "m");
    bool differs = false;
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(entries[i].split, again[i].split);
      differs |= entries[i].split != other[i].split;
    }
    EXPECT_TRUE(differs) << "another seed, another split";
    for (const char* split : {"train", "val", "test"}) {
      int size = 0, cp_in = 0;
      for (const auto& e : entries) {
        size += e.split == split;
        cp_in += e.split == split && e.label == 1;
      }
      EXPECT_GT(size, 0) << split;
      EXPECT_LE(std::abs(cp_in - static_cast<double>(cp) / n * size), 1.0) << n << " " << split;
    }
  }
  EXPECT_EQ(split_fractions_text(SplitFractions{}), "0.600:0.150:0.250");
  EXPECT_EQ(error_of([] { parse_split_fractions("60:40", "--split-auto"); }),
            "--split-auto '60:40': expected train:val:test shares, e.g. 60:15:25 (train above 0)");
  EXPECT_EQ(error_of([] { parse_split_fractions("a:1:1", "--split-auto"); }),
            "--split-auto 'a:1:1': expected train:val:test shares, e.g. 60:15:25");
  std::vector<ManifestEntry> given(1);
  given[0].id = "x";
  given[0].split = "val";
  EXPECT_EQ(error_of([&] { assign_splits(given, {}, 1, "manifest 'm.csv'"); }),
            "manifest 'm.csv': recording 'x' has split 'val' already; --split-auto assigns every "
            "split, so give none (or drop --split-auto)");
}

TEST(Manifest, FromAFolderAndLabelsWrittenWithItsSplitsAndReadBack) {
  const std::string d = fresh_import_dir("manifest_auto");
  fs::create_directories(d + "/rec/c");
  std::ofstream(d + "/rec/a.csv") << "frame\n";
  std::ofstream(d + "/rec/b.json") << "[]";
  std::ofstream(d + "/labels.csv") << "id,label\na,1\nb,0\nc,-1\n";
  auto entries = manifest_from_recordings(d + "/rec", d + "/labels.csv", 25);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].path, d + "/rec/a.csv");
  EXPECT_EQ(entries[1].path, d + "/rec/b.json");
  EXPECT_EQ(entries[2].path, d + "/rec/c");
  assign_splits(entries, {}, 1, "labels");
  fs::create_directories(d + "/out");
  write_manifest(d + "/out/cohort.manifest.csv", entries);
  const auto back = read_manifest(d + "/out/cohort.manifest.csv");
  ASSERT_EQ(back.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back[i].id, entries[i].id);
    EXPECT_EQ(back[i].label, entries[i].label);
    EXPECT_EQ(back[i].split, entries[i].split);
    EXPECT_TRUE(fs::equivalent(back[i].path, entries[i].path)) << back[i].path;
    EXPECT_EQ(back[i].fps, 25);
  }
  std::ofstream(d + "/labels2.csv") << "id,label\na,1\nd,0\n";
  EXPECT_EQ(
      error_of([&] { manifest_from_recordings(d + "/rec", d + "/labels2.csv", 25); }),
      "labels '" + d + "/labels2.csv:3': no 'd.csv', 'd.json' or folder 'd/' in '" + d + "/rec'");
  std::ofstream(d + "/nosplit.csv") << "id,label,path,fps\na,1,rec/a.csv,30\n";
  const auto unsplit = read_manifest(d + "/nosplit.csv");
  EXPECT_EQ(unsplit[0].split, "");
  EXPECT_EQ(
      error_of([&] { import_entries(unsplit, find_layout("in-motion"), {}, "manifest 'n'"); }),
      "manifest 'n': recording 'a' has no split (give every row one, or --split-auto "
      "train:val:test)");
  std::ofstream(d + "/typo.csv") << "id,label,spilt,path,fps\na,1,train,rec/a.csv,30\n";
  EXPECT_EQ(error_of([&] { read_manifest(d + "/typo.csv"); }),
            "manifest '" + d + "/typo.csv:1': unknown column 'spilt' (expected id,label,path,fps)");
}

TEST(CohortInfo, CountsLengthsAndMissingJoints) {
  const Cohort c = import_autocp(
      kNpy + "autocp", parse_autocp_sets("train=folds1,val=fold2,test=test", "--sets"), 30);
  const CohortInfo info = cohort_info(c);
  EXPECT_EQ(info.layout, "in-motion");
  EXPECT_EQ(info.recordings, 7);
  EXPECT_EQ(info.counts.at("train").at(1), 1);
  EXPECT_EQ(info.counts.at("train").at(0), 2);
  EXPECT_EQ(info.counts.at("val").at(1), 1);
  EXPECT_DOUBLE_EQ(info.min_seconds, 150 / 30.0);
  EXPECT_DOUBLE_EQ(info.median_seconds, 170 / 30.0);
  EXPECT_DOUBLE_EQ(info.max_seconds, 200 / 30.0);
  ASSERT_EQ(info.missing.size(), 19u);
  EXPECT_EQ(info.missing[0].first, "head_top");
  EXPECT_DOUBLE_EQ(info.missing[0].second, 1.0 / (155 + 190 + 200 + 170 + 160 + 180 + 150));
  EXPECT_DOUBLE_EQ(info.missing[1].second, 0.0);
}
